#include "test_pki.hpp"

#include <string>
#include <vector>

namespace tickerd::e2e {
namespace {

constexpr const char* openssl_bin = "/usr/bin/openssl";

testing::AssertionResult run(const temp_dir& dir, std::vector<std::string> argv,
                             const std::string& name) {
  child_process p;
  argv.insert(argv.begin(), openssl_bin);
  if (auto r = p.spawn(std::move(argv), dir.path(), "openssl-" + name); !r) return r;
  const auto exit = p.wait_exit(default_timeout);
  if (!exit || !exit->exited || exit->code != 0) {
    return testing::AssertionFailure()
           << "openssl " << name << " failed: " << (exit ? exit->str() : "timeout") << "\n"
           << p.logs();
  }
  return testing::AssertionSuccess();
}

const std::vector<std::string> new_ec_key{"-newkey", "ec", "-pkeyopt",
                                          "ec_paramgen_curve:prime256v1", "-nodes"};

testing::AssertionResult make_ca(const temp_dir& dir, const std::string& name) {
  std::vector<std::string> argv{"req", "-x509"};
  argv.insert(argv.end(), new_ec_key.begin(), new_ec_key.end());
  argv.insert(argv.end(), {"-keyout", (dir.path() / (name + ".key")).string(), "-out",
                           (dir.path() / (name + ".crt")).string(), "-days", "2", "-subj",
                           "/CN=tickerd test " + name});
  return run(dir, argv, name);
}

// A key and a certificate signed by ca.crt with the given extensions.
testing::AssertionResult make_leaf(const temp_dir& dir, const std::string& name,
                                   const std::string& extensions, int serial) {
  const auto p = [&](const std::string& f) { return (dir.path() / f).string(); };
  std::vector<std::string> req{"req"};
  req.insert(req.end(), new_ec_key.begin(), new_ec_key.end());
  req.insert(req.end(),
             {"-keyout", p(name + ".key"), "-out", p(name + ".csr"), "-subj", "/CN=" + name});
  if (auto r = run(dir, req, name + "-req"); !r) return r;
  dir.write(name + ".ext", extensions);
  return run(dir,
             {"x509", "-req", "-in", p(name + ".csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
              "-set_serial", std::to_string(serial), "-days", "2", "-out", p(name + ".crt"),
              "-extfile", p(name + ".ext")},
             name + "-sign");
}

}  // namespace

constexpr const char* server_extensions =
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
    "extendedKeyUsage=serverAuth\n";

testing::AssertionResult make_server_certificate(const temp_dir& dir, const std::string& name,
                                                 int serial) {
  return make_leaf(dir, name, server_extensions, serial);
}

testing::AssertionResult make_test_pki(const temp_dir& dir, test_pki& out) {
  if (!std::filesystem::exists(openssl_bin)) {
    return testing::AssertionFailure() << openssl_bin << " is missing (package openssl)";
  }
  if (auto r = make_ca(dir, "ca"); !r) return r;
  if (auto r = make_ca(dir, "other-ca"); !r) return r;
  if (auto r = make_server_certificate(dir, "server", 2); !r) return r;
  if (auto r =
          make_leaf(dir, "client", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n", 3);
      !r) {
    return r;
  }
  out.ca_cert = dir.path() / "ca.crt";
  out.server_cert = dir.path() / "server.crt";
  out.server_key = dir.path() / "server.key";
  out.client_cert = dir.path() / "client.crt";
  out.client_key = dir.path() / "client.key";
  out.other_ca_cert = dir.path() / "other-ca.crt";
  return testing::AssertionSuccess();
}

}  // namespace tickerd::e2e

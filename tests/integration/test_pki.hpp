// Certificates for TLS tests, made with the openssl command in the test's temp dir: a test CA,
// a server certificate for localhost and 127.0.0.1, a client certificate (mutual TLS), and a
// second CA that signed neither (the "wrong CA"). EC P-256 keys: quick to generate.
#pragma once

#include <filesystem>

#include "harness.hpp"

namespace tickerd::e2e {

struct test_pki {
  std::filesystem::path ca_cert;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
  std::filesystem::path other_ca_cert;
};

// Fails loudly when /usr/bin/openssl is missing or a step fails.
testing::AssertionResult make_test_pki(const temp_dir& dir, test_pki& out);

// Another server certificate for localhost and 127.0.0.1 from the same CA (after
// make_test_pki): <name>.crt and <name>.key in `dir`, with the given serial.
testing::AssertionResult make_server_certificate(const temp_dir& dir, const std::string& name,
                                                 int serial);

}  // namespace tickerd::e2e

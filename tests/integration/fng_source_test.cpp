// fng_source's HTTP(S) client against an in-process test server on loopback: SNI and
// certificate checks, the request it sends, retries after errors, timeouts, the response size
// limit, and that only a good answer is published. No market data here, so every update on the
// channel comes from the API.
#include "app/fng_source.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/aggregator.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::string_view good_body =
    R"({"name":"Fear and Greed Index","data":[{"value":"40","value_classification":"Fear",)"
    R"("timestamp":"1551157200","time_until_update":"68499"}],"metadata":{"error":null}})";

// A self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI.
class certificate_dir {
 public:
  certificate_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "tickerd-fng-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    const auto command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key().string() + "' -out '" + cert().string() + "' 2>'" + (path_ / "openssl.log").string() +
        "'";
    status_ = std::system(command.c_str());
  }
  ~certificate_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  bool ok() const { return status_ == 0 && std::filesystem::exists(cert()); }
  std::filesystem::path cert() const { return path_ / "cert.pem"; }
  std::filesystem::path key() const { return path_ / "key.pem"; }

 private:
  std::filesystem::path path_;
  int status_ = -1;
};

// One-request-per-connection HTTP(S) server on its own thread, answering as `mode` says.
class test_server {
 public:
  enum class mode { ok, error_500, silent, huge, not_json };

  explicit test_server(const certificate_dir* certs = nullptr)
      : tls_(net::ssl::context::tls_server),
        acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    if (certs) {
      secure_ = true;
      tls_.use_certificate_chain_file(certs->cert().string());
      tls_.use_private_key_file(certs->key().string(), net::ssl::context::pem);
      SSL_CTX_set_tlsext_servername_callback(tls_.native_handle(), &test_server::on_sni);
      SSL_CTX_set_tlsext_servername_arg(tls_.native_handle(), this);
    }
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~test_server() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void set_mode(mode m) { mode_ = m; }
  std::size_t accepted() const { return accepted_; }
  std::size_t answered() const { return answered_; }

  struct request {
    std::string target;
    std::string host;
    std::string user_agent;
    std::string sni;
  };
  std::vector<request> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static int on_sni(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<test_server*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const std::lock_guard lock(self->mutex_);
    self->sni_ = name ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++accepted_;
      {
        const std::lock_guard lock(mutex_);
        sni_.clear();
      }
      net::co_spawn(ioc_, serve(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> serve(tcp::socket socket) {
    if (!secure_) {
      beast::tcp_stream s(std::move(socket));
      co_await respond(s);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> s(std::move(socket), tls_);
    auto [ec] = co_await s.async_handshake(net::ssl::stream_base::server, use_tuple);
    if (ec) co_return;
    co_await respond(s);
  }

  template <class Stream>
  net::awaitable<void> respond(Stream& s) {
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    auto [read_ec, n] = co_await http::async_read(s, buffer, req, use_tuple);
    if (read_ec) co_return;
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back({std::string(req.target()), std::string(req[http::field::host]),
                           std::string(req[http::field::user_agent]), sni_});
    }
    const mode m = mode_;
    if (m == mode::silent) {
      // Never answer; wait for the client to give up and close.
      char byte;
      co_await s.async_read_some(net::buffer(&byte, 1), use_tuple);
      co_return;
    }
    http::response<http::string_body> res{
        m == mode::error_500 ? http::status::internal_server_error : http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    if (m == mode::huge) {
      res.body() = std::string(good_body) + std::string(100'000, ' ');
    } else if (m == mode::not_json) {
      res.body() = "<html>oops</html>";
    } else if (m == mode::ok) {
      res.body() = good_body;
    } else {
      res.body() = R"({"error":"internal"})";
    }
    res.keep_alive(false);
    res.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(s, res, use_tuple);
    if (!write_ec) ++answered_;
  }

  net::io_context ioc_;
  net::ssl::context tls_;
  bool secure_ = false;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<mode> mode_{mode::ok};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> answered_{0};
  mutable std::mutex mutex_;
  std::string sni_;
  std::vector<request> requests_;
};

fng_config fast_config(std::string url) {
  fng_config c;
  c.url = std::move(url);
  c.poll_interval = 200ms;
  c.timeout = 300ms;
  c.backoff_initial = 10ms;
  c.backoff_max = 50ms;
  c.compute_interval = 10'000ms;
  c.max_response_bytes = 4096;
  return c;
}

// fng_source with a real publisher and aggregator (no market data) on the test's thread.
class rig {
 public:
  rig(const fng_config& config, net::ssl::context& client_tls)
      : instruments_{*instrument::parse("BTC-USDT")},
        channels_(instruments_),
        out_(channels_,
             [this](update_ptr u) {
               if (u->channel == channels_.fng()) published.emplace_back(u->data());
             }),
        market_(instruments_, channels_, out_),
        source_(std::make_unique<fng_source>(ioc_, &client_tls, config, instruments_, market_, out_,
                                             channels_.fng())) {
    source_->start();
  }
  ~rig() {
    source_->stop();
    ioc_.run_for(200ms);  // let the cancelled request unwind
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      ioc_.run_one_for(20ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) { ioc_.run_for(d); }

  std::vector<std::string> published;

 private:
  net::io_context ioc_;
  std::vector<instrument> instruments_;
  channel_registry channels_;
  publisher out_;
  aggregator market_;
  std::unique_ptr<fng_source> source_;
};

void expect_api_value(const std::string& data) {
  const auto json = e2e::json_value::parse(data);
  ASSERT_TRUE(json) << data;
  EXPECT_EQ((*json)["value"].integer(), 40) << data;
  EXPECT_EQ((*json)["value_classification"].str(), "Fear");
  EXPECT_EQ((*json)["source"].str(), "alternative.me");
  EXPECT_EQ((*json)["timestamp"].integer(), 1'551'157'200'000'000);
  EXPECT_LE((*json)["time_until_update_s"].integer(), 68'499);
  EXPECT_GE((*json)["time_until_update_s"].integer(), 68'400);
  EXPECT_TRUE((*json)["computed"].is_null()) << "no market data";
}

TEST(fng_source, https_sends_sni_verifies_and_publishes) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  test_server server(&certs);
  net::ssl::context client{net::ssl::context::tls_client};
  client.load_verify_file(certs.cert().string());
  const std::string port = std::to_string(server.port());
  rig r(fast_config("https://localhost:" + port + "/fng/?limit=1"), client);
  ASSERT_TRUE(r.run_until([&] { return !r.published.empty(); }));
  expect_api_value(r.published[0]);
  const auto requests = server.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].target, "/fng/?limit=1");
  EXPECT_EQ(requests[0].host, "localhost:" + port);
  EXPECT_EQ(requests[0].sni, "localhost");
  EXPECT_EQ(requests[0].user_agent.rfind("tickerd/", 0), 0u) << requests[0].user_agent;

  // Later polls of the same value publish nothing new.
  ASSERT_TRUE(r.run_until([&] { return server.answered() >= 3; }));
  EXPECT_EQ(r.published.size(), 1u);
}

TEST(fng_source, https_to_an_ip_checks_the_ip_and_sends_no_sni) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  test_server server(&certs);
  net::ssl::context client{net::ssl::context::tls_client};
  client.load_verify_file(certs.cert().string());
  rig r(fast_config("https://127.0.0.1:" + std::to_string(server.port()) + "/fng/"), client);
  ASSERT_TRUE(r.run_until([&] { return !r.published.empty(); }));
  ASSERT_FALSE(server.requests().empty());
  EXPECT_EQ(server.requests()[0].sni, "");
}

TEST(fng_source, an_untrusted_certificate_is_refused_unless_verification_is_off) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  test_server server(&certs);
  net::ssl::context client{net::ssl::context::tls_client};  // empty CA store
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/fng/";
  {
    rig r(fast_config(url), client);
    ASSERT_TRUE(r.run_until([&] { return server.accepted() >= 3; })) << "retried";
    EXPECT_TRUE(r.published.empty());
    EXPECT_TRUE(server.requests().empty()) << "no request over an unverified connection";
  }
  auto config = fast_config(url);
  config.verify_tls = false;
  rig r(config, client);
  ASSERT_TRUE(r.run_until([&] { return !r.published.empty(); }));
  expect_api_value(r.published[0]);
}

TEST(fng_source, errors_are_retried_until_an_answer_is_good) {
  test_server server;
  net::ssl::context client{net::ssl::context::tls_client};
  rig r(fast_config("http://127.0.0.1:" + std::to_string(server.port()) + "/fng/?limit=1"), client);
  for (const auto m :
       {test_server::mode::error_500, test_server::mode::not_json, test_server::mode::huge}) {
    server.set_mode(m);
    const auto seen = server.requests().size();
    ASSERT_TRUE(r.run_until([&] { return server.requests().size() >= seen + 3; }))
        << "retried (mode " << static_cast<int>(m) << ")";
    EXPECT_TRUE(r.published.empty()) << r.published.front();
  }
  server.set_mode(test_server::mode::ok);
  ASSERT_TRUE(r.run_until([&] { return !r.published.empty(); }));
  expect_api_value(r.published[0]);
}

TEST(fng_source, a_silent_server_times_out_and_is_retried) {
  test_server server;
  server.set_mode(test_server::mode::silent);
  net::ssl::context client{net::ssl::context::tls_client};
  rig r(fast_config("http://127.0.0.1:" + std::to_string(server.port()) + "/fng/"), client);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(r.run_until([&] { return server.requests().size() >= 3; }));
  // Three requests, the first two abandoned after timeout_ms (300 ms) each.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 600ms);
  EXPECT_TRUE(r.published.empty());
  server.set_mode(test_server::mode::ok);
  ASSERT_TRUE(r.run_until([&] { return !r.published.empty(); }));
}

TEST(fng_source, nothing_listening_is_retried_quietly) {
  std::uint16_t port = 0;
  {
    test_server gone;
    port = gone.port();
  }
  net::ssl::context client{net::ssl::context::tls_client};
  rig r(fast_config("http://127.0.0.1:" + std::to_string(port) + "/fng/"), client);
  r.run_for(500ms);
  EXPECT_TRUE(r.published.empty());
}

}  // namespace
}  // namespace tickerd

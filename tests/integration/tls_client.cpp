#include "tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "raw_ws.hpp"

namespace tickerd::e2e {
namespace {

// Each blocking read or write waits at most this long, so a deadline is checked often.
constexpr int io_slice_ms = 50;

std::string openssl_errors() {
  std::string out;
  while (const auto e = ERR_get_error()) {
    char text[256] = {};
    ERR_error_string_n(e, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? std::string("no OpenSSL reason") : out;
}

bool retryable(ssl_st* ssl, int rc) {
  const int e = SSL_get_error(ssl, rc);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

}  // namespace

tls_connection::~tls_connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

testing::AssertionResult tls_connection::connect(std::uint16_t port,
                                                 const tls_client_options& options,
                                                 duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return testing::AssertionFailure() << "socket: " << std::strerror(errno);
  if (options.receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                 sizeof options.receive_buffer);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return testing::AssertionFailure()
           << "connect to port " << port << ": " << std::strerror(errno);
  }
  const timeval slice{0, io_slice_ms * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &slice, sizeof slice);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return testing::AssertionFailure() << "SSL_CTX_new: " << openssl_errors();
  if (options.legacy) {
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
  }
  if (options.min_version != 0) SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (SSL_CTX_load_verify_locations(ctx_, options.ca.c_str(), nullptr) != 1) {
    return testing::AssertionFailure() << "CA " << options.ca << ": " << openssl_errors();
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr) return testing::AssertionFailure() << "SSL_new: " << openssl_errors();
  SSL_set1_host(ssl_, options.host.c_str());
  SSL_set_tlsext_host_name(ssl_, options.host.c_str());
  static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl_, alpn, sizeof alpn);
  SSL_set_fd(ssl_, fd_);
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return testing::AssertionSuccess();
    if (!retryable(ssl_, rc)) {
      const long verify = SSL_get_verify_result(ssl_);
      auto failure = testing::AssertionFailure() << "TLS handshake failed: " << openssl_errors();
      if (verify != X509_V_OK)
        failure << " (verify: " << X509_verify_cert_error_string(verify) << ")";
      return failure;
    }
    if (steady_clock::now() >= deadline) {
      return testing::AssertionFailure()
             << "TLS handshake not done within " << timeout.count() << " ms";
    }
  }
}

testing::AssertionResult tls_connection::write(std::string_view bytes, duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (!bytes.empty()) {
    ERR_clear_error();
    const int rc = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    if (rc > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(rc));
      continue;
    }
    if (!retryable(ssl_, rc)) {
      return testing::AssertionFailure() << "SSL_write: " << openssl_errors();
    }
    if (steady_clock::now() >= deadline) return testing::AssertionFailure() << "write timed out";
  }
  return testing::AssertionSuccess();
}

bool tls_connection::read_some(std::string& out, duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  char buffer[16 * 1024];
  while (!closed_) {
    ERR_clear_error();
    const int rc = SSL_read(ssl_, buffer, sizeof buffer);
    if (rc > 0) {
      out.append(buffer, static_cast<std::size_t>(rc));
      return true;
    }
    if (!retryable(ssl_, rc)) {
      closed_ = true;
      return false;
    }
    if (steady_clock::now() >= deadline) return false;
  }
  return false;
}

std::string tls_connection::peer_serial() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return {};
  std::string out;
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      out = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  X509_free(cert);
  return out;
}

std::string tls_connection::alpn() const {
  const unsigned char* data = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_, &data, &len);
  return std::string(reinterpret_cast<const char*>(data), len);
}

std::string tls_connection::version() const {
  return SSL_get_version(ssl_);
}

http_response https_get(std::uint16_t port, std::string_view target,
                        const tls_client_options& options, duration timeout) {
  http_response res;
  tls_connection conn;
  if (auto r = conn.connect(port, options, timeout); !r) {
    res.error = r.message();
    return res;
  }
  const std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + options.host +
                              "\r\nConnection: close\r\n\r\n";
  if (auto r = conn.write(request, timeout); !r) {
    res.error = r.message();
    return res;
  }
  std::string raw;
  const auto deadline = steady_clock::now() + timeout;
  while (!conn.closed() && steady_clock::now() < deadline) {
    conn.read_some(raw, std::chrono::milliseconds(200));
  }
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) {
    res.error = "no HTTP response: " + raw.substr(0, 200);
    return res;
  }
  res.status = std::stoi(raw.substr(9, 3));
  res.body = raw.substr(head_end + 4);
  return res;
}

testing::AssertionResult wait_for_https_200(std::uint16_t port, const tls_client_options& options,
                                            duration timeout, child_process& watched) {
  const auto deadline = steady_clock::now() + timeout;
  http_response last;
  for (;;) {
    if (!watched.running()) {
      return testing::AssertionFailure() << watched.name() << " " << watched.exit_status()->str()
                                         << " before GET /healthz answered 200\n"
                                         << watched.logs();
    }
    last = https_get(port, "/healthz", options, std::chrono::seconds(5));
    if (last.status == 200) return testing::AssertionSuccess();
    if (steady_clock::now() >= deadline) {
      return testing::AssertionFailure() << "GET /healthz over TLS did not answer 200: status "
                                         << last.status << " " << last.error;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval, not a sync
  }
}

testing::AssertionResult wss_client::connect(std::uint16_t port, const tls_client_options& options,
                                             duration timeout) {
  if (auto r = conn_.connect(port, options, timeout); !r) return r;
  const std::string request = "GET /ws HTTP/1.1\r\nHost: " + options.host +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: " +
                              client_key() + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (auto r = conn_.write(request, timeout); !r) return r;
  const auto deadline = steady_clock::now() + timeout;
  std::size_t head_end = std::string::npos;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (conn_.closed() || steady_clock::now() >= deadline) {
      return testing::AssertionFailure() << "no upgrade response: " << buffer_.substr(0, 200);
    }
    conn_.read_some(buffer_, std::chrono::milliseconds(200));
  }
  if (buffer_.rfind("HTTP/1.1 101 ", 0) != 0) {
    return testing::AssertionFailure() << "upgrade refused: " << buffer_.substr(0, 200);
  }
  buffer_.erase(0, head_end + 4);
  parse_frames();
  return testing::AssertionSuccess();
}

testing::AssertionResult wss_client::send_text(std::string_view text) {
  return conn_.write(text_frame(text));
}

bool wss_client::parse_frames() {
  wire_frame f;
  while (take_frame(buffer_, f)) {
    if (!valid_server_frame(f)) return false;
    if (f.opcode == op_close) {
      close_code_ = f.close_code();
      return false;
    }
    if (f.opcode != op_text) continue;  // pings: the server's keepalive, not needed here
    ++frames_;
    for (auto& text : split_messages(f.payload)) {
      ws_message m;
      m.index = messages_.size();
      m.frame = frames_;
      m.raw = std::move(text);
      m.received = f.received;
      if (auto parsed = json_value::parse(m.raw)) {
        m.valid = true;
        m.json = std::move(*parsed);
      }
      messages_.push_back(std::move(m));
    }
  }
  return true;
}

std::optional<ws_message> wss_client::wait_for(const ws_client::predicate& pred, duration timeout,
                                               std::size_t from) {
  const auto deadline = steady_clock::now() + timeout;
  std::size_t checked = from;
  for (;;) {
    for (; checked < messages_.size(); ++checked) {
      if (pred(messages_[checked])) return messages_[checked];
    }
    if (conn_.closed() || steady_clock::now() >= deadline) return std::nullopt;
    conn_.read_some(buffer_, std::chrono::milliseconds(200));
    if (!parse_frames()) return std::nullopt;
  }
}

}  // namespace tickerd::e2e

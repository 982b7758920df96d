#include "redis_harness.hpp"

#include <signal.h>

#include <filesystem>

#include <hiredis/hiredis.h>

namespace tickerd::e2e {

redis_server::redis_server(const temp_dir& dir, std::string name)
    : dir_(dir), name_(std::move(name)), port_(free_port()), tls_port_(free_port()) {}

redis_server::~redis_server() {
  if (process_) process_->stop();
}

testing::AssertionResult redis_server::start() {
  if (!std::filesystem::exists(redis_server_bin)) {
    return testing::AssertionFailure()
           << redis_server_bin << " is missing: `make test` installs redis-server";
  }
  if (process_) process_->stop();
  process_ = std::make_unique<child_process>();
  ++starts_;
  const std::string port = std::to_string(port_);
  std::vector<std::string> argv{redis_server_bin,
                                "--port",
                                port,
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--dir",
                                dir_.path().string(),
                                "--protected-mode",
                                "no",
                                "--loglevel",
                                "notice"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto started =
      process_->spawn(std::move(argv), dir_.path(), name_ + "-" + std::to_string(starts_));
  if (!started) return started;
  return process_->wait_for_stdout_line("Ready to accept connections", start_timeout);
}

exit_info redis_server::kill() {
  if (!process_) return {};
  return process_->kill_now();
}

namespace {

redis_value convert(const redisReply* r) {
  redis_value v;
  if (r == nullptr) {
    v.type = redis_value::kind::error;
    v.str = "no reply";
    return v;
  }
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      v.type = redis_value::kind::string;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      v.type = redis_value::kind::error;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = redis_value::kind::integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = redis_value::kind::array;
      for (std::size_t i = 0; i < r->elements; ++i) v.items.push_back(convert(r->element[i]));
      break;
    default:
      break;
  }
  return v;
}

}  // namespace

redis_sync_client::redis_sync_client(std::uint16_t port) {
  timeval tv{5, 0};
  auto* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return;
  }
  redisSetTimeout(c, tv);
  ctx_ = c;
}

redis_sync_client::~redis_sync_client() {
  if (ctx_ != nullptr) redisFree(static_cast<redisContext*>(ctx_));
}

redis_value redis_sync_client::command(const std::vector<std::string>& args) {
  if (ctx_ == nullptr) return {redis_value::kind::error, "not connected", 0, {}};
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(
      static_cast<redisContext*>(ctx_), static_cast<int>(argv.size()), argv.data(), lens.data()));
  auto v = convert(r);
  if (r != nullptr) freeReplyObject(r);
  return v;
}

std::optional<std::string> redis_sync_client::hget(const std::string& key,
                                                   const std::string& field) {
  auto v = command({"HGET", key, field});
  if (v.type != redis_value::kind::string) return std::nullopt;
  return v.str;
}

}  // namespace tickerd::e2e

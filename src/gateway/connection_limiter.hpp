// Counts WebSocket clients per process and per source address, across shards. Touched only
// when a client connects or leaves, never per message, so a mutex is fine here.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tickerd {

class connection_limiter {
 public:
  enum class verdict { ok, too_many_total, too_many_from_address };

  connection_limiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  verdict acquire(const std::string& address) {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) return verdict::too_many_total;
    auto& n = per_address_[address];
    if (n >= max_per_address_) return verdict::too_many_from_address;
    ++n;
    ++total_;
    return verdict::ok;
  }

  // SIGHUP: clients already over a lowered limit stay; new ones meet it.
  void set_limits(std::size_t max_total, std::size_t max_per_address) {
    std::lock_guard lock(mutex_);
    max_total_ = max_total;
    max_per_address_ = max_per_address;
  }

  void release(const std::string& address) {
    std::lock_guard lock(mutex_);
    const auto it = per_address_.find(address);
    if (it == per_address_.end()) return;
    --total_;
    if (--it->second == 0) per_address_.erase(it);
  }

  std::size_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }

 private:
  std::size_t max_total_;
  std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

}  // namespace tickerd

// The dashboard's files, read once at start-up and then shared, immutable, by every shard.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace tickerd {

struct static_file {
  std::string content_type;
  std::string body;
};

class static_files {
 public:
  // Loads every regular file under `root` (not following symlinks out of it). A missing root
  // leaves the set empty and is reported by the caller.
  static std::shared_ptr<const static_files> load(const std::string& root);

  // "/" maps to "/index.html". Null when absent.
  const static_file* find(std::string_view target) const;
  std::size_t size() const noexcept { return files_.size(); }

 private:
  std::map<std::string, static_file, std::less<>> files_;
};

}  // namespace tickerd

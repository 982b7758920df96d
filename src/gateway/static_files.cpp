#include "gateway/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tickerd {
namespace {

constexpr std::size_t max_file_bytes = 8u << 20;

std::string content_type_for(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

}  // namespace

std::shared_ptr<const static_files> static_files::load(const std::string& root) {
  auto files = std::make_shared<static_files>();
  std::error_code ec;
  const std::filesystem::path base(root);
  if (!std::filesystem::is_directory(base, ec)) return files;
  for (auto it = std::filesystem::recursive_directory_iterator(base, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->file_size(ec) > max_file_bytes) continue;
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) continue;
    std::ostringstream body;
    body << in.rdbuf();
    const auto rel = std::filesystem::relative(it->path(), base, ec).generic_string();
    files->files_.emplace("/" + rel, static_file{content_type_for(it->path()), body.str()});
  }
  return files;
}

const static_file* static_files::find(std::string_view target) const {
  const auto query = target.find('?');
  if (query != std::string_view::npos) target = target.substr(0, query);
  if (target == "/") target = "/index.html";
  const auto it = files_.find(target);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace tickerd

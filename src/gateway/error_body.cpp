#include "gateway/error_body.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd {

std::string error_body(std::string_view code, std::string_view message) {
  std::string body = R"({"error":)";
  json::append_string(body, code);
  json::append_key(body, "message");
  json::append_string(body, message);
  body.push_back('}');
  return body;
}

}  // namespace tickerd

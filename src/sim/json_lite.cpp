#include "sim/json_lite.hpp"

namespace tickerd::sim::json_lite {
namespace {

class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}

  bool document(value& out, parse_error& err) {
    skip_ws();
    if (!parse_value(out, 0)) return fail(err);
    skip_ws();
    if (pos_ != in_.size()) {
      what_ = "trailing characters";
      return fail(err);
    }
    return true;
  }

 private:
  bool fail(parse_error& err) const {
    err = {};
    for (std::size_t i = 0; i < pos_ && i < in_.size(); ++i) {
      if (in_[i] == '\n') {
        ++err.line;
        err.column = 1;
      } else {
        ++err.column;
      }
    }
    err.what = what_.empty() ? "expected value" : what_;
    return false;
  }

  bool error(const char* what) {
    what_ = what;
    return false;
  }

  void skip_ws() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return error("expected value");
    pos_ += word.size();
    return true;
  }

  bool parse_value(value& v, std::size_t depth) {
    if (depth > max_depth) return error("recursion limit exceeded");
    if (pos_ >= in_.size()) return error("EOF while parsing a value");
    switch (in_[pos_]) {
      case '{':
        return parse_object(v, depth);
      case '[':
        return parse_array(v, depth);
      case '"':
        v.type = kind::string;
        return parse_string(v.text);
      case 't':
        v.type = kind::boolean;
        v.boolean = true;
        return literal("true");
      case 'f':
        v.type = kind::boolean;
        v.boolean = false;
        return literal("false");
      case 'n':
        v.type = kind::null;
        return literal("null");
      default:
        v.type = kind::number;
        return parse_number(v.text);
    }
  }

  bool parse_object(value& v, std::size_t depth) {
    v.type = kind::object;
    ++pos_;  // {
    skip_ws();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_ws();
      if (pos_ >= in_.size() || in_[pos_] != '"') return error("key must be a string");
      std::string key;
      if (!parse_string(key)) return false;
      skip_ws();
      if (pos_ >= in_.size() || in_[pos_] != ':') return error("expected `:`");
      ++pos_;
      skip_ws();
      value member;
      if (!parse_value(member, depth + 1)) return false;
      v.members.emplace_back(std::move(key), std::move(member));
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return error("expected `,` or `}`");
    }
  }

  bool parse_array(value& v, std::size_t depth) {
    v.type = kind::array;
    ++pos_;  // [
    skip_ws();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_ws();
      value item;
      if (!parse_value(item, depth + 1)) return false;
      v.items.push_back(std::move(item));
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return error("expected `,` or `]`");
    }
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool parse_hex4(unsigned& out) {
    if (pos_ + 4 > in_.size()) return error("invalid escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(in_[pos_++]);
      if (d < 0) return error("invalid escape");
      out = out * 16 + static_cast<unsigned>(d);
    }
    return true;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    while (pos_ < in_.size()) {
      const char c = in_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= in_.size()) break;
      switch (in_[pos_++]) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          unsigned cp = 0;
          if (!parse_hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00) {  // high surrogate: a low one must follow
            unsigned lo = 0;
            if (in_.substr(pos_, 2) != "\\u") return error("lone surrogate");
            pos_ += 2;
            if (!parse_hex4(lo) || lo < 0xdc00 || lo >= 0xe000) return error("lone surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return error("lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return error("invalid escape");
      }
    }
    return error("EOF while parsing a string");
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool digits() {
    const std::size_t start = pos_;
    while (pos_ < in_.size() && is_digit(in_[pos_])) ++pos_;
    return pos_ > start;
  }

  bool parse_number(std::string& out) {
    const std::size_t start = pos_;
    if (pos_ < in_.size() && in_[pos_] == '-') ++pos_;
    if (pos_ < in_.size() && in_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      pos_ = start;
      return error("expected value");
    }
    if (pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      if (!digits()) return error("invalid number");
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (!digits()) return error("invalid number");
    }
    out.assign(in_.substr(start, pos_ - start));
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace

const value* value::find(std::string_view key) const noexcept {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool value::is_integer() const noexcept {
  return type == kind::number && text.find_first_of(".eE") == std::string::npos;
}

bool parse(std::string_view text, value& out, parse_error& err) {
  out = value{};
  return reader(text).document(out, err);
}

}  // namespace tickerd::sim::json_lite

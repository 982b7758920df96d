#include "feeds/venues/book_streams.hpp"

#include <cctype>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::book_streams {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::size_t book_depth(venue_id venue) noexcept {
  switch (venue) {
    case venue_id::binance:
      return binance_snapshot_limit;
    case venue_id::okx:
      return 400;  // `books` is the full 400-level book
    case venue_id::bybit:
      return 50;  // the venue keeps 50 and deletes what leaves them
    case venue_id::kraken:
      return kraken_book_depth;  // Kraken's rule: truncate to the subscribed depth
    case venue_id::coinbase:
      return 1000;  // the full book, cut: the top 50 stays exact
  }
  return 50;
}

std::string binance_depth_stream(std::string_view symbol) {
  std::string s(symbol);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s + "@depth@100ms";
}

std::string book_frame(venue_id venue, std::string_view symbol, bool subscribe) {
  std::string m;
  switch (venue) {
    case venue_id::binance:
      m = subscribe ? R"({"method":"SUBSCRIBE","params":[)"
                    : R"({"method":"UNSUBSCRIBE","params":[)";
      json::append_string(m, binance_depth_stream(symbol));
      m += subscribe ? R"(],"id":11})" : R"(],"id":10})";
      return m;
    case venue_id::okx:
      m = subscribe ? R"({"op":"subscribe","args":[{"channel":"books","instId":)"
                    : R"({"op":"unsubscribe","args":[{"channel":"books","instId":)";
      json::append_string(m, upper(symbol));
      m += "}]}";
      return m;
    case venue_id::bybit:
      m = subscribe ? R"({"op":"subscribe","args":[)" : R"({"op":"unsubscribe","args":[)";
      json::append_string(m, "orderbook.50." + upper(symbol));
      m += "]}";
      return m;
    case venue_id::kraken:
      m = subscribe ? R"({"method":"subscribe","params":{"channel":"book","depth":)"
                    : R"({"method":"unsubscribe","params":{"channel":"book","depth":)";
      m += std::to_string(kraken_book_depth);
      m += R"(,"symbol":[)";
      json::append_string(m, symbol);
      m += R"(]},"req_id":3})";
      return m;
    case venue_id::coinbase:
      m = subscribe ? R"({"type":"subscribe","channels":[{"name":"level2_batch","product_ids":[)"
                    : R"({"type":"unsubscribe","channels":[{"name":"level2_batch","product_ids":[)";
      json::append_string(m, upper(symbol));
      m += "]}]}";
      return m;
  }
  return m;
}

std::string kraken_instrument_subscribe() {
  return R"({"method":"subscribe","params":{"channel":"instrument","snapshot":true},"req_id":4})";
}

std::string binance_snapshot_target(std::string_view symbol) {
  return "/api/v3/depth?symbol=" + upper(symbol) +
         "&limit=" + std::to_string(binance_snapshot_limit);
}

}  // namespace tickerd::book_streams

#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "market/book/book_json.hpp"
#include "tickerd/market/book/book_parsers.hpp"

namespace tickerd::book {

namespace ondemand = simdjson::ondemand;

struct book_parser::impl {
  venue_json::padded_frame buffer;
  ondemand::parser parser;
  ondemand::document doc;
};

book_parser::book_parser(venue_id venue, std::size_t max_frame_bytes)
    : venue_(venue), max_frame_bytes_(max_frame_bytes), impl_(std::make_unique<impl>()) {}

book_parser::~book_parser() = default;

feed_errc book_parser::parse(std::string_view frame, book_frame& out) noexcept {
  out.clear();
  // OKX answers its keepalive "ping" with a bare "pong": proof of life, not JSON.
  if (venue_ == venue_id::okx && frame == "pong") {
    out.control = true;
    return feed_errc::ok;
  }
  ondemand::object root;
  if (auto e = venue_json::open_root(frame, max_frame_bytes_, impl_->buffer, impl_->parser,
                                     impl_->doc, root);
      e != feed_errc::ok) {
    return e;
  }
  switch (venue_) {
    case venue_id::binance:
      return json::parse_binance(root, out);
    case venue_id::okx:
      return json::parse_okx(root, out);
    case venue_id::bybit:
      return json::parse_bybit(root, out);
    case venue_id::kraken:
      return json::parse_kraken(root, out);
    case venue_id::coinbase:
      return json::parse_coinbase(root, out);
  }
  return feed_errc::unexpected_shape;
}

feed_errc book_parser::parse_binance_snapshot(std::string_view body, book_message& out) noexcept {
  out.reset();
  ondemand::object root;
  if (auto e = venue_json::open_root(body, max_frame_bytes_, impl_->buffer, impl_->parser,
                                     impl_->doc, root);
      e != feed_errc::ok) {
    return e;
  }
  return json::parse_binance_rest(root, out);
}

feed_errc book_parser::parse_kraken_instruments(std::string_view frame,
                                                std::vector<kraken_precision>& out) noexcept {
  ondemand::object root;
  if (auto e = venue_json::open_root(frame, max_frame_bytes_, impl_->buffer, impl_->parser,
                                     impl_->doc, root);
      e != feed_errc::ok) {
    return e;
  }
  return json::parse_kraken_instruments(root, out);
}

}  // namespace tickerd::book

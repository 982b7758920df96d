#include "gateway/ccxt_form.hpp"

#include <spdlog/spdlog.h>

#include "tickerd/market/ccxt_from_native.hpp"

namespace tickerd {

const ccxt_texts& ccxt_form::of(const published_update& u) {
  if (const auto* made = u.ccxt()) return *made;
  buffer_.clear();
  const auto& info = channels_.info(u.channel);
  if (!encode_ccxt_from_native(buffer_, info.kind, u.data(), parser_)) {
    // Never published so (the native encoders write what this reads): said, not hidden.
    const auto log = spdlog::get("gateway");
    (log ? log : spdlog::default_logger())
        ->warn("format=ccxt: {} seq {} has no CCXT form: data null", info.name, u.seq);
    buffer_ = "null";
  }
  return u.keep_ccxt(buffer_);
}

}  // namespace tickerd

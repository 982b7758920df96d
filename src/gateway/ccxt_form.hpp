// format=ccxt at the gateway: an update's CCXT texts are made from its native data the first
// time a client of this node reads them (any shard; the update keeps them, so every CCXT client
// of the node shares one text, as with the native form). Nothing is made while no client asks:
// the ingest thread encodes only the native form and the resume history holds only that. The
// same holds on an edge (the bus carries native data) and for a state restored from Redis.
// One per shard, used on its thread only (the parser is its scratch).
#pragma once

#include <string>

#include <simdjson.h>

#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/update.hpp"

namespace tickerd {

class ccxt_form {
 public:
  explicit ccxt_form(const channel_registry& channels) : channels_(channels) {}

  // `u`'s CCXT texts, made now unless already made (here or on another shard). A channel
  // without a CCXT form, or data that cannot be read back (never published so), gets `data`
  // null: a client that asked for CCXT structures is never sent another shape.
  const ccxt_texts& of(const published_update& u);

 private:
  const channel_registry& channels_;
  simdjson::dom::parser parser_;
  std::string buffer_;
};

}  // namespace tickerd

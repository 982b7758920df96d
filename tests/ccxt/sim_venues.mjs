// How CCXT Pro is pointed at tickerd-sim, shared by tests/ccxt/ccxt.test.mjs and the bench's
// CCXT Pro peer (bench/peers/ccxt-book): a bot developer changes only `urls`, plus what the
// venue's book needs (credentials, watchOrderBook's limit). No imports: each user brings its own
// ccxt from its own node_modules.

// The `urls` of a CCXT exchange pointed at a sim on `host` ("127.0.0.1:9001"). Each venue keeps
// its own paths under a /<venue> prefix, so one sim port serves all five.
export function simUrls(venue, urls, host) {
  const http = `http://${host}/${venue}`;
  const ws = `ws://${host}/${venue}`;
  const api = urls.api;
  switch (venue) {
    case "binance":
      return { ...urls, api: { ...api, public: `${http}/api/v3`, fapiPublic: `${http}/fapi/v1`,
        dapiPublic: `${http}/dapi/v1`, ws: { ...api.ws, spot: `${ws}/ws` } } };
    case "okx":
      return { ...urls, api: { ...api, rest: http, ws: `${ws}/ws/v5` } };
    case "coinbase": // CCXT's coinbaseexchange: Coinbase Exchange's public feed
      return { ...urls, api: { ...api, public: http, ws } };
    case "bybit":
      return { ...urls, api: { ...api, public: http,
        ws: { ...api.ws, public: { ...api.ws.public, spot: `${ws}/v5/public/spot` } } } };
    case "kraken":
      return { ...urls, api: { ...api, public: http, ws: { ...api.ws, publicV2: `${ws}/v2` } } };
    default:
      throw new Error(`no sim urls for ${venue}`);
  }
}

// `options`/`credentials`: what a CCXT user sets for the venue; `limit`: watchOrderBook's
// limit; `depth`: the levels CCXT keeps (the venue's subscribed depth; null: the whole book).
export const BOOK_VENUES = [
  // <symbol>@depth@100ms with the REST snapshot (U/u rule). CCXT checks the update ids itself.
  { venue: "binance", ccxtClass: "binance", depth: null, rest: "/binance/api/v3/depth?symbol=BTCUSDT&limit=5000" },
  // "books" (400 levels). Its checksum is 0 on the venue now; CCXT 4.5.84 does not verify it.
  { venue: "okx", ccxtClass: "okx", depth: null },
  // level2: CCXT signs the subscribe and cannot subscribe without credentials (the venue's
  // level2 needs them; level2_batch, public, carries the same messages). The sim does not check
  // the signature, so any key does; `secret` must be base64 for CCXT's HMAC.
  { venue: "coinbase", ccxtClass: "coinbaseexchange", depth: null,
    credentials: { apiKey: "sim", secret: "c2ltLXNlY3JldA==", password: "sim" } },
  // orderbook.50 (CCXT's spot default).
  { venue: "bybit", ccxtClass: "bybit", depth: 50, limit: 50 },
  // v2 "book", depth 10. CCXT's CRC32 check is off by default ("the exchange checksum was not
  // reliable") and cannot be turned on in 4.5.84: options.watchOrderBook.checksum = true makes
  // it call String.split on the book's numbers (TypeError), and the numbers have lost Kraken's
  // trailing zeros anyway. Left as CCXT ships it; the sim's checksums are checked against
  // Kraken's worked example in tests/unit/sim_book_test.cpp.
  { venue: "kraken", ccxtClass: "kraken", depth: 10, limit: 10 },
];

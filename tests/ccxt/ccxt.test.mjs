// CCXT Pro (npm `ccxt`) pointed at tickerd-sim by overriding only `urls`, for every venue the sim
// serves, as a bot developer would (src/sim/README.md, "Using tickerd-sim with CCXT Pro"):
// loadMarkets() reads the sim's REST market metadata, watchTicker(), watchTrades() and
// watchBidsAsks() its WebSocket feeds, and their unWatch… complete where CCXT implements them.
// What CCXT parses is compared with what tickerd, reading the same sim, publishes on
// ticker.BTC-USDT@<venue>, trades.BTC-USDT@<venue> and bbo.BTC-USDT@<venue>.
//
// How a CCXT ticker is matched to a tickerd update "of the same moment": both read the same sim
// frames (the sim encodes each venue's event once and sends it to every subscriber), so for each
// ticker CCXT returns there is a tickerd update with the same values. The sim's 24 h volumes grow
// with every event, so equal volumes (with equal last/high/low/open) identify one event; where
// both carry the venue's event time, it must agree too. Each compared field is exact:
// Number(tickerd's decimal string) === CCXT's number (CCXT parses the venue's string with
// Number(), so a difference means a different value, not rounding).
//
// Trades (watchTrades) are matched by the venue's trade id with a trade tickerd publishes on
// trades.BTC-USDT@<venue>, then compared exactly: price, amount, side and timestamp (ms).
// Top of book (watchBidsAsks, or the venue's equivalent) is matched with a tickerd update on
// bbo.BTC-USDT@<venue> by equal bid, ask and both sizes (and venue time where both have it).
//
// The table VENUES holds one entry per venue and, in it, one entry per CCXT stream compared with
// a tickerd channel, naming the venue stream CCXT subscribes (read in CCXT 4.5.84's
// js/src/pro/<venue>.js).
//
// Order books (watchOrderBook, after the streams above): for each venue CCXT builds the sim's
// book for BTC/USDT from the venue's depth stream; the market is then paused (POST
// /market/pause) and CCXT's book must be exactly the sim's, level by level (Number(decimal) ===
// CCXT's number), read from GET /debug/book (the sim's own book at the venue's prices; not a
// venue API) and, for Binance, from the venue's GET /api/v3/depth too; and CCXT's top 20 (10
// for Kraken, whose CCXT book is 10 deep) must be what tickerd, reading the same sim, publishes
// on book20.BTC-USDT@<venue> (GET /v1/book). What CCXT needs per venue is in BOOK_VENUES.
//
// Run by ctest as ccxt.sim (tests/CMakeLists.txt), or by hand:
//   TICKERD_BIN=build/release/tickerd TICKERD_SIM_BIN=build/release/tickerd-sim \
//   TICKERD_CCXT_DIR=build/release/ccxt node tests/ccxt/ccxt.test.mjs
// TICKERD_CCXT_DIR holds node_modules (tests/support/npm-ci.sh installs ccxt and ws there).

import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

import { Child, delay, freePort, httpGet, killAllChildren, requiredPath, waitFor } from "../browser/lib.mjs";
import { BOOK_VENUES, simUrls } from "./sim_venues.mjs";

const required = (name) => requiredPath("ccxt", name);
const TICKERD = required("TICKERD_BIN");
const SIM = required("TICKERD_SIM_BIN");
const CCXT_DIR = required("TICKERD_CCXT_DIR");

function load(pkg) {
  try {
    return createRequire(path.join(CCXT_DIR, "package.json"))(pkg);
  } catch (e) {
    console.error(`ccxt test: ${pkg} is not installed under ${CCXT_DIR}/node_modules ` +
      `(ctest's ccxt.npm_ci fixture runs tests/support/npm-ci.sh): ${e.message}`);
    process.exit(1);
  }
}
const ccxt = load("ccxt");
const WebSocket = load("ws");

const START_TIMEOUT_MS = 30000;
const WAIT_MS = 30000;
const WHOLE_RUN_MS = 240000;
const TICKS_PER_STREAM = 3; // CCXT tickers (and tops of book) compared per stream entry
const TRADES_PER_STREAM = 20; // CCXT trades compared per watchTrades entry
const SYMBOL = "BTC/USDT";
const INSTRUMENT = "BTC-USDT";

// What a bot developer changes, only `urls` (and for books what the venue needs): simUrls and
// BOOK_VENUES in sim_venues.mjs, shared with the bench's CCXT Pro peer.

// ---- the table -----------------------------------------------------------------------------------

// CCXT ticker field <- tickerd ticker field.
const TICKER_FIELDS = {
  last: "last", bid: "bid", ask: "ask", high: "high_24h", low: "low_24h", open: "open_24h",
  baseVolume: "volume_base", quoteVolume: "volume_quote",
};
const pick = (...names) => names.map((n) => [n, TICKER_FIELDS[n]]);
// CCXT ticker field <- tickerd bbo field.
const BBO_FIELDS = [["bid", "bid"], ["ask", "ask"], ["bidVolume", "bid_qty"], ["askVolume", "ask_qty"]];

// A stream entry: `watch` resolves to the CCXT structures of one call (a ticker, or the new
// trades), `entries` lists what a tickerd update on `channel` holds, `differences` compares one
// of each ("" when equal), `key` (trades) names the field both sides must share to be the same
// item, `count` is how many CCXT items are compared.

// `eventTime`: CCXT's `timestamp` is the venue's event time, which tickerd publishes as `ts`.
const ticker = (fields, params = {}, eventTime = true) => ({
  method: "watchTicker",
  params,
  channel: (venue) => `ticker.${INSTRUMENT}@${venue}`,
  watch: async (ex) => [await ex.watchTicker(SYMBOL, params)],
  unwatch: (ex) => (ex.has.unWatchTicker ? ex.unWatchTicker(SYMBOL, params) : null),
  entries: (data) => [data],
  differences: (ours, theirs) => fieldDifferences(fields, ours, theirs, eventTime),
  show: (t) => Object.fromEntries(fields.map(([f]) => [f, t[f]])),
  count: TICKS_PER_STREAM,
});

// watchBidsAsks resolves to {symbol: ticker} on most venues and to the ticker on some.
const oneTicker = (r) => (r && r.symbol ? r : r?.[SYMBOL]);
const bidsAsks = (eventTime = true, params = {}) => ({
  method: "watchBidsAsks",
  params,
  channel: (venue) => `bbo.${INSTRUMENT}@${venue}`,
  watch: async (ex) => [oneTicker(await ex.watchBidsAsks([SYMBOL], params))],
  unwatch: (ex) => (ex.has.unWatchBidsAsks ? ex.unWatchBidsAsks([SYMBOL], params) : null),
  entries: (data) => [data],
  differences: (ours, theirs, all) => {
    const diff = fieldDifferences(BBO_FIELDS, ours, theirs, false);
    if (eventTime && ours.timestamp !== undefined && theirs.ts !== undefined) {
      // tickerd publishes a venue's book when it changes (docs/PROTOCOL.md); a venue may send
      // an unchanged book again with a later time (Bybit: on subscribe, and after 3 s without
      // a change), and then the book in force at CCXT's time is tickerd's latest before it.
      const at = toMs(theirs.ts);
      const inForce = at < ours.timestamp &&
        !all.some((e) => e.ts !== undefined && toMs(e.ts) > at && toMs(e.ts) <= ours.timestamp);
      if (at !== ours.timestamp && !inForce) diff.push(`timestamp ${ours.timestamp} vs ts ${theirs.ts}`);
    }
    return diff;
  },
  show: (t) => Object.fromEntries(BBO_FIELDS.map(([f]) => [f, t[f]])),
  count: TICKS_PER_STREAM,
});
// Where CCXT has no watchBidsAsks, the stream tickerd reads its top of book from, through the
// CCXT method that subscribes it.
const bboFromTicker = (eventTime = true, params = {}) => ({
  ...bidsAsks(eventTime, params),
  method: "watchTicker",
  watch: async (ex) => [await ex.watchTicker(SYMBOL, params)],
  unwatch: (ex) => (ex.has.unWatchTicker ? ex.unWatchTicker(SYMBOL, params) : null),
});

// CCXT's `side` is the taker's on every venue, as tickerd's.
const trades = (params = {}) => ({
  method: "watchTrades",
  params,
  channel: (venue) => `trades.${INSTRUMENT}@${venue}`,
  watch: (ex) => ex.watchTrades(SYMBOL, undefined, undefined, params),
  unwatch: (ex) => (ex.has.unWatchTrades ? ex.unWatchTrades(SYMBOL, params) : null),
  entries: (data) => (Array.isArray(data.trades) ? data.trades : []),
  key: (ours, theirs) => ours.id === theirs.id,
  differences: (ours, theirs) => {
    const diff = [];
    if (Number(theirs.price) !== ours.price) diff.push(`price ${ours.price} vs "${theirs.price}"`);
    if (Number(theirs.qty) !== ours.amount) diff.push(`amount ${ours.amount} vs qty "${theirs.qty}"`);
    if (ours.side !== theirs.side) diff.push(`side ${ours.side} vs "${theirs.side}"`);
    if (theirs.ts === undefined || toMs(theirs.ts) !== ours.timestamp) diff.push(`timestamp ${ours.timestamp} vs ts ${theirs.ts}`);
    return diff;
  },
  show: (t) => ({ id: t.id, price: t.price, amount: t.amount, side: t.side, timestamp: t.timestamp }),
  count: TRADES_PER_STREAM,
});

// `fields`: what the venue's message sends directly (CCXT derives the rest, e.g. Kraken's open
// from last and change, in floating point). Each trades / top-of-book entry names the venue
// stream CCXT subscribes, which is the one tickerd reads (issue 17).
const VENUES = [
  { venue: "binance", ccxtClass: "binance", id: "BTCUSDT", streams: [
    // CCXT's default: <symbol>@miniTicker (no bid/ask in that event).
    ticker(pick("last", "high", "low", "open", "baseVolume", "quoteVolume")),
    // options.watchTicker.name = "ticker": <symbol>@ticker. CCXT takes this event's statistics
    // close time "C" as its timestamp, not the event time "E" that tickerd publishes.
    ticker(pick("last", "bid", "ask", "high", "low", "open", "baseVolume", "quoteVolume"), { name: "ticker" }, false),
    // <symbol>@trade (CCXT's default name "trade", not aggTrade).
    trades(),
    // <symbol>@bookTicker: no event time in the spot event, so CCXT has no timestamp.
    bidsAsks(),
  ] },
  { venue: "okx", ccxtClass: "okx", id: "BTC-USDT", streams: [
    ticker(pick("last", "bid", "ask", "high", "low", "open", "baseVolume", "quoteVolume")),
    trades(), // channel "trades" on /ws/v5/public
    bidsAsks(), // channel "bbo-tbt" (CCXT's default for watchBidsAsks)
  ] },
  { venue: "coinbase", ccxtClass: "coinbaseexchange", id: "BTC-USDT", streams: [
    ticker(pick("last", "bid", "ask", "high", "low", "open", "baseVolume")),
    // channel "matches". Its `side` is the maker's (Coinbase Exchange's feed documentation);
    // CCXT states the taker's, as tickerd does.
    trades(),
    // No watchBidsAsks in ccxt.pro.coinbaseexchange: watchTicker's bid/ask/sizes, from the
    // channel "ticker" that tickerd reads its top of book from.
    bboFromTicker(),
  ] },
  { venue: "bybit", ccxtClass: "bybit", id: "BTCUSDT", streams: [
    ticker(pick("last", "high", "low", "open", "baseVolume", "quoteVolume")),
    trades(), // publicTrade.BTCUSDT
    bidsAsks(), // orderbook.1.BTCUSDT
  ] },
  { venue: "kraken", ccxtClass: "kraken", id: "XBTUSDT", streams: [
    ticker(pick("last", "bid", "ask", "high", "low", "baseVolume")),
    trades(), // v2 "trade"
    bidsAsks(), // v2 "ticker" with event_trigger "bbo"
  ] },
];

// ---- order books -------------------------------------------------------------------------------

const BOOK_UPDATES = 5; // watchOrderBook calls (snapshot and updates applied) before the pause
const SETTLE_MS = 500; // after the pause: frames already sent reach CCXT

// Differences between CCXT's book side (numbers) and the sim's ([["px","qty"]...]); [] if equal.
function sideDifferences(side, ours, theirs) {
  const diff = [];
  if (ours.length !== theirs.length) diff.push(`${side}: CCXT has ${ours.length} levels, the sim ${theirs.length}`);
  for (let i = 0; i < Math.min(ours.length, theirs.length) && diff.length < 5; ++i) {
    const [px, qty] = theirs[i];
    if (ours[i][0] !== Number(px) || ours[i][1] !== Number(qty)) {
      diff.push(`${side}[${i}]: CCXT ${ours[i][0]} x ${ours[i][1]}, the sim "${px}" x "${qty}"`);
    }
  }
  return diff;
}

async function simPost(host, target) {
  const r = await fetch(`http://${host}${target}`, { method: "POST" });
  if (r.status !== 200) throw new Error(`POST ${target}: ${r.status} ${await r.text()}`);
}
async function simGetJson(host, target) {
  const r = await fetch(`http://${host}${target}`);
  if (r.status !== 200) throw new Error(`GET ${target}: ${r.status} ${await r.text()}`);
  return r.json();
}

// CCXT's book for one venue, built from the sim's stream, equal to the sim's book once paused,
// and its top to the book tickerd publishes from the same stream.
async function compareBook(b, host) {
  const label = `${b.venue} (ccxt.pro.${b.ccxtClass}) watchOrderBook`;
  const ex = new ccxt.pro[b.ccxtClass]({ timeout: WAIT_MS, ...(b.credentials ?? {}),
    ...(b.options ? { options: b.options } : {}) });
  ex.urls = simUrls(b.venue, ex.urls, host);
  try {
    await ex.loadHttpProxyAgent();
    await within(`${label} loadMarkets()`, ex.loadMarkets());
    for (let call = 1; call <= BOOK_UPDATES; ++call) {
      const book = await within(`${label} #${call}`, ex.watchOrderBook(SYMBOL, b.limit));
      if (book.symbol !== SYMBOL) throw new Error(`${label} returned symbol ${book.symbol}`);
    }
    await simPost(host, "/market/pause");
    await delay(SETTLE_MS);
    const truth = await simGetJson(host, `/debug/book?venue=${b.venue}&symbol=BTCUSDT${b.depth ? `&depth=${b.depth}` : ""}`);
    const book = ex.orderbooks[SYMBOL];
    if (!book) throw new Error(`${label}: CCXT keeps no book for ${SYMBOL}`);
    const diff = [];
    if (!book.bids.length || !book.asks.length) diff.push("an empty side");
    else if (book.bids[0][0] >= book.asks[0][0]) diff.push(`crossed: bid ${book.bids[0][0]} >= ask ${book.asks[0][0]}`);
    diff.push(...sideDifferences("bids", book.bids, truth.bids), ...sideDifferences("asks", book.asks, truth.asks));
    if (b.rest) {
      const rest = await simGetJson(host, b.rest);
      diff.push(...sideDifferences("REST bids", book.bids, rest.bids), ...sideDifferences("REST asks", book.asks, rest.asks));
    }
    if (diff.length) throw new Error(`${label}: CCXT's book is not the sim's at event ${truth.sim_debug_book.events}: ${diff.join("; ")}`);
    // tickerd, reading the same sim, publishes the same book: its book<n> is CCXT's top n.
    const n = book.bids.length >= 20 && book.asks.length >= 20 ? 20 : 10;
    let ours = [];
    const sameAsTickerd = async () => {
      const r = await fetch(`http://127.0.0.1:${port}/v1/book/${INSTRUMENT}?venue=${b.venue}&depth=${n}`);
      if (r.status !== 200) return [`GET /v1/book: ${r.status} ${await r.text()}`];
      const data = (await r.json()).data;
      if (!data || data.status !== "ready") return [`tickerd's book is ${data ? data.status : "not published"}`];
      return [...sideDifferences("bids", book.bids.slice(0, n), data.bids),
        ...sideDifferences("asks", book.asks.slice(0, n), data.asks)];
    };
    const deadline = Date.now() + WAIT_MS;
    while ((ours = await sameAsTickerd()).length && Date.now() < deadline) await delay(100);
    if (ours.length) throw new Error(`${label}: CCXT's book is not tickerd's book${n}.${INSTRUMENT}@${b.venue} (CCXT, then tickerd): ${ours.join("; ")}`);
    console.log(`ok: ${label}: ${book.bids.length} bids and ${book.asks.length} asks equal to the sim's book (event ${truth.sim_debug_book.events}), the top ${n} to tickerd's book${n}`);
  } finally {
    await simPost(host, "/market/resume").catch(() => {});
    await ex.close();
  }
}

// ---- tickerd's side ---------------------------------------------------------------------------

// Every update tickerd publishes on the subscribed channels, by channel.
class TickerdClient {
  constructor(port, channels) {
    this.byChannel = new Map(channels.map((c) => [c, []]));
    this.errors = [];
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    this.ws.on("message", (raw) => {
      // One frame may carry several messages, one per line (docs/PROTOCOL.md).
      for (const line of raw.toString().split("\n")) {
        if (!line) continue;
        const m = JSON.parse(line);
        if ((m.type === "update" || m.type === "snapshot") && m.data && this.byChannel.has(m.channel)) {
          this.byChannel.get(m.channel).push(m.data);
        } else if (m.type === "error") {
          this.errors.push(m);
        }
      }
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
    this.opened.then(() => this.ws.send(JSON.stringify({ op: "subscribe", id: 1, channels })));
  }
  close() {
    this.ws.terminate();
  }
}

// tickerd states times in µs (docs/PROTOCOL.md, "Conventions"); CCXT in ms.
const toMs = (ts) => Math.floor(ts / 1000);

// Field-by-field differences between a CCXT ticker and a tickerd update; [] when they agree.
function fieldDifferences(fields, ours, theirs, eventTime) {
  const diff = [];
  for (const [ccxtField, tickerdField] of fields) {
    const text = theirs[tickerdField];
    if (typeof text !== "string") diff.push(`tickerd has no ${tickerdField}`);
    else if (typeof ours[ccxtField] !== "number") diff.push(`CCXT has no ${ccxtField}`);
    else if (Number(text) !== ours[ccxtField]) diff.push(`${ccxtField} ${ours[ccxtField]} vs ${tickerdField} "${text}"`);
  }
  if (eventTime && ours.timestamp !== undefined && theirs.ts !== undefined &&
      toMs(theirs.ts) !== ours.timestamp) {
    diff.push(`timestamp ${ours.timestamp} vs ts ${theirs.ts}`);
  }
  return diff;
}

// ---- the run ------------------------------------------------------------------------------------

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-ccxt-"));
const port = await freePort();
const simPort = await freePort();
const simHost = `127.0.0.1:${simPort}`;
const venuePath = { binance: "/stream", okx: "/ws/v5/public", coinbase: "/coinbase", bybit: "/v5/public/spot", kraken: "/v2" };
fs.writeFileSync(path.join(dir, "tickerd.toml"), `[server]
listen = "127.0.0.1:${port}"
shards = 1

[log]
level = "info"

[market]
symbols = ["${INSTRUMENT}"]
${VENUES.map((v) => `
[[feeds]]
venue = "${v.venue}"
url = "ws://${simHost}${venuePath[v.venue]}"
backoff_initial_ms = 100
backoff_max_ms = 500
streams = ["ticker", "trades", "bbo", "book"]
`).join("")}`);

const started = Date.now();
const watchdog = setTimeout(() => {
  console.error(`ccxt test: not done after ${WHOLE_RUN_MS} ms`);
  killAllChildren();
  process.exit(1);
}, WHOLE_RUN_MS);
process.on("exit", killAllChildren);

// Resolves like `promise`, or throws naming `what` after `ms`.
function within(what, promise, ms = WAIT_MS) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  })]).finally(() => clearTimeout(timer));
}

let sim;
let tickerd;
let client;
const failures = [];
let compared = 0;
let booksCompared = 0;
try {
  sim = new Child("sim", [SIM, "--listen", simHost, "--seed", "42", "--rate", "4", "--symbols", "BTCUSDT"], dir);
  await sim.waitForStdout(`tickerd-sim listening on ${simHost}`, START_TIMEOUT_MS);
  tickerd = new Child("tickerd", [TICKERD, "--config", path.join(dir, "tickerd.toml")], dir);
  await waitFor("tickerd's /healthz to answer 200", async () => {
    if (!tickerd.running()) throw tickerd.exitedError();
    return (await httpGet(port, "/healthz", 1000)).status === 200;
  }, START_TIMEOUT_MS);
  const channels = [...new Set(VENUES.flatMap((v) => v.streams.map((s) => s.channel(v.venue))))];
  client = new TickerdClient(port, channels);
  await within("tickerd's /ws to open", client.opened);

  for (const v of VENUES) {
    const label = `${v.venue} (ccxt.pro.${v.ccxtClass})`;
    const ex = new ccxt.pro[v.ccxtClass]({ timeout: WAIT_MS });
    ex.urls = simUrls(v.venue, ex.urls, simHost);
    try {
      // CCXT refuses a plain ws:// URL until its HTTP agent is loaded (Exchange.getHttpAgentIfNeeded).
      await ex.loadHttpProxyAgent();
      await within(`${label} loadMarkets()`, ex.loadMarkets());
      const market = ex.markets[SYMBOL];
      if (!market) throw new Error(`loadMarkets() has no ${SYMBOL}: ${Object.keys(ex.markets).join(", ")}`);
      if (market.id !== v.id || !market.spot || !market.active) {
        throw new Error(`${SYMBOL} market is ${JSON.stringify({ id: market.id, spot: market.spot, active: market.active })}, want id ${v.id}, spot, active`);
      }
      if (market.precision.price !== 0.01) throw new Error(`${SYMBOL} price precision ${market.precision.price}, want the sim's tick 0.01`);

      for (const s of v.streams) {
        const name = `${label} ${s.method}(${JSON.stringify(s.params)})`;
        const updates = client.byChannel.get(s.channel(v.venue));
        let done = 0;
        for (let call = 1; done < s.count; ++call) {
          const items = await within(`${name} #${call}`, s.watch(ex));
          if (!items.length) throw new Error(`${name} #${call} resolved with nothing`);
          for (const t of items) {
            if (done >= s.count) break;
            if (t?.symbol !== SYMBOL) throw new Error(`${name} returned symbol ${t?.symbol}`);
            let closest = null; // the tickerd entry differing in the fewest fields
            await waitFor(`a tickerd ${s.channel(v.venue)} entry equal to ${name} #${call} ` +
              `${JSON.stringify(s.show(t))}`, () => {
              for (const u of updates) {
                for (const e of s.entries(u)) {
                  if (s.key && !s.key(t, e)) continue;
                  const d = s.differences(t, e, updates);
                  if (!d.length) return true;
                  if (s.key) { // the same trade, different values: no later update can fix that
                    const err = new Error(`${name}: trade ${t.id} differs from tickerd's: ${d.join("; ")}; ` +
                      `CCXT read ${JSON.stringify(t.info)}`);
                    err.fatal = true;
                    throw err;
                  }
                  if (!closest || d.length <= closest.length) closest = d;
                }
              }
              return false;
            }, WAIT_MS).catch((e) => {
              if (e.fatal) throw e;
              throw new Error(`${e.message}; closest tickerd entry differs in: ${closest?.join("; ")}; ` +
                `CCXT read ${JSON.stringify(t.info)}`);
            });
            ++done;
            ++compared;
          }
        }
        const unwatch = s.unwatch(ex);
        if (unwatch) await within(`${name} unWatch`, unwatch);
        console.log(`ok: ${name}: ${done} equal to tickerd's ${s.channel(v.venue)}${unwatch ? ", unwatched" : ""}`);
      }
    } catch (e) {
      failures.push(`${label}: ${e.message}`);
    } finally {
      await ex.close();
    }
  }
  for (const b of BOOK_VENUES) {
    try {
      await compareBook(b, simHost);
      ++booksCompared;
    } catch (e) {
      failures.push(e.message);
    }
  }
  if (client.errors.length) failures.push(`tickerd answered errors: ${JSON.stringify(client.errors)}`);
} catch (e) {
  failures.push(e.stack ?? String(e));
} finally {
  clearTimeout(watchdog);
  client?.close();
  for (const c of [tickerd, sim]) if (c) await c.kill("SIGTERM");
}

const expected = VENUES.reduce((n, v) => n + v.streams.reduce((k, s) => k + s.count, 0), 0);
if (!failures.length && compared !== expected) failures.push(`compared ${compared} CCXT structures, expected ${expected}`);
if (!failures.length && booksCompared !== BOOK_VENUES.length) failures.push(`compared ${booksCompared} books, expected ${BOOK_VENUES.length}`);
if (failures.length) {
  console.error(`ccxt test FAILED:\n- ${failures.join("\n- ")}`);
  for (const c of [sim, tickerd]) if (c) console.error(c.logs());
  process.exit(1);
}
console.log(`ccxt test: ${compared} CCXT tickers, trades and tops of book from ${VENUES.length} venues equal to tickerd's, ` +
  `${booksCompared} CCXT books equal to the sim's and to tickerd's ` +
  `in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${dir})`);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);

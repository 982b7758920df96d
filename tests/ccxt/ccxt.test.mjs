// CCXT Pro (npm `ccxt`) pointed at tickerd-sim by overriding only `urls`, for every venue the sim
// serves, as a bot developer would (src/sim/README.md, "Using tickerd-sim with CCXT Pro"):
// loadMarkets() reads the sim's REST market metadata, watchTicker() its WebSocket feed, and
// unWatchTicker() completes where CCXT implements it. What CCXT parses is compared with what
// tickerd, reading the same sim, publishes on ticker.BTC-USDT@<venue>.
//
// How a CCXT ticker is matched to a tickerd update "of the same moment": both read the same sim
// frames (the sim encodes each venue's event once and sends it to every subscriber), so for each
// ticker CCXT returns there is a tickerd update with the same values. The sim's 24 h volumes grow
// with every event, so equal volumes (with equal last/high/low/open) identify one event; where
// both carry the venue's event time, it must agree too. Each compared field is exact:
// Number(tickerd's decimal string) === CCXT's number (CCXT parses the venue's string with
// Number(), so a difference means a different value, not rounding).
//
// The table VENUES holds one entry per venue and, in it, one entry per CCXT stream compared with
// a tickerd channel; watchTrades / watchBidsAsks join as further entries once the sim serves
// trades and top of book.
//
// Run by ctest as ccxt.sim (tests/CMakeLists.txt), or by hand:
//   TICKERD_BIN=build/release/tickerd TICKERD_SIM_BIN=build/release/tickerd-sim \
//   TICKERD_CCXT_DIR=build/release/ccxt node tests/ccxt/ccxt.test.mjs
// TICKERD_CCXT_DIR holds node_modules (tests/support/npm-ci.sh installs ccxt and ws there).

import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

import { Child, freePort, httpGet, killAllChildren, requiredPath, waitFor } from "../browser/lib.mjs";

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
const TICKS_PER_STREAM = 3; // CCXT tickers compared per stream entry
const SYMBOL = "BTC/USDT";
const INSTRUMENT = "BTC-USDT";

// ---- what a bot developer changes: only `urls` ------------------------------------------------

// The `urls` of a CCXT exchange pointed at a sim on `host` ("127.0.0.1:9001"). Each venue keeps
// its own paths under a /<venue> prefix, so one sim port serves all five.
function simUrls(venue, urls, host) {
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

// ---- the table -----------------------------------------------------------------------------------

// CCXT ticker field <- tickerd ticker field.
const TICKER_FIELDS = {
  last: "last", bid: "bid", ask: "ask", high: "high_24h", low: "low_24h", open: "open_24h",
  baseVolume: "volume_base", quoteVolume: "volume_quote",
};
const pick = (...names) => names.map((n) => [n, TICKER_FIELDS[n]]);

// `eventTime`: CCXT's `timestamp` is the venue's event time, which tickerd publishes as `ts`.
const ticker = (fields, params = {}, eventTime = true) => ({
  method: "watchTicker",
  params,
  channel: (venue) => `ticker.${INSTRUMENT}@${venue}`,
  watch: (ex) => ex.watchTicker(SYMBOL, params),
  unwatch: (ex) => (ex.has.unWatchTicker ? ex.unWatchTicker(SYMBOL, params) : null),
  fields,
  eventTime,
});

// `fields`: what the venue's message sends directly (CCXT derives the rest, e.g. Kraken's open
// from last and change, in floating point).
const VENUES = [
  { venue: "binance", ccxtClass: "binance", id: "BTCUSDT", streams: [
    // CCXT's default: <symbol>@miniTicker (no bid/ask in that event).
    ticker(pick("last", "high", "low", "open", "baseVolume", "quoteVolume")),
    // options.watchTicker.name = "ticker": <symbol>@ticker. CCXT takes this event's statistics
    // close time "C" as its timestamp, not the event time "E" that tickerd publishes.
    ticker(pick("last", "bid", "ask", "high", "low", "open", "baseVolume", "quoteVolume"), { name: "ticker" }, false),
  ] },
  { venue: "okx", ccxtClass: "okx", id: "BTC-USDT", streams: [
    ticker(pick("last", "bid", "ask", "high", "low", "open", "baseVolume", "quoteVolume")),
  ] },
  { venue: "coinbase", ccxtClass: "coinbaseexchange", id: "BTC-USDT", streams: [
    ticker(pick("last", "bid", "ask", "high", "low", "open", "baseVolume")),
  ] },
  { venue: "bybit", ccxtClass: "bybit", id: "BTCUSDT", streams: [
    ticker(pick("last", "high", "low", "open", "baseVolume", "quoteVolume")),
  ] },
  { venue: "kraken", ccxtClass: "kraken", id: "XBTUSDT", streams: [
    ticker(pick("last", "bid", "ask", "high", "low", "baseVolume")),
  ] },
];

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

// Field-by-field differences between a CCXT ticker and a tickerd update; "" when they agree.
function differences(stream, ours, theirs) {
  const diff = [];
  for (const [ccxtField, tickerdField] of stream.fields) {
    const text = theirs[tickerdField];
    if (typeof text !== "string") diff.push(`tickerd has no ${tickerdField}`);
    else if (typeof ours[ccxtField] !== "number") diff.push(`CCXT has no ${ccxtField}`);
    else if (Number(text) !== ours[ccxtField]) diff.push(`${ccxtField} ${ours[ccxtField]} vs ${tickerdField} "${text}"`);
  }
  if (stream.eventTime && ours.timestamp !== undefined && theirs.ts !== undefined &&
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
`).join("")}`);

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
        for (let i = 0; i < TICKS_PER_STREAM; ++i) {
          const t = await within(`${name} #${i + 1}`, s.watch(ex));
          if (t.symbol !== SYMBOL) throw new Error(`${name} returned symbol ${t.symbol}`);
          let closest = null; // the tickerd update differing in the fewest fields
          await waitFor(`a tickerd update on ${s.channel(v.venue)} equal to ${name} #${i + 1} ` +
            `${JSON.stringify(Object.fromEntries(s.fields.map(([f]) => [f, t[f]])))}`, () => {
            for (const u of updates) {
              const d = differences(s, t, u);
              if (!d.length) return true;
              if (!closest || d.length <= closest.length) closest = d;
            }
            return false;
          }, WAIT_MS).catch((e) => {
            throw new Error(`${e.message}; closest tickerd update differs in: ${closest?.join("; ")}; ` +
              `CCXT read ${JSON.stringify(t.info)}`);
          });
          ++compared;
        }
        const unwatch = s.unwatch(ex);
        if (unwatch) await within(`${name} unWatch`, unwatch);
        console.log(`ok: ${name}: ${TICKS_PER_STREAM} tickers equal to tickerd's${unwatch ? ", unwatched" : ""}`);
      }
    } catch (e) {
      failures.push(`${label}: ${e.message}`);
    } finally {
      await ex.close();
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

const expected = VENUES.reduce((n, v) => n + v.streams.length, 0) * TICKS_PER_STREAM;
if (!failures.length && compared !== expected) failures.push(`compared ${compared} tickers, expected ${expected}`);
if (failures.length) {
  console.error(`ccxt test FAILED:\n- ${failures.join("\n- ")}`);
  for (const c of [sim, tickerd]) if (c) console.error(c.logs());
  process.exit(1);
}
console.log(`ccxt test: ${compared} CCXT tickers from ${VENUES.length} venues equal to tickerd's (logs in ${dir})`);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);

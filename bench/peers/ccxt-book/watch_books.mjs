// The CCXT Pro peer of tickerd-bench's book scenarios (issue 18): what a bot developer runs to
// keep the same books, CCXT Pro's watchOrderBook('BTC/USDT'), pointed at the same tickerd-sim
// by overriding only `urls` (as tests/ccxt/ccxt.test.mjs does), for each venue, in one Node
// process. After --warmup-s it measures for --seconds: the book messages CCXT handled, the
// level changes in their deltas (snapshots not counted, as tickerd's books.level_changes), the
// process's CPU (process.cpuUsage: every thread of it, GC included), and the latency from the
// venue's event time to the moment CCXT's handler returned (the book applied), where the
// message carries one: Binance `E` (ms), OKX `ts` (ms), Bybit `ts` (ms), Coinbase `time` and
// Kraken `timestamp` (ISO, µs). Prints one JSON line, then exits.
//
//   node watch_books.mjs --sim 127.0.0.1:9001 --venues binance,okx --warmup-s 4 --seconds 12
import { createRequire } from "node:module";

import { BOOK_VENUES as TEST_BOOK_VENUES, simUrls } from "../../../tests/ccxt/sim_venues.mjs";

const require = createRequire(import.meta.url);
const ccxt = require("ccxt");

const SYMBOL = "BTC/USDT";

function parseArgs(argv) {
  const out = { venues: "binance,okx,coinbase,bybit,kraken", "warmup-s": "4", seconds: "12" };
  for (let i = 0; i + 1 < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  if (!out.sim) throw new Error("usage: watch_books.mjs --sim HOST:PORT [--venues a,b] [--warmup-s S] [--seconds S]");
  return out;
}

// What tests/ccxt sets per venue for watchOrderBook, by venue.
const BOOK_VENUES = Object.fromEntries(TEST_BOOK_VENUES.map((b) => [b.venue, b]));

// "2026-12-07T18:20:01.123456Z" as µs since the epoch (Date.parse keeps ms only).
function isoUs(text) {
  if (typeof text !== "string") return null;
  const m = text.match(/^(.{19})(?:\.(\d+))?Z$/);
  if (!m) return null;
  const s = Date.parse(`${m[1]}Z`);
  return Number.isNaN(s) ? null : s * 1000 + Number((m[2] ?? "").padEnd(6, "0").slice(0, 6));
}
const msUs = (v) => (v === undefined || v === null || Number.isNaN(Number(v)) ? null : Number(v) * 1000);

// A venue's book message: { delta, changes, eventUs } (delta false: a snapshot), or null when
// the message is not the book's (tickers, acks, pongs).
function bookMessage(venue, m) {
  if (!m || typeof m !== "object") return null;
  switch (venue) {
    case "binance":
      return m.e === "depthUpdate" ? { delta: true, changes: m.b.length + m.a.length, eventUs: msUs(m.E) } : null;
    case "okx": {
      if (m.arg?.channel !== "books" || !Array.isArray(m.data)) return null;
      const d = m.data[0] ?? {};
      return { delta: m.action === "update", changes: (d.bids?.length ?? 0) + (d.asks?.length ?? 0), eventUs: msUs(d.ts) };
    }
    case "bybit":
      if (!String(m.topic ?? "").startsWith("orderbook.")) return null;
      return { delta: m.type === "delta", changes: (m.data?.b?.length ?? 0) + (m.data?.a?.length ?? 0), eventUs: msUs(m.ts) };
    case "kraken": {
      if (m.channel !== "book" || !Array.isArray(m.data)) return null;
      const d = m.data[0] ?? {};
      return { delta: m.type === "update", changes: (d.bids?.length ?? 0) + (d.asks?.length ?? 0), eventUs: isoUs(d.timestamp) };
    }
    case "coinbase":
      if (m.type === "l2update") return { delta: true, changes: m.changes?.length ?? 0, eventUs: isoUs(m.time) };
      return m.type === "snapshot" ? { delta: false, changes: 0, eventUs: null } : null;
    default:
      return null;
  }
}

const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const quantile = (sorted, q) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : null);

const args = parseArgs(process.argv.slice(2));
const venues = args.venues.split(",").filter(Boolean);
const stats = Object.fromEntries(venues.map((v) => [v, { messages: 0, snapshots: 0, deltas: 0, level_changes: 0, watch_returns: 0, latency: [], error: null }]));
let measuring = false;
let stopping = false;

async function watch(venue) {
  const b = BOOK_VENUES[venue];
  const s = stats[venue];
  if (!b) {
    s.error = "no CCXT book for this venue";
    return;
  }
  const ex = new ccxt.pro[b.ccxtClass]({ timeout: 30000, ...(b.credentials ?? {}) });
  ex.urls = simUrls(venue, ex.urls, args.sim);
  // Every parsed message reaches handleMessage (bound when the connection is made, so this
  // wrapper is what runs): count book messages and time them once CCXT has applied them.
  const handle = ex.handleMessage.bind(ex);
  ex.handleMessage = (client, message) => {
    const result = handle(client, message);
    if (measuring) {
      const book = bookMessage(venue, message);
      if (book) {
        ++s.messages;
        if (book.delta) {
          ++s.deltas;
          s.level_changes += book.changes;
        } else {
          ++s.snapshots;
        }
        if (book.eventUs !== null) s.latency.push(nowUs() - book.eventUs);
      }
    }
    return result;
  };
  try {
    // CCXT refuses a plain ws:// URL until its HTTP agent is loaded (Exchange.getHttpAgentIfNeeded).
    await ex.loadHttpProxyAgent();
    await ex.loadMarkets();
    while (!stopping) {
      await ex.watchOrderBook(SYMBOL, b.limit);
      if (measuring) ++s.watch_returns;
    }
  } catch (e) {
    if (!stopping) s.error = String(e?.message ?? e).slice(0, 300);
  }
}

for (const v of venues) watch(v);

const warmupMs = Number(args["warmup-s"]) * 1000;
const windowMs = Number(args.seconds) * 1000;
let cpuStart;
let startUs;
setTimeout(() => {
  cpuStart = process.cpuUsage();
  startUs = nowUs();
  measuring = true;
}, warmupMs);
setTimeout(() => {
  measuring = false;
  stopping = true;
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (nowUs() - startUs) / 1e6;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const perVenue = {};
  let messages = 0;
  let levelChanges = 0;
  for (const v of venues) {
    const s = stats[v];
    const sorted = s.latency.sort((a, b) => a - b);
    messages += s.messages;
    levelChanges += s.level_changes;
    perVenue[v] = {
      messages: s.messages, snapshots: s.snapshots, deltas: s.deltas, level_changes: s.level_changes,
      watch_returns: s.watch_returns,
      latency_us: sorted.length ? { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) } : null,
      error: s.error,
    };
  }
  const out = {
    peer: "ccxt", ccxt: ccxt.version, node: process.version, symbol: SYMBOL, seconds: Number(seconds.toFixed(3)),
    messages, level_changes: levelChanges, cpu_s: Number(cpuS.toFixed(3)),
    cpu_us_per_level_change: levelChanges > 0 ? Number((cpuS * 1e6 / levelChanges).toFixed(4)) : null,
    venues: perVenue,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}, warmupMs + windowMs);

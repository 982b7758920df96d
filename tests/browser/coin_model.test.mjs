// web/tape.js, web/candles.js and web/ladder.js, the coin view's pure models (the tape with its
// missed-trade count, the 1m candle series merged from history and the live channel, the depth
// ladder with exact running totals), in Node (no browser).
// ctest: browser.coin_model. By hand: node --test tests/browser/coin_model.test.mjs

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

// web/ is served as it is, with no package.json to tell Node its .js files are ES modules: the
// modules are copied next to one that does, so their relative imports resolve.
const web = new URL("../../web/", import.meta.url);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-coin-model-"));
fs.writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
for (const f of ["tape.js", "candles.js", "ladder.js", "decimal.js", "i18n.js"]) fs.copyFileSync(new URL(f, web), path.join(dir, f));
const { addTrades, createTape } = await import(path.join(dir, "tape.js"));
const { candleKind, createSeries, hasPrices, mergeCandle, mergeHistory, priceRange } = await import(
  path.join(dir, "candles.js")
);
const { makeI18n } = await import(path.join(dir, "i18n.js"));
const { buildLadder } = await import(path.join(dir, "ladder.js"));
fs.rmSync(dir, { recursive: true, force: true });

const trade = (id, price, qty, side, venue) => ({ id, price, qty, side, venue, ts: 1764061234000123, recv_ts: 1764061234001234 });

test("the tape lists trades newest first, exact strings, capped", () => {
  const tape = createTape(3);
  addTrades(tape, { symbol: "BTC-USDT", first: 1, count: 2, trades: [trade("1", "85205.70000000", "0.00120000", "buy", "binance"), trade("2", "85205.69", "0.5", "sell", "okx")] });
  assert.deepEqual(tape.trades.map((t) => [t.n, t.price, t.qty, t.side, t.venue]), [
    [2, "85205.69", "0.5", "sell", "okx"],
    [1, "85205.70000000", "0.00120000", "buy", "binance"],
  ]);
  addTrades(tape, { symbol: "BTC-USDT", first: 3, count: 2, trades: [trade("3", "1", "1", "buy", "bybit"), trade("4", "2", "2", "buy", "bybit")] });
  assert.deepEqual(tape.trades.map((t) => t.n), [4, 3, 2]);
  assert.equal(tape.added, 4);
  assert.equal(tape.missed, 0);
});

test("a jump in `first` counts the trades conflation skipped; a lower `first` is a restart", () => {
  const tape = createTape(50);
  assert.equal(addTrades(tape, { first: 10, count: 2, trades: [trade("a", "1", "1", "buy", "x"), trade("b", "1", "1", "buy", "x")] }), 0);
  assert.equal(addTrades(tape, { first: 17, count: 1, trades: [trade("c", "1", "1", "sell", "x")] }), 5);
  assert.equal(addTrades(tape, { first: 18, count: 1, trades: [trade("d", "1", "1", "sell", "x")] }), 0);
  assert.equal(tape.missed, 5);
  // tickerd restarted the channel: nothing can be inferred, counting goes on from there.
  assert.equal(addTrades(tape, { first: 1, count: 1, trades: [trade("e", "1", "1", "sell", "x")] }), 0);
  assert.equal(addTrades(tape, { first: 3, count: 1, trades: [trade("f", "1", "1", "sell", "x")] }), 1);
  assert.equal(tape.missed, 6);
  // A snapshot of a channel with no data yet, and a side the venue did not send.
  assert.equal(addTrades(tape, null), 0);
  addTrades(tape, { first: 4, count: 1, trades: [{ price: "2", qty: "3", venue: "kraken", recv_ts: 5 }] });
  assert.deepEqual({ ...tape.trades[0] }, { n: 4, id: null, price: "2", qty: "3", side: null, venue: "kraken", ts: 5 });
});

const MIN = 60_000_000;
const candle = (k, o, h, l, c, trades, closed) => ({
  symbol: "BTC-USDT", interval: "1m", open_time: k * MIN, close_time: (k + 1) * MIN,
  open: o, high: h, low: l, close: c, volume_base: "0", volume_quote: "0", trades, late: 0, closed,
});

test("the forming candle updates in place; closed:true finalises it; the next one follows", () => {
  const s = createSeries(120);
  assert.ok(mergeCandle(s, candle(5, "10", "11", "9", "10.5", 3, false)));
  assert.ok(mergeCandle(s, candle(5, "10", "12", "9", "11.00", 4, false)));
  assert.equal(s.candles.length, 1);
  assert.equal(s.candles[0].close, "11.00");
  assert.ok(mergeCandle(s, candle(5, "10", "12", "9", "11.00", 4, true)));
  // Nothing replaces a closed candle, not even a late forming state of it.
  assert.ok(!mergeCandle(s, candle(5, "10", "13", "9", "12", 5, false)));
  assert.ok(mergeCandle(s, candle(6, "11.00", "11.00", "11.00", "11.00", 0, true)));
  assert.equal(candleKind(s.candles[1]), "empty");
  assert.deepEqual(s.candles.map((c) => [c.open_time / MIN, c.closed]), [[5, true], [6, true]]);
});

test("history merges under the live candles, oldest first, at most `limit`", () => {
  const s = createSeries(3);
  mergeCandle(s, candle(10, "5", "6", "4", "5.5", 7, false)); // live, forming, ahead of history
  mergeHistory(s, [candle(7, "1", "1", "1", "1", 1, true), candle(8, "2", "2", "2", "2", 1, true),
    candle(9, "3", "3", "3", "3", 1, true), candle(10, "5", "5.2", "4.9", "5.1", 2, false)]);
  assert.deepEqual(s.candles.map((c) => c.open_time / MIN), [8, 9, 10]);
  assert.equal(s.candles[2].close, "5.5", "the live state of the forming candle has more trades: it stays");
  assert.ok(!mergeCandle(s, candle(7, "1", "1", "1", "1", 1, true)), "older than a full series");
  assert.ok(!mergeCandle(s, { open_time: "soon" }));
});

test("null prices (no trade ever) draw nothing; the range is exact", () => {
  const none = candle(1, null, null, null, null, 0, true);
  assert.ok(!hasPrices(none));
  assert.equal(priceRange([none]), null);
  const range = priceRange([none, candle(2, "85205.70", "85210.1", "85199.99", "85201.00", 4, true),
    candle(3, "85201.00", "85210.10000", "85199.990", "85200", 2, false)]);
  // The first string of each extreme is kept, exactly as sent.
  assert.deepEqual(range, { high: "85210.1", low: "85199.99" });
  assert.equal(candleKind(candle(4, "2", "3", "1", "2.0", 1, true)), "flat");
  assert.equal(candleKind(candle(4, "2", "3", "1", "2.5", 1, true)), "up");
  assert.equal(candleKind(candle(4, "2", "3", "1", "1.5", 1, true)), "down");
});

test("every string of the page, the coin view's too, is in both languages", () => {
  const keys = (table, prefix = "") => Object.entries(table).flatMap(([k, v]) =>
    typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]).sort();
  const zh = makeI18n("zh").table;
  const en = makeI18n("en").table;
  assert.deepEqual(keys(zh), keys(en));
  for (const k of ["byVenue", "openCoin", "candles", "candlesLabel", "candlesNone", "noHistory", "trades", "price",
    "size", "side", "buy", "sell", "missed", "notPublished", "depth", "cumulative", "spread", "crossed", "locked",
    "bookResyncing"]) {
    assert.ok(zh[k] && en[k], k);
  }
  assert.equal(makeI18n("en").t("missed", { n: 17 }), "Slow connection: missed 17 trades");
});

// A composed book10 as docs/PROTOCOL.md "Book data" shows it.
const composed = (extra) => ({
  symbol: "BTC-USDT", depth: 10, status: "ready", venues: ["binance", "coinbase", "okx"],
  bids: [["85205.7", "1.25", { binance: "1", okx: "0.25" }], ["85205.6", "0.1", { binance: "0.1" }],
    ["85205.5", "0.2", { okx: "0.2" }]],
  asks: [["85205.75", "0.00120000", { coinbase: "0.00120000" }], ["85205.8", "0.5", { binance: "0.5" }]],
  spread: "0.05", crossed: false, locked: false, ts: 1764061234000200, recv_ts: 1764061234001000, ...extra,
});

test("the ladder: asks best at the bottom above bids best first, exact running totals, venues per level", () => {
  const ladder = buildLadder(composed());
  assert.equal(ladder.state, "ready");
  assert.deepEqual(ladder.asks.map((l) => [l.price, l.size, l.cum]), [
    ["85205.8", "0.5", "0.50120000"],
    ["85205.75", "0.00120000", "0.00120000"],
  ]);
  // 1.25 + 0.1 + 0.2: 1.55 exactly (1.5500000000000003 as JS numbers).
  assert.deepEqual(ladder.bids.map((l) => [l.price, l.size, l.cum]), [
    ["85205.7", "1.25", "1.25"],
    ["85205.6", "0.1", "1.35"],
    ["85205.5", "0.2", "1.55"],
  ]);
  assert.deepEqual(ladder.bids[0].venues, [["binance", "1"], ["okx", "0.25"]]);
  assert.deepEqual(ladder.asks[1].venues, [["coinbase", "0.00120000"]]);
  // Bars: each running total over the larger side's total (the bids' 1.55).
  assert.equal(ladder.bids[2].share, 1);
  assert.ok(Math.abs(ladder.bids[0].share - 1.25 / 1.55) < 1e-12);
  assert.ok(Math.abs(ladder.asks[0].share - 0.5012 / 1.55) < 1e-12);
  assert.deepEqual([ladder.spread, ladder.crossed, ladder.locked], ["0.05", false, false]);
});

test("the ladder says resyncing with no venue, waiting before data, and never totals a bad size", () => {
  assert.equal(buildLadder(undefined).state, "waiting");
  assert.equal(buildLadder(null).state, "waiting");
  const lost = buildLadder({ symbol: "BTC-USDT", depth: 10, status: "resyncing", bids: [], asks: [], venues: [] });
  assert.deepEqual([lost.state, lost.bids, lost.asks], ["resyncing", [], []]);
  // "ready" with no venue listed is not a book to show either.
  assert.equal(buildLadder(composed({ venues: [] })).state, "resyncing");
  const bad = buildLadder(composed({ bids: [["1", "0.5", {}], ["0.9", "1e3", {}], ["0.8", "1", {}]] }));
  assert.deepEqual(bad.bids.map((l) => l.cum), ["0.5", null, null]);
  const oneSided = buildLadder(composed({ asks: [], spread: undefined, crossed: true }));
  assert.deepEqual([oneSided.asks, oneSided.spread, oneSided.crossed, oneSided.bids.at(-1).share], [[], null, true, 1]);
});

// One 1m candle series of the coin view (docs/PROTOCOL.md "Candle data"): history from
// GET /v1/candles merged with the live channel, oldest first, at most `limit` candles. Pure: no
// DOM; prices stay the strings tickerd sent and are compared exactly (decimal.js).

import { compareDecimal, isDecimal } from "./decimal.js";

export function createSeries(limit) {
  return { limit, candles: [] };
}

// Whether `a` is a later state of the same candle than `b`: a closed candle is final, and a
// forming one only gains trades.
export function supersedes(a, b) {
  if (b.closed) return false;
  if (a.closed) return true;
  return (a.trades ?? 0) >= (b.trades ?? 0);
}

function valid(c) {
  return c && typeof c === "object" && Number.isSafeInteger(c.open_time);
}

// Puts one candle in its place by open_time; true when the series changed.
export function mergeCandle(series, c) {
  if (!valid(c)) return false;
  const list = series.candles;
  let k = list.length;
  while (k > 0 && list[k - 1].open_time > c.open_time) --k;
  if (k > 0 && list[k - 1].open_time === c.open_time) {
    if (!supersedes(c, list[k - 1])) return false;
    list[k - 1] = c;
    return true;
  }
  // Older than everything kept in a full series: it would be dropped at once.
  if (k === 0 && list.length >= series.limit) return false;
  list.splice(k, 0, c);
  if (list.length > series.limit) list.splice(0, list.length - series.limit);
  return true;
}

// GET /v1/candles' `candles` (oldest first); the live channel's candles win where newer.
export function mergeHistory(series, candles) {
  let changed = false;
  for (const c of Array.isArray(candles) ? candles : []) changed = mergeCandle(series, c) || changed;
  return changed;
}

// Candles with prices: a candle before the stream's first trade ever has null prices and draws
// nothing.
export function hasPrices(c) {
  return isDecimal(c.open) && isDecimal(c.high) && isDecimal(c.low) && isDecimal(c.close);
}

// The highest high and lowest low of `candles`, as the exact strings tickerd sent; null when none
// has prices.
export function priceRange(candles) {
  let high = null;
  let low = null;
  for (const c of candles) {
    if (!hasPrices(c)) continue;
    if (high === null || compareDecimal(c.high, high) > 0) high = c.high;
    if (low === null || compareDecimal(c.low, low) < 0) low = c.low;
  }
  return high === null ? null : { high, low };
}

// "up", "down" or "flat" (open = close), exactly; an empty interval (no trade) is "empty".
export function candleKind(c) {
  if (c.trades === 0) return "empty";
  const s = compareDecimal(c.close, c.open);
  return s > 0 ? "up" : s < 0 ? "down" : "flat";
}

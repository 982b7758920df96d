// The coin view's depth ladder, read from one composed `book<N>.<SYM>` data object
// (docs/PROTOCOL.md "Book data"): each level's price, size, running total from the best price
// out, and the venues quoting it. Pure: no DOM; prices and sizes stay the strings tickerd sent,
// and the running totals are exact sums of them (web/decimal.js), never JS numbers.

import { addDecimal, compareDecimal } from "./decimal.js";

// One side, best first: [price, size, {venue: size}] levels with their running totals. A size
// that is not a decimal leaves the totals from there on unknown (null) rather than wrong.
function side(levels) {
  let cum = "0";
  return (Array.isArray(levels) ? levels : []).map((level) => {
    const [price, size, venues] = Array.isArray(level) ? level : [];
    cum = cum === null ? null : addDecimal(cum, String(size ?? ""));
    return {
      price: String(price ?? ""),
      size: String(size ?? ""),
      cum,
      venues: venues && typeof venues === "object" ? Object.entries(venues).map(([v, s]) => [v, String(s)]) : [],
      share: 0,
    };
  });
}

// `state`: "waiting" (nothing yet), "resyncing" (no venue's book ready: no levels, never old
// ones), or "ready". `asks` come in display order, the farthest at the top and the best at the
// bottom, just above the spread; `bids` best first below it. `share` (0..1) sizes a level's bar:
// its running total over the larger side's whole total, a Number because it only draws a bar.
export function buildLadder(data) {
  if (!data || typeof data !== "object") return { state: "waiting", asks: [], bids: [], venues: [] };
  const venues = Array.isArray(data.venues) ? data.venues : [];
  if (data.status !== "ready" || venues.length === 0) return { state: "resyncing", asks: [], bids: [], venues };
  const bids = side(data.bids);
  const asks = side(data.asks);
  const totals = [bids.at(-1)?.cum, asks.at(-1)?.cum].filter((c) => typeof c === "string");
  const most = totals.reduce((m, c) => (m === null || compareDecimal(c, m) > 0 ? c : m), null);
  const scale = most === null ? 0 : Number(most);
  for (const level of [...bids, ...asks]) level.share = scale > 0 && level.cum !== null ? Number(level.cum) / scale : 0;
  return {
    state: "ready",
    asks: asks.reverse(),
    bids,
    venues,
    spread: typeof data.spread === "string" ? data.spread : null,
    crossed: data.crossed === true,
    locked: data.locked === true,
  };
}

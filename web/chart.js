// The coin view's 1m candle chart on a plain canvas (no library, nothing to download). Prices are
// the exact strings of candles.js; each becomes a number only to place a pixel, and the labels
// on the chart are tickerd's own strings (the range's high and low, the last close).

import { candleKind, hasPrices, priceRange } from "./candles.js";

// Slots shown at least: a series of two candles is drawn at a readable width, at the right.
const MIN_SLOTS = 30;
// The price labels' column: as wide as the widest label (8-decimal prices are long).
const MIN_PRICE_GUTTER_PX = 48;
const LABEL_PAD_PX = 10;
const TIME_GUTTER_PX = 18;
const PAD_PX = 8;
const FONT = '11px system-ui, "PingFang SC", "Microsoft YaHei", sans-serif';

function colours(canvas) {
  const css = getComputedStyle(canvas);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    up: v("--up", "#0a8f3c"),
    down: v("--down", "#d32f2f"),
    muted: v("--muted", "#6b7280"),
    line: v("--line", "#e5e7eb"),
    text: v("--text", "#1d2129"),
    card: v("--card", "#ffffff"),
  };
}

function hhmm(us, locale) {
  return new Date(Math.floor(us / 1000)).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
}

// Draws `candles` (oldest first, one interval of `intervalUs` apart at most) to fill the
// canvas's CSS size. Returns what was drawn, which the caller writes into data attributes (the
// browser test compares them with the channel): candles with prices, of them empty ones, and
// the last candle, its x, the width of a slot and the plot's top and bottom (CSS pixels).
export function drawCandles(canvas, candles, intervalUs, locale) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth;
  const cssH = canvas.clientHeight;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const result = { drawn: 0, empty: 0, last: candles.at(-1) ?? null, lastX: null, slotWidth: null, plot: null, range: null };
  const priced = candles.filter(hasPrices);
  const range = priceRange(priced);
  if (!range) return result;
  result.range = range;
  const lastPriced = priced.at(-1);
  ctx.font = FONT;
  const gutter = Math.max(MIN_PRICE_GUTTER_PX, ...[range.high, range.low, lastPriced.close]
    .map((text) => Math.ceil(ctx.measureText(text).width) + LABEL_PAD_PX));
  if (cssW <= gutter + 2 * PAD_PX || cssH <= TIME_GUTTER_PX + 2 * PAD_PX) return result;
  const col = colours(canvas);

  const lastOpen = candles.at(-1).open_time;
  const span = Math.round((lastOpen - candles[0].open_time) / intervalUs) + 1;
  const slots = Math.max(MIN_SLOTS, span);
  const firstOpen = lastOpen - (slots - 1) * intervalUs;
  const plotW = cssW - gutter - PAD_PX;
  const plotTop = PAD_PX;
  const plotH = cssH - TIME_GUTTER_PX - 2 * PAD_PX;
  const slotW = plotW / slots;
  const bodyW = Math.max(1, Math.min(12, slotW * 0.7));
  // Numbers for pixel positions only.
  const hi = Number(range.high);
  const lo = Number(range.low);
  const y = (price) => (hi === lo ? plotTop + plotH / 2 : plotTop + ((hi - Number(price)) / (hi - lo)) * plotH);
  const xOf = (open) => PAD_PX + (Math.round((open - firstOpen) / intervalUs) + 0.5) * slotW;
  const crisp = (v) => Math.round(v) + 0.5;
  result.lastX = xOf(lastOpen);
  result.slotWidth = slotW;
  result.plot = { top: plotTop, bottom: plotTop + plotH };

  // Grid: the range's top and bottom.
  ctx.strokeStyle = col.line;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const gy of [plotTop, plotTop + plotH]) {
    ctx.moveTo(PAD_PX, crisp(gy));
    ctx.lineTo(PAD_PX + plotW, crisp(gy));
  }
  ctx.stroke();

  for (const c of priced) {
    const x = xOf(c.open_time);
    const kind = candleKind(c);
    if (kind === "empty") {
      // A minute without trades: a flat dash at the previous close, in the muted colour.
      ctx.strokeStyle = col.muted;
      ctx.beginPath();
      ctx.moveTo(x - bodyW / 2, crisp(y(c.close)));
      ctx.lineTo(x + bodyW / 2, crisp(y(c.close)));
      ctx.stroke();
      result.empty++;
      result.drawn++;
      continue;
    }
    const colour = kind === "down" ? col.down : kind === "up" ? col.up : col.muted;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.moveTo(crisp(x), y(c.high));
    ctx.lineTo(crisp(x), y(c.low));
    ctx.stroke();
    const top = Math.min(y(c.open), y(c.close));
    const height = Math.max(1, Math.abs(y(c.open) - y(c.close)));
    if (c.closed) {
      ctx.fillRect(x - bodyW / 2, top, bodyW, height);
    } else {
      // The forming candle: an outline, filled when it has closed.
      ctx.fillStyle = col.card;
      ctx.fillRect(x - bodyW / 2, top, bodyW, height);
      ctx.strokeRect(Math.round(x - bodyW / 2) + 0.5, Math.round(top) + 0.5, Math.max(1, Math.round(bodyW) - 1), Math.max(1, Math.round(height) - 1));
    }
    result.drawn++;
  }

  // Price labels, exact: the range's high and low, and the last close on a dashed line.
  ctx.textBaseline = "middle";
  ctx.fillStyle = col.muted;
  const labelX = PAD_PX + plotW + 4;
  const ly = y(lastPriced.close);
  // The high and low labels give way to the last close's where they would overlap.
  if (Math.abs(ly - (plotTop + 5)) > 16) ctx.fillText(range.high, labelX, plotTop + 5);
  if (Math.abs(ly - (plotTop + plotH - 5)) > 16) ctx.fillText(range.low, labelX, plotTop + plotH - 5);
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = col.muted;
  ctx.beginPath();
  ctx.moveTo(PAD_PX, crisp(ly));
  ctx.lineTo(PAD_PX + plotW, crisp(ly));
  ctx.stroke();
  ctx.setLineDash([]);
  const kind = candleKind(lastPriced);
  ctx.fillStyle = kind === "down" ? col.down : kind === "up" ? col.up : col.text;
  ctx.fillRect(labelX - 2, ly - 8, gutter - 4, 16);
  ctx.fillStyle = col.card;
  ctx.fillText(lastPriced.close, labelX, ly);

  // Times: about one label per 60 px, on whole slots, from the right.
  ctx.fillStyle = col.muted;
  ctx.textBaseline = "bottom";
  ctx.textAlign = "center";
  const every = Math.max(1, Math.ceil(60 / slotW));
  for (let s = slots - 1; s >= 0; s -= every) {
    const open = firstOpen + s * intervalUs;
    const x = xOf(open);
    if (x < PAD_PX + 16) break;
    ctx.fillText(hhmm(open, locale), x, cssH - 2);
  }
  ctx.textAlign = "start";
  return result;
}

// The tickerd dashboard: every ticker, ETH gas, Fear & Greed and the daily almanac, live over one
// WebSocket (docs/PROTOCOL.md); a click on a coin opens its view (each venue's ticker, the
// composed depth ladder, a 1m candle chart, the live consolidated tape). Messages only record
// state; the DOM is written in one animation frame at most ten times a second, and only where a
// value changed, so 50 busy tickers cost a few text writes and one layout per redraw.

import { createSeries, mergeCandle, mergeHistory, priceRange } from "./candles.js";
import { drawCandles } from "./chart.js";
import { compareDecimal, isDecimal, shortDecimal, signOf } from "./decimal.js";
import { createGauge } from "./gauge.js";
import { makeI18n, pickLang } from "./i18n.js";
import { buildLadder } from "./ladder.js";
import { addTrades, createTape } from "./tape.js";

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10000;
const PING_EVERY_MS = 15000;
// tickerd pings idle clients and answers ours; this long without a byte means a dead link.
const SILENCE_LIMIT_MS = 40000;
const CONNECT_LIMIT_MS = 10000;
const WATCH_EVERY_MS = 1000;
const FLASH_MS = 600;
const RENDER_MIN_INTERVAL_MS = 100;
const CARD_CHANNELS = ["status", "almanac", "gas.ETH", "fng"];
const MAX_ERRORS_KEPT = 50;
// The coin view: trades listed, and 1m candles kept and asked for (two hours).
const TRADES_SHOWN = 50;
const CANDLES_KEPT = 120;
const CANDLE_INTERVAL = "1m";
const CANDLE_INTERVAL_US = 60_000_000;
// The ladder's depth: the composed book's top 10 a side (docs/PROTOCOL.md "Book data").
const LADDER_DEPTH = 10;

const i18n = makeI18n(pickLang(location.search));
const { t } = i18n;
const $ = (id) => document.getElementById(id);

// ---- state: written by messages, read by render() ---------------------------------------------

// Per channel, the stream position to resume from: {seq, epoch}.
const streams = new Map();
// Composite tickers in the order tickerd lists them: channel -> row.
const rows = new Map();
// Cards: the latest data of each non-ticker channel (undefined: nothing yet; null: no data).
const cards = { status: undefined, almanac: undefined, "gas.ETH": undefined, fng: undefined };
const unavailable = new Set();
// The coin view: one composite's venue channels while it is open, and its tape and 1m candles.
const detail = { symbol: null, channels: [], data: new Map(), rows: new Map(), opener: null };
const coin = {
  trades: null, // "trades.<SYM>" while the view is open
  candles: null, // "candles.<SYM>.1m"
  book: null, // "book10.<SYM>", the venues' books composed
  bookData: undefined, // its latest data (undefined: nothing yet)
  tape: createTape(TRADES_SHOWN),
  series: createSeries(CANDLES_KEPT),
  unpublished: new Set(), // of the three, channels this server refused (unknown_channel)
  history: "none", // GET /v1/candles: "loading", "loaded", "missing" (404: none yet), "failed"
  fetches: 0, // tells a late answer for a view since closed from the current one
  shownAdded: 0, // tape.added when the trade rows were last written
};

// Counters for people debugging in the console and for the browser test (window.tickerd).
const stats = {
  connects: 0, snapshots: 0, updates: 0, resumed: 0, resets: 0, resetReasons: {}, gaps: 0,
  duplicates: 0, conflated: 0, renders: 0, errors: [], drains: 0, missedTrades: 0,
};

let conn = { state: "connecting", attempt: 0, retryInS: 0 };

// ---- rendering, batched per frame --------------------------------------------------------------

const dirty = new Set();
const dirtyRows = new Set();
let lastRender = -Infinity;
let renderAt = Infinity; // when the next render is due; Infinity: none scheduled
let renderTimer = 0;
let frameRequested = false;

// Schedules render() on an animation frame at `when` (performance.now() time) or as soon as
// possible after it, and at most once per RENDER_MIN_INTERVAL_MS: prices redrawn ten times a
// second look live, and the frame's style, layout and paint are paid once for every change.
function invalidateAt(when) {
  if (frameRequested) return;
  const at = Math.max(when, lastRender + RENDER_MIN_INTERVAL_MS);
  if (at >= renderAt) return;
  renderAt = at;
  clearTimeout(renderTimer);
  const requestFrame = () => {
    frameRequested = true;
    requestAnimationFrame(render);
  };
  const wait = at - performance.now();
  if (wait > 1) renderTimer = setTimeout(requestFrame, wait);
  else requestFrame();
}

function invalidate(what) {
  dirty.add(what);
  invalidateAt(0);
}

function render(now) {
  frameRequested = false;
  renderAt = Infinity;
  lastRender = now;
  stats.renders++;
  if (dirty.has("rows")) renderRows();
  if (dirty.has("conn") || dirty.has("status")) renderConnection();
  if (dirty.has("status")) renderFeeds();
  if (dirty.has("almanac")) renderAlmanac();
  if (dirty.has("gas.ETH")) renderGas();
  if (dirty.has("fng")) renderFng();
  if (dirty.has("detail")) renderDetail();
  if (dirty.has("trades")) renderTrades();
  if (dirty.has("chart")) renderChart();
  if (dirty.has("ladder")) renderLadder();
  dirty.clear();
  expireFlashes(now);
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// A changed price is highlighted green or red for FLASH_MS. A class on and a class off rather
// than a running animation: an animated background repaints every frame, and with 50 busy
// tickers some cell is always flashing.
const flashing = new Map(); // node -> time its highlight ends

function flash(node, direction) {
  if (!direction) return;
  node.classList.toggle("flash-up", direction > 0);
  node.classList.toggle("flash-down", direction < 0);
  flashing.set(node, performance.now() + FLASH_MS);
}

function expireFlashes(now) {
  let next = Infinity;
  for (const [node, end] of flashing) {
    if (end <= now) {
      node.classList.remove("flash-up", "flash-down");
      flashing.delete(node);
    } else {
      next = Math.min(next, end);
    }
  }
  if (next !== Infinity) invalidateAt(next);
}

function changeText(pct) {
  if (!isDecimal(pct)) return "";
  return (signOf(pct) > 0 ? "+" : "") + pct + "%";
}

function changeClass(pct) {
  const s = signOf(pct);
  return s > 0 ? "chg up" : s < 0 ? "chg down" : "chg";
}

function makeRow(row) {
  const li = document.createElement("li");
  li.className = "row";
  li.dataset.channel = row.channel;
  li.dataset.symbol = row.symbol;
  const [base, quote] = row.symbol.split("-");
  const button = document.createElement("button");
  button.type = "button";
  const sym = document.createElement("span");
  sym.className = "sym";
  sym.append(base);
  const small = document.createElement("small");
  small.textContent = "/" + (quote ?? "");
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = t("stale");
  badge.hidden = true;
  sym.append(small, badge);
  const last = document.createElement("span");
  last.className = "last";
  const chg = document.createElement("span");
  chg.className = "chg";
  button.append(sym, last, chg);
  // A button: focusable, and Enter or Space opens the view like a click.
  button.setAttribute("aria-label", t("openCoin", { sym: row.symbol }));
  button.setAttribute("aria-controls", "detail");
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", () => openDetail(row.symbol));
  li.append(button);
  row.el = { li, button, last, chg, badge };
  row.shown = { last: "", chg: "", chgClass: "chg", stale: false, seq: "" };
  return li;
}

function renderRows() {
  let added = null;
  for (const row of dirtyRows) {
    if (!row.el) (added ??= document.createDocumentFragment()).append(makeRow(row));
    const d = row.data;
    const last = d?.last ?? "";
    const pct = changeText(d?.change_pct);
    const pctClass = changeClass(d?.change_pct);
    const stale = !d || d.stale === true;
    const shown = row.shown;
    if (last !== shown.last) {
      row.el.last.textContent = last;
      flash(row.el.last, shown.last ? compareDecimal(last, shown.last) : 0);
      shown.last = last;
    }
    if (pct !== shown.chg) row.el.chg.textContent = shown.chg = pct;
    if (pctClass !== shown.chgClass) row.el.chg.className = shown.chgClass = pctClass;
    if (stale !== shown.stale) {
      row.el.li.classList.toggle("stale", stale);
      row.el.badge.textContent = d ? t("stale") : t("noData");
      row.el.badge.hidden = !stale;
      shown.stale = stale;
    }
    const seq = String(row.seq);
    if (seq !== shown.seq) row.el.li.dataset.seq = shown.seq = seq;
  }
  dirtyRows.clear();
  if (added) $("tickers").append(added);
  const market = $("market");
  market.dataset.state = rows.size ? "live" : "waiting";
  setText(market.querySelector("[data-note]"), rows.size ? "" : t("waiting"));
}

function feedTroubles() {
  const feeds = cards.status?.feeds ?? [];
  return feeds.filter((f) => f.state !== "up");
}

function renderConnection() {
  document.body.dataset.conn = conn.state;
  const text =
    conn.state === "live" ? t("live")
    : conn.state === "disconnected" ? t("disconnected", { s: conn.retryInS, n: conn.attempt })
    : conn.attempt > 0 ? t("reconnecting")
    : t("connecting");
  setText($("conn"), text);
  const banner = $("banner");
  let message = "";
  if (conn.state === "disconnected") {
    message = text;
  } else if (conn.state === "live") {
    const bad = feedTroubles();
    if (bad.length) {
      const list = bad.map((f) => `${f.venue} ${t("feedState")[f.state] ?? f.state}`);
      message = t("feedTrouble", { list: list.join(t("listSep")) });
    }
  }
  setText(banner, message);
  banner.hidden = message === "";
}

function renderFeeds() {
  const list = $("feeds");
  const feeds = cards.status?.feeds ?? [];
  const frag = document.createDocumentFragment();
  for (const f of feeds) {
    const li = document.createElement("li");
    li.className = "feed";
    li.dataset.venue = f.venue;
    li.dataset.state = f.state;
    li.title = `${f.venue}: ${t("feedState")[f.state] ?? f.state}`;
    li.textContent = f.venue;
    frag.append(li);
  }
  list.replaceChildren(frag);
}

function setCardState(id, channel, isStale) {
  const card = $(id);
  const data = cards[channel];
  const state = unavailable.has(channel) ? "unavailable"
    : data == null ? "waiting"
    : isStale ? "stale"
    : "live";
  card.dataset.state = state;
  const note = state === "unavailable" ? t("unavailable")
    : state === "waiting" ? t("waiting")
    : state === "stale" ? t("stale")
    : "";
  setText(card.querySelector("[data-note]"), note);
  return state;
}

function renderAlmanac() {
  setCardState("almanac", "almanac", false);
  const a = cards.almanac;
  if (!a) return;
  const pick = i18n.pick;
  const score = a.fortune?.score;
  const scoreNode = $("fortune-score");
  setText(scoreNode, score == null ? "" : String(score));
  scoreNode.className = "score" + (score > 0 ? " up" : score < 0 ? " down" : "");
  setText($("month-name"), a.month ? t("monthName", { m: pick(a.month) }) : "");
  setText($("month-mood"), pick(a.month_mood));
  setText(
    $("almanac-date"),
    t("almanacDate", {
      date: a.date ?? "",
      day: pick(a.day),
      year: pick(a.year),
      animal: pick(a.year?.animal),
    }),
  );
  setText($("elements"), pick(a.five_elements));
  setText($("pengzu-0"), pick(a.pengzu?.[0]));
  setText($("pengzu-1"), pick(a.pengzu?.[1]));
  setText($("yi"), (a.yi ?? []).map(pick).join(t("listSep")));
  setText($("ji"), (a.ji ?? []).map(pick).join(t("listSep")));
  setText($("moon-reading"), pick(a.moon?.reading));
  const illumination = a.moon?.illumination_pct;
  setText(
    $("moon-phase"),
    a.moon ? pick(a.moon) + (illumination == null ? "" : ` · ${illumination}%`) : "",
  );
  setText($("clash"), pick(a.clash));
}

function renderGas() {
  const g = cards["gas.ETH"];
  setCardState("gas", "gas.ETH", g?.stale === true);
  if (!g) return;
  // total_gwei is null until the node has told a priority fee: the base fee alone then.
  const total = g.total_gwei;
  setText($("gas-value"), shortDecimal(total ? total.standard : g.base_fee_gwei) ?? "--");
  const base = shortDecimal(g.base_fee_gwei, 3) ?? "";
  setText(
    $("gas-detail"),
    total
      ? t("gasDetail", {
          block: g.block ?? "",
          base,
          slow: shortDecimal(total.slow) ?? "",
          standard: shortDecimal(total.standard) ?? "",
          fast: shortDecimal(total.fast) ?? "",
        })
      : t("gasBase", { block: g.block ?? "", base }),
  );
}

let gauge = null;

function renderFng() {
  const f = cards.fng;
  setCardState("fng", "fng", f?.stale === true);
  if (!f) return;
  gauge.set(f.value);
  const reading = document.querySelector(".fng-reading");
  reading.dataset.class = f.value_classification ?? "";
  setText($("fng-label"), i18n.fngLabel(f.value_classification ?? ""));
  setText($("fng-value"), f.value == null ? "" : String(f.value));
  let source = t("fngSource")[f.source] ?? f.source ?? "";
  if (f.source !== "computed" && f.computed?.value != null) {
    source += " · " + t("fngComputed", { v: f.computed.value });
  }
  setText($("fng-source"), source);
}

// Timestamps on the wire are µs since the epoch (PROTOCOL.md "Conventions"); absent when the
// venue sent none.
function localTime(us) {
  if (typeof us !== "number") return "";
  const ms = Math.floor(us / 1000);
  return new Date(ms).toLocaleTimeString(i18n.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}

// A trade's time to the millisecond: trades come many a second.
function tradeTime(us) {
  if (typeof us !== "number") return "";
  return localTime(us) + "." + String(Math.floor(us / 1000) % 1000).padStart(3, "0");
}

function renderDetail() {
  const panel = $("detail");
  if (!detail.symbol) {
    panel.hidden = true;
    $("detail-rows").replaceChildren();
    detail.rows.clear();
    return;
  }
  panel.hidden = false;
  panel.dataset.symbol = detail.symbol;
  setText($("detail-title"), t("detail", { sym: detail.symbol }));
  const body = $("detail-rows");
  for (const channel of detail.channels) {
    const venue = channel.slice(channel.indexOf("@") + 1);
    let r = detail.rows.get(channel);
    if (!r) {
      const tr = document.createElement("tr");
      tr.dataset.venue = venue;
      for (let k = 0; k < 6; ++k) tr.append(document.createElement("td"));
      tr.cells[0].textContent = venue;
      body.append(tr);
      r = { tr, last: "" };
      detail.rows.set(channel, r);
    }
    const d = detail.data.get(channel);
    const cells = r.tr.cells;
    const stale = !d || d.stale === true;
    r.tr.classList.toggle("stale", stale);
    setText(cells[0], venue + (stale ? ` (${d ? t("stale") : t("noData")})` : ""));
    const last = d?.last ?? "";
    if (last !== r.last) {
      setText(cells[1], last);
      flash(cells[1], r.last ? compareDecimal(last, r.last) : 0);
      r.last = last;
    }
    setText(cells[2], d?.bid ?? "");
    setText(cells[3], d?.ask ?? "");
    setText(cells[4], changeText(d?.change_pct));
    cells[4].className = changeClass(d?.change_pct);
    setText(cells[5], localTime(d?.ts));
  }
}

function makeTradeRow(tr) {
  const row = document.createElement("tr");
  if (tr.side) row.className = tr.side;
  // The exact strings, for people inspecting the page and for the browser test.
  if (tr.n !== null) row.dataset.n = String(tr.n);
  if (tr.id !== null) row.dataset.id = tr.id;
  row.dataset.price = tr.price;
  row.dataset.qty = tr.qty;
  row.dataset.venue = tr.venue;
  if (tr.side) row.dataset.side = tr.side;
  const cells = [tradeTime(tr.ts), tr.side ? t(tr.side) : "", tr.price, tr.qty, tr.venue];
  const classes = ["", "side", "px", "", ""];
  cells.forEach((text, k) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (classes[k]) td.className = classes[k];
    row.append(td);
  });
  return row;
}

// New trades go on top in one fragment; the oldest rows beyond TRADES_SHOWN leave.
function renderTrades() {
  const body = $("trades");
  const note = $("trades-note");
  if (!coin.trades) {
    body.replaceChildren();
    delete body.dataset.missed;
    note.hidden = true;
    return;
  }
  const tape = coin.tape;
  const fresh = Math.min(tape.added - coin.shownAdded, tape.trades.length);
  coin.shownAdded = tape.added;
  if (fresh > 0) {
    const frag = document.createDocumentFragment();
    for (let k = 0; k < fresh; ++k) frag.append(makeTradeRow(tape.trades[k]));
    body.prepend(frag);
    while (body.rows.length > TRADES_SHOWN) body.lastElementChild.remove();
  }
  body.dataset.missed = String(tape.missed);
  const text = coin.unpublished.has(coin.trades) ? t("notPublished")
    : tape.missed > 0 ? t("missed", { n: tape.missed })
    : tape.trades.length === 0 ? t("waiting")
    : "";
  setText(note, text);
  note.hidden = text === "";
}

function renderChart() {
  const canvas = $("candle-chart");
  const note = $("candles-note");
  if (!coin.candles) return;
  const candles = coin.series.candles;
  const unpublished = coin.unpublished.has(coin.candles);
  const text = unpublished ? t("notPublished")
    : coin.history === "missing" || coin.history === "failed" ? t("noHistory")
    : candles.length === 0 ? t("waiting")
    : "";
  setText(note, text);
  note.hidden = text === "";
  canvas.hidden = unpublished;
  if (unpublished || canvas.clientWidth === 0) return;
  const drawn = drawCandles(canvas, candles, CANDLE_INTERVAL_US, i18n.lang === "zh" ? "zh-CN" : "en-GB");
  // What was drawn, for the browser test and anyone inspecting the page.
  canvas.dataset.candles = String(drawn.drawn);
  canvas.dataset.empty = String(drawn.empty);
  canvas.dataset.history = coin.history;
  const last = drawn.last;
  if (last) {
    canvas.dataset.lastOpenTime = String(last.open_time);
    canvas.dataset.lastClose = last.close ?? "null";
    canvas.dataset.lastClosed = String(last.closed === true);
    if (drawn.lastX !== null) canvas.dataset.lastX = drawn.lastX.toFixed(1);
  }
  const range = drawn.range ?? priceRange(candles);
  canvas.setAttribute("aria-label", range && last
    ? t("candlesLabel", { sym: detail.symbol, n: drawn.drawn, close: last.close, high: range.high, low: range.low })
    : t("candlesNone", { sym: detail.symbol }));
}

// The ladder's rows are kept and rewritten in place (at most LADDER_DEPTH a side); a level's bar
// is its row's background, as wide as --depth says.
function fillLadderSide(body, levels, kind) {
  while (body.rows.length > levels.length) body.lastElementChild.remove();
  while (body.rows.length < levels.length) {
    const tr = document.createElement("tr");
    tr.className = kind;
    for (const cls of ["px", "", "cum", "venues"]) {
      const td = document.createElement("td");
      if (cls) td.className = cls;
      tr.append(td);
    }
    body.append(tr);
  }
  levels.forEach((level, k) => {
    const tr = body.rows[k];
    const names = level.venues.map(([v]) => v);
    [level.price, level.size, level.cum ?? "", names.join(" ")].forEach((text, i) => setText(tr.cells[i], text));
    tr.dataset.price = level.price;
    tr.dataset.size = level.size;
    tr.dataset.cum = level.cum ?? "";
    tr.dataset.venues = names.join(",");
    tr.title = level.venues.map(([v, size]) => `${v} ${size}`).join(t("listSep"));
    tr.style.setProperty("--depth", `${(level.share * 100).toFixed(1)}%`);
  });
}

// Asks above bids, the spread between; "resyncing" (no venue's book ready) shows no levels, as
// tickerd sends none.
function renderLadder() {
  const table = $("ladder");
  const note = $("ladder-note");
  const unpublished = coin.book !== null && coin.unpublished.has(coin.book);
  const ladder = buildLadder(coin.book && !unpublished ? coin.bookData : undefined);
  const state = !coin.book ? "closed" : unpublished ? "unpublished" : ladder.state;
  table.dataset.state = state;
  table.hidden = state !== "ready";
  fillLadderSide($("ladder-asks"), ladder.asks, "ask");
  fillLadderSide($("ladder-bids"), ladder.bids, "bid");
  const mark = ladder.crossed ? " · " + t("crossed") : ladder.locked ? " · " + t("locked") : "";
  setText($("ladder-spread"), ladder.spread ? t("spread", { v: ladder.spread }) + mark : "");
  const text = state === "unpublished" ? t("notPublished")
    : state === "resyncing" ? t("bookResyncing")
    : state === "waiting" ? t("waiting")
    : "";
  setText(note, text);
  note.hidden = text === "";
}

// ---- the connection ---------------------------------------------------------------------------

let ws = null;
let nextId = 1;
const requests = new Map(); // id -> what the request was for
let lastHeard = 0;
let lastPing = 0;
let connectStarted = 0;
// A `reconnect` notice (the server is draining): when to move, ms since the epoch; 0: none.
let moveAt = 0;
let moveTimer = null;

function send(message) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(message));
  return true;
}

function request(op, channels, purpose, withSince) {
  const id = nextId++;
  const message = { op, id, channels };
  if (withSince) {
    const since = {};
    for (const c of channels) {
      const s = streams.get(c);
      if (s && typeof s.epoch === "string") since[c] = { seq: s.seq, epoch: s.epoch };
    }
    if (Object.keys(since).length) {
      message.since = since;
      stats.resumed += Object.keys(since).length;
    }
  }
  requests.set(id, { op, channels, purpose });
  send(message);
}

// After a reconnect: resume every concrete channel from where it stopped (PROTOCOL.md "Resume
// with since"), then `ticker.*`, which only snapshots tickers the first request did not cover.
// Channels go in separate requests because a subscribe is all or nothing: a channel this server
// lacks must not take the others with it.
function subscribeAll() {
  const known = [...rows.keys()];
  if (known.length) request("subscribe", known, "tickers", true);
  request("subscribe", ["ticker.*"], "tickers", false);
  for (const c of CARD_CHANNELS) {
    if (!unavailable.has(c)) request("subscribe", [c], c, true);
  }
  for (const c of detail.channels) request("subscribe", [c], "detail", true);
  for (const c of coinChannels()) request("subscribe", [c], "coin", true);
}

function setConn(state, extra = {}) {
  conn = { ...conn, state, ...extra };
  invalidate("conn");
}

function connect() {
  setConn("connecting");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const sock = new WebSocket(scheme + location.host + "/ws");
  ws = sock;
  connectStarted = Date.now();
  sock.onopen = () => {
    if (sock !== ws) return;
    stats.connects++;
    lastHeard = lastPing = Date.now();
    setConn("live", { attempt: 0 });
    subscribeAll();
  };
  sock.onmessage = (ev) => {
    if (sock !== ws) return;
    lastHeard = Date.now();
    for (const line of String(ev.data).split("\n")) {
      if (!line) continue;
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        if (stats.errors.length < MAX_ERRORS_KEPT) stats.errors.push("unparsable message");
        continue;
      }
      onMessage(m);
    }
  };
  sock.onclose = () => {
    if (sock === ws) reconnectLater();
  };
}

// The server asked us to move within after_ms (PROTOCOL.md "reconnect"): at that time (or when
// it closes us first) reconnect at once to the same URL, which a load balancer sends to another
// node, and resume with `since`. A planned move is not a failure: no backoff.
function planMove(afterMs) {
  stats.drains++;
  moveAt = Date.now() + Math.max(0, Number(afterMs) || 0);
  clearTimeout(moveTimer);
  moveTimer = setTimeout(moveNow, moveAt - Date.now());
}

function moveNow() {
  clearTimeout(moveTimer);
  moveTimer = null;
  moveAt = 0;
  dropSocket();
  setConn("connecting", { attempt: 0 });
  connect();
}

function dropSocket() {
  if (ws) {
    const old = ws;
    ws = null;
    old.onopen = old.onmessage = old.onclose = null;
    try {
      old.close();
    } catch {
      // already closing
    }
  }
  requests.clear();
}

function reconnectLater() {
  if (moveAt) {
    // Closed by the draining server: its after_ms has passed (or nearly); go now, or at it.
    clearTimeout(moveTimer);
    moveTimer = setTimeout(moveNow, Math.max(0, moveAt - Date.now()));
    dropSocket();
    return setConn("disconnected", { attempt: 0, retryInS: 0 });
  }
  dropSocket();
  const attempt = conn.attempt + 1;
  // Exponential backoff with jitter: many pages reconnecting at once do not arrive together.
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1));
  const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  setConn("disconnected", { attempt, retryInS: Math.max(1, Math.round(delay / 1000)) });
  setTimeout(connect, delay);
}

// Pings keep proxies from cutting a quiet link; silence past the limit means a dead one, and so
// does a handshake that never completes.
setInterval(() => {
  const now = Date.now();
  if (ws && ws.readyState === WebSocket.CONNECTING && now - connectStarted > CONNECT_LIMIT_MS) {
    return reconnectLater();
  }
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  if (now - lastHeard > SILENCE_LIMIT_MS) return reconnectLater();
  if (now - lastPing > PING_EVERY_MS) {
    lastPing = now;
    send({ op: "ping", id: nextId++ });
  }
}, WATCH_EVERY_MS);

// ---- messages ---------------------------------------------------------------------------------

function accept(m) {
  const prev = streams.get(m.channel);
  if (m.type === "update" && prev && prev.epoch === m.epoch) {
    if (m.seq <= prev.seq) {
      stats.duplicates++;
      return false;
    }
    if (m.seq > prev.seq + 1) stats.gaps++; // conflated: the latest value is still right
  }
  streams.set(m.channel, { seq: m.seq, epoch: m.epoch ?? null });
  if (m.type === "snapshot") stats.snapshots++;
  else stats.updates++;
  return true;
}

// Whether the page follows `channel` now. Updates already on the way when a view closed still
// arrive after its unsubscribe; they are not tracked, so a resume does not name them.
function wanted(channel) {
  if (channel === coin.trades || channel === coin.candles || channel === coin.book) return true;
  if (channel.startsWith("ticker.")) return !channel.includes("@") || detail.channels.includes(channel);
  return channel in cards;
}

function onData(channel, seq, data) {
  if (channel === coin.trades) {
    stats.missedTrades += addTrades(coin.tape, data);
    invalidate("trades");
    return;
  }
  if (channel === coin.candles) {
    if (mergeCandle(coin.series, data)) invalidate("chart");
    return;
  }
  if (channel === coin.book) {
    coin.bookData = data;
    invalidate("ladder");
    return;
  }
  if (channel.startsWith("ticker.")) {
    if (channel.includes("@")) {
      if (!detail.channels.includes(channel)) return;
      detail.data.set(channel, data);
      invalidate("detail");
      return;
    }
    let row = rows.get(channel);
    if (!row) {
      row = { channel, symbol: channel.slice("ticker.".length), data: null, seq: 0, el: null };
      rows.set(channel, row);
    }
    // A snapshot with no data (a restarted server) keeps the last values shown, marked stale.
    if (data) row.data = data;
    else if (row.data) row.data = { ...row.data, stale: true };
    row.seq = seq;
    dirtyRows.add(row);
    invalidate("rows");
    if (detail.symbol === row.symbol) invalidate("detail");
    return;
  }
  if (channel in cards) {
    cards[channel] = data;
    invalidate(channel);
  }
}

function onError(m) {
  if (stats.errors.length < MAX_ERRORS_KEPT) stats.errors.push(m.code);
  const req = requests.get(m.id);
  if (!req) return;
  requests.delete(m.id);
  if (req.op !== "subscribe" || m.code !== "unknown_channel") return;
  if (req.purpose === "tickers") {
    // The server's instruments changed: start the list afresh; `ticker.*` follows.
    for (const c of rows.keys()) streams.delete(c);
    rows.clear();
    dirtyRows.clear();
    $("tickers").replaceChildren();
    invalidate("rows");
  } else if (req.purpose === "coin") {
    // A server that does not publish this coin's trades, candles or book: the view says so.
    for (const c of req.channels) coin.unpublished.add(c);
    invalidate("trades");
    invalidate("chart");
    invalidate("ladder");
  } else if (req.purpose === "detail") {
    // A feed that is not a ticker venue (the gas node): its row leaves the panel.
    detail.channels = detail.channels.filter((c) => !req.channels.includes(c));
    for (const [c, r] of detail.rows) {
      if (!detail.channels.includes(c)) {
        r.tr.remove();
        detail.rows.delete(c);
      }
    }
    invalidate("detail");
  } else {
    unavailable.add(req.purpose);
    invalidate(req.purpose);
  }
}

function onMessage(m) {
  switch (m.type) {
    case "snapshot":
    case "update":
      if (typeof m.channel === "string" && wanted(m.channel) && accept(m)) onData(m.channel, m.seq, m.data ?? null);
      break;
    case "reset":
      stats.resets++;
      stats.resetReasons[m.reason] = (stats.resetReasons[m.reason] ?? 0) + 1;
      streams.delete(m.channel); // a fresh snapshot follows
      break;
    case "conflated":
      stats.conflated += m.dropped ?? 0;
      break;
    case "ack":
      requests.delete(m.id);
      break;
    case "error":
      onError(m);
      break;
    case "reconnect":
      planMove(m.after_ms);
      break;
    default:
      break;
  }
}

// ---- the coin view: venues, ladder, tape, candles ------------------------------------------------

// The coin's tape, 1m candles and composed book: the ones this server has of the three.
function coinChannels() {
  return [coin.trades, coin.candles, coin.book].filter((c) => c && !coin.unpublished.has(c));
}

function closeDetail() {
  if (!detail.symbol) return;
  if (detail.channels.length) request("unsubscribe", detail.channels, "detail", false);
  const mine = coinChannels();
  if (mine.length) request("unsubscribe", mine, "coin", false);
  for (const c of [...detail.channels, ...mine]) streams.delete(c);
  const row = rows.get("ticker." + detail.symbol);
  row?.el?.li.removeAttribute("aria-current");
  row?.el?.button.setAttribute("aria-expanded", "false");
  detail.symbol = null;
  detail.channels = [];
  detail.data.clear();
  closeCoin();
  // Focus goes back to the coin's row when it was in the view (a keyboard user closed it).
  const panel = $("detail");
  const opener = detail.opener;
  detail.opener = null;
  const focusInside = panel.contains(document.activeElement) || document.activeElement === document.body;
  panel.hidden = true;
  if (focusInside) opener?.focus();
  invalidate("detail");
}

function closeCoin() {
  coin.trades = coin.candles = coin.book = null;
  coin.bookData = undefined;
  coin.tape = createTape(TRADES_SHOWN);
  coin.series = createSeries(CANDLES_KEPT);
  coin.unpublished.clear();
  coin.history = "none";
  coin.fetches++;
  coin.shownAdded = 0;
  const canvas = $("candle-chart");
  canvas.dataset.candles = "0";
  canvas.dataset.empty = "0";
  for (const k of ["lastOpenTime", "lastClose", "lastClosed", "lastX", "history"]) delete canvas.dataset[k];
  canvas.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
  canvas.hidden = false;
  invalidate("trades");
  invalidate("chart");
  invalidate("ladder");
}

// Live first, then history: a candle that forms meanwhile is in both, and the live one (its
// later state) wins (candles.js supersedes()). A 404 means no history yet: the chart is drawn
// from the channel alone.
async function loadCandleHistory(symbol) {
  const token = ++coin.fetches;
  coin.history = "loading";
  let history = "failed";
  let candles = [];
  try {
    const res = await fetch(`/v1/candles/${encodeURIComponent(symbol)}?interval=${CANDLE_INTERVAL}&limit=${CANDLES_KEPT}`,
      { cache: "no-store" });
    if (res.status === 404) {
      history = "missing";
    } else if (res.ok) {
      const body = await res.json();
      if (Array.isArray(body?.candles)) {
        candles = body.candles;
        history = "loaded";
      }
    }
  } catch {
    // offline, or an answer that is not JSON: drawn from the live channel alone
  }
  if (token !== coin.fetches) return; // the view was closed or moved to another coin
  coin.history = history;
  if (history === "failed" && stats.errors.length < MAX_ERRORS_KEPT) stats.errors.push("candle_history");
  mergeHistory(coin.series, candles);
  invalidate("chart");
}

function openCoin(symbol) {
  coin.trades = `trades.${symbol}`;
  coin.candles = `candles.${symbol}.${CANDLE_INTERVAL}`;
  coin.book = `book${LADDER_DEPTH}.${symbol}`;
  // One request each: a server without candles or books still shows the tape.
  for (const c of coinChannels()) request("subscribe", [c], "coin", false);
  loadCandleHistory(symbol);
  invalidate("trades");
  invalidate("chart");
  invalidate("ladder");
}

function openDetail(symbol) {
  if (detail.symbol === symbol) return closeDetail();
  closeDetail();
  const row = rows.get("ticker." + symbol);
  // The venues the composite lists; when none is fresh, every configured feed.
  let venues = row?.data?.venues ?? [];
  if (!venues.length) venues = (cards.status?.feeds ?? []).map((f) => f.venue);
  detail.symbol = symbol;
  detail.channels = venues.map((v) => `ticker.${symbol}@${v}`);
  row?.el?.li.setAttribute("aria-current", "true");
  row?.el?.button.setAttribute("aria-expanded", "true");
  // One request per venue: a channel this server does not have fails alone.
  for (const c of detail.channels) request("subscribe", [c], "detail", false);
  openCoin(symbol);
  // Shown now rather than at the next frame, so that focus can move into it: a keyboard or
  // screen reader user lands in the view, and Escape brings them back to the row.
  detail.opener = row?.el?.button ?? null;
  const panel = $("detail");
  setText($("detail-title"), t("detail", { sym: symbol }));
  panel.hidden = false;
  panel.focus();
  invalidate("detail");
}

// ---- start ------------------------------------------------------------------------------------

function start() {
  document.documentElement.lang = i18n.lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  const sw = $("lang-switch");
  sw.textContent = t("langSwitch");
  sw.href = "?lang=" + (i18n.lang === "zh" ? "en" : "zh");
  gauge = createGauge($("gauge"), t("fng"));
  $("detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeDetail();
  });
  // The chart fills its box: drawn again when the box changes size.
  new ResizeObserver(() => invalidate("chart")).observe($("candle-chart"));
  for (const c of CARD_CHANNELS) invalidate(c);
  invalidate("rows");
  connect();
}

// For the console and the browser test: counters, stream positions, and a way to drop the link.
window.tickerd = {
  stats,
  lang: i18n.lang,
  streams: () => Object.fromEntries(streams),
  connection: () => ({ ...conn }),
  // The coin view: its channels, what GET /v1/candles answered, the candles it holds, the ladder.
  coin: () => ({
    symbol: detail.symbol, trades: coin.trades, candles: coin.candles, book: coin.book, history: coin.history,
    missed: coin.tape.missed, unpublished: [...coin.unpublished], series: structuredClone(coin.series.candles),
    ladder: buildLadder(coin.bookData),
  }),
  drop: () => reconnectLater(),
};

start();

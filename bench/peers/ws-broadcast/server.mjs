// ws-broadcast: the peer tickerd-bench measures tickerd against (bench/RESULTS.md, issue 6).
// A broadcast server written the way the `ws` package's README does it, speaking tickerd's
// client protocol (docs/PROTOCOL.md: subscribe/ack/snapshot/update with seq, epoch and
// recv_ts, unsubscribe, ping/pong) so the same bench drives both. It reads the same ticks:
// tickerd-sim's Binance combined stream, one ticker channel per symbol (`ticker.BTC-USDT`,
// and `ticker.*` for all). Each update is serialized once and sent to every subscriber.
//
//   node server.mjs --port 8090 --upstream 'ws://127.0.0.1:9001/stream?streams=btcusdt@ticker/...'
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8090' },
    upstream: { type: 'string' },
    'max-buffered-bytes': { type: 'string', default: String(8 << 20) },
  },
});
if (!args.upstream) {
  console.error('ws-broadcast: --upstream ws://HOST:PORT/stream?streams=... is required');
  process.exit(2);
}
const maxBuffered = Number(args['max-buffered-bytes']);
const wildcard = 'ticker.*';
const epoch = randomBytes(4).toString('hex');

// µs since the epoch, like tickerd's recv_ts.
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** @type {Map<string, {seq: number, data: object|null, subscribers: Set<WebSocket>}>} */
const channels = new Map();
const wildcardSubscribers = new Set();

function channel(name) {
  let ch = channels.get(name);
  if (!ch) {
    ch = { seq: 0, data: null, subscribers: new Set() };
    channels.set(name, ch);
  }
  return ch;
}

function send(ws, text) {
  if (ws.readyState !== WebSocket.OPEN) return;
  if (ws.bufferedAmount > maxBuffered) {
    ws.close(1013, 'client too slow');
    return;
  }
  ws.send(text);
}

function publish(name, data) {
  const ch = channel(name);
  ch.seq += 1;
  ch.data = data;
  const text = JSON.stringify({ type: 'update', channel: name, seq: ch.seq, epoch, data });
  for (const ws of ch.subscribers) {
    if (!wildcardSubscribers.has(ws)) send(ws, text);
  }
  for (const ws of wildcardSubscribers) send(ws, text);
}

function snapshotText(name) {
  const ch = channel(name);
  const msg = { type: 'snapshot', channel: name, seq: ch.seq };
  if (ch.data) msg.epoch = epoch;
  msg.data = ch.data;
  return JSON.stringify(msg);
}

// ---- upstream: tickerd-sim's Binance combined stream ----------------------------------------
function symbolOf(native) {
  for (const quote of ['USDT', 'USDC', 'USD', 'BTC', 'ETH']) {
    if (native.endsWith(quote) && native.length > quote.length) {
      return `${native.slice(0, -quote.length)}-${quote}`;
    }
  }
  return native;
}

function changePct(last, open) {
  const l = Number(last);
  const o = Number(open);
  return o === 0 ? '0.00' : (((l - o) / o) * 100).toFixed(2);
}

function onUpstream(raw) {
  const recvTs = nowUs();
  let msg;
  try {
    msg = JSON.parse(raw);
  } catch {
    return;
  }
  const d = msg && msg.data;
  if (!d || d.e !== '24hrTicker') return;
  const symbol = symbolOf(d.s);
  publish(`ticker.${symbol}`, {
    symbol,
    last: d.c,
    open_24h: d.o,
    high_24h: d.h,
    low_24h: d.l,
    change_pct: changePct(d.c, d.o),
    volume_base: d.v,
    volume_quote: d.q,
    bid: d.b,
    bid_qty: d.B,
    ask: d.a,
    ask_qty: d.A,
    ts: d.E * 1000, // ms -> µs, as tickerd sends it
    recv_ts: recvTs,
    venues: ['binance'],
    stale: false,
  });
}

function connectUpstream() {
  const up = new WebSocket(args.upstream);
  up.on('message', (data) => onUpstream(data.toString()));
  up.on('error', () => {});
  // The bench restarts the sim to change its rate: reconnect like tickerd's feeds do.
  up.on('close', () => setTimeout(connectUpstream, 50));
}

// ---- clients --------------------------------------------------------------------------------
function reply(ws, msg) {
  send(ws, JSON.stringify(msg));
}

function onClientMessage(ws, raw, isBinary) {
  if (isBinary) {
    reply(ws, { type: 'error', code: 'binary_not_supported', message: 'send JSON requests in text frames' });
    return;
  }
  let req;
  try {
    req = JSON.parse(raw.toString());
  } catch {
    reply(ws, { type: 'error', code: 'bad_json', message: 'not JSON' });
    return;
  }
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    reply(ws, { type: 'error', code: 'bad_json', message: 'not a JSON object' });
    return;
  }
  const id = req.id;
  const withId = (msg) => (id === undefined ? msg : { type: msg.type, id, ...msg });
  if (req.op === 'ping') {
    reply(ws, withId({ type: 'pong', ts: Date.now() * 1000 }));
    return;
  }
  if (req.op !== 'subscribe' && req.op !== 'unsubscribe') {
    reply(ws, withId({ type: 'error', code: 'unknown_op', message: `unknown op '${req.op}'` }));
    return;
  }
  const names = req.channels;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    reply(ws, withId({ type: 'error', code: 'bad_request', message: "'channels' must be a non-empty array of strings" }));
    return;
  }
  const unknown = names.find((n) => n !== wildcard && !(n.startsWith('ticker.') && !n.includes('@')));
  if (unknown !== undefined) {
    reply(ws, withId({ type: 'error', code: 'unknown_channel', message: `unknown channel '${unknown}'` }));
    return;
  }
  reply(ws, withId({ type: 'ack', op: req.op, channels: names }));
  if (req.op === 'unsubscribe') {
    for (const n of names) {
      if (n === wildcard) wildcardSubscribers.delete(ws);
      else channel(n).subscribers.delete(ws);
      ws.channels.delete(n);
    }
    return;
  }
  for (const n of names) {
    if (ws.channels.has(n)) continue;
    ws.channels.add(n);
    if (n === wildcard) {
      wildcardSubscribers.add(ws);
      for (const [name, ch] of channels) {
        if (!ws.channels.has(name) && ch.data) send(ws, snapshotText(name));
      }
    } else {
      channel(n).subscribers.add(ws);
      if (!wildcardSubscribers.has(ws)) send(ws, snapshotText(n));
    }
  }
}

const wss = new WebSocketServer({ host: args.host, port: Number(args.port), path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.channels = new Set();
  ws.on('message', (data, isBinary) => onClientMessage(ws, data, isBinary));
  ws.on('close', () => {
    wildcardSubscribers.delete(ws);
    for (const n of ws.channels) channels.get(n)?.subscribers.delete(ws);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => {
  const { address, port } = wss.address();
  console.log(`ws-broadcast listening on ${address}:${port}`);
});

connectUpstream();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const ws of wss.clients) ws.close(1001, 'server shutting down');
    wss.close();
    process.exit(0);
  });
}

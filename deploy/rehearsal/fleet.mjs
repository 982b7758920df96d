// The rehearsal's clients: each holds one WebSocket to an edge, checks every channel's seq per
// epoch (every update exactly the previous seq + 1), and after any close reconnects like a bot
// behind a load balancer (to the next edge whose /readyz answers 200) and resumes every channel
// with `since`. A `reconnect` notice (an edge draining) is honoured: the client moves after the
// delay it names. Counters say what was lost: seq gaps, resets, conflated drops, duplicates.

import http from "node:http";

import { openWebSocket } from "./ws_client.mjs";

const RETRY_MS = 200;
const MAX_NOTICE_DELAY_MS = 10000;

// GET /readyz (or another path) of a node: { status, body }; status 0 when it did not answer.
export function readyz(host, port, timeoutMs = 1000, path = "/readyz") {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: 0, body: "" }));
  });
}

// The delay a `reconnect` notice asks for: `after_ms` (docs/PROTOCOL.md), else its first
// numeric field named *_ms, capped.
function noticeDelayMs(msg) {
  for (const [k, v] of [["after_ms", msg.after_ms], ...Object.entries(msg)]) {
    if (k.endsWith("_ms") && typeof v === "number" && v >= 0) return Math.min(v, MAX_NOTICE_DELAY_MS);
  }
  return 0;
}

class Client {
  constructor(fleet, index, edgeIndex) {
    this.fleet = fleet;
    this.index = index;
    this.edgeIndex = edgeIndex;
    this.streams = new Map(); // channel -> { epoch, seq }
    this.connected = false;
    this.stale = false;
    this.stopped = false;
    this.ws = null;
    this.subscribeId = 0;
    this.staleSeen = 0;
    this.freshSeen = 0;
    this.reconnects = 0;
    this.notices = 0;
    this.closeCodes = [];
    this.disconnectedAt = 0;
    this.resumedAt = 0;
  }

  get edge() { return this.fleet.edges[this.edgeIndex]; }

  connect() {
    const edge = this.edge;
    this.ws = openWebSocket(edge.ip, edge.port, "/ws", {
      onOpen: () => this.subscribe(),
      onMessage: (msg, raw) => this.onMessage(msg, raw),
      onClose: (code) => this.onClose(code),
    });
  }

  subscribe() {
    const since = {};
    for (const [ch, s] of this.streams) if (s.epoch) since[ch] = { seq: s.seq, epoch: s.epoch };
    const req = { op: "subscribe", id: ++this.subscribeId, channels: this.fleet.channels };
    if (Object.keys(since).length) req.since = since;
    this.ws.send(JSON.stringify(req));
  }

  onMessage(msg, raw) {
    const f = this.fleet;
    switch (msg.type) {
      case "ack":
        if (msg.op === "subscribe" && msg.id === this.subscribeId) {
          this.connected = true;
          if (this.disconnectedAt) {
            this.resumedAt = Date.now();
            f.reconnectMs.push(this.resumedAt - this.disconnectedAt);
            this.disconnectedAt = 0;
          }
        }
        break;
      case "snapshot":
        this.onSnapshot(msg);
        break;
      case "update":
        this.onUpdate(msg, raw);
        break;
      case "reset":
        f.resets.push(`client ${this.index} ${msg.channel}: ${msg.reason}`);
        this.streams.delete(msg.channel);
        break;
      case "conflated":
        f.conflatedDropped += msg.dropped;
        break;
      case "status":
        if (msg.stale) {
          if (!this.stale) this.staleSeen++;
          this.stale = true;
          f.staleReasons.add(msg.reason);
        } else {
          if (this.stale) this.freshSeen++;
          this.stale = false;
        }
        break;
      case "reconnect":
        this.notices++;
        // This connection, not whichever the client holds by then (a 1001 may come first).
        setTimeout((ws) => ws.close(1000), noticeDelayMs(msg), this.ws).unref();
        break;
      case "error":
        f.errors.push(`client ${this.index}: ${raw}`);
        break;
      default:
        break;
    }
  }

  onSnapshot(msg) {
    const s = this.streams.get(msg.channel);
    // A snapshot after a resume comes only with a reset (counted there); a later seq on the
    // same epoch without one would be a silent jump.
    if (s && s.epoch === msg.epoch && msg.seq > s.seq) this.fleet.gap(this, msg.channel, s.seq, msg.seq);
    this.streams.set(msg.channel, { epoch: msg.epoch ?? null, seq: msg.seq });
  }

  onUpdate(msg, raw) {
    const f = this.fleet;
    const s = this.streams.get(msg.channel);
    if (s && s.epoch && s.epoch !== msg.epoch) {
      f.epochChanges.push(`client ${this.index} ${msg.channel}: ${s.epoch} -> ${msg.epoch}`);
    } else if (s && msg.seq <= s.seq) {
      f.duplicates++;
      return;
    } else if (s && msg.seq !== s.seq + 1) {
      f.gap(this, msg.channel, s.seq, msg.seq);
    }
    this.streams.set(msg.channel, { epoch: msg.epoch, seq: msg.seq });
    f.updates++;
    f.lastUpdateAt = Date.now();
    f.checkPayload(msg, raw);
  }

  onClose(code) {
    this.connected = false;
    this.closeCodes.push(code);
    if (this.stopped) return;
    if (!this.disconnectedAt) this.disconnectedAt = Date.now();
    this.reconnects++;
    this.fleet.pickEdge(this).then((edgeIndex) => {
      this.edgeIndex = edgeIndex;
      setTimeout(() => { if (!this.stopped) this.connect(); }, RETRY_MS).unref();
    });
  }

  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  }
}

export class Fleet {
  // edges: [{ name, ip, port }]; clientsPerEdge clients start on each edge.
  constructor(edges, channels, clientsPerEdge) {
    this.edges = edges;
    this.channels = channels;
    this.updates = 0;
    this.lastUpdateAt = 0;
    this.gaps = [];
    this.lost = 0;
    this.resets = [];
    this.epochChanges = [];
    this.duplicates = 0;
    this.conflatedDropped = 0;
    this.mismatches = 0;
    this.errors = [];
    this.staleReasons = new Set();
    this.reconnectMs = [];
    this.payloads = new Map(); // "channel epoch seq" -> data text, across all clients
    this.clients = [];
    for (let e = 0; e < edges.length; e++) {
      for (let i = 0; i < clientsPerEdge; i++) {
        this.clients.push(new Client(this, this.clients.length, e));
      }
    }
  }

  start() { for (const c of this.clients) c.connect(); }
  stop() { for (const c of this.clients) c.stop(); }

  gap(client, channel, from, to) {
    this.lost += to - from - 1;
    this.gaps.push(`client ${client.index} ${channel}: seq ${from} -> ${to}`);
  }

  // Every edge must deliver the same payload for the same seq of the same stream.
  checkPayload(msg, raw) {
    const key = `${msg.channel} ${msg.epoch} ${msg.seq}`;
    const data = raw.slice(raw.indexOf('"data":'));
    const seen = this.payloads.get(key);
    if (seen === undefined) this.payloads.set(key, data);
    else if (seen !== data) this.mismatches++;
  }

  // Like a load balancer: the next edge after the client's that answers /readyz 200, else the
  // next one.
  async pickEdge(client) {
    for (let step = 1; step <= this.edges.length; step++) {
      const i = (client.edgeIndex + step) % this.edges.length;
      const r = await readyz(this.edges[i].ip, this.edges[i].port);
      if (r.status === 200) return i;
    }
    return (client.edgeIndex + 1) % this.edges.length;
  }

  onEdge(index) { return this.clients.filter((c) => c.edgeIndex === index); }
  allConnected() { return this.clients.every((c) => c.connected); }

  // Every one of `clients` holds every channel at `positions` or beyond (see positions()).
  caughtUp(clients, positions) {
    return clients.every((c) => this.channels.every((ch) => (c.streams.get(ch)?.seq ?? 0) >= positions[ch]));
  }

  // The newest seq per channel across clients: a position to compare against later.
  positions() {
    const out = {};
    for (const ch of this.channels) {
      out[ch] = 0;
      for (const c of this.clients) out[ch] = Math.max(out[ch], c.streams.get(ch)?.seq ?? 0);
    }
    return out;
  }

  // Updates lost so far: seq holes, resumes that ended in a reset, epoch changes, conflation.
  lostTotal() {
    return this.lost + this.resets.length + this.epochChanges.length + this.conflatedDropped;
  }
}

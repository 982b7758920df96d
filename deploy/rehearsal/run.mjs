// The multi-node rehearsal's steps, run by rehearse.sh inside the "clients" namespace once the
// hosts exist. Starts redis, the sim, two ingest nodes and two edges on their own hosts, keeps
// clients on both edges, then: (a) kills the active ingest node, (b) cuts one edge off Redis
// for 10 s, (c) drains one edge, (d) restarts Redis. Each step prints what it measured; any
// lost update, duplicate or missed bound fails the run (exit 1).

import { execIn, delay, redisCli, waitFor } from "./hosts.mjs";
import { Fleet, readyz } from "./fleet.mjs";
import { CHANNELS, DRAIN_MS, LEASE_TTL_MS, REDIS_PORT, TICKERD_PORT, startRedis, startSim, startTickerd } from "./nodes.mjs";

const CLIENTS_PER_EDGE = 4;
const CUT_MS = 10000; // (b): how long the edge is cut off Redis
// (a): the lease's remaining TTL (at most lease_ttl_ms) plus the standby's next try (every third).
const TAKEOVER_BOUND_MS = Math.round((LEASE_TTL_MS * 4) / 3);
const SCHEDULING_SLACK_MS = 1000; // a loaded machine's timer and process-start delays
const FLOW_TIMEOUT_MS = 20000;
// [redis] key_prefix plus the stored format's version (docs/OPERATIONS.md, "Redis and nodes").
const PREFIX = "tickerd:v2";

const env = {
  work: process.env.REHEARSAL_WORK,
  tickerdBin: process.env.TICKERD_BIN,
  simBin: process.env.TICKERD_SIM_BIN,
  sourceDir: process.env.TICKERD_SOURCE_DIR,
};
const hosts = JSON.parse(process.env.REHEARSAL_HOSTS);
for (const [name, h] of Object.entries(hosts)) h.name = name;
hosts.redis.port = REDIS_PORT;

const procs = {};
const figures = [];
let failures = 0;

function say(line) { console.log(`rehearsal: ${line}`); }
function check(ok, what) {
  if (!ok) failures++;
  say(`  ${ok ? "ok  " : "FAIL"} ${what}`);
}

function expectNoLoss(fleet, lostBefore, dupBefore, step) {
  const lost = fleet.lostTotal() - lostBefore;
  check(lost === 0, `${step}: updates lost: ${lost}`);
  check(fleet.duplicates === dupBefore, `${step}: duplicates: ${fleet.duplicates - dupBefore}`);
  return lost;
}

// The newest seq per channel plus `ahead`: clients are past it once updates flow again.
function beyond(positions, ahead) {
  return Object.fromEntries(Object.entries(positions).map(([ch, seq]) => [ch, seq + ahead]));
}

async function waitFlowing(fleet, clients, what) {
  const target = beyond(fleet.positions(), 2);
  await waitFor(what, () => clients.every((c) => c.connected) && fleet.caughtUp(clients, target), FLOW_TIMEOUT_MS);
}

async function setUp(fleet) {
  procs.redis = await startRedis(env, hosts.redis);
  procs.sim = await startSim(env, hosts.sim);
  procs.ingest1 = await startTickerd(env, hosts.ingest1, "ingest", hosts);
  // ingest1 takes the lease before ingest2 starts, so step (a) knows whom to kill.
  await waitFor("ingest1 to hold the lease",
    async () => (await redisCli(hosts.redis, "GET", `${PREFIX}:lease:ingest`).catch(() => "")) === "ingest1", 10000);
  procs.ingest2 = await startTickerd(env, hosts.ingest2, "ingest", hosts);
  procs.edge1 = await startTickerd(env, hosts.edge1, "edge", hosts);
  procs.edge2 = await startTickerd(env, hosts.edge2, "edge", hosts);
  say(`hosts up: redis ${hosts.redis.ip}, sim ${hosts.sim.ip}, ingest ${hosts.ingest1.ip} (active) and ` +
    `${hosts.ingest2.ip} (standby), edges ${hosts.edge1.ip} and ${hosts.edge2.ip}, clients ${hosts.clients.ip}`);
  fleet.start();
  await waitFlowing(fleet, fleet.clients, "every client to receive updates on every channel");
  say(`${fleet.clients.length} clients (${CLIENTS_PER_EDGE} per edge) on ${CHANNELS.length} channels: ${CHANNELS.join(", ")}`);
}

async function stepIngestFailover(fleet) {
  say("(a) kill -9 the active ingest node (ingest1)");
  const lostBefore = fleet.lostTotal();
  const dupBefore = fleet.duplicates;
  const at = fleet.positions();
  const staleBefore = new Map(fleet.clients.map((c) => [c, c.staleSeen]));
  const t0 = Date.now();
  procs.ingest1.kill("SIGKILL");
  await waitFor("ingest2 to take the lease", async () =>
    (await redisCli(hosts.redis, "GET", `${PREFIX}:lease:ingest`).catch(() => "")) === "ingest2",
  TAKEOVER_BOUND_MS + 10000);
  const takeover = Date.now() - t0;
  await waitFor("updates after the takeover", () => CHANNELS.some((ch) => fleet.positions()[ch] > at[ch]), FLOW_TIMEOUT_MS, 10);
  const resumed = Date.now() - t0;
  await waitFlowing(fleet, fleet.clients, "every client to follow ingest2's sequence");
  // The edges hear no heartbeat while nobody holds the lease: past bus_silence_ms their
  // clients get a stale status, and "stale":false once the edges have caught up.
  const staleClients = fleet.clients.filter((c) => c.staleSeen > staleBefore.get(c)).length;
  await waitFor("every client fresh again", () => fleet.clients.every((c) => !c.stale), FLOW_TIMEOUT_MS);
  say(`  ingest2 took the lease ${takeover} ms after the kill (bound: 4/3 x lease_ttl_ms = ${TAKEOVER_BOUND_MS} ms); ` +
    `updates resumed after ${resumed} ms; ${staleClients} of ${fleet.clients.length} clients were told "stale" meanwhile`);
  check(takeover <= TAKEOVER_BOUND_MS + SCHEDULING_SLACK_MS,
    `(a) takeover ${takeover} ms within ${TAKEOVER_BOUND_MS} ms (+${SCHEDULING_SLACK_MS} ms scheduling slack)`);
  const lost = expectNoLoss(fleet, lostBefore, dupBefore, "(a)");
  figures.push(`(a) ingest failover: lease taken over in ${takeover} ms, updates resumed in ${resumed} ms, lost ${lost}`);
  procs.ingest1 = await startTickerd(env, hosts.ingest1, "ingest", hosts);
  say("  ingest1 restarted: the standby now");
}

async function stepEdgeCutOff(fleet) {
  const edge = hosts.edge1;
  const clients = fleet.onEdge(0);
  say(`(b) cut edge1 off Redis for ${CUT_MS / 1000} s (a blackhole route to ${hosts.redis.ip} in edge1's namespace; ` +
    `its clients' traffic still flows)`);
  const lostBefore = fleet.lostTotal();
  const dupBefore = fleet.duplicates;
  const staleBefore = clients.map((c) => c.staleSeen);
  fleet.staleReasons.clear();
  const t0 = Date.now();
  await execIn(edge, ["ip", "route", "add", "blackhole", `${hosts.redis.ip}/32`]);
  let restored = false;
  try {
    await waitFor("edge1's clients to get a stale status", () => clients.every((c) => c.stale), CUT_MS);
    const staleAfter = Date.now() - t0;
    const ready = await readyz(edge.ip, TICKERD_PORT);
    const others = fleet.onEdge(1);
    say(`  edge1's ${clients.length} clients got {"type":"status","stale":true} after ${staleAfter} ms ` +
      `(reasons: ${[...fleet.staleReasons].join(", ")}); edge1 /readyz: ${ready.status} ${ready.body}`);
    check(ready.status === 503, "(b) edge1 /readyz answers 503 while cut off");
    check(others.every((c) => !c.stale), "(b) edge2's clients are not stale");
    check(fleet.staleReasons.size > 0 && [...fleet.staleReasons].every((r) => r === "bus_down" || r === "ingest_lost"),
      "(b) the stale status names its reason");
    await delay(Math.max(0, t0 + CUT_MS - Date.now())); // the outage lasts CUT_MS, as scripted
    await execIn(edge, ["ip", "route", "del", "blackhole", `${hosts.redis.ip}/32`]);
    restored = true;
    const t1 = Date.now();
    const live = fleet.positions();
    await waitFor("edge1's clients to be fresh and caught up",
      () => clients.every((c) => !c.stale && c.connected) && fleet.caughtUp(clients, live), FLOW_TIMEOUT_MS, 10);
    const caughtUp = Date.now() - t1;
    const readyAgain = await waitFor("edge1 /readyz 200",
      async () => (await readyz(edge.ip, TICKERD_PORT)).status === 200, FLOW_TIMEOUT_MS);
    say(`  link back: edge1's clients caught up with the live sequence and got "stale":false ${caughtUp} ms later`);
    check(readyAgain && clients.every((c, i) => c.staleSeen === staleBefore[i] + 1), "(b) one stale period per client");
    check(clients.every((c) => c.edgeIndex === 0), "(b) edge1's clients stayed connected to it");
    const lost = expectNoLoss(fleet, lostBefore, dupBefore, "(b)");
    figures.push(`(b) edge cut off Redis for ${CUT_MS / 1000} s: clients stale after ${staleAfter} ms, caught up ${caughtUp} ms after the link returned, lost ${lost}`);
  } finally {
    if (!restored) await execIn(edge, ["ip", "route", "del", "blackhole", `${hosts.redis.ip}/32`]).catch(() => {});
  }
}

async function stepDrainEdge(fleet) {
  const clients = fleet.onEdge(0);
  say(`(c) drain edge1 (SIGTERM, [server] drain_ms = ${DRAIN_MS})`);
  const lostBefore = fleet.lostTotal();
  const dupBefore = fleet.duplicates;
  const reconnectsBefore = fleet.reconnectMs.length;
  const t0 = Date.now();
  procs.edge1.kill("SIGTERM");
  await waitFor("edge1's clients to resume on edge2",
    () => clients.every((c) => c.edgeIndex === 1 && c.connected), DRAIN_MS + FLOW_TIMEOUT_MS);
  const moved = Date.now() - t0;
  const exit = await Promise.race([procs.edge1.exited, delay(FLOW_TIMEOUT_MS).then(() => null)]);
  await waitFlowing(fleet, fleet.clients, "every client to receive updates after the drain");
  const times = fleet.reconnectMs.slice(reconnectsBefore);
  const codes = [...new Set(clients.flatMap((c) => c.closeCodes))].join(", ");
  const notices = clients.reduce((n, c) => n + c.notices, 0);
  say(`  ${clients.length} clients reconnected to edge2 and resumed with "since" ${moved} ms after SIGTERM ` +
    `(close codes: ${codes}; reconnect notices: ${notices}; longest reconnect ${Math.max(...times)} ms); ` +
    `edge1 exited with ${exit ? JSON.stringify(exit) : "nothing yet"}`);
  check(exit && exit.code === 0, "(c) edge1 exited with status 0");
  check(clients.every((c) => c.closeCodes.includes(1001) || c.notices > 0), "(c) every client was told: 1001 or a reconnect notice");
  const lost = expectNoLoss(fleet, lostBefore, dupBefore, "(c)");
  figures.push(`(c) edge drain: ${clients.length} clients reconnected to the other edge in ${moved} ms after SIGTERM (drain_ms ${DRAIN_MS}), lost ${lost}`);
  procs.edge1 = await startTickerd(env, hosts.edge1, "edge", hosts);
  say("  edge1 restarted: ready again (warm from Redis)");
}

async function stepRestartRedis(fleet) {
  say("(d) restart redis-server (SIGTERM, then start it again on its append-only file)");
  const lostBefore = fleet.lostTotal();
  const dupBefore = fleet.duplicates;
  const before = fleet.positions();
  const t0 = Date.now();
  procs.redis.kill("SIGTERM");
  const exit = await procs.redis.exited;
  procs.redis = await startRedis(env, hosts.redis);
  const down = Date.now() - t0;
  // What Redis holds right after the restart, before any node has written again: every
  // channel's state at least as new as the clients had, and the history behind it complete.
  let persisted = true;
  for (const ch of CHANNELS) {
    const seq = Number(await redisCli(hosts.redis, "HGET", `${PREFIX}:state:${ch}`, "seq"));
    const from = Math.max(1, before[ch] - 20);
    const hist = (await redisCli(hosts.redis, "XRANGE", `${PREFIX}:hist:${ch}`, `${from}-0`, `${before[ch]}-0`))
      .split("\n").filter((l) => /^\d+-0$/.test(l)).length;
    if (!(seq >= before[ch]) || hist !== before[ch] - from + 1) persisted = false;
    say(`  ${ch}: clients had seq ${before[ch]}; Redis after the restart: state seq ${seq}, ` +
      `history ${from}..${before[ch]}: ${hist} of ${before[ch] - from + 1} entries`);
  }
  check(exit.code === 0, `(d) redis-server stopped cleanly (${JSON.stringify(exit)}), back after ${down} ms`);
  check(persisted, "(d) the state and history survived the restart");
  await waitFlowing(fleet, fleet.clients, "every client to receive updates after the Redis restart");
  await waitFor("no client stale", () => fleet.clients.every((c) => !c.stale), FLOW_TIMEOUT_MS);
  const lease = await redisCli(hosts.redis, "GET", `${PREFIX}:lease:ingest`);
  const lost = expectNoLoss(fleet, lostBefore, dupBefore, "(d)");
  const latest = await Promise.all(CHANNELS.map((ch) => redisCli(hosts.redis, "HGET", `${PREFIX}:state:${ch}`, "seq")));
  say(`  after the restart: lease held by ${lease}; latest state seq ${CHANNELS.map((ch, i) => `${ch} ${latest[i]}`).join(", ")}`);
  figures.push(`(d) Redis restart: back in ${down} ms with state and history intact, lost ${lost}`);
}

async function main() {
  const edges = [hosts.edge1, hosts.edge2].map((h) => ({ name: h.name, ip: h.ip, port: TICKERD_PORT }));
  const fleet = new Fleet(edges, CHANNELS, CLIENTS_PER_EDGE);
  const started = Date.now();
  try {
    await setUp(fleet);
    await stepIngestFailover(fleet);
    await stepEdgeCutOff(fleet);
    await stepDrainEdge(fleet);
    await stepRestartRedis(fleet);
  } catch (e) {
    failures++;
    say(`FAIL ${e.message}`);
    for (const p of Object.values(procs)) say(`last lines of ${p.name}:\n${p.tail()}`);
  } finally {
    fleet.stop();
  }
  const reconnected = fleet.clients.reduce((n, c) => n + c.reconnects, 0);
  check(fleet.mismatches === 0, `both edges sent the same payload for every seq (mismatches: ${fleet.mismatches})`);
  check(fleet.errors.length === 0, `no error replies${fleet.errors.length ? ": " + fleet.errors.slice(0, 3).join("; ") : ""}`);
  for (const list of [fleet.gaps, fleet.resets, fleet.epochChanges]) for (const g of list.slice(0, 10)) say(`  lost: ${g}`);
  say("summary:");
  for (const f of figures) say(`  ${f}`);
  say(`  ${fleet.updates} updates delivered to ${fleet.clients.length} clients; updates lost: ${fleet.lostTotal()}; ` +
    `duplicates: ${fleet.duplicates}; clients reconnected: ${reconnected}; ${Math.round((Date.now() - started) / 1000)} s`);
  for (const p of Object.values(procs)) p.kill("SIGKILL");
  say(failures === 0 ? "PASSED" : `FAILED (${failures} checks)`);
  process.exit(failures === 0 ? 0 : 1);
}

// Well inside ctest's TIMEOUT, so rehearse.sh's cleanup always runs (a killed script leaves
// its namespaces behind).
const WATCHDOG_MS = 180000;
setTimeout(() => {
  say(`FAIL: not finished after ${WATCHDOG_MS / 1000} s`);
  for (const p of Object.values(procs)) p.kill("SIGKILL");
  process.exit(1);
}, WATCHDOG_MS).unref();
main();

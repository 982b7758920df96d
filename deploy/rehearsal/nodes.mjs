// What runs on each host of the rehearsal, and how: redis-server with an append-only file (so
// a restart keeps the state), tickerd-sim, and tickerd as ingest or edge nodes, each with the
// configuration an operator would write for that role.

import fs from "node:fs";
import path from "node:path";

import { Process, redisCli, waitFor } from "./hosts.mjs";
import { readyz } from "./fleet.mjs";

export const TICKERD_PORT = 8080;
export const REDIS_PORT = 6379;
export const SIM_PORT = 9001;
export const LEASE_TTL_MS = 3000; // [redis] lease_ttl_ms, the default
export const DRAIN_MS = 2000; // [server] drain_ms of the edges
export const SYMBOLS = ["BTC-USDT", "ETH-USDT"];
export const VENUES = { binance: "/stream", okx: "/ws/v5/public" };
export const CHANNELS = ["ticker.BTC-USDT", "ticker.ETH-USDT", "ticker.BTC-USDT@binance", "ticker.ETH-USDT@okx"];
const SIM_RATE = 5; // ticker events per second per symbol and venue
const START_MS = 20000;

export function startRedis(env, redis) {
  const dir = path.join(env.work, "redis");
  fs.mkdirSync(dir, { recursive: true });
  // AOF, fsynced every second: a restart (SIGTERM: the file is flushed) loses nothing; a crash
  // at most the last second, which the ingest node rewrites (its buffer, then every channel's
  // latest state) when Redis is back.
  const p = new Process(redis, "redis", ["redis-server", "--bind", redis.ip, "--port", String(REDIS_PORT),
    "--protected-mode", "no", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec",
    "--save", ""], env.work);
  return waitFor("redis-server to answer PING", async () => {
    if (!p.running()) throw new Error(`redis-server exited:\n${p.tail()}`);
    return (await redisCli(redis, "PING").catch(() => "")) === "PONG";
  }, START_MS).then(() => p);
}

export async function startSim(env, sim) {
  const p = new Process(sim, "sim", [env.simBin, "--listen", `${sim.ip}:${SIM_PORT}`, "--seed", "42",
    "--rate", String(SIM_RATE), "--symbols", SYMBOLS.map((s) => s.replace("-", "")).join(",")], env.work);
  await p.waitForLog("listening", /tickerd-sim listening on/, START_MS);
  return p;
}

function tickerdConfig(env, host, role, hosts) {
  const feeds = Object.entries(VENUES).map(([venue, p]) =>
    `[[feeds]]\nvenue = "${venue}"\nurl = "ws://${hosts.sim.ip}:${SIM_PORT}${p}"\nstale_after_ms = 5000\n`);
  return `# ${host.name}: a tickerd ${role} node of the multi-node rehearsal (deploy/rehearsal/).
[server]
listen = "${host.ip}:${TICKERD_PORT}"
shards = 1
web_root = "${env.sourceDir}/web"
drain_ms = ${role === "edge" ? DRAIN_MS : 0}

[log]
level = "info"

[market]
symbols = [${SYMBOLS.map((s) => `"${s}"`).join(", ")}]

${feeds.join("\n")}
[redis]
address = "${hosts.redis.ip}:${REDIS_PORT}"
lease_ttl_ms = ${LEASE_TTL_MS}
backoff_max_ms = 1000

[node]
role = "${role}"
id = "${host.name}"
`;
}

// Starts tickerd with `role` on `host`; resolves once it serves /healthz (ingest) or /readyz
// answers 200 (edge: warm, and hearing the ingest node).
export async function startTickerd(env, host, role, hosts) {
  const config = path.join(env.work, `${host.name}.toml`);
  fs.writeFileSync(config, tickerdConfig(env, host, role, hosts));
  const p = new Process(host, host.name, [env.tickerdBin, "--config", config], env.work);
  const pathToWait = role === "edge" ? "/readyz" : "/healthz";
  await waitFor(`${host.name} ${pathToWait} 200`, async () => {
    if (!p.running()) throw new Error(`${host.name} exited (${JSON.stringify(p.exit)}):\n${p.tail()}`);
    return (await readyz(host.ip, TICKERD_PORT, 1000, pathToWait)).status === 200;
  }, START_MS, 100);
  return p;
}

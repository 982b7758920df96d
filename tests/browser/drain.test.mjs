// The dashboard follows a drain (docs/OPERATIONS.md "Draining"), in Debian's Chromium driven by
// playwright-core: two tickerds (A and B) read one tickerd-sim; a small TCP balancer in this test
// sends each connection to A, or to B when A refuses (as HAProxy or nginx retry the next
// server). The page is loaded through the balancer and goes live on A. SIGTERM to A: the page
// gets `reconnect`, moves after its after_ms without back-off, lands on B through the same URL,
// resumes with `since` (B is another stream without Redis, so a reset and a snapshot answer),
// and shows live updates again; A exits 0.
//
// Run by ctest as browser.drain (tests/CMakeLists.txt), or by hand:
//   TICKERD_BIN=build/dev/tickerd TICKERD_SIM_BIN=build/dev/tickerd-sim \
//   TICKERD_SOURCE_DIR=. TICKERD_BROWSER_DIR=build/dev/browser node tests/browser/drain.test.mjs

import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import {
  Child, freePort, httpGet, killAllChildren, launchChromium, playwrightChromium, requiredPath,
  waitFor,
} from "./lib.mjs";

const required = (name) => requiredPath("drain", name);
const TICKERD = required("TICKERD_BIN");
const SIM = required("TICKERD_SIM_BIN");
const WEB = path.join(required("TICKERD_SOURCE_DIR"), "web");
const chromium = playwrightChromium("drain", required("TICKERD_BROWSER_DIR"));

const START_TIMEOUT_MS = 30000;
const WAIT_MS = 30000;
const WHOLE_RUN_MS = 180000;
const DRAIN_MS = 1500;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-browser-drain-"));
const simPort = await freePort();
const ports = { a: await freePort(), b: await freePort() };
const balancerPort = await freePort();

function writeConfig(name, port, drainMs) {
  const file = path.join(dir, `${name}.toml`);
  fs.writeFileSync(file, `[server]
listen = "127.0.0.1:${port}"
shards = 2
web_root = ${JSON.stringify(WEB)}
drain_ms = ${drainMs}

[market]
symbols = ["BTC-USDT", "ETH-USDT"]

[[feeds]]
venue = "binance"
url = "ws://127.0.0.1:${simPort}/stream"
backoff_initial_ms = 100
backoff_max_ms = 500
`);
  return file;
}

// Each connection to A, or to B when A refuses it; bytes are piped both ways untouched.
const sockets = new Set();
const landed = { a: 0, b: 0 };
const balancer = net.createServer((client) => {
  sockets.add(client);
  client.on("close", () => sockets.delete(client));
  client.on("error", () => {});
  const attempt = (names) => {
    const [name, ...rest] = names;
    const upstream = net.connect(ports[name], "127.0.0.1");
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      landed[name]++;
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("error", () => {
      if (connected || rest.length === 0) return client.destroy();
      attempt(rest);
    });
  };
  attempt(["a", "b"]);
});
await new Promise((resolve) => balancer.listen(balancerPort, "127.0.0.1", resolve));

async function startTickerd(name, drainMs) {
  const t = new Child(`tickerd-${name}`, [TICKERD, "--config", writeConfig(name, ports[name], drainMs)], dir);
  await waitFor(`tickerd ${name}'s /readyz to answer 200`, async () => {
    if (!t.running()) throw t.exitedError();
    return (await httpGet(ports[name], "/readyz", 2000)).status === 200;
  }, START_TIMEOUT_MS);
  return t;
}

const results = [];
async function check(name, body) {
  try {
    const detail = await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name}${detail ? ` (${detail})` : ""}`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${String(e.stack ?? e).split("\n").join("\n     ")}`);
    throw e;
  }
}
function expect(cond, message) {
  if (!cond) throw new Error(message);
}

const watchdog = setTimeout(() => {
  console.error(`drain test: the whole run took longer than ${WHOLE_RUN_MS} ms; stopping`);
  killAllChildren();
  process.exit(1);
}, WHOLE_RUN_MS);
process.on("exit", killAllChildren);

let browser = null;
let failed = false;
let sim = null;
let a = null;
let b = null;
try {
  await check("tickerd-sim and two tickerds start on loopback", async () => {
    sim = new Child("sim", [SIM, "--listen", `127.0.0.1:${simPort}`, "--seed", "7", "--rate", "5",
      "--symbols", "BTC-USDT,ETH-USDT"], dir);
    await sim.waitForStdout(`tickerd-sim listening on 127.0.0.1:${simPort}`, START_TIMEOUT_MS);
    a = await startTickerd("a", DRAIN_MS);
    b = await startTickerd("b", 0);
    return `A :${ports.a}, B :${ports.b}, balancer :${balancerPort}, logs in ${dir}`;
  });

  await check("Chromium starts (playwright-core, Debian's chromium)", async () => {
    browser = await launchChromium(chromium, START_TIMEOUT_MS);
    return browser.version();
  });

  const page = await (await browser.newContext()).newPage();
  const state = () => page.evaluate(() => ({
    stats: { ...window.tickerd.stats },
    conn: window.tickerd.connection(),
  }));

  await check("the dashboard goes live on A through the balancer", async () => {
    await page.goto(`http://127.0.0.1:${balancerPort}/`);
    const s = await waitFor("the page live with updates", async () => {
      const x = await state();
      return x.conn.state === "live" && x.stats.updates >= 3 ? x : null;
    }, WAIT_MS);
    expect(landed.b === 0, `connections reached B before the drain: ${JSON.stringify(landed)}`);
    return `${s.stats.updates} updates, connections ${JSON.stringify(landed)}`;
  });

  await check("after SIGTERM to A the page moves to B without back-off and resumes", async () => {
    const before = await state();
    const drainedAt = Date.now();
    a.proc.kill("SIGTERM");
    const s = await waitFor("the page live on B with new updates", async () => {
      const x = await state();
      return x.stats.drains === 1 && x.stats.connects === before.stats.connects + 1 &&
        x.conn.state === "live" && landed.b >= 1 && x.stats.updates >= before.stats.updates + 3 ? x : null;
    }, WAIT_MS);
    const took = Date.now() - drainedAt;
    expect(s.conn.attempt === 0, `the move counted as a failure: ${JSON.stringify(s.conn)}`);
    expect(s.stats.resumed > before.stats.resumed, "no channel resumed with since");
    const exit = await Promise.race([a.exited, new Promise((r) => setTimeout(() => r(null), WAIT_MS))]);
    expect(exit && exit.code === 0, `A's exit: ${JSON.stringify(exit)}`);
    return `live on B ${took} ms after the signal (drain_ms ${DRAIN_MS}), resets ${s.stats.resets}`;
  });
} catch (e) {
  failed = true;
  if (!results.some((r) => !r.ok)) console.log(`FAIL ${String(e.stack ?? e)}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const s of sockets) s.destroy();
  balancer.close();
  for (const c of [a, b, sim]) if (c) await c.kill("SIGTERM");
  clearTimeout(watchdog);
}

if (failed) {
  for (const c of [sim, a, b].filter(Boolean)) console.log(c.logs());
  console.log(`logs kept in ${dir}`);
} else {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`${results.filter((r) => r.ok).length} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);

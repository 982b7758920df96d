// GET /v1/sse read by Chromium's own EventSource (Debian's Chromium driven by playwright-core):
// real tickerd-sim and tickerd on free loopback ports, a page served by this test from another
// origin (so the stream's CORS header is exercised too) with an inline script that records every
// event. Checks: snapshot then updates with ids naming both channels' positions; then tickerd
// restarts (a new epoch, no Redis), the stream ends with a close event, and the browser
// reconnects by itself sending Last-Event-ID, which the server answers with a reset and a
// snapshot per channel.
//
// Run by ctest as browser.sse (tests/CMakeLists.txt), or by hand:
//   TICKERD_BIN=build/dev/tickerd TICKERD_SIM_BIN=build/dev/tickerd-sim \
//   TICKERD_BROWSER_DIR=build/dev/browser node tests/browser/sse.test.mjs
// TICKERD_BROWSER_DIR holds node_modules (tests/support/npm-ci.sh).

import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

import {
  Child, freePort, httpGet, killAllChildren, launchChromium, playwrightChromium, requiredPath,
  waitFor,
} from "./lib.mjs";

const required = (name) => requiredPath("sse", name);
const TICKERD = required("TICKERD_BIN");
const SIM = required("TICKERD_SIM_BIN");
const chromium = playwrightChromium("sse", required("TICKERD_BROWSER_DIR"));

const START_TIMEOUT_MS = 30000;
const WAIT_MS = 30000;
const WHOLE_RUN_MS = 180000;
const CHANNELS = ["ticker.BTC-USDT", "ticker.ETH-USDT"];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-browser-sse-"));
const port = await freePort();
const simPort = await freePort();
const pagePort = await freePort();
const configPath = path.join(dir, "tickerd.toml");
fs.writeFileSync(configPath, `[server]
listen = "127.0.0.1:${port}"
shards = 2

[log]
level = "info"

[market]
symbols = ["BTC-USDT", "ETH-USDT"]

[[feeds]]
venue = "binance"
url = "ws://127.0.0.1:${simPort}/stream"
backoff_initial_ms = 100
backoff_max_ms = 500
`);

// The page: another origin than tickerd's, an inline script and nothing else.
const streamUrl = `http://127.0.0.1:${port}/v1/sse?channels=${CHANNELS.join(",")}`;
const pageHtml = `<!doctype html><meta charset="utf-8"><title>sse</title><script>
window.events = [];
window.errors = 0;
const source = new EventSource(${JSON.stringify(streamUrl)});
source.onmessage = (e) => window.events.push({ id: e.lastEventId, json: JSON.parse(e.data) });
source.onerror = () => { window.errors++; };
window.source = source;
</script>`;
const pageServer = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(pageHtml);
});
await new Promise((resolve) => pageServer.listen(pagePort, "127.0.0.1", resolve));

let runs = 0;
let sim = null;
let tickerd = null;
async function startTickerd() {
  runs++;
  const t = (tickerd = new Child(`tickerd.${runs}`, [TICKERD, "--config", configPath], dir));
  await waitFor("tickerd's /healthz to answer 200", async () => {
    if (!t.running()) throw t.exitedError();
    return (await httpGet(port, "/healthz", 2000)).status === 200;
  }, START_TIMEOUT_MS);
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
const ofType = (events, type, channel) =>
  events.filter((e) => e.json.type === type && (!channel || e.json.channel === channel));

// Each snapshot or update names its own epoch:seq at its channel's place in the id, and per
// channel seq rises by one after the snapshot.
function checkStream(events) {
  const last = new Map();
  for (const e of events) {
    const j = e.json;
    if (j.type !== "snapshot" && j.type !== "update") continue;
    const parts = e.id.split(",");
    expect(parts.length === CHANNELS.length, `id ${e.id} names ${parts.length} positions`);
    const own = parts[CHANNELS.indexOf(j.channel)];
    if (j.seq > 0) expect(own === `${j.epoch}:${j.seq}`, `id ${e.id} does not show ${j.epoch}:${j.seq}`);
    if (j.type === "update") {
      expect(last.has(j.channel), `${j.channel}: update before snapshot`);
      expect(j.seq === last.get(j.channel) + 1, `${j.channel}: seq ${last.get(j.channel)} then ${j.seq}`);
    }
    last.set(j.channel, j.seq);
  }
}

const watchdog = setTimeout(() => {
  console.error(`sse test: the whole run took longer than ${WHOLE_RUN_MS} ms; stopping`);
  killAllChildren();
  process.exit(1);
}, WHOLE_RUN_MS);
process.on("exit", killAllChildren);

let browser = null;
let failed = false;
try {
  await check("tickerd-sim and tickerd start on loopback", async () => {
    sim = new Child("sim", [SIM, "--listen", `127.0.0.1:${simPort}`, "--seed", "42", "--rate", "5",
      "--symbols", "BTC-USDT,ETH-USDT"], dir);
    await sim.waitForStdout(`tickerd-sim listening on 127.0.0.1:${simPort}`, START_TIMEOUT_MS);
    await startTickerd();
    return `tickerd :${port}, sim :${simPort}, page :${pagePort}, logs in ${dir}`;
  });

  await check("Chromium starts (playwright-core, Debian's chromium)", async () => {
    browser = await launchChromium(chromium, START_TIMEOUT_MS);
    return browser.version();
  });

  const page = await (await browser.newContext()).newPage();
  const events = () => page.evaluate(() => window.events);

  await check("EventSource gets an ack, a snapshot per channel, then updates with ids", async () => {
    await page.goto(`http://127.0.0.1:${pagePort}/`);
    const all = await waitFor("3 updates per channel in the page", async () => {
      const e = await events();
      return CHANNELS.every((c) => ofType(e, "update", c).length >= 3) ? e : null;
    }, WAIT_MS);
    expect(all[0].json.type === "ack", `first event is ${JSON.stringify(all[0])}`);
    expect(ofType(all, "snapshot").length === 2, "one snapshot per channel");
    checkStream(all);
    return `${all.length} events, last id ${all[all.length - 1].id}`;
  });

  await check("after a restart the browser reconnects with Last-Event-ID and gets reset + snapshot", async () => {
    const before = (await events()).length;
    await tickerd.kill("SIGTERM");
    await startTickerd();
    const all = await waitFor("a reset and a snapshot per channel after the restart", async () => {
      const e = (await events()).slice(before);
      return CHANNELS.every((c) => ofType(e, "snapshot", c).length >= 1 && ofType(e, "update", c).length >= 1)
        ? e : null;
    }, WAIT_MS);
    const closes = ofType(all, "close");
    expect(closes.length === 1 && closes[0].json.code === 1001, `close event: ${JSON.stringify(closes)}`);
    for (const c of CHANNELS) {
      const resets = ofType(all, "reset", c);
      // Only a client that sent its last id gets a reset: a fresh one gets just the snapshot.
      // epoch_changed, or no_data if it came back before the new tickerd had a price.
      expect(resets.length === 1 && ["epoch_changed", "no_data"].includes(resets[0].json.reason),
        `${c}: resets ${JSON.stringify(resets)}`);
    }
    const again = all.slice(all.findIndex((e) => e.json.type === "ack"));
    checkStream(again);
    return `${all.length} events since the restart, EventSource errors seen: ${await page.evaluate(() => window.errors)}`;
  });
} catch (e) {
  failed = true;
  if (!results.some((r) => !r.ok)) console.log(`FAIL ${String(e.stack ?? e)}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (tickerd) await tickerd.kill("SIGTERM");
  if (sim) await sim.kill("SIGTERM");
  pageServer.close();
  clearTimeout(watchdog);
}

if (failed) {
  for (const c of [sim, tickerd].filter(Boolean)) console.log(c.logs());
  console.log(`logs kept in ${dir}`);
} else {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`${results.filter((r) => r.ok).length} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);

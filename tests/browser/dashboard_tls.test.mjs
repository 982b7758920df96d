// The dashboard over https:// in Debian's Chromium: tickerd with [server.tls] and a certificate
// from a CA this test makes with the openssl command. Chromium trusts exactly that
// certificate's key (--ignore-certificate-errors-spki-list with its SPKI's SHA-256), not every
// error: a browser started without the flag refuses the page. The page must then load, connect
// back over wss:// by itself and show live prices.
//
// Run by ctest as browser.dashboard_tls, or by hand with the same environment as
// dashboard.test.mjs (TICKERD_BIN, TICKERD_SIM_BIN, TICKERD_SOURCE_DIR, TICKERD_BROWSER_DIR).

import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";

import { Child, freePort, killAllChildren, launchChromium, playwrightChromium, requiredPath, waitFor } from "./lib.mjs";

const TICKERD = requiredPath("dashboard_tls", "TICKERD_BIN");
const SIM = requiredPath("dashboard_tls", "TICKERD_SIM_BIN");
const SOURCE_DIR = requiredPath("dashboard_tls", "TICKERD_SOURCE_DIR");
const BROWSER_DIR = requiredPath("dashboard_tls", "TICKERD_BROWSER_DIR");
const OPENSSL = "/usr/bin/openssl";
const chromium = playwrightChromium("dashboard_tls", BROWSER_DIR);

const SYMBOLS = ["BTC-USDT", "ETH-USDT", "SOL-USDT"];
const START_TIMEOUT_MS = 30000;
const WAIT_MS = 30000;
const WHOLE_RUN_MS = 180000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-browser-tls-"));
const file = (name) => path.join(dir, name);
const openssl = (...args) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });

// A CA and a certificate for localhost and 127.0.0.1 (the walk-through of docs/OPERATIONS.md).
function makeCertificates() {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "2",
    "-subj", "/CN=tickerd browser test CA");
  openssl("req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=localhost");
  fs.writeFileSync(file("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
    "-set_serial", "2", "-days", "2", "-extfile", file("server.ext"), "-out", file("server.crt"));
}

// base64(SHA-256(SubjectPublicKeyInfo)): what --ignore-certificate-errors-spki-list matches.
function spkiHash(certPath) {
  const spki = new crypto.X509Certificate(fs.readFileSync(certPath)).publicKey.export({ type: "spki", format: "der" });
  return crypto.createHash("sha256").update(spki).digest("base64");
}

function httpsGet(port, target, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "localhost", port, path: target, ca, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${target}: no answer`)));
    req.on("error", reject);
  });
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
const expect = (cond, message) => {
  if (!cond) throw new Error(message);
};

const watchdog = setTimeout(() => {
  console.error(`dashboard_tls test: the run took longer than ${WHOLE_RUN_MS} ms; stopping`);
  killAllChildren();
  process.exit(1);
}, WHOLE_RUN_MS);
process.on("exit", killAllChildren);

let sim = null;
let tickerd = null;
const browsers = [];
let failed = false;
try {
  const port = await freePort();
  const simPort = await freePort();
  await check("tickerd-sim and tickerd with [server.tls] start", async () => {
    makeCertificates();
    fs.writeFileSync(file("tickerd.toml"), `[server]
listen = "127.0.0.1:${port}"
shards = 2
web_root = "${path.join(SOURCE_DIR, "web")}"

[server.tls]
cert = "${file("server.crt")}"
key = "${file("server.key")}"

[market]
symbols = [${SYMBOLS.map((s) => `"${s}"`).join(", ")}]

[[feeds]]
venue = "binance"
url = "ws://127.0.0.1:${simPort}/stream"
stale_after_ms = 2000
backoff_initial_ms = 100
backoff_max_ms = 500
`);
    sim = new Child("sim", [SIM, "--listen", `127.0.0.1:${simPort}`, "--seed", "42", "--rate", "2",
      "--symbols", SYMBOLS.join(",")], dir);
    await sim.waitForStdout(`tickerd-sim listening on 127.0.0.1:${simPort}`, START_TIMEOUT_MS);
    tickerd = new Child("tickerd", [TICKERD, "--config", file("tickerd.toml")], dir);
    const ca = fs.readFileSync(file("ca.crt"));
    await waitFor("tickerd's /healthz to answer 200 over https", async () => {
      if (!tickerd.running()) throw tickerd.exitedError();
      return (await httpsGet(port, "/healthz", ca)).status === 200;
    }, START_TIMEOUT_MS);
    return `https://localhost:${port}/, logs in ${dir}`;
  });

  await check("Chromium without the certificate's key pinned refuses the page", async () => {
    const plain = await launchChromium(chromium, START_TIMEOUT_MS);
    browsers.push(plain);
    const page = await plain.newPage();
    let error = "";
    try {
      await page.goto(`https://localhost:${port}/`, { timeout: WAIT_MS });
    } catch (e) {
      error = String(e.message);
    }
    expect(/ERR_CERT_AUTHORITY_INVALID/.test(error), `expected a certificate error, got: ${error || "the page loaded"}`);
    await plain.close();
    return error.split("\n")[0];
  });

  await check("the dashboard over https connects back over wss and shows live prices", async () => {
    const spki = spkiHash(file("server.crt"));
    const browser = await launchChromium(chromium, START_TIMEOUT_MS,
      [`--ignore-certificate-errors-spki-list=${spki}`]);
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    const sockets = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    const response = await page.goto(`https://localhost:${port}/`, { timeout: WAIT_MS });
    expect(response && response.status() === 200, `GET / over https: ${response && response.status()}`);
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll("#tickers li.row")];
      return document.body.dataset.conn === "live" && rows.length === n &&
        rows.every((r) => /^-?\d+(\.\d+)?$/.test(r.querySelector(".last").textContent));
    }, SYMBOLS.length, { timeout: WAIT_MS, polling: 100 });
    const seqs = () => page.evaluate(() => [...document.querySelectorAll("#tickers li.row")].map((r) => Number(r.dataset.seq)));
    const before = await seqs();
    await page.waitForFunction((b) => [...document.querySelectorAll("#tickers li.row")]
      .some((r, k) => Number(r.dataset.seq) > b[k]), before, { timeout: WAIT_MS, polling: 100 });
    expect(sockets.length > 0 && sockets.every((u) => u.startsWith(`wss://localhost:${port}/`)), `WebSockets: ${sockets}`);
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(" | ")}`);
    await page.screenshot({ path: path.join(BROWSER_DIR, "dashboard-tls.png"), fullPage: true });
    return `${sockets[0]}, seq ${before} -> ${await seqs()}`;
  });
} catch {
  failed = true;
} finally {
  for (const b of browsers) await b.close().catch(() => {});
  if (tickerd) await tickerd.kill("SIGTERM");
  if (sim) await sim.kill("SIGTERM");
  clearTimeout(watchdog);
}
if (failed) {
  for (const c of [sim, tickerd].filter(Boolean)) console.log(c.logs());
  console.log(`logs kept in ${dir}`);
} else {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length} failed`);
process.exit(failed ? 1 : 0);

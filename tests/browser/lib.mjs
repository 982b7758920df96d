// Helpers of the browser tests: free ports, child processes with logs, waits with deadlines,
// HTTP, and exact decimal checks. Nothing here sleeps blindly: every wait polls a condition and
// gives up at a deadline with a message saying what it waited for.

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

// ---- a Chromium test's inputs ------------------------------------------------------------------

// An environment variable naming a path, resolved; a test without it exits 2 saying so.
export function requiredPath(test, name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${test} test: environment variable ${name} is not set (see the header of this file)`);
    process.exit(2);
  }
  return path.resolve(v);
}

// playwright-core's chromium, from <browserDir>/node_modules (tests/support/npm-ci.sh).
export function playwrightChromium(test, browserDir) {
  try {
    return createRequire(path.join(browserDir, "package.json"))("playwright-core").chromium;
  } catch (e) {
    console.error(`${test} test: playwright-core is not installed under ${browserDir}/node_modules ` +
      `(ctest's browser.npm_ci fixture runs tests/support/npm-ci.sh): ${e.message}`);
    process.exit(1);
  }
}

export const CHROMIUM = process.env.TICKERD_CHROMIUM || "/usr/bin/chromium";

// Debian's Chromium, headless, quiet (no background networking, sync or component updates).
export const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--no-first-run", "--no-default-browser-check",
  "--disable-extensions", "--disable-sync", "--mute-audio", "--disable-component-update"];

// Launches Debian's Chromium with CHROMIUM_ARGS and a test's own extra flags.
export function launchChromium(chromium, timeoutMs, extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: timeoutMs,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

// ---- waiting ------------------------------------------------------------------------------------

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `probe` (sync or async) until it returns a truthy value, which it returns. On timeout it
// throws, naming `what` and the last value or error seen. A probe error marked `fatal` ends the
// wait at once.
export async function waitFor(what, probe, timeoutMs, pollMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last) return last;
    } catch (e) {
      if (e.fatal) throw e; // e.g. the process we wait for has exited: no point in waiting on
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const seen = lastError ? `last error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
    }
    await delay(pollMs);
  }
}

// ---- ports and HTTP -----------------------------------------------------------------------------

const givenPorts = new Set();

// A loopback port nobody listens on right now; never the same one twice in a run.
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const p = srv.address().port;
        srv.close(() => resolve(p));
      });
    });
    if (!givenPorts.has(port)) {
      givenPorts.add(port);
      return port;
    }
  }
}

export function httpGet(port, target, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: target, timeout: timeoutMs, headers: { connection: "close" } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode, type: res.headers["content-type"] ?? "", body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${target}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export async function httpJson(port, target) {
  const res = await httpGet(port, target);
  if (res.status !== 200) throw new Error(`GET ${target}: status ${res.status}: ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body);
}

// ---- child processes ----------------------------------------------------------------------------

const children = new Set();

// One program with stdout and stderr in <dir>/<name>.stdout|.stderr.
export class Child {
  constructor(name, argv, dir) {
    this.name = name;
    this.stdoutPath = path.join(dir, `${name}.stdout`);
    this.stderrPath = path.join(dir, `${name}.stderr`);
    const out = fs.openSync(this.stdoutPath, "w");
    const err = fs.openSync(this.stderrPath, "w");
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ["ignore", out, err] });
    fs.closeSync(out);
    fs.closeSync(err);
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code, signal) => {
        this.exit = { code, signal };
        children.delete(this);
        resolve(this.exit);
      });
    });
    this.spawnError = null;
    this.proc.on("error", (e) => {
      this.spawnError = e;
    });
    children.add(this);
  }

  get pid() {
    return this.proc.pid;
  }

  running() {
    return this.exit === null && this.spawnError === null;
  }

  stdout() {
    return fs.readFileSync(this.stdoutPath, "utf8");
  }

  stderr() {
    return fs.readFileSync(this.stderrPath, "utf8");
  }

  logs(tail = 4000) {
    return `--- ${this.name} stdout ---\n${this.stdout().slice(-tail)}\n--- ${this.name} stderr ---\n${this.stderr().slice(-tail)}`;
  }

  exitedError() {
    const e = new Error(`${this.name} exited (${JSON.stringify(this.exit ?? String(this.spawnError))})\n${this.logs()}`);
    e.fatal = true;
    return e;
  }

  async waitForStdout(needle, timeoutMs) {
    return waitFor(`${this.name} to print "${needle}"`, () => {
      if (!this.running()) throw this.exitedError();
      return this.stdout().includes(needle);
    }, timeoutMs);
  }

  async kill(signal = "SIGKILL", graceMs = 10000) {
    if (!this.running()) return this.exit;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

// Last resort at exit: nothing we started outlives the test.
export function killAllChildren() {
  for (const c of children) {
    try {
      c.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

// ---- decimals -----------------------------------------------------------------------------------

export const DECIMAL = /^-?\d+(\.\d+)?$/;

export function decimals(text) {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

// Half away from zero to `places`, in BigInt: the test's own rounding, independent of the page's.
export function roundDecimalText(text, places) {
  if (!DECIMAL.test(text)) throw new Error(`not a decimal: ${text}`);
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  const [int, frac = ""] = body.split(".");
  const scale = frac.length;
  let m = BigInt(int + frac);
  if (scale > places) {
    const div = 10n ** BigInt(scale - places);
    const q = m / div;
    m = 2n * (m % div) >= div ? q + 1n : q;
  } else {
    m *= 10n ** BigInt(places - scale);
  }
  let digits = m.toString().padStart(places + 1, "0");
  if (places > 0) digits = digits.slice(0, -places) + "." + digits.slice(-places);
  return (negative && m !== 0n ? "-" : "") + digits;
}

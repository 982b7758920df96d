// The rehearsal's hosts: each a network namespace made by rehearse.sh, with one address on the
// rehearsal's bridge. Processes start there with `ip netns exec` (which execs the program, so
// the pid we hold is the server's own: kill -9 hits it, not a wrapper), their output in a log file.

import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `probe` (sync or async) until it returns a truthy value, which it returns; throws after
// `timeoutMs`, naming what it waited for.
export async function waitFor(what, probe, timeoutMs, pollMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(pollMs);
  }
}

export class Process {
  constructor(host, name, argv, workDir) {
    this.name = name;
    this.log = path.join(workDir, `${name}.log`);
    const out = fs.openSync(this.log, "a");
    this.child = spawn("ip", ["netns", "exec", host.ns, ...argv], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    this.pid = this.child.pid;
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  running() { return this.exit === null; }
  kill(signal) { if (this.running()) process.kill(this.pid, signal); }

  logText() { return fs.readFileSync(this.log, "utf8"); }

  // The log's last lines, for a failure message.
  tail(lines = 15) {
    return this.logText().trimEnd().split("\n").slice(-lines).map((l) => `  ${this.name}| ${l}`).join("\n");
  }

  async waitForLog(what, pattern, timeoutMs) {
    return waitFor(`${this.name}: ${what}`, () => {
      if (!this.running()) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}):\n${this.tail()}`);
      return pattern.test(this.logText());
    }, timeoutMs, 50);
  }
}

// Runs a command in a host's namespace and returns its stdout (trimmed).
export function execIn(host, argv) {
  return new Promise((resolve, reject) => {
    execFile("ip", ["netns", "exec", host.ns, ...argv], { timeout: 5000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(" ")} in ${host.ns}: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

// One redis-cli command against the rehearsal's Redis, from its own host.
export function redisCli(redis, ...args) {
  return execIn(redis, ["redis-cli", "-h", redis.ip, "-p", String(redis.port), "--raw", ...args]);
}

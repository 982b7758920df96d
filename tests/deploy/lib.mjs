// Helpers of the deploy/ tests (k8s.test.mjs, observability.test.mjs): running a command,
// rendering kustomizations, the npm packages from <deployDir>/node_modules, and the metric
// names a PromQL expression reads. Processes, ports and waits: ../browser/lib.mjs.

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

// Runs argv to completion; throws (naming the command, with its output) unless it exits 0.
export function run(argv, { cwd, input, allowFail = false } = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${argv.join(" ")}: ${r.error.message}`);
  if (r.status !== 0 && !allowFail) {
    throw new Error(`${argv.join(" ")}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

// A package installed by tests/support/npm-ci.sh into <deployDir>/node_modules.
export function requireFrom(deployDir, name) {
  try {
    return createRequire(path.join(deployDir, "package.json"))(name);
  } catch (e) {
    console.error(`deploy tests: ${name} is not installed under ${deployDir}/node_modules ` +
      `(ctest's deploy.npm_ci fixture runs tests/support/npm-ci.sh): ${e.message}`);
    process.exit(1);
  }
}

// Every metric name an expression reads. PromQL's grammar, reduced to what names a series:
// strings, label matchers, ranges and grouping clauses go first; then every identifier that is
// not a function or aggregation (followed by "("), a keyword or part of a number is a metric.
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
  "group_left", "group_right", "inf", "nan", "atan2"]);
export function metricNames(expr) {
  let e = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  e = e.replace(/\{[^}]*\}/g, " ").replace(/\[[^\]]*\]/g, " ");
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set();
  for (const m of e.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names];
}

// The sample names in a Prometheus text scrape (histograms as _bucket, _sum and _count).
export function scrapedNames(text) {
  const names = new Set();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

// A check that collects failures instead of stopping at the first, so one run lists them all.
export class Checks {
  constructor(test) {
    this.test = test;
    this.failures = [];
    this.passed = 0;
  }
  ok(cond, what) {
    if (cond) this.passed++;
    else this.failures.push(what);
    return cond;
  }
  // Ends the test: prints every failure, then the closing line; exit 1 on any failure.
  finish() {
    for (const f of this.failures) console.error(`FAIL ${this.test}: ${f}`);
    console.log(`${this.test}: ${this.passed} passed, ${this.failures.length} failed`);
    process.exit(this.failures.length ? 1 : 0);
  }
}

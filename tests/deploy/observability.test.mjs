// deploy/grafana/tickerd.json and deploy/prometheus/alerts.yml against a real tickerd: starts
// redis-server, tickerd-sim and a tickerd ingest node (role ingest, holding the lease, [metrics]
// on), scrapes its /metrics, and checks that
// - every PromQL expression of the dashboard (panels and template variables), of the alerts and
//   of their unit tests' input series, the HPA's Pods metric (deploy/k8s/base/edge.yaml) and the
//   prometheus-adapter rule (deploy/k8s/extras) names only series the scrape has;
// - promtool parses every expression (the dashboard's as a generated rules file, with Grafana's
//   variables filled in) and `promtool check rules` / `promtool test rules` pass on the alerts,
//   with a unit test for each alert.
// Environment: TICKERD_BIN, TICKERD_SIM_BIN, TICKERD_SOURCE_DIR, TICKERD_DEPLOY_DIR (node_modules).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { Child, freePort, httpGet, killAllChildren, requiredPath, waitFor } from "../browser/lib.mjs";
import { Checks, metricNames, requireFrom, run, scrapedNames } from "./lib.mjs";

const TICKERD = requiredPath("observability", "TICKERD_BIN");
const SIM = requiredPath("observability", "TICKERD_SIM_BIN");
const SOURCE = requiredPath("observability", "TICKERD_SOURCE_DIR");
const DEPLOY_DIR = requiredPath("observability", "TICKERD_DEPLOY_DIR");
const PROMTOOL = process.env.PROMTOOL || "/usr/bin/promtool";
const REDIS = process.env.REDIS_SERVER || "/usr/bin/redis-server";
const START_TIMEOUT_MS = 60000;

const YAML = requireFrom(DEPLOY_DIR, "yaml");
const t = new Checks("observability");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickerd-observability-"));
process.on("exit", killAllChildren);

// ---- a real tickerd's series names --------------------------------------------------------------

async function scrapeRealTickerd() {
  const [redisPort, simPort, port] = [await freePort(), await freePort(), await freePort()];
  const redis = new Child("redis", [REDIS, "--port", String(redisPort), "--bind", "127.0.0.1",
    "--save", "", "--appendonly", "no"], dir);
  const sim = new Child("sim", [SIM, "--listen", `127.0.0.1:${simPort}`, "--seed", "7", "--rate", "5",
    "--symbols", "BTC-USDT,ETH-USDT"], dir);
  await sim.waitForStdout(`tickerd-sim listening on 127.0.0.1:${simPort}`, START_TIMEOUT_MS);
  const config = path.join(dir, "ingest.toml");
  fs.writeFileSync(config, `[server]
listen = "127.0.0.1:${port}"
shards = 1
[node]
role = "ingest"
id = "observability"
[redis]
address = "127.0.0.1:${redisPort}"
backoff_initial_ms = 50
backoff_max_ms = 300
[market]
symbols = ["BTC-USDT", "ETH-USDT"]
[[feeds]]
venue = "binance"
url = "ws://127.0.0.1:${simPort}/stream"
`);
  const tickerd = new Child("tickerd", [TICKERD, "--config", config], dir);
  // Every family there is: the lease taken, Redis written, a feed heard from.
  return waitFor("tickerd's /metrics with the lease held, Redis written and a feed's age", async () => {
    for (const c of [redis, sim, tickerd]) if (!c.running()) throw c.exitedError();
    const r = await httpGet(port, "/metrics");
    const ready = r.status === 200 && r.body.includes("\ntickerd_ingest_lease_held 1\n") &&
      /\ntickerd_redis_written_updates_total [1-9]/.test(r.body) &&
      r.body.includes("\ntickerd_feed_last_message_age_seconds{");
    return ready && r.body;
  }, START_TIMEOUT_MS);
}

function checkNames(where, expr, known) {
  const names = metricNames(expr);
  t.ok(names.length > 0, `${where}: no metric in ${expr}`);
  for (const n of names) t.ok(known.has(n), `${where}: ${n} is not in tickerd's /metrics (${expr})`);
}

// Grafana's variables, as a query would be sent: ranges, and regexes matching all.
function fillGrafanaVariables(expr) {
  return expr.replaceAll("$__rate_interval", "5m").replaceAll("$__interval", "1m")
    .replace(/\$\{?(instance|feed)\}?/g, ".*");
}

// ---- the checks ---------------------------------------------------------------------------------

try {
  const scrape = await scrapeRealTickerd();
  const known = scrapedNames(scrape);
  console.log(`observability: tickerd's /metrics has ${known.size} series names`);
  const rules = []; // [where, expr] for promtool

  // The dashboard.
  const dashboardPath = path.join(SOURCE, "deploy/grafana/tickerd.json");
  const dashboard = JSON.parse(fs.readFileSync(dashboardPath, "utf8"));
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");
  t.ok(panels.length >= 10, `tickerd.json: ${panels.length} panels`);
  t.ok(new Set(dashboard.panels.map((p) => p.id)).size === dashboard.panels.length, "tickerd.json: panel ids repeat");
  for (const p of panels) {
    t.ok(p.targets?.length > 0 && p.gridPos, `tickerd.json: panel "${p.title}" has no query or no place`);
    for (const target of p.targets ?? []) {
      const expr = fillGrafanaVariables(target.expr);
      checkNames(`tickerd.json "${p.title}"`, expr, known);
      rules.push([`dashboard: ${p.title}`, expr]);
    }
  }
  for (const v of dashboard.templating.list.filter((x) => x.type === "query")) {
    const m = /^label_values\(([a-zA-Z_:][\w:]*),\s*(\w+)\)$/.exec(v.query.query);
    if (!t.ok(m, `tickerd.json variable ${v.name}: not label_values(metric, label): ${v.query.query}`)) continue;
    // instance and job are the labels Prometheus adds to every scraped series.
    const targetLabel = ["instance", "job"].includes(m[2]);
    t.ok(known.has(m[1]) && (targetLabel || new RegExp(`^${m[1]}\\{[^}]*\\b${m[2]}="`, "m").test(scrape)),
      `tickerd.json variable ${v.name}: ${m[1]} has no label ${m[2]} in /metrics`);
  }
  // Families the issue names must be on the dashboard.
  const onDashboard = new Set(rules.flatMap(([, e]) => metricNames(e)));
  for (const n of ["tickerd_connections", "tickerd_messages_sent_total", "tickerd_delivery_latency_seconds_bucket",
    "tickerd_conflations_total", "tickerd_feed_state", "tickerd_feed_last_message_age_seconds",
    "tickerd_redis_connected", "tickerd_refusals_total", "tickerd_ingest_lease_held", "tickerd_symbol_venues"]) {
    t.ok(onDashboard.has(n), `tickerd.json: no panel shows ${n}`);
  }

  // The alerts, their unit tests and promtool.
  const alertsPath = path.join(SOURCE, "deploy/prometheus/alerts.yml");
  const alerts = YAML.parse(fs.readFileSync(alertsPath, "utf8")).groups.flatMap((g) => g.rules);
  for (const a of alerts) checkNames(`alerts.yml ${a.alert}`, a.expr, known);
  for (const name of ["TickerdFeedStale", "TickerdAllVenuesDown", "TickerdIngestLeaseLost",
    "TickerdConflationRateHigh", "TickerdRedisDown"]) {
    t.ok(alerts.some((a) => a.alert === name), `alerts.yml: no alert ${name}`);
  }
  const unitTests = YAML.parse(fs.readFileSync(path.join(SOURCE, "deploy/prometheus/alerts_test.yml"), "utf8"));
  const tested = new Map();
  for (const u of unitTests.tests) {
    for (const s of u.input_series) checkNames("alerts_test.yml input series", s.series, known);
    for (const a of u.alert_rule_test ?? []) {
      if (a.exp_alerts?.length) tested.set(a.alertname, (tested.get(a.alertname) ?? 0) + 1);
    }
  }
  for (const a of alerts) t.ok(tested.has(a.alert), `alerts_test.yml: no test sees ${a.alert} fire`);
  const check = run([PROMTOOL, "check", "rules", alertsPath], { allowFail: true });
  t.ok(check.status === 0, `promtool check rules alerts.yml: ${check.stdout}${check.stderr}`);
  const test = run([PROMTOOL, "test", "rules", "alerts_test.yml"], { cwd: path.dirname(alertsPath), allowFail: true });
  t.ok(test.status === 0 && test.stdout.includes("SUCCESS"), `promtool test rules alerts_test.yml: ${test.stdout}${test.stderr}`);

  // The autoscaler's metric and the adapter rule that serves it.
  const edge = YAML.parseAllDocuments(fs.readFileSync(path.join(SOURCE, "deploy/k8s/base/edge.yaml"), "utf8"))
    .map((d) => d.toJSON()).find((o) => o?.kind === "HorizontalPodAutoscaler");
  const hpaMetric = edge?.spec?.metrics?.[0]?.pods?.metric?.name;
  t.ok(known.has(hpaMetric), `base/edge.yaml: the HPA's metric ${hpaMetric} is not in /metrics`);
  const adapter = YAML.parse(YAML.parse(fs.readFileSync(path.join(SOURCE, "deploy/k8s/extras/prometheus-adapter.yaml"), "utf8")).data["config.yaml"]);
  for (const r of adapter.rules) {
    checkNames("prometheus-adapter seriesQuery", r.seriesQuery, known);
    t.ok(r.name.as === hpaMetric, `prometheus-adapter: serves ${r.name.as}, the HPA asks for ${hpaMetric}`);
    const query = r.metricsQuery.replaceAll("<<.GroupBy>>", "namespace, pod").replaceAll("<<.Series>>", "tickerd_connections")
      .replaceAll("<<.LabelMatchers>>", 'namespace="tickerd", pod=~"tickerd-edge-.*"');
    checkNames("prometheus-adapter metricsQuery", query, known);
    rules.push(["prometheus-adapter metricsQuery", query]);
  }

  // promtool parses every expression: one recording rule each.
  const file = path.join(dir, "expressions.rules.yml");
  fs.writeFileSync(file, YAML.stringify({
    groups: [{ name: "expressions", rules: rules.map(([, expr], i) => ({ record: `tickerd:expression_${i}`, expr })) }],
  }));
  const parsed = run([PROMTOOL, "check", "rules", file], { allowFail: true });
  t.ok(parsed.status === 0 && parsed.stdout.includes(`SUCCESS: ${rules.length} rules found`),
    `promtool check rules on the dashboard's and adapter's ${rules.length} expressions: ${parsed.stdout}${parsed.stderr}`);
  console.log(`observability: ${rules.length} dashboard and adapter expressions, ${alerts.length} alerts, ${unitTests.tests.length} alert unit tests`);
} catch (e) {
  t.ok(false, e.stack ?? String(e));
}
killAllChildren();
if (t.failures.length === 0) fs.rmSync(dir, { recursive: true, force: true });
else console.error(`observability: logs in ${dir}`);
t.finish();

// Turns tickerd-bench's JSON files (one per scenario) into the generated "load" section of
// bench/RESULTS.md: machine, commands, the fan-out sweep against the Node peer, every
// scenario's figures, throttled delivery, and issue 6's targets as met, missed or not measured.
// Only the text between the "load" markers is replaced; the micro section and hand-written text
// survive. Exits 1 (after writing) when a throttled scenario lost an update: a client that did
// not get a channel's latest seq (tickerd-bench's latest-seq check).
//
//   node bench/load/results.mjs --dir DIR --scenarios "fanout latency dashboards ..." --invocation CMD
//                               --elapsed S (--results bench/RESULTS.md | --check-only)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// --section market: issue 17's scenarios (BENCH_MARKET=1), in a section of their own.
const SECTION = (() => {
  const i = process.argv.indexOf('--section');
  return i >= 0 ? process.argv[i + 1] : 'load';
})();
const BEGIN = SECTION === 'load'
  ? '<!-- BEGIN GENERATED load: bench/run.sh rewrites this section (bench/load/results.mjs); edit outside it -->'
  : `<!-- BEGIN GENERATED ${SECTION}: bench/run.sh BENCH_MARKET=1 rewrites this section (bench/load/results.mjs); edit outside it -->`;
const END = `<!-- END GENERATED ${SECTION} -->`;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'check-only') args[key] = true;
    else args[key] = argv[++i];
  }
  if (!args.dir || !args.scenarios) throw new Error('--dir and --scenarios are required');
  if (!args.results && !args['check-only']) throw new Error('--results FILE or --check-only');
  return args;
}

function sh(cmd, cmdArgs) {
  try {
    return execFileSync(cmd, cmdArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

const num = (v, d = 0) => (v === null || v === undefined ? '–' : Number(v).toFixed(d));
function rate(v) {
  if (v === null || v === undefined) return '–';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}
function us(v) {
  if (v === null || v === undefined) return '–';
  if (v < 1000) return `${v} µs`;
  if (v < 1e6) return `${(v / 1000).toFixed(v < 10000 ? 2 : 1)} ms`;
  return `${(v / 1e6).toFixed(2)} s`;
}
const lat = (h) => (h && h.count > 0 ? h : null);
// `conclusive` false: the run could not tell (e.g. no sweep step of one server held the p99
// limit), which is neither met nor missed.
const verdict = (t) => (t.conclusive === false ? '**not measured**' : t.met ? 'met' : '**MISSED**');
const lost = (run) => run.latest && !run.latest.ok;
function latestText(run) {
  const l = run.latest;
  if (!l) return `not checked${run.latest_how ? `: ${run.latest_how}` : ''}`;
  if (l.ok) return `all ${l.checked} client-channel pairs at the latest seq`;
  if (l.checked === 0) return '**nothing compared**';
  return `**LOST**: ${l.behind} behind, ${l.missing} missing of ${l.checked} (first: ${l.first_problem})`;
}
const rel = (text) => text.split(`${repo}/`).join('');

function machine() {
  const lscpu = sh('lscpu', []);
  const field = (k) => (lscpu.match(new RegExp(`^${k}:\\s*(.+)$`, 'm')) ?? [])[1] ?? 'unknown';
  const commit = sh('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  return {
    cpu: `${field('Model name')}, ${field('CPU\\(s\\)')} cores`,
    kernel: sh('uname', ['-srm']),
    node: sh('node', ['--version']),
    commit: commit ? `${commit}${dirty}` : 'unknown',
  };
}

// A stream scenario's [clients] sweep: the main run and each step, by clients per shard, with the
// largest count that held the p99 budget (tickerd-bench's verdict). The issue-6 target line
// stays the main run's.
function clientSweep(r) {
  const cs = r.client_sweep;
  const shards = cs.shards > 0 ? cs.shards : null;
  const main = r.runs.find((x) => !x.client_sweep);
  const runs = r.runs.filter((x) => lat(x.latency_us)).sort((a, b) => a.clients.connected - b.clients.connected);
  const budget = cs.budget_ms ? `p99 ≤ ${Number(cs.budget_ms)} ms` : null;
  const out = [`### Latency vs clients per shard (\`${r.scenario}\`)`, ''];
  out.push(`${r.description}, and the same load per client at ${cs.counts.join(', ')} clients: after the main run (${main ? main.clients.planned : '?'} clients, the one issue 6's target above is read from), each count connects afresh, warms up ${Number(cs.warmup_s)} s and is measured for ${Number(cs.step_s)} s, ${shards ? `tickerd with ${shards} shard${shards > 1 ? 's' : ''}` : 'on a tickerd whose shard count the bench does not know'}. A shard sends each update to its clients one \`sendmsg\` after another, so p99 grows with clients per shard. Server µs per delivery = server CPU % × 10,000 / msg/s.${budget ? ` ✓ marks ${budget}.` : ''}`, '');
  out.push(`| ${shards ? 'clients per shard' : 'clients'} | msg/s | p50 | p99 | p99.9 | server CPU | server µs per delivery |`);
  out.push('|---:|---:|---:|---:|---:|---:|---:|');
  for (const run of runs) {
    const h = run.latency_us;
    const n = run.clients.connected;
    const count = `${shards ? Math.round(n / shards) : n}${n !== run.clients.planned ? ` (${n}/${run.clients.planned} connected)` : ''}${run.client_sweep ? '' : ' (main run)'}`;
    const held = cs.budget_ms && h.p99 <= cs.budget_ms * 1000 ? ' ✓' : '';
    out.push(`| ${count} | ${rate(run.messages_per_s)} | ${us(h.p50)} | ${us(h.p99)}${held} | ${us(h.p999)} | ${num(run.server.cpu_pct)} % | ${num(run.server.cpu_us_per_message, 1)} |`);
  }
  out.push('');
  out.push(budget
    ? `- **Largest client count with ${budget} in this run: ${cs.summary}.**`
    : `- ${cs.summary}.`);
  out.push('');
  return out;
}

// Each `<name>_tls` scenario (TLS and [auth] on) beside its plain twin from the same run: the
// fan-out sweep's best delivered msg/s within its p99 limit, and the latency run's p99.
function tlsComparison(reports) {
  const pairs = reports.filter((r) => r.scenario.endsWith('_tls'))
    .map((t) => [reports.find((r) => r.scenario === t.scenario.replace(/_tls$/, '')), t])
    .filter(([p]) => p);
  if (!pairs.length) return [];
  const best = (r) => {
    const ok = r.runs.filter((x) => x.label.startsWith('tickerd') && lat(x.latency_us) && x.latency_us.p99 <= r.p99_limit_ms * 1000);
    return ok.length ? Math.max(...ok.map((x) => x.messages_per_s)) : null;
  };
  const main = (r) => r.runs.find((x) => !x.client_sweep);
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
  const out = ['### TLS and auth vs plain (same run)', ''];
  out.push('`*_tls` scenarios: the same load over `wss://` (TLS 1.3, P-256) with `[auth] mode = "jwt"` and an HS256 token on every upgrade.', '');
  out.push('| scenario | measure | plain | TLS + auth | TLS + auth / plain |', '|---|---|---:|---:|---:|');
  for (const [p, t] of pairs) {
    if (p.mode === 'sweep') {
      const [a, b] = [best(p), best(t)];
      out.push(`| ${t.scenario} | best delivered msg/s with p99 ≤ ${p.p99_limit_ms} ms | ${rate(a)} | ${rate(b)} | ${ratio(b, a)} |`);
      const peak = (r) => Math.max(0, ...r.runs.filter((x) => x.label.startsWith('tickerd')).map((x) => x.messages_per_s));
      out.push(`| ${t.scenario} | peak delivered msg/s (any p99) | ${rate(peak(p))} | ${rate(peak(t))} | ${ratio(peak(t), peak(p))} |`);
    } else {
      const [a, b] = [main(p), main(t)];
      out.push(`| ${t.scenario} | msg/s | ${rate(a?.messages_per_s)} | ${rate(b?.messages_per_s)} | ${ratio(b?.messages_per_s, a?.messages_per_s)} |`);
      out.push(`| ${t.scenario} | p99 | ${us(lat(a?.latency_us)?.p99)} | ${us(lat(b?.latency_us)?.p99)} | ${ratio(lat(b?.latency_us)?.p99, lat(a?.latency_us)?.p99)} |`);
      out.push(`| ${t.scenario} | server CPU | ${num(a?.server.cpu_pct)} % | ${num(b?.server.cpu_pct)} % | ${ratio(b?.server.cpu_pct, a?.server.cpu_pct)} |`);
    }
  }
  out.push('');
  return out;
}

// Issue 18's book scenarios: tickerd's p50/p99 for the book channel at its client count, its
// ingest thread's CPU per level change and the CCXT Pro peer's on the same sim stream (the fact
// "book ingest (JSON)" tickerd-bench writes), the ratio, and the composed book's cost (the
// composed scenario's CPU per level change over the venue one's).
const BOOK_JSON = 'book ingest (JSON)';
function bookIngest(reports) {
  const rows = reports
    .map((r) => {
      const fact = r.facts[BOOK_JSON];
      return fact ? { r, b: JSON.parse(fact), main: r.runs.find((x) => x.label === 'tickerd') } : null;
    })
    .filter(Boolean);
  if (!rows.length) return [];
  const usPer = (v) => (v === null || v === undefined ? '–' : `${Number(v).toFixed(3)} µs`);
  const out = ['### Order books: tickerd vs CCXT Pro `watchOrderBook` (same run, same sim stream)', ''];
  out.push('tickerd: the clients\' latency from each book update\'s `recv_ts` (tickerd\'s read of the depth frame) to their read, and its ingest thread\'s CPU (`/proc/<pid>/task/<tid>/stat`, the main thread) over the window per level change applied (`/v1/feeds` `books.level_changes`, before and after). ' +
    'CCXT Pro (bench/peers/ccxt-book): `watchOrderBook(\'BTC/USDT\')` for the same venues in one Node process on the bench\'s core, pointed at the same tickerd-sim by `urls`, over the same warm-up and window: its CPU (`process.cpuUsage`) per level change in the deltas it applied, and the latency from the venue\'s event time to CCXT\'s book applied, for the venues whose messages carry one (Binance \`E\`, OKX and Bybit \`ts\` in ms; Coinbase \`time\`, Kraken \`timestamp\` in µs). ' +
    'tickerd\'s CPU also pays for publishing its book channels; CCXT\'s for nothing beyond its books.', '');
  out.push('| scenario | clients | p50 | p99 | tickerd level changes | tickerd ingest CPU | tickerd per level change | CCXT level changes | CCXT CPU | CCXT per level change | CCXT / tickerd | CCXT venue→book p50 / p99 (venues) |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const { r, b, main } of rows) {
    const t = b.tickerd ?? { level_changes: null, seconds: null, cpu_s: null, cpu_us_per_level_change: null };
    const c = b.ccxt;
    const h = lat(main?.latency_us);
    const ratio = c?.cpu_us_per_level_change && t.cpu_us_per_level_change ? `**${(c.cpu_us_per_level_change / t.cpu_us_per_level_change).toFixed(2)}×**` : '–';
    let ccxtLat = '–';
    if (c) {
      const measured = Object.entries(c.venues).filter(([, v]) => v.latency_us);
      const all = measured.map(([name, v]) => `${name} ${us(v.latency_us.p50)} / ${us(v.latency_us.p99)}`);
      ccxtLat = all.length ? all.join('; ') : 'no venue time';
      const failed = Object.entries(c.venues).filter(([, v]) => v.error).map(([name, v]) => `${name}: ${v.error}`);
      if (failed.length) ccxtLat += ` (errors: ${failed.join('; ')})`;
    }
    out.push(`| ${r.scenario} | ${main ? `${main.clients.connected}/${main.clients.planned}` : '–'} | ${us(h?.p50)} | ${us(h?.p99)} | ${t.level_changes === null ? 'not measured' : `${t.level_changes} in ${num(t.seconds, 1)} s`} | ${t.cpu_s === null ? '–' : `${num(t.cpu_s, 2)} s`} | ${usPer(t.cpu_us_per_level_change)} | ` +
      `${c ? `${c.level_changes} in ${num(c.seconds, 1)} s` : 'not run'} | ${c ? `${num(c.cpu_s, 2)} s` : '–'} | ${usPer(c?.cpu_us_per_level_change)} | ${ratio} | ${ccxtLat} |`);
  }
  out.push('');
  const venue = rows.find((x) => x.r.scenario === 'book');
  const composed = rows.find((x) => x.r.scenario === 'book_composed');
  const a = venue?.b.tickerd?.cpu_us_per_level_change;
  const z = composed?.b.tickerd?.cpu_us_per_level_change;
  if (a && z) {
    out.push(`- Cost of the composed book: tickerd's ingest CPU per level change ${usPer(z)} with clients on \`book20.BTC-USDT\` against ${usPer(a)} with them on \`book20.BTC-USDT@binance\` = ${(z / a).toFixed(2)}× (a difference of ${(z - a).toFixed(3)} µs per level change; two runs of one bench, each with its own stream).`, '');
  }
  return out;
}

function render(args, reports) {
  const m = machine();
  const lines = [BEGIN, ''];
  lines.push(`Generated ${new Date().toISOString()} by \`bench/run.sh\` from \`tickerd-bench\`'s JSON (one file per scenario).`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| machine | ${m.cpu}; ${m.kernel}; Node ${m.node} for the peer |`);
  lines.push(`| load average at start | ${args.load ?? 'unknown'} (the machine is shared with other work: figures move between runs) |`);
  const pin = reports.find((r) => r.pinning)?.pinning;
  lines.push(`| pinning | ${pin ?? 'none'} |`);
  lines.push(`| commit | ${m.commit} |`);
  lines.push(`| duration | ${args.elapsed ?? '?'} s for the load scenarios |`);
  lines.push('');
  lines.push('Commands (`make bench` runs each of these; the work directory keeps logs, configs, JSON and an HTML report per scenario):', '');
  lines.push('```sh');
  if (args.invocation) lines.push(`${args.invocation}${SECTION === 'load' ? '' : ' (BENCH_MARKET=1)'}   # which ran:`);
  for (const r of reports) lines.push(rel(r.command).replace(/--work-dir \S+/, '--work-dir DIR').replace(/--json \S+ --html \S+/, '--json DIR/X.json --html DIR/X.html'));
  lines.push('```', '');

  // ---- targets -------------------------------------------------------------------------------
  const targets = reports.flatMap((r) => r.targets.map((t) => ({ ...t, scenario: r.scenario })));
  if (targets.length) {
    lines.push('### Issue 6 targets (load)', '');
    lines.push('| scenario | target | measured | goal | |', '|---|---|---|---|---|');
    for (const t of targets) lines.push(`| ${t.scenario} | ${t.name} | ${t.measured} | ${t.target} | ${verdict(t)} |`);
    lines.push('');
  }

  // ---- the fan-out sweep ----------------------------------------------------------------------
  for (const sweep of reports.filter((r) => r.mode === 'sweep')) {
    const peer = sweep.runs.some((x) => /^ws-broadcast/.test(x.label));
    lines.push(`### Fan-out sweep: ${peer ? 'tickerd vs the Node \`ws\` peer' : 'tickerd'} (\`${sweep.scenario}\`)`, '');
    const limit = sweep.p99_limit_ms;
    const limitText = limit ? `p99 ≤ ${limit} ms` : 'the p99 limit';
    lines.push(`${sweep.description}. Each step: the sim's rate set, a warm-up, then the measured window; a server's sweep ends at its first saturated step (under 90 % of the offered load delivered, or conflating) or one 100× past the p99 limit. Offered = clients × updates each should get. ✓ marks the steps that held ${limitText}.`, '');
    lines.push('| server, sim rate | offered/s | delivered msg/s | MB/s | p50 | p99 | p99.9 | max | seq gaps | conflated | server CPU | bench CPU |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const run of sweep.runs) {
      const h = lat(run.latency_us);
      const offered = run.offered_per_client * run.clients.planned;
      const held = h && limit && h.p99 <= limit * 1000 ? ' ✓' : '';
      lines.push(`| ${run.label} | ${rate(offered)} | ${rate(run.messages_per_s)} | ${num(run.bytes_per_s / 1e6, 1)} | ${us(h?.p50)} | ${us(h?.p99)}${held} | ${us(h?.p999)} | ${us(h?.max)} | ${run.gaps} | ${run.conflated_dropped} | ${num(run.server.cpu_pct)} % | ${num(run.bench_cpu_pct)} % |`);
    }
    lines.push('');
    for (const [k, v] of Object.entries(sweep.facts)) {
      if (/best|peak|ws-broadcast|rate control/.test(k)) lines.push(`- ${k}: ${v}`);
    }
    // The issue's measure, stated once and plainly: a ratio only when both servers held the limit.
    const ratio = sweep.targets.find((t) => /peer/.test(t.name));
    if (ratio) {
      lines.push(ratio.conclusive === false
        ? `- **Ratio to the peer (issue 6's measure): not measured in this run** — ${ratio.measured.replace(/^not measured: /, '')}; see the line above for what the run can say instead.`
        : `- **Ratio to the peer (issue 6's measure): ${ratio.measured}**, best delivered msg/s within ${limitText} of each (target ${ratio.target}: ${ratio.met ? 'met' : 'missed'}).`);
    }
    lines.push('');
  }

  lines.push(...tlsComparison(reports));
  lines.push(...bookIngest(reports));

  // ---- latency vs clients per shard ([clients] sweep) --------------------------------------------
  for (const r of reports.filter((x) => x.client_sweep)) lines.push(...clientSweep(r));

  // ---- throttled delivery -----------------------------------------------------------------------
  const throttled = reports.flatMap((r) => r.runs.filter((x) => x.throttle_ms > 0).map((x) => ({ r, run: x })));
  if (throttled.length) {
    lines.push('### Throttled delivery (`throttle_ms`)', '');
    lines.push("Each client gets at most one update per channel per interval, the newest held back and always delivered (docs/PROTOCOL.md), so `seq` jumps by design: those skips are counted apart and are not gaps. Latency includes the hold-back. What shows that nothing is lost: after the window the market pauses, and every client must reach each channel's `seq` in tickerd's `/v1/snapshot` within one interval plus a second.", '');
    lines.push('| scenario | clients | throttle_ms | sim rate | expected per client per channel | delivered per client per channel | msg/s | seq skipped (by design) | seq gaps | latest seq |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const { r, run } of throttled) {
      const expected = run.channels_per_client ? run.offered_per_client / run.channels_per_client : null;
      lines.push(`| ${r.scenario} | ${run.clients.connected}/${run.clients.planned} | ${run.throttle_ms} | ${num(run.rate, 1)}/s | ${num(expected, 2)}/s | ${num(run.updates_per_client_channel_s, 2)}/s | ${rate(run.messages_per_s)} | ${run.skipped} | ${run.gaps} | ${latestText(run)} |`);
    }
    lines.push('');
  }

  // ---- every scenario ---------------------------------------------------------------------------
  lines.push('### Scenarios', '');
  lines.push('| scenario | run | clients | msg/s | MB/s | p50 | p99 | p99.9 | max | seq gaps | conflated | server CPU | server RSS (KiB) |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of reports) {
    if (r.mode === 'sweep') continue;
    for (const run of r.runs.filter((x) => !x.client_sweep)) {
      const h = lat(run.latency_us);
      lines.push(`| ${r.scenario} | ${run.label} | ${run.clients.connected}/${run.clients.planned} | ${rate(run.messages_per_s)} | ${num(run.bytes_per_s / 1e6, 1)} | ${us(h?.p50)} | ${us(h?.p99)} | ${us(h?.p999)} | ${us(h?.max)} | ${run.gaps} | ${run.conflated_dropped} | ${num(run.server.cpu_pct)} % | ${run.server.rss_kib_start} → ${run.server.rss_kib_end} |`);
    }
  }
  lines.push('');
  for (const r of reports) {
    // The client sweep's verdict is stated under its own table.
    const facts = Object.entries(r.facts).filter(([k]) => !/^(clients|subscribe|upstream|largest client count with .*|latency vs clients|book ingest \(JSON\))$/.test(k));
    const connect = r.runs.find((x) => x.connect_us && x.connect_us.count > 0);
    const items = facts.map(([k, v]) => `${k}: ${v}`);
    if (connect && r.mode !== 'churn') items.push(`connect (${connect.label}): p50 ${us(connect.connect_us.p50)}, p99 ${us(connect.connect_us.p99)}, errors ${connect.clients.connect_errors + connect.clients.handshake_errors}`);
    const errs = r.runs.filter((x) => x.first_error).map((x) => `${x.label}: ${x.first_error}`);
    items.push(...errs.map((e) => `first error: ${e}`));
    if (r.note) items.push(`note: ${r.note}`);
    lines.push(`- **${r.scenario}** (${r.description}): ${items.join('; ') || 'no further facts'}.`);
  }
  lines.push('', END);
  return lines.join('\n');
}

function replaceSection(path, section) {
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : '# tickerd benchmark results\n';
  const start = doc.indexOf(BEGIN);
  const end = start >= 0 ? doc.indexOf(END, start) : -1;
  if (start >= 0 && end > start) {
    doc = doc.slice(0, start) + section + doc.slice(end + END.length);
  } else {
    doc = doc.replace(/\s*$/, '\n\n') + section + '\n';
  }
  writeFileSync(path, doc);
}

const args = parseArgs(process.argv.slice(2));
const reports = [];
const missing = [];
for (const name of args.scenarios.split(/\s+/).filter(Boolean)) {
  const file = join(args.dir, `${name}.json`);
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  reports.push(JSON.parse(readFileSync(file, 'utf8')));
}
if (missing.length) {
  console.error(`results: no results for: ${missing.join(', ')}`);
  process.exit(1);
}
const text = render(args, reports);
if (!args['check-only']) replaceSection(args.results, text);
const losses = reports.flatMap((r) => r.runs.filter(lost).map((x) => `${r.scenario} (${x.label}): ${latestText(x).replaceAll('**', '')}`));
for (const r of reports) {
  for (const x of r.runs.filter((y) => y.throttle_ms > 0 && !y.latest)) {
    console.error(`results: ${r.scenario} (${x.label}): latest seq not checked: ${x.latest_how || 'no reason given'}`);
  }
}
if (losses.length) {
  console.error(`results: updates lost by throttled clients:\n  ${losses.join('\n  ')}`);
  process.exit(1);
}

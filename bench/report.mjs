// Turns tickerd_micro's Google Benchmark JSON into the generated section of bench/RESULTS.md:
// machine, commands, figures, and each venue parser's ratio against its nlohmann::json peer
// measured in the same run. Only the text between the "micro" markers is replaced, so hand-written
// notes and other tools' sections (tickerd-bench's load tests) survive a rerun.
//
//   node bench/report.mjs --json FILE --build DIR --command CMD [--invocation CMD] [--elapsed S]
//                         [--pinned P] (--results bench/RESULTS.md | --check-only)
//
// Exits non-zero when a benchmark reported an error (e.g. an adapter and its peer disagreeing)
// or a parser lacks its peer: such a run has no figures worth keeping. Missing a performance
// target is reported in the table, not as a failure: performance is measured, not asserted.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BEGIN = '<!-- BEGIN GENERATED micro: bench/run.sh rewrites this section; edit outside it -->';
const END = '<!-- END GENERATED micro -->';
const VENUES = ['binance', 'okx', 'coinbase', 'bybit', 'kraken'];
const TARGET_RATE = 1_000_000; // frames/s on one core
const TARGET_RATIO = 5; // × nlohmann::json

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (key === 'check-only') args[key] = true;
    else args[key] = argv[++i];
  }
  for (const k of ['json', 'build', 'command']) {
    if (args[k] === undefined) throw new Error(`--${k} is required`);
  }
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

// One figure per benchmark: the median over repetitions (or the single run), with its spread.
function collect(report) {
  const byName = new Map();
  const errors = [];
  for (const b of report.benchmarks) {
    const name = b.run_name ?? b.name;
    if (b.error_occurred) errors.push(`${name}: ${b.error_message}`);
    const entry = byName.get(name) ?? {};
    if (b.run_type === 'aggregate') entry[b.aggregate_name] = b;
    else entry.single = b;
    byName.set(name, entry);
  }
  const figures = new Map();
  for (const [name, e] of byName) {
    const main = e.median ?? e.single ?? e.mean;
    if (!main || main.error_occurred) continue;
    figures.set(name, {
      name,
      rate: main.items_per_second,
      bytesRate: main.bytes_per_second,
      cv: e.cv ? e.cv.items_per_second ?? e.cv.cpu_time : undefined,
      repetitions: main.repetitions ?? 1,
      counters: main,
    });
  }
  return { figures, errors };
}

function fmtRate(v) {
  if (v === undefined) return '–';
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G/s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k/s`;
  return `${v.toFixed(0)} /s`;
}
function fmtNs(rate) {
  if (!rate) return '–';
  const ns = 1e9 / rate;
  return ns >= 100 ? ns.toFixed(0) : ns.toFixed(1);
}
function fmtCv(cv) {
  return cv === undefined ? '–' : `${(cv * 100).toFixed(1)} %`;
}

function machine(args, report) {
  const ctx = report.context ?? {};
  const lscpu = sh('lscpu', []);
  const field = (k) => (lscpu.match(new RegExp(`^${k}:\\s*(.+)$`, 'm')) ?? [])[1] ?? 'unknown';
  const cache = readFileSync(join(args.build, 'CMakeCache.txt'), 'utf8');
  const cacheVar = (k) => (cache.match(new RegExp(`^${k}:[A-Z]+=(.*)$`, 'm')) ?? [])[1] ?? '';
  const cxx = cacheVar('CMAKE_CXX_COMPILER');
  const compiler = (cxx && sh(cxx, ['--version']).split('\n')[0]) || ctx.compiler_version || 'unknown';
  // The flags a benchmark translation unit was really compiled with.
  let flags = 'unknown';
  const ccPath = join(args.build, 'compile_commands.json');
  if (existsSync(ccPath)) {
    const entry = JSON.parse(readFileSync(ccPath, 'utf8')).find((c) => c.file.endsWith('bench/micro/parsers.cpp'));
    if (entry) {
      const words = (entry.command ?? entry.arguments.join(' ')).split(/\s+/);
      flags = words.filter((w) => /^-(O|march|mtune|mpclmul|DNDEBUG|fno-omit|g$)/.test(w)).join(' ');
    }
  }
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const commit = sh('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  return {
    cpu: field('Model name'),
    cpus: `${field('CPU\\(s\\)')} (${field('Thread\\(s\\) per core')} thread(s) per core), ${ctx.mhz_per_cpu ?? '?'} MHz`,
    kernel: sh('uname', ['-srm']),
    memory: (() => {
      const kb = Number((readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+)/m) ?? [])[1]);
      return kb ? `${(kb / 1024 / 1024).toFixed(1)} GiB` : 'unknown';
    })(),
    compiler,
    buildType: cacheVar('CMAKE_BUILD_TYPE') || ctx.build_type || 'unknown',
    flags,
    simdjson: ctx.simdjson_kernel ?? 'unknown',
    benchmarkLib: ctx.library_build_type ? `Google Benchmark (library built as ${ctx.library_build_type})` : 'Google Benchmark',
    load: Array.isArray(ctx.load_avg) ? ctx.load_avg.map((x) => x.toFixed(2)).join(', ') : 'unknown',
    date: ctx.date ?? new Date().toISOString(),
    commit: commit ? `${commit}${dirty}` : 'unknown',
  };
}

function render(args, report, figures) {
  const m = machine(args, report);
  const get = (n) => figures.get(n);
  const lines = [];
  const reps = [...figures.values()][0]?.repetitions ?? 1;
  lines.push(BEGIN, '');
  lines.push(`Generated ${m.date} by \`bench/run.sh\` from \`${args.json.replace(/^.*\/(build[^/]*\/)/, '$1')}\`.`, '');
  lines.push('### Machine', '');
  lines.push('| | |', '|---|---|');
  lines.push(`| CPU | ${m.cpu} |`);
  lines.push(`| cores | ${m.cpus} |`);
  lines.push(`| kernel | ${m.kernel} |`);
  lines.push(`| compiler | ${m.compiler} |`);
  lines.push(`| memory | ${m.memory} |`);
  lines.push(`| build | ${m.buildType}, \`${m.flags}\`; simdjson On-Demand compiled for \`${m.simdjson}\` (stage 1 from libsimdjson, dispatched at run time) |`);
  lines.push(`| pinned | ${args.pinned && args.pinned !== 'no' ? `\`${args.pinned}\`` : 'no'} |`);
  lines.push(`| load average at start | ${m.load} (the machine is shared; figures are medians of ${reps} repetitions, CPU time) |`);
  lines.push(`| commit | ${m.commit} |`);
  lines.push('');
  lines.push('### Commands', '');
  lines.push('```sh');
  if (args.invocation && args.invocation.startsWith('make ')) {
    lines.push(`${args.invocation}`);
    lines.push('# = scripts/install-deps.sh bench; cmake --preset bench -B DIR; cmake --build DIR --target benchmarks;');
    lines.push('#   bench/run.sh DIR, which ran:');
  } else if (args.invocation) {
    lines.push(`${args.invocation}   # which ran:`);
  }
  lines.push(args.command);
  lines.push('```');
  lines.push(`The run took ${args.elapsed ?? '?'} s.`, '');

  lines.push('### Venue parsers vs nlohmann::json', '');
  lines.push('Frames per second on one core, a ring of 16 compact ticker frames per venue (4 instruments); ' +
    'the peer turns the same frames into the same ticks (checked field by field before timing). ' +
    `Targets: ≥ ${TARGET_RATE.toLocaleString('en-US')} frames/s and ≥ ${TARGET_RATIO}× nlohmann.`, '');
  lines.push('| venue | frame bytes | tickerd | ns/frame | nlohmann | ns/frame | ratio | cv (tickerd / nlohmann) | targets |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  const missing = [];
  for (const v of VENUES) {
    const a = get(`parse/${v}/tickerd`);
    const b = get(`parse/${v}/nlohmann`);
    if (!a || !b) {
      missing.push(v);
      continue;
    }
    const ratio = a.rate / b.rate;
    const ok = [];
    ok.push(a.rate >= TARGET_RATE ? 'rate met' : '**rate MISSED**');
    ok.push(ratio >= TARGET_RATIO ? 'ratio met' : '**ratio MISSED**');
    const bytes = a.counters.frame_bytes !== undefined ? a.counters.frame_bytes.toFixed(0) : '–';
    lines.push(`| ${v} | ${bytes} | ${fmtRate(a.rate)} | ${fmtNs(a.rate)} | ${fmtRate(b.rate)} | ${fmtNs(b.rate)} | ` +
      `**${ratio.toFixed(1)}×** | ${fmtCv(a.cv)} / ${fmtCv(b.cv)} | ${ok.join(', ')} |`);
  }
  lines.push('');

  const section = (title, prefix, note, unit, exclude) => {
    const rows = [...figures.values()].filter((f) => f.name.startsWith(prefix) && !(exclude && f.name.startsWith(exclude)));
    if (rows.length === 0) return;
    lines.push(`### ${title}`, '');
    if (note) lines.push(note, '');
    lines.push(`| benchmark | ${unit} | ns each | cv | notes |`, '|---|---:|---:|---:|---|');
    for (const f of rows) {
      const notes = [];
      for (const k of ['data_bytes', 'update_bytes', 'subscribers', 'updates_per_turn']) {
        if (f.counters[k] !== undefined) notes.push(`${k.replace(/_/g, ' ')} ${f.counters[k]}`);
      }
      lines.push(`| \`${f.name}\` | ${fmtRate(f.rate)} | ${fmtNs(f.rate)} | ${fmtCv(f.cv)} | ${notes.join(', ')} |`);
    }
    lines.push('');
  };
  section('Decimal', 'decimal/', 'Parse and format of the texts venues send (padded 8-digit amounts, prices, volumes, percentages).', 'items/s');
  section('Update encoding (once per update)', 'encode/',
    'One composite ticker over three venues: `compose`, `encode_ticker` into a reused buffer, `make_update` (the update text; snapshots are made per subscribe), and all three together.',
    'updates/s');
  section('Hub fan-out to 10,000 in-process subscribers', 'fanout/',
    'Items are deliveries (one update queued for one subscriber): publish (encode once), post the batch to a real gateway shard, ' +
    'and its delivery loop over 10,000 real `ws_session`s waiting for their (full) sockets to take more (building each frame and ' +
    'the `sendmsg` are for the load test). Sessions conflate after 64 queued updates, amortized in the figure.',
    'deliveries/s');
  section('Candles (per trade, on the ingest thread)', 'candles/',
    'Trades through one stream\'s `candle_set` (1m, 5m, 15m, 1h, 4h, 1d), Binance 8-decimal prices and sizes, 300 trades/s of venue time (minutes close along the run).',
    'trades/s', 'candles/memory/');
  lines.push(...issue17(figures));
  lines.push(...issue18(figures));
  lines.push(END);
  return { text: lines.join('\n'), missing };
}

// Issue 17: the trade and top-of-book parsers, the ingest thread's work per trade frame
// (trade updates against candles: per frame, never per client), and the candles' memory.
function issue17(figures) {
  const get = (n) => figures.get(n);
  const out = [];
  const trades = VENUES.map((v) => [v, get(`parse_trades/${v}`)]).filter(([, f]) => f);
  const bbo = VENUES.map((v) => [v, get(`parse_bbo/${v}`)]).filter(([, f]) => f);
  if (trades.length || bbo.length) {
    out.push('### Trade and top-of-book parsers (issue 17)', '');
    out.push('Each adapter opened for one stream only, on a ring of 16 frames in the venue\'s wire format (4 instruments, rising trade ids, moving prices): ' +
      'trades from Binance `@trade`, OKX `trades`, Coinbase `matches` (one trade a frame), Bybit `publicTrade` and Kraken v2 `trade` (1 to 8 trades a frame, 4.5 on average); ' +
      'top of book from Binance `bookTicker`, OKX `bbo-tbt`, Coinbase `ticker`, Bybit `orderbook.1`, Kraken v2 `ticker` (`event_trigger: "bbo"`). ' +
      'Every frame is checked to give its trades (or one two-sided quote) before timing. One core, CPU time.', '');
    out.push('| venue | trade frame bytes | trades/frame | trade frames/s | trades/s | ns/frame | bbo frame bytes | bbo frames/s | ns/frame | cv (trades / bbo) |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const v of VENUES) {
      const t = get(`parse_trades/${v}`);
      const b = get(`parse_bbo/${v}`);
      if (!t && !b) continue;
      const c = (f, k, d = 0) => (f && f.counters[k] !== undefined ? Number(f.counters[k]).toFixed(d) : '–');
      out.push(`| ${v} | ${c(t, 'frame_bytes')} | ${c(t, 'trades_per_frame', 1)} | ${fmtRate(t?.rate)} | ${fmtRate(t?.counters.trades_per_s)} | ${fmtNs(t?.rate)} | ` +
        `${c(b, 'frame_bytes')} | ${fmtRate(b?.rate)} | ${fmtNs(b?.rate)} | ${fmtCv(t?.cv)} / ${fmtCv(b?.cv)} |`);
    }
    out.push('');
  }
  const tu1 = get('ingest/trade_updates/venue+tape/1');
  const cu1 = get('ingest/candle_updates/venue+tape/1');
  const tu5 = get('ingest/trade_updates/venue+tape/5');
  const cu5 = get('ingest/candle_updates/venue+tape/5');
  const add = get('candles/6_intervals/1_trade_per_frame');
  const parse = get('parse_trades/binance');
  if (tu1 && cu1) {
    out.push('### Candles cost per trade frame, not per delivery (issue 17)', '');
    out.push('What the ingest thread does once per upstream trade frame, whatever the number of clients: the trade updates (`trades.<SYM>@<venue>` and the tape `trades.<SYM>`, each encoded once with `make_update`), ' +
      'and the candles (both streams\' `candle_set::add` over six intervals, then one update per changed interval, encoded once: 12 forming candles a frame; ' +
      '`market_streams` publishes forming candles once per ingest loop turn, so this is the worst case of one frame per turn, as in the `market_streams` rows). ' +
      'A delivery is the same for every update (one shared text queued and written: `fanout/` above, the load tests below), so candles add no work per delivery: ' +
      'a client on `trades.BTC-USDT` gets exactly the trade update, and a candle subscriber a candle update like any other.', '');
    out.push('| per frame | 1 trade: ns | per trade | 5 trades: ns | per trade |', '|---|---:|---:|---:|---:|');
    const ns = (f) => (f ? 1e9 / f.rate : undefined);
    const row = (name, a, b) => out.push(`| ${name} | ${a === undefined ? '–' : a.toFixed(0)} | ${a === undefined ? '–' : a.toFixed(0)} | ${b === undefined ? '–' : b.toFixed(0)} | ${b === undefined ? '–' : (b / 5).toFixed(0)} |`);
    if (parse) row('parse (Binance `@trade`, one trade a frame)', ns(parse), undefined);
    row('trade updates, venue + tape (`ingest/trade_updates`)', ns(tu1), ns(tu5));
    row('candles: add + 12 updates (`ingest/candle_updates`)', ns(cu1), ns(cu5));
    if (add) row('of which one stream\'s `candle_set::add`', ns(add), undefined);
    const total1 = (ns(parse) ?? 0) + ns(tu1) + ns(cu1);
    row('**total per frame** (parse + the two above)', total1, undefined);
    // The wired path: market_streams with every family on, and with candles off.
    const on1 = get('ingest/market_streams/candles_on/1');
    const off1 = get('ingest/market_streams/candles_off/1');
    const on5 = get('ingest/market_streams/candles_on/5');
    const off5 = get('ingest/market_streams/candles_off/5');
    if (on1 && off1) {
      row('`market_streams::on_events`, candles on (as tickerd runs)', ns(on1), ns(on5));
      row('`market_streams::on_events`, candles off', ns(off1), ns(off5));
      row('difference: candles in the wired path', ns(on1) - ns(off1), on5 && off5 ? ns(on5) - ns(off5) : undefined);
    }
    out.push('');
    out.push(`- Candles per 1-trade frame: ${ns(cu1).toFixed(0)} ns, ${(ns(cu1) / ns(tu1)).toFixed(1)}× the trade updates' encode (${ns(tu1).toFixed(0)} ns); ` +
      `at 10,000 one-trade frames/s that is ${(ns(cu1) * 1e4 / 1e7).toFixed(2)} % of the ingest core, against ${(ns(tu1) * 1e4 / 1e7).toFixed(2)} % for the trade updates. Per delivery: 0 ns.`);
    out.push('');
  }
  const mem = get('candles/memory/24h_1m_x11_symbols_x6_streams');
  if (mem) {
    const c = mem.counters;
    const mib = (b) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
    out.push('### Candle memory: 24 h of 1m candles × 11 symbols × 6 streams (issue 17)', '');
    out.push(`${c.streams} \`candle_set\`s (five venues and the tape for 11 symbols) with the default history, filled through the real builder with a trade every 5 s of venue time for 24 h (${Number(c.trades_added).toLocaleString('en-US')} trades) and advanced to the end: every stream holds 1,440 closed 1m candles (and 288 5m, 96 15m, 24 1h, 6 4h, 1 1d). One pass, measured in the benchmark process.`, '');
    out.push('| measure | bytes | |', '|---|---:|---|');
    out.push(`| 1m histories (\`candle_history::allocated_bytes\`) | ${Number(c.m1_history_bytes).toLocaleString('en-US')} | ${mib(c.m1_history_bytes)}: ${Number(c.m1_candles).toLocaleString('en-US')} candles × ${c.candle_bytes} B |`);
    out.push(`| all six intervals' histories | ${Number(c.all_history_bytes).toLocaleString('en-US')} | ${mib(c.all_history_bytes)} |`);
    out.push(`| the 66 \`candle_set\` objects (forming candles) | ${Number(c.sets_bytes).toLocaleString('en-US')} | ${mib(c.sets_bytes)} |`);
    out.push(`| heap in use grew by (mallinfo2) | ${Number(c.heap_delta_bytes).toLocaleString('en-US')} | ${mib(c.heap_delta_bytes)} |`);
    out.push(`| process RSS grew by (VmRSS) | ${Number(c.rss_delta_bytes).toLocaleString('en-US')} | ${mib(c.rss_delta_bytes)} |`);
    out.push('');
  }
  return out;
}

// Issue 18: level changes applied per second on one core (goal >= 1M/s), the composed book's
// cost, and the memory one book holds (the load side is in the "market" section).
function issue18(figures) {
  const rows = [...figures.values()].filter((f) => f.name.startsWith('book/') && !f.name.startsWith('book/memory'));
  const out = [];
  if (rows.length) {
    out.push('### Order books (issue 18)', '');
    out.push('`book/apply_levels`, `book/sync_binance_frames`, `book/parse_apply_binance`: level changes per second on one core (50-level book, most changes near the top; see bench/micro/book.cpp); ' +
      '`book/compose_*` and `book/publish_venue_frame`: merges and venue frames per second (bench/micro/book_compose.cpp). Goal: ≥ 1M level changes/s.', '');
    out.push('| benchmark | items/s | ns each | cv | goal ≥ 1M level changes/s | notes |', '|---|---:|---:|---:|---|---|');
    const levelChanges = new Set(['book/apply_levels', 'book/sync_binance_frames', 'book/parse_apply_binance']);
    for (const f of rows) {
      const goal = levelChanges.has(f.name) ? (f.rate >= 1e6 ? 'met' : '**MISSED**') : '';
      const notes = ['levels_bid', 'levels_ask', 'book20_publish_share', 'frame_bytes', 'bytes', 'updates_per_frame']
        .filter((k) => f.counters[k] !== undefined)
        .map((k) => `${k.replace(/_/g, ' ')} ${Number(f.counters[k]).toFixed(Number.isInteger(f.counters[k]) ? 0 : 2)}`);
      out.push(`| \`${f.name}\` | ${fmtRate(f.rate)} | ${fmtNs(f.rate)} | ${fmtCv(f.cv)} | ${goal} | ${notes.join(', ')} |`);
    }
    out.push('');
  }
  const c = (n, k) => figures.get(n)?.counters[k];
  const bytes = (v) => (v === undefined ? '–' : Number(v).toLocaleString('en-US'));
  const m50 = c('book/memory', 'bytes_per_50_level_book');
  const b1000 = c('book/memory_binance_1000', 'book_bytes');
  const composed = c('book/memory_composed_book20', 'book_bytes');
  if (m50 !== undefined || b1000 !== undefined || composed !== undefined) {
    out.push('### Memory per book (issue 18)', '');
    out.push('Bytes held, read from the structures in the benchmark process (capacity, not size: what is allocated).', '');
    out.push('| book | bytes | notes |', '|---|---:|---|');
    if (m50 !== undefined) out.push(`| one venue, 50 levels a side (\`book/memory\`) | ${bytes(m50)} | ${bytes(c('book/memory', 'bytes_per_level'))} B a level |`);
    if (b1000 !== undefined) {
      out.push(`| Binance as tickerd keeps it: 1,000 levels a side after its REST snapshot and 100,000 diff frames (\`book/memory_binance_1000\`) | ${bytes(b1000)} | ` +
        `${bytes(c('book/memory_binance_1000', 'levels_bid'))} / ${bytes(c('book/memory_binance_1000', 'levels_ask'))} levels held; the \`book_sync\` object ${bytes(c('book/memory_binance_1000', 'sync_object_bytes'))} B besides |`);
    }
    if (composed !== undefined) {
      out.push(`| composed book20 of five venues (\`book/memory_composed_book20\`) | ${bytes(composed)} | its JSON text ${bytes(c('book/memory_composed_book20', 'json_bytes'))} B (each resume history entry holds one) |`);
    }
    out.push('');
  }
  return out;
}

function replaceSection(path, section) {
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : '# tickerd benchmark results\n';
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start >= 0 && end > start) {
    doc = doc.slice(0, start) + section + doc.slice(end + END.length);
  } else {
    doc = doc.replace(/\s*$/, '\n\n') + section + '\n';
  }
  writeFileSync(path, doc);
}

const args = parseArgs(process.argv.slice(2));
const report = JSON.parse(readFileSync(args.json, 'utf8'));
const { figures, errors } = collect(report);
for (const e of errors) console.error(`report: benchmark error: ${e}`);
const { text, missing } = render(args, report, figures);
const filtered = args['check-only'];
if (!filtered && missing.length > 0) console.error(`report: no figures for the parsers of: ${missing.join(', ')}`);
if (errors.length > 0 || (!filtered && missing.length > 0)) process.exit(1);
if (!filtered) replaceSection(args.results, text);

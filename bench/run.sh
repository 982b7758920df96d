#!/usr/bin/env bash
# Runs tickerd's standard benchmark set, micro (Google Benchmark) then load (tickerd-bench,
# bench/scenarios), and regenerates the generated sections of bench/RESULTS.md (machine,
# commands, figures, ratios against the peers measured in the same run).
#
#   bench/run.sh BUILD_DIR        e.g. bench/run.sh build/bench (what `make bench` runs)
#
# Environment: BENCH_REPETITIONS (default 5), BENCH_MIN_TIME (seconds per repetition, default
# 0.5), BENCH_FILTER (a --benchmark_filter regex; a filtered run does not touch RESULTS.md and
# runs no load test), BENCH_CPU (the core to pin to, default 1; "none" to not pin), BENCH_INVOCATION
# (how the run was started, for RESULTS.md; the Makefile sets it).
# Load tests: BENCH_MICRO=0 skips the micro set, BENCH_LOAD=0 the load set; BENCH_SCENARIOS
# (default "fanout fanout_tls latency latency_tls dashboards bots burst churn idle handshakes";
# the _tls twins run the same load over wss:// with [auth] jwt, handshakes the TLS handshake
# cost on one core); tickerd (and the Node peer) run on
# BENCH_CPU, tickerd-bench and tickerd-sim on the other core. A subset leaves RESULTS.md alone.
# BENCH_MARKET=1 also runs the market-data scenarios: issue 17's `trades`, `bbo` (five venues at
# 10,000 trades/s, 1,000 clients on trades.BTC-USDT / bbo.BTC-USDT, tickerd against the floor fed
# the same frames) and issue 18's `book`, `book_composed` (the five venues' books, 1,000 clients
# on book20.BTC-USDT@binance / book20.BTC-USDT, against the floor and, for the ingest's CPU per
# level change, CCXT Pro's watchOrderBook on the same sim: bench/peers/ccxt-book, `npm ci` here);
# about 4 minutes. It rewrites their own section of RESULTS.md ("market"); with BENCH_LOAD=0
# only those. BENCH_MARKET_SCENARIOS (default "trades bbo book book_composed"): a subset leaves
# RESULTS.md alone. Not in the default set: it would take `make bench` past 12 minutes.
# Fails (after writing RESULTS.md) when a throttled scenario lost an update (bench/load/results.mjs).
# Writes BUILD_DIR/bench-results/micro.json (Google Benchmark JSON), BUILD_DIR/bench-results/load/
# (per scenario: JSON, an HTML report, logs) and bench/RESULTS.md.
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "$build" && pwd)
bin="$build/bench/tickerd_micro"
load_bin="$build/bench/tickerd-bench"
run_micro=${BENCH_MICRO:-1}
run_load=${BENCH_LOAD:-1}
run_market=${BENCH_MARKET:-0}
[[ -n "${BENCH_FILTER:-}" ]] && run_load=0 && run_market=0
if [[ "$run_micro" != 0 && ! -x "$bin" ]]; then
  echo "bench/run.sh: $bin is not built (cmake --preset bench && cmake --build build/bench --target benchmarks)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "bench/run.sh: node is needed for the report (scripts/install-deps.sh bench)" >&2; exit 1; }

if [[ ("$run_load" != 0 || "$run_market" != 0) && ! -x "$load_bin" ]]; then
  echo "bench/run.sh: $load_bin is not built (cmake --build $build --target benchmarks)" >&2
  exit 1
fi

results="$build/bench-results"
mkdir -p "$results"
json="$results/micro.json"
repo=$(cd "$here/.." && pwd)
invocation=${BENCH_INVOCATION:-bench/run.sh ${1}}

repetitions=${BENCH_REPETITIONS:-5}
min_time=${BENCH_MIN_TIME:-0.5}
cpu=${BENCH_CPU:-1}

# Pinned to one core, away from core 0 where interrupts and most other work land, so a run
# measures one core's worth of work and is steadier between repetitions.
pin=()
if [[ "$cpu" != none ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi

# Runs the report command in "${report[@]}": with $1 non-empty (a subset or filtered run) it
# only checks the figures and says $2; else it rewrites its section of RESULTS.md and says $3.
write_or_check() {
  if [[ -n "$1" ]]; then
    "${report[@]}" --check-only
    echo "bench/run.sh: $2"
  else
    "${report[@]}" --results "$here/RESULTS.md"
    echo "bench/run.sh: $3"
  fi
}

if [[ "$run_micro" != 0 ]]; then
  args=(--benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time"
    --benchmark_report_aggregates_only=true --benchmark_counters_tabular=true
    --benchmark_out="$json" --benchmark_out_format=json)
  [[ -n "${BENCH_FILTER:-}" ]] && args+=(--benchmark_filter="$BENCH_FILTER")

  cmd=("${pin[@]}" "$bin" "${args[@]}")
  echo "bench/run.sh: ${cmd[*]}"
  started=$(date +%s)
  "${cmd[@]}"
  elapsed=$(($(date +%s) - started))

  # Printable command with the build directory relative to the repository, as a reader reruns it.
  printable="${cmd[*]}"
  printable=${printable//"$repo/"/}

  report=(node "$here/report.mjs" --json "$json" --build "$build" --command "$printable"
    --invocation "$invocation" --elapsed "$elapsed" --pinned "${pin[*]:-no}")
  write_or_check "${BENCH_FILTER:-}" "filtered run; RESULTS.md left as it was" \
    "wrote $here/RESULTS.md"
fi

# ---- load tests: tickerd-bench, one scenario at a time --------------------------------------
load_dir="$results/load"
server_cpu=$cpu
bench_cpu=0
[[ "$server_cpu" == 0 ]] && bench_cpu=1
pin_args=(--server-cpu "$server_cpu" --bench-cpu "$bench_cpu")
[[ "$cpu" == none || "$(nproc)" -lt 2 ]] && pin_args=(--no-pin)

# run_scenarios "a b c": each in turn, JSON and HTML into $load_dir; sets $elapsed and $load_avg.
run_scenarios() {
  mkdir -p "$load_dir"
  load_avg=$(cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g')
  local started s
  started=$(date +%s)
  for s in $1; do
    rm -f "$load_dir/$s.json"
    cmd=("$load_bin" --scenario "$here/scenarios/$s.toml" "${pin_args[@]}" --work-dir "$load_dir"
      --json "$load_dir/$s.json" --html "$load_dir/$s.html")
    echo "bench/run.sh: ${cmd[*]}"
    "${cmd[@]}"
  done
  elapsed=$(($(date +%s) - started))
}

if [[ "$run_load" != 0 ]]; then
  peer="$here/peers/ws-broadcast"
  if [[ ! -d "$peer/node_modules/ws" ]]; then
    echo "bench/run.sh: npm ci in $peer (the Node ws peer)"
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  scenarios=${BENCH_SCENARIOS:-fanout fanout_tls latency latency_tls dashboards bots burst churn idle handshakes}
  run_scenarios "$scenarios"
  report=(node "$here/load/results.mjs" --dir "$load_dir" --scenarios "$scenarios"
    --invocation "$invocation" --elapsed "$elapsed" --load "$load_avg")
  write_or_check "${BENCH_SCENARIOS:-}" \
    "a subset of the scenarios; RESULTS.md's load section left as it was" \
    "wrote the load section of $here/RESULTS.md; HTML reports in $load_dir"
fi

# ---- issue 17's market-data scenarios (BENCH_MARKET=1): their own generated section ----------
if [[ "$run_market" != 0 ]]; then
  market=${BENCH_MARKET_SCENARIOS:-trades bbo book book_composed}
  book_peer="$here/peers/ccxt-book"
  if [[ " $market " == *" book"* && ! -d "$book_peer/node_modules/ccxt" ]]; then
    echo "bench/run.sh: npm ci in $book_peer (the CCXT Pro book peer)"
    (cd "$book_peer" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  run_scenarios "$market"
  report=(node "$here/load/results.mjs" --dir "$load_dir" --scenarios "$market" --section market
    --invocation "$invocation" --elapsed "$elapsed" --load "$load_avg")
  write_or_check "${BENCH_MARKET_SCENARIOS:-}" \
    "a subset of the market scenarios; RESULTS.md's market section left as it was" \
    "wrote the market section of $here/RESULTS.md"
fi

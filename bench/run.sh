#!/usr/bin/env bash
# Runs tickerd's standard micro-benchmark set and regenerates the generated sections of
# bench/RESULTS.md (machine, commands, figures, ratios against the peers measured in the same run).
#
#   bench/run.sh BUILD_DIR        e.g. bench/run.sh build/bench (what `make bench` runs)
#
# Environment: BENCH_REPETITIONS (default 5), BENCH_MIN_TIME (seconds per repetition, default
# 0.5), BENCH_FILTER (a --benchmark_filter regex; a filtered run does not touch RESULTS.md),
# BENCH_CPU (the core to pin to, default 1; "none" to not pin), BENCH_INVOCATION (how the run
# was started, for RESULTS.md; the Makefile sets it).
# Writes BUILD_DIR/bench-results/micro.json (Google Benchmark JSON) and bench/RESULTS.md.
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "$build" && pwd)
bin="$build/bench/tickerd_micro"
if [[ ! -x "$bin" ]]; then
  echo "bench/run.sh: $bin is not built (cmake --preset bench && cmake --build build/bench --target benchmarks)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "bench/run.sh: node is needed for the report (scripts/install-deps.sh bench)" >&2; exit 1; }

results="$build/bench-results"
mkdir -p "$results"
json="$results/micro.json"

repetitions=${BENCH_REPETITIONS:-5}
min_time=${BENCH_MIN_TIME:-0.5}
cpu=${BENCH_CPU:-1}

# Pinned to one core, away from core 0 where interrupts and most other work land, so a run
# measures one core's worth of work and is steadier between repetitions.
pin=()
if [[ "$cpu" != none ]] && command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi

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
repo=$(cd "$here/.." && pwd)
printable="${cmd[*]}"
printable=${printable//"$repo/"/}

invocation=${BENCH_INVOCATION:-bench/run.sh ${1}}
report=(node "$here/report.mjs" --json "$json" --build "$build" --command "$printable"
  --invocation "$invocation" --elapsed "$elapsed" --pinned "${pin[*]:-no}")
if [[ -n "${BENCH_FILTER:-}" ]]; then
  "${report[@]}" --check-only
  echo "bench/run.sh: filtered run; RESULTS.md left as it was"
else
  "${report[@]}" --results "$here/RESULTS.md"
  echo "bench/run.sh: wrote $here/RESULTS.md"
fi

#!/usr/bin/env bash
# Builds the libFuzzer targets listed in tests/fuzz/targets.txt with clang and runs each one
# from its committed corpus (tests/fuzz/corpus/<name>/), its fixed crashes
# (tests/fuzz/regressions/<name>/) and its dictionary. tests/fuzz/README.md explains the use.
#
#   run.sh ci          a fixed number of executions per target (the runs column), fixed seed:
#                      `make fuzz-ci`, part of every CI run
#   run.sh long N      N seconds per target, random seed, new inputs kept in <dir>/corpus:
#                      `make fuzz SECONDS=N`
#
# Environment: FUZZ_DIR (build directory, default build/fuzz), JOBS (targets run at once, and
# build jobs; default nproc), FUZZ_TARGETS (a subset, space-separated), FUZZ_SEED (ci: the
# libFuzzer seed, default 1).
#
# Any crash, leak, timeout, out-of-memory or sanitizer report fails the run: the input is
# copied to tests/fuzz/regressions/<name>/ (commit it with the fix: unit_tests' FuzzRegression
# runs every file there) and printed as base64 so it survives in a CI log.
set -euo pipefail

mode=${1:-}
seconds=${2:-60}
case "$mode" in
  ci) ;;
  long)
    [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: SECONDS must be a positive integer" >&2; exit 2; }
    ;;
  *) echo "usage: $0 ci | long SECONDS" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
fuzz_src=$root/tests/fuzz
dir=${FUZZ_DIR:-build/fuzz}
[[ "$dir" = /* ]] || dir=$root/$dir
jobs=${JOBS:-$(nproc)}
seed=${FUZZ_SEED:-1}
timeout_s=10   # one input; the slowest takes milliseconds
rss_mb=2048

fail() { echo "fuzz: $*" >&2; exit 1; }

command -v clang++ >/dev/null || fail "clang++ not found (scripts/install-deps.sh test installs it)"

# name max_len runs, from the one list.
declare -A max_len runs
names=()
while read -r name len count _; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  names+=("$name")
  max_len[$name]=$len
  runs[$name]=$count
done <"$fuzz_src/targets.txt"
if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  for t in $FUZZ_TARGETS; do
    [[ -n "${max_len[$t]:-}" ]] || fail "FUZZ_TARGETS: '$t' is not in tests/fuzz/targets.txt"
  done
  read -r -a names <<<"$FUZZ_TARGETS"
fi
for t in "${names[@]}"; do
  [[ -n "$(ls -A "$fuzz_src/corpus/$t" 2>/dev/null)" ]] ||
    fail "target '$t' has no seeds: add meaningful inputs to tests/fuzz/corpus/$t/"
done

start=$(date +%s)
echo "fuzz: building ${#names[@]} targets with clang in ${dir#"$root"/}"
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DTICKERD_BUILD_FUZZ=ON \
  -DTICKERD_BUILD_TESTS=OFF >"$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log" >&2; fail "configuring ${dir#"$root"/} failed"; }
targets=()
for t in "${names[@]}"; do targets+=("${t}_fuzz"); done
cmake --build "$dir" -j "$jobs" --target "${targets[@]}" || fail "building the fuzz targets failed"
for t in "${names[@]}"; do
  [[ -x "$dir/tests/fuzz/${t}_fuzz" ]] || fail "target '$t' was not built ($dir/tests/fuzz/${t}_fuzz)"
done
built=$(date +%s)
echo "fuzz: built in $((built - start)) s"

logs=$dir/logs
mkdir -p "$logs"

# Runs one target; prints one summary block at the end (whole, so parallel runs do not
# interleave) and returns non-zero on a finding.
run_target() {
  local t=$1 bin=$dir/tests/fuzz/${1}_fuzz log=$logs/$1.log
  local artifacts=$dir/artifacts/$t
  rm -rf "$artifacts" && mkdir -p "$artifacts"
  local args=(-max_len="${max_len[$t]}" -timeout="$timeout_s" -rss_limit_mb="$rss_mb"
    -artifact_prefix="$artifacts/" -print_final_stats=1)
  [[ -f "$fuzz_src/$t.dict" ]] && args+=(-dict="$fuzz_src/$t.dict")
  local work
  if [[ "$mode" == ci ]]; then
    # New inputs go to a scratch directory (the first one given), never the committed corpus.
    work=$dir/ci-corpus/$t
    rm -rf "$work"
    args+=(-runs="${runs[$t]}" -seed="$seed")
  else
    work=$dir/corpus/$t
    args+=(-max_total_time="$seconds")
  fi
  mkdir -p "$work"
  local dirs=("$work" "$fuzz_src/corpus/$t")
  [[ -d "$fuzz_src/regressions/$t" ]] && dirs+=("$fuzz_src/regressions/$t")

  local t0 rc=0
  t0=$(date +%s)
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 nice "$bin" "${args[@]}" "${dirs[@]}" \
    >"$log" 2>&1 || rc=$?
  local took=$(($(date +%s) - t0))
  local execs cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  local out
  if [[ $rc -eq 0 ]]; then
    out=$(printf 'fuzz: %-15s ok   %9s execs %4s s  cov %s  new inputs %s' "$t" "${execs:-?}" \
      "$took" "${cov:-?}" "$(find "$work" -type f | wc -l)")
    echo "$out"
    return 0
  fi
  out="fuzz: $t FAILED (exit $rc) after ${execs:-?} execs, $took s; log: $log"$'\n'
  out+=$(grep -v '^#[0-9]' "$log" | tail -n 60)$'\n'
  local found=0 f
  for f in "$artifacts"/*; do
    [[ -f "$f" ]] || continue
    found=1
    local keep=$fuzz_src/regressions/$t/$(basename "$f")
    mkdir -p "$fuzz_src/regressions/$t"
    cp "$f" "$keep"
    out+="fuzz: $t: input saved as ${keep#"$root"/} (commit it with the fix); base64:"$'\n'
    out+=$(base64 -w 76 "$f")$'\n'
    out+="fuzz: reproduce: $bin ${keep#"$root"/}"$'\n'
  done
  [[ $found -eq 1 ]] || out+="fuzz: $t: no input was saved (see the log above)"$'\n'
  printf '%s' "$out" >&2
  return 1
}

echo "fuzz: running ${#names[@]} targets, $jobs at a time ($([[ "$mode" == ci ]] &&
  echo "fixed executions, seed $seed" || echo "$seconds s each"))"
failed=()
declare -A pids
for t in "${names[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run_target "$t" &
  pids[$t]=$!
done
for t in "${names[@]}"; do
  wait "${pids[$t]}" || failed+=("$t")
done

end=$(date +%s)
echo "fuzz: ${#names[@]} targets in $((end - start)) s (build $((built - start)) s, runs $((end - built)) s)"
if [[ "$mode" == long ]]; then
  echo "fuzz: new inputs are in ${dir#"$root"/}/corpus/<target>/. To keep the ones that add"
  echo "coverage, merge them into the committed corpus (minimized) and commit:"
  echo "  for t in ${names[*]}; do"
  echo "    ${dir#"$root"/}/tests/fuzz/\${t}_fuzz -merge=1 -use_counters=0 tests/fuzz/corpus/\$t ${dir#"$root"/}/corpus/\$t"
  echo "  done"
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  fail "findings in: ${failed[*]} (inputs saved under tests/fuzz/regressions/)"
fi
echo "fuzz: no findings"

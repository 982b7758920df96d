#!/usr/bin/env bash
# tickerd's RSS "at start" with deploy/demo.toml (5 venues, gas, F&G; every channel family its
# feeds' streams turn on) against tickerd-sim, read from /proc after WAIT seconds; MAPS=1 adds
# the resident KiB per mapping. Issue 13's start-up memory figure (bench/RESULTS.md, "Floor").
# Usage: bench/start_rss.sh [TICKERD [SIM]]   (defaults: build/bench/tickerd, build/bench/tickerd-sim)
# Env: WAIT (6), SIM_PORT (19301), PORT (19380).
set -euo pipefail
cd "$(dirname "$0")/.."
tickerd=${1:-build/bench/tickerd}
sim=${2:-build/bench/tickerd-sim}
sim_port=${SIM_PORT:-19301}
port=${PORT:-19380}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e "s/127.0.0.1:9001/127.0.0.1:$sim_port/g" -e "s/127.0.0.1:8080/127.0.0.1:$port/" \
  deploy/demo.toml >"$work/demo.toml"
"$sim" --listen "127.0.0.1:$sim_port" >"$work/sim.log" 2>&1 &
sim_pid=$!
sleep 1
"$tickerd" --config "$work/demo.toml" >"$work/tickerd.log" 2>&1 &
tickerd_pid=$!
sleep "${WAIT:-6}"
grep -E "VmRSS|RssAnon|RssFile" "/proc/$tickerd_pid/status" | tr -s ' \t' ' ' | tr '\n' ' '
echo
if [ -n "${MAPS:-}" ]; then
  awk '/^[0-9a-f]+-/{name=$6} /^Rss:/{rss[name]+=$2}
       END{for (n in rss) if (rss[n] >= 64) printf "%6d KiB %s\n", rss[n], n}' \
    "/proc/$tickerd_pid/smaps" | sort -rn
fi
kill "$tickerd_pid"
wait "$tickerd_pid" || true
kill "$sim_pid"
wait "$sim_pid" || true

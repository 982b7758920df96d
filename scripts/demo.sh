#!/usr/bin/env bash
# Runs tickerd-sim and tickerd (deploy/demo.toml) in the foreground; Ctrl-C stops both.
set -euo pipefail
build=${1:-build/release}
cd "$(dirname "$0")/.."

sim_pid="" tickerd_pid=""
cleanup() {
  trap - INT TERM EXIT
  [[ -n "$tickerd_pid" ]] && kill -TERM "$tickerd_pid" 2>/dev/null || true
  [[ -n "$sim_pid" ]] && kill -TERM "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "demo stopped"
}
trap cleanup INT TERM EXIT

"$build/tickerd-sim" --listen 127.0.0.1:9001 --seed 42 --rate 2 &
sim_pid=$!
"$build/tickerd" --config deploy/demo.toml &
tickerd_pid=$!

for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then break; fi
  kill -0 "$tickerd_pid" 2>/dev/null || { echo "tickerd exited; see the log above" >&2; exit 1; }
  sleep 0.1
done
echo "dashboard: http://127.0.0.1:8080"
echo "(Ctrl-C stops tickerd and tickerd-sim)"
wait -n "$sim_pid" "$tickerd_pid"

#!/usr/bin/env bash
# The multi-node rehearsal (docs/OPERATIONS.md, "Multi-node rehearsal"): seven hosts, each a
# Linux network namespace with one veth link to a bridge in an eighth ("switch"), addresses in
# 10.77.0.0/24 that exist only inside them: redis, sim, ingest1, ingest2, edge1, edge2, clients.
# run.mjs then starts the nodes on their hosts and runs the steps from the clients host.
# Namespaces get names unique to this run and are removed on exit, failure and Ctrl-C included.
# Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN), iproute2, redis-server and node.
# Usage: rehearse.sh [BUILD_DIR]   (default build/release; TICKERD_BIN, TICKERD_SIM_BIN override)
# Logs and configs go to a temporary directory, kept on failure or with REHEARSAL_KEEP=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=${1:-$source_dir/build/release}
tickerd=${TICKERD_BIN:-$build/tickerd}
sim=${TICKERD_SIM_BIN:-$build/tickerd-sim}

fail() { echo "rehearsal: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || fail "needs root to create network namespaces (run it with sudo)"
for tool in ip redis-server redis-cli node; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh test"
done
[[ -x $tickerd ]] || fail "no tickerd at $tickerd (build it: make build)"
[[ -x $sim ]] || fail "no tickerd-sim at $sim (build it: make build)"

subnet=10.77.0
declare -A ip_of=([redis]=2 [sim]=3 [ingest1]=11 [ingest2]=12 [edge1]=21 [edge2]=22 [clients]=100)
tag="tkr-$$-$RANDOM"
switch="$tag-switch"
work=$(mktemp -d "${TMPDIR:-/tmp}/tickerd-rehearsal.XXXXXX")
created=()
status=1

cleanup() {
  trap - EXIT INT TERM
  local ns pid
  for ns in "${created[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in "${created[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [[ $status -eq 0 && -z ${REHEARSAL_KEEP:-} ]]; then
    rm -rf "$work"
  else
    echo "rehearsal: logs and configs kept in $work" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$switch"
created+=("$switch")
ip -n "$switch" link add br0 type bridge
ip -n "$switch" link set br0 up
hosts_json="{"
for host in "${!ip_of[@]}"; do
  ns="$tag-$host"
  address="$subnet.${ip_of[$host]}"
  ip netns add "$ns"
  created+=("$ns")
  ip -n "$switch" link add "v-$host" type veth peer name eth0 netns "$ns"
  ip -n "$switch" link set "v-$host" master br0 up
  ip -n "$ns" addr add "$address/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  hosts_json+="\"$host\":{\"ns\":\"$ns\",\"ip\":\"$address\"},"
done
hosts_json="${hosts_json%,}}"
echo "rehearsal: ${#ip_of[@]} hosts on a bridge in $switch, $subnet.0/24; logs in $work"

set +e
REHEARSAL_HOSTS=$hosts_json REHEARSAL_WORK=$work TICKERD_BIN=$tickerd TICKERD_SIM_BIN=$sim \
  TICKERD_SOURCE_DIR=$source_dir ip netns exec "$tag-clients" node "$here/run.mjs"
status=$?
set -e
exit $status

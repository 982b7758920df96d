#!/usr/bin/env bash
# The container test (ctest container.compose): builds tickerd's image from the Release binaries
# (Dockerfile target prebuilt) on a base image made with debootstrap, reads deploy/compose.yaml
# with podman-compose --dry-run, runs its topology with plain `podman run` on the host's loopback
# (redis, tickerd-sim, one ingest, two edges, nginx), and checks: the image's HEALTHCHECK,
# /healthz and /readyz through the balancer, the non-root user, that every shared library
# resolves in the slim image, and that WebSocket clients through the balancer get ticker updates
# from the sim, spread over both edges. Cleans up its containers and the tickerd image; keeps
# the base, redis and nginx images as a cache. Needs root, podman, runc, debootstrap and
# podman-compose (scripts/install-deps.sh deploy): fails loudly without them.
# What differs from deploy/compose.yaml: --network=host with 127.0.0.1 and free ports instead of
# a compose network and service names (the same config files, hosts and ports rewritten by sed),
# as tests here talk to loopback only.
# Usage: compose_test.sh SOURCE_DIR BINARY_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
bin=$(cd "$2" && pwd)
say() { echo "container-test: $*"; }
die() { echo "container-test: FAIL: $*" >&2; exit 1; }
t0=$(date +%s)
secs() { echo $(( $(date +%s) - t0 )); }

[[ $(id -u) -eq 0 ]] || die "needs root (rootful podman, debootstrap)"
for tool in podman runc debootstrap python3 curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed: run scripts/install-deps.sh deploy"
done
rel=${bin#"$src"/}
[[ "$rel" == build/release ]] ||
  die "binaries in $bin: the image's context (.dockerignore) admits build/release only"
[[ -x "$bin/tickerd" && -x "$bin/tickerd-sim" ]] || die "no tickerd/tickerd-sim in $bin"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/tickerd-container.XXXXXX")
chmod 755 "$work"
tag=test-$$
names=()
cleanup() {
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    for n in "${names[@]}"; do
      echo "---- podman logs $n (last 20 lines)"; podman logs --tail 20 "$n" 2>&1 || true
    done
  fi
  [[ ${#names[@]} -eq 0 ]] || podman rm -f -t 0 "${names[@]}" >/dev/null 2>&1 || true
  podman rmi -f "localhost/tickerd:$tag" >/dev/null 2>&1 || true
  podman network rm -f "tickerdtest$$_default" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# This sandbox's settings (docs/OPERATIONS.md "Container"): root here lacks CAP_SYS_RESOURCE,
# so podman's default rlimits (nofile 1048576) cannot be set: ask for the host's own limit;
# crun refuses the hybrid cgroup v1/v2 layout, runc takes it.
nofile=$(ulimit -Hn)
[[ "$nofile" == unlimited ]] && nofile=1048576
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$work/containers.conf

"$src/deploy/container/base-image.sh" || die "deploy/container/base-image.sh failed"
say "base image ready at $(secs) s"
build() { podman build -q --format docker "$@" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "podman build $*"; }; }
build -t "localhost/tickerd:$tag" --target prebuilt -f "$src/Dockerfile" "$src"
build -t localhost/tickerd-redis:test --target redis -f "$src/deploy/compose/Dockerfile" "$src/deploy/compose"
build -t localhost/tickerd-nginx:test --target nginx -f "$src/deploy/compose/Dockerfile" "$src/deploy/compose"
say "images built at $(secs) s"

# The slim image resolves every library its binaries need, and runs as a non-root user.
for b in tickerd tickerd-sim; do
  libs=$(podman run --rm --network none --no-healthcheck --entrypoint ldd "localhost/tickerd:$tag" "/usr/local/bin/$b") || die "ldd $b in the image"
  ! grep -q "not found" <<<"$libs" || die "$b in the image lacks libraries: $(grep 'not found' <<<"$libs")"
done
user=$(podman run --rm --network none --no-healthcheck --entrypoint id "localhost/tickerd:$tag" -u)
[[ "$user" != 0 ]] || die "the image runs as root"

# deploy/compose.yaml itself, as podman-compose reads it (--dry-run: prints the podman commands
# and runs none): six services on one network, each node with deploy/compose/ as /etc/tickerd
# and a configuration that exists there, the balancer published on loopback only.
command -v podman-compose >/dev/null || die "podman-compose is not installed: run scripts/install-deps.sh deploy"
# It creates (only) the project's network even then: a project of this run's own, removed below.
project=tickerdtest$$
plan=$(cd "$src" && podman-compose --dry-run -p "$project" -f deploy/compose.yaml up -d 2>/dev/null) ||
  die "podman-compose cannot read deploy/compose.yaml"
for svc in redis sim ingest edge1 edge2 lb; do
  grep -q -- "^podman run --name=${project}_${svc}_1 .*--net ${project}_default" <<<"$plan" ||
    die "deploy/compose.yaml: no service $svc on the compose network: $plan"
done
for cfg in $(grep -o -- '--config /etc/tickerd/[a-z0-9_.-]*' <<<"$plan" | sort -u | sed 's|.*/||'); do
  [[ -f "$src/deploy/compose/$cfg" ]] || die "deploy/compose.yaml runs a node with $cfg, missing from deploy/compose/"
done
[[ $(grep -c -- "-v $src/deploy/compose:/etc/tickerd" <<<"$plan") -eq 4 ]] ||
  die "deploy/compose.yaml: the four tickerd containers should mount deploy/compose/ as /etc/tickerd"
grep -q -- "^podman run --name=${project}_lb_1 .*-p 127.0.0.1:8080:8080" <<<"$plan" ||
  die "deploy/compose.yaml: the balancer should publish 127.0.0.1:8080"

read -r -a ports < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
redis_port=${ports[0]} sim_port=${ports[1]} ingest_port=${ports[2]}
edge1_port=${ports[3]} edge2_port=${ports[4]} lb_port=${ports[5]}

# deploy/compose/'s files, with the compose network's names turned into loopback ports.
mkdir -m 755 "$work/etc"
for f in ingest.toml edge.toml; do
  sed -e "s/\"redis:6379\"/\"127.0.0.1:$redis_port\"/" -e "s|ws://sim:9001/|ws://127.0.0.1:$sim_port/|" \
    -e "s/\"0.0.0.0:8080\"/\"127.0.0.1:8080\"/" "$src/deploy/compose/$f" >"$work/etc/$f"
done
sed -e "s/listen 8080;/listen 127.0.0.1:$lb_port;/" -e "s/server edge1:8080/server 127.0.0.1:$edge1_port/" \
  -e "s/server edge2:8080/server 127.0.0.1:$edge2_port/" "$src/deploy/compose/nginx.conf" >"$work/nginx.conf"
chmod 644 "$work"/etc/*.toml "$work/nginx.conf"
grep -q "127.0.0.1:$edge2_port" "$work/nginx.conf" || die "nginx.conf: the edges were not rewritten"

run() {  # run NAME IMAGE [podman options --] ARGS...
  local name=tickerd-$1-$$; shift
  names+=("$name")
  # Podman schedules the image's periodic HEALTHCHECK with a systemd timer, and logs an error
  # where no systemd runs (as here); `podman healthcheck run` below runs the check itself.
  podman run -d --name "$name" --network host "$@" >/dev/null 2>"$work/run.err" ||
    { cat "$work/run.err" >&2; die "podman run $name"; }
}
run redis localhost/tickerd-redis:test --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
run sim --entrypoint /usr/local/bin/tickerd-sim -e "TICKERD_HEALTH_PORT=$sim_port" "localhost/tickerd:$tag" \
  --listen "127.0.0.1:$sim_port"
node() {  # node NAME PORT CONFIG
  run "$1" -v "$work/etc:/etc/tickerd:ro" -e "TICKERD_HEALTH_PORT=$2" "localhost/tickerd:$tag" \
    --config "/etc/tickerd/$3" --listen "127.0.0.1:$2"
}
node ingest "$ingest_port" ingest.toml
node edge1 "$edge1_port" edge.toml
node edge2 "$edge2_port" edge.toml
run lb -v "$work/nginx.conf:/etc/nginx/nginx.conf:ro" localhost/tickerd-nginx:test
say "6 containers started at $(secs) s"

wait_for() {  # wait_for SECONDS WHAT COMMAND...
  local limit=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    for n in "${names[@]}"; do
      [[ "$(podman inspect -f '{{.State.Running}}' "$n" 2>/dev/null)" == true ]] || die "$n is not running ($what)"
    done
    (( $(date +%s) < limit )) || die "$what: not within the deadline"
    sleep 0.2
  done
}
# The image's own HEALTHCHECK (kept by --format docker), run by podman in each node.
for n in sim ingest edge1 edge2; do
  wait_for 30 "HEALTHCHECK of $n" podman healthcheck run "tickerd-$n-$$"
done
wait_for 30 "GET /healthz through the balancer" curl -fsS "http://127.0.0.1:$lb_port/healthz"
# Ready once the ingest node's feeds are up and its heartbeats reach the edges over Redis.
for p in "$edge1_port" "$edge2_port"; do
  wait_for 60 "GET /readyz of the edge on $p" curl -fsS "http://127.0.0.1:$p/readyz"
done
say "healthy and ready at $(secs) s"

python3 "$src/tests/container/ws_through_balancer.py" "$lb_port" "$edge1_port,$edge2_port" 2 3
say "passed in $(secs) s"

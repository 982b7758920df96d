#!/usr/bin/env bash
# Installs the Debian 12 packages tickerd needs that are not installed yet.
# Idempotent and quiet when everything is present. Usage: install-deps.sh [build|test|bench|deploy]
set -euo pipefail
profile=${1:-build}

build_pkgs=(build-essential cmake ninja-build pkg-config tzdata
  libboost1.81-dev libsimdjson-dev libhiredis-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libssl-dev libcli11-dev libjwt-dev)
# The dashboard's browser test: Debian's Chromium driven by playwright-core (npm ci, Node >= 18),
# and a CJK font so its screenshots show the Chinese labels.
test_pkgs=(googletest libgtest-dev libgmock-dev redis-server openssl
  nodejs npm chromium fonts-wqy-microhei)
# curl: the SSE tests read a stream with `curl -N` (tests/integration/e2e_sse_test.cpp).
test_pkgs+=(curl)
# libFuzzer and its sanitizer runtimes (make fuzz-ci, make fuzz).
test_pkgs+=(clang libclang-rt-14-dev)
# iproute2: the multi-node rehearsal's network namespaces (deploy/rehearsal/rehearse.sh).
test_pkgs+=(iproute2)
# /metrics is scraped by a real Prometheus and checked by promtool (e2e_metrics_test).
test_pkgs+=(prometheus)
# deploy/k8s is rendered by `kubectl kustomize` (tests/deploy/k8s.test.mjs). Any kubectl will do
# (the manifests render with Debian's 1.20 too): Debian's only when none is installed, as another
# kubectl package would conflict with it over /usr/bin/kubectl.
command -v kubectl >/dev/null || test_pkgs+=(kubernetes-client)
bench_pkgs=(libbenchmark-dev nlohmann-json3-dev nodejs npm)
# The image and compose (Dockerfile, deploy/compose.yaml; docs/OPERATIONS.md "Container"):
# podman with runc (crun cannot run under the hybrid cgroup layout of some hosts, this one
# included), debootstrap for the local base image, podman-compose. The container test
# (tests/container/) needs them, and python3 for its WebSocket client.
deploy_pkgs=(podman buildah runc debootstrap containernetworking-plugins
  golang-github-containernetworking-plugin-dnsname podman-compose python3)
test_pkgs+=("${deploy_pkgs[@]}")

pkgs=("${build_pkgs[@]}")
case "$profile" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  deploy) pkgs+=("${deploy_pkgs[@]}") ;;
  *) echo "install-deps: unknown profile '$profile' (build|test|bench|deploy)" >&2; exit 2 ;;
esac

# Installed, or provided by an installed package: NodeSource's nodejs provides (and conflicts
# with) npm, so asking apt for npm there would fail.
is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] && return 0
  dpkg-query -W -f='${Status}\t${Provides}\n' 2>/dev/null | awk -F'\t' -v pkg="$1" '
    $1 == "install ok installed" {
      n = split($2, provided, /, */)
      for (i = 1; i <= n; i++) { sub(/ .*/, "", provided[i]); if (provided[i] == pkg) found = 1 }
    }
    END { exit !found }'
}

missing=()
for p in "${pkgs[@]}"; do
  is_installed "$p" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

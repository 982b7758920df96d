#!/usr/bin/env bash
# deploy/systemd/tickerd.service and tickerd@.service: `systemd-analyze verify` finds nothing
# wrong, and `systemd-analyze security --offline=true` scores each in the "OK" band or better.
# Usage: systemd_units_test.sh <source dir> <tickerd binary>
set -euo pipefail
src=$1
bin=$2
units="$src/deploy/systemd"
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not installed (systemd)"; exit 1; }
[[ -x "$bin" ]] || { echo "FAIL: $bin is not an executable tickerd"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# verify checks that ExecStart's program exists: the copies run the tickerd just built instead
# of /usr/local/bin/tickerd (the one substitution; everything else is the shipped text).
for unit in tickerd.service tickerd@.service; do
  grep -q '^ExecStart=/usr/local/bin/tickerd ' "$units/$unit" ||
    { echo "FAIL: $unit: ExecStart is not /usr/local/bin/tickerd"; exit 1; }
  sed "s|^ExecStart=/usr/local/bin/tickerd |ExecStart=$bin |" "$units/$unit" >"$work/$unit"
done
cp "$work/tickerd@.service" "$work/tickerd@edge.service"
for unit in tickerd.service tickerd@edge.service; do
  if ! out=$(systemd-analyze verify "$work/$unit" 2>&1) || [[ -n "$out" ]]; then
    echo "FAIL: systemd-analyze verify $unit:"
    echo "$out"
    exit 1
  fi
  echo "ok: systemd-analyze verify $unit"
done

# The bands systemd-analyze names: PERFECT, SAFE, OK, MEDIUM, EXPOSED, UNSAFE (worse).
for unit in tickerd.service tickerd@edge.service; do
  out=$(systemd-analyze security --offline=true "$work/$unit" 2>&1) ||
    { echo "FAIL: systemd-analyze security $unit:"; echo "$out"; exit 1; }
  line=$(grep 'Overall exposure level' <<<"$out") ||
    { echo "FAIL: no overall exposure level for $unit:"; echo "$out"; exit 1; }
  echo "$line"
  band=$(sed -E 's/.*: [0-9.]+ ([A-Z]+).*/\1/' <<<"$line")
  case "$band" in
    PERFECT | SAFE | OK) ;;
    *) echo "FAIL: $unit scores $band, not OK or better"; echo "$out"; exit 1 ;;
  esac
done

# What tickerd's own behaviour relies on.
for unit in tickerd.service tickerd@.service; do
  for setting in Type=notify WatchdogSec= ExecReload= LimitNOFILE= DynamicUser=yes \
    ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes CapabilityBoundingSet= \
    SystemCallFilter=@system-service RestartPreventExitStatus=2; do
    grep -q "^$setting" "$units/$unit" || { echo "FAIL: $unit lacks $setting"; exit 1; }
  done
done
grep -q '^ExecStart=.* --config /etc/tickerd/%i.toml$' "$units/tickerd@.service" ||
  { echo "FAIL: tickerd@.service does not read /etc/tickerd/%i.toml"; exit 1; }
echo "systemd units: ok"

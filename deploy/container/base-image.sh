#!/usr/bin/env bash
# Builds the base image of Dockerfile, localhost/debian:bookworm, from Debian's archive with
# debootstrap (no image registry needed), and imports it into podman's store. Skipped when
# the image exists (FORCE=1 rebuilds). Usage: base-image.sh [IMAGE]
# The mirror is the one apt uses on this host (its sources), else deb.debian.org.
set -euo pipefail
image=${1:-localhost/debian:bookworm}
if [[ "${FORCE:-0}" != 1 ]] && podman image exists "$image"; then
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "base-image: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "base-image: debootstrap is not installed (scripts/install-deps.sh deploy)" >&2; exit 1; }

mirror=$( { grep -hsE '^(URIs:|deb) ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
  /etc/apt/sources.list.d/*.sources || true; } | grep -oE 'https?://[^ ]*/debian/?( |$)' | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian*}/debian-security

root=$(mktemp -d "${TMPDIR:-/var/tmp}/tickerd-base.XXXXXX")
trap 'rm -rf "$root"' EXIT
start=$(date +%s)
echo "base-image: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Security updates as well, for the apt-get runs of the Dockerfile's stages.
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
# Slim, as Debian's -slim images: no documentation, manual pages or translations, now or from
# later installs; no caches or logs from debootstrap's own apt runs.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<SLIM
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/lib/apt/lists/* \
  "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
tar -C "$root" --numeric-owner -c . | podman import -q --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "base-image: $image built in $(( $(date +%s) - start )) s"

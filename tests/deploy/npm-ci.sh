#!/usr/bin/env bash
# ctest fixture of the deploy tests: installs kubernetes-models and yaml from package-lock.json
# into DEST/node_modules with `npm ci` (DEST is in the build tree, so the source tree stays
# clean). Skips the install when DEST already holds exactly this lock file's packages.
# Usage: npm-ci.sh SOURCE_DIR DEST_DIR
set -euo pipefail
src=$1
dest=$2

fail() { echo "deploy tests: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing: run scripts/install-deps.sh test"
command -v npm >/dev/null || fail "npm is missing: run scripts/install-deps.sh test"

mkdir -p "$dest"
stamp="$dest/node_modules/.tickerd-package-lock.json"
if cmp -s "$src/package-lock.json" "$stamp" && [[ -f "$dest/node_modules/kubernetes-models/package.json" ]]; then
  echo "deploy tests: node_modules up to date in $dest"
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
npm ci --no-audit --no-fund --ignore-scripts || fail "npm ci failed in $dest (is the npm registry reachable?)"
[[ -f node_modules/kubernetes-models/package.json ]] || fail "npm ci did not install kubernetes-models"
cp package-lock.json "$stamp"
echo "deploy tests: installed kubernetes-models $(node -p 'require("./node_modules/kubernetes-models/package.json").version') in $dest"

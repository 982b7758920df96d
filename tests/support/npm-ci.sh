#!/usr/bin/env bash
# ctest fixture of the node test suites (tests/browser, tests/deploy, tests/ccxt): installs the
# suite's packages from its package-lock.json into DEST/node_modules with `npm ci` (DEST is in
# the build tree, so the source tree stays clean). Skips the install when DEST already holds
# exactly this lock file's packages. Fails loudly without node, npm, the registry or a
# required file.
# Usage: npm-ci.sh LABEL SOURCE_DIR DEST_DIR PACKAGE [REQUIRED_FILE...]
#   LABEL    names the suite in messages ("browser tests")
#   PACKAGE  a package the lock file installs, checked after `npm ci` ("playwright-core")
#   REQUIRED_FILE  executables the suite needs besides node ("/usr/bin/chromium")
set -euo pipefail
label=$1
src=$2
dest=$(mkdir -p "$3" && cd "$3" && pwd)
package=$4
shift 4

fail() { echo "$label: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing: run scripts/install-deps.sh test"
command -v npm >/dev/null || fail "npm is missing: run scripts/install-deps.sh test"
for f in "$@"; do
  [[ -x $f ]] || fail "$f is missing: run scripts/install-deps.sh test"
done

stamp="$dest/node_modules/.tickerd-package-lock.json"
if cmp -s "$src/package-lock.json" "$stamp" && [[ -f "$dest/node_modules/$package/package.json" ]]; then
  echo "$label: node_modules up to date in $dest"
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
npm ci --no-audit --no-fund --ignore-scripts || fail "npm ci failed in $dest (is the npm registry reachable?)"
[[ -f node_modules/$package/package.json ]] || fail "npm ci did not install $package"
cp package-lock.json "$stamp"
echo "$label: installed $package $(node -p "require('./node_modules/$package/package.json').version") in $dest"

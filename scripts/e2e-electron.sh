#!/usr/bin/env bash
# `npm run test:electron`: the extension-host suite under @vscode/test-electron (desktop VS Code).
# That runner downloads VS Code; where it cannot (no route to Microsoft's servers, as on this project's
# machines and CI) the run stops at once with one line and exit status 1 — never a pass. The same suite
# runs offline in code-server: `npm run test:e2e`. With VSCODE_EXECUTABLE_PATH set, nothing is downloaded.
# On Linux without a display: xvfb-run -a npm run test:electron
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
tools_dir="test/e2e/tools-electron"

if ! [ -d "$tools_dir/node_modules/@vscode/test-electron" ]; then
  (cd "$tools_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >/dev/null \
    || { echo "test:electron: npm ci in $tools_dir failed" >&2; exit 1; }
fi
node node_modules/typescript/bin/tsc -p test/e2e/tsconfig.electron.json \
  || { echo "test:electron: the extension-host suite does not compile" >&2; exit 1; }
exec node out/test/e2e/driver/electron.js "$@"

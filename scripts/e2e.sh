#!/usr/bin/env bash
# `npm run test:e2e`: end-to-end tests of the extension in a real VS Code (code-server 4.100.3 =
# VS Code 1.100.3) driven by Debian's Chromium. Installs what it needs, idempotently and with pinned
# versions, builds, compiles the suites, then hands over to the driver (out/test/e2e/driver/main.js),
# which owns start-up, teardown and the closing "e2e: N passed, N failed" line.
#
#   npm run test:e2e                     # the real extension: extension-host suite, then UI suite
#   npm run test:e2e -- --only exthost   # one phase (or: --only ui, --only installed: the UI suite
#                                        # against the linux-x64 VSIX installed with --install-extension)
#   npm run test:e2e -- --self-test      # the infrastructure alone, on test/e2e/fixtures/minimal-extension
#   TFBS_E2E_GREP=hover npm run test:e2e # only tests whose title matches
#   TFBS_E2E_SKIP_BUILD=1                # reuse dist/ and out/ as they are
#
# Needs root (or sudo-less apt) only when a Debian package is missing. Network: the npm registry and
# Debian mirrors, and only when something is not installed yet.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
tools_dir="test/e2e/tools"

say() { printf '[e2e] %s\n' "$*"; }
die() { printf '[e2e] FAILED: %s\n' "$*" >&2; printf 'e2e: 0 passed, 1 failed\n'; exit 1; }

missing_debian_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$pkg"
  done
}

apt_updated=""
ensure_debian_packages() {
  local missing
  missing="$(missing_debian_packages "$@")"
  [ -z "$missing" ] && return 0
  command -v apt-get >/dev/null || die "missing Debian packages ($missing) and no apt-get to install them"
  say "installing Debian packages: $missing(waits for the dpkg lock if another install is running)"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # DPkg::Lock::Timeout: wait for a concurrent apt/dpkg instead of failing on its lock.
  if [ -z "$apt_updated" ]; then
    $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing \
    || die "apt-get install $missing failed"
}

# The tools folder is installed when its node_modules does not match package-lock.json + this Node.
tools_stamp="$tools_dir/node_modules/.tfbs-e2e-installed"
tools_fingerprint() {
  { cat "$tools_dir/package-lock.json"; node --version; } | sha256sum | cut -d' ' -f1
}

tools_installed() {
  [ -f "$tools_stamp" ] && [ "$(cat "$tools_stamp")" = "$(tools_fingerprint)" ] \
    && [ -f "$tools_dir/node_modules/code-server/out/node/entry.js" ] \
    && [ -d "$tools_dir/node_modules/playwright-core" ]
}

install_tools() {
  # Native modules of code-server (node-pty, kerberos, argon2, spdlog...) compile against Debian's
  # Node headers; @vscode/ripgrep's postinstall takes rg from a cache tarball instead of GitHub.
  ensure_debian_packages build-essential python3 libkrb5-dev ripgrep
  [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] \
    || die "code-server 4.100.3 needs Node 20 (this is $(node --version))"
  # Build against the running Node's own headers (<prefix>/include/node), never downloaded ones.
  local node_prefix
  node_prefix="$(dirname "$(dirname "$(node -p process.execPath)")")"
  [ -f "$node_prefix/include/node/node.h" ] || die "Node headers not found in $node_prefix/include/node (needed to build code-server's native modules)"
  local scratch
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' RETURN
  local rg_version
  rg_version="$(node -p "require('./$tools_dir/package-lock.json').packages['node_modules/@vscode/ripgrep']?.version ?? '1.15.11'")"
  mkdir -p "$scratch/tmp/vscode-ripgrep-cache-$rg_version" "$scratch/rg"
  cp "$(command -v rg)" "$scratch/rg/rg"
  tar -C "$scratch/rg" -czf "$scratch/tmp/vscode-ripgrep-cache-$rg_version/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  say "installing e2e tools (code-server 4.100.3, playwright-core) into $tools_dir (one-off, ~1 min)"
  local started=$SECONDS
  (
    cd "$tools_dir"
    # HOME stays (npm's cache lives there); what install scripts write elsewhere goes to the scratch dir.
    TMPDIR="$scratch/tmp" XDG_CACHE_HOME="$scratch/cache" XDG_CONFIG_HOME="$scratch/config" \
    npm_config_nodedir="$node_prefix" npm_config_unsafe_perm=true npm_config_yes=true \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
      npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$scratch/npm.log" 2>&1
  ) || { tail -40 "$scratch/npm.log" >&2; die "npm ci in $tools_dir failed (log above)"; }
  [ -f "$tools_dir/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] \
    || die "code-server installed without its native modules (node-pty did not build)"
  tools_fingerprint >"$tools_stamp"
  say "e2e tools installed in $((SECONDS - started)) s"
}

ensure_debian_packages chromium
tools_installed || install_tools

# The bundle (dist/) and the compiled CLI (out/src/cli) the suites use; rebuilt only when a source is
# newer than them (CI's setup step has usually just built them).
build_is_stale() {
  [ -f dist/extension.js ] && [ -f out/src/cli/run.js ] || return 0
  [ -n "$(find src media package.json webpack.config.js -newer dist/extension.js -print -quit 2>/dev/null)" ] && return 0
  [ -n "$(find src -name '*.ts' -newer out/src/cli/run.js -print -quit 2>/dev/null)" ]
}
if [ -z "${TFBS_E2E_SKIP_BUILD:-}" ] && build_is_stale; then
  say "building the extension (npm run build)"
  npm run --silent build || die "npm run build failed"
fi
# The installed-extension phase installs the linux-x64 VSIX; (re)built when any file of dist/ is newer
# than it (webpack leaves a bundle whose content did not change untouched: a change to the webview
# alone leaves dist/extension.js older than the VSIX).
version="$(node -p "require('./package.json').version")"
vsix="build/tfbs-lens-linux-x64-$version.vsix"
if [[ " $* " != *" --self-test "* ]] && { [ ! -f "$vsix" ] || [ -n "$(find dist -type f -newer "$vsix" -print -quit)" ]; }; then
  say "packaging $vsix (npm run package -- --target linux-x64)"
  node scripts/package.js --skip-build --target linux-x64 >/dev/null || die "npm run package failed"
fi
say "compiling the e2e suites"
node node_modules/typescript/bin/tsc -p test/e2e || die "the e2e suites do not compile"

exec node out/test/e2e/driver/main.js "$@"

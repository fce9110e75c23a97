#!/usr/bin/env bash
# Installs the build tools at the versions this repository pins, from crates.io and npm
# only (worker-build's own downloads come from GitHub, which these machines cannot reach).
# Idempotent: a second run only checks versions. Prints the environment for the Makefile.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
# The CLI must equal the wasm-bindgen crate in Cargo.lock (pinned with = in Cargo.toml).
WASM_BINDGEN_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
TOOLS_ROOT=${HADRON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hadron-keys/tools}

log() { echo "ensure-tools: $*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >&2
fi

# Each tool lives in its own versioned folder, so a pin change installs beside the old
# one and nothing global is overwritten.
install_crate() { # crate version binary [cargo install flags...]
  local crate=$1 version=$2 binary=$3; shift 3
  local root="$TOOLS_ROOT/$crate-$version"
  if [ ! -x "$root/bin/$binary" ]; then
    log "installing $crate $version into $root (a few minutes, once)"
    cargo install "$crate" --version "$version" --root "$root" "$@" >&2
  fi
  echo "$root/bin/$binary"
}

WORKER_BUILD_BIN=$(install_crate worker-build "$WORKER_BUILD_VERSION" worker-build --locked)
# Not --locked: the CLI's own lock file names a crate version the registry no longer has.
WASM_BINDGEN_BIN=$(install_crate wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen)

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund >&2
fi
# npm ci patches wrangler's dev proxy ("postinstall"); a node_modules installed before the
# patch existed gets it here (it does nothing when already applied).
node scripts/patch-wrangler.mjs >&2

cat <<VARS
WORKER_BUILD_BIN=$WORKER_BUILD_BIN
WASM_BINDGEN_BIN=$WASM_BINDGEN_BIN
VARS

#!/usr/bin/env bash
# Installs everything the project needs and builds every backend: Debian's Rust
# toolchain with the wasm32 standard library (when no toolchain here has that target),
# Chromium, Ipopt for the benchmark's anchors (optional), the npm packages, then the
# TypeScript, the native addon and the WASM module.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; return 1
  fi
}

apt_install() {
  say "installing Debian packages: $*"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# 1. A toolchain for wasm32: rustup's target if present, else Debian's rustc + std.
wasm_target=wasm32-unknown-unknown
if ! { command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$wasm_target"; } &&
   ! { [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d "/usr/lib/rustlib/$wasm_target/lib" ] && command -v lld >/dev/null 2>&1; }; then
  apt_install rustc cargo libstd-rust-dev-wasm32 lld || {
    say "could not install Debian's Rust toolchain; install rustc, cargo, libstd-rust-dev-wasm32 and lld, or add the $wasm_target target to rustup"
    exit 1
  }
fi

# 2. Chromium for the browser tests (Debian's; playwright-core drives it, no download).
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  apt_install chromium fonts-liberation || {
    say "could not install chromium; the browser tests need it (or set CHROMIUM_PATH)"
    exit 1
  }
fi

# 3. Ipopt for the benchmark's anchors (bench/anchors/), optional: a failed install only
#    warns, and npm run bench then skips Ipopt with a message. Never needed by the tests.
if ! [ -f /usr/include/coin/IpTNLP.hpp ] && ! [ -f /usr/include/coin-or/IpTNLP.hpp ]; then
  if command -v apt-get >/dev/null 2>&1; then
    apt_install --no-install-recommends coinor-libipopt-dev ||
      say "could not install coinor-libipopt-dev (optional): npm run bench will skip its Ipopt anchors"
  else
    say "no apt-get: install Ipopt's headers and library (coinor-libipopt-dev) for npm run bench's anchors (optional)"
  fi
fi

# 4. A host toolchain for the native addon (rustup's, or Debian's as a last resort).
if ! command -v cargo >/dev/null 2>&1; then
  say "no cargo found: install rustup (https://rustup.rs) or Debian's cargo"
  exit 1
fi

# 5. npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# 6. Every backend.
npm run build

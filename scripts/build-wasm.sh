#!/usr/bin/env bash
# Builds the WASM core into bindings/wasm/jcpba.wasm.
#
# rustup's toolchain is used when it has the wasm32-unknown-unknown target. Otherwise
# Debian's rustc (1.63) and cargo (1.65) are, which ship a wasm32 standard library;
# cargo 1.95 cannot drive rustc 1.63, so the pair is used together.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target=wasm32-unknown-unknown
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "build-wasm: using rustup's $(rustc --version)"
  cargo build --release --target "$target" -p jcpba-wasm
elif [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d "/usr/lib/rustlib/$target/lib" ]; then
  echo "build-wasm: using Debian's $(/usr/bin/rustc --version)"
  RUSTC=/usr/bin/rustc /usr/bin/cargo build --release --target "$target" -p jcpba-wasm
else
  cat >&2 <<MSG
build-wasm: no Rust toolchain with the $target standard library was found.
rustup here cannot download targets; install Debian's toolchain instead:
  apt-get update && apt-get install -y rustc cargo libstd-rust-dev-wasm32 lld
MSG
  exit 1
fi

mkdir -p bindings/wasm
cp "${CARGO_TARGET_DIR:-target}/$target/release/jcpba_wasm.wasm" bindings/wasm/jcpba.wasm
echo "build-wasm: wrote bindings/wasm/jcpba.wasm ($(wc -c < bindings/wasm/jcpba.wasm) bytes)"

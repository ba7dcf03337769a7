#!/usr/bin/env bash
# Builds the WASM core twice, each through binaryen's wasm-opt -O3 (npm devDependency):
#   bindings/wasm/jcpba.wasm         with simd128 (the core's vector kernels, two f64 lanes)
#   bindings/wasm/jcpba-nosimd.wasm  without, for engines that lack WebAssembly SIMD
# bindings/wasm.ts loads the first where the engine validates SIMD, else the second.
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
  cargo_build() { cargo build --release --target "$target" -p jcpba-wasm "$@"; }
elif [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d "/usr/lib/rustlib/$target/lib" ]; then
  echo "build-wasm: using Debian's $(/usr/bin/rustc --version)"
  cargo_build() { RUSTC=/usr/bin/rustc /usr/bin/cargo build --release --target "$target" -p jcpba-wasm "$@"; }
else
  cat >&2 <<MSG
build-wasm: no Rust toolchain with the $target standard library was found.
rustup here cannot download targets; install Debian's toolchain instead:
  apt-get update && apt-get install -y rustc cargo libstd-rust-dev-wasm32 lld
MSG
  exit 1
fi

wasm_opt="$root/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ]; then
  # A node_modules installed before binaryen became a devDependency: the modules still
  # work, unoptimized (a little slower); npm install (or npm ci) brings wasm-opt.
  echo "build-wasm: warning: binaryen's wasm-opt not found (npm install adds it): writing the modules without wasm-opt -O3" >&2
  wasm_opt=""
fi

base="${CARGO_TARGET_DIR:-target}"
mkdir -p bindings/wasm
# Each variant in its own target directory, so switching RUSTFLAGS rebuilds nothing.
# RUSTFLAGS reach only the wasm32 artifacts (not build.rs, which runs on the host).
build() {
  local name="$1" flags="$2" dir="$base/wasm-$1"
  RUSTFLAGS="$flags" CARGO_TARGET_DIR="$dir" cargo_build
  # wasm-opt reads the features the module uses from its target_features section.
  if [ -n "$wasm_opt" ]; then
    "$wasm_opt" -O3 "$dir/$target/release/jcpba_wasm.wasm" -o "$3"
    echo "build-wasm: wrote $3 ($(wc -c < "$3") bytes, $name, wasm-opt -O3)"
  else
    cp "$dir/$target/release/jcpba_wasm.wasm" "$3"
    echo "build-wasm: wrote $3 ($(wc -c < "$3") bytes, $name, not optimized)"
  fi
}
build simd128 "-C target-feature=+simd128" bindings/wasm/jcpba.wasm
build nosimd "" bindings/wasm/jcpba-nosimd.wasm

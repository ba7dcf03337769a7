#!/usr/bin/env bash
# Builds the N-API addon into bindings/native/jcpba.<platform>.node with @napi-rs/cli
# (a devDependency; run `npm install` first), where a clone loads it from, and copies it
# into its platform package npm/<platform>/ (scripts/platform-packages.mjs; packed by
# npm run pack). The napi config (binary name, targets)
# lives in crates/jcpba-napi/napi.json, so package.json needs no `napi` field.
# Extra arguments go to `napi build` (e.g. --target x86_64-unknown-linux-gnu).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The addon is built by rustup's toolchain when there is one; Debian's cargo 1.65 sits
# in /usr/bin and must not shadow it.
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

if [ -x node_modules/.bin/napi ]; then
  napi=node_modules/.bin/napi
elif command -v napi >/dev/null 2>&1; then
  napi=napi
else
  echo "build-native: @napi-rs/cli not found; run npm install (it is a devDependency)" >&2
  exit 1
fi

"$napi" build --platform --release \
  --manifest-path crates/jcpba-napi/Cargo.toml \
  --config-path crates/jcpba-napi/napi.json \
  --package-json-path package.json \
  --output-dir bindings/native \
  --no-js \
  "$@"
for addon in bindings/native/jcpba.*.node; do
  platform="${addon#bindings/native/jcpba.}"
  platform="${platform%.node}"
  if [ -d "npm/$platform" ]; then
    cp "$addon" "npm/$platform/"
  else
    echo "build-native: no platform package npm/$platform for $addon (see scripts/platform-packages.mjs)" >&2
  fi
done
ls -l bindings/native/*.node npm/*/*.node

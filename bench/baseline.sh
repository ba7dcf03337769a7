#!/usr/bin/env bash
# Builds the native addon of an earlier commit into bench/baseline/, so that `npm run bench`
# measures today's sweep throughput against it in the same run (issue 12's target: at
# least 2x the throughput before the vector kernels, on the same machine, same load).
#
#   bash bench/baseline.sh [commit]     (default: BASELINE below)
#
# The commit is checked out into a temporary git worktree and built there with rustup's
# cargo (no npm step: only the cdylib is needed); the worktree is removed afterwards.
set -euo pipefail

# main just before issue 12's kernels landed: round model v2 and its numerics, scalar core.
BASELINE=409e9a1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"
commit="$(git rev-parse --short "${1:-$BASELINE}")"
out="bench/baseline/jcpba-$commit.node"
if [ -f "$out" ]; then
  echo "baseline: $out exists"
  exit 0
fi
tree="$(mktemp -d)/jcpba-$commit"
git worktree add --detach "$tree" "$commit" >/dev/null
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
(cd "$tree" && cargo build --release -p jcpba-napi)
mkdir -p bench/baseline
cp "$tree/target/release/libjcpba_napi.so" "$out"
echo "baseline: wrote $out (commit $commit)"

#!/usr/bin/env bash
# Installs everything the project needs and builds it: npm packages, then the
# TypeScript. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build

#!/usr/bin/env bash
# Runs the demo gateway scenario on a fresh machine (no external service needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
exec pnpm demo "$@"

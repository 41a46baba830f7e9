#!/usr/bin/env bash
# Runs the demo gateway scenario on a fresh machine (no external service needed).
set -euo pipefail
cd "$(dirname "$0")/.."
# turbo prints a telemetry notice on a machine it has not seen; the project opts out for its scripts.
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-tools.sh
exec pnpm demo "$@"

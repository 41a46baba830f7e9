#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what is missing, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# turbo prints a telemetry notice on a machine it has not seen; the project opts out for its scripts.
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-tools.sh --with-debian
exec pnpm test

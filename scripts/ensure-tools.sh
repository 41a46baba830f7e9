#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: pnpm (pinned, on PATH for turbo),
# Debian's prometheus (promtool and a real Prometheus for the tests), and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "installing pnpm $PNPM_VERSION" >&2
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2
fi

if [ "${1:-}" = "--with-debian" ]; then
  missing=""
  for pkg in $(grep -v '^#' .ci/apt-packages.txt); do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "installing Debian packages:$missing" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
  fi
fi

pnpm install --frozen-lockfile --prefer-offline >&2

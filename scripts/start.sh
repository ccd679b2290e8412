#!/usr/bin/env bash
# Installs what is missing, builds finchain, and starts a mining regtest node in the
# foreground (Ctrl-C stops it). Extra arguments go to finchd.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# Only what this script starts: tests and benchmarks are built by scripts/test.sh.
echo "building finchd and finch-cli (Release) ..."
cmake --build build -j "$(nproc)" --target finchd finch-cli

datadir="${FINCH_DATADIR:-$HOME/.finchain}"
mkdir -p "$datadir"
if [ ! -f "$datadir/regtest-miner.json" ]; then
  build/bin/finch-cli --network regtest keygen > "$datadir/regtest-miner.json"
  chmod 600 "$datadir/regtest-miner.json"
fi
address=$(sed -n 's/.*"address": "\(.*\)".*/\1/p' "$datadir/regtest-miner.json")
echo "miner address: $address (key in $datadir/regtest-miner.json)"

if [ ! -x build/bin/finchd ]; then
  echo "build/bin/finchd is not built yet; finch-cli is ready at build/bin/finch-cli" >&2
  exit 1
fi
echo "block explorer: http://127.0.0.1:19443/explorer/ (unless --rpcport says otherwise)"
exec build/bin/finchd --network regtest --datadir "$datadir" --mine --miner-address "$address" \
  --miner-threads 1 --explorer --printtoconsole "$@"

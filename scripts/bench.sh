#!/usr/bin/env bash
# Builds Release and runs every benchmark, printing one table: each figure, this machine's
# limit for it measured in the same run (SHA-256 compression rate, libsecp256k1 verify rate,
# a fixed-reply HTTP server), the share of it reached, and litecoind's figure and the ratio
# when litecoind is installed (apt-get install litecoind). Needs wrk (apt-get install wrk).
#
#   scripts/bench.sh [--quick] [--only micro,ledger,mempool,rpc,memory,e2e,sync]
#   scripts/bench.sh --baseline REV [...]   also builds REV in a git worktree and prints its
#                                           table first, measured in the same run
#
# Figures vary with the machine and with what else it runs: quote them beside their limits.
# docs/benchmarks.md keeps the latest table.
set -euo pipefail
cd "$(dirname "$0")/.."

baseline=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

# The programs measured and the load tools; a baseline commit may lack some (its figures
# are then n/a). Tests are not built.
targets="finchd finch-cli make_chain bench_consensus bench_ledger bench_mempool bench_rpc_sendraw bench_fixed_reply"
build() {  # build DIR SOURCE
  cmake -S "$2" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  local have=()
  for t in $targets; do
    if ninja -C "$1" -t targets all 2>/dev/null | grep -q "^$t:"; then have+=("$t"); fi
  done
  cmake --build "$1" -j "$(nproc)" --target "${have[@]}"
}

build build .
if [ -n "$baseline" ]; then
  rev=$(git rev-parse --verify "$baseline^{commit}")
  tree="build-baseline/src"
  if [ -d "$tree" ]; then git worktree remove --force "$tree" || rm -rf "$tree"; fi
  git worktree prune
  mkdir -p build-baseline
  git worktree add --detach "$tree" "$rev" >/dev/null
  build build-baseline/build "$tree"
  echo "== baseline $(git log -1 --format='%h %s' "$rev" | cut -c1-80)"
  python3 bench/bench_all.py --build-dir build-baseline/build --tools-dir build "${args[@]}"
  echo
  echo "== this checkout $(git log -1 --format='%h' HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
fi
python3 bench/bench_all.py --build-dir build --tools-dir build "${args[@]}"

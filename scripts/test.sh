#!/usr/bin/env bash
# Builds finchain and runs every test: the Release build, then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer in a separate build directory, then each
# libFuzzer target for a short, fixed time (clang, its own build directory).
# Set FINCH_SKIP_SANITIZERS=1 or FINCH_SKIP_FUZZ=1 to leave those passes out;
# FINCH_FUZZ_SECONDS sets the time per fuzz target (default 6; there are 13).
# scripts/fuzz.sh runs one target for longer (tests/fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --browser
# playwright-core for the explorer's browser test (the only npm package; it drives Debian's
# Chromium and downloads no browser). package-lock.json pins it.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600

if [ "${FINCH_SKIP_SANITIZERS:-0}" != "1" ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFINCH_SANITIZE=ON -DFINCH_BUILD_BENCH=OFF >/dev/null
  cmake --build build-sanitize -j "$jobs"
  # To keep the whole run well under 30 minutes on 2 cores, this pass leaves out what is about
  # behaviour rather than memory: the browser test (it drives Chromium more than finchd;
  # explorer_api.py covers the explorer's server here) and the packet-loss/partition test in
  # namespaces, the 10-node netlab (behaviour too; its make_chain is a Release-only bench
  # program), and the 1,000-node DHT simulation (37 s under ASan; the DHT's code is
  # fuzzed and unit-tested here). The crash loop's 50 kills run in the Release pass; 5 here
  # keep the sanitizers on its restart path.
  FINCH_CRASH_KILLS=5 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" --timeout 900 \
      -E '^(functional_(explorer_browser|net_faults|netlab)|DhtSimulation\.ThousandNodeLookupsFindTheExactSixteenClosest)$' 
fi

if [ "${FINCH_SKIP_FUZZ:-0}" != "1" ]; then
  CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFINCH_FUZZ=ON >/dev/null
  cmake --build build-fuzz -j "$jobs"
  seconds="${FINCH_FUZZ_SECONDS:-6}"
  for target in build-fuzz/bin/fuzz_*; do
    corpus=$(mktemp -d)
    # Seeds committed under tests/fuzz/corpus/<target>/ start the run where they exist.
    seeds="tests/fuzz/corpus/$(basename "$target")"
    if [ -d "$seeds" ]; then cp "$seeds"/* "$corpus"/; fi
    # So does tests/fuzz/<target>.dict, the target's dictionary, where there is one.
    dict=()
    if [ -f "tests/fuzz/$(basename "$target").dict" ]; then dict=(-dict="tests/fuzz/$(basename "$target").dict"); fi
    log=$(mktemp)
    if ! "$target" -max_total_time="$seconds" "${dict[@]}" "$corpus" >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      echo "fuzz target $target found a failure" >&2
      exit 1
    fi
    echo "fuzz: $(basename "$target"): $(grep -E '^Done' "$log")"
    rm -rf "$corpus" "$log"
  done
fi

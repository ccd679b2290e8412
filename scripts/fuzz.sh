#!/usr/bin/env bash
# Runs one libFuzzer target for a while: scripts/fuzz.sh TARGET SECONDS [JOBS]
# Builds the target in build-fuzz (clang; configured if needed), then fuzzes it for SECONDS
# over a working corpus kept in build-fuzz/corpus/TARGET (new inputs go there and stay for
# the next run), reading the committed seeds in tests/fuzz/corpus/TARGET and using
# tests/fuzz/TARGET.dict when it exists. JOBS > 1 runs that many processes (libFuzzer's
# -fork mode). Ends with one line: target, seconds, executions, exec/s, coverage edges
# ("cov:" in libFuzzer's stats) and corpus size. A crash, hang (an input taking over
# FINCH_FUZZ_TIMEOUT seconds, default 10) or leak keeps its input in
# build-fuzz/artifacts/TARGET/ and exits 1. FINCH_FUZZ_BUILD_JOBS sets the build's -j (1).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [JOBS]   (TARGET e.g. fuzz_http; see tests/fuzz/README.md)" >&2
  exit 2
fi
target="$1"
seconds="$2"
jobs="${3:-1}"
case "$target" in fuzz_*) ;; *) target="fuzz_$target" ;; esac
if [ ! -f "tests/fuzz/$target.cpp" ]; then
  echo "no such fuzz target: tests/fuzz/$target.cpp" >&2
  exit 2
fi

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFINCH_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "${FINCH_FUZZ_BUILD_JOBS:-1}" --target "$target" >/dev/null

corpus="$build/corpus/$target"
artifacts="$build/artifacts/$target"
log="$build/logs/$target.log"
mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
args=(-max_total_time="$seconds" -timeout="${FINCH_FUZZ_TIMEOUT:-10}" -artifact_prefix="$artifacts/")
if [ -f "tests/fuzz/$target.dict" ]; then args+=(-dict="tests/fuzz/$target.dict"); fi
if [ "$jobs" -gt 1 ]; then args+=(-fork="$jobs"); fi
# The first folder receives new inputs; the committed seeds are only read.
dirs=("$corpus")
if [ -d "tests/fuzz/corpus/$target" ]; then dirs+=("tests/fuzz/corpus/$target"); fi

status=0
"$build/bin/$target" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log" >&2
  echo "$target: failure (exit $status); input kept in $artifacts/ (log: $log)" >&2
  ls -1 "$artifacts" >&2
  exit 1
fi

# Plain mode ends with "#N DONE cov: C ft: F corp: K/SIZE ... exec/s: E ..." and "Done N runs in
# S second(s)"; fork mode prints "#N: cov: C ft: F corp: K exec/s: E ... time: Ss ..." lines.
last=$(grep -E '^#[0-9]+:?[[:space:]]' "$log" | tail -n 1 || true)
field() { sed -nE "s|.*[ \t]$1:? ([0-9]+).*|\1|p" <<<"$last"; }
runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
cov=$(field cov)
corp=$(field corp)
rate=$(field exec/s)
elapsed=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -n 1)
if [ -z "$elapsed" ]; then elapsed=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$last"); fi
if [ -n "$elapsed" ] && [ "$elapsed" -gt 0 ]; then rate=$((runs / elapsed)); fi
echo "$target: ${elapsed:-$seconds} s, ${runs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?} edges, corpus ${corp:-?} inputs ($(ls -1 "$corpus" | wc -l) in $corpus)"

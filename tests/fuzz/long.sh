#!/usr/bin/env bash
# The long run of the stateful API-sequence fuzzer (tests/fuzz/fuzz_api.c):
#   bash tests/fuzz/long.sh [runs] [jobs]     (default 10000000 runs, 2 jobs)
# builds fuzz_api (clang, libFuzzer + ASan + UBSan) in PG_FUZZ_BUILD_DIR
# (build-fuzz), runs `runs` inputs in each of `jobs` processes (nice 5) from
# the committed seeds, and fails when a crash left a reproducer in
# $PG_FUZZ_BUILD_DIR/artifacts-api/. Replay one with
#   $PG_FUZZ_BUILD_DIR/tests/fuzz_api <file>
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10000000}
jobs=${2:-2}
out=${PG_FUZZ_BUILD_DIR:-build-fuzz}
mkdir -p "$out"
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPG_FUZZ=ON \
  -DPG_BUILD_BENCH=OFF -DPG_BUILD_EXAMPLES=OFF > "$out/configure.log" 2>&1 \
  || { cat "$out/configure.log"; exit 1; }
cmake --build "$out" --target fuzz_api -j "$jobs"
mkdir -p "$out/fuzz-corpus-api" "$out/artifacts-api"
pids=()
for j in $(seq 1 "$jobs"); do
  nice -n 5 "$out/tests/fuzz_api" -runs="$runs" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -seed="$j" -artifact_prefix="$out/artifacts-api/" \
    "$out/fuzz-corpus-api" tests/fuzz/corpus_api > "$out/fuzz-api-$j.log" 2>&1 &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
grep -h "stat::number_of_executed_units" "$out"/fuzz-api-*.log || true
if [ "$rc" -ne 0 ] || compgen -G "$out/artifacts-api/*" > /dev/null; then
  echo "fuzz_api: a crash, see $out/fuzz-api-*.log and $out/artifacts-api" >&2
  exit 1
fi
echo "fuzz_api: $jobs x $runs inputs, no crash"

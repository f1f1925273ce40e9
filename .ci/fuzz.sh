#!/usr/bin/env bash
# Bounded libFuzzer runs of the checkpoint loaders (tests/fuzz/fuzz_load.c),
# then of the stateful API-sequence fuzzer (tests/fuzz/fuzz_api.c).
#   PG_FUZZ_SECONDS (default 30): time budget per target; PG_FUZZ_BUILD_DIR
#   (build-fuzz); PG_FUZZ_TARGETS (default: fuzz_load fuzz_net fuzz_policy
#   fuzz_agent). Long runs (>= 10 M executions each): tests/fuzz/run_long.sh
#   (loaders) and tests/fuzz/long.sh (fuzz_api).
# The committed seeds in tests/fuzz/corpus are read, new inputs go to a
# scratch corpus in the build folder, and a crash leaves its reproducer in
# $PG_FUZZ_BUILD_DIR/artifacts/ and fails the script. Replay one with
#   $PG_FUZZ_BUILD_DIR/tests/fuzz_load <file>
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${PG_FUZZ_SECONDS:-30}
out=${PG_FUZZ_BUILD_DIR:-build-fuzz}
mkdir -p "$out"
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPG_FUZZ=ON \
  -DPG_BUILD_BENCH=OFF -DPG_BUILD_EXAMPLES=OFF > "$out/configure.log" 2>&1 \
  || { cat "$out/configure.log"; exit 1; }
targets=${PG_FUZZ_TARGETS:-fuzz_load fuzz_net fuzz_policy fuzz_agent}
# shellcheck disable=SC2086
cmake --build "$out" --target $targets fuzz_api -j "$(nproc)"
mkdir -p "$out/artifacts"
# fuzz_load: every loader on one input; fuzz_net/_policy/_agent: one loader
# each, with the mutator that keeps the section framing (tests/fuzz/
# fuzz_oracle.h). All run under the allocation-size oracle.
for t in $targets; do
  mkdir -p "$out/fuzz-corpus/$t"
  "$out/tests/$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
    "$out/fuzz-corpus/$t" tests/fuzz/corpus
done
mkdir -p "$out/fuzz-corpus-api"
"$out/tests/fuzz_api" -max_total_time="$secs" -max_len=2048 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/api-" \
  "$out/fuzz-corpus-api" tests/fuzz/corpus_api
if compgen -G "$out/artifacts/*" > /dev/null; then
  echo "fuzz: reproducers in $out/artifacts" >&2
  exit 1
fi
echo "fuzz: no crash in ${secs} s per target ($targets)"

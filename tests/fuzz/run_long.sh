#!/usr/bin/env bash
# Long fuzz runs of the checkpoint loaders: PG_FUZZ_RUNS executions
# (default 10 M) of each of fuzz_net, fuzz_policy and fuzz_agent (and
# fuzz_load), on PG_FUZZ_JOBS processes each (default 1), under the
# allocation-size oracle. Prints each target's execution count; a crash or
# an oracle abort leaves its reproducer in $PG_FUZZ_BUILD_DIR/artifacts/
# and fails the script. Replay one with $PG_FUZZ_BUILD_DIR/tests/<target> <file>.
#   PG_FUZZ_RUNS=10000000 PG_FUZZ_JOBS=2 tests/fuzz/run_long.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${PG_FUZZ_RUNS:-10000000}
jobs=${PG_FUZZ_JOBS:-1}
out=${PG_FUZZ_BUILD_DIR:-build-fuzz}
targets=${PG_FUZZ_TARGETS:-fuzz_net fuzz_policy fuzz_agent fuzz_load}
PG_FUZZ_SECONDS=1 PG_FUZZ_BUILD_DIR="$out" PG_FUZZ_TARGETS="$targets" .ci/fuzz.sh > /dev/null
for t in $targets; do
  per=$(( (runs + jobs - 1) / jobs ))
  for j in $(seq 1 "$jobs"); do
    mkdir -p "$out/fuzz-corpus/$t"
    "$out/tests/$t" -runs="$per" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
      "$out/fuzz-corpus/$t" tests/fuzz/corpus > "$out/long-$t-$j.log" 2>&1 &
  done
  wait
  total=$(grep -h '^stat::number_of_executed_units' "$out"/long-"$t"-*.log | awk '{s += $2} END {print s}')
  echo "$t: $total executions"
done
if compgen -G "$out/artifacts/*" > /dev/null; then
  echo "fuzz: reproducers in $out/artifacts" >&2
  exit 1
fi

#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) in build-fuzz with clang, ASan and UBSan, runs each for a
# fixed time from a scratch copy of its seed corpus (fuzz/corpus/TARGET, never grown), and prints
# each one's time, executions and whether it found anything.
#   bash scripts/fuzz.sh [SECONDS per target, default 60]
# Exits 1 when a target found something: its input and log are in build-fuzz/fuzz-runs/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
build=build-fuzz
# Each target with the largest input libFuzzer makes for it.
declare -A max_len=([model_file]=65536 [checkpoint]=16384 [csv]=16384 [cli]=4096)
targets=(model_file checkpoint csv cli)

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEBM_FUZZ=ON \
        -DEBM_SANITIZE=address,undefined -DEBM_CUDA=OFF -DEBM_BUILD_TESTS=OFF -DEBM_BUILD_EXAMPLES=OFF > /dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

export UBSAN_OPTIONS=print_stacktrace=1
found=0
for target in "${targets[@]}"; do
  run=$build/fuzz-runs/$target
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/findings"
  cp fuzz/corpus/"$target"/* "$run/corpus/"
  start=$SECONDS
  status=0
  "$build/fuzz/fuzz_$target" "$run/corpus" -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 \
      -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$run/findings/" \
      > "$run/log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log")
  if [ "$status" -eq 0 ] && [ -z "$(ls -A "$run/findings")" ]; then
    result="nothing found"
  else
    result="FOUND (exit $status): $(ls "$run/findings"), log $run/log"
    found=1
  fi
  echo "$target: $((SECONDS - start)) s, ${executions:-?} executions, $result"
done
exit "$found"

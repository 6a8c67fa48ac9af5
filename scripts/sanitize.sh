#!/usr/bin/env bash
# Builds ebm with sanitizers and runs its tests under them (docs/reliability.md, "Sanitizers").
#   bash scripts/sanitize.sh address,undefined [--ci]   ASan + UBSan, in build-asan
#   bash scripts/sanitize.sh thread                     TSan on the threading tests, in build-tsan
# --ci: the subset CI runs (scripts/test.sh): the best CPU kernel level only, and every test but
# the end-to-end recipe trainings, which take minutes under ASan and run in the full suite.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=${1:?"usage: scripts/sanitize.sh address,undefined|thread [--ci]"}
ci=false
if [ "${2:-}" = "--ci" ]; then ci=true; fi

case "$sanitizers" in
  address,undefined) build=build-asan ;;
  thread) build=build-tsan ;;
  *) echo "scripts/sanitize.sh: sanitizers must be address,undefined or thread, got '$sanitizers'" >&2; exit 2 ;;
esac

# -O1 with line tables: findings point at source lines, and the build takes half the time of -O2 -g.
options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DEBM_CUDA=OFF
         -DEBM_SANITIZE="$sanitizers" -DEBM_BUILD_EXAMPLES=OFF)
# libgomp is not built with TSan, so its threads would be reported falsely: TSan runs without OpenMP.
if [ "$sanitizers" = thread ]; then options+=(-DEBM_OPENMP=OFF); fi
if $ci; then
  build=$build-ci
  options+=(-DEBM_NATIVE=ON)
fi
cmake -S . -B "$build" "${options[@]}" > /dev/null
cmake --build "$build" --parallel "$(nproc)"

# A finding stops the program (no recovery), so ctest reports the test as failed.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
excluded="recipe end to end"
if [ "$sanitizers" = thread ]; then
  # TSan: the tests whose names mention threads (the two-thread cases of tests/threads_test.cpp
  # and tests/autograd_test.cpp among them).
  ctest --test-dir "$build" --output-on-failure --no-tests=error -R "thread" -E "$excluded"
elif $ci; then
  ctest --test-dir "$build" --output-on-failure --no-tests=error --parallel "$(nproc)" -E "$excluded"
else
  ctest --test-dir "$build" --output-on-failure --no-tests=error --parallel "$(nproc)"
fi

#!/usr/bin/env bash
# The longer checks CI does not run (docs/reliability.md), one after the other; about an hour on
# two cores with the default budgets. Needs clang, libFuzzer and valgrind (scripts/setup.sh
# --reliability installs them).
#   bash scripts/reliability.sh [FUZZ_SECONDS per target, default 300]
# 1. the whole suite under ASan + UBSan, every CPU kernel level (CI runs a subset);
# 2. the threading tests under ThreadSanitizer;
# 3. the four fuzz targets, FUZZ_SECONDS each;
# 4. the soak (100,000 DSM steps, 100,000 Langevin steps) and the valgrind runs.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=${1:-300}
bash scripts/setup.sh --reliability
step() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }
step "ASan + UBSan, the whole suite"
bash scripts/sanitize.sh address,undefined
step "ThreadSanitizer, the threading tests"
bash scripts/sanitize.sh thread
step "fuzzing, $fuzz_seconds s per target"
bash scripts/fuzz.sh "$fuzz_seconds"
step "soak and valgrind"
bash scripts/soak.sh
step "all clean"

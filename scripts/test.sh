#!/usr/bin/env bash
# Quick start (2): install what is missing, build everything, and run the test suite; then the
# suite again under AddressSanitizer and UndefinedBehaviorSanitizer (the subset CI runs:
# docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --parallel "$(nproc)"
ctest --test-dir build --output-on-failure --no-tests=error --parallel "$(nproc)"
bash scripts/sanitize.sh address,undefined --ci

#!/usr/bin/env bash
# The soak run and the valgrind run (docs/reliability.md, "Soak" and "Valgrind"), in the Release
# build (build/, as scripts/test.sh makes it).
#   bash scripts/soak.sh [DSM_STEPS=100000] [LANGEVIN_STEPS=100000]
# 1. bench/soak.cpp: DSM training steps, then Langevin steps, resident memory sampled 100 times in
#    each; fails when either phase's fitted growth after warm-up reaches 1 MiB.
# 2. valgrind memcheck on a short soak (500 + 500 steps) and on the ebm tool at small sizes (data,
#    train, sample, eval, plot): fails on any memcheck error or any definitely, indirectly or possibly
#    lost block. Valgrind does not run AVX-512, so the kernels run at the avx2 level there.
set -euo pipefail
cd "$(dirname "$0")/.."

dsm_steps=${1:-100000}
langevin_steps=${2:-100000}
build=build
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target ebm_soak ebm_tool
runs=$build/soak-runs
rm -rf "$runs"
mkdir -p "$runs"

echo "== soak: $dsm_steps DSM steps, $langevin_steps Langevin steps"
start=$SECONDS
"$build/bench/ebm_soak" "$dsm_steps" "$langevin_steps" > "$runs/resident.csv"
grep '^#' "$runs/resident.csv"
echo "($((SECONDS - start)) s; samples in $runs/resident.csv)"

if ! command -v valgrind > /dev/null; then
  echo "scripts/soak.sh: valgrind is not installed (apt-get install valgrind)" >&2
  exit 2
fi
export EBM_CPU_CAPABILITY=avx2
memcheck=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
          --show-leak-kinds=definite,indirect,possible --error-exitcode=101 --num-callers=30)
ebm=$build/tools/ebm
# check NAME ALLOWED_EXIT COMMAND…: runs COMMAND under memcheck, its log in $runs. Fails on a
# memcheck finding (exit 101) or an exit status other than ALLOWED_EXIT.
check() {
  local name=$1 allowed=$2
  shift 2
  local status=0
  "${memcheck[@]}" --log-file="$runs/valgrind-$name.log" "$@" > "$runs/$name.out" 2>&1 || status=$?
  if [ "$status" -eq 101 ]; then
    echo "valgrind $name: FOUND errors or leaks, see $runs/valgrind-$name.log" >&2
    exit 1
  elif [ "$status" -ne 0 ] && [ "$status" -ne "$allowed" ]; then
    echo "valgrind $name: the program failed (exit $status), see $runs/$name.out" >&2
    exit 1
  fi
  echo "valgrind $name: $(sed -n 's/^==[0-9]*== ERROR SUMMARY: //p' "$runs/valgrind-$name.log");" \
       "$(sed -n 's/^==[0-9]*== *\(definitely lost: .*\|All heap blocks were freed.*\)/\1/p' "$runs/valgrind-$name.log")"
}
echo "== valgrind memcheck"
# The short soak judges nothing about memory (its warm-up is most of it): exit 1 is allowed.
check soak 1 "$build/bench/ebm_soak" 500 500 10
check data 0 "$ebm" data --dataset two_moons --n 500 --out "$runs/points.csv"
# Small sizes: memcheck runs this code about 500 times slower than the CPU does (300 default-sized
# DSM steps did not finish in 55 minutes), and every path is taken at any size.
check train 0 "$ebm" train --data "$runs/points.csv" --loss dsm --steps 20 --hidden 16 --samples 20 --sampler-steps 10 \
  --out "$runs/model" --quiet
check sample 0 "$ebm" sample --model "$runs/model" --n 20 --steps 10 --out "$runs/samples.csv"
check eval 0 "$ebm" eval --samples "$runs/samples.csv" --dataset two_moons
check plot 0 "$ebm" plot --model "$runs/model" --width 200 --height 160 --out "$runs/energy.png"

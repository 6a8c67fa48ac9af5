#!/usr/bin/env bash
# The GPU check (docs/gpu.md), one command on a machine with a GPU: builds with CUDA, runs the
# CUDA suite (op parity, fused kernels, losses and samplers on fixed seeds, random streams, device
# moves, checkpoints), the CPU suite in the same build, the CLI on the GPU, then times the GPU
# workloads (bench/gpu_workloads.md) beside PyTorch eager and prints one table. Without Debian's
# -dev packages it builds against .gpu_deps/ (scripts/gpu_deps.sh, run on a build machine).
# Writes everything it prints to $OUT/gpu_check.md too when OUT is set. Exit status: 0 when the
# suites pass (the speed targets are reported, not enforced).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
out=${OUT:-}
log() { if [ -n "$out" ]; then tee -a "$out/gpu_check.md"; else cat; fi; }
started=$(date +%s)

{
  echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/GPU: /'
  nvcc --version | tail -1
} | log

configure=(-DCMAKE_BUILD_TYPE=Release -DEBM_CUDA=ON -DEBM_BUILD_EXAMPLES=ON)
[ -d .gpu_deps ] && configure+=(-DCMAKE_PREFIX_PATH="$PWD/.gpu_deps")
command -v ninja > /dev/null && configure+=(-G Ninja)
if ! cmake -S . -B build-gpu "${configure[@]}" > build-gpu.log 2>&1 ||
   ! cmake --build build-gpu --parallel "$(nproc)" --target ebm_cuda_tests ebm_tests ebm_tool ebm_gpu_bench >> build-gpu.log 2>&1; then
  tail -40 build-gpu.log | log
  echo "build failed" | log
  exit 1
fi
echo "built in $(($(date +%s) - started)) s" | log

status=0
suite() {  # name, command...
  local name=$1
  shift
  local result
  result=$(cd build-gpu && "$@" 2>&1)
  local code=$?
  { echo; echo "## $name"; echo '```'; echo "$result" | grep -E "ERROR|FAILED|largest difference|test cases:|assertions:|Status|skipped" | head -60; echo '```'; } | log
  [ $code -eq 0 ] || status=1
}
suite "CUDA suite" timeout 300 ./tests/ebm_cuda_tests
suite "CPU suite in the CUDA build" timeout 300 ./tests/ebm_tests
{
  echo
  echo "## CLI"
  ./build-gpu/tools/ebm info 2>&1
  rm -rf build-gpu/cli_run
  timeout 120 ./build-gpu/tools/ebm train --dataset eight_gaussians --loss dsm --device cuda --steps 200 --out build-gpu/cli_run --quiet 2>&1 | tail -3
  timeout 60 ./build-gpu/tools/ebm eval --samples build-gpu/cli_run/samples.csv --dataset eight_gaussians 2>&1 | tr -d '\n'
  echo
} | log

results=$(mktemp)
workloads=()
for objective in dsm ssm sm cd; do
  for batch in 4096 65536; do
    for dimension in 2 32; do workloads+=("${objective}_${batch}_d${dimension}"); done
  done
done
workloads+=(sampling)
for workload in "${workloads[@]}"; do
  timeout 120 ./build-gpu/bench/ebm_gpu_bench "$workload" >> "$results" 2> /dev/null || echo "{\"impl\": \"ebm\", \"workload\": \"$workload\", \"median_ms\": null}" >> "$results"
  timeout 120 python3 bench/torch_gpu_bench.py "$workload" >> "$results" 2> /dev/null || echo "{\"impl\": \"pytorch\", \"workload\": \"$workload\", \"median_ms\": null}" >> "$results"
done
python3 - "$results" <<'PY' | log
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by = {(r["workload"], r["impl"]): r["median_ms"] for r in rows}
print("\n## GPU workloads (median ms; speed-up = PyTorch / ebm)\n")
print("| workload | ebm ms | PyTorch ms | speed-up | target | met |")
print("|---|---|---|---|---|---|")
for w in dict.fromkeys(r["workload"] for r in rows):
    e, p = by.get((w, "ebm")), by.get((w, "pytorch"))
    target = 3.0 if w == "sampling" else (2.0 if "_4096_" in w else 1.0)
    if e is None or p is None:
        print(f"| {w} | {e} | {p} | – | ≥ {target:g}× | failed to run |")
        continue
    ratio = p / e
    print(f"| {w} | {e:.3f} | {p:.3f} | {ratio:.2f}× | ≥ {target:g}× | {'yes' if ratio >= target else 'no'} |")
PY
echo | log
echo "finished in $(($(date +%s) - started)) s; suites $([ $status -eq 0 ] && echo passed || echo FAILED)" | log
exit $status

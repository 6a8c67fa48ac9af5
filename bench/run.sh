#!/usr/bin/env bash
# Runs every workload of bench/workloads.md for ebm, LibTorch and PyTorch (one thread each, one
# process per workload and implementation, in the same run) and prints the medians, the ratios
# and the peak memory as a Markdown table. Installs the peers with apt-get when missing; they are
# not dependencies of ebm. Usage: bash bench/run.sh [threads for ebm]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-1}
missing=()
for package in python3-torch libtorch-dev libopenblas0-pthread; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --parallel "$(nproc)" --target ebm_bench > /dev/null
cmake -S bench/libtorch -B build/libtorch_bench -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build/libtorch_bench --parallel "$(nproc)" > /dev/null

export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export BENCH_REPEATS=${BENCH_REPEATS:-50}  # timed training steps per workload (bench/workloads.md)
results=$(mktemp)
for workload in small_dsm small_ssm small_sm small_cd medium_dsm medium_ssm medium_sm medium_cd sampling overhead; do
  OMP_NUM_THREADS=$threads ./build/bench/ebm_bench "$workload" "$threads" >> "$results"
  ./build/libtorch_bench/libtorch_bench "$workload" >> "$results"
  /usr/bin/python3 bench/torch_bench.py "$workload" >> "$results"
done
/usr/bin/python3 - "$results" "$threads" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
threads = int(sys.argv[2])
by = {(r["workload"], r["impl"]): r for r in rows}
print("| workload | ebm ms | LibTorch ms | PyTorch ms | vs LibTorch | vs PyTorch | RSS MB ebm / LibTorch / PyTorch |")
print("|---|---|---|---|---|---|---|")
for w in dict.fromkeys(r["workload"] for r in rows):
    e, l, p = by[(w, "ebm")], by[(w, "libtorch")], by[(w, "pytorch")]
    print(f"| {w} | {e['median_ms']:.3f} | {l['median_ms']:.3f} | {p['median_ms']:.3f} | {l['median_ms']/e['median_ms']:.2f}× | "
          f"{p['median_ms']/e['median_ms']:.2f}× | {e['peak_rss_mb']:.0f} / {l['peak_rss_mb']:.0f} / {p['peak_rss_mb']:.0f} |")
s = by[("sampling", "ebm")]
print(f"\nebm's CPU kernels: {s['cpu_capability']}")
print(f"sampling: {s['gflops']:.1f} GFLOP/s = {100*s['fraction_of_peak']:.0f}% of the GEMM peak on {threads} thread{'s' if threads > 1 else ''} {s['gemm_peak_gflops']:.1f} GFLOP/s; "
      f"overhead: {by[('overhead', 'ebm')]['us_per_op']:.3f} µs per elementwise op")
PY
rm -f "$results"

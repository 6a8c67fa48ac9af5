#!/usr/bin/env bash
# The speed an embedding user gets: ebm_bench from four builds of ebm, timed in the same run on one
# thread, alternating builds for each workload, rounds times (default 3), printed as a Markdown
# table of the median of each build's medians and its ratio to the native build:
#   native          ebm as the top-level project with -DEBM_NATIVE=ON (-march=native everywhere)
#   default         ebm as the top-level project, default options (kernels chosen at run time)
#   add_subdirectory  bench/consumer with ebm's sources added as a subdirectory
#   find_package    bench/consumer against `cmake --install` of the default build
# All four are CPU-only Release builds under build/builds/. Timings on a shared machine move from
# round to round: read the ratios of one run together, and take more rounds for a closer look.
# Usage: bash bench/builds.sh [rounds] (WORKLOADS="small_dsm sampling" for a subset)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
root=build/builds
workloads=${WORKLOADS:-small_dsm small_ssm small_sm small_cd medium_dsm medium_ssm medium_sm medium_cd sampling overhead}
configure_and_build() {  # directory, then cmake arguments
  local directory=$1; shift
  cmake -S "$1" -B "$directory" -DCMAKE_BUILD_TYPE=Release "${@:2}" > /dev/null
  cmake --build "$directory" --parallel "$(nproc)" --target ebm_bench > /dev/null
}
configure_and_build $root/native . -DEBM_CUDA=OFF -DEBM_NATIVE=ON -DEBM_BUILD_TESTS=OFF -DEBM_BUILD_TOOLS=OFF
configure_and_build $root/default . -DEBM_CUDA=OFF -DEBM_BUILD_TESTS=OFF -DEBM_BUILD_TOOLS=OFF
configure_and_build $root/add_subdirectory bench/consumer -DEBM_CUDA=OFF -DEBM_SOURCE_DIR="$PWD"
cmake --build $root/default --target ebm > /dev/null
cmake --install $root/default --prefix $root/prefix > /dev/null
configure_and_build $root/find_package bench/consumer -DCMAKE_PREFIX_PATH="$PWD/$root/prefix"

declare -A binaries=([native]=$root/native/bench/ebm_bench [default]=$root/default/bench/ebm_bench
                     [add_subdirectory]=$root/add_subdirectory/ebm_bench [find_package]=$root/find_package/ebm_bench)
export OMP_NUM_THREADS=1 BENCH_REPEATS=${BENCH_REPEATS:-50}
results=$(mktemp)
for workload in $workloads; do
  for ((round = 0; round < rounds; ++round)); do
    for build in native default add_subdirectory find_package; do
      "${binaries[$build]}" "$workload" 1 | sed "s/^{/{\"build\": \"$build\", /" >> "$results"
    done
  done
done
/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
builds = ["native", "default", "add_subdirectory", "find_package"]
ms = {}
for r in rows:
    ms.setdefault((r["workload"], r["build"]), []).append(r["median_ms"])
level = {r["build"]: r["cpu_capability"] for r in rows}
print("| workload | " + " | ".join(f"{b} ms ({level[b]})" for b in builds) + " | " + " | ".join(f"{b} / native" for b in builds[1:]) + " |")
print("|---" * (2 * len(builds)) + "|")
for w in dict.fromkeys(r["workload"] for r in rows):
    median = {b: statistics.median(ms[(w, b)]) for b in builds}
    print(f"| {w} | " + " | ".join(f"{median[b]:.3f}" for b in builds) + " | " +
          " | ".join(f"{median[b] / median['native']:.3f}" for b in builds[1:]) + " |")
PY
rm -f "$results"

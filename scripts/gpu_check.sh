#!/usr/bin/env bash
# The GPU check (docs/gpu.md): one command on a machine with a GPU. In order, each stage with its
# own time limit, a failing or stopped stage reported and the next one run all the same:
#   the driver line; the CUDA suite with EBM_CUDA_SYNC=1 (a fault names its kernel); the CUDA
#   suite as normal; the CLI on the GPU (info, train, sample, eval); the GPU workloads beside
#   PyTorch eager (bench/gpu_workloads.md), one table; then, while time is left, the time of each
#   kernel in ten Langevin steps (Nsight Compute), the CUDA suite under compute-sanitizer and the
#   CPU suite of the same build.
# Usage:
#   bash scripts/gpu_check.sh             build into build-gpu/ with CUDA, then check
#   bash scripts/gpu_check.sh --dry-run   build everything the check runs, then stop (no GPU needed)
#   bash scripts/gpu_check.sh --prebuilt  use the programs a --dry-run left in build-gpu/ (built on
#                                         a build machine and carried), building only if they
#                                         cannot start here
# Without Debian's -dev packages it builds against .gpu_deps/ (scripts/gpu_deps.sh). The report
# goes to standard output and, when OUT is set, to $OUT/gpu_check.md beside each stage's full log.
# Exit status: 0 when the suites pass (the speed targets are reported, not enforced); 1 when a
# stage failed or there is no GPU; 2 for a bad option.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
mode=${1:-check}
case "$mode" in
  check | --dry-run | --prebuilt) ;;
  *) echo "scripts/gpu_check.sh: options are --dry-run and --prebuilt, got '$mode'" >&2; exit 2 ;;
esac
started=$(date +%s)
budget=420  # seconds for the whole check: the stages after the table take what is left of it
out=${OUT:-}
logs=${out:-build-gpu/check_logs}
programs=(build-gpu/tests/ebm_cuda_tests build-gpu/tests/ebm_tests build-gpu/tools/ebm build-gpu/bench/ebm_gpu_bench)

report() { if [ -n "$out" ]; then tee -a "$out/gpu_check.md"; else cat; fi; }
elapsed() { echo $(($(date +%s) - started)); }
left() { echo $((budget - $(elapsed))); }

if [ "$mode" != --dry-run ] && ! nvidia-smi > /dev/null 2>&1; then
  echo "gpu_check: no GPU here (nvidia-smi found none); --dry-run builds what the check runs without one" >&2
  exit 1
fi

build() {
  local configure=(-DCMAKE_BUILD_TYPE=Release -DEBM_CUDA=ON -DEBM_BUILD_EXAMPLES=ON)
  [ -d .gpu_deps ] && configure+=(-DCMAKE_PREFIX_PATH="$PWD/.gpu_deps")
  command -v ninja > /dev/null && configure+=(-G Ninja)
  if ! cmake -S . -B build-gpu "${configure[@]}" > build-gpu.log 2>&1 ||
     ! cmake --build build-gpu --parallel "$(nproc)" --target ebm_cuda_tests ebm_tests ebm_tool ebm_gpu_bench >> build-gpu.log 2>&1; then
    tail -40 build-gpu.log
    echo "build failed (build-gpu.log)"
    return 1
  fi
  # The programs find the sources (tests' data, docs) at the path they were built from.
  echo "$PWD" > build-gpu/source_dir
}

if [ "$mode" = --dry-run ]; then
  build || exit 1
  echo "built in $(elapsed) s: ${programs[*]}"
  exit 0
fi

mkdir -p "$logs"
{
  echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo '```'
  nvidia-smi | grep -m1 "Driver Version" | tr -s ' '
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
  nvcc --version 2> /dev/null | tail -1
  echo '```'
} | report

# cuBLAS is loaded at the first product (kernels/cublas.cpp): where the loader does not know it,
# offer the CUDA toolkit's and PyTorch's copies.
if ! ldconfig -p 2> /dev/null | grep -q "libcublas.so.13"; then
  python_nvidia=$(python3 -c 'import nvidia; print(list(nvidia.__path__)[0])' 2> /dev/null)
  for folder in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
                $( [ -n "$python_nvidia" ] && find "$python_nvidia" -name libcublas.so.13 -printf '%h\n' 2> /dev/null); do
    if [ -n "$folder" ] && [ -e "$folder/libcublas.so.13" ]; then
      export LD_LIBRARY_PATH="$folder${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      echo "cuBLAS from $folder" | report
      break
    fi
  done
fi

# Programs built elsewhere find stb's library in .gpu_deps/ (a GPU machine has no Debian libstb0).
[ "$mode" = --prebuilt ] && [ -d .gpu_deps/lib/x86_64-linux-gnu ] &&
  export LD_LIBRARY_PATH="$PWD/.gpu_deps/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ "$mode" = --prebuilt ] && [ -f build-gpu/source_dir ] && build-gpu/tools/ebm info > build-gpu/prebuilt.log 2>&1; then
  # Built elsewhere: give the programs their source path here when it is free.
  source_dir=$(cat build-gpu/source_dir)
  if [ "$source_dir" != "$PWD" ] && [ ! -e "$source_dir" ]; then mkdir -p "$(dirname "$source_dir")" && ln -s "$PWD" "$source_dir"; fi
  echo "prebuilt programs from $source_dir" | report
else
  [ "$mode" = --prebuilt ] && { echo "the prebuilt programs cannot start here, building: $(tail -2 build-gpu/prebuilt.log 2> /dev/null)"; } | report
  build 2>&1 | report
  [ -f build-gpu/source_dir ] || exit 1
  echo "built in $(elapsed) s" | report
fi

status=0
# stage NAME LOG LIMIT COMMAND...: runs COMMAND in build-gpu/ for at most LIMIT seconds, its whole
# output appended to $logs/LOG (stages share logs: a device machine returns few files), and
# reports its outcome with the lines that match $lines_that_matter.
failures="ERROR|FAILED|error|CHECK|REQUIRE|values:|largest difference|test cases:|assertions:|Status|skipped|========= "
lines_that_matter=$failures
stage() {
  local name=$1 log=$2 limit=$3
  shift 3
  if ((limit < 10)); then
    printf '\n## %s\n\nnot run: the check is out of time\n' "$name" | report
    return
  fi
  local stage_started first_line
  stage_started=$(date +%s)
  first_line=$(($(cat "$logs/$log" 2> /dev/null | wc -l) + 1))
  (cd build-gpu && timeout -k 5 "$limit" "$@") >> "$logs/$log" 2>&1
  local code=$? outcome
  case $code in
    0) outcome="passed" ;;
    124 | 137) outcome="STOPPED at its limit of $limit s"; status=1 ;;
    *) outcome="FAILED (exit $code)"; status=1 ;;
  esac
  {
    printf '\n## %s: %s in %s s\n\n```\n' "$name" "$outcome" $(($(date +%s) - stage_started))
    tail -n "+$first_line" "$logs/$log" | grep -E "$lines_that_matter" | head -80
    [ $code -ne 0 ] && { echo "…"; tail -n "+$first_line" "$logs/$log" | tail -15; }
    echo '```'
  } | report
}

stage "CUDA suite, EBM_CUDA_SYNC=1" cuda_suite.log 100 env EBM_CUDA_SYNC=1 ./tests/ebm_cuda_tests --duration=true
stage "CUDA suite" cuda_suite.log 100 ./tests/ebm_cuda_tests --duration=true

cli() {  # the main job's training with its recipe, on the GPU
  set -x
  ./tools/ebm info
  rm -rf cli_run
  time ./tools/ebm train --dataset eight_gaussians --loss dsm --device cuda --out cli_run
  time ./tools/ebm sample --model cli_run --device cuda --n 4096 --out cli_run/more_samples.csv
  ./tools/ebm eval --samples cli_run/samples.csv --dataset eight_gaussians
  ./tools/ebm eval --samples cli_run/more_samples.csv --dataset eight_gaussians
}
export -f cli
lines_that_matter="^[^+]|^\+ \./|^real"
stage "CLI on the GPU" cli.log 90 bash -c cli
lines_that_matter=$failures

workloads=()
for objective in dsm ssm sm cd; do
  for batch in 4096 65536; do
    for dimension in 2 32; do workloads+=("${objective}_${batch}_d${dimension}"); done
  done
done
workloads+=(sampling langevin_65536x10 upload_4096x2 reduce_65536x2 bias_add_65536x256 gather_backward_65536x2 randn_65536x256)
stage "GPU workloads: ebm" bench.jsonl 150 ./bench/ebm_gpu_bench "${workloads[@]}"
stage "GPU workloads: PyTorch eager" bench.jsonl 150 env PYTHONUNBUFFERED=1 python3 ../bench/torch_gpu_bench.py "${workloads[@]}"
python3 - "$logs/bench.jsonl" <<'PY' | report
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
by = {(r["workload"], r["impl"]): r for r in rows}
print("\n## GPU workloads (median ms; speed-up = PyTorch / ebm)\n")
print("| workload | ebm ms | PyTorch ms | speed-up | target | met |")
print("|---|---|---|---|---|---|")
for w in dict.fromkeys(r["workload"] for r in rows):
    e, p = (by.get((w, impl), {}).get("median_ms") for impl in ("ebm", "pytorch"))
    target = {"sampling": 3.0}.get(w, 2.0 if "_4096_" in w else 1.0)
    if e is None or p is None:
        errors = "; ".join(by.get((w, impl), {}).get("error", "") for impl in ("ebm", "pytorch"))
        print(f"| {w} | {e} | {p} | – | ≥ {target:g}× | failed to run: {errors[:200]} |")
        continue
    ratio = p / e
    print(f"| {w} | {e:.3f} | {p:.3f} | {ratio:.2f}× | ≥ {target:g}× | {'yes' if ratio >= target else 'no'} |")
PY

# While time is left: where ten Langevin steps spend their GPU time, kernel by kernel.
profiler=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
stage "kernel times in 10 Langevin steps of 65,536 chains (Nsight Compute)" profile.csv $(( $(left) > 200 ? 90 : 0 )) \
  env BENCH_REPEATS=1 "$profiler" --clock-control none --metrics gpu__time_duration.sum --print-units base --csv ./bench/ebm_gpu_bench langevin_65536x10
python3 - "$logs/profile.csv" <<'PY' | report
import csv, re, sys
from collections import defaultdict
rows = [line for line in open(sys.argv[1]) if line.startswith('"')]
total, count = defaultdict(float), defaultdict(int)
for row in csv.DictReader(rows):
    if row.get("Metric Name") != "gpu__time_duration.sum":
        continue
    name = row["Kernel Name"]
    short = re.search(r"(\w+_as|\w+_kernel|gemm\w*|\w*[Gg]emm\w*)(<[\w, ]*>)?", name)
    key = short.group(0) if short else name[:60]
    scale = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3}.get(row.get("Metric Unit", ""), 1e-3)
    total[key] += float(row["Metric Value"].replace(",", "")) * scale
    count[key] += 1
if total:
    print("\n20 Langevin steps (a warm-up and a timed run of 10), GPU time by kernel:\n")
    print("| kernel | launches | total µs | share |")
    print("|---|---|---|---|")
    everything = sum(total.values())
    for key in sorted(total, key=total.get, reverse=True)[:20]:
        print(f"| `{key}` | {count[key]} | {total[key]:.0f} | {100 * total[key] / everything:.1f}% |")
    print(f"| all | {sum(count.values())} | {everything:.0f} | |")
PY

# While time is left: memory errors and races in the kernels, then the CPU suite of this build.
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
stage "CUDA suite under compute-sanitizer memcheck" sanitizer.log $(( $(left) > 150 ? 120 : $(left) - 30 )) \
  "$sanitizer" --tool memcheck --error-exitcode 9 ./tests/ebm_cuda_tests
stage "reductions and row ops under compute-sanitizer racecheck" sanitizer.log $(( $(left) > 90 ? 60 : $(left) - 30 )) \
  "$sanitizer" --tool racecheck --error-exitcode 9 ./tests/ebm_cuda_tests "--test-case=*reductions*,*row ops*"
stage "CPU suite in the CUDA build" cpu_suite.log $(( $(left) > 60 ? $(left) - 5 : 0 )) ./tests/ebm_tests

printf '\nfinished in %s s; suites %s\n' "$(elapsed)" "$([ $status -eq 0 ] && echo passed || echo FAILED)" | report
exit $status

#!/usr/bin/python3
"""PyTorch eager's side of the benchmark (bench/workloads.md), one workload per process, one thread.

Prints one JSON line like ebm_bench: {"impl", "workload", "median_ms", "repeats", "peak_rss_mb"}.
"""
import json
import os
import resource
import sys

import torch

from torch_workloads import median_ms, sampling, training_step

torch.set_num_threads(1)
torch.manual_seed(0)


def overhead():
    b, c, r0 = torch.randn(256, 128), torch.randn(256, 128) * 0.01, torch.randn(256, 128)

    def run():
        with torch.no_grad():
            r = r0
            for _ in range(1000):
                r = r * b + c

    return run


def main():
    workload = sys.argv[1]
    repeats = 20
    if workload.startswith(("small_", "medium_")):
        repeats = max(1, int(os.environ.get("BENCH_REPEATS", repeats)))  # bench/workloads.md
        small = workload.startswith("small_")
        ms = median_ms(training_step(workload.split("_", 1)[1], 64 if small else 256, 8 if small else 2, 128, "cpu"), 5, repeats)
    elif workload == "sampling":
        repeats = 5
        ms = median_ms(sampling(4096, 100, 128, "cpu"), 1, repeats)
    elif workload == "overhead":
        ms = median_ms(overhead(), 2, repeats)
    else:
        sys.exit(f"unknown workload {workload}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"impl": "pytorch", "workload": workload, "median_ms": round(ms, 4), "repeats": repeats,
                      "peak_rss_mb": round(rss, 1)}))


main()

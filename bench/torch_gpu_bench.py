#!/usr/bin/env python3
"""PyTorch eager's side of the GPU benchmark (bench/gpu_workloads.md), one workload per process.

Prints one JSON line like ebm_gpu_bench: {"impl", "workload", "median_ms", "repeats"}. Each timed
iteration ends with torch.cuda.synchronize(), so the times are the GPU's.
"""
import json
import sys

import torch

from torch_workloads import median_ms, sampling, training_step

torch.manual_seed(0)
device = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False  # float32 products, as ebm's cuBLAS calls


def main():
    workload = sys.argv[1]
    if workload == "sampling":
        repeats = 3
        ms = median_ms(sampling(65536, 1000, 256, device), 1, repeats, torch.cuda.synchronize)
    else:
        objective, batch, dimension = workload.split("_")
        repeats = 10
        ms = median_ms(training_step(objective, int(batch), int(dimension[1:]), 256, device), 3, repeats, torch.cuda.synchronize)
    print(json.dumps({"impl": "pytorch", "workload": workload, "median_ms": round(ms, 4), "repeats": repeats}))


main()

#!/usr/bin/env python3
"""PyTorch eager's side of the GPU benchmark (bench/gpu_workloads.md): each workload named on the
command line, in one process.

Prints one JSON line per workload like ebm_gpu_bench: {"impl", "workload", "median_ms", "repeats"}
("median_ms": null and "error" when it fails). Each timed iteration ends with
torch.cuda.synchronize(), so the times are the GPU's.
"""
import json
import sys

import torch

from torch_workloads import median_ms, sampling, training_step

device = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False  # float32 products, as ebm's cuBLAS calls


def repeated(count, body):
    """An iteration of a kernel-level workload: `body` run `count` times."""
    def run():
        for _ in range(count):
            body()
    return run


def kernel_workload(name):
    """The slow paths of ebm's backend, as PyTorch does them: 100 operations an iteration (10 for the scatter)."""
    if name == "upload_4096x2":
        batch = torch.randn(4096, 2)
        return repeated(100, lambda: batch.to(device))
    if name == "reduce_65536x2":
        x = torch.randn(65536, 2, device=device)
        return repeated(100, lambda: x.sum(0))
    if name == "bias_add_65536x256":
        x, bias = torch.randn(65536, 256, device=device), torch.randn(256, device=device)
        return repeated(100, lambda: x + bias)
    if name == "gather_backward_65536x2":
        src, into = torch.randn(65536, 2, device=device), torch.zeros(65536, 2, device=device)
        rows = (torch.arange(65536) * 7919 % 65536).to(device)
        return repeated(10, lambda: into.index_add(0, rows, src))
    if name == "randn_65536x256":
        return repeated(100, lambda: torch.randn(65536, 256, device=device))
    return None


def run(workload):
    torch.manual_seed(0)
    if workload == "sampling":
        return 3, median_ms(sampling(65536, 1000, 256, device), 1, 3, torch.cuda.synchronize)
    if workload == "langevin_65536x10":
        return 10, median_ms(sampling(65536, 10, 256, device), 1, 10, torch.cuda.synchronize)
    kernel = kernel_workload(workload)
    if kernel is not None:
        return 10, median_ms(kernel, 1, 10, torch.cuda.synchronize)
    objective, batch, dimension = workload.split("_")
    return 10, median_ms(training_step(objective, int(batch), int(dimension[1:]), 256, device), 3, 10, torch.cuda.synchronize)


def main():
    status = 0
    for workload in sys.argv[1:]:
        try:
            repeats, ms = run(workload)
            row = {"impl": "pytorch", "workload": workload, "median_ms": round(ms, 4), "repeats": repeats}
        except Exception as error:  # one failing workload must not hide the others
            row = {"impl": "pytorch", "workload": workload, "median_ms": None, "error": str(error)}
            status = 1
        print(json.dumps(row), flush=True)
    sys.exit(status)


main()

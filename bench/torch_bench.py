#!/usr/bin/python3
"""PyTorch eager's side of the benchmark (bench/workloads.md), one workload per process, one thread.

Prints one JSON line like ebm_bench: {"impl", "workload", "median_ms", "repeats", "peak_rss_mb"}.
"""
import json
import os
import resource
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)


def mlp(d):
    return torch.nn.Sequential(torch.nn.Linear(d, 128), torch.nn.SiLU(), torch.nn.Linear(128, 128), torch.nn.SiLU(),
                               torch.nn.Linear(128, 1))


def energy_gradient(net, x, create_graph):
    x = x.detach().requires_grad_(True)
    e = net(x).sum()
    return x, torch.autograd.grad(e, x, create_graph=create_graph)[0]


def training_step(objective, batch, d):
    net = mlp(d)
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        x = torch.randn(batch, d)
        if objective == "dsm":
            eps = torch.randn_like(x)
            _, g = energy_gradient(net, x + 0.1 * eps, True)
            loss = 0.5 * ((g - eps / 0.1) ** 2).sum(1).mean()
        elif objective == "ssm":
            xg, g = energy_gradient(net, x, True)
            v = torch.randn_like(x)
            gv = (g * v).sum(1)
            hv = torch.autograd.grad(gv.sum(), xg, create_graph=True)[0]
            loss = (-(hv * v).sum(1) + 0.5 * gv ** 2).mean()
        elif objective == "sm":
            xg, g = energy_gradient(net, x, True)
            trace = torch.zeros(batch)
            for k in range(d):
                trace = trace + torch.autograd.grad(g[:, k].sum(), xg, create_graph=True)[0][:, k]
            loss = (0.5 * (g ** 2).sum(1) - trace).mean()
        else:  # cd
            neg = x.clone()
            for _ in range(20):
                _, g = energy_gradient(net, neg, False)
                neg = (neg - 0.01 * g + (2 * 0.01) ** 0.5 * torch.randn_like(neg)).detach()
            loss = net(x).mean() - net(neg).mean()
        adam.zero_grad()
        loss.backward()
        adam.step()

    return step


def sampling():
    net = mlp(2)
    for p in net.parameters():
        p.requires_grad_(False)
    x0 = torch.randn(4096, 2)

    def run():
        x = x0
        for _ in range(100):
            _, g = energy_gradient(net, x, False)
            x = (x - 0.01 * g + (2 * 0.01) ** 0.5 * torch.randn_like(x)).detach()

    return run


def overhead():
    b, c, r0 = torch.randn(256, 128), torch.randn(256, 128) * 0.01, torch.randn(256, 128)

    def run():
        with torch.no_grad():
            r = r0
            for _ in range(1000):
                r = r * b + c

    return run


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    workload = sys.argv[1]
    repeats = 20
    if workload.startswith(("small_", "medium_")):
        repeats = max(1, int(os.environ.get("BENCH_REPEATS", repeats)))  # bench/workloads.md
        small = workload.startswith("small_")
        ms = median_ms(training_step(workload.split("_", 1)[1], 64 if small else 256, 8 if small else 2), 5, repeats)
    elif workload == "sampling":
        repeats = 5
        ms = median_ms(sampling(), 1, repeats)
    elif workload == "overhead":
        ms = median_ms(overhead(), 2, repeats)
    else:
        sys.exit(f"unknown workload {workload}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"impl": "pytorch", "workload": workload, "median_ms": round(ms, 4), "repeats": repeats,
                      "peak_rss_mb": round(rss, 1)}))


main()

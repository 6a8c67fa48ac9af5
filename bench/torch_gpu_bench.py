#!/usr/bin/env python3
"""PyTorch eager's side of the GPU benchmark (bench/gpu_workloads.md), one workload per process.

Prints one JSON line like ebm_gpu_bench: {"impl", "workload", "median_ms", "repeats"}. Each timed
iteration ends with torch.cuda.synchronize(), so the times are the GPU's.
"""
import json
import statistics
import sys
import time

import torch

torch.manual_seed(0)
device = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False  # float32 products, as ebm's cuBLAS calls


def mlp(d):
    return torch.nn.Sequential(torch.nn.Linear(d, 256), torch.nn.SiLU(), torch.nn.Linear(256, 256), torch.nn.SiLU(),
                               torch.nn.Linear(256, 1)).to(device)


def energy_gradient(net, x, create_graph):
    x = x.detach().requires_grad_(True)
    e = net(x).sum()
    return x, torch.autograd.grad(e, x, create_graph=create_graph)[0]


def training_step(objective, batch, d):
    net = mlp(d)
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        x = torch.randn(batch, d, device=device)
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
            trace = torch.zeros(batch, device=device)
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
    x0 = torch.randn(65536, 2, device=device)

    def run():
        x = x0
        for _ in range(1000):
            _, g = energy_gradient(net, x, False)
            x = (x - 0.01 * g + (2 * 0.01) ** 0.5 * torch.randn_like(x)).detach()

    return run


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    workload = sys.argv[1]
    if workload == "sampling":
        repeats = 3
        ms = median_ms(sampling(), 1, repeats)
    else:
        objective, batch, dimension = workload.split("_")
        repeats = 10
        ms = median_ms(training_step(objective, int(batch), int(dimension[1:])), 3, repeats)
    print(json.dumps({"impl": "pytorch", "workload": workload, "median_ms": round(ms, 4), "repeats": repeats}))


main()

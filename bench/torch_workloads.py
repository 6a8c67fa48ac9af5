"""The PyTorch eager side of the workloads (bench/workloads.md, bench/gpu_workloads.md), shared by
torch_bench.py (CPU, one thread) and torch_gpu_bench.py (GPU): the same MLP energy D-H-H-1 with
SiLU, the same objectives and Langevin steps as ebm's bench/training_step.hpp."""
import statistics
import time

import torch


def mlp(d, hidden, device):
    return torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden), torch.nn.SiLU(),
                               torch.nn.Linear(hidden, 1)).to(device)


def energy_gradient(net, x, create_graph):
    x = x.detach().requires_grad_(True)
    e = net(x).sum()
    return x, torch.autograd.grad(e, x, create_graph=create_graph)[0]


def training_step(objective, batch, d, hidden, device):
    """One step of `objective` (dsm, ssm, sm, cd) with Adam on a fresh batch."""
    net = mlp(d, hidden, device)
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


def sampling(chains, steps, hidden, device):
    """`steps` Langevin steps (η = 0.01) of `chains` chains in D = 2, input gradients only."""
    net = mlp(2, hidden, device)
    for p in net.parameters():
        p.requires_grad_(False)
    x0 = torch.randn(chains, 2, device=device)

    def run():
        x = x0
        for _ in range(steps):
            _, g = energy_gradient(net, x, False)
            x = (x - 0.01 * g + (2 * 0.01) ** 0.5 * torch.randn_like(x)).detach()

    return run


def median_ms(fn, warmup, repeats, synchronize=lambda: None):
    """Median milliseconds of `repeats` timed runs after `warmup` untimed ones; `synchronize` ends each."""
    for _ in range(warmup):
        fn()
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

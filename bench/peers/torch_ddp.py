#!/usr/bin/env python3
"""PyTorch DistributedDataParallel (gloo) peer for bench/cases/dist.mjs.

One process per rank (the parent starts them with RANK/WORLD_SIZE/MASTER_PORT in the
environment); the 784-512-256-10 MLP, Adam lr 1e-3, cross-entropy, random MNIST-shaped batches
of BATCH rows per rank. Rank 0 prints one line: '@@DIST@@ {json}' with the best step time over
REPS repetitions (the slowest rank's) and, with WORLD_SIZE > 1, the step time under
model.no_sync() (the same computation without gradient all-reduce), and rank 0's CPU time per
step per thread (cpuMsPerStep).

  RANK=0 WORLD_SIZE=1 python3 bench/peers/torch_ddp.py STEPS BATCH THREADS [REPS]
"""
import contextlib
import json
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn

steps, batch, threads = (int(a) for a in sys.argv[1:4])
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
rank = int(os.environ.get("RANK", "0"))
world = int(os.environ.get("WORLD_SIZE", "1"))
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
if world > 1:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{os.environ['MASTER_PORT']}", rank=rank, world_size=world)
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
if world > 1:
    model = nn.parallel.DistributedDataParallel(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
g = torch.Generator().manual_seed(11 + rank)
K = 8
xs = [torch.rand(batch, 784, generator=g) for _ in range(K)]
ys = [torch.randint(0, 10, (batch,), generator=g) for _ in range(K)]
lossf = nn.CrossEntropyLoss()


def step(i, nosync):
    ctx = model.no_sync() if nosync and world > 1 else contextlib.nullcontext()
    with ctx:
        opt.zero_grad()
        lossf(model(xs[i % K]), ys[i % K]).backward()
    opt.step()


def slowest(v):
    if world == 1:
        return v
    t = torch.tensor([v], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t.item()


def thread_cpu():
    """ns on a CPU and ns waiting for one, per thread ('main' = this thread), from /proc (Linux)."""
    out = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    for t in tids:
        try:
            with open(f"/proc/self/task/{t}/schedstat") as f:
                run, wait = (int(v) for v in f.read().split()[:2])
            out[t] = ("main" if t == str(os.getpid()) else "other", run, wait)
        except OSError:
            pass
    return out


def cpu_since(before):
    now = thread_cpu()
    if before is None or now is None:
        return None
    res = {"main": 0.0, "other": 0.0, "wait": 0.0}
    for t, (name, run, wait) in now.items():
        _, run0, wait0 = before.get(t, (name, 0, 0))
        res[name] += (run - run0) / 1e6
        res["wait"] += (wait - wait0) / 1e6
    return res


def timed(nosync):
    if world > 1:
        dist.barrier()
    t0 = time.perf_counter()
    for i in range(steps):
        step(i, nosync)
    return slowest(time.perf_counter() - t0) / steps


for i in range(5):
    step(i, False)
out = {"worldSize": world, "threads": threads, "batch": batch, "torch": torch.__version__}
best, best_nosync = float("inf"), float("inf")
cpu, cpu_steps = {"main": 0.0, "other": 0.0, "wait": 0.0}, 0
for _ in range(reps):
    c0 = thread_cpu()
    best = min(best, timed(False))
    c = cpu_since(c0)
    if c is not None:
        cpu_steps += steps
        for k in cpu:
            cpu[k] += c[k]
    if world > 1:
        best_nosync = min(best_nosync, timed(True))
out["stepSec"] = best
out["samplesPerSec"] = world * batch / best
if cpu_steps:
    # main: the Python thread (compute; DDP's reducer launches gloo work from it); other: gloo's
    # and PyTorch's other threads (the all-reduce runs there); wait: runnable, no core free.
    out["cpuMsPerStep"] = {k: v / cpu_steps for k, v in cpu.items()}
if world > 1:
    out["computeOnlyStepSec"] = best_nosync
    dist.destroy_process_group()
if rank == 0:
    print("@@DIST@@ " + json.dumps(out), flush=True)

#!/usr/bin/env python3
"""PyTorch peer for nodegrad's benchmark suite.

A small request/response server: the parent (bench/lib/peers.mjs) writes one JSON request per
line on stdin; every answer is one stdout line starting with the tag below followed by JSON.
Anything else on stdout/stderr is ignored. Thread configuration comes from the environment the
parent sets before start (OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS, OMP_WAIT_POLICY) and from
--torch-threads (torch.set_num_threads), because both must be fixed before the first op.

Run by hand:  echo '{"op":"hello"}' | /usr/bin/python3 bench/peers/torch_bench.py --torch-threads 1
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import resource
import sys
import time
import traceback

TAG = "@@NGBENCH@@ "

ap = argparse.ArgumentParser()
ap.add_argument("--torch-threads", type=int, default=1)
ARGS = ap.parse_args()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.torch_threads)
torch.set_num_interop_threads(1)


def openblas_info():
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return {
                "config": lib.openblas_get_config().decode(),
                "core": lib.openblas_get_corename().decode(),
                "threads": int(lib.openblas_get_num_threads()),
            }
        except Exception:  # pragma: no cover - informative only
            continue
    return None


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    # VmHWM: peak RSS of this address space (ru_maxrss can carry the spawning parent's peak)
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def mlp_model(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def mnist_like(n, seed):
    g = np.random.default_rng(seed)
    x = torch.from_numpy(g.random((n, 784), dtype=np.float32))
    y = torch.from_numpy(g.integers(0, 10, size=n).astype(np.int64))
    return x, y


class Mlp:
    """784-512-256-10 ReLU, softmax-CE, Adam(1e-3); batches gathered from a shuffled data set."""

    def __init__(self, batch, n=8192, seed=1, **_):
        torch.manual_seed(seed)
        self.x, self.y = mnist_like(n, seed)
        self.model = mlp_model([784, 512, 256, 10])
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.batch, self.n = batch, n
        self.gen = torch.Generator().manual_seed(seed)
        self.perm, self.pos = torch.randperm(n, generator=self.gen), 0
        self.last_loss = None

    def next_batch(self):
        if self.pos + self.batch > self.n:
            self.perm, self.pos = torch.randperm(self.n, generator=self.gen), 0
        idx = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return self.x[idx], self.y[idx]

    def step(self):
        xb, yb = self.next_batch()
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        return loss

    def run(self, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = self.step()
        self.last_loss = float(loss)
        return time.perf_counter() - t0


class Tiny:
    """2 -> 10 (tanh) -> 1 (sigmoid), MSE, 100 samples full batch, Adam(1e-3)."""

    def __init__(self, seed=1, n=100, **_):
        torch.manual_seed(seed)
        g = np.random.default_rng(seed)
        self.x = torch.from_numpy(g.standard_normal((n, 2), dtype=np.float32))
        self.y = (self.x[:, :1] * self.x[:, 1:] > 0).float()
        self.model = torch.nn.Sequential(torch.nn.Linear(2, 10), torch.nn.Tanh(),
                                         torch.nn.Linear(10, 1), torch.nn.Sigmoid())
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.last_loss = None

    def run(self, steps):
        x, y, model, opt = self.x, self.y, self.model, self.opt
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        self.last_loss = float(loss)
        return time.perf_counter() - t0


class Inference:
    """Forward of the MLP on n samples in batches (no grad); one 'step' = one pass over n."""

    def __init__(self, n=10000, batch=1000, seed=1, **_):
        torch.manual_seed(seed)
        self.x, _ = mnist_like(n, seed)
        self.model = mlp_model([784, 512, 256, 10]).eval()
        self.batch = batch

    def run(self, steps):
        t0 = time.perf_counter()
        with torch.inference_mode():
            for _ in range(steps):
                for i in range(0, self.x.shape[0], self.batch):
                    out = self.model(self.x[i:i + self.batch])
        self.checksum = float(out.sum())
        return time.perf_counter() - t0


class LinearRelu:
    """relu(x @ W^T + b) forward + backward (grads for W and b) on B x 784 -> 512."""

    def __init__(self, batch, fin=784, fout=512, seed=1, **_):
        torch.manual_seed(seed)
        g = np.random.default_rng(seed)
        self.x = torch.from_numpy(g.standard_normal((batch, fin), dtype=np.float32))
        lin = torch.nn.Linear(fin, fout)
        self.w, self.b = lin.weight, lin.bias

    def run(self, steps):
        x, w, b = self.x, self.w, self.b
        t0 = time.perf_counter()
        for _ in range(steps):
            w.grad = None
            b.grad = None
            F.linear(x, w, b).relu().sum().backward()
        return time.perf_counter() - t0


def conv_model(arch):
    """The conv case's nets (bench/cases/conv.mjs): LeNet-style or a small ResNet-style stack."""
    nn = torch.nn
    if arch == "lenet":
        return nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                      nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
            self.shortcut = None if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            return F.relu(self.body(x) + (x if self.shortcut is None else self.shortcut(x)))

    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         Block(16, 16, 1), Block(16, 32, 2), Block(32, 32, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def image_batches(n, batch, seed):
    x, y = mnist_like(n, seed)
    x = x.reshape(n, 1, 28, 28)
    return [(x[i:i + batch].contiguous(), y[i:i + batch].contiguous()) for i in range(0, n - batch + 1, batch)]


class ConvTrain:
    """Training steps of conv_model(arch): softmax-CE, Adam(1e-3), pre-built batches cycled."""

    def __init__(self, arch, batch=64, n=2048, seed=1, **_):
        torch.manual_seed(seed)
        self.model = conv_model(arch).train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.batches, self.k = image_batches(n, batch, seed), 0
        self.last_loss = None

    def run(self, steps):
        model, opt = self.model, self.opt
        t0 = time.perf_counter()
        for _ in range(steps):
            xb, yb = self.batches[self.k % len(self.batches)]
            self.k += 1
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        self.last_loss = float(loss)
        return time.perf_counter() - t0


class GptTrain:
    """Char-GPT training step (bench/gpt_torch.py's model: 4 pre-LN layers, d=128, 4 heads,
    context 128, tied embeddings), random token windows, AdamW + clipping, batch `batch`."""

    def __init__(self, batch=16, context=128, vocab=82, seed=1, **_):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        from gpt_torch import GPT  # noqa: E402  (the recipe script beside this folder)
        torch.manual_seed(seed)
        self.model = GPT(vocab, context)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
        self.gen = torch.Generator().manual_seed(seed)
        self.stream = torch.randint(0, vocab, (200_000,), generator=self.gen)
        self.batch, self.context = batch, context
        self.last_loss = None

    def run(self, steps):
        t0 = time.perf_counter()
        T = self.context
        for _ in range(steps):
            starts = torch.randint(0, len(self.stream) - T - 1, (self.batch,), generator=self.gen).tolist()
            x = torch.stack([self.stream[s:s + T] for s in starts])
            y = torch.stack([self.stream[s + 1:s + 1 + T] for s in starts])
            logits = self.model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
        self.last_loss = float(loss)
        return time.perf_counter() - t0


class ConvInfer:
    """Eval-mode forward of conv_model(arch) over n samples in batches; one 'step' = one pass."""

    def __init__(self, arch, batch=256, n=2048, seed=1, **_):
        torch.manual_seed(seed)
        self.model = conv_model(arch).eval()
        self.batches = image_batches(n, batch, seed)

    def run(self, steps):
        t0 = time.perf_counter()
        with torch.inference_mode():
            for _ in range(steps):
                for xb, _y in self.batches:
                    out = self.model(xb)
        self.checksum = float(out.sum())
        return time.perf_counter() - t0


KINDS = {"mlp": Mlp, "tiny": Tiny, "inference": Inference, "linear_relu": LinearRelu,
         "conv_train": ConvTrain, "conv_infer": ConvInfer, "gpt": GptTrain}

# case lstm (i14-rnn): the class lives beside this script
from torch_lstm import Lstm  # noqa: E402

KINDS["lstm"] = Lstm


def memory(batch=128, warmup=100, steps=5000, max_seconds=60.0, seed=1, samples=20, **_):
    """Peak RSS while training case 2, and RSS growth over `steps` steps after warm-up."""
    rss_start = rss_mb()
    b = Mlp(batch=batch, seed=seed)
    per = b.run(warmup) / warmup
    rss_warm = rss_mb()
    series, done, t0 = [], 0, time.perf_counter()
    chunk = max(1, min(steps // samples, int(max_seconds / samples / per)))
    while done < steps and time.perf_counter() - t0 < max_seconds:
        k = min(chunk, steps - done)
        sec = b.run(k)
        done += k
        series.append([done, rss_mb(), sec / k * 1e3])
    return {"rssStartMB": rss_start, "rssAfterWarmupMB": rss_warm, "rssEndMB": rss_mb(),
            "peakRssMB": peak_rss_mb(), "steps": done, "seconds": time.perf_counter() - t0,
            "series": series}


def export_onnx(path, seed=1, **_):
    torch.manual_seed(seed)
    model = mlp_model([784, 512, 256, 10]).eval()
    torch.onnx.export(model, torch.zeros(1, 784), path, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}})
    return {"path": path}


def hello():
    return {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "torchThreads": torch.get_num_threads(),
        "openblas": openblas_info(),
        "env": {k: os.environ.get(k) for k in
                ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY")},
        "cpuCapability": torch.backends.cpu.get_cpu_capability()
        if hasattr(torch.backends, "cpu") else None,
    }


def main():
    benches = {}
    specs = {}
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req.pop("op")
            rid = req.pop("id", None)
            if op == "hello":
                res = hello()
            elif op == "setup":
                key = req.pop("key")
                specs[key] = dict(req)
                benches[key] = KINDS[req.pop("kind")](**req)
                res = {"key": key}
            elif op == "reset":  # a fresh object of the same kind, warmed up (untimed)
                key = req["key"]
                spec = dict(specs[key])
                benches.pop(key, None)
                benches[key] = KINDS[spec.pop("kind")](**spec)
                if int(req.get("warmup", 0)) > 0:
                    benches[key].run(int(req["warmup"]))
                res = {}
            elif op == "run":
                bench = benches[req["key"]]
                res = {"seconds": bench.run(int(req["steps"]))}
                if getattr(bench, "last_loss", None) is not None:
                    res["loss"] = bench.last_loss
            elif op == "free":
                benches.pop(req["key"], None)
                res = {}
            elif op == "memory":
                res = memory(**req)
            elif op == "export_onnx":
                res = export_onnx(**req)
            elif op == "quit":
                out.write(TAG + json.dumps({"id": rid, "ok": True, "result": {}}) + "\n")
                out.flush()
                return
            else:
                raise ValueError("unknown op " + op)
            msg = {"id": rid, "ok": True, "result": res}
        except Exception as e:  # report, keep serving
            msg = {"id": locals().get("rid"), "ok": False,
                   "error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}
        out.write(TAG + json.dumps(msg) + "\n")
        out.flush()


if __name__ == "__main__":
    main()

"""PyTorch side of bench case `lstm` (bench/cases/lstm.mjs), loaded by torch_bench.py.

Training step of a sequence classifier: torch.nn.LSTM (seq-first input (T, B, I)) -> the last
layer's final hidden state -> Linear(H, 10) -> cross-entropy on fixed random labels, Adam(1e-3).
Inputs are fixed random tensors (no data loading in the timed loop), as on the nodegrad side.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F


class Lstm:
    def __init__(self, seq=64, batch=32, inp=64, hidden=128, layers=1, seed=1, **_):
        torch.manual_seed(seed)
        g = np.random.default_rng(seed)
        self.x = torch.from_numpy(g.standard_normal((seq, batch, inp), dtype=np.float32))
        self.y = torch.from_numpy(g.integers(0, 10, size=batch).astype(np.int64))
        self.lstm = torch.nn.LSTM(inp, hidden, num_layers=layers)
        self.head = torch.nn.Linear(hidden, 10)
        self.opt = torch.optim.Adam(list(self.lstm.parameters()) + list(self.head.parameters()), lr=1e-3)
        self.last_loss = None

    def run(self, steps):
        x, y, lstm, head, opt = self.x, self.y, self.lstm, self.head, self.opt
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            _, (h, _) = lstm(x)
            loss = F.cross_entropy(head(h[-1]), y)
            loss.backward()
            opt.step()
        self.last_loss = float(loss)
        return time.perf_counter() - t0

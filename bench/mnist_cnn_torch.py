#!/usr/bin/env python3
"""The `nodegrad train --model cnn` recipe in PyTorch, on the same rows.

Same data (the bundled MNIST digits, nodegrad's seeded 8000/2000 split, exported by
bench/mnist-split.cjs), same network (two 5x5 conv (padding 2) + ReLU + 2x2 max-pool blocks with
16 and 32 channels, Linear 1568-128, ReLU, Linear 128-10; He-uniform weights and zero biases for
the layers that feed a ReLU, PyTorch's default init for the last one, as nodegrad's Sequential
does), same training: the last 10% of the training rows validate, random +-2 pixel shifts of
the others (zero fill), Adam lr 2e-3, batch 64, shuffled, 12 epochs, cosine annealing to lr/100
stepped per epoch, cross-entropy. Prints the test accuracy and the training time.

    npm run build:ts && /usr/bin/python3 bench/mnist_cnn_torch.py [--epochs 12] [--threads 2] [--seed 42]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument('--epochs', type=int, default=12)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--seed', type=int, default=42)
ap.add_argument('--lr', type=float, default=2e-3)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)

here = os.path.dirname(os.path.abspath(__file__))
with tempfile.TemporaryDirectory() as tmp:
    f = os.path.join(tmp, 'mnist.bin')
    subprocess.run(['node', os.path.join(here, 'mnist-split.cjs'), f, str(args.seed)], check=True)
    raw = open(f, 'rb').read()
n_train, n_test = np.frombuffer(raw[:8], dtype='<i4')
off = 8


def take(n, dtype, count):
    global off
    a = np.frombuffer(raw[off:off + count * 4], dtype=dtype)
    off += count * 4
    return a


x_train = take(n_train, '<f4', n_train * 784).reshape(n_train, 1, 28, 28)
y_train = take(n_train, '<i4', n_train).astype(np.int64)
x_test = take(n_test, '<f4', n_test * 784).reshape(n_test, 1, 28, 28)
y_test = take(n_test, '<i4', n_test).astype(np.int64)
n_val = n_train // 10
x_fit, y_fit = x_train[:n_train - n_val], y_train[:n_train - n_val]
x_val, y_val = x_train[n_train - n_val:], y_train[n_train - n_val:]

model = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
for m in (model[0], model[3], model[7]):  # layers followed by ReLU: He uniform, zero bias
    nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')
    nn.init.zeros_(m.bias)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs, eta_min=args.lr / 100)


def shift(batch):
    """Random whole-pixel shifts in [-2, 2] on both axes, zero fill (nodegrad's randomShift(2))."""
    out = np.zeros_like(batch)
    for i in range(batch.shape[0]):
        dy, dx = rng.integers(-2, 3, size=2)
        src = batch[i, 0]
        dst = out[i, 0]
        ys, yd = (slice(0, 28 - dy), slice(dy, 28)) if dy >= 0 else (slice(-dy, 28), slice(0, 28 + dy))
        xs, xd = (slice(0, 28 - dx), slice(dx, 28)) if dx >= 0 else (slice(-dx, 28), slice(0, 28 + dx))
        dst[yd, xd] = src[ys, xs]
    return out


def accuracy(x, y):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(x[i:i + 1000])) for i in range(0, len(x), 1000)])
    model.train()
    return (logits.argmax(1).numpy() == y).mean(), F.cross_entropy(logits, torch.from_numpy(y)).item()


t0 = time.perf_counter()
for epoch in range(args.epochs):
    perm = rng.permutation(len(x_fit))
    total = 0.0
    for b in range(0, len(perm), 64):
        idx = perm[b:b + 64]
        xb = torch.from_numpy(shift(x_fit[idx]))
        loss = F.cross_entropy(model(xb), torch.from_numpy(y_fit[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    sched.step()
    va, vl = accuracy(x_val, y_val)
    print('epoch %d/%d - loss %.4f - val_loss %.4f - val_accuracy %.4f' % (epoch + 1, args.epochs, total / len(x_fit), vl, va))
seconds = time.perf_counter() - t0
acc, loss = accuracy(x_test, y_test)
print('torch %s, %d threads: trained in %.1f s, test accuracy %.2f%% (%d samples), test loss %.4f'
      % (torch.__version__, args.threads, seconds, acc * 100, len(y_test), loss))

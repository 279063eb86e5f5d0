#!/usr/bin/env node
// Deterministic parity of the char-GPT recipe (lib/train/lm.ts) with its PyTorch twin
// (bench/gpt_torch.py): the same initial weights and the same training windows on both sides, so
// any difference beyond float32 rounding is a difference of the recipe (model, loss, clipping,
// AdamW and its groups, learning-rate schedule).
//
//   npm run build:ts && node bench/gpt_parity.mjs [--steps 40] [--seed 1337] [--threads 1]
//                                                [--batch-size 16] [--context 128] [--lr 2e-3]
//
// nodegrad builds the model as trainCharGPT does (seeded), writes its initial weights
// (safetensors, names shared with PyTorch) and its sampler's window starts, runs the steps with
// charGPTTrainStep and warmupCosineLr, then runs gpt_torch.py --init-weights --starts on the same
// files and prints per-step losses and gradient norms side by side, the validation losses and
// the largest difference of the final weights. Exit code 1 when a loss differs by more than
// --tol (relative, default 1e-3).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './lib/peers.mjs';

const require = createRequire(import.meta.url);

function args(argv) {
  const o = { steps: 40, seed: 1337, threads: 1, batchSize: 16, context: 128, lr: 2e-3, valWindows: 64, tol: 1e-3, python: '/usr/bin/python3' };
  const names = { '--steps': 'steps', '--seed': 'seed', '--threads': 'threads', '--batch-size': 'batchSize', '--context': 'context',
    '--lr': 'lr', '--val-windows': 'valWindows', '--tol': 'tol', '--python': 'python' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = names[argv[i]];
    if (!k || argv[i + 1] === undefined) throw new Error(`Expected one of ${Object.keys(names).join(' ')} with a value but received ${argv[i]}`);
    o[k] = k === 'python' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return o;
}

function readF32Safetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const [s, e] = v.data_offsets;
    const bytes = buf.subarray(8 + n + s, 8 + n + e);
    out[k] = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  return out;
}

async function main() {
  const o = args(process.argv.slice(2));
  const ng = require(path.join(ROOT, 'dist', 'index.js'));
  const lm = require(path.join(ROOT, 'dist', 'train', 'lm.js'));
  ng.setNumThreads(o.threads);
  const { steps, batchSize: B, context: T, lr, seed } = o;
  const warmup = Math.min(100, Math.floor(steps / 10));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-gpt-parity-'));
  try {
    // As trainCharGPT: seed, data, model, then the sampler seeded with the same number.
    ng.setSeed(seed);
    const { tokenizer, trainIds, valIds } = lm.loadCharGPTData();
    const model = new ng.nn.GPT({ vocabSize: tokenizer.vocabSize, contextLength: T, dModel: 128, numLayers: 4, numHeads: 4 });
    await ng.io.save(model, path.join(dir, 'init.safetensors'));
    const ds = new ng.text.TokenWindowDataset(trainIds, T);
    const sampler = new ng.data.RandomSampler(ds, { numSamples: steps * B, replacement: true, seed });
    const flat = Array.from(sampler.indices());
    const starts = Array.from({ length: steps }, (_, s) => flat.slice(s * B, (s + 1) * B));
    fs.writeFileSync(path.join(dir, 'starts.json'), JSON.stringify({ vocab: [...tokenizer.chars, '<unk>'], starts }));

    const trainStep = lm.charGPTTrainStep(model, { weightDecay: 0.1, gradClip: 1 });
    const valStarts = lm.evenWindows(valIds.length, T, o.valWindows);
    const evalEvery = Math.max(1, Math.floor(steps / 4));
    const ngTrace = { losses: [], gradNorms: [], lrs: [], valHistory: [] };
    const t0 = performance.now();
    for (let step = 0; step < steps; step++) {
      const x = new Int32Array(B * T), y = new Int32Array(B * T);
      starts[step].forEach((s, k) => { x.set(trainIds.subarray(s, s + T), k * T); y.set(trainIds.subarray(s + 1, s + 1 + T), k * T); });
      const cur = lm.warmupCosineLr(step, steps, lr, warmup);
      const xt = ng.fromArray(x, [B, T]), yt = ng.fromArray(y, [B, T]);
      const r = trainStep(xt, yt, cur);
      xt.dispose();
      yt.dispose();
      ngTrace.losses.push(r.loss);
      ngTrace.gradNorms.push(r.gradNorm);
      ngTrace.lrs.push(cur);
      if ((step + 1) % evalEvery === 0 || step + 1 === steps) ngTrace.valHistory.push([step + 1, lm.windowLoss(model, valIds, valStarts, T, B)]);
    }
    const ngSeconds = (performance.now() - t0) / 1000;
    await ng.io.save(model, path.join(dir, 'ng-final.safetensors'));

    const t1 = performance.now();
    const py = spawnSync(o.python, [path.join(ROOT, 'bench', 'gpt_torch.py'), '--steps', String(steps), '--batch-size', String(B),
      '--context', String(T), '--lr', String(lr), '--seed', String(seed), '--threads', String(o.threads), '--val-windows', String(o.valWindows),
      '--init-weights', path.join(dir, 'init.safetensors'), '--starts', path.join(dir, 'starts.json'),
      '--trace', path.join(dir, 'torch-trace.json'), '--final-weights', path.join(dir, 'torch-final.safetensors')],
    { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(o.threads) } });
    if (py.status !== 0) throw new Error(`gpt_torch.py failed (${py.status}):\n${py.stderr}`);
    const torchSeconds = (performance.now() - t1) / 1000;
    const th = JSON.parse(fs.readFileSync(path.join(dir, 'torch-trace.json'), 'utf8'));

    const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    console.log(`char-GPT parity: ${steps} steps, batch ${B}, context ${T}, lr ${lr} (warmup ${warmup}), seed ${seed}, ${o.threads} thread(s)`);
    console.log('step |   lr      | loss nodegrad | loss torch  | rel diff | grad norm ng | grad norm torch');
    let worstLoss = 0;
    for (let s = 0; s < steps; s++) {
      const d = rel(ngTrace.losses[s], th.losses[s]);
      worstLoss = Math.max(worstLoss, d);
      // Long runs: the first 10 steps, then every 10th (the maximum covers them all).
      if (steps > 60 && s >= 10 && (s + 1) % 10 !== 0 && s + 1 !== steps) continue;
      console.log(`${String(s + 1).padStart(4)} | ${ngTrace.lrs[s].toExponential(2)}  | ${ngTrace.losses[s].toFixed(6).padStart(13)} | ` +
        `${th.losses[s].toFixed(6).padStart(11)} | ${d.toExponential(1).padStart(8)} | ${ngTrace.gradNorms[s].toFixed(5).padStart(12)} | ` +
        `${th.gradNorms[s].toFixed(5).padStart(15)}`);
    }
    const lrDiff = Math.max(...ngTrace.lrs.map((v, s) => Math.abs(v - th.lrs[s])));
    for (let k = 0; k < th.valHistory.length; k++) {
      console.log(`validation after step ${th.valHistory[k][0]}: nodegrad ${ngTrace.valHistory[k][1].toFixed(6)} | torch ${th.valHistory[k][1].toFixed(6)}`);
    }
    const a = readF32Safetensors(path.join(dir, 'ng-final.safetensors'));
    const b = readF32Safetensors(path.join(dir, 'torch-final.safetensors'));
    const keys = Object.keys(b).sort();
    if (JSON.stringify(Object.keys(a).sort()) !== JSON.stringify(keys)) throw new Error('final state dicts have different names');
    // Per tensor: largest element difference relative to the largest element, and the relative
    // L2 norm of the difference; the worst tensor of each.
    let worstW = { name: '', abs: 0, rel: 0 }, worstL2 = { name: '', rel: 0 };
    for (const k of keys) {
      let d = 0, m = 0, d2 = 0, m2 = 0;
      for (let i = 0; i < b[k].length; i++) {
        const e = a[k][i] - b[k][i];
        d = Math.max(d, Math.abs(e));
        m = Math.max(m, Math.abs(b[k][i]));
        d2 += e * e;
        m2 += b[k][i] * b[k][i];
      }
      if (d / m > worstW.rel) worstW = { name: k, abs: d, rel: d / m };
      if (Math.sqrt(d2 / m2) > worstL2.rel) worstL2 = { name: k, rel: Math.sqrt(d2 / m2) };
    }
    const summary = { steps, maxLossRelDiff: worstLoss, maxLrDiff: lrDiff, worstFinalWeight: worstW, worstFinalWeightL2: worstL2,
      finalLoss: { nodegrad: ngTrace.losses[steps - 1], torch: th.losses[steps - 1] },
      valLoss: { nodegrad: ngTrace.valHistory.at(-1)[1], torch: th.valHistory.at(-1)[1] },
      seconds: { nodegrad: ngSeconds, torchProcess: torchSeconds } };
    console.log(JSON.stringify(summary));
    if (!(worstLoss <= o.tol)) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });

#!/usr/bin/env node
// Soak test (npm run soak): a long MLP training run (batch 64) with periodic evaluate, predict,
// save/load and a worker-thread fit, sampling RSS and nodegrad's memory stats. Reports the RSS
// slope after warm-up (least squares, KiB per 1000 steps), live tensors and native bytes at the
// start and end; exits 1 if tensors or native bytes are left over at the end (a leak), or if
// RSS grew by more than --max-growth-mb after warm-up.
//
//   node scripts/soak.js [--steps 100000] [--loop tidy|trainer|plain] [--every 5000] [--json]
// Loops: tidy    PyTorch style inside ng.tidy (the default)
//        trainer trainer.trainStep
//        plain   PyTorch style without ng.tidy (the step's tensors are left to the GC)
// Uses dist/ (npm run build:ts).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const ng = require(path.join(__dirname, '..', 'dist'));

// A full GC between samples (without needing node --expose-gc), so RSS and live tensors
// reflect what is really held.
require('v8').setFlagsFromString('--expose-gc');
const gc = require('vm').runInNewContext('gc');

function opt(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return typeof def === 'number' ? Number(v) : v;
}

const steps = opt('steps', 100000);
const loop = opt('loop', 'tidy');
const every = opt('every', Math.max(100, Math.floor(steps / 20)));
const maxGrowthMb = opt('max-growth-mb', 64);
const sampleEvery = Math.max(10, Math.floor(steps / 200));
const warmup = Math.floor(steps / 5);
if (!['tidy', 'trainer', 'plain'].includes(loop)) throw new Error(`Expected tidy, trainer or plain for --loop but received ${loop}`);

function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
  return den ? num / den : 0;
}

async function main() {
  ng.setSeed(11);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-soak-'));
  // Data: 4096 x 32 features, 10 classes from a fixed random teacher.
  const N = 4096;
  const D = 32;
  const C = 10;
  const teacher = ng.randn([D, C]);
  const x = ng.randn([N, D]);
  const y = ng.noGrad(() => ng.argmax(ng.matmul(x, teacher), -1));
  teacher.dispose();
  const train = ng.data.fromTensors(x, y);
  const model = new ng.nn.Sequential(new ng.nn.Linear(D, 64), new ng.nn.ReLU(), new ng.nn.Linear(64, 64), new ng.nn.ReLU(),
    new ng.nn.Linear(64, C));
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 1e-3, metrics: ['accuracy'] });
  const opt2 = trainer.optimizer;
  const loader = new ng.data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 5 });
  const file = path.join(dir, 'model.safetensors');
  const samples = [];
  const events = { evaluate: 0, predict: 0, saveLoad: 0, workerFit: 0 };
  let stats0 = null;
  let rss0 = 0;
  let step = 0;
  let lastLoss = NaN;
  const t0 = Date.now();

  const oneStep = (bx, by) => {
    if (loop === 'trainer') return trainer.trainStep(bx, by);
    const body = () => {
      opt2.zeroGrad();
      const loss = ng.losses.crossEntropy(model.forward(bx), by);
      loss.backward();
      opt2.step();
      return loss.item();
    };
    return loop === 'tidy' ? ng.tidy(body) : body();
  };

  while (step < steps) {
    for (const batch of loader) {
      if (step >= steps) break;
      lastLoss = oneStep(batch.x, batch.y);
      step++;
      if (step % every === 0) {
        await trainer.evaluate(train, { batchSize: 256 });
        events.evaluate++;
        const p = trainer.predict(x, { batchSize: 512 });
        p.dispose();
        events.predict++;
        await ng.io.save(model, file);
        const again = await ng.io.load(file);
        again.dispose?.();
        events.saveLoad++;
        // A worker-thread fit on a small copy of the model (same architecture, its own trainer).
        const wm = await ng.io.load(file);
        const wt = new ng.Trainer({ model: wm, loss: 'crossEntropy', optimizer: 'adam', lr: 1e-3 });
        await wt.fit(train, { epochs: 1, batchSize: 64, verbose: 0, worker: true });
        wm.dispose?.();
        events.workerFit++;
      }
      if (step % sampleEvery === 0) {
        if (step === warmup || (stats0 === null && step > warmup)) {
          gc();
          ng.trimMemoryPool();
          stats0 = ng.memoryStats();
          rss0 = process.memoryUsage().rss;
        }
        if (step >= warmup) samples.push([step, process.memoryUsage().rss]);
      }
    }
  }
  // Objects left to the GC (the worker-fit trainers' optimizer state, ...) are freed by
  // finalizers that run some time after a collection: several rounds (slow under ASan).
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  ng.trimMemoryPool();
  const stats1 = ng.memoryStats();
  const rss1 = process.memoryUsage().rss;
  const kibPer1000 = (slope(samples) * 1000) / 1024;
  const result = {
    loop, steps, batchSize: 64, seconds: Number(((Date.now() - t0) / 1000).toFixed(1)), lastLoss,
    events, rssSlopeKiBPer1000Steps: Number(kibPer1000.toFixed(2)),
    rssAfterWarmupMb: Number((rss0 / 2 ** 20).toFixed(1)), rssEndMb: Number((rss1 / 2 ** 20).toFixed(1)),
    // Undisposed storages (tensors dropped without dispose() are reclaimed by the GC and stay counted).
    undisposedAfterWarmup: stats0?.storages, undisposedEnd: stats1.storages,
    // ArrayBuffer bytes after a full GC and a pool trim: what tensors really hold.
    arrayBufferMbAfterWarmup: stats0 ? Number((stats0.arrayBufferBytes / 2 ** 20).toFixed(2)) : undefined,
    arrayBufferMbEnd: Number((stats1.arrayBufferBytes / 2 ** 20).toFixed(2)),
    nativeBytesAfterWarmup: stats0?.nativeBytesLive, nativeBytesEnd: stats1.nativeBytesLive,
    bytesPooledEnd: stats1.bytesPooled, nativeAllocationsAfterWarmup: stats0?.nativeAllocations, nativeAllocationsEnd: stats1.nativeAllocations,
  };
  fs.rmSync(dir, { recursive: true, force: true });
  const problems = [];
  // Tensor memory is V8's (lib/tensor/storage.ts): after a full GC and a pool trim, the bytes in
  // ArrayBuffers must be back where they were after warm-up (8 MiB of slack: slabs, file-read buffers and V8 caches; a per-step leak over 100,000 steps is far larger).
  if (stats0 && stats1.arrayBufferBytes > stats0.arrayBufferBytes + 8 * 2 ** 20) {
    problems.push(`${((stats1.arrayBufferBytes - stats0.arrayBufferBytes) / 2 ** 20).toFixed(2)} MiB more in ArrayBuffers than after warm-up`);
  }
  if (stats0 && stats1.nativeBytesLive > stats0.nativeBytesLive) problems.push(`${stats1.nativeBytesLive - stats0.nativeBytesLive} more native bytes live than after warm-up`);
  // Under AddressSanitizer freed memory sits in its quarantine (256 MB by default), so RSS says
  // nothing about leaks there; live tensors and native bytes still do.
  const asan = /libasan/.test(process.env.LD_PRELOAD || '');
  result.rssCheck = asan ? 'skipped under ASan (its quarantine holds freed memory)' : `limit ${maxGrowthMb} MB`;
  if (!asan && (rss1 - rss0) / 2 ** 20 > maxGrowthMb) problems.push(`RSS grew ${((rss1 - rss0) / 2 ** 20).toFixed(1)} MB after warm-up (limit ${maxGrowthMb})`);
  result.problems = problems;
  console.log(JSON.stringify(result, null, process.argv.includes('--json') ? 0 : 2));
  process.exitCode = problems.length ? 1 : 0;
}

main().catch((e) => { console.error(e); process.exit(1); });

#!/usr/bin/env node
// What the dashboard's event log costs: the same fit() (the CLI's MNIST-sized MLP,
// 784-256-128-10, batch 64, on seeded random data) with and without ng.callbacks.eventLog,
// alternated so machine noise hits both alike. Prints the median time per step of each, their
// difference, and the callback's own measure (time spent recording / time in steps).
//   npm run build:ts && node bench/dashboard-log.mjs [--rounds 5] [--epochs 2] [--batch 64]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ng = require('../dist/index.js');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const rounds = arg('rounds', 5);
const epochs = arg('epochs', 2);
const batchSize = arg('batch', 64);
const n = 8000;

const rng = new ng.Rng(1);
const xs = new Float32Array(n * 784).map(() => rng.normal());
const ys = Int32Array.from({ length: n }, (_, i) => i % 10);
const x = ng.fromArray(xs, [n, 784]);
const y = ng.fromArray(ys, [n], { dtype: 'int32' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-log-bench-'));

async function once(withLog) {
  ng.setSeed(7);
  const model = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 128), new ng.nn.ReLU(),
    new ng.nn.Linear(128, 10));
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['accuracy'] });
  const log = withLog ? ng.callbacks.eventLog(path.join(tmp, `run-${Date.now()}`), { confusion: false }) : null;
  let steps = 0;
  const count = ng.callbacks.lambda({ onBatchEnd: () => { steps++; } });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await trainer.fit([x, y], { epochs, batchSize, callbacks: log ? [count, log] : [count], verbose: 0 });
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  model.dispose();
  return { perStep: ms / steps, cpuPerStep: (c.user + c.system) / 1000 / steps, overhead: log ? log.overhead() : null,
    bytes: log ? fs.statSync(log.file).size : 0 };
}

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
await once(true); // warm-up (JIT, pools)
const base = [];
const logged = [];
const baseCpu = [];
const loggedCpu = [];
const fractions = [];
let bytes = 0;
for (let r = 0; r < rounds; r++) {
  const p = await once(false);
  base.push(p.perStep);
  baseCpu.push(p.cpuPerStep);
  const l = await once(true);
  logged.push(l.perStep);
  loggedCpu.push(l.cpuPerStep);
  fractions.push(l.overhead.fraction);
  bytes = l.bytes;
}
fs.rmSync(tmp, { recursive: true, force: true });
const b = median(base);
const w = median(logged);
console.log(`threads ${ng.getNumThreads()}, ${rounds} rounds of ${epochs} epochs x ${Math.ceil(n / batchSize)} steps (batch ${batchSize})`);
console.log(`median ms/step without the log: ${b.toFixed(4)}, with it: ${w.toFixed(4)} (${(((w - b) / b) * 100).toFixed(2)}%)`);
const bc = median(baseCpu);
const wc = median(loggedCpu);
console.log(`median CPU ms/step (all threads) without: ${bc.toFixed(4)}, with: ${wc.toFixed(4)} (${(((wc - bc) / bc) * 100).toFixed(2)}%)`);
console.log(`recording time / step time, as the callback measures it: median ${(median(fractions) * 100).toFixed(2)}% ` +
  `(runs: ${fractions.map((f) => (f * 100).toFixed(2)).join(', ')}%); log size ${bytes} bytes per run`);

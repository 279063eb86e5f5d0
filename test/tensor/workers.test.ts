import { describe, it, expect, beforeAll } from 'vitest';
import { Worker } from 'node:worker_threads';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist', 'index.js');

// Each worker loads the addon in its own Node environment and trains a few steps.
const script = `
const { parentPort, workerData } = require('node:worker_threads');
const ng = require(workerData.dist);
ng.setSeed(workerData.seed);
const model = new ng.nn.Sequential(new ng.nn.Linear(4, 8), new ng.nn.ReLU(), new ng.nn.Linear(8, 1));
const opt = new ng.optim.SGD(model.parameters(), { lr: 0.1 });
const x = ng.randn([16, 4]);
const y = ng.randn([16, 1]);
let loss = 0;
for (let i = 0; i < 20; i++) loss = ng.tidy(() => { opt.zeroGrad(); const l = ng.losses.mse(model.forward(x), y); l.backward(); opt.step(); return l.item(); });
parentPort.postMessage({ loss, backend: ng.backend() });
`;

function runWorker(seed: number): Promise<{ loss: number; backend: string }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { eval: true, workerData: { dist, seed } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('worker_threads (context-aware addon)', () => {
  beforeAll(() => {
    if (!fs.existsSync(dist)) execSync('npm run build:ts', { cwd: root, stdio: 'ignore' });
  });

  it('loads and trains in several workers at once, with seeded identical results', async () => {
    const results = await Promise.all([runWorker(1), runWorker(1), runWorker(2), runWorker(3)]);
    for (const r of results) expect(Number.isFinite(r.loss)).toBe(true);
    expect(results[0].loss).toBe(results[1].loss);
    expect(results[0].backend).toMatch(/^cpu-/);
  });

  it('survives 20 worker lifecycles and termination during native work', async () => {
    for (let i = 0; i < 20; i++) await runWorker(i);
    const w = new Worker(`
      const ng = require(${JSON.stringify(dist)});
      const a = ng.randn([512, 512]);
      require('node:worker_threads').parentPort.postMessage('looping');
      for (;;) ng.tidy(() => a.matmul(a));
    `, { eval: true });
    // Wait until the worker is inside its loop (on a slow machine, or under ASan, loading takes
    // longer than any fixed delay; terminated before its script ran, a worker exits with 0).
    await new Promise((r) => w.once('message', r));
    await new Promise((r) => setTimeout(r, 50));
    const code = await w.terminate();
    expect(code).toBe(1);
    // The main process is still alive and the addon still works here.
    expect((await runWorker(5)).loss).toBeGreaterThanOrEqual(0);
  });
});

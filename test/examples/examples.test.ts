/**
 * The examples/ folder: each example's run() reaches the accuracy the issue promises (fixed
 * seeds). csv-regression.ts has no run() export and runs on import, so it is spawned with tsx.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import * as xor from '../../examples/xor';
import * as binary from '../../examples/binary-classifier';
import * as mnist from '../../examples/mnist-mlp';
import * as mnistCnn from '../../examples/mnist-cnn';
import * as mnistVae from '../../examples/mnist-vae';

const ROOT = path.resolve(__dirname, '..', '..');

describe('examples', () => {
  it('xor: predictions within 0.1 of the targets; loss logged every 100 steps', () => {
    const logs: string[] = [];
    const r = xor.run({ log: (s) => logs.push(s) });
    expect(r.targets).toEqual([0, 1, 1, 0]);
    r.predictions.forEach((p, i) => expect(Math.abs(p - r.targets[i])).toBeLessThan(0.1));
    expect(r.losses).toHaveLength(1000);
    expect(r.losses[999]).toBeLessThan(r.losses[0]);
    expect(logs.filter((l) => /^step \d+: loss \d+\.\d{6}$/.test(l))).toHaveLength(10);
    expect(logs[0]).toMatch(/^step 100: /);
    expect(logs[logs.length - 1]).toMatch(/^predictions: /);
  });

  it('binary-classifier: >= 95% train and >= 90% test accuracy for both trainings', () => {
    const logs: string[] = [];
    const r = binary.run({ log: (s) => logs.push(s) });
    for (const k of ['gd', 'adam'] as const) {
      expect(r[k].train).toBeGreaterThanOrEqual(0.95);
      expect(r[k].test).toBeGreaterThanOrEqual(0.9);
    }
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/^gradient descent \+ MSE: train accuracy \d+\.\d%, test \d+\.\d%$/);
    expect(logs[1]).toMatch(/^Adam \+ BCE:\s+train accuracy \d+\.\d%, test \d+\.\d%$/);
  });

  it('mnist-mlp (shortened: 3 epochs): >= 90% test accuracy', async () => {
    const r = await mnist.run({ epochs: 3, verbose: 0 });
    expect(r.history.epoch.length).toBeGreaterThanOrEqual(1);
    expect(r.history.epoch.length).toBeLessThanOrEqual(3);
    expect(r.test.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.history.history.val_accuracy).toHaveLength(r.history.epoch.length);
  });

  it('mnist-cnn (shortened: 2 epochs): >= 95% test accuracy on (N, 1, 28, 28) batches', async () => {
    const r = await mnistCnn.run({ epochs: 2, verbose: 0 });
    expect(r.history.epoch.length).toBe(2);
    expect(r.test.accuracy).toBeGreaterThanOrEqual(0.95);
    expect((r.model.layers[0] as ng.nn.Conv2d).weight.shape).toEqual([16, 1, 5, 5]);
  }, 120_000);

  it('mnist-vae (shortened: 2 epochs): the loss falls and test digits reconstruct well under the mean-image baseline', () => {
    const logs: string[] = [];
    const r = mnistVae.run({ epochs: 2, log: (s) => logs.push(s) });
    expect(r.losses).toHaveLength(2);
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
    expect(r.testError).toBeLessThan(0.75 * r.baselineError);
    expect(r.activeUnits).toBeGreaterThanOrEqual(4);
    expect(logs[2]).toMatch(/^test reconstruction error 0\.\d{4} \(mean-image baseline 0\.\d{4}\), \d of 8 latent units in use$/);
  }, 120_000);

  it('csv-regression (spawned with tsx): reports a held-out R^2 > 0.5', async () => {
    const file = path.join(ROOT, 'examples', 'csv-regression.ts');
    expect(fs.existsSync(file)).toBe(true);
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [tsx, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^weather\.csv: 2922 rows, features: /m);
    const m = /^held-out \((\d+) rows\): R\^2 = (-?\d+\.\d{3}), RMSE = \d+\.\d\d °C$/m.exec(stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(585);
    expect(Number(m![2])).toBeGreaterThan(0.5);
  }, 120_000);
});

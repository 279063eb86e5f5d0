/**
 * `nodegrad train --model cnn` (a small CNN on the bundled MNIST digits), spawned as a process:
 * the model line, the saved model evaluating to the reported accuracy, its ONNX export running
 * in onnxruntime-node like nodegrad, and the option errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { type CliResult, ensureDist, runCli } from './ensure-dist';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-cli-cnn-'));
const out = path.join(tmp, 'cnn-run');

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, tmp, 120_000);
}

let run: CliResult;
beforeAll(async () => {
  await ensureDist();
  run = await cli(['train', '--model', 'cnn', '--channels', '4,8', '--layers', '16', '--epochs', '2', '--out', out]);
}, 240_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('nodegrad train --model cnn', () => {
  it('trains, prints the architecture and a test accuracy, writes the model', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^model: cnn 1x28x28-conv5x5\(4\)-pool2-conv5x5\(8\)-pool2-16-10 \(relu, augment shift\), 7,370 parameters, adam lr 0\.002, batch 64, 2 epochs$/m);
    const acc = /^test accuracy: (\d+\.\d\d)% \(2000 samples\)/m.exec(run.stdout);
    expect(acc).not.toBeNull();
    expect(Number(acc![1])).toBeGreaterThan(80);
    for (const f of ['model.safetensors', 'report.html', 'curves.svg', 'confusion.svg']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  });

  it('evaluate reproduces the accuracy; export-onnx runs in onnxruntime-node like nodegrad', async () => {
    const model = path.join(out, 'model.safetensors');
    const ev = await cli(['evaluate', model]);
    expect(ev.code).toBe(0);
    const reported = /^test accuracy: (\d+\.\d\d)%/m.exec(run.stdout)![1];
    expect(ev.stdout).toContain(`accuracy: ${reported}% (2000 samples)`);
    const onnxFile = path.join(tmp, 'cnn.onnx');
    const ex = await cli(['export-onnx', model, onnxFile]);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('(input: [batch, 784] float32)');
    const loaded = await ng.io.load(model);
    const x = ng.rand([5, 784]);
    const want = ng.noGrad(() => loaded.forward(x));
    const session = await ort.InferenceSession.create(onnxFile);
    const got = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.data), [5, 784]) })).output;
    let worst = 0;
    for (let i = 0; i < want.size; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('option errors: one line naming the option', async () => {
    const csv = path.join(tmp, 'd.csv');
    fs.writeFileSync(csv, 'a,y\n1,2\n3,4\n');
    const cases: [string[], string][] = [
      [['train', '--model', 'rnn'], 'nodegrad: error: Expected one of mlp, cnn, gpt for --model but received "rnn"'],
      [['train', '--model', 'cnn', '--data', csv, '--target', 'y'], `nodegrad: error: Expected --data mnist for --model cnn (a network for 28x28 images) but received "${csv}"`],
      [['train', '--channels', '8'], 'nodegrad: error: Expected --model cnn with --channels but received --model mlp'],
      [['train', '--model', 'cnn', '--channels', '8,0'], 'nodegrad: error: Expected comma-separated positive integers for --channels but received "8,0"'],
      [['train', '--model', 'cnn', '--channels', '2,2,2,2,2,2'], 'nodegrad: error: Expected at most 4 conv blocks for --channels (28x28 input halves per block) but received 6'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli([...args, '--out', path.join(tmp, 'x')])));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).not.toBe(0);
      expect(r.stderr.trim()).toBe(cases[i][1]);
    });
  }, 120_000);
});

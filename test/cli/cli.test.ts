/**
 * The `nodegrad` command line, spawned as a process (node dist/cli/main.js ...): info, train on
 * MNIST and on a CSV file, evaluate, predict, export-onnx, and the one-line error messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { CLI, ROOT, ensureDist } from './ensure-dist';
import { runCli, type CliResult } from './run-cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');

type Result = CliResult;

/** Runs the CLI in the test's temporary folder. */
function cli(args: string[], opts: { timeout?: number } = {}): Promise<Result> {
  return runCli(args, { cwd: tmp, timeout: opts.timeout });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-cli-'));
const mnistOut = path.join(tmp, 'mnist-run');
const csvOut = path.join(tmp, 'csv-run');
const csvFile = path.join(tmp, 'data.csv');
const csvNoTarget = path.join(tmp, 'new.csv');
const csvTruth: number[] = [];
let mnistRun: Result;
let csvRun: Result;

/** 200 rows, features a, b, c; y = 2a - 3b + 0.5c + 1 + noise; one missing cell (row 6, b). */
function writeCsv(): void {
  const rng = new ng.Rng(3);
  const rows = ['a,b,c,y'];
  const newRows = ['a,b,c'];
  for (let i = 0; i < 200; i++) {
    const [a, b, c] = [rng.normal(), rng.normal(), rng.normal()];
    const y = 2 * a - 3 * b + 0.5 * c + 1 + 0.1 * rng.normal();
    const cells = [a.toFixed(4), b.toFixed(4), c.toFixed(4)];
    if (i === 5) cells[1] = '';
    rows.push([...cells, y.toFixed(4)].join(','));
    if (i >= 10 && i < 20) {
      newRows.push(cells.join(','));
      csvTruth.push(y);
    }
  }
  fs.writeFileSync(csvFile, rows.join('\n') + '\n');
  fs.writeFileSync(csvNoTarget, newRows.join('\n') + '\n');
}

beforeAll(async () => {
  await ensureDist();
  writeCsv();
  [mnistRun, csvRun] = await Promise.all([
    cli(['train', '--epochs', '2', '--layers', '32', '--augment', 'none', '--schedule', 'none', '--out', mnistOut]),
    cli(['train', '--data', csvFile, '--target', 'y', '--task', 'regression', '--epochs', '20', '--out', csvOut]),
  ]);
}, 240_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the bin', () => {
  it('dist/cli/main.js runs as a program (shebang and exec bit from build:ts), as npm and npx links run it', async () => {
    expect(fs.statSync(CLI).mode & 0o111).toBe(0o111);
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(CLI, ['--help'], { cwd: tmp });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: nodegrad /);
  });
});

describe('nodegrad info', () => {
  it('prints version, node, backend/ISA, threads, CUDA and MPI lines', async () => {
    const r = await cli(['info']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`nodegrad ${version}`);
    expect(lines[1]).toMatch(/^node v\d+\.\d+\.\d+ \(\w+-\w+\), N-API \d+$/);
    expect(lines[2]).toMatch(/^backend: \S+ \(CPU supports \S+; force with NODEGRAD_ISA=avx512\|avx2\|generic\)$/);
    expect(lines[3]).toMatch(/^threads: \d+ of \d+ \(OpenMP (on|off); /);
    expect(lines[4]).toMatch(/^cuda: (available|built, not usable|not built)/);
    expect(lines[5]).toMatch(/^mpi: (built in|not built)/);
    expect(lines[6]).toMatch(/^compiler: /);
  });
});

describe('nodegrad train (mnist)', () => {
  it('exits 0 and prints one plain line per epoch (non-TTY)', () => {
    expect(mnistRun.stderr).toBe('');
    expect(mnistRun.code).toBe(0);
    const out = mnistRun.stdout;
    expect(out).not.toContain('\x1B');
    const epochLines = out.split('\n').filter((l) => l.startsWith('Epoch '));
    expect(epochLines).toHaveLength(2);
    expect(epochLines[0]).toMatch(/^Epoch 1\/2 - \d+\.\ds - loss: \d+\.\d{4} - accuracy: \d\.\d{4} - lr: 0\.0010 - val_loss: \d+\.\d{4} - val_accuracy: \d\.\d{4}$/);
    expect(epochLines[1]).toMatch(/^Epoch 2\/2 - /);
    expect(out).toMatch(/^data: MNIST digits from the mnist package \| classification \| train 8000 \| test 2000 \| features 784 \| classes 10$/m);
    expect(out).toMatch(/^model: 784-32-10 \(relu\), 25,450 parameters, adam lr 0\.001, batch 64, 2 epochs$/m);
  });

  it('prints test accuracy, a per-class report and the confusion matrix', () => {
    const out = mnistRun.stdout;
    const acc = /^test accuracy: (\d+\.\d\d)% \(2000 samples\)  test loss: \d+\.\d{4}$/m.exec(out);
    expect(acc).not.toBeNull();
    expect(Number(acc![1])).toBeGreaterThan(85);
    const lines = out.split('\n');
    const header = lines.findIndex((l) => /^\s+precision\s+recall\s+f1-score\s+support$/.test(l));
    expect(header).toBeGreaterThan(0);
    const classRows = lines.slice(header + 2, header + 12);
    classRows.forEach((row, c) => expect(row).toMatch(new RegExp(`^\\s+${c}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d+$`)));
    const support = classRows.reduce((s, row) => s + Number(row.trim().split(/\s+/).pop()), 0);
    expect(support).toBe(2000);
    expect(out).toMatch(/^\s+accuracy\s+\d\.\d{4}\s+2000$/m);
    expect(out).toMatch(/^\s+macro avg\s/m);
    expect(out).toMatch(/^weighted avg\s/m);
    const cmAt = lines.indexOf('confusion matrix (rows: true class, columns: predicted):');
    expect(cmAt).toBeGreaterThan(header);
    expect(lines[cmAt + 1]).toMatch(/^true \\ pred\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9$/);
    const cm = lines.slice(cmAt + 2, cmAt + 12).map((l) => l.trim().split(/\s+/).map(Number));
    cm.forEach((row, c) => { expect(row).toHaveLength(11); expect(row[0]).toBe(c); });
    expect(cm.reduce((s, row) => s + row.slice(1).reduce((a, b) => a + b, 0), 0)).toBe(2000);
    const diagonal = cm.reduce((s, row, c) => s + row[c + 1], 0);
    expect((diagonal / 2000 * 100).toFixed(2)).toBe(acc![1]);
  });

  it('writes the model, report, history and plots, and prints their paths', () => {
    const files = {
      model: 'model.safetensors', history: 'history.json', curves: 'curves.svg', curvesPng: 'curves.png',
      confusion: 'confusion.svg', confusionPng: 'confusion.png', report: 'report.html',
    };
    const out = mnistRun.stdout;
    expect(out).toMatch(/\nwrote:\n/);
    for (const [key, name] of Object.entries(files)) {
      const p = path.join(mnistOut, name);
      expect(out).toContain(`  ${key.padEnd(13)} ${p}\n`);
      expect(fs.statSync(p).size).toBeGreaterThan(100);
    }
    const png = (f: string) => fs.readFileSync(path.join(mnistOut, f)).subarray(0, 8).toString('hex');
    expect(png('curves.png')).toBe('89504e470d0a1a0a');
    expect(png('confusion.png')).toBe('89504e470d0a1a0a');
    for (const f of ['curves.svg', 'confusion.svg']) expect(fs.readFileSync(path.join(mnistOut, f), 'utf8')).toMatch(/<svg[\s>]/);
    const html = fs.readFileSync(path.join(mnistOut, 'report.html'), 'utf8');
    expect(html).toMatch(/<html/i);
    expect(html).not.toMatch(/<(script|img|link)[^>]+(src|href)="https?:/i); // self-contained
    const history = JSON.parse(fs.readFileSync(path.join(mnistOut, 'history.json'), 'utf8'));
    expect(history.epoch).toEqual([0, 1]);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) expect(history.history[k]).toHaveLength(2);
  });

  it('evaluate <model> reproduces the test accuracy', async () => {
    const r = await cli(['evaluate', path.join(mnistOut, 'model.safetensors')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const trained = /^test accuracy: (\d+\.\d\d)%/m.exec(mnistRun.stdout)![1];
    expect(r.stdout).toMatch(new RegExp(`^accuracy: ${trained.replace('.', '\\.')}% \\(2000 samples\\)$`, 'm'));
    expect(r.stdout).toContain('confusion matrix (rows: true class, columns: predicted):');
    expect(r.stdout).toMatch(/^\s+precision\s+recall\s+f1-score\s+support$/m);
  });

  it('predict <model> --input rows.json gives the model\'s classes and probabilities', async () => {
    const modelFile = path.join(mnistOut, 'model.safetensors');
    const { test } = ng.data.mnist({ trainSize: 8000, testSize: 2000, seed: 42 });
    const rows: number[][] = [];
    for (let i = 0; i < 5; i++) rows.push(Array.from(test.x.data.subarray(i * 784, (i + 1) * 784)));
    const input = path.join(tmp, 'rows.json');
    fs.writeFileSync(input, JSON.stringify(rows));
    const r = await cli(['predict', modelFile, '--input', input]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const preds = JSON.parse(r.stdout) as { prediction: string; probability: number }[];
    expect(preds).toHaveLength(5);
    const model = await ng.io.load(modelFile);
    const logits = ng.noGrad(() => model.forward(ng.tensor(rows)));
    const probs = logits.softmax(-1);
    preds.forEach((p, i) => {
      const row = Array.from(probs.data.subarray(i * 10, (i + 1) * 10));
      const best = row.indexOf(Math.max(...row));
      expect(p.prediction).toBe(String(best));
      expect(p.probability).toBeCloseTo(row[best], 5);
    });
    // --output writes the same JSON to a file.
    const outFile = path.join(tmp, 'preds.json');
    const r2 = await cli(['predict', modelFile, '--input', input, '--output', outFile]);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toBe(`wrote 5 predictions to ${outFile}\n`);
    expect(JSON.parse(fs.readFileSync(outFile, 'utf8'))).toEqual(preds);
  });

  it('export-onnx <model> <out> writes a model onnxruntime runs with the same outputs', async () => {
    const modelFile = path.join(mnistOut, 'model.safetensors');
    const onnxFile = path.join(tmp, 'model.onnx');
    const r = await cli(['export-onnx', modelFile, onnxFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${onnxFile} (input: [batch, 784] float32)\n`);
    const rng = new ng.Rng(1);
    const x = Float32Array.from({ length: 3 * 784 }, () => rng.uniform());
    const session = await ort.InferenceSession.create(onnxFile);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.slice(), [3, 784]) };
    const got = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const model = await ng.io.load(modelFile);
    const want = ng.noGrad(() => model.forward(ng.fromArray(x, [3, 784]))).data;
    expect(got).toHaveLength(30);
    for (let i = 0; i < 30; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
  });
});

describe('nodegrad train (CSV regression)', () => {
  it('imputes the missing value, trains, and prints R^2', () => {
    expect(csvRun.stderr).toBe('');
    expect(csvRun.code).toBe(0);
    const out = csvRun.stdout;
    expect(out).toContain(`data: ${csvFile} | regression | train 160 | test 40 | features 3\n`);
    expect(out.split('\n').filter((l) => l.startsWith('Epoch '))).toHaveLength(20);
    const m = /^test R\^2: (-?\d+\.\d{4})  MAE: \d+\.\d{4}  MSE: \d+\.\d{4} \(40 samples, standardized features\)$/m.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0.8);
    for (const f of ['model.safetensors', 'history.json', 'curves.svg', 'curves.png', 'report.html']) {
      expect(fs.existsSync(path.join(csvOut, f))).toBe(true);
    }
    expect(fs.existsSync(path.join(csvOut, 'confusion.svg'))).toBe(false);
  });

  it('predict on a CSV without the target column applies the saved preprocessing', async () => {
    const r = await cli(['predict', path.join(csvOut, 'model.safetensors'), '--input', csvNoTarget]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const preds = (JSON.parse(r.stdout) as { prediction: number }[]).map((p) => p.prediction);
    expect(preds).toHaveLength(10);
    const mae = preds.reduce((s, p, i) => s + Math.abs(p - csvTruth[i]), 0) / preds.length;
    const spread = csvTruth.reduce((s, t) => s + Math.abs(t - csvTruth.reduce((a, b) => a + b, 0) / 10), 0) / 10;
    expect(mae).toBeLessThan(spread / 2);
  });

  it('evaluate --data on the CSV prints R^2', async () => {
    const r = await cli(['evaluate', path.join(csvOut, 'model.safetensors'), '--data', csvFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^R\^2: (-?\d+\.\d{4})  MAE: \d+\.\d{4}  MSE: \d+\.\d{4} \(200 samples\)$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0.8);
  });
});

describe('nodegrad train (CSV regression, target far from unit scale)', () => {
  it('trains on standardized targets and saves a model that predicts in target units', async () => {
    // the same rows with y -> 5000 + 400 y (a price, say): unscaled, the output layer cannot reach
    // it at Adam's step (R^2 far below 0 with the same 20 epochs: the mean alone is out of reach)
    const file = path.join(tmp, 'price.csv');
    const lines = fs.readFileSync(csvFile, 'utf8').trimEnd().split('\n');
    fs.writeFileSync(file, [lines[0], ...lines.slice(1).map((l) => {
      const cells = l.split(',');
      cells[3] = (5000 + 400 * Number(cells[3])).toFixed(2);
      return cells.join(',');
    })].join('\n') + '\n');
    const out = path.join(tmp, 'price-run');
    const r = await cli(['train', '--data', file, '--target', 'y', '--epochs', '20', '--threads', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const scale = /^target: y standardized for training \(mean (\d+\.\d+), std (\d+\.\d+)\)/m.exec(r.stdout);
    expect(scale).not.toBeNull();
    expect(Math.abs(Number(scale![1]) - 5400)).toBeLessThan(300);
    expect(Math.abs(Number(scale![2]) - 1450)).toBeLessThan(300);
    const m = /^test R\^2: (-?\d+\.\d{4})  MAE: (\d+\.\d{4})/m.exec(r.stdout);
    expect(Number(m![1])).toBeGreaterThan(0.8);
    const pr = await cli(['predict', path.join(out, 'model.safetensors'), '--input', csvNoTarget]);
    expect(pr.code).toBe(0);
    const preds = (JSON.parse(pr.stdout) as { prediction: number }[]).map((p) => p.prediction);
    const truth = csvTruth.map((t) => 5000 + 400 * t);
    const mae = preds.reduce((acc, p, i) => acc + Math.abs(p - truth[i]), 0) / preds.length;
    expect(mae).toBeLessThan(400 * 0.6); // target units: 0.6 of the unscaled noise-free spread unit
  }, 60_000);
});

describe('nodegrad --delimiter', () => {
  it("trains on a ';' file, and predict/evaluate read new files with the training file's delimiter (a tab for .tsv)", async () => {
    const file = path.join(tmp, 'semi.csv');
    fs.writeFileSync(file, fs.readFileSync(csvFile, 'utf8').replaceAll(',', ';'));
    const hint = await cli(['train', '--data', file, '--target', 'y', '--epochs', '1', '--out', path.join(tmp, 'semi-none')]);
    expect(hint.code).toBe(1);
    expect(hint.stderr).toContain("(a;b;c;y; the header is one column: the file looks delimited by ';', pass --delimiter ';') for target");
    const out = path.join(tmp, 'semi-run');
    const r = await cli(['train', '--data', file, '--target', 'y', '--delimiter', ';', '--epochs', '20', '--threads', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(/^test R\^2: (-?\d+\.\d{4})/m.exec(r.stdout)![1])).toBeGreaterThan(0.8);
    const model = path.join(out, 'model.safetensors');
    const rows = path.join(tmp, 'semi-new.csv');
    fs.writeFileSync(rows, fs.readFileSync(csvNoTarget, 'utf8').replaceAll(',', ';'));
    const p = await cli(['predict', model, '--input', rows]);
    expect(p.stderr).toBe('');
    expect((JSON.parse(p.stdout) as unknown[]).length).toBe(10);
    // a comma file for the same model: --delimiter overrides the saved one
    const pc = await cli(['predict', model, '--input', csvNoTarget, '--delimiter', ',']);
    expect(pc.stdout).toBe(p.stdout);
    const ev = await cli(['evaluate', model, '--data', file]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/^R\^2: \d\.\d{4} {2}MAE: .* \(200 samples\)$/m);
    const tsv = path.join(tmp, 'tab.tsv');
    fs.writeFileSync(tsv, fs.readFileSync(csvFile, 'utf8').replaceAll(',', '\t'));
    const t = await cli(['evaluate', model, '--data', tsv, '--delimiter', 'tab']);
    expect(t.stdout).toBe(ev.stdout);
    // a .tsv file is tab-separated unless --delimiter says otherwise (training, and new files)
    const tByName = await cli(['evaluate', model, '--data', tsv]);
    expect(tByName.stdout).toBe(ev.stdout);
    const tsvRun = await cli(['train', '--data', tsv, '--target', 'y', '--epochs', '1', '--out', path.join(tmp, 'tsv-run')]);
    expect(tsvRun.stderr).toBe('');
    expect(tsvRun.code).toBe(0);
    const tsvComma = await cli(['evaluate', path.join(tmp, 'tsv-run', 'model.safetensors'), '--data', csvFile]);
    expect(tsvComma.code).toBe(0);
    const bad = await cli(['predict', model, '--input', rows, '--delimiter', ';;']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected one character (or \\t / tab) for --delimiter but received ";;"');
  }, 60_000);
});

describe('nodegrad train (CSV classification)', () => {
  /** 150 rows: two numeric features, a categorical feature (noise), and a 3-class target. */
  function writeClassCsv(file: string, names: string[]): void {
    const rng = new ng.Rng(11);
    const rows = ['x1,x2,color,label'];
    for (let i = 0; i < 150; i++) {
      const c = i % 3;
      const color = ['red', 'green', 'blue'][rng.int(3)];
      rows.push(`${([0, 4, 8][c] + rng.normal()).toFixed(3)},${([0, -3, 3][c] + rng.normal()).toFixed(3)},${color},${names[c]}`);
    }
    fs.writeFileSync(file, rows.join('\n') + '\n');
  }

  it('numeric class labels, a categorical feature, --val-split 0 and --early-stopping', async () => {
    const file = path.join(tmp, 'classes-num.csv');
    writeClassCsv(file, ['0', '1', '2']);
    const out = path.join(tmp, 'cls-num');
    const r = await cli(['train', '--data', file, '--target', 'label', '--categorical', 'color', '--epochs', '15', '--val-split', '0',
      '--early-stopping', '1', '--threads', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`data: ${file} | classification | train 120 | test 30 | features 5 | classes 3\n`);
    expect(r.stdout).toMatch(/^nodegrad \S+ \| backend \S+ \| threads 1$/m);
    const acc = /^test accuracy: (\d+\.\d\d)% \(30 samples\)/m.exec(r.stdout);
    expect(Number(acc![1])).toBeGreaterThan(80);
    expect(r.stdout).toMatch(/^true \\ pred\s+0\s+1\s+2$/m);
    expect(fs.existsSync(path.join(out, 'confusion.png'))).toBe(true);
  });

  it('an integer target with many values per row count (an age in 60 rows) is a quantity; as classes it names the split problem', async () => {
    const rng = new ng.Rng(5);
    const file = path.join(tmp, 'ages.csv');
    fs.writeFileSync(file, ['height,age', ...Array.from({ length: 60 }, (_, i) => `${(150 + i + rng.normal()).toFixed(1)},${18 + (i % 40)}`)].join('\n') + '\n');
    const r = await cli(['train', '--data', file, '--target', 'age', '--epochs', '2', '--out', path.join(tmp, 'ages')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`data: ${file} | regression | train 48 | test 12 | features 1\n`);
    const c = await cli(['train', '--data', file, '--target', 'age', '--task', 'classification', '--epochs', '2', '--out', path.join(tmp, 'ages-c')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe('nodegrad: error: Expected a classification target whose classes fit a 20% test split of 60 rows (a sample of each ' +
      'class on each side) but "age" has 40 classes; use a larger file\n');
  });

  it('string class labels (like an iris "species" column) train and predict by name', async () => {
    const file = path.join(tmp, 'classes-str.csv');
    writeClassCsv(file, ['cat', 'dog', 'bird']);
    const out = path.join(tmp, 'cls-str');
    const r = await cli(['train', '--data', file, '--target', 'label', '--categorical', 'color', '--epochs', '15', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| classification |');
    expect(r.stdout).toMatch(/^true \\ pred\s+bird\s+cat\s+dog$/m);
    const p = await cli(['predict', path.join(out, 'model.safetensors'), '--input', file]);
    expect(p.code).toBe(0);
    const names = new Set((JSON.parse(p.stdout) as { prediction: string }[]).map((q) => q.prediction));
    for (const n of names) expect(['bird', 'cat', 'dog']).toContain(n);
  });
});

describe('CLI errors: one line, non-zero exit, no stack trace', () => {
  const cases: [string, () => string[], RegExp | string][] = [
    ['missing CSV file', () => ['train', '--data', path.join(tmp, 'nope.csv'), '--target', 'y'],
      `nodegrad: error: Expected an existing CSV or JSON file or "mnist" for --data but received "${path.join(tmp, 'nope.csv')}" (file not found)`],
    ['missing model file', () => ['evaluate', path.join(tmp, 'nope.safetensors')],
      `nodegrad: error: Expected an existing model file for <model> but received "${path.join(tmp, 'nope.safetensors')}" (file not found)`],
    ['missing predict input', () => ['predict', path.join(csvOut, 'model.safetensors'), '--input', path.join(tmp, 'nope.json')],
      `nodegrad: error: Expected an existing file for --data/--input but received "${path.join(tmp, 'nope.json')}" (file not found)`],
    ['unknown target column', () => ['train', '--data', csvFile, '--target', 'nope', '--out', path.join(tmp, 'x')],
      `nodegrad: error: Expected a column of ${csvFile} (a, b, c, y) for target but received "nope" of type string`],
    ['--epochs abc', () => ['train', '--epochs', 'abc'], 'nodegrad: error: Expected an integer >= 1 for --epochs but received "abc"'],
    ['--lr -1', () => ['train', '--lr', '-1'], 'nodegrad: error: Expected a number > 0 for --lr but received "-1"'],
    ['--activation foo', () => ['train', '--activation', 'foo'],
      'nodegrad: error: Expected one of relu, tanh, sigmoid, gelu, leakyRelu, elu, selu, silu for --activation but received "foo"'],
    ['--augment foo', () => ['train', '--augment', 'foo'],
      'nodegrad: error: Expected one of none, shift for --augment but received "foo"'],
    ['--dropout 2', () => ['train', '--dropout', '2'],
      'nodegrad: error: Expected a number >= 0 and <= 0.9 for --dropout but received "2"'],
    ['--layers 3,x', () => ['train', '--layers', '3,x'],
      'nodegrad: error: Expected comma-separated positive integers for --layers but received "3,x"'],
    ['--val-split 2', () => ['train', '--val-split', '2'], 'nodegrad: error: Expected a number >= 0 and <= 0.9 for --val-split but received "2"'],
    ['--optimizer foo', () => ['train', '--optimizer', 'foo'],
      'nodegrad: error: Expected one of adam, adamw, sgd, rmsprop, adagrad for --optimizer but received "foo"'],
    ['CSV without --target', () => ['train', '--data', csvFile], 'nodegrad: error: Expected --target <column> with a CSV or JSON file for --data but received none'],
    ['unknown command', () => ['frobnicate'], /^error: unknown command 'frobnicate'$/],
    ['unknown option', () => ['train', '--frob'], /^error: unknown option '--frob'$/],
  ];

  let results: Result[] = [];
  beforeAll(async () => {
    results = await Promise.all(cases.map(([, args]) => cli(args())));
  }, 120_000);

  cases.forEach(([name, , message], i) => {
    it(name, () => {
      const r = results[i];
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const lines = r.stderr.trimEnd().split('\n');
      if (typeof message === 'string') expect(lines[0]).toBe(message);
      else expect(lines[0]).toMatch(message);
      expect(lines).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  });

  it('a closed stdout pipe (nodegrad evaluate ... | head -0) ends quietly, without a stack trace', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'evaluate', path.join(mnistOut, 'model.safetensors')],
        { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stdout.destroy(); // the reader is gone before the command writes anything
      child.stderr.on('data', (d) => { err += d; });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stderr: err }));
    });
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('EPIPE');
    expect(code).not.toBeNull();
  });

  it('--verbose adds the stack trace', async () => {
    const r = await cli(['train', '--data', csvFile, '--target', 'nope', '--verbose', '--out', path.join(tmp, 'x')]);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`nodegrad: error: Expected a column of ${csvFile} (a, b, c, y) for target but received "nope" of type string`);
    expect(r.stderr).toMatch(/^\s+at /m);
    expect(lines.length).toBeGreaterThan(2);
    const r2 = await cli(['train', '--epochs', 'abc', '--verbose']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^UsageError: Expected an integer >= 1 for --epochs but received "abc"$/m);
    expect(r2.stderr).toMatch(/^\s+at /m);
  });
});

/** `nodegrad evaluate | predict | inspect | export-onnx | info | bench`. */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ng from '../index';
import { checkDelimiterFor, csvDelimiter, encodingFlags, loadFeatures, PreprocessingState } from './data';
import { isJsonPath } from '../data/json';
import { BENCH_SCRIPT, choiceOption, delimiterOption, UsageError } from './errors';
import { classificationReport, confusionMatrix, r2, mae, mse } from '../train/metrics';
import { formatClassReport, formatConfusionMatrix } from '../train/report';

async function loadModel(file: string): Promise<{ model: ng.nn.Module; prep: PreprocessingState }> {
  if (!fs.existsSync(file)) throw new UsageError(`Expected an existing model file for <model> but received "${file}" (file not found)`);
  const { model, preprocessing } = await ng.io.loadWithInfo(file);
  const prep = (preprocessing ?? { source: 'csv', task: 'regression' }) as PreprocessingState;
  return { model, prep };
}

function forward(model: ng.nn.Module, x: ng.Tensor): ng.Tensor {
  model.eval();
  return ng.noGrad(() => model.forward(x));
}

const unknownCategory = (v: string | undefined) => choiceOption(v, '--unknown-category', ['error', 'ignore'] as const, 'error');

export async function evaluate(modelPath: string, opts: { data?: string; unknownCategory?: string; delimiter?: string }): Promise<void> {
  const unknown = unknownCategory(opts.unknownCategory);
  const { model, prep } = await loadModel(modelPath);
  const dataArg = opts.data ?? (prep.source === 'mnist' ? 'mnist' : undefined);
  if (!dataArg) throw new UsageError('Expected --data <file.csv|file.json> for evaluate but received none');
  const { x, y, droppedRows } = await loadFeatures(dataArg, prep, true, unknown, delimiterOption(opts.delimiter));
  if (!y) throw new UsageError(`Expected the target column "${prep.target}" in ${dataArg} but it is missing`);
  if (droppedRows) process.stdout.write(`note: ${droppedRows} row${droppedRows === 1 ? '' : 's'} without a value for "${prep.target}" left out\n`);
  const pred = forward(model, x);
  if (prep.task === 'classification') {
    const predicted = pred.argmax(-1);
    const n = prep.labels?.length ?? pred.shape[1];
    const report = classificationReport(y, predicted, { labels: Array.from({ length: n }, (_, i) => i), targetNames: prep.labels });
    process.stdout.write(`accuracy: ${(report.accuracy * 100).toFixed(2)}% (${y.size} samples)\n\n`);
    process.stdout.write(formatClassReport(report) + '\n');
    process.stdout.write('confusion matrix (rows: true class, columns: predicted):\n');
    process.stdout.write(formatConfusionMatrix(confusionMatrix(y, predicted, { numClasses: n }), prep.labels) + '\n');
  } else {
    process.stdout.write(`R^2: ${r2(y, pred).toFixed(4)}  MAE: ${mae(y, pred).toFixed(4)}  MSE: ${mse(y, pred).toFixed(4)} (${y.shape[0]} samples)\n`);
  }
}

export async function predict(modelPath: string, opts: { input?: string; output?: string; unknownCategory?: string; delimiter?: string }): Promise<void> {
  if (!opts.input) throw new UsageError('Expected --input <file.csv|file.json> for predict but received none');
  const unknown = unknownCategory(opts.unknownCategory);
  const { model, prep } = await loadModel(modelPath);
  const { x } = await loadFeatures(opts.input, prep, false, unknown, delimiterOption(opts.delimiter));
  const pred = forward(model, x);
  const rows: unknown[] = [];
  if (prep.task === 'classification') {
    const probs = pred.softmax(-1);
    const labels = pred.argmax(-1).data;
    const C = pred.shape[1];
    for (let i = 0; i < labels.length; i++) {
      const name = prep.labels ? prep.labels[labels[i]] : String(labels[i]);
      rows.push({ prediction: name, probability: Number(probs.data[i * C + labels[i]].toFixed(6)) });
    }
  } else {
    const C = pred.shape[1] ?? 1;
    for (let i = 0; i < pred.shape[0]; i++) rows.push({ prediction: C === 1 ? pred.data[i] : Array.from(pred.data.slice(i * C, (i + 1) * C)) });
  }
  const text = JSON.stringify(rows, null, 1) + '\n';
  if (opts.output) {
    fs.writeFileSync(opts.output, text);
    process.stdout.write(`wrote ${rows.length} predictions to ${path.resolve(opts.output)}\n`);
  } else {
    process.stdout.write(text);
  }
}

/** `nodegrad inspect <file>`: one line per column (ng.data.inspectTable) and the flags for its suggested encodings. */
export async function inspect(file: string, opts: { delimiter?: string; json?: boolean }): Promise<void> {
  if (!fs.existsSync(file)) throw new UsageError(`Expected an existing CSV or JSON file for <file> but received "${file}" (file not found)`);
  const given = delimiterOption(opts.delimiter);
  checkDelimiterFor(file, given);
  const columns = await ng.data.inspectTable(file, isJsonPath(file) ? {} : { delimiter: csvDelimiter(file, given, undefined) });
  if (opts.json) {
    process.stdout.write(JSON.stringify(columns, null, 1) + '\n');
    return;
  }
  const rows = columns.length > 0 ? columns[0].present + columns[0].missing : 0;
  const table = [['column', 'type', 'present', 'missing', 'distinct', 'suggested', 'examples'],
    ...columns.map((c) => [c.name, c.type, String(c.present), String(c.missing), c.distinct >= 10_000 ? '10000+' : String(c.distinct),
      c.suggested, c.examples.join(', ')])];
  const widths = table[0].map((_, k) => Math.max(...table.map((r) => r[k].length)));
  const right = new Set([2, 3, 4]);
  const line = (r: string[]) => r.map((v, k) => (k === r.length - 1 ? v : right.has(k) ? v.padStart(widths[k]) : v.padEnd(widths[k]))).join('  ').trimEnd();
  process.stdout.write(`${file}: ${rows} rows, ${columns.length} columns\n${table.map(line).join('\n')}\n`);
  const pick = (s: ng.data.ColumnSummary['suggested']) => columns.filter((c) => c.suggested === s).map((c) => c.name);
  const add = encodingFlags(pick('categorical'), pick('date'), pick('ignore'));
  process.stdout.write(add ? `suggested flags for nodegrad train (leave your --target column out of them): ${add}\n`
    : 'every column holds numbers: nodegrad train needs no encoding flags\n');
}

export async function exportOnnx(modelPath: string, outPath: string): Promise<void> {
  const { model } = await loadModel(modelPath);
  const first = model instanceof ng.nn.Sequential ? model.layers[0] : model;
  const inFeatures = first instanceof ng.nn.Linear ? first.inFeatures
    : first instanceof ng.nn.Unflatten && first.dim === 1 ? first.sizes.reduce((a, b) => a * b, 1) : null;
  if (inFeatures === null) {
    throw new UsageError('Expected a model whose first layer is Linear or Unflatten(1, sizes) for export-onnx (the input size comes from it)');
  }
  await ng.io.exportOnnx(model, outPath, { inputShape: [null, inFeatures] });
  process.stdout.write(`wrote ${path.resolve(outPath)} (input: [batch, ${inFeatures}] float32)\n`);
}

export function info(): void {
  const b = ng.buildInfo();
  const bf16 = ng.bf16Native() ? "native (AVX512_BF16): --precision bf16, fit({ precision: 'bf16' }), ng.autocast('bf16', fn)"
    : b.bf16 ? `AVX512_BF16 present but off with the ${b.backend} kernels (bf16 requests run fp32)`
      : 'not available on this CPU (bf16 requests run fp32)';
  const lines = [
    `nodegrad ${b.version}`,
    `node ${process.version} (${process.platform}-${process.arch}), N-API ${process.versions.napi}`,
    `backend: ${b.backend} (CPU supports ${b.detectedIsa}; force with NODEGRAD_ISA=avx512|avx2|generic)`,
    `threads: ${b.threads} of ${b.hardwareThreads} (OpenMP ${b.openmp ? 'on' : 'off'}; ng.setNumThreads or --threads)`,
    `cuda: ${b.cudaAvailable ? 'available' : b.cuda ? `built, not usable: ${b.cudaReason}` : 'not built (the CUDA variant: NODEGRAD_CUDA=1 npm install --build-from-source; docs/CUDA.md)'}`,
    `mpi: ${b.mpi ? 'built in' : 'not built (build from source with NODEGRAD_MPI=ON)'}`,
    `compiler: ${b.compiler}`,
    `bf16: ${bf16}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export function bench(args: string[]): number {
  if (!fs.existsSync(BENCH_SCRIPT)) {
    throw new UsageError('Expected a source checkout of nodegrad (with bench/run.mjs) for bench but received an installed package ' +
      'without bench/; clone the repository and run npm run bench there');
  }
  const r = spawnSync(process.execPath, [BENCH_SCRIPT, ...args], { stdio: 'inherit' });
  return r.status ?? 1;
}

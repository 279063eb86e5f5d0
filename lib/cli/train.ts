/**
 * `nodegrad train`: trains an MLP, or with --model cnn a small convolutional network on 28x28
 * images (default data: the bundled MNIST digits), and writes model, report and plots.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ng from '../index';
import { foldTargetScale, loadTrainingData, Task } from './data';
import { choiceOption, delimiterOption, intOption, numOption, UsageError } from './errors';
import { onInterrupt, resumeCommand, INTERRUPTED_EXIT_CODE } from './interrupt';
import { writeReport, formatConfusionMatrix, formatClassReport } from '../train/report';
import { plotHistory, plotConfusionMatrix } from '../train/plots';
import { classificationReport, confusionMatrix, r2, mae, mse } from '../train/metrics';
import { runRecorder } from './dashboard';

export interface TrainArgs {
  data?: string; target?: string; layers?: string; activation?: string; epochs?: string; batchSize?: string;
  optimizer?: string; lr?: string; seed?: string; threads?: string; valSplit?: string; earlyStopping?: string;
  out?: string; task?: string; categorical?: string; verbose?: boolean; quiet?: boolean; dropout?: string;
  augment?: string; schedule?: string; precision?: string; columns?: string; ignoreColumns?: string; dates?: string;
  dashboard?: string | boolean; shardOptimizerState?: boolean;
  model?: string; channels?: string; resume?: string; steps?: string; delimiter?: string;
}

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu', 'elu', 'selu', 'silu'] as const;
const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const;

function activation(name: typeof ACTIVATIONS[number]): ng.nn.Module {
  switch (name) {
    case 'relu': return new ng.nn.ReLU();
    case 'tanh': return new ng.nn.Tanh();
    case 'sigmoid': return new ng.nn.Sigmoid();
    case 'gelu': return new ng.nn.GELU();
    case 'leakyRelu': return new ng.nn.LeakyReLU();
    case 'elu': return new ng.nn.ELU();
    case 'selu': return new ng.nn.SELU();
    case 'silu': return new ng.nn.SiLU();
  }
}

function parseSizes(v: string | undefined, flag: string, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  if (v.trim() === '') return [];
  const sizes = v.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new UsageError(`Expected comma-separated positive integers for ${flag} but received "${v}"`);
  }
  return sizes;
}

/**
 * The --model cnn network for 28x28 single-channel images given as rows of 784 pixels:
 * Unflatten to (N, 1, 28, 28), then per entry of `channels` a 5x5 Conv2d (padding 2) + ReLU
 * (one fused kernel) and a 2x2 MaxPool2d, then Flatten and the dense `layers` (+ ReLU).
 */
function cnnModules(channels: number[], layers: number[], act: typeof ACTIVATIONS[number], dropout: number, outputs: number): ng.nn.Module[] {
  const mods: ng.nn.Module[] = [new ng.nn.Unflatten(1, [1, 28, 28])];
  let c = 1;
  let side = 28;
  for (const [i, oc] of channels.entries()) {
    if (side < 2) throw new UsageError(`Expected at most ${i} conv blocks for --channels (28x28 input halves per block) but received ${channels.length}`);
    mods.push(new ng.nn.Conv2d(c, oc, 5, { padding: 2 }), activation(act), new ng.nn.MaxPool2d(2));
    c = oc;
    side = Math.floor(side / 2);
  }
  mods.push(new ng.nn.Flatten());
  let width = c * side * side;
  for (const h of layers) {
    mods.push(new ng.nn.Linear(width, h), activation(act));
    if (dropout > 0) mods.push(new ng.nn.Dropout(dropout));
    width = h;
  }
  mods.push(new ng.nn.Linear(width, outputs));
  return mods;
}

/**
 * --model gpt: the character-level GPT on Moby-Dick (lib/train/lm.ts; bench/gpt_torch.py is
 * the same recipe in PyTorch). Writes model.safetensors (tokenizer inside) and tokenizer.json.
 */
async function trainGpt(args: TrainArgs): Promise<void> {
  const data = args.data ?? 'moby-dick';
  if (data !== 'moby-dick') throw new UsageError(`Expected --data moby-dick for --model gpt but received "${data}"`);
  for (const flag of ['layers', 'channels', 'epochs', 'target', 'resume'] as const) {
    if (args[flag] !== undefined) throw new UsageError(`Expected no --${flag} with --model gpt (a fixed GPT recipe; use --steps) but received one`);
  }
  const steps = intOption(args.steps, '--steps', 1, 2000);
  const batchSize = intOption(args.batchSize, '--batch-size', 1, 16);
  const lr = numOption(args.lr, '--lr', 2e-3, { min: 0, minOpen: true });
  const seed = intOption(args.seed, '--seed', 0, 1337);
  if (args.threads !== undefined) ng.setNumThreads(intOption(args.threads, '--threads', 1, 1));
  const out = path.resolve(args.out ?? 'nodegrad-output');
  const log = (s: string) => { if (!args.quiet) process.stdout.write(s + '\n'); };
  log(`nodegrad ${ng.buildInfo().version} | backend ${ng.backend()} | threads ${ng.getNumThreads()}`);
  const r = await ng.trainCharGPT({ steps, batchSize, lr, seed, out, log });
  log(`trained ${steps} steps in ${r.seconds.toFixed(1)} s (${Math.round(r.trainTokensPerSec)} training tokens/s) | ` +
    `final validation loss ${r.valLoss.toFixed(4)}`);
}

export async function train(args: TrainArgs): Promise<void> {
  if (args.model === 'gpt') return trainGpt(args);
  if (args.steps !== undefined) throw new UsageError('Expected --model gpt with --steps but received --model ' + (args.model ?? 'mlp'));
  const data = args.data ?? 'mnist';
  const kind = choiceOption(args.model, '--model', ['mlp', 'cnn', 'gpt'] as const, 'mlp');
  const layers = parseSizes(args.layers, '--layers', kind === 'cnn' ? [128] : [256, 128]);
  const channels = parseSizes(args.channels, '--channels', [16, 32]);
  if (kind === 'cnn' && data !== 'mnist') {
    throw new UsageError(`Expected --data mnist for --model cnn (a network for 28x28 images) but received "${data}"`);
  }
  if (kind !== 'cnn' && args.channels !== undefined) throw new UsageError('Expected --model cnn with --channels but received --model mlp');
  const act = choiceOption(args.activation, '--activation', ACTIVATIONS, 'relu');
  const epochs = intOption(args.epochs, '--epochs', 1, data === 'mnist' ? (kind === 'cnn' ? 12 : 20) : 100);
  const batchSize = intOption(args.batchSize, '--batch-size', 1, 64);
  const optimizer = choiceOption(args.optimizer, '--optimizer', OPTIMIZERS, 'adam');
  const lr = numOption(args.lr, '--lr', optimizer === 'sgd' ? 0.01 : kind === 'cnn' ? 2e-3 : 1e-3, { min: 0, minOpen: true });
  const seed = intOption(args.seed, '--seed', 0, 42);
  const valSplit = numOption(args.valSplit, '--val-split', 0.1, { min: 0, max: 0.9 });
  const patience = args.earlyStopping === undefined ? undefined : intOption(args.earlyStopping, '--early-stopping', 0, 0);
  const task = args.task === undefined ? undefined : choiceOption(args.task, '--task', ['classification', 'regression'] as const, 'classification') as Task;
  const out = path.resolve(args.out ?? 'nodegrad-output');
  const dropout = numOption(args.dropout, '--dropout', 0, { min: 0, max: 0.9 });
  const augment = choiceOption(args.augment, '--augment', ['none', 'shift'] as const, data === 'mnist' ? 'shift' : 'none');
  const schedule = choiceOption(args.schedule, '--schedule', ['none', 'cosine'] as const, 'cosine');
  const requested = choiceOption(args.precision, '--precision', ['fp32', 'bf16'] as const, 'fp32');
  if (args.threads !== undefined) ng.setNumThreads(intOption(args.threads, '--threads', 1, 1));
  ng.setSeed(seed);
  // Under mpirun/srun: data-parallel over the ranks (--batch-size is the global batch); rank 0 prints and writes.
  const dist = ng.dist.underLauncher() ? ng.dist.init() : null;
  const writer = !dist || dist.rank === 0;
  if (args.shardOptimizerState && !dist) {
    throw new UsageError('Expected an MPI launch (mpirun -np N nodegrad train ...) for --shard-optimizer-state but received a single process');
  }

  const log = (s: string) => { if (!args.quiet && writer) process.stdout.write(s + '\n'); };
  const loaded = await loadTrainingData({ data, target: args.target, task, seed, categorical: args.categorical, delimiter: delimiterOption(args.delimiter),
    columns: args.columns, ignoreColumns: args.ignoreColumns, dates: args.dates, testSize: 0.2 });
  const { train: trainSet, test: testSet, prep } = loaded;
  // bf16 where the CPU has it; otherwise fit() warns once (stderr) and trains in fp32.
  const precision = requested === 'bf16' && !ng.bf16Native() ? 'fp32' : requested;
  log(`nodegrad ${ng.buildInfo().version} | backend ${ng.backend()} | threads ${ng.getNumThreads()}` +
    (requested === 'bf16' ? ` | precision ${precision === 'bf16' ? 'bf16 (mixed)' : 'fp32 (bf16 unavailable)'}` : '') +
    (dist ? ` | ranks ${dist.worldSize} (MPI data-parallel, ${dist.library})` : ''));
  log(`data: ${data === 'mnist' ? 'MNIST digits from the mnist package' : data} | ${prep.task} | train ${trainSet.length} | test ${testSet.length} | features ${loaded.inputSize}${prep.task === 'classification' ? ` | classes ${loaded.outputSize}` : ''}`);

  if (loaded.droppedRows > 0) log(`note: ${loaded.droppedRows} row${loaded.droppedRows === 1 ? '' : 's'} without a value for "${prep.target}" left out`);
  if (loaded.targetScale) {
    log(`target: ${prep.target} standardized for training (mean ${loaded.targetScale.mean.toPrecision(6)}, std ${loaded.targetScale.std.toPrecision(6)}): ` +
      'the epoch losses and mae are in standard deviations; the test metrics and the saved model are in target units');
  }

  const mods: ng.nn.Module[] = [];
  if (kind === 'cnn') {
    mods.push(...cnnModules(channels, layers, act, dropout, loaded.outputSize));
  } else {
    let width = loaded.inputSize;
    for (const h of layers) {
      mods.push(new ng.nn.Linear(width, h), activation(act));
      if (dropout > 0) mods.push(new ng.nn.Dropout(dropout));
      width = h;
    }
    mods.push(new ng.nn.Linear(width, loaded.outputSize));
  }
  const model = new ng.nn.Sequential(...mods);
  const arch = kind === 'cnn'
    ? `cnn 1x28x28-${channels.map((c) => `conv5x5(${c})-pool2`).join('-')}-${[...layers, loaded.outputSize].join('-')}`
    : [loaded.inputSize, ...layers, loaded.outputSize].join('-');
  log(`model: ${arch} (${act}${dropout > 0 ? `, dropout ${dropout}` : ''}${augment !== 'none' ? `, augment ${augment}` : ''}), ${model.numParameters().toLocaleString('en-US')} parameters, ${optimizer} lr ${lr}, batch ${batchSize}, ${epochs} epoch${epochs === 1 ? "" : "s"}`);

  const classification = prep.task === 'classification';
  const trainer = new ng.Trainer({ model, loss: classification ? 'crossEntropy' : 'mse', optimizer, lr,
    metrics: classification ? ['accuracy'] : ['mae', 'r2'] });
  trainer.preprocessing = prep;
  const callbacks: ng.Callback[] = [ng.callbacks.nanGuard()];
  if (schedule === 'cosine') {
    callbacks.push(ng.callbacks.lrScheduler(new ng.optim.CosineAnnealingLR(trainer.optimizer, epochs, lr / 100)));
  }
  const stopper = patience === undefined ? undefined
    : ng.callbacks.earlyStopping({ monitor: valSplit > 0 ? 'val_loss' : 'loss', patience, restoreBestWeights: true });
  if (stopper) callbacks.push(stopper);
  // Validation: the last valSplit of the training rows (like Keras); augmentation (image data) only on the rest.
  const nVal = Math.floor(trainSet.length * valSplit);
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const fitSet = nVal > 0 ? ng.data.subset(trainSet, rows(0, trainSet.length - nVal)) : trainSet;
  const valSet = nVal > 0 ? ng.data.subset(trainSet, rows(trainSet.length - nVal, trainSet.length)) : undefined;
  const loader = new ng.data.DataLoader(fitSet, { batchSize, shuffle: true, seed,
    transform: augment === 'shift' ? ng.data.compose([ng.data.randomShift(2, { imageShape: [28, 28] })]) : undefined });
  // The run's event log (out/events.jsonl) and, with --dashboard, the live page.
  // Rank 0 alone writes it under mpirun (every rank shares --out).
  const recorder = !writer ? null : runRecorder(out, args.dashboard, { labels: prep.labels, config: { data, layers: layers.join(','), activation: act,
    dropout, augment, schedule, batchSize, epochs, seed }, onListen: (url) => log(`dashboard: ${url}`) });
  // First, so a step with a non-finite loss is recorded before nanGuard stops the run.
  if (recorder) callbacks.unshift(recorder);
  const t0 = performance.now();
  if (args.resume !== undefined && !fs.existsSync(args.resume)) {
    throw new UsageError(`Expected an existing checkpoint for --resume but received "${args.resume}" (file not found)`);
  }
  const interrupt = onInterrupt((s) => process.stderr.write(s + '\n'));
  const history = await trainer.fit(loader, { epochs, validationData: valSet, callbacks, verbose: args.quiet ? 0 : 1,
    signal: interrupt.signal, resumeFrom: args.resume, precision: requested,
    distributed: dist === null ? false : args.shardOptimizerState ? { shardOptimizerState: true } : true });
  if (interrupt.received) {
    const checkpoint = path.join(out, 'checkpoint.safetensors');
    fs.mkdirSync(out, { recursive: true });
    await trainer.saveCheckpoint(checkpoint);
    const argv = process.argv.slice(process.argv.indexOf('train'));
    process.stderr.write(`interrupted: wrote ${checkpoint}\nresume with: ${resumeCommand(argv, checkpoint)}\n`);
    process.exitCode = INTERRUPTED_EXIT_CODE;
    interrupt.dispose();
    return;
  }
  interrupt.dispose();
  const seconds = (performance.now() - t0) / 1000;
  if (loaded.targetScale) foldTargetScale(mods[mods.length - 1], loaded.targetScale);
  if (stopper && stopper.stoppedEpoch >= 0) {
    const waited = stopper.stoppedEpoch - stopper.bestEpoch;
    log(`Early stopping at epoch ${stopper.stoppedEpoch + 1}/${epochs}: ${stopper.monitor} did not improve for ${waited} epoch${waited === 1 ? '' : 's'}; ` +
      `best ${stopper.monitor} ${stopper.best.toFixed(4)} at epoch ${stopper.bestEpoch + 1} (weights restored)`);
  }
  if (!writer || !recorder) return;

  fs.mkdirSync(out, { recursive: true });
  const files: Record<string, string> = {};
  files.model = path.join(out, 'model.safetensors');
  await ng.io.save(model, files.model, { preprocessing: prep });
  files.history = path.join(out, 'history.json');
  fs.writeFileSync(files.history, JSON.stringify(history.toJSON(), null, 2));
  files.curves = await plotHistory(history, path.join(out, 'curves.svg'));
  files.curvesPng = await plotHistory(history, path.join(out, 'curves.png'));

  const evaluation = await trainer.evaluate(testSet);
  const pred = trainer.predict(testSet.x);
  const metrics: Record<string, number> = { ...evaluation };
  let cm: number[][] | undefined;
  let classReport: ReturnType<typeof classificationReport> | undefined;
  log('');
  log(`trained in ${seconds.toFixed(1)} s (${(history.epoch.length * trainSet.length * (1 - valSplit) / seconds).toFixed(0)} samples/s)`);
  const ds = trainer.distributedStats;
  if (ds && ds.steps > 0) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(2);
    log(`${ds.worldSize} ranks: gradients ${mib(ds.bytesPerStep)} MiB/step per rank, ${(ds.commSeconds / ds.steps * 1e3).toFixed(2)} ms/step ` +
      `in communication (${(ds.exposedSeconds / ds.steps * 1e3).toFixed(2)} ms/step waited for); optimizer state ` +
      `${mib(ds.optimizerStateBytesPerRank)} MiB per rank${ds.shardOptimizerState ? ' (sharded, ZeRO-1)' : ''}`);
  }
  if (classification) {
    const yTrue = testSet.y as ng.Tensor;
    const predicted = pred.argmax(-1);
    const numClasses = loaded.outputSize;
    cm = confusionMatrix(yTrue, predicted, { numClasses });
    classReport = classificationReport(yTrue, predicted, { labels: Array.from({ length: numClasses }, (_, i) => i),
      targetNames: prep.labels });
    log(`test accuracy: ${(evaluation.accuracy * 100).toFixed(2)}% (${testSet.length} samples)  test loss: ${evaluation.loss.toFixed(4)}`);
    log('');
    log(formatClassReport(classReport));
    log('confusion matrix (rows: true class, columns: predicted):');
    log(formatConfusionMatrix(cm, prep.labels));
    files.confusion = await plotConfusionMatrix(cm, path.join(out, 'confusion.svg'), prep.labels);
    files.confusionPng = await plotConfusionMatrix(cm, path.join(out, 'confusion.png'), prep.labels);
  } else {
    const yTrue = testSet.y as ng.Tensor;
    metrics.r2 = r2(yTrue, pred);
    metrics.mae = mae(yTrue, pred);
    metrics.mse = mse(yTrue, pred);
    log(`test R^2: ${metrics.r2.toFixed(4)}  MAE: ${metrics.mae.toFixed(4)}  MSE: ${metrics.mse.toFixed(4)} (${testSet.length} samples, standardized features)`);
  }
  files.report = path.join(out, 'report.html');
  await writeReport(files.report, {
    title: `nodegrad training report: ${data === 'mnist' ? 'MNIST digits' : path.basename(data)}`,
    config: { data, task: prep.task, model: kind, layers: arch, activation: act, dropout,
      augment, schedule, precision,
      optimizer, lr, batchSize, epochs, epochsRun: history.epoch.length, seed, threads: ng.getNumThreads(),
      backend: ng.backend(), trainSeconds: Number(seconds.toFixed(2)) },
    history,
    evaluation: { metrics, confusionMatrix: cm, classReport, labels: prep.labels },
    files,
  });
  pred.dispose();
  recorder.append({ t: 'final', metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`test_${k}`, v])) });
  files.events = recorder.file;
  await (recorder as { close?(): Promise<void> }).close?.();
  log('');
  log('wrote:');
  for (const [k, f] of Object.entries(files)) log(`  ${k.padEnd(13)} ${f}`);
}

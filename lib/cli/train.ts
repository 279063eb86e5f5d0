/** `nodegrad train`: trains an MLP (default: the bundled MNIST digits) and writes model, report and plots. */
import fs from 'node:fs';
import path from 'node:path';
import * as ng from '../index';
import { loadTrainingData, Task } from './data';
import { UsageError, intOption, numOption, choiceOption } from './errors';
import { onInterrupt, resumeCommand, INTERRUPTED_EXIT_CODE } from './interrupt';
import { writeReport, formatConfusionMatrix, formatClassReport } from '../train/report';
import { plotHistory, plotConfusionMatrix } from '../train/plots';
import { classificationReport, confusionMatrix, r2, mae, mse } from '../train/metrics';

export interface TrainArgs {
  data?: string; target?: string; layers?: string; activation?: string; epochs?: string; batchSize?: string;
  optimizer?: string; lr?: string; seed?: string; threads?: string; valSplit?: string; earlyStopping?: string;
  out?: string; task?: string; categorical?: string; verbose?: boolean; quiet?: boolean; dropout?: string;
  augment?: string; schedule?: string; resume?: string;
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

function parseLayers(v: string | undefined): number[] {
  if (v === undefined) return [256, 128];
  if (v.trim() === '') return [];
  const sizes = v.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new UsageError(`Expected comma-separated positive integers for --layers but received "${v}"`);
  }
  return sizes;
}

export async function train(args: TrainArgs): Promise<void> {
  const data = args.data ?? 'mnist';
  const layers = parseLayers(args.layers);
  const act = choiceOption(args.activation, '--activation', ACTIVATIONS, 'relu');
  const epochs = intOption(args.epochs, '--epochs', 1, data === 'mnist' ? 20 : 100);
  const batchSize = intOption(args.batchSize, '--batch-size', 1, 64);
  const optimizer = choiceOption(args.optimizer, '--optimizer', OPTIMIZERS, 'adam');
  const lr = numOption(args.lr, '--lr', optimizer === 'sgd' ? 0.01 : 1e-3, { min: 0, minOpen: true });
  const seed = intOption(args.seed, '--seed', 0, 42);
  const valSplit = numOption(args.valSplit, '--val-split', 0.1, { min: 0, max: 0.9 });
  const patience = args.earlyStopping === undefined ? undefined : intOption(args.earlyStopping, '--early-stopping', 0, 0);
  const task = args.task === undefined ? undefined : choiceOption(args.task, '--task', ['classification', 'regression'] as const, 'classification') as Task;
  const out = path.resolve(args.out ?? 'nodegrad-output');
  const dropout = numOption(args.dropout, '--dropout', 0, { min: 0, max: 0.9 });
  const augment = choiceOption(args.augment, '--augment', ['none', 'shift'] as const, data === 'mnist' ? 'shift' : 'none');
  const schedule = choiceOption(args.schedule, '--schedule', ['none', 'cosine'] as const, 'cosine');
  if (args.threads !== undefined) ng.setNumThreads(intOption(args.threads, '--threads', 1, 1));
  ng.setSeed(seed);

  const log = (s: string) => { if (!args.quiet) process.stdout.write(s + '\n'); };
  const loaded = await loadTrainingData({ data, target: args.target, task, seed, categorical: args.categorical, testSize: 0.2 });
  const { train: trainSet, test: testSet, prep } = loaded;
  log(`nodegrad ${ng.buildInfo().version} | backend ${ng.backend()} | threads ${ng.getNumThreads()}`);
  log(`data: ${data === 'mnist' ? 'MNIST digits from the mnist package' : data} | ${prep.task} | train ${trainSet.length} | test ${testSet.length} | features ${loaded.inputSize}${prep.task === 'classification' ? ` | classes ${loaded.outputSize}` : ''}`);

  const mods: ng.nn.Module[] = [];
  let width = loaded.inputSize;
  for (const h of layers) {
    mods.push(new ng.nn.Linear(width, h), activation(act));
    if (dropout > 0) mods.push(new ng.nn.Dropout(dropout));
    width = h;
  }
  mods.push(new ng.nn.Linear(width, loaded.outputSize));
  const model = new ng.nn.Sequential(...mods);
  log(`model: ${[loaded.inputSize, ...layers, loaded.outputSize].join('-')} (${act}${dropout > 0 ? `, dropout ${dropout}` : ''}${augment !== 'none' ? `, augment ${augment}` : ''}), ${model.numParameters().toLocaleString('en-US')} parameters, ${optimizer} lr ${lr}, batch ${batchSize}, ${epochs} epoch${epochs === 1 ? "" : "s"}`);

  const classification = prep.task === 'classification';
  const trainer = new ng.Trainer({ model, loss: classification ? 'crossEntropy' : 'mse', optimizer, lr,
    metrics: classification ? ['accuracy'] : ['mae', 'r2'] });
  trainer.preprocessing = prep;
  const callbacks: ng.Callback[] = [ng.callbacks.nanGuard()];
  if (schedule === 'cosine') {
    callbacks.push(ng.callbacks.lrScheduler(new ng.optim.CosineAnnealingLR(trainer.optimizer, epochs, lr / 100)));
  }
  if (patience !== undefined) {
    callbacks.push(ng.callbacks.earlyStopping({ monitor: valSplit > 0 ? 'val_loss' : 'loss', patience, restoreBestWeights: true }));
  }
  // Validation: the last valSplit of the training rows (like Keras); augmentation (image data) only on the rest.
  const nVal = Math.floor(trainSet.length * valSplit);
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const fitSet = nVal > 0 ? ng.data.subset(trainSet, rows(0, trainSet.length - nVal)) : trainSet;
  const valSet = nVal > 0 ? ng.data.subset(trainSet, rows(trainSet.length - nVal, trainSet.length)) : undefined;
  const loader = new ng.data.DataLoader(fitSet, { batchSize, shuffle: true, seed,
    transform: augment === 'shift' ? ng.data.compose([ng.data.randomShift(2, { imageShape: [28, 28] })]) : undefined });
  const t0 = performance.now();
  if (args.resume !== undefined && !fs.existsSync(args.resume)) {
    throw new UsageError(`Expected an existing checkpoint for --resume but received "${args.resume}" (file not found)`);
  }
  const interrupt = onInterrupt((s) => process.stderr.write(s + '\n'));
  const history = await trainer.fit(loader, { epochs, validationData: valSet, callbacks, verbose: args.quiet ? 0 : 1,
    signal: interrupt.signal, resumeFrom: args.resume });
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
    config: { data, task: prep.task, layers: [loaded.inputSize, ...layers, loaded.outputSize].join('-'), activation: act, dropout,
      augment, schedule,
      optimizer, lr, batchSize, epochs, epochsRun: history.epoch.length, seed, threads: ng.getNumThreads(),
      backend: ng.backend(), trainSeconds: Number(seconds.toFixed(2)) },
    history,
    evaluation: { metrics, confusionMatrix: cm, classReport, labels: prep.labels },
    files,
  });
  pred.dispose();
  log('');
  log('wrote:');
  for (const [k, f] of Object.entries(files)) log(`  ${k.padEnd(13)} ${f}`);
}

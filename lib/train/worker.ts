/**
 * Trainer.fit({ worker: true }): the same training on a worker thread, so the main thread's
 * event loop never runs a kernel. The model travels as config + weights, the data as copies;
 * epoch logs come back as messages (onEpochEnd callbacks and the progress logger run on the
 * main thread), and the trained weights are loaded into the caller's model at the end.
 * Memory of the worker is freed when it exits; the caller manages nothing.
 */
import path from 'node:path';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { TrainerContext } from './context';
import type { Dataset } from '../data/dataset';
import { History } from './history';
import { EarlyStopping, Callback } from './callbacks';
import { ProgressLogger } from './progress';
import type { Tensor } from '../tensor/tensor';
import { getNumThreads } from '../core/runtime';
import { globalRng } from '../core/random';
import {
  rawArray, rawWeights, type FromWorkerMessage, type ToWorkerMessage, type WorkerDone, type WorkerJob, type WorkerTrainerSpec,
} from './worker-protocol';

function workerScript(): string {
  const candidates = [path.join(__dirname, 'worker-entry.js'), path.join(__dirname, '..', '..', 'dist', 'train', 'worker-entry.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('Expected the compiled worker entry (dist/train/worker-entry.js) for fit({ worker: true }) but it is missing: run npm run build:ts');
  return found;
}

/** The fit() options a worker fit uses (a subset of FitOptions; declared here so worker.ts does not import trainer.ts). */
export interface WorkerFitOptions {
  callbacks?: Callback[];
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  yieldMs?: number;
  verbose?: 0 | 1 | 2;
  stream?: { write(s: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
  precision?: 'fp32' | 'bf16';
}

export async function fitInWorker(trainer: TrainerContext, train: Dataset, val: Dataset | null, opts: WorkerFitOptions,
  spec: WorkerTrainerSpec): Promise<History> {
  const callbacks = opts.callbacks ?? [];
  let earlyStopping: WorkerJob['earlyStopping'];
  let callerEs: EarlyStopping | null = null;
  const local: Callback[] = [];
  for (const cb of callbacks) {
    if (cb instanceof EarlyStopping) {
      callerEs = cb;
      earlyStopping = { monitor: cb.monitor, mode: cb.mode, patience: cb.patience, minDelta: cb.minDelta,
        restoreBestWeights: cb.restoreBestWeights, startFromEpoch: cb.startFromEpoch };
    } else if (cb.onBatchBegin || cb.onBatchEnd || cb.setTrainer) {
      throw new TypeError('Expected callbacks that only use onTrainBegin/onEpochBegin/onEpochEnd/onTrainEnd (or earlyStopping) ' +
        `with fit({ worker: true }) but received ${cb.constructor?.name ?? 'a callback'} with batch hooks or trainer access`);
    } else {
      local.push(cb);
    }
  }
  const model = trainer.model;
  const job: WorkerJob = {
    config: model.getConfig(),
    weights: rawWeights(model),
    x: rawArray<Float32Array>(train.x),
    y: rawArray(train.y as Tensor),
    val: val ? { x: rawArray<Float32Array>(val.x), y: rawArray(val.y as Tensor) } : undefined,
    trainer: spec,
    fit: { epochs: opts.epochs ?? 1, batchSize: opts.batchSize ?? 32, shuffle: opts.shuffle ?? true, seed: opts.seed, yieldMs: opts.yieldMs,
      precision: opts.precision ?? 'fp32' },
    seed: globalRng.nextSeed(),
    threads: getNumThreads(),
    earlyStopping,
  };
  const epochs = opts.epochs ?? 1;
  const progress = new ProgressLogger({ verbose: (opts.verbose ?? 1) as 0 | 1 | 2, totalEpochs: epochs, stepsPerEpoch: 0,
    stream: opts.stream as never });
  let history = new History();
  for (const cb of local) await cb.onTrainBegin?.({});
  const worker = new Worker(workerScript(), { workerData: job });
  const onAbort = () => worker.postMessage({ type: 'abort' } satisfies ToWorkerMessage);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const result = await new Promise<WorkerDone>((resolve, reject) => {
      let chain = Promise.resolve();
      worker.on('message', (m: FromWorkerMessage) => {
        chain = chain.then(async () => {
          if (m.type === 'epochBegin') {
            progress.onEpochBegin(m.epoch);
            for (const cb of local) await cb.onEpochBegin?.(m.epoch, {});
          } else if (m.type === 'epoch') {
            for (const cb of local) await cb.onEpochEnd?.(m.epoch, m.logs);
            progress.onEpochEnd(m.epoch, m.logs);
          } else if (m.type === 'done') {
            resolve(m);
          } else if (m.type === 'error') {
            reject(new Error(m.message));
          }
        }).catch(reject);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => { if (code !== 0) reject(new Error(`Training worker exited with code ${code}`)); });
    });
    model.loadStateDict(result.weights);
    if (callerEs && result.earlyStopping) {
      callerEs.best = result.earlyStopping.best ?? NaN;
      callerEs.bestEpoch = result.earlyStopping.bestEpoch;
      callerEs.stoppedEpoch = result.earlyStopping.stoppedEpoch;
    }
    history = History.fromJSON(result.history);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    progress.onTrainEnd();
    await worker.terminate();
  }
  for (const cb of local) await cb.onTrainEnd?.({});
  model.eval();
  return history;
}

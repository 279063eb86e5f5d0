// The resume scenario shared by resume.test.ts and the child process (resume-child.ts): every
// run builds its data, model, trainer and callbacks with this one function, after the same
// ng.setSeed, so an uninterrupted run and a resumed run differ only in how fit() is called.
import * as ng from '../../lib';
import type { Trainer, Callback } from '../../lib';

export const SEED = 1234;
export const EPOCHS = 4;
export const STOP_AFTER = 2;

export interface ScenarioOptions {
  seed?: number;
  /** Checkpoint path pattern for ng.callbacks.trainingCheckpoint (may contain {epoch}); none when omitted. */
  checkpointPath?: string;
  /** 'schedulerFirst' (default): [lrScheduler, checkpoint]; 'checkpointFirst': [checkpoint, lrScheduler]. */
  order?: 'schedulerFirst' | 'checkpointFirst';
  /** Include the Dropout layer (default true). */
  dropout?: boolean;
  /** Extra callbacks appended after the scheduler and checkpoint callbacks. */
  extraCallbacks?: Callback[];
}

export interface Scenario {
  trainer: Trainer;
  model: ng.nn.Sequential;
  data: [ng.Tensor, ng.Tensor];
  callbacks: Callback[];
  fitOptions: ng.FitOptions;
}

/** MNIST subset, an MLP with BatchNorm and Dropout, Adam, StepLR and a checkpoint callback. */
export function buildScenario(opts: ScenarioOptions = {}): Scenario {
  const seed = opts.seed ?? SEED;
  ng.setSeed(seed);
  const { train } = ng.data.mnist({ trainSize: 480, testSize: 20, seed });
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(784, 24),
    new ng.nn.BatchNorm1d(24),
    new ng.nn.ReLU(),
    ...(opts.dropout === false ? [] : [new ng.nn.Dropout(0.3)]),
    new ng.nn.Linear(24, 10),
  );
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01, metrics: ['accuracy'] });
  const scheduler = ng.callbacks.lrScheduler(new ng.optim.StepLR(trainer.optimizer, 1, 0.5));
  const callbacks: Callback[] = [scheduler];
  if (opts.checkpointPath !== undefined) {
    const ck = ng.callbacks.trainingCheckpoint(opts.checkpointPath);
    if (opts.order === 'checkpointFirst') callbacks.unshift(ck);
    else callbacks.push(ck);
  }
  callbacks.push(...(opts.extraCallbacks ?? []));
  return {
    trainer,
    model,
    data: [train.x, train.y as ng.Tensor],
    callbacks,
    fitOptions: { batchSize: 32, shuffle: true, validationSplit: 0.25, verbose: 0, callbacks },
  };
}

/** The bit patterns of every parameter and buffer, by name (JSON-safe, exact). */
export function snapshot(model: ng.nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) =>
    [k, Array.from(new Uint32Array((t.data as Float32Array).slice().buffer))]));
}

/**
 * Names whose bit patterns differ between two snapshots, with the number of differing elements
 * ({} when equal). Cheap to print when a test fails, unlike a deep-equality diff of the arrays.
 */
export function snapshotDiff(a: Record<string, number[]>, b: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k];
    const y = b[k];
    if (!x || !y || x.length !== y.length) {
      out[k] = -1;
      continue;
    }
    let n = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
    if (n > 0) out[k] = n;
  }
  return out;
}

/**
 * The message protocol between Trainer.fit({ worker: true }) (worker.ts, main thread) and the
 * training thread (worker-entry.ts): the job sent as workerData, the messages each side posts,
 * and the helpers both ends use to copy weights. Only structured-clone-able data crosses.
 */
import type { Module, ModuleConfig } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import type { MetricName } from './metrics/stateful';
import type { EarlyStoppingOptions } from './callbacks';

/** A tensor as plain data (a copy of its values). */
export interface RawArray<D extends Float32Array | Int32Array = Float32Array | Int32Array> {
  shape: number[];
  data: D;
}

export type RawWeights = Record<string, RawArray<Float32Array>>;

/** How the worker builds its Trainer (only names and numbers: Optimizer objects and functions cannot cross threads). */
export interface WorkerTrainerSpec {
  loss: string;
  optimizer: unknown;
  lr?: number;
  metrics: MetricName[];
  clipGradNorm?: number;
  clipGradValue?: number;
}

/** The workerData of a training thread. */
export interface WorkerJob {
  config: ModuleConfig;
  weights: RawWeights;
  x: RawArray<Float32Array>;
  y: RawArray;
  val?: { x: RawArray<Float32Array>; y: RawArray };
  trainer: WorkerTrainerSpec;
  fit: { epochs: number; batchSize: number; shuffle: boolean; seed?: number; yieldMs?: number; precision: 'fp32' | 'bf16' };
  seed: number;
  threads: number;
  /** The caller's earlyStopping options; the worker runs its own copy and reports its outcome. */
  earlyStopping?: EarlyStoppingOptions<string>;
}

/** The outcome of the worker's earlyStopping, copied onto the caller's callback. */
export interface EarlyStoppingOutcome {
  best: number;
  bestEpoch: number;
  stoppedEpoch: number;
}

/** Main thread -> worker. */
export type ToWorkerMessage = { type: 'abort' };

/** The 'done' message: trained weights, history (History.toJSON) and earlyStopping outcome. */
export interface WorkerDone {
  type: 'done';
  weights: RawWeights;
  history: { epoch: number[]; history: Record<string, number[]> };
  optimizerStep: number;
  earlyStopping: EarlyStoppingOutcome | null;
}

/** Worker -> main thread. */
export type FromWorkerMessage =
  | { type: 'epochBegin'; epoch: number }
  | { type: 'epoch'; epoch: number; logs: Record<string, number> }
  | WorkerDone
  | { type: 'error'; message: string; stack?: string };

/** A copy of a tensor's shape and values. */
export function rawArray<D extends Float32Array | Int32Array>(t: Tensor): RawArray<D> {
  return { shape: t.shape.slice(), data: t.data.slice() as D };
}

/** Copies of a model's parameters and buffers (stateDict) as plain data. */
export function rawWeights(model: Module): RawWeights {
  const weights: RawWeights = {};
  for (const [k, t] of Object.entries(model.stateDict())) weights[k] = rawArray<Float32Array>(t);
  return weights;
}

/**
 * The callback contract of Trainer.fit: the Callback hooks and what callbacks (and the distributed
 * fit helper) see of the running Trainer. Trainer implements TrainerContext; callbacks depend on
 * this module instead of on trainer.ts, which keeps the import graph one-way
 * (trainer -> callbacks -> context; see test/lib-layering.test.ts).
 */
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import type { Tensor } from '../tensor/tensor';
import type { Dataset } from '../data/dataset';
import type { Metric, MetricName } from './metrics/stateful';

export type Logs = Record<string, number>;

export interface Callback {
  /** Called by fit() before training begins, with the running trainer. */
  setTrainer?(trainer: TrainerContext): void;
  /** When true, fit() runs this callback's hooks after all other callbacks' (so it sees their updates). */
  readonly runsLast?: boolean;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(step: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(step: number, logs: Logs): void | Promise<void>;
}

export interface TrainerContext {
  /** The model being trained. */
  readonly model: Module;
  /** The optimizer updating the model (callbacks may change its lr). */
  readonly optimizer: Optimizer;
  /** Set to true to stop fit() after the current epoch. */
  stopTraining: boolean;
  /** Fitted preprocessing state (any JSON) stored in checkpoints and saved models. */
  preprocessing: unknown;
  /** The loss name ('crossEntropy', ...), or a loss function's name ('custom' when anonymous). */
  readonly lossName: string;
  /** The metrics fit() computes. */
  readonly metricNames: readonly (MetricName | Metric)[];
  /** The validation set of the current fit() (validationData or validationSplit), or null. */
  readonly validationSet: Dataset | null;
  /** Runs the model in inference mode (no grad) over x in batches. */
  predict(x: Tensor | Dataset, opts?: { batchSize?: number }): Tensor;
  /** Writes a training-state checkpoint (model, optimizer, epoch, RNG) that fit({ resumeFrom }) resumes. */
  saveCheckpoint(path: string): Promise<void>;
}

/**
 * Callbacks for Trainer.fit (Keras-style hooks; each may be async):
 * earlyStopping, modelCheckpoint, lrScheduler, csvLogger, nanGuard, and plain objects with
 * any of the on* methods. Epochs and steps are 0-based.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Callback, Logs, TrainerContext } from './context';
import type { LRScheduler, ReduceLROnPlateau } from '../optim/scheduler';
import type { MetricName } from './metrics/stateful';
import { assertNonNegativeInteger, assertFinite, assertOneOf, assertString, assertFunction, assertPlainObject,
  describe, expected } from '../core/validate';

export type { Callback, Logs } from './context';

type Mode = 'min' | 'max' | 'auto';

/**
 * A value of the epoch logs a callback can watch: the loss or a metric, on the training data or
 * (prefixed val_) the validation data. Custom Metric objects: name them as the type argument,
 * e.g. earlyStopping<'myMetric'>({ monitor: 'val_myMetric' }).
 */
export type MonitorName<Custom extends string = never> =
  | 'loss' | MetricName | Custom | `val_${'loss' | MetricName | Custom}`;

/** T, but never inferred from an argument (so a typo cannot become a custom metric name). */
type Explicit<T> = [T][T extends unknown ? 0 : never];

function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|f1|precision|recall|auc|ap$|map|r2/.test(monitor) ? 'max' : 'min';
}

export interface EarlyStoppingOptions<Custom extends string = never> {
  /** Default 'val_loss'. */
  monitor?: MonitorName<Custom>;
  mode?: Mode;
  patience?: number;
  minDelta?: number;
  /** Restore the weights of the best epoch when training stops (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts (default 0). */
  startFromEpoch?: number;
}

/** Stops training when the monitored value has not improved by minDelta for `patience` epochs. */
export class EarlyStopping<Custom extends string = never> implements Callback {
  readonly monitor: MonitorName<Custom>;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  best = NaN;
  bestEpoch = -1;
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Float32Array[] | null = null;
  private trainer: TrainerContext | null = null;

  constructor(opts: EarlyStoppingOptions<Explicit<Custom>> = {}) {
    assertPlainObject(opts as unknown, 'options');
    this.monitor = opts.monitor ?? 'val_loss';
    assertString(this.monitor, 'monitor');
    const mode = opts.mode ?? 'auto';
    assertOneOf(mode, 'mode', ['min', 'max', 'auto'] as const);
    this.mode = resolveMode(mode, this.monitor);
    this.patience = opts.patience ?? 0;
    assertNonNegativeInteger(this.patience, 'patience');
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    assertFinite(this.minDelta, 'minDelta');
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    this.startFromEpoch = opts.startFromEpoch ?? 0;
    assertNonNegativeInteger(this.startFromEpoch, 'startFromEpoch');
  }

  setTrainer(t: TrainerContext): void {
    this.trainer = t;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
    this.bestWeights = null;
  }

  private improved(v: number): boolean {
    if (Number.isNaN(this.best)) return true;
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (epoch < this.startFromEpoch) return;
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new Error(`Expected the monitored value '${this.monitor}' in the epoch logs for earlyStopping but received ` +
        `only ${Object.keys(logs).join(', ')} (validation metrics need validationData or validationSplit)`);
    }
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights && this.trainer) {
        this.bestWeights = this.trainer.model.parameters().map((p) => (p.data as Float32Array).slice());
      }
      return;
    }
    this.wait++;
    // Keras semantics: stop once `patience` epochs in a row brought no improvement.
    if (this.wait >= this.patience && this.trainer) {
      this.stoppedEpoch = epoch;
      this.trainer.stopTraining = true;
    }
  }

  /** Progress so far (saved in training checkpoints). */
  stateDict(): Record<string, unknown> {
    return { best: Number.isNaN(this.best) ? null : this.best, bestEpoch: this.bestEpoch, wait: this.wait,
      bestWeights: this.bestWeights ? this.bestWeights.map((w) => Array.from(w)) : null };
  }

  loadStateDict(s: Record<string, unknown>): void {
    this.best = s.best === null || s.best === undefined ? NaN : Number(s.best);
    this.bestEpoch = Number(s.bestEpoch ?? -1);
    this.wait = Number(s.wait ?? 0);
    this.bestWeights = Array.isArray(s.bestWeights) ? (s.bestWeights as number[][]).map((w) => Float32Array.from(w)) : null;
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.trainer && this.stoppedEpoch >= 0) {
      this.trainer.model.parameters().forEach((p, i) => (p.data as Float32Array).set(this.bestWeights![i]));
    }
  }
}

export function earlyStopping<Custom extends string = never>(
  opts: EarlyStoppingOptions<Explicit<Custom>> = {}): EarlyStopping<Custom> {
  return new EarlyStopping<Custom>(opts);
}

export interface ModelCheckpointOptions<Custom extends string = never> {
  /** Default 'val_loss'. */
  monitor?: MonitorName<Custom>;
  mode?: Mode;
  /** Only write when the monitored value improves (default true). */
  saveBestOnly?: boolean;
}

/**
 * Saves the model (safetensors with its config) after each epoch, or when the monitored value
 * improves. The path may contain {epoch} (1-based). Writes are atomic.
 */
export class ModelCheckpoint<Custom extends string = never> implements Callback {
  readonly monitor: MonitorName<Custom>;
  readonly mode: 'min' | 'max';
  readonly saveBestOnly: boolean;
  best = NaN;
  /** Paths written so far. */
  readonly saved: string[] = [];
  private trainer: TrainerContext | null = null;

  constructor(readonly filePath: string, opts: ModelCheckpointOptions<Explicit<Custom>> = {}) {
    assertString(filePath, 'path');
    assertPlainObject(opts as unknown, 'options');
    this.monitor = opts.monitor ?? 'val_loss';
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
    this.saveBestOnly = opts.saveBestOnly ?? true;
  }

  setTrainer(t: TrainerContext): void {
    this.trainer = t;
  }

  stateDict(): Record<string, unknown> {
    return { best: Number.isNaN(this.best) ? null : this.best };
  }

  loadStateDict(s: Record<string, unknown>): void {
    this.best = s.best === null || s.best === undefined ? NaN : Number(s.best);
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.trainer) return;
    if (this.saveBestOnly) {
      const v = logs[this.monitor] ?? logs[this.monitor.replace(/^val_/, '')];
      if (v === undefined) return;
      const better = Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best);
      if (!better) return;
      this.best = v;
    }
    const target = this.filePath.replace('{epoch}', String(epoch + 1));
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    const io = await import('../io/model');
    await io.save(this.trainer.model, target, { preprocessing: this.trainer.preprocessing, metadata: { epoch: String(epoch + 1), ...Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, String(v)])) } });
    this.saved.push(target);
  }
}

export function modelCheckpoint<Custom extends string = never>(filePath: string,
  opts: ModelCheckpointOptions<Explicit<Custom>> = {}): ModelCheckpoint<Custom> {
  return new ModelCheckpoint<Custom>(filePath, opts);
}

/**
 * Steps a learning-rate scheduler at the end of each epoch: an LRScheduler, a
 * ReduceLROnPlateau (fed `monitor`, default val_loss, else loss), or fn(epoch, lr) -> lr.
 */
export class LRSchedulerCallback<Custom extends string = never> implements Callback {
  private trainer: TrainerContext | null = null;

  constructor(readonly scheduler: LRScheduler | ReduceLROnPlateau | ((epoch: number, lr: number) => number),
    readonly monitor: MonitorName<Explicit<Custom>> = 'val_loss') {
    if (typeof scheduler !== 'function' && (typeof scheduler !== 'object' || scheduler === null ||
      typeof (scheduler as LRScheduler).step !== 'function')) {
      throw new TypeError(expected('LR scheduler or function (epoch, lr) => lr', 'scheduler', describe(scheduler)));
    }
  }

  setTrainer(t: TrainerContext): void {
    this.trainer = t;
  }

  stateDict(): Record<string, unknown> {
    const s = this.scheduler as { stateDict?(): Record<string, unknown> };
    return typeof s.stateDict === 'function' ? s.stateDict() : {};
  }

  loadStateDict(state: Record<string, unknown>): void {
    const s = this.scheduler as { loadStateDict?(st: Record<string, unknown>): void };
    if (typeof s.loadStateDict === 'function') s.loadStateDict(state);
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const s = this.scheduler;
    if (typeof s === 'function') {
      if (!this.trainer) return;
      const lr = s(epoch + 1, this.trainer.optimizer.lr);
      assertFinite(lr, 'scheduled lr');
      this.trainer.optimizer.lr = lr;
    } else if ('patience' in s && 'factor' in s) {
      const v = logs[this.monitor] ?? logs.loss;
      (s as ReduceLROnPlateau).step(v);
    } else {
      (s as LRScheduler).step();
    }
  }
}

export function lrScheduler<Custom extends string = never>(scheduler: LRSchedulerCallback['scheduler'],
  opts: { monitor?: MonitorName<Explicit<Custom>> } = {}): LRSchedulerCallback<Custom> {
  return new LRSchedulerCallback<Custom>(scheduler, opts.monitor);
}

/**
 * Writes a training checkpoint (weights, optimizer, epoch, random and shuffle state,
 * schedulers, history) every `every` epochs; resume with fit(data, { resumeFrom: path }).
 * The path may contain {epoch} (1-based).
 */
export class TrainingCheckpoint implements Callback {
  /** The Trainer runs this callback's onEpochEnd after all others, so it sees their updates. */
  readonly runsLast = true;
  private trainer: TrainerContext | null = null;
  /** Paths written so far. */
  readonly saved: string[] = [];

  constructor(readonly filePath: string, readonly every = 1) {
    assertString(filePath, 'path');
    assertNonNegativeInteger(every, 'every');
  }

  setTrainer(t: TrainerContext): void {
    this.trainer = t;
  }

  async onEpochEnd(epoch: number): Promise<void> {
    if (!this.trainer || this.every === 0 || (epoch + 1) % this.every !== 0) return;
    const target = this.filePath.replace('{epoch}', String(epoch + 1));
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    await this.trainer.saveCheckpoint(target);
    this.saved.push(target);
  }
}

/**
 * A training-state checkpoint for resuming (fit({ resumeFrom })); not a model file: for the best
 * model as a loadable file use modelCheckpoint.
 */
export function trainingCheckpoint(filePath: string, opts: { every?: number } = {}): TrainingCheckpoint {
  return new TrainingCheckpoint(filePath, opts.every ?? 1);
}

/** Appends one CSV row per epoch (header from the first epoch's keys). */
export class CsvLogger implements Callback {
  private keys: string[] | null = null;

  constructor(readonly filePath: string, readonly opts: { append?: boolean } = {}) {
    assertString(filePath, 'path');
  }

  onTrainBegin(): void {
    fs.mkdirSync(path.dirname(path.resolve(this.filePath)), { recursive: true });
    if (!this.opts.append) fs.writeFileSync(this.filePath, '');
    this.keys = null;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.keys) {
      this.keys = Object.keys(logs);
      if (!this.opts.append || fs.statSync(this.filePath).size === 0) {
        fs.appendFileSync(this.filePath, ['epoch', ...this.keys].join(',') + '\n');
      }
    }
    fs.appendFileSync(this.filePath, [epoch + 1, ...this.keys.map((k) => logs[k] ?? '')].join(',') + '\n');
  }
}

export function csvLogger(filePath: string, opts: { append?: boolean } = {}): CsvLogger {
  return new CsvLogger(filePath, opts);
}

/** Thrown by the NaN guard. */
export class NonFiniteLossError extends Error {
  constructor(readonly epoch: number, readonly step: number, readonly value: number) {
    super(`Training stopped: the loss became ${value} at epoch ${epoch + 1}, step ${step + 1} ` +
      '(try a lower learning rate, gradient clipping, or check the data for NaN)');
    this.name = 'NonFiniteLossError';
  }
}

/** Stops training with an error naming the step when the loss is NaN or infinite. */
export class NanGuard implements Callback {
  private epoch = 0;

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(step: number, logs: Logs): void {
    if (!Number.isFinite(logs.loss)) throw new NonFiniteLossError(this.epoch, step, logs.loss);
  }
}

export function nanGuard(): NanGuard {
  return new NanGuard();
}

/** A callback from plain functions: lambda({ onEpochEnd: (epoch, logs) => ... }). */
export function lambda(hooks: Callback): Callback {
  assertPlainObject(hooks as unknown, 'hooks');
  for (const [k, v] of Object.entries(hooks)) {
    if (!/^on(Train|Epoch|Batch)(Begin|End)$/.test(k)) {
      throw new TypeError(expected('callback hook name (onTrainBegin, onEpochEnd, onBatchEnd, ...)', 'hooks', `"${k}"`));
    }
    assertFunction(v, k);
  }
  return hooks;
}

export { dashboard, eventLog, DashboardCallback, EventLogCallback } from './dashboard/callback';
export type { DashboardOptions, EventLogOptions } from './dashboard/callback';
export type { RunEvent } from './dashboard/events';

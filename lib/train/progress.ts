/**
 * Training progress for the Trainer: a cli-progress bar per epoch on an interactive terminal,
 * and one plain line per epoch otherwise (pipes, log files, CI), e.g.
 *   Epoch 3/10 - 1.2s - loss: 0.1234 - accuracy: 0.9612 - val_loss: 0.1500 - val_accuracy: 0.9550
 *
 * verbose 0: silent. 1 (default): bar on a TTY outside CI, lines elsewhere. 2: lines always.
 * On a TTY the bar of an epoch is replaced by that epoch's line when the epoch ends.
 * Epochs and steps are 0-based indices (Keras-style callbacks) unless `epochBase: 1` is set;
 * output always counts from 1.
 */
import type { SingleBar } from 'cli-progress';
import { lazyModule } from '../core/lazy';

// Loaded by the first progress bar, not with the package (see lib/core/lazy.ts).
const cliProgress = lazyModule(() => require('cli-progress') as typeof import('cli-progress'));
import { describe, expected, is } from '../core/validate';

/** The part of a writable stream the logger uses (process.stdout / stderr qualify). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Default process.stdout. */
  stream?: ProgressStream;
  verbose?: 0 | 1 | 2;
  totalEpochs: number;
  /** Batches per epoch; 0 when unknown (then no bar is drawn). */
  stepsPerEpoch: number;
  /** Whether epoch/step numbers passed in count from 0 (default) or 1. */
  epochBase?: 0 | 1;
  /** Treat the environment as CI (no bar). Default: process.env.CI set to something other than '' / 'false' / '0'. */
  ci?: boolean;
}

export type ProgressMode = 'bar' | 'lines' | 'silent';

/** Formats a metric value: 4 decimals in the usual range, exponent notation outside it. */
export function formatNumber(v: number): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function isCi(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** "loss: 0.1234 - accuracy: 0.9612 - val_loss: ..." with training keys before validation keys. */
export function formatLogs(logs: Record<string, number>): string {
  const keys = Object.keys(logs);
  const ordered = [...keys.filter((k) => !k.startsWith('val_')), ...keys.filter((k) => k.startsWith('val_'))];
  return ordered.map((k) => `${k}: ${formatNumber(logs[k])}`).join(' - ');
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60).toString().padStart(2, '0')}s`;
}

const NO_OUTPUT: ProgressStream = { write: () => true };

export class ProgressLogger {
  readonly mode: ProgressMode;
  private readonly stream: ProgressStream;
  private readonly totalEpochs: number;
  private readonly steps: number;
  private readonly base: number;
  private bar: SingleBar | undefined;
  private epochStart = 0;
  private epoch = 0;

  constructor(opts: ProgressOptions) {
    if (!is.plainObject(opts)) throw new TypeError(expected('object', 'options', describe(opts)));
    const { verbose = 1, totalEpochs, stepsPerEpoch, epochBase = 0 } = opts;
    if (!is.oneOf(verbose, [0, 1, 2])) throw new RangeError(expected('0, 1 or 2', 'verbose', describe(verbose)));
    if (typeof totalEpochs !== 'number' || !Number.isInteger(totalEpochs) || totalEpochs < 1) {
      throw new RangeError(expected('positive integer', 'totalEpochs', describe(totalEpochs)));
    }
    if (typeof stepsPerEpoch !== 'number' || !Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 0) {
      throw new RangeError(expected('non-negative integer', 'stepsPerEpoch', describe(stepsPerEpoch)));
    }
    if (!is.oneOf(epochBase, [0, 1])) throw new RangeError(expected('0 or 1', 'epochBase', describe(epochBase)));
    // verbose 0 writes nothing: process.stdout, made on first use (a few ms), is left alone
    const stream = opts.stream ?? (verbose === 0 ? NO_OUTPUT : process.stdout);
    if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') {
      throw new TypeError(expected('writable stream', 'stream', describe(stream)));
    }
    this.stream = stream;
    this.totalEpochs = totalEpochs;
    this.steps = stepsPerEpoch;
    this.base = epochBase;
    const tty = stream.isTTY === true && !(opts.ci ?? isCi());
    this.mode = verbose === 0 ? 'silent' : verbose === 1 && tty && stepsPerEpoch > 0 ? 'bar' : 'lines';
  }

  /** 1-based epoch number for display. */
  private shown(epoch: number): number {
    return epoch - this.base + 1;
  }

  private prefix(): string {
    return `Epoch ${this.shown(this.epoch)}/${this.totalEpochs}`;
  }

  onEpochBegin(epoch: number): void {
    this.stopBar();
    this.epoch = epoch;
    this.epochStart = performance.now();
    if (this.mode !== 'bar') return;
    this.bar = new (cliProgress().SingleBar)({
      stream: this.stream as NodeJS.WritableStream,
      format: '{prefix} |{bar}| {value}/{total} [{elapsed}] {metrics}',
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      barsize: 25,
      hideCursor: false,
      clearOnComplete: true,
      stopOnComplete: false,
      linewrap: false,
      fps: 10,
      autopadding: true,
    });
    this.bar.start(this.steps, 0, { prefix: this.prefix(), elapsed: '0.0s', metrics: '' });
  }

  onBatchEnd(step: number, logs: Record<string, number> = {}): void {
    if (!this.bar) return;
    const done = Math.min(step - this.base + 1, this.steps);
    this.bar.update(done, { elapsed: formatSeconds(performance.now() - this.epochStart), metrics: formatLogs(logs) });
  }

  onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
    this.epoch = epoch;
    const elapsed = formatSeconds(performance.now() - this.epochStart);
    // The bar is cleared at the end of the epoch and replaced by the full line (a bar line is
    // cut at the terminal's width, which would hide the validation metrics).
    this.stopBar();
    if (this.mode !== 'silent') {
      const metrics = formatLogs(logs);
      this.stream.write(`${this.prefix()} - ${elapsed}${metrics ? ' - ' + metrics : ''}\n`);
    }
  }

  /** Writes a message on its own line (after any bar of the current epoch). */
  log(message: string): void {
    if (this.mode === 'silent') return;
    this.stopBar();
    this.stream.write(`${message}\n`);
  }

  onTrainEnd(): void {
    this.stopBar();
  }

  private stopBar(): void {
    if (this.bar) {
      const bar = this.bar;
      this.bar = undefined;
      bar.stop();
    }
  }
}

/**
 * Callbacks that record a run for the dashboard: eventLog (the append-only log only) and
 * dashboard (the log plus a live HTTP server over the runs folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Callback, Logs, TrainerContext } from '../context';
import type { Tensor } from '../../tensor/tensor';
import { memoryStats } from '../../tensor/storage';
import { confusionMatrix, classificationReport } from '../metrics';
import {
  assertPlainObject, assertString, assertNonNegativeInteger, assertInteger, assertNumberInRange, describe, expected,
} from '../../core/validate';
import { EVENT_LOG_NAME, EventLogWriter, histogram, modelSummary, stepLine, type RunEvent } from './events';
import { DashboardServer } from './server';

const CLASSIFICATION_LOSSES = new Set(['crossEntropy', 'categoricalCrossEntropy', 'nll', 'bce', 'binaryCrossEntropy', 'bceWithLogits']);

export interface EventLogOptions {
  /** Display name of the run (default: the folder's name). */
  name?: string;
  /** Extra configuration recorded with the run (data, seed, ...), merged over the trainer's own. */
  config?: Record<string, unknown>;
  /**
   * Histograms of every parameter and its gradient every N steps (default 200; 0 turns them
   * off). Tensors over 8192 values are sampled with an even stride, and N doubles whenever a
   * histogram costs more than 0.5% of the step time since the last one.
   */
  histogramEvery?: number;
  /** Class names for the confusion matrix and the per-class table (default 0..C-1). */
  labels?: string[];
  /**
   * After each validation, predict the validation set once more for the confusion matrix and
   * per-class precision/recall/F1 (default: when the loss is a classification loss).
   */
  confusion?: boolean;
  /** Longest time lines wait in memory before they are appended (default 100 ms). */
  flushMs?: number;
  /** Where warnings go (default: stderr). */
  warn?: (message: string) => void;
}

export interface DashboardOptions extends EventLogOptions {
  /** Port of the dashboard (default 6060; 0 picks a free one, see url). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: this machine only). */
  host?: string;
  /** The runs folder the dashboard shows (default 'runs'); this run's log goes in a folder inside it. */
  runsDir?: string;
  /** This run's folder inside runsDir (default: run-<date>-<time>). */
  run?: string;
  /** Called with the page's URL once the server listens (default: prints it to stderr). */
  onListen?: (url: string) => void;
}

const defaultWarn = (m: string): void => { process.stderr.write(`nodegrad dashboard: ${m}\n`); };

function checkLogOptions(opts: EventLogOptions): void {
  assertPlainObject(opts as unknown, 'options');
  if (opts.name !== undefined) assertString(opts.name, 'name');
  if (opts.config !== undefined) assertPlainObject(opts.config, 'config');
  if (opts.histogramEvery !== undefined) assertNonNegativeInteger(opts.histogramEvery, 'histogramEvery');
  if (opts.labels !== undefined && (!Array.isArray(opts.labels) || opts.labels.some((l) => typeof l !== 'string'))) {
    throw new TypeError(expected('array of strings', 'labels', describe(opts.labels)));
  }
  if (opts.confusion !== undefined && typeof opts.confusion !== 'boolean') {
    throw new TypeError(expected('boolean', 'confusion', describe(opts.confusion)));
  }
  if (opts.flushMs !== undefined) assertNumberInRange(opts.flushMs, 'flushMs', 0, Infinity);
  if (opts.warn !== undefined && typeof opts.warn !== 'function') throw new TypeError(expected('function', 'warn', describe(opts.warn)));
}

/**
 * Writes the run's event log (dir/events.jsonl): configuration and model summary at the start,
 * per-step scalars (loss, running metrics, learning rate, step time, samples/s, memory),
 * per-epoch logs, parameter and gradient histograms every N steps, the confusion matrix and
 * per-class report after each validation, and the final logs.
 */
export class EventLogCallback implements Callback {
  /** Asks fit() for running metrics in each batch's logs. */
  readonly batchMetrics = true;
  readonly file: string;
  protected readonly warn: (message: string) => void;
  protected trainer: TrainerContext | null = null;
  private writer: EventLogWriter | null = null;
  private histogramEvery: number;
  private histStepMs = 0;
  private globalStep = 0;
  private epoch = 0;
  private batchStart = 0;
  private lastBatchEnd = 0;
  private epochStart = 0;
  private lastLogs: Logs = {};
  private overheadMs = 0;
  private stepMs = 0;
  /** Steps are recorded every `stride` steps: 1, doubled while recording costs over 1% of the step time. */
  private stride = 1;
  private memory: [number, number] = [0, 0];
  private window: [number, number] = [0, 0];

  constructor(readonly dir: string, readonly opts: EventLogOptions = {}) {
    assertString(dir, 'dir');
    checkLogOptions(opts);
    this.file = path.join(dir, EVENT_LOG_NAME);
    this.histogramEvery = opts.histogramEvery ?? 200;
    this.warn = opts.warn ?? defaultWarn;
  }

  setTrainer(t: TrainerContext): void {
    this.trainer = t;
  }

  /**
   * Time spent recording so far (ms), the time spent in training steps (ms), their ratio,
   * and the step stride in use (every stride-th step is recorded).
   */
  overhead(): { ms: number; stepMs: number; fraction: number; stride: number } {
    return { ms: this.overheadMs, stepMs: this.stepMs, fraction: this.stepMs > 0 ? this.overheadMs / this.stepMs : 0,
      stride: this.stride };
  }

  /** Appends an event (e.g. final test metrics after fit) to the log. */
  append(event: RunEvent): void {
    if (this.writer) {
      this.writer.append(event);
      this.writer.flush();
    } else {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.appendFileSync(this.file, JSON.stringify(event) + '\n');
    }
  }

  private trainerConfig(): Record<string, unknown> {
    const t = this.trainer;
    if (!t) return {};
    return { loss: t.lossName, optimizer: t.optimizer.constructor.name, lr: t.optimizer.lr,
      metrics: t.metricNames.map((m) => (typeof m === 'string' ? m : m.name)), parameters: t.model.numParameters() };
  }

  onTrainBegin(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    // A writer left open by a fit() that threw is closed (flushed) first.
    this.writer?.close();
    this.writer = new EventLogWriter(this.file, this.opts.flushMs ?? 100);
    this.globalStep = 0;
    this.overheadMs = 0;
    this.stepMs = 0;
    this.stride = 1;
    this.window = [0, 0];
    this.histogramEvery = this.opts.histogramEvery ?? 200;
    this.histStepMs = 0;
    this.lastLogs = {};
    const name = this.opts.name ?? path.basename(path.resolve(this.dir));
    this.writer.append({ t: 'start', time: new Date().toISOString(), name });
    this.writer.append({ t: 'config', config: { ...this.trainerConfig(), ...(this.opts.config ?? {}) } });
    if (this.trainer) this.writer.append(modelSummary(this.trainer.model));
    this.writer.flush();
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.lastBatchEnd = 0;
  }

  onBatchBegin(): void {
    this.batchStart = performance.now();
  }

  onBatchEnd(_step: number, logs: Logs): void {
    const now = performance.now();
    if (!this.writer) return;
    const stepMs = now - this.batchStart;
    this.stepMs += stepMs;
    const step = this.globalStep++;
    // Throughput over the whole step cycle (data loading and callbacks included; from the epoch's start for its first step).
    const cycle = now - (this.lastBatchEnd > 0 ? this.lastBatchEnd : this.epochStart);
    this.lastBatchEnd = now;
    const record = step % this.stride === 0;
    this.histStepMs += stepMs;
    const hist = this.histogramEvery > 0 && step % this.histogramEvery === 0;
    if (!record && !hist) return this.adapt(step, stepMs, 0);
    if (record) {
      const s: Record<string, number> = {};
      for (const k in logs) if (k !== 'size') s[k] = logs[k];
      if (this.trainer) s.lr = this.trainer.optimizer.lr;
      s.step_ms = stepMs;
      if (logs.size !== undefined && cycle > 0) s.samples_per_s = (logs.size * 1000) / cycle;
      // Reading the process's memory costs a system call: once every 32 recorded steps.
      if ((step / this.stride) % 32 === 0) this.memory = [process.memoryUsage.rss() / 1048576, memoryStats().bytesInUse / 1048576];
      s.memory_mb = this.memory[0];
      s.tensor_mb = this.memory[1];
      this.writer.appendLine(stepLine(step, this.epoch, s));
    }
    let histMs = 0;
    if (hist) {
      const h0 = performance.now();
      this.writeHistograms(step);
      histMs = performance.now() - h0;
      if (step > 0 && histMs > 0.005 * this.histStepMs && this.histogramEvery < 1 << 20) this.histogramEvery *= 2;
      this.histStepMs = 0;
    }
    const cost = performance.now() - now;
    this.overheadMs += cost;
    this.lastBatchEnd += cost;
    // Histograms keep to their own budget (above); the stride answers for the step records.
    this.adapt(step, stepMs, cost - histMs);
  }

  /** Keeps recording under 1% of the step time: every 256 steps, doubles the stride if it was over. */
  private adapt(step: number, stepMs: number, cost: number): void {
    this.window[0] += cost;
    this.window[1] += stepMs;
    if (step % 256 !== 255) return;
    if (this.window[0] > 0.01 * this.window[1] && this.stride < 4096) this.stride *= 2;
    this.window = [0, 0];
  }

  private writeHistograms(step: number): void {
    if (!this.trainer || !this.writer) return;
    const tensors = [];
    for (const [name, p] of this.trainer.model.namedParameters()) {
      tensors.push(histogram(name, 'weight', p.data as Float32Array, 30, 8192));
      if (p.grad) tensors.push(histogram(name, 'grad', p.grad.data as Float32Array, 30, 8192));
    }
    this.writer.append({ t: 'hist', step, epoch: this.epoch, tensors });
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.writer) return;
    const t0 = performance.now();
    this.lastLogs = { ...logs };
    this.writer.append({ t: 'epoch', epoch, s: { ...logs, epoch_s: (t0 - this.epochStart) / 1000 } });
    const val = this.trainer?.validationSet ?? null;
    const wantConfusion = this.opts.confusion ?? CLASSIFICATION_LOSSES.has(this.trainer?.lossName ?? '');
    if (wantConfusion && val && val.y && this.trainer) this.writeEvaluation(epoch, val.x, val.y);
    this.writer.flush();
    this.overheadMs += performance.now() - t0;
  }

  private writeEvaluation(epoch: number, x: Tensor, y: Tensor): void {
    const t = this.trainer!;
    const pred = t.predict(x);
    try {
      const opts = { logits: t.lossName === 'bceWithLogits' };
      const cols = pred.shape.length > 1 ? pred.shape[1] : 1;
      const k = Math.max(2, cols, this.opts.labels?.length ?? 0);
      const cm = confusionMatrix(y, pred, { ...opts, numClasses: k });
      const labels = Array.from({ length: k }, (_, i) => this.opts.labels?.[i] ?? String(i));
      const report = classificationReport(y, pred, { ...opts, labels: labels.map((_, i) => i), targetNames: labels });
      this.writer!.append({ t: 'eval', epoch, labels, cm, accuracy: report.accuracy,
        classes: report.classes.map((c) => ({ name: c.name, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })) });
    } catch (err) {
      // The dashboard never stops training: targets it cannot read just mean no confusion matrix.
      this.warn(`no confusion matrix for epoch ${epoch + 1}: ${(err as Error).message}`);
    } finally {
      pred.dispose();
    }
  }

  onTrainEnd(): void {
    if (!this.writer) return;
    const t = this.trainer;
    const status = t?.stopTraining ? 'stopped' : 'finished';
    const o = this.overhead();
    this.writer.append({ t: 'end', time: new Date().toISOString(), status, logs: this.lastLogs,
      recording: { ms: o.ms, fraction: o.fraction, stride: o.stride } });
    this.writer.close();
    this.writer = null;
  }
}

function runStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `run-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * The event log plus a dashboard server over the runs folder, started when training begins.
 * The server never stops training: if it cannot start (port in use), it warns and training
 * goes on. It does not keep the process alive; close() stops it.
 */
export class DashboardCallback extends EventLogCallback {
  readonly runsDir: string;
  readonly port: number;
  readonly host: string;
  server: DashboardServer | null = null;
  /** The page's address once the server listens (null before, or when it failed). */
  url: string | null = null;
  private readonly onListen?: (url: string) => void;

  constructor(opts: DashboardOptions = {}) {
    assertPlainObject(opts as unknown, 'options');
    const runsDir = path.resolve(opts.runsDir ?? 'runs');
    if (opts.run !== undefined) {
      assertString(opts.run, 'run');
      const inside = path.resolve(runsDir, opts.run);
      if (inside === runsDir || !inside.startsWith(runsDir + path.sep)) {
        throw new RangeError(expected('folder name inside runsDir', 'run', JSON.stringify(opts.run)));
      }
    }
    super(path.join(runsDir, opts.run ?? runStamp()), opts);
    this.runsDir = runsDir;
    this.port = opts.port ?? 6060;
    assertInteger(this.port, 'port');
    assertNumberInRange(this.port, 'port', 0, 65535);
    this.host = opts.host ?? '127.0.0.1';
    assertString(this.host, 'host');
    if (opts.onListen !== undefined && typeof opts.onListen !== 'function') {
      throw new TypeError(expected('function', 'onListen', describe(opts.onListen)));
    }
    this.onListen = opts.onListen;
  }

  override async onTrainBegin(): Promise<void> {
    super.onTrainBegin();
    if (this.server) return;
    const server = new DashboardServer(this.runsDir, { warn: this.warn });
    try {
      this.url = await server.listen(this.port, this.host);
      this.server = server;
      (this.onListen ?? ((u: string) => process.stderr.write(`nodegrad dashboard: ${u}\n`)))(this.url);
    } catch (err) {
      await server.close();
      this.warn(`could not start the dashboard on ${this.host}:${this.port} (${(err as Error).message}); training continues`);
    }
  }

  /** Stops the server (the log is already complete when fit() returns). */
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.url = null;
    if (s) await s.close();
  }
}

/** Records the run to dir/events.jsonl for `nodegrad dashboard` (no server). */
export function eventLog(dir: string, opts: EventLogOptions = {}): EventLogCallback {
  return new EventLogCallback(dir, opts);
}

/**
 * A live dashboard of this run (and the others in runsDir) at http://127.0.0.1:6060/. Needs
 * batch hooks, so not with fit({ worker: true }) (which rejects it with an error).
 */
export function dashboard(opts: DashboardOptions = {}): DashboardCallback {
  return new DashboardCallback(opts);
}

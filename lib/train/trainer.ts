/**
 * Trainer: Keras-style fit/evaluate/predict over any Module.
 *
 * Each training step runs inside ng.tidy, so it owns and frees its intermediates; the native
 * bytes in use return to the model's (plus optimizer state's) size after every step. fit()
 * yields to the event loop between steps (see FitOptions.yieldMs: the loop waits at most about one step), so a
 * server keeps answering while it trains, and stops early on an AbortSignal.
 */
import { Module } from '../nn/module';
import { Tensor } from '../tensor/tensor';
import { kernels } from '../native';
import { collectCreated, tidy } from '../tensor/scope';
import { compile, type CompiledStep } from '../tensor/compile';
import { noGrad } from '../autograd/node';
import { concat } from '../ops/shape';
import * as losses from '../losses';
import { Optimizer } from '../optim/optimizer';
import { createOptimizer } from '../optim/factory';
import type { OptimizerConfig, OptimizerName } from '../optim/optimizer';
import { clipGradNorm, clipGradValue } from '../optim/clip';
import { createMetrics, Metric, MetricName } from './metrics/stateful';
import { History } from './history';
import { Callback, Logs } from './callbacks';
import type { TrainerContext } from './context';
import { ProgressLogger } from './progress';
import { DataLoader } from '../data/loader';
import type { Dataset } from '../data/dataset';
import { fromTensors, subset } from '../data/dataset';
import { assertTensor } from '../tensor/check';
import { readCheckpoint, writeCheckpoint } from '../io/checkpoint';
import { getRngState, setRngState } from '../core/seed';
import { autocast, resolvePrecision, type Precision } from '../core/precision';
import { DistributedFit, DistributedFitOptions, DistributedFitStats } from '../dist/fit';
import {
  assertPlainObject, assertPositiveInteger, assertBoolean, assertNumberInRange, assertOneOf, describe, expected,
  fmtShape,
} from '../core/validate';

export type { OptimizerConfig, OptimizerName };

export interface TrainerOptions {
  model: Module;
  /** A loss name ('crossEntropy', 'mse', ...) or a function (pred, target) => scalar tensor. */
  loss: losses.LossName | losses.LossFn;
  /** An optimizer name, { type, ...options }, or an Optimizer over model.parameters(). Default 'adam'. */
  optimizer?: OptimizerName | OptimizerConfig | Optimizer;
  /** Learning rate when the optimizer is given by name. */
  lr?: number;
  /** Metric names ('accuracy', 'f1', 'top3', ...) or Metric objects; history keys are their names. */
  metrics?: readonly (MetricName | Metric)[];
  /** Clip gradients by global norm and/or value before each update. */
  clipGradNorm?: number;
  clipGradValue?: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Fraction of the data held out (the last rows, like Keras) for validation. */
  validationSplit?: number;
  validationData?: Dataset | [Tensor, Tensor];
  callbacks?: Callback[];
  /** 0 silent, 1 progress bar on a TTY / lines otherwise (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Stops training (fit resolves with the history so far) when aborted. */
  signal?: AbortSignal;
  /** Seed for shuffling (default: from ng.setSeed's global stream). */
  seed?: number;
  /**
   * Longest time fit() holds the event loop between yields, in ms (default 2): it yields before
   * a step that would end past it, so steps longer than yieldMs / 2 yield every step, and the
   * loop waits at most about one step. 0 yields before every step.
   */
  yieldMs?: number;
  /** Where progress lines go (default process.stdout). */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /**
   * A checkpoint file (see ng.callbacks.trainingCheckpoint / trainer.saveCheckpoint) to resume from:
   * weights, optimizer state, epoch, random state, shuffle order, schedulers and history are
   * restored, and training continues bit-identically to an uninterrupted run.
   */
  resumeFrom?: string;
  /**
   * Compile the training step (ng.compile): it is recorded once and then replayed in one native
   * call per batch while the batch shape holds (the last, smaller batch of an epoch gets its own
   * record), on nodegrad's native runner thread: the event loop is free while the kernels run.
   * Steps it cannot capture (gradient clipping by norm, dropout, ...) run eagerly as usual. Same
   * results as without it, bit for bit. Default: on when the loss and the optimizer are given by
   * name (or config) and training is not distributed (a loss function or an Optimizer object may
   * compute from JS values that a record would fix); the model's structure (parameters,
   * requiresGrad, train/eval modes) changing between steps (from a callback) records again.
   * While a step runs, read the model from callbacks or through the Trainer (predict, evaluate,
   * saveCheckpoint wait for the running step), not by touching its tensors from other code.
   */
  compile?: boolean;
  /**
   * Train on a worker thread (the event loop never runs a kernel). Needs a model built from
   * registered layers, and a loss/optimizer given by name; onEpoch* callbacks and
   * earlyStopping run as usual, batch-level callbacks are not supported.
   */
  worker?: boolean;
  /**
   * Data-parallel training over the ranks of an MPI job (every rank runs the same fit; see
   * docs/DISTRIBUTED.md): batchSize is the global batch, split over the ranks; rank 0 alone
   * prints, writes checkpoints and runs file-writing callbacks. `{ shardOptimizerState: true }`
   * shards the optimizer state (ZeRO stage 1).
   */
  distributed?: boolean | DistributedFitOptions;
  /**
   * 'bf16': mixed precision (docs/PRECISION.md): the training steps' GEMMs (linear, conv, matmul,
   * forward and backward) multiply in bfloat16 and sum in fp32; weights, gradients and optimizer
   * state stay fp32. Validation, evaluate() and predict() run fp32. Where the CPU lacks
   * AVX512_BF16 it warns once and trains in fp32. Default 'fp32'.
   */
  precision?: Precision;
}

/** The state of a fit() in progress (what a checkpoint captures). */
interface RunState {
  epoch: number;
  loader: DataLoader;
  history: History;
  callbacks: Callback[];
  valSet: Dataset | null;
}

type DataInput = Dataset | DataLoader | [Tensor, Tensor];

function isDataset(d: unknown): d is Dataset {
  return typeof d === 'object' && d !== null && (d as Dataset).x instanceof Tensor;
}

/** Stable keys for callbacks with state: class name and occurrence ('LRSchedulerCallback#0'). */
function callbackKeys(callbacks: Callback[]): string[] {
  const seen = new Map<string, number>();
  return callbacks.map((cb) => {
    const name = cb.constructor?.name ?? 'Object';
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return `${name}#${k}`;
  });
}

/** A view of a batch's first sample (its first row, the batch axis kept). */
function firstSample(t: Tensor): Tensor {
  return t._viewAs(t.shape.length ? [1, ...t.shape.slice(1)] : []);
}

/**
 * One turn of the event loop: timers, I/O and immediates queued meanwhile run. One setImmediate
 * is not enough: queued from a timer, an I/O callback or a promise, it runs in the same turn's
 * check phase, before the timers phase; the second is queued from the check phase, so it runs in
 * the next turn, after that turn's timers.
 */
function pause(): Promise<void> {
  return new Promise<void>((r) => setImmediate(() => setImmediate(r)));
}

function callbackStates(callbacks: Callback[]): Record<string, Record<string, unknown>> {
  const keys = callbackKeys(callbacks);
  const out: Record<string, Record<string, unknown>> = {};
  callbacks.forEach((cb, i) => {
    const c = cb as unknown as { stateDict?(): Record<string, unknown> };
    if (typeof c.stateDict === 'function') out[keys[i]] = c.stateDict();
  });
  return out;
}

export class Trainer implements TrainerContext {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly lossFn: losses.LossFn;
  readonly lossName: string;
  readonly metricNames: readonly (MetricName | Metric)[];
  /** Set by callbacks (early stopping) to end fit() after the current epoch. */
  stopTraining = false;
  /** Fitted preprocessing state (any JSON) stored in checkpoints and saved models. */
  preprocessing: unknown = undefined;
  private run: RunState | null = null;
  /** True from the start of fit() until it settles (one fit at a time). */
  private fitting = false;
  /** Public evaluate() calls in progress; fit() pauses its steps until they finish. */
  private evaluations = 0;
  private evaluationWaiters: (() => void)[] = [];
  /** Set once fit() has run its warm-up (see warmUp). */
  private warmedUp = false;
  private dist: DistributedFit | null = null;
  /** The compiled step whose replay runs on the runner thread now (fit with compile), or null. */
  private running: CompiledStep<Tensor[], [Tensor, Tensor]> | null = null;
  /** Figures of the last fit({ distributed }) (communication, optimizer state per rank); null before one. */
  distributedStats: DistributedFitStats | null = null;
  private readonly spec: { loss: string | null; optimizer: unknown; lr?: number };
  private readonly clipNorm?: number;
  private readonly clipValue?: number;

  constructor(opts: TrainerOptions) {
    assertPlainObject(opts as unknown, 'options');
    if (!(opts.model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(opts.model)));
    this.model = opts.model;
    if (typeof opts.loss === 'function') {
      this.lossFn = opts.loss;
      this.lossName = opts.loss.name || 'custom';
    } else {
      this.lossFn = losses.get(opts.loss);
      this.lossName = opts.loss;
    }
    this.optimizer = createOptimizer(this.model.parameters(), opts.optimizer ?? 'adam', opts.lr);
    this.spec = { loss: typeof opts.loss === 'string' ? opts.loss : null,
      optimizer: opts.optimizer instanceof Optimizer ? null : (opts.optimizer ?? 'adam'), lr: opts.lr };
    this.metricNames = opts.metrics ?? [];
    if (!Array.isArray(this.metricNames)) throw new TypeError(expected('array of metric names', 'metrics', describe(opts.metrics)));
    createMetrics(this.metricNames); // validates names now rather than at the first epoch
    if (opts.clipGradNorm !== undefined) assertNumberInRange(opts.clipGradNorm, 'clipGradNorm', 0, Infinity, { loOpen: true });
    if (opts.clipGradValue !== undefined) assertNumberInRange(opts.clipGradValue, 'clipGradValue', 0, Infinity, { loOpen: true });
    this.clipNorm = opts.clipGradNorm;
    this.clipValue = opts.clipGradValue;
  }

  /** Metric options derived from the loss (logit outputs use threshold 0). */
  private metricOptions() {
    return { logits: this.lossName === 'bceWithLogits' };
  }

  /**
   * Waits (blocking, at most one step) until the step fit() runs off the JS thread, if any, has
   * finished its kernels: the weights are quiet afterwards.
   */
  private quiet(): void {
    this.running?.wait();
  }

  /** What a recorded step depends on besides shapes: parameters, requiresGrad, train modes. */
  private structure(): unknown[] {
    const out: unknown[] = [];
    const walk = (m: Module) => {
      out.push(m.training);
      for (const c of m.children()) walk(c);
    };
    walk(this.model);
    for (const p of this.model.parameters()) out.push(p, p.requiresGrad);
    return out;
  }

  /** One optimization step on a batch; returns the loss value. Frees every intermediate. */
  trainStep(x: Tensor, y: Tensor, metrics: Metric[] = []): number {
    this.quiet();
    return tidy(() => {
      const [loss, pred] = this.stepTensors(x, y);
      for (const m of metrics) m.update(pred, y);
      return loss.item();
    });
  }

  /** The step's kernels (no host read): zero, forward, loss, backward, clip, update. */
  private stepTensors(x: Tensor, y: Tensor): [Tensor, Tensor] {
    this.optimizer.zeroGrad();
    const pred = this.model.forward(x);
    const loss = this.lossFn(pred, y);
    if (loss.size !== 1) {
      throw new RangeError(`Expected a scalar loss from the loss function but received shape ${fmtShape(loss.shape)}`);
    }
    loss.backward();
    if (this.clipNorm !== undefined) clipGradNorm(this.optimizer.params, this.clipNorm);
    if (this.clipValue !== undefined) clipGradValue(this.optimizer.params, this.clipValue);
    this.optimizer.step();
    return [loss, pred];
  }

  private toDataset(d: unknown, name: string): Dataset {
    if (Array.isArray(d) && d.length === 2) {
      assertTensor(d[0], `${name}[0]`);
      assertTensor(d[1], `${name}[1]`);
      return fromTensors(d[0], d[1]);
    }
    if (!isDataset(d)) throw new TypeError(expected('Dataset, DataLoader or [x, y] tensors', name, describe(d)));
    if (!d.y) throw new TypeError(expected('dataset with targets (y)', name, 'a dataset without y'));
    return d;
  }

  /**
   * Trains for `epochs` and resolves with the History. Validation loss and metrics (prefixed
   * val_) are computed after each epoch when validationData or validationSplit is given.
   */
  async fit(data: DataInput, opts: FitOptions = {}): Promise<History> {
    if (this.fitting) {
      throw new Error('Expected one fit() at a time for this Trainer but received a second fit() while the first is ' +
        'running (await the first fit(), or stop it with its signal option, before starting another)');
    }
    this.fitting = true;
    try {
      return await this.fitChecked(data, opts);
    } finally {
      this.fitting = false;
    }
  }

  /** True while fit() runs. */
  get isFitting(): boolean {
    return this.fitting;
  }

  private async fitChecked(data: DataInput, opts: FitOptions): Promise<History> {
    assertPlainObject(opts as unknown, 'options');
    const epochs = opts.epochs ?? 1;
    assertPositiveInteger(epochs, 'epochs');
    const batchSize = opts.batchSize ?? 32;
    assertPositiveInteger(batchSize, 'batchSize');
    const shuffle = opts.shuffle ?? true;
    assertBoolean(shuffle, 'shuffle');
    const verbose = opts.verbose ?? 1;
    assertOneOf(verbose as unknown as string, 'verbose', [0, 1, 2] as unknown as string[]);
    if (opts.compile !== undefined) assertBoolean(opts.compile, 'compile');
    const yieldMs = opts.yieldMs ?? 2;
    assertNumberInRange(yieldMs, 'yieldMs', 0, Infinity);
    const callbacks = opts.callbacks ?? [];
    if (!Array.isArray(callbacks)) throw new TypeError(expected('array of callbacks', 'callbacks', describe(callbacks)));
    const precision = resolvePrecision(opts.precision ?? 'fp32');
    // The event loop runs between the setup's slices (each one first-call compiles code too).
    await pause();

    let loader: DataLoader;
    let valSet: Dataset | null = null;
    // Datasets fit() makes itself (validation split) are freed when it returns.
    const owned: { dispose(): void }[] = [];
    if (data instanceof DataLoader) {
      if (opts.validationSplit !== undefined && opts.validationData === undefined) {
        throw new TypeError('Expected a Dataset or [x, y] tensors for data with validationSplit but received a DataLoader ' +
          '(split the dataset first, or pass validationData)');
      }
      loader = data;
    } else {
      let train = this.toDataset(data, 'data');
      // Like Keras, validationData takes precedence over validationSplit.
      if (opts.validationSplit !== undefined && opts.validationData === undefined) {
        assertNumberInRange(opts.validationSplit, 'validationSplit', 0, 1, { hiOpen: true });
        const nVal = Math.floor(train.length * opts.validationSplit);
        if (nVal > 0) {
          const nTrain = train.length - nVal;
          const idx = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
          valSet = subset(train, idx(nTrain, train.length));
          train = subset(train, idx(0, nTrain));
          owned.push(valSet as unknown as { dispose(): void }, train as unknown as { dispose(): void });
        }
      }
      loader = new DataLoader(train, { batchSize, shuffle, seed: opts.seed });
    }
    if (opts.validationData !== undefined) valSet = this.toDataset(opts.validationData, 'validationData');
    try {
      if (opts.distributed !== undefined && opts.distributed !== false) {
        if (opts.worker) throw new TypeError('Expected worker false with fit({ distributed }) but received true');
        const dist = new DistributedFit(this, opts.distributed, this.clipNorm !== undefined || this.clipValue !== undefined);
        this.dist = dist;
        loader = dist.shardLoader(loader, opts.seed);
        if (valSet) owned.push((valSet = dist.shardDataset(valSet)) as unknown as { dispose(): void });
      }
      await pause();
      return await this.fitLoop(loader, valSet, opts, { epochs, batchSize, verbose, yieldMs, callbacks, precision });
    } finally {
      for (const d of owned) d.dispose();
      if (this.dist) this.distributedStats = this.dist.end(this.optimizer);
      this.dist = null;
    }
  }

  private async fitLoop(loader: DataLoader, valSet: Dataset | null, opts: FitOptions,
    o: { epochs: number; batchSize: number; verbose: number; yieldMs: number; callbacks: Callback[]; precision: Precision },
  ): Promise<History> {
    const { epochs, batchSize, yieldMs, precision } = o;
    const dist = this.dist;
    const verbose = dist && !dist.isWriter ? 0 : o.verbose;
    const callbacks = dist ? dist.callbacks(o.callbacks) : o.callbacks;
    if (opts.worker) {
      if (this.spec.loss === null || this.spec.optimizer === null || this.metricNames.some((m) => typeof m !== 'string')) {
        throw new TypeError('Expected a loss, optimizer and metrics given by name for fit({ worker: true }) but received ' +
          'a function or an object (they cannot be sent to another thread)');
      }
      if (opts.resumeFrom !== undefined) throw new TypeError('Expected no resumeFrom with fit({ worker: true }) but received one');
      if (opts.compile) throw new TypeError('Expected compile false with fit({ worker: true }) but received true');
      const ds = loader.dataset;
      if (!isDataset(ds)) {
        throw new TypeError(expected('a Dataset with x/y tensors for fit({ worker: true })', 'data',
          'a DataLoader over a dataset with its own gather()'));
      }
      const { fitInWorker } = await import('./worker');
      return fitInWorker(this, ds, valSet, { ...opts, precision }, { loss: this.spec.loss, optimizer: this.spec.optimizer,
        lr: this.spec.lr, metrics: this.metricNames as MetricName[], clipGradNorm: this.clipNorm, clipGradValue: this.clipValue });
    }

    let history = new History();
    let startEpoch = 0;
    let pendingCallbackStates: Record<string, Record<string, unknown>> | null = null;
    if (opts.resumeFrom !== undefined) {
      const ck = await readCheckpoint(opts.resumeFrom);
      // Check the optimizer state before touching the model, so a wrong file changes nothing.
      this.optimizer.checkState(ck.optimizer);
      this.model.loadStateDict(ck.weights);
      this.optimizer.loadStateDict(ck.optimizer);
      if (ck.loader) loader.setState(ck.loader);
      if (ck.history) history = History.fromJSON(ck.history);
      pendingCallbackStates = ck.callbacks ?? {};
      if (ck.preprocessing !== undefined) this.preprocessing = ck.preprocessing;
      setRngState(ck.rng);
      startEpoch = ck.epoch;
      dist?.resumed(loader);
    }
    const progress = new ProgressLogger({ verbose: verbose as 0 | 1 | 2, totalEpochs: epochs, stepsPerEpoch: loader.length,
      stream: opts.stream as never });
    const metrics = createMetrics(this.metricNames, this.metricOptions());
    for (const cb of callbacks) cb.setTrainer?.(this);
    this.stopTraining = false;
    this.model.train();
    const signal = opts.signal;
    const aborted = () => signal?.aborted === true;
    // Checkpoint writers see the other callbacks' end-of-epoch updates (schedulers, early stopping).
    const ordered = [...callbacks.filter((c) => !c.runsLast), ...callbacks.filter((c) => c.runsLast)];
    this.run = { epoch: startEpoch, loader, history, callbacks, valSet };
    // Callbacks that set batchMetrics get the running (epoch-to-date) metrics in each batch's logs.
    const batchMetrics = callbacks.some((c) => (c as { batchMetrics?: boolean }).batchMetrics === true);
    await this.call(callbacks, 'onTrainBegin', {});
    // Setup (data split, loader, metrics) ran synchronously: let the event loop breathe first.
    await pause();
    // The optimizer state is made before the first step, in slices with the event loop running
    // in between (first touching megabytes of fresh memory is slow on some machines).
    await this.optimizer.prepareState(pause);
    if (pendingCallbackStates) {
      const keys = callbackKeys(callbacks);
      callbacks.forEach((cb, i) => {
        const st = pendingCallbackStates![keys[i]];
        const c = cb as unknown as { loadStateDict?(s: unknown): void };
        if (st && typeof c.loadStateDict === 'function') c.loadStateDict(st);
      });
    }
    // Compiled by default where a record cannot miss JS state (see FitOptions.compile); fit's
    // warm-up has made the gradients and the optimizer state, so the first step records.
    const byName = this.spec.loss !== null && this.spec.optimizer !== null;
    const useCompile = opts.compile ?? (byName && !dist);
    const makeCompiled = () => compile((x: Tensor, y: Tensor) => this.stepTensors(x, y), { eagerFirst: !byName });
    let compiled = useCompile ? makeCompiled() : null;
    let structure = compiled ? this.structure() : [];
    const sameStructure = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    const runStep = async (x: Tensor, y: Tensor): Promise<number> => {
      if (!compiled) return precision === 'bf16' ? autocast('bf16', () => this.trainStep(x, y, metrics)) : this.trainStep(x, y, metrics);
      const now = this.structure();
      if (!sameStructure(now, structure)) {
        compiled.dispose();
        compiled = makeCompiled();
        structure = now;
      }
      const c = compiled;
      // The eager or recording run happens inside runAsync's call (under autocast); a replay
      // runs on the runner thread until the promise settles.
      const pending = precision === 'bf16' ? autocast('bf16', () => c.runAsync(x, y)) : c.runAsync(x, y);
      this.running = c;
      let out: [Tensor, Tensor];
      try {
        out = await pending;
      } finally {
        this.running = null;
      }
      const [loss, pred] = out;
      if (metrics.length) tidy(() => { for (const m of metrics) m.update(pred, y); });
      return loss.item();
    };
    let lastYield = performance.now();
    // Yields so that the JS thread is never held longer than yieldMs, or one step when a step
    // is longer: before a step, if the time since the last yield plus the last step's duration
    // would pass yieldMs. (Steps of yieldMs/2 or more yield every step.)
    let lastStep = 0;
    const maybeYield = async () => {
      const t = performance.now();
      if (t - lastYield + lastStep >= yieldMs) {
        await pause();
        lastYield = performance.now();
      }
    };
    try {
      for (let epoch = startEpoch; epoch < epochs && !this.stopTraining && !aborted(); epoch++) {
        this.run.epoch = epoch;
        progress.onEpochBegin(epoch);
        await this.call(callbacks, 'onEpochBegin', epoch, {});
        for (const m of metrics) m.reset();
        let lossSum = 0;
        let seen = 0;
        let step = 0;
        await loader.prepareEpoch(pause);
        lastYield = performance.now();
        for (const batch of loader) {
          if (aborted()) break;
          await this.call(callbacks, 'onBatchBegin', step, {});
          if (this.evaluations > 0) {
            // An evaluate() started during fit sees the weights as they were when it began.
            await new Promise<void>((r) => this.evaluationWaiters.push(r));
            this.model.train();
          }
          if (!this.warmedUp && !dist) {
            this.warmedUp = true;
            if (compiled) await this.warmUpCompiled(batch.x, batch.y as Tensor);
            else await this.warmUp(batch.x, batch.y as Tensor);
            lastYield = performance.now();
          }
          // The batch was assembled since the last yield (the first one of an epoch after the shuffle).
          await maybeYield();
          const n = batch.x.shape[0];
          const t0 = performance.now();
          const loss = await runStep(batch.x, batch.y as Tensor);
          lastStep = performance.now() - t0;
          lossSum += loss * n;
          seen += n;
          const logs: Logs = { loss, size: n };
          if (batchMetrics) for (const m of metrics) logs[m.name] = m.result();
          progress.onBatchEnd(step, { loss: lossSum / seen });
          await this.call(callbacks, 'onBatchEnd', step, logs);
          step++;
        }
        await maybeYield();
        // Aborted mid-epoch: the epoch is not complete, so it is neither recorded nor counted
        // (a checkpoint taken now resumes by redoing it).
        if (seen === 0 || aborted()) break;
        const logs: Logs = dist ? dist.reduceTrain(lossSum, seen, metrics) : { loss: lossSum / seen };
        if (!dist) for (const m of metrics) logs[m.name] = m.result();
        if (valSet) {
          let v = await this.evaluateAsync(valSet, batchSize, yieldMs);
          if (dist) v = dist.reduceEval(v, valSet.length);
          for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
          this.model.train();
        }
        logs.lr = this.optimizer.lr;
        history.append(epoch, logs);
        this.run.epoch = epoch + 1;
        await this.call(ordered, 'onEpochEnd', epoch, logs);
        progress.onEpochEnd(epoch, logs);
        await pause();
        lastYield = performance.now();
      }
    } finally {
      compiled?.dispose();
      progress.onTrainEnd();
    }
    await this.call(callbacks, 'onTrainEnd', {});
    this.model.eval();
    return history;
  }

  /**
   * The warm-up of a compiled fit, in slices with the event loop running between them: a
   * one-kernel compiled step (compile's own code on its first call), then the model and the
   * loss, then backward, on the first batch's first sample in eval mode, as compiled steps whose
   * kernels run on the runner thread (runAsync records without running them); the gradients it
   * made are zeroed in the same run. V8 compiles the step's JS functions here, on their first
   * call, so the recording step that follows is short; the step's memory is first touched by
   * its first run, on the runner. Nothing else changes (as in warmUp). A model whose forward
   * pass cannot be captured gets the eager warm-up (warmUp) after the first.
   */
  private async warmUpCompiled(x: Tensor, y: Tensor): Promise<void> {
    const params = this.model.parameters();
    // Two compiled steps, each a slice of its own: the forward pass and the loss, then backward
    // through the graph the first one recorded (its tensors live until both are disposed).
    let loss: Tensor | null = null;
    const forward = compile((x1: Tensor, y1: Tensor) => (loss = this.lossFn(this.model.forward(x1), y1)), { eagerFirst: false });
    const backward = compile(() => {
      const l = loss as Tensor | null;
      if (l && l.size === 1 && l.requiresGrad && !l.isDisposed) l.backward();
      for (const p of params) {
        const g = p.grad;
        if (g && !g.isDisposed) kernels(g.device).fillF32(g.f32, g.size, 0);
      }
    }, { eagerFirst: false });
    const views = [firstSample(x), firstSample(y)];
    this.model.eval();
    // The first batch was just assembled: a slice of its own.
    await pause();
    // compile's own code on its first call (record, replay): a one-kernel step, a slice apart
    const scratch = Tensor.empty([1], 'float32');
    const tiny = compile((t: Tensor) => { kernels(t.device).fillF32(t.f32, 1, 0); }, { eagerFirst: false });
    try {
      await tiny.runAsync(scratch);
    } finally {
      tiny.dispose();
      scratch.dispose();
    }
    await pause();
    let eager = false;
    try {
      await forward.runAsync(views[0], views[1]);
      // A forward pass that cannot be captured ran eagerly and kept only the loss: the steps
      // will be eager too, so the eager warm-up follows instead.
      eager = forward.fallbackReason !== null;
      await pause();
      if (!eager) await backward.runAsync();
    } finally {
      backward.dispose();
      forward.dispose();
      for (const v of views) v.dispose();
      this.model.train();
    }
    if (eager) await this.warmUp(x, y);
    await pause();
  }

  /**
   * Runs the model and the loss in eval mode on the first batch's first sample and then on the
   * whole batch, forward and backward, yielding to the event loop between the four, and zeroes
   * the gradients it made. The first step of a process costs about ten steps' time at once (V8
   * compiles each function on its first call; each buffer of the step, intermediates and kernel
   * scratch, is fresh memory that the system maps page by page on first touch); in these slices,
   * the first real step is as long as the others. Nothing else changes: no update, and eval mode
   * neither updates running statistics nor draws random numbers.
   */
  private async warmUp(x: Tensor, y: Tensor): Promise<void> {
    const first = firstSample;
    const held: { dispose(): void; isDisposed: boolean; _kept: boolean }[] = [];
    const free = () => {
      for (const t of held.splice(0)) if (!t._kept && !t.isDisposed) t.dispose();
    };
    this.model.eval();
    // The first batch was just assembled: a slice of its own.
    await pause();
    try {
      // One sample (the code's first run), then the batch (its memory's first touch), each
      // forward and backward in a slice of its own.
      for (const one of [true, false]) {
        const { result: loss, created } = collectCreated(() => (one
          ? this.lossFn(this.model.forward(first(x)), first(y))
          : this.lossFn(this.model.forward(x), y)));
        held.push(...created);
        await pause();
        if (loss.size === 1 && loss.requiresGrad && !loss.isDisposed) {
          held.push(...collectCreated(() => loss.backward()).created);
        }
        free();
        await pause();
      }
    } finally {
      free();
      this.model.train();
    }
    for (const p of this.model.parameters()) {
      const g = p.grad;
      if (g && !g.isDisposed) kernels(g.device).fillF32(g.f32, g.size, 0);
    }
  }

  /** The validation set of the current (or last) fit(), or null: for callbacks that evaluate more. */
  get validationSet(): Dataset | null {
    return this.run?.valSet ?? null;
  }

  /**
   * Writes a checkpoint of the training state (call from a callback during fit, e.g.
   * ng.callbacks.trainingCheckpoint, or after fit for the final state).
   */
  async saveCheckpoint(path: string): Promise<void> {
    this.quiet();
    const run = this.run;
    if (this.dist && !this.dist.isWriter) {
      this.optimizer.stateDict(); // rank 0 writes; a sharded optimizer gathers its state from every rank
      return;
    }
    await writeCheckpoint(path, this.model, this.optimizer, {
      epoch: run ? run.epoch : 0,
      rng: getRngState(),
      loader: run ? run.loader.getState() : undefined,
      history: run ? run.history.toJSON() : undefined,
      callbacks: run ? callbackStates(run.callbacks) : {},
      preprocessing: this.preprocessing,
    });
  }

  private async call(callbacks: Callback[], hook: keyof Callback, ...args: unknown[]): Promise<void> {
    for (const cb of callbacks) {
      const fn = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof fn === 'function') await fn.apply(cb, args);
    }
  }

  /**
   * Evaluation as a generator: one batch per step (eval mode, no gradients), returning the loss
   * and metrics. evaluateSync runs it straight through; evaluate/fit yield to the event loop
   * between steps.
   */
  private *evaluationSteps(data: DataInput, batchSize: number): Generator<void, Record<string, number>> {
    const ds = data instanceof DataLoader ? data.dataset : this.toDataset(data, 'data');
    assertPositiveInteger(batchSize, 'batchSize');
    this.quiet();
    const wasTraining = this.model.training;
    const metrics = createMetrics(this.metricNames, this.metricOptions());
    let lossSum = 0;
    let seen = 0;
    const loader = new DataLoader(ds, { batchSize, shuffle: false, training: false });
    try {
      for (const batch of loader) {
        this.model.eval();
        noGrad(() => tidy(() => {
          const pred = this.model.forward(batch.x);
          const n = batch.x.shape[0];
          lossSum += this.lossFn(pred, batch.y as Tensor).item() * n;
          seen += n;
          for (const m of metrics) m.update(pred, batch.y as Tensor);
        }));
        yield;
      }
    } finally {
      this.model.train(wasTraining);
    }
    const out: Record<string, number> = { loss: seen ? lossSum / seen : NaN };
    for (const m of metrics) out[m.name] = m.result();
    return out;
  }

  /** Loss and metrics over a dataset, in eval mode, without gradients (blocks until done). */
  evaluateSync(data: DataInput, batchSize = 256): Record<string, number> {
    const steps = this.evaluationSteps(data, batchSize);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * Loss and metrics over a dataset (eval mode, no gradients), yielding to the event loop between
   * batches. Called while fit() runs (from a callback or elsewhere), it evaluates the weights as
   * they are when it starts: fit() holds its next step until every evaluate() has finished.
   */
  async evaluate(data: DataInput, opts: { batchSize?: number } = {}): Promise<Record<string, number>> {
    this.evaluations++;
    try {
      return await this.evaluateAsync(data, opts.batchSize ?? 256, 2);
    } finally {
      if (--this.evaluations === 0) for (const resume of this.evaluationWaiters.splice(0)) resume();
    }
  }

  private async evaluateAsync(data: DataInput, batchSize: number, yieldMs: number): Promise<Record<string, number>> {
    const steps = this.evaluationSteps(data, batchSize);
    let last = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - last >= yieldMs) {
        await pause();
        last = performance.now();
      }
    }
  }

  /** Model outputs for x (batched, eval mode, no gradients). The caller owns the result. */
  predict(x: Tensor | Dataset, opts: { batchSize?: number } = {}): Tensor {
    const input = x instanceof Tensor ? x : isDataset(x) ? x.x : null;
    if (!input) throw new TypeError(expected('Tensor or Dataset', 'x', describe(x)));
    assertTensor(input, 'x');
    const batchSize = opts.batchSize ?? 1024;
    assertPositiveInteger(batchSize, 'batchSize');
    this.quiet();
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return noGrad(() => tidy(() => {
        const n = input.shape[0];
        if (n <= batchSize) return this.model.forward(input);
        const parts: Tensor[] = [];
        for (let i = 0; i < n; i += batchSize) parts.push(this.model.forward(input.slice(i, Math.min(n, i + batchSize))));
        return concat(parts, 0);
      }));
    } finally {
      this.model.train(wasTraining);
    }
  }
}


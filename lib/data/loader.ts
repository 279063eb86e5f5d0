/**
 * DataLoader: batches of a dataset, reshuffled each epoch by a seeded generator, assembled with
 * the native row gather (one call per tensor per batch, no per-element JS).
 *
 *   const loader = new DataLoader(train, { batchSize: 128, shuffle: true, seed: 1 });
 *   for (const { x, y } of loader) { ... }          // sync: each batch assembled on demand
 *   for await (const { x, y } of loader) { ... }    // async: batch i+1 assembled (setImmediate)
 *                                                   // while the consumer works on batch i
 *
 * Ownership: the loader owns its batches. A batch is disposed when the next one is requested
 * and when the loop ends (break, return and throw included), so a training loop holds at most
 * two batches (the current one and the prefetched one). Copy or clone what must outlive the
 * step, or pass { keep: true } to take ownership (then the consumer disposes every batch).
 *
 * Augmentation: `transform(batch, ctx)` runs on each assembled batch with ctx.training (false
 * after loader.eval(); augmentations then do nothing) and a seeded generator ctx.rng. A transform
 * may change the batch tensors in place (they are fresh copies) or return new ones; tensors it
 * replaces are disposed by the loader.
 */
import {
  assertBoolean, assertFunction, assertPlainObject, assertPositiveInteger, describe, expected, typeError,
} from '../core/validate';
import { Rng, globalRng } from '../core/random';
import { Tensor, gatherRows } from './tensor-api';
import { Dataset, BatchSource, isBatchSource } from './dataset';
import { Sampler } from './sampler';
import { isTensor } from './matrix';

export interface Batch {
  x: Tensor;
  y?: Tensor;
  /** Dataset rows in this batch. */
  indices: Int32Array;
}

export interface TransformContext {
  /** False during evaluation: augmentations must return the batch unchanged. */
  training: boolean;
  /** Seeded generator for augmentation (separate from the shuffle stream). */
  rng: Rng;
  epoch: number;
  batchIndex: number;
}

export type BatchTransform = (batch: Batch, ctx: TransformContext) => Batch;

export interface DataLoaderOptions {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Reshuffle every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Seed for shuffling and augmentation (default: a fork of the global generator, see ng.setSeed). */
  seed?: number;
  /** Per-batch transform, e.g. compose([randomShift(2), gaussianNoise(0.05)]). */
  transform?: BatchTransform;
  /** Chooses each epoch's indices (e.g. WeightedRandomSampler); replaces shuffle. */
  sampler?: Sampler;
  /** The consumer owns and disposes batches (default false: the loader disposes them). */
  keep?: boolean;
  /** Training mode for transforms (default true); see train()/eval(). */
  training?: boolean;
}

export class DataLoader implements Iterable<Batch>, AsyncIterable<Batch> {
  readonly dataset: Dataset | BatchSource;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly keep: boolean;
  readonly sampler?: Sampler;
  readonly transform?: BatchTransform;
  training: boolean;
  /** Epochs started so far. */
  epoch = 0;
  private readonly rng: Rng;
  private readonly augRng: Rng;
  /** The next epoch's order, computed ahead by prepareEpoch (with the generator states around it). */
  private pendingOrder: { from: number[]; to: number[]; order: Int32Array } | null = null;

  constructor(dataset: Dataset | BatchSource, opts: DataLoaderOptions = {}) {
    const gathers = isBatchSource(dataset);
    if (!gathers && (typeof dataset !== 'object' || dataset === null || !isTensor((dataset as Dataset).x))) {
      typeError('Dataset ({ length, x, y? } or { length, gather(indices) })', 'dataset', dataset);
    }
    assertPlainObject(opts as unknown, 'options');
    const batchSize = opts.batchSize ?? 32;
    assertPositiveInteger(batchSize, 'batchSize');
    const shuffle = opts.shuffle ?? false;
    const dropLast = opts.dropLast ?? false;
    const keep = opts.keep ?? false;
    const training = opts.training ?? true;
    assertBoolean(shuffle, 'shuffle');
    assertBoolean(dropLast, 'dropLast');
    assertBoolean(keep, 'keep');
    assertBoolean(training, 'training');
    if (opts.transform !== undefined) assertFunction(opts.transform, 'transform');
    if (opts.sampler !== undefined) {
      const s = opts.sampler as Sampler;
      if (typeof s !== 'object' || s === null || typeof s.indices !== 'function') typeError('Sampler (with indices())', 'sampler', s);
      if (shuffle) throw new TypeError(expected('shuffle false (a sampler decides the order)', 'shuffle', 'true of type boolean'));
      if (s.sourceLength !== undefined && s.sourceLength !== dataset.length) {
        throw new RangeError(expected(`sampler over ${dataset.length} samples (the dataset's length)`, 'sampler',
          `a sampler over ${s.sourceLength} samples`));
      }
    }
    const n = dataset.length;
    if (!gathers && (dataset as Dataset).y && (dataset as Dataset).y!.shape[0] !== n) {
      throw new RangeError(expected(`y with ${n} rows (like x)`, 'dataset.y', describe((dataset as Dataset).y)));
    }
    if (dropLast && batchSize > n && !opts.sampler) {
      throw new RangeError(expected(`batchSize <= ${n} (dataset length) with dropLast`, 'batchSize', describe(batchSize)));
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.keep = keep;
    this.training = training;
    this.sampler = opts.sampler;
    this.transform = opts.transform as BatchTransform | undefined;
    this.rng = opts.seed !== undefined ? new Rng(opts.seed) : globalRng.fork();
    this.augRng = this.rng.fork();
  }

  /** Samples per epoch. */
  get numSamples(): number {
    return this.sampler ? this.sampler.length : this.dataset.length;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.numSamples;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Transforms run in training mode (augmentation on). */
  train(): this { this.training = true; return this; }
  /** Transforms run in evaluation mode (augmentation off). */
  eval(): this { this.training = false; return this; }

  /**
   * Computes the next epoch's sample order in slices of about `sliceMs`, awaiting `pause()`
   * between them (fit() calls it so that shuffling a large dataset never holds the event loop).
   * The next epoch then starts with this order: the same one, drawing the same random numbers,
   * as without it. Ignored when the generator's state changed meanwhile (setState), and with a
   * sampler.
   */
  async prepareEpoch(pause: () => Promise<void>, sliceMs = 1): Promise<void> {
    this.pendingOrder = null;
    if (this.sampler) return;
    const n = this.dataset.length;
    const from = this.rng.getState();
    const order = new Int32Array(n);
    let t0 = performance.now();
    const tick = async () => {
      if (performance.now() - t0 >= sliceMs) {
        await pause();
        t0 = performance.now();
      }
    };
    const FILL_CHUNK = 2048;
    for (let i = 0; i < n; i += FILL_CHUNK) {
      const end = Math.min(n, i + FILL_CHUNK);
      for (let k = i; k < end; k++) order[k] = k;
      await tick();
    }
    let to = from;
    if (this.shuffle) {
      const rng = new Rng(0);
      rng.setState(from);
      // The clock is read every SHUFFLE_CHUNK swaps. The first epoch's shuffle runs in V8's
      // interpreter (0.7-3 us a swap on the 2-core VM, while the optimizing compiler works
      // on the other core), so chunks of 2,048 held the loop for 6.5 ms at the start of fit.
      const SHUFFLE_CHUNK = 128;
      for (let i = n - 1; i > 0;) {
        const stop = Math.max(0, i - SHUFFLE_CHUNK);
        rng.shuffleSteps(order, i, stop);
        i = stop;
        await tick();
      }
      to = rng.getState();
    }
    this.pendingOrder = { from, to, order };
  }

  /** Starts an epoch: its sample order. */
  private startEpoch(): Int32Array {
    const pending = this.pendingOrder;
    this.pendingOrder = null;
    if (pending && !this.sampler && pending.order.length === this.dataset.length &&
      sameState(pending.from, this.rng.getState())) {
      this.epoch++;
      this.rng.setState(pending.to);
      return pending.order;
    }
    this.epoch++;
    if (this.sampler) {
      const idx = this.sampler.indices();
      const n = this.dataset.length;
      for (let i = 0; i < idx.length; i++) {
        if (!(idx[i] >= 0 && idx[i] < n)) {
          throw new RangeError(expected(`sampler index in [0, ${n - 1}]`, `sampler.indices()[${i}]`, describe(idx[i])));
        }
      }
      return idx;
    }
    if (this.shuffle) return this.rng.permutation(this.dataset.length);
    return Int32Array.from({ length: this.dataset.length }, (_, i) => i);
  }

  /** Rows of the dataset as fresh tensors (native row gather, or the dataset's own gather()). */
  private gatherRows(indices: Int32Array): { x: Tensor; y?: Tensor } {
    const ds = this.dataset;
    if (isBatchSource(ds)) {
      const out = ds.gather(indices);
      if (typeof out !== 'object' || out === null || !isTensor(out.x) || out.x.shape[0] !== indices.length) {
        if (out && isTensor(out.x)) out.x.dispose();
        if (out && isTensor(out.y)) out.y.dispose();
        typeError(`{ x, y? } with ${indices.length} rows from dataset.gather()`, 'dataset.gather', out);
      }
      return out;
    }
    const x = gatherRows(ds.x, indices);
    try {
      return { x, y: ds.y ? gatherRows(ds.y, indices) : undefined };
    } catch (e) {
      x.dispose();
      throw e;
    }
  }

  /** Assembles batch b of an epoch's order (gather + transform). */
  private assemble(order: Int32Array, b: number): Batch {
    const start = b * this.batchSize;
    const indices = order.subarray(start, Math.min(start + this.batchSize, order.length));
    const { x, y } = this.gatherRows(indices);
    let batch: Batch = { x, y, indices };
    if (this.transform) {
      const ctx: TransformContext = { training: this.training, rng: this.augRng, epoch: this.epoch, batchIndex: b };
      let out: Batch;
      try {
        out = this.transform(batch, ctx);
      } catch (e) {
        disposeBatch(batch);
        throw e;
      }
      if (typeof out !== 'object' || out === null || !isTensor(out.x)) {
        disposeBatch(batch);
        typeError('batch { x, y? } returned by transform', 'transform', out);
      }
      if (out.x !== x) x.dispose();
      if (y && out.y !== y) y.dispose();
      batch = { x: out.x, y: out.y, indices };
    }
    return batch;
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.startEpoch();
    const nb = this.length;
    let cur: Batch | null = null;
    try {
      for (let b = 0; b < nb; b++) {
        cur = this.assemble(order, b);
        yield cur;
        if (!this.keep) disposeBatch(cur);
        cur = null;
      }
    } finally {
      if (cur && !this.keep) disposeBatch(cur);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const order = this.startEpoch();
    const nb = this.length;
    let cur: Batch | null = null;
    let pending: Promise<Batch> | null = null;
    try {
      let next: Batch | null = nb > 0 ? this.assemble(order, 0) : null;
      for (let b = 0; b < nb; b++) {
        cur = next;
        next = null;
        if (b + 1 < nb) {
          // Prefetch: assemble the next batch on the next event-loop turn, while the consumer
          // works on (and awaits inside) this one.
          pending = new Promise<Batch>((resolve, reject) => {
            setImmediate(() => {
              try { resolve(this.assemble(order, b + 1)); } catch (e) { reject(e); }
            });
          });
          pending.catch(() => undefined); // a failure surfaces at the await below, never as unhandled
        }
        yield cur!;
        if (!this.keep) disposeBatch(cur!);
        cur = null;
        if (pending) {
          const p = pending;
          pending = null;
          next = await p;
        }
      }
    } finally {
      if (cur && !this.keep) disposeBatch(cur);
      // A prefetched batch the consumer never saw is always the loader's to free.
      if (pending) (pending as Promise<Batch>).then(disposeBatch, () => undefined);
    }
  }

  /** State for checkpoints: epoch and the generators' positions. */
  getState(): { epoch: number; rng: number[]; augRng: number[] } {
    return { epoch: this.epoch, rng: this.rng.getState(), augRng: this.augRng.getState() };
  }

  setState(state: { epoch: number; rng: number[]; augRng: number[] }): void {
    assertPlainObject(state as unknown, 'state');
    this.epoch = state.epoch;
    this.rng.setState(state.rng);
    this.augRng.setState(state.augRng);
  }
}

function sameState(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.y?.dispose();
}

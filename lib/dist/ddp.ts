/**
 * DistributedDataParallel: the same model on every rank, each on its own shard of the data.
 *
 * - At construction the parameters are packed into the flat layout (nn/flat.ts) and rank 0's
 *   values (and buffers such as BatchNorm statistics) are broadcast to every rank.
 * - During backward(), the flat gradient buffer is all-reduced (mean) in buckets of about
 *   `bucketCapMB`, in the reverse order of the layout: a bucket is queued on the MPI
 *   communication thread as soon as the autograd engine reports that every gradient in it is
 *   final, so communication runs while the earlier layers' backward still computes. At the end
 *   of backward() the JS thread waits for the buckets still in flight (this wait, the exposed
 *   part of communication, is what `stats` compares with the total communication time).
 * - With `shardOptimizerState` (ZeRO stage 1) there is no all-reduce: optimizer.step()
 *   reduce-scatters the gradients, updates this rank's part of the parameters with this rank's
 *   part of the optimizer state, and all-gathers the parameters.
 *
 * All ranks must run the same sequence of forward/backward/step calls.
 */
import type { Module } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import type { Optimizer } from '../optim/optimizer';
import { packParameters, FlatLayout } from '../nn/flat';
import { Tensor as TensorClass, settlePendingGrads } from '../tensor/tensor';
import { Storage } from '../tensor/storage';
import { keep } from '../tensor/scope';
import { gradReadyHooks, GradReadyHook } from '../autograd/engine';
import { assertBoolean, assertNumberInRange, assertPlainObject, describe, expected } from '../core/validate';
import { KIND, state, submit, waitSync, broadcastSync, partition, opCode } from './comm';

export interface DDPOptions {
  /** Target bucket size in MiB (default 1; the first bucket, the last layers, goes out earliest). */
  bucketCapMB?: number;
  /** Overlap bucket all-reduces with backward (default true; false reduces all at the end of backward). */
  overlap?: boolean;
  /** Broadcast module buffers (BatchNorm statistics) from rank 0 at construction (default true). */
  broadcastBuffers?: boolean;
}

export interface DDPStats {
  /** backward() passes that reduced gradients. */
  steps: number;
  /** Seconds the communication thread spent in gradient collectives. */
  commSeconds: number;
  /** Seconds the JS thread waited for them (communication not hidden behind compute). */
  exposedSeconds: number;
  /** Gradient payload bytes per step (per rank, as given to MPI). */
  bytesPerStep: number;
  buckets: number;
  /** Buckets sent while backward still had gradients to compute (the rest went out at its end). */
  earlyBuckets: number;
  /** Bytes of the gradient buffer advised onto transparent huge pages (0: not available or too small). */
  hugePageBytes: number;
}

const HUGE_PAGE = 2 * 1024 * 1024;

/**
 * Moves the flat gradient buffer to memory that starts on a 2 MiB boundary and asks the kernel
 * for transparent huge pages there (madvise MADV_HUGEPAGE; Linux). Open MPI's shared-memory
 * transport copies large messages with process_vm_readv, which pins every page of the peer's
 * buffer: with 4 KiB pages that pinning was 12-49% of the communication thread's CPU samples for
 * the MLP's 2 MiB gradient; with huge pages the copy + pinning of a 2 MiB all-reduce fell from
 * 0.55-0.70 ms to 0.20 ms per call in a C microbenchmark (perf, loaded 2-core machine). Only for
 * gradients of at least one huge page; costs 2 MiB of alignment slack. Returns the bytes advised.
 */
function hugePageGradients(layout: FlatLayout): number {
  const { addon } = state();
  const old = layout.grads;
  const total = old.size;
  if (process.platform !== 'linux' || typeof addon.adviseHugePages !== 'function' || total * 4 < HUGE_PAGE ||
    old.device !== 'cpu' || old.dtype !== 'float32') return 0;
  settlePendingGrads(); // the copy below reads the gradients in bulk
  const block = keep(new TensorClass([total + HUGE_PAGE / 4], 'float32', new Storage(total * 4 + HUGE_PAGE)));
  const pad = addon.hugePagePadding(block.data as Float32Array) / 4;
  const grads = keep(block._viewAs([total], pad));
  block.dispose(); // the view holds the storage
  const advised = addon.adviseHugePages(grads.data as Float32Array) as number;
  (grads.data as Float32Array).set(old.data as Float32Array);
  layout.params.forEach((p, i) => {
    const g = keep(grads._viewAs(p.shape, layout.offsets[i]));
    const prev = p.grad;
    p.grad = g;
    if (prev && !prev.isDisposed) prev.dispose();
  });
  layout.grads = grads;
  old.dispose();
  return advised;
}

interface Bucket {
  start: number;
  end: number;
  view: Float32Array;
  params: Set<Tensor>;
  remaining: number;
  id: number; // collective in flight, 0 when none
  mark: number; // readyCount when it was sent during backward (0: not sent early)
}

const MEAN = opCode('mean');

export class DistributedDataParallel implements GradReadyHook {
  readonly module: Module;
  readonly layout: FlatLayout;
  readonly rank: number;
  readonly worldSize: number;
  readonly overlap: boolean;
  private readonly buckets: Bucket[] = [];
  private readonly bucketOf = new Map<Tensor, Bucket>();
  private touched = false;
  private paused = false;
  private readyCount = 0;
  private sharded: Optimizer | null = null;
  private disposed = false;
  readonly stats: DDPStats = { steps: 0, commSeconds: 0, exposedSeconds: 0, bytesPerStep: 0, buckets: 0, earlyBuckets: 0, hugePageBytes: 0 };

  constructor(model: Module, opts: DDPOptions = {}) {
    if (typeof model !== 'object' || model === null || typeof (model as Module).parameters !== 'function') {
      throw new TypeError(expected('Module', 'model', describe(model)));
    }
    assertPlainObject(opts as unknown, 'options');
    const capMB = opts.bucketCapMB ?? 1;
    assertNumberInRange(capMB, 'bucketCapMB', 0, Infinity, { loOpen: true });
    const overlap = opts.overlap ?? true;
    assertBoolean(overlap, 'overlap');
    const broadcastBuffers = opts.broadcastBuffers ?? true;
    assertBoolean(broadcastBuffers, 'broadcastBuffers');
    const { info } = state();
    this.rank = info.rank;
    this.worldSize = info.worldSize;
    this.module = model;
    this.overlap = overlap;
    const params = model.parameters();
    if (params.length === 0) throw new RangeError(expected('model with parameters', 'model', 'a model without parameters'));
    this.layout = packParameters(params);
    if (this.worldSize > 1) this.stats.hugePageBytes = hugePageGradients(this.layout);
    // Same weights everywhere (this also checks that every rank built the same layout size).
    broadcastSync(this.layout.values.data as Float32Array, 0);
    if (broadcastBuffers) for (const [, b] of model.namedBuffers()) broadcastSync(b.data as Float32Array, 0);

    // Buckets over the layout, from its end (the last layers finish backward first). A module's
    // parameters (e.g. a Linear's weight and bias) get their final gradients together and stay in
    // one bucket; a bucket is closed before the next module's parameters when it already holds a
    // useful amount (rather than waiting for them) or when they would take it past the cap.
    const cap = Math.max(16, Math.floor((capMB * 1024 * 1024) / 4));
    const minFill = Math.min(cap, 16384); // 64 KiB: below this, one more collective costs more than waiting
    const { offsets } = this.layout;
    const grads = this.layout.grads.data as Float32Array;
    const owner = new Map<Tensor, string>();
    for (const [name, p] of model.namedParameters()) owner.set(p, name.slice(0, Math.max(0, name.lastIndexOf('.'))));
    let cur: Bucket | null = null;
    let curOwner: string | undefined;
    for (let i = params.length - 1; i >= 0; i--) {
      const start = offsets[i];
      const end = i + 1 < params.length ? offsets[i + 1] : this.layout.values.size;
      const o = owner.get(params[i]);
      if (!cur || (o !== curOwner && (cur.end - start > cap || cur.end - cur.start >= minFill))) {
        cur = { start, end, view: grads, params: new Set(), remaining: 0, id: 0, mark: 0 };
        this.buckets.push(cur);
      }
      curOwner = o;
      cur.start = start;
      cur.params.add(params[i]);
      this.bucketOf.set(params[i], cur);
    }
    for (const b of this.buckets) {
      b.view = grads.subarray(b.start, b.end);
      b.remaining = b.params.size;
    }
    this.stats.buckets = this.buckets.length;
    this.stats.bytesPerStep = this.layout.values.size * 4;
    gradReadyHooks.add(this);
  }

  /** The wrapped model's forward. */
  forward(x: Tensor): Tensor {
    return this.module.forward(x);
  }

  parameters(): Tensor[] {
    return this.module.parameters();
  }

  /** Fraction of gradient communication hidden behind backward so far (1 - exposed / total). */
  get hiddenFraction(): number {
    return this.stats.commSeconds > 0 ? Math.max(0, 1 - this.stats.exposedSeconds / this.stats.commSeconds) : 0;
  }

  /** @internal autograd: `leaf`'s gradient is final for this backward pass. */
  ready(leaf: Tensor): void {
    if (this.sharded || this.paused) return;
    const b = this.bucketOf.get(leaf);
    if (!b) return;
    this.touched = true;
    this.readyCount++;
    if (--b.remaining === 0 && this.overlap) {
      this.launch(b);
      b.mark = this.readyCount;
    }
  }

  /** @internal autograd: the backward pass ended; finish the gradient all-reduce. */
  end(): void {
    if (!this.touched || this.paused) return;
    this.touched = false;
    // Buckets not launched yet (unused parameters, or overlap off) go in layout order, the same on every rank.
    for (const b of this.buckets) {
      if (b.id === 0) this.launch(b);
      else if (b.mark > 0 && b.mark < this.readyCount) this.stats.earlyBuckets++;
      b.mark = 0;
    }
    this.readyCount = 0;
    this.waitAll();
  }

  /**
   * Runs `fn` without gradient communication: backward passes inside only accumulate local
   * gradients (gradient accumulation; call allReduceGradients() or run a synchronized backward
   * before the optimizer step). Like PyTorch's no_sync().
   */
  noSync<T>(fn: () => T): T {
    const was = this.paused;
    this.paused = true;
    try {
      return fn();
    } finally {
      this.paused = was;
    }
  }

  /** Averages the gradients over all ranks now (after a backward() made without this wrapper's hooks). */
  allReduceGradients(): void {
    for (const b of this.buckets) if (b.id === 0) this.launch(b);
    this.waitAll();
  }

  private launch(b: Bucket): void {
    b.id = submit(KIND.allReduce, b.view, b.view, b.view.length, MEAN, null, false);
  }

  private waitAll(): void {
    const t0 = performance.now();
    let comm = 0;
    let err: unknown = null;
    for (const b of this.buckets) {
      if (b.id !== 0) {
        try {
          comm += waitSync(b.id);
        } catch (e) {
          err ??= e;
        }
      }
      b.id = 0;
      b.remaining = b.params.size;
    }
    this.stats.exposedSeconds += (performance.now() - t0) / 1000;
    this.stats.commSeconds += comm;
    this.stats.steps++;
    if (err) throw err;
  }

  /**
   * ZeRO stage 1: shards `optimizer`'s state over the ranks (before its first step). Its
   * step() then reduce-scatters the gradients, updates this rank's range and all-gathers the
   * parameters; stateDict() gathers the full state (call it on every rank). Gradients are not
   * all-reduced during backward any more, so gradient clipping does not apply.
   */
  shardOptimizerState(optimizer: Optimizer): void {
    if (optimizer.layout !== this.layout) {
      throw new TypeError(expected("optimizer over this model's parameters", 'optimizer', 'an optimizer over other parameters'));
    }
    const total = this.layout.values.size;
    const counts = partition(total, this.worldSize);
    let start = 0;
    for (let r = 0; r < this.rank; r++) start += counts[r];
    const n = counts[this.rank];
    const end = start + n;
    const shardGrads = new Float32Array(Math.max(n, 1)).subarray(0, n);
    const grads = this.layout.grads.data as Float32Array;
    const values = this.layout.values.data as Float32Array;
    const stats = this.stats;
    optimizer.setShard({
      start, end, grads: shardGrads,
      reduce: () => {
        const secs = waitSync(submit(KIND.reduceScatter, grads, shardGrads, n, MEAN, counts, false));
        stats.commSeconds += secs;
        stats.exposedSeconds += secs;
        stats.steps++;
      },
      gather: () => {
        const secs = waitSync(submit(KIND.allGather, null, values, n, 0, counts, false));
        stats.commSeconds += secs;
        stats.exposedSeconds += secs;
      },
      gatherState: (shard: Float32Array) => {
        const full = new Float32Array(total);
        full.set(shard.subarray(0, n), start);
        waitSync(submit(KIND.allGather, null, full, n, 0, counts, true));
        return full;
      },
    });
    this.sharded = optimizer;
    this.stats.bytesPerStep = total * 4 * 2;
  }

  /** Stops reducing gradients (removes the backward hook; unshards a sharded optimizer's state first). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    gradReadyHooks.delete(this);
    if (this.sharded) {
      this.sharded.setShard(null);
      this.sharded = null;
    }
  }
}

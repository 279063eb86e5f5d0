/**
 * Optimizers (PyTorch semantics). Parameters are packed into one flat buffer (see nn/flat.ts),
 * so each step is ONE native call over all parameters, and zeroGrad is one fill.
 */
import { Tensor, markGradZero, settlePendingGrads } from '../tensor/tensor';
import { cpuKernels, kernels, type OpKernels } from '../native';
import { segmentsFor, FlatLayout, Segment } from '../nn/flat';
import { Storage } from '../tensor/storage';
import { keep } from '../tensor/scope';
import { captureSink } from '../tensor/capture';
import { describe, expected, assertPlainObject, rangeError } from '../core/validate';

export interface OptimizerState {
  type: string;
  hyper: Record<string, number | boolean>;
  step: number;
  buffers: Record<string, Float32Array>;
}

function checkParams(params: unknown): Tensor[] {
  if (!Array.isArray(params)) throw new TypeError(expected('array of parameter tensors', 'params', describe(params)));
  if (params.length === 0) throw new RangeError(expected('non-empty array of parameters', 'params', 'an array of length 0'));
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(expected('Tensor', `params[${i}]`, describe(p)));
    if (p.isDisposed) throw new TypeError(expected('a live tensor', `params[${i}]`, 'a disposed tensor'));
    if (p.dtype !== 'float32') throw new TypeError(expected('float32 Tensor', `params[${i}]`, `${p.dtype} Tensor`));
    if (!p.requiresGrad) throw new TypeError(expected('tensor with requiresGrad=true', `params[${i}]`, 'a tensor with requiresGrad=false'));
  });
  if (new Set(params).size !== params.length) throw new RangeError(expected('distinct parameters', 'params', 'the same tensor more than once'));
  return params as Tensor[];
}

/** Checks a hyperparameter: finite number in [lo, hi] (open ends as given); RangeError names it. */
export function hyper(opts: Record<string, unknown>, name: string, def: number, lo: number, hi = Infinity,
  loOpen = false): number {
  const v = opts[name] === undefined ? def : opts[name];
  const what = `number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? 'Infinity)' : hi + ']'}`;
  if (typeof v !== 'number') throw new TypeError(expected(what, name, describe(v)));
  if (!Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi) rangeError(what, name, v);
  return v;
}

export function flag(opts: Record<string, unknown>, name: string, def: boolean): boolean {
  const v = opts[name] === undefined ? def : opts[name];
  if (typeof v !== 'boolean') throw new TypeError(expected('boolean', name, describe(v)));
  return v;
}

/**
 * @internal ZeRO stage 1 (set by ng.dist.DistributedDataParallel): this rank updates only
 * [start, end) of the flat layout and keeps optimizer state for that range alone. step() calls
 * reduce() (gradients reduced and scattered into `grads`) before the update and gather()
 * (every rank's updated range to all) after it; stateDict() calls gatherState per buffer.
 */
export interface OptimizerShard {
  start: number;
  end: number;
  grads: Float32Array;
  reduce(): void;
  gather(): void;
  gatherState(shard: Float32Array): Float32Array;
}

export abstract class Optimizer {
  readonly params: Tensor[];
  /** Learning rate (schedulers set it). */
  lr: number;
  /** Completed steps. */
  stepCount = 0;
  /** @internal */ readonly layout: FlatLayout;
  /** @internal ranges of the layout this optimizer updates */ readonly segments: Segment[];
  /** @internal */ protected readonly buffers = new Map<string, Tensor>();
  /** @internal ZeRO-1 shard of this rank (null: the whole layout). */ private shard: OptimizerShard | null = null;

  constructor(params: unknown, opts: unknown, defaultLr: number) {
    this.params = checkParams(params);
    if (opts === undefined) opts = {};
    assertPlainObject(opts, 'options');
    this.lr = hyper(opts as Record<string, unknown>, 'lr', defaultLr, 0);
    const { layout, segments } = segmentsFor(this.params);
    this.layout = layout;
    this.segments = segments;
    layout.users++;
  }

  /** Flat parameter count (with alignment padding). */
  /** The kernels of the parameters' device. */
  protected get k(): OpKernels {
    if (this.kernelsOverride !== null) return this.kernelsOverride;
    const device = this.layout.values.device;
    return device === 'cpu' ? cpuKernels : kernels(device);
  }

  get numel(): number {
    return this.layout.values.size;
  }

  /** @internal Shards the optimizer state (ZeRO-1); null gathers it back (collective: call on every rank). */
  setShard(shard: OptimizerShard | null): void {
    if (shard && (this.segments.length !== 1 || this.segments[0].start !== 0 || this.segments[0].end !== this.numel)) {
      throw new TypeError('Expected an optimizer over all of the model\'s parameters for shardOptimizerState but received one ' +
        'over a subset');
    }
    if (shard === this.shard) return;
    // Existing state (a second fit, or unsharding) is kept: gathered in full, then re-split.
    const full = this.buffers.size > 0 ? this.stateDict() : null;
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
    this.shard = shard;
    if (full) this.loadStateDict(full);
  }

  /** Elements of each state buffer on this rank (the shard's length when sharded). */
  get stateSize(): number {
    return this.shard ? this.shard.end - this.shard.start : this.numel;
  }

  /** Bytes of optimizer state held by this process. */
  get stateBytes(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.size * 4;
    return n;
  }

  /** A state buffer in the flat layout, created on first use (filled with `init`). */
  protected buffer(name: string, init = 0): Float32Array {
    let b = this.buffers.get(name);
    if (!b) {
      const n = this.stateSize;
      b = keep(new Tensor([n], 'float32', new Storage(Math.max(n, 1) * 4)));
      this.k.fillF32(b.f32, b.size, init);
      this.buffers.set(name, b);
    }
    return b.data as Float32Array;
  }

  /**
   * The state buffers the next step() creates (name and initial value); prepareState() makes
   * them ahead of time.
   */
  protected stateBuffers(): [string, number][] {
    return [];
  }

  /**
   * Creates the state buffers the first step() would create, filling them `chunk` elements at a
   * time and awaiting `pause()` between chunks. First touching megabytes of fresh memory takes
   * tens of milliseconds on some machines; fit() calls this before its first step so that the
   * event loop keeps running meanwhile. The buffers and values are the same as step()'s.
   */
  async prepareState(pause: () => Promise<void>, chunk = 1 << 14): Promise<void> {
    for (const [name, init] of this.stateBuffers()) {
      if (this.buffers.has(name)) continue;
      const n = this.stateSize;
      const b = keep(new Tensor([n], 'float32', new Storage(Math.max(n, 1) * 4)));
      const d = b.f32;
      for (let at = 0; at < n; at += chunk) {
        const len = Math.min(chunk, n - at);
        this.k.fillF32(at === 0 ? d : d.subarray(at), len, init);
        if (at + len < n) await pause();
      }
      // A step may have run meanwhile (one created it): keep the first.
      if (this.buffers.has(name)) b.dispose();
      else this.buffers.set(name, b);
      await pause();
    }
  }

  /**
   * Sets every gradient to zero. On the CPU this writes nothing: the gradients are marked zero
   * and the first op of the next backward() that produces each one writes it (reading `p.grad`,
   * a step or clipping writes the zeros of those still marked; so does the end of a step being
   * recorded, lib/tensor/compile.ts). Other devices: one native fill over the flat gradient buffer.
   */
  zeroGrad(): void {
    if (this.layout.grads.device === 'cpu') {
      for (const p of this.params) {
        const g = p._grad;
        if (g !== null && !g.isDisposed && !p._gradPending) markGradZero(p);
      }
      return;
    }
    settlePendingGrads();
    const g = this.layout.grads.data as Float32Array;
    for (const s of this.segments) this.k.fillF32(s.start === 0 ? g : g.subarray(s.start), s.end - s.start, 0);
  }

  /** @internal Kernels step() calls instead of the device's (a captured step re-issuing its calls). */
  private kernelsOverride: OpKernels | null = null;
  /** The step count before the last re-issue, and what restores it (one closure, not one per replay). */
  private countBeforeReissue = 0;
  private readonly undoReissue = (): void => { this.stepCount = this.countBeforeReissue; };

  /** Applies one update to all parameters. */
  step(): void {
    const sink = captureSink();
    if (sink !== null) {
      if (this.shard) {
        sink.block('a sharded optimizer step (it communicates)');
      } else {
        // before the re-issued part: a replay has no pending zeros at this point (compile.ts)
        settlePendingGrads();
        sink.dynamic((k) => {
          this.countBeforeReissue = this.stepCount;
          this.kernelsOverride = k;
          try {
            this.stepNow();
          } finally {
            this.kernelsOverride = null;
          }
          return this.undoReissue;
        }, () => this.stepNow());
        return;
      }
    }
    this.stepNow();
  }

  private stepNow(): void {
    settlePendingGrads(); // gradients no backward() wrote since zeroGrad() are zeros
    this.lr = hyper(this as unknown as Record<string, unknown>, 'lr', this.lr, 0);
    this.stepCount++;
    const p = this.layout.values.data as Float32Array;
    const sh = this.shard;
    if (sh) {
      sh.reduce();
      this.update(p.subarray(sh.start, sh.end), sh.grads, sh.end - sh.start, (a) => a);
      sh.gather();
      return;
    }
    const g = this.layout.grads.data as Float32Array;
    for (const s of this.segments) {
      const view = (a: Float32Array | null) => (a === null ? null : s.start === 0 && s.end === a.length ? a : a.subarray(s.start, s.end));
      this.update(view(p) as Float32Array, view(g) as Float32Array, s.end - s.start, view);
    }
  }

  /**
   * Updates one contiguous range: params/grads are views of it (n elements); `seg` maps a
   * state buffer (full layout size) to the same range.
   */
  protected abstract update(params: Float32Array, grads: Float32Array, n: number,
    seg: (a: Float32Array | null) => Float32Array | null): void;

  /** Hyperparameters (for state dicts and configs). */
  abstract hyperparameters(): Record<string, number | boolean>;

  /** Copies of the state buffers and step count (when sharded, gathered from every rank: call it on all). */
  stateDict(): OptimizerState {
    const buffers: Record<string, Float32Array> = {};
    const sh = this.shard;
    for (const k of [...this.buffers.keys()].sort()) {
      const d = this.buffers.get(k)!.data as Float32Array;
      buffers[k] = sh ? sh.gatherState(d) : d.slice();
    }
    return { type: this.constructor.name, hyper: { lr: this.lr, ...this.hyperparameters() }, step: this.stepCount, buffers };
  }

  /** Throws unless `state` fits this optimizer (type and buffer sizes); changes nothing. */
  checkState(state: OptimizerState): void {
    assertPlainObject(state as unknown, 'state');
    if (state.type !== this.constructor.name) {
      throw new TypeError(expected(`${this.constructor.name} state`, 'state', `${String(state.type)} state`));
    }
    for (const [k, src] of Object.entries(state.buffers ?? {})) {
      if (!(src instanceof Float32Array) || src.length !== this.numel) {
        const got = src instanceof Float32Array ? String(src.length) : describe(src);
        throw new RangeError(`Expected ${this.numel} values for state buffer '${k}' but received ${got}`);
      }
    }
  }

  loadStateDict(state: OptimizerState): void {
    assertPlainObject(state, 'state');
    if (state.type !== this.constructor.name) {
      throw new TypeError(expected(`${this.constructor.name} state`, 'state', `${String(state.type)} state`));
    }
    this.checkState(state);
    const sh = this.shard;
    for (const [k, src] of Object.entries(state.buffers)) this.buffer(k).set(sh ? src.subarray(sh.start, sh.end) : src);
    this.stepCount = state.step;
    if (typeof state.hyper.lr === 'number') this.lr = state.hyper.lr;
  }

  /** Frees the state buffers and this optimizer's hold on the flat parameter/gradient blocks. */
  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
    if (--this.layout.users <= 0) {
      this.layout.values.dispose();
      this.layout.grads.dispose();
    }
  }
}

export interface SGDOptions { lr?: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

/** SGD with momentum, dampening, Nesterov and (L2) weight decay. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: SGDOptions = {}) {
    super(params, opts, 0.01);
    const o = opts as Record<string, unknown>;
    this.momentum = hyper(o, 'momentum', 0, 0);
    this.dampening = hyper(o, 'dampening', 0, 0, 1);
    this.nesterov = flag(o, 'nesterov', false);
    this.weightDecay = hyper(o, 'weightDecay', 0, 0);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(expected('momentum > 0 and dampening = 0 (required by nesterov)', 'momentum',
        describe(this.momentum)));
    }
  }

  protected override stateBuffers(): [string, number][] {
    return this.momentum > 0 ? [['momentum', 0]] : [];
  }

  protected update(p: Float32Array, g: Float32Array, n: number, seg: (a: Float32Array | null) => Float32Array | null): void {
    const buf = seg(this.momentum > 0 ? this.buffer('momentum') : null);
    this.k.sgdUpdate(p, g, buf, n, this.lr, this.momentum, this.dampening, this.nesterov, this.weightDecay,
      this.stepCount === 1);
  }

  hyperparameters() {
    return { momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}

export interface AdamOptions { lr?: number; beta1?: number; beta2?: number; betas?: [number, number]; eps?: number;
  weightDecay?: number; amsgrad?: boolean }

/** Adam (L2 weight decay added to the gradient). */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  protected readonly decoupled: boolean = false;

  constructor(params: Tensor[], opts: AdamOptions = {}, defaultWd = 0) {
    super(params, opts, 1e-3);
    const o = { ...opts } as Record<string, unknown>;
    if (Array.isArray(opts.betas)) {
      o.beta1 = opts.betas[0];
      o.beta2 = opts.betas[1];
    }
    this.beta1 = hyper(o, 'beta1', 0.9, 0, 1);
    this.beta2 = hyper(o, 'beta2', 0.999, 0, 1);
    if (this.beta1 >= 1) rangeError('number in [0, 1)', 'beta1', this.beta1);
    if (this.beta2 >= 1) rangeError('number in [0, 1)', 'beta2', this.beta2);
    this.eps = hyper(o, 'eps', 1e-8, 0);
    this.weightDecay = hyper(o, 'weightDecay', defaultWd, 0);
    this.amsgrad = flag(o, 'amsgrad', false);
  }

  protected override stateBuffers(): [string, number][] {
    return this.amsgrad ? [['m', 0], ['v', 0], ['vmax', 0]] : [['m', 0], ['v', 0]];
  }

  protected update(p: Float32Array, g: Float32Array, n: number, seg: (a: Float32Array | null) => Float32Array | null): void {
    this.k.adamUpdate(p, g, seg(this.buffer('m'))!, seg(this.buffer('v'))!, seg(this.amsgrad ? this.buffer('vmax') : null), n,
      this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, this.stepCount, this.decoupled, this.amsgrad);
  }

  hyperparameters() {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }
}

/** AdamW: decoupled weight decay (default 0.01, like PyTorch). */
export class AdamW extends Adam {
  protected override readonly decoupled = true;

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, opts, 0.01);
  }
}

export interface RMSpropOptions { lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number;
  centered?: boolean }

/** RMSprop with optional momentum and centering. */
export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(params: Tensor[], opts: RMSpropOptions = {}) {
    super(params, opts, 0.01);
    const o = opts as Record<string, unknown>;
    this.alpha = hyper(o, 'alpha', 0.99, 0, 1);
    this.eps = hyper(o, 'eps', 1e-8, 0);
    this.weightDecay = hyper(o, 'weightDecay', 0, 0);
    this.momentum = hyper(o, 'momentum', 0, 0);
    this.centered = flag(o, 'centered', false);
  }

  protected override stateBuffers(): [string, number][] {
    const out: [string, number][] = [['squareAvg', 0]];
    if (this.centered) out.push(['gradAvg', 0]);
    if (this.momentum > 0) out.push(['momentum', 0]);
    return out;
  }

  protected update(p: Float32Array, g: Float32Array, n: number, seg: (a: Float32Array | null) => Float32Array | null): void {
    this.k.rmspropUpdate(p, g, seg(this.buffer('squareAvg'))!, seg(this.centered ? this.buffer('gradAvg') : null),
      seg(this.momentum > 0 ? this.buffer('momentum') : null), n, this.lr, this.alpha, this.eps, this.weightDecay,
      this.momentum, this.centered);
  }

  hyperparameters() {
    return { alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered };
  }
}

export interface AdagradOptions { lr?: number; lrDecay?: number; weightDecay?: number; eps?: number;
  initialAccumulatorValue?: number }

/** Adagrad. */
export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly eps: number;
  readonly initialAccumulatorValue: number;

  constructor(params: Tensor[], opts: AdagradOptions = {}) {
    super(params, opts, 0.01);
    const o = opts as Record<string, unknown>;
    this.lrDecay = hyper(o, 'lrDecay', 0, 0);
    this.weightDecay = hyper(o, 'weightDecay', 0, 0);
    this.eps = hyper(o, 'eps', 1e-10, 0);
    this.initialAccumulatorValue = hyper(o, 'initialAccumulatorValue', 0, 0);
  }

  protected override stateBuffers(): [string, number][] {
    return [['sum', this.initialAccumulatorValue]];
  }

  protected update(p: Float32Array, g: Float32Array, n: number, seg: (a: Float32Array | null) => Float32Array | null): void {
    this.k.adagradUpdate(p, g, seg(this.buffer('sum', this.initialAccumulatorValue))!, n, this.lr, this.lrDecay,
      this.weightDecay, this.eps, this.stepCount);
  }

  hyperparameters() {
    return { lrDecay: this.lrDecay, weightDecay: this.weightDecay, eps: this.eps,
      initialAccumulatorValue: this.initialAccumulatorValue };
  }
}

/** An optimizer given by name and options (Trainer's `optimizer` option): { type: 'adam', lr: 1e-3, ... }. */
export type OptimizerConfig =
  | ({ type: 'sgd' } & SGDOptions)
  | ({ type: 'adam' } & AdamOptions)
  | ({ type: 'adamw' } & AdamOptions)
  | ({ type: 'rmsprop' } & RMSpropOptions)
  | ({ type: 'adagrad' } & AdagradOptions);

export type OptimizerName = OptimizerConfig['type'];

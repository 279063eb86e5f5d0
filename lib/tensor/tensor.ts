/**
 * Tensor: a contiguous float32 or int32 array in native memory, with a shape.
 *
 * `t.data` is a zero-copy Float32Array/Int32Array view of the native block. Tensors are freed
 * by dispose() (at once), by an enclosing ng.tidy(), or by the garbage collector when dropped
 * without either (see storage.ts: V8 owns the memory, so this works inside synchronous loops).
 * Math methods (add, matmul, relu, ...) are recorded by autograd when an input requires grad;
 * they are implemented in lib/ops and attached below.
 */
import { Storage } from './storage';
import { track } from './scope';
import { captureSink } from './capture';
import { fmtShape, expected } from '../core/validate';
import { cpuKernels, type Device } from '../native';
import { DeviceStorage } from '../cuda/buffer';
import type { DeviceView } from '../cuda/addon';

export type DType = 'float32' | 'int32';
export type TypedData = Float32Array | Int32Array;

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * The autograd node type, declared here so that the tensor layer needs nothing from the
 * autograd layer above it (lib/autograd/node.ts builds these nodes).
 */
export interface TapeNode {
  /** Op name, for messages. */
  readonly op: string;
  /** The op's tensor inputs (null where an input is not a tensor or needs no grad). */
  readonly inputs: readonly (Tensor | null)[];
  /**
   * Adds d(loss)/d(input i) into grads[i] for every input that needs a gradient
   * (grads[i] is null for the others). gradOut is d(loss)/d(output).
   */
  backward(gradOut: Tensor, grads: readonly (Tensor | null)[], init?: boolean): void;
  /** Frees tensors saved only for the backward pass (masks, statistics, probabilities). */
  release?(): void;
  /**
   * The node's backward can WRITE its input gradients: backward() then passes init = true when
   * every non-null buffer in grads is uninitialized (none holds a gradient yet), and the node
   * must overwrite them instead of adding (no zero fill first).
   */
  readonly firstWrite?: boolean;
}

/**
 * Leaves (CPU) whose gradient buffer holds stale values standing for zeros: Optimizer.zeroGrad()
 * marks them instead of filling, and backward() lets the first op that produces the gradient
 * write it (no fill, no read of the old values). Anything that reads gradients other than
 * through `t.grad` (optimizer steps, clipping, data parallel, captured steps) calls
 * settlePendingGrads() first.
 */
const pendingZeroGrads = new Set<Tensor>();

/** @internal Marks t.grad (a live CPU tensor) as zero without writing it (see pendingZeroGrads). */
export function markGradZero(t: Tensor): void {
  t._gradPending = true;
  pendingZeroGrads.add(t);
}

/** @internal Ends t's pending-zero mark without writing (its gradient's first producer wrote it). */
export function clearGradPending(t: Tensor): void {
  t._gradPending = false;
  pendingZeroGrads.delete(t);
}

/** @internal Writes the zeros of one pending gradient. */
function settleGrad(t: Tensor): void {
  clearGradPending(t);
  const g = t._grad;
  if (g !== null && !g.isDisposed) cpuKernels.fillF32(g.f32, g.size, 0); // native: parallel for big gradients
}

/** @internal Writes the zeros of every pending gradient (before gradients are read in bulk). */
export function settlePendingGrads(): void {
  if (pendingZeroGrads.size === 0) return;
  for (const t of [...pendingZeroGrads]) settleGrad(t);
}

let nextId = 1;

export class Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Where the data lives; ops dispatch to this device's backend and refuse to mix devices. */
  readonly device: Device;
  /** Whether gradients flow to this tensor. Leaves with requiresGrad get `.grad` from backward(). */
  requiresGrad = false;
  /** @internal backing field of grad */ _grad: Tensor | null = null;
  /** @internal grad holds stale values that stand for zeros (pendingZeroGrads) */ _gradPending = false;
  /** Gradient accumulated by backward() (leaves only). */
  get grad(): Tensor | null {
    if (this._gradPending) settleGrad(this);
    return this._grad;
  }
  set grad(g: Tensor | null) {
    if (this._gradPending) clearGradPending(this);
    this._grad = g;
  }
  /** Optional name (parameters carry theirs). */
  name: string | undefined = undefined;
  /** @internal */ _storage: Storage | DeviceStorage | null;
  /** @internal host tensors: a typed-array view; cuda tensors: the kernels' device view */
  _view: TypedData | null;
  /** @internal the autograd node that produced this tensor (lib/autograd/node.ts) */ _node: TapeNode | null = null;
  /** @internal set when a graph through this tensor was consumed by backward(). */
  _graphFreed = false;
  /** @internal */ _kept = false;

  /** @internal Use ng.tensor/ng.zeros/ng.fromArray/... to create tensors. */
  constructor(shape: readonly number[], dtype: DType, storage: Storage | DeviceStorage, offsetElements = 0) {
    this.id = nextId++;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = shapeSize(shape);
    this._storage = storage;
    if (storage instanceof DeviceStorage) {
      this.device = 'cuda';
      // The kernels of the CUDA addon take { ptr, length, dtype } where the CPU ones take typed arrays.
      this._view = storage.view(dtype, this.size, offsetElements) as unknown as TypedData;
    } else {
      this.device = 'cpu';
      const buf = storage.buffer as ArrayBuffer;
      const at = storage.byteOffset + offsetElements * 4;
      this._view = dtype === 'float32' ? new Float32Array(buf, at, this.size) : new Int32Array(buf, at, this.size);
    }
    track(this);
  }

  /** Allocates an uninitialized tensor (internal; kernels fill it). */
  static empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return new Tensor(shape, dtype, new Storage(shapeSize(shape) * 4));
  }

  /** Zero-copy view of the data. Throws if the tensor was disposed or lives on a GPU. */
  get data(): TypedData {
    const v = this._view;
    if (v === null) throw disposedError('tensor');
    if (this.device !== 'cpu') {
      throw new TypeError(expected('a tensor on cpu for data (host memory)', 'tensor',
        `a tensor on ${this.device}; copy it with .to('cpu') first`));
    }
    // The caller may write through the view: caches of the contents must not trust them.
    (this._storage as Storage).version++;
    return v;
  }

  /** @internal Records an in-place write of the data (by a kernel through .f32): bumps the storage's version. */
  _written(): void {
    const s = this._storage;
    if (s instanceof Storage) s.version++;
  }

  /** @internal The kernel argument of a float32 tensor (a device view on cuda; callers checked the dtype). */
  get f32(): Float32Array {
    const v = this._view;
    if (v === null) throw disposedError('tensor');
    return v as Float32Array;
  }

  /** @internal The kernel argument of an int32 tensor (a device view on cuda). */
  get i32(): Int32Array {
    const v = this._view;
    if (v === null) throw disposedError('tensor');
    return v as Int32Array;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this._view === null;
  }

  /** Frees the tensor's memory now (returns it to the pool). Safe to call twice. */
  dispose(): void {
    if (this._view === null) return;
    this._view = null;
    if (this._node) this._graphFreed = true;
    this._node = null;
    const s = this._storage;
    this._storage = null;
    if (s) s.release();
    if (this._gradPending) clearGradPending(this);
    if (this._grad) {
      this._grad.dispose();
      this._grad = null;
    }
  }

  /** @internal A tensor sharing this one's storage with another shape (same size). */
  _viewAs(shape: readonly number[], offsetElements = 0): Tensor {
    const st = this._storage;
    if (st instanceof DeviceStorage) {
      const base = ((this._view as unknown as DeviceView).ptr - st.ptr) / 4;
      return new Tensor(shape, this.dtype, st.retain(), base + offsetElements);
    }
    const s = (st as Storage).retain();
    const base = ((this._view as TypedData).byteOffset - s.byteOffset) / 4;
    return new Tensor(shape, this.dtype, s, base + offsetElements);
  }

  /**
   * This tensor on `device` ('cpu', 'cuda' or 'cuda:N'): the same tensor when it is there already,
   * else a copy (host -> device copies are queued on the device's stream; device -> host waits).
   * Throws, naming what is missing, when CUDA is requested without the CUDA build, a driver or a GPU.
   * The copy is not recorded by autograd: a tensor that requires grad must be moved before use.
   */
  to(device: Device | `cuda:${number}` | { type: Device; index: number }): Tensor {
    const { type, index } = parseDevice(device);
    if (this._view === null) throw disposedError('tensor');
    if (type === this.device) return this;
    if (this.requiresGrad) {
      throw new TypeError(expected('a tensor that does not require grad for to()', 'tensor',
        `a tensor with requiresGrad (device copies are not recorded by autograd; move leaves before building the graph)`));
    }
    if (type === 'cuda') {
      const st = new DeviceStorage(Math.max(this.size, 1) * 4, index);
      const t = new Tensor(this.shape, this.dtype, st);
      st.addon.upload(st.ptr, this.data.subarray(0, this.size));
      return t;
    }
    const st = this._storage as DeviceStorage;
    const t = new Tensor(this.shape, this.dtype, new Storage(this.size * 4));
    st.addon.download((this._view as unknown as DeviceView).ptr, (t._view as TypedData).subarray(0, this.size));
    return t;
  }

  /** Nested JS arrays (or a number for a 0-d tensor). */
  toArray(): any {
    captureSink()?.block('toArray() (a host read)');
    const d = this.data;
    if (this.shape.length === 0) return d[0];
    const build = (dim: number, off: number): any[] => {
      const n = this.shape[dim];
      const out: any[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = d[off + i];
        return out;
      }
      let stride = 1;
      for (let k = dim + 1; k < this.shape.length; k++) stride *= this.shape[k];
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, off + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    captureSink()?.block('item() (a host read)');
    if (this.size !== 1) {
      throw new RangeError(`Expected tensor with exactly one element for item() but received shape ${fmtShape(this.shape)}`);
    }
    return this.data[0];
  }

  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    const fmt = (v: number) => (this.dtype === 'int32' ? String(v) : Number(v.toPrecision(6)).toString());
    const limit = 6;
    const render = (dim: number, off: number, indent: string): string => {
      if (this.shape.length === 0) return fmt(this.data[off]);
      const n = this.shape[dim];
      let stride = 1;
      for (let k = dim + 1; k < this.shape.length; k++) stride *= this.shape[k];
      const idx: (number | null)[] = [];
      if (n <= limit) for (let i = 0; i < n; i++) idx.push(i);
      else idx.push(0, 1, 2, null, n - 2, n - 1);
      if (dim === this.shape.length - 1) {
        return '[' + idx.map((i) => (i === null ? '...' : fmt(this.data[off + i]))).join(', ') + ']';
      }
      const inner = idx.map((i) => (i === null ? '...' : render(dim + 1, off + i * stride, indent + ' ')));
      return '[' + inner.join(',\n' + indent + ' ') + ']';
    };
    const grad = this.requiresGrad ? ', requiresGrad=true' : '';
    return `Tensor(${render(0, 0, '       ')}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${grad})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** 'cpu' | 'cuda' | 'cuda:N' | { type, index } -> { type, index }; throws on anything else. */
export function parseDevice(device: unknown): { type: Device; index: number } {
  if (typeof device === 'object' && device !== null && 'type' in device) {
    const d = device as { type: unknown; index?: unknown };
    return parseDevice(d.type === 'cuda' ? `cuda:${String(d.index ?? 0)}` : d.type);
  }
  if (device === 'cpu') return { type: 'cpu', index: 0 };
  if (device === 'cuda') return { type: 'cuda', index: 0 };
  const m = typeof device === 'string' ? /^cuda:(\d+)$/.exec(device) : null;
  if (m) return { type: 'cuda', index: Number(m[1]) };
  const got = typeof device === 'string' ? `"${device}"` : String(device);
  throw new TypeError(expected("'cpu', 'cuda' or 'cuda:N'", 'device', `${got} of type ${typeof device}`));
}

export function disposedError(name: string): TypeError {
  return new TypeError(`Expected a live tensor for ${name} but received a disposed tensor`);
}

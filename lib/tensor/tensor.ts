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
import { fmtShape } from '../core/validate';
import type { Device } from '../native';

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
  backward(gradOut: Tensor, grads: readonly (Tensor | null)[]): void;
  /** Frees tensors saved only for the backward pass (masks, statistics, probabilities). */
  release?(): void;
}

let nextId = 1;

export class Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Where the data lives; ops dispatch to this device's backend and refuse to mix devices. */
  readonly device: Device = 'cpu';
  /** Whether gradients flow to this tensor. Leaves with requiresGrad get `.grad` from backward(). */
  requiresGrad = false;
  /** Gradient accumulated by backward() (leaves only). */
  grad: Tensor | null = null;
  /** Optional name (parameters carry theirs). */
  name: string | undefined = undefined;
  /** @internal */ _storage: Storage | null;
  /** @internal */ _view: TypedData | null;
  /** @internal the autograd node that produced this tensor (lib/autograd/node.ts) */ _node: TapeNode | null = null;
  /** @internal set when a graph through this tensor was consumed by backward(). */
  _graphFreed = false;
  /** @internal */ _kept = false;

  /** @internal Use ng.tensor/ng.zeros/ng.fromArray/... to create tensors. */
  constructor(shape: readonly number[], dtype: DType, storage: Storage, offsetElements = 0) {
    this.id = nextId++;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = shapeSize(shape);
    this._storage = storage;
    const buf = storage.buffer as ArrayBuffer;
    const at = storage.byteOffset + offsetElements * 4;
    this._view = dtype === 'float32' ? new Float32Array(buf, at, this.size) : new Int32Array(buf, at, this.size);
    track(this);
  }

  /** Allocates an uninitialized tensor (internal; kernels fill it). */
  static empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return new Tensor(shape, dtype, new Storage(shapeSize(shape) * 4));
  }

  /** Zero-copy view of the data. Throws if the tensor was disposed. */
  get data(): TypedData {
    const v = this._view;
    if (v === null) throw disposedError('tensor');
    return v;
  }

  /** @internal The data of a float32 tensor, typed for kernels (callers checked the dtype). */
  get f32(): Float32Array {
    return this.data as Float32Array;
  }

  /** @internal The data of an int32 tensor, typed for kernels (callers checked the dtype). */
  get i32(): Int32Array {
    return this.data as Int32Array;
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
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** @internal A tensor sharing this one's storage with another shape (same size). */
  _viewAs(shape: readonly number[], offsetElements = 0): Tensor {
    const s = (this._storage as Storage).retain();
    const base = ((this._view as TypedData).byteOffset - s.byteOffset) / 4;
    return new Tensor(shape, this.dtype, s, base + offsetElements);
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

export function disposedError(name: string): TypeError {
  return new TypeError(`Expected a live tensor for ${name} but received a disposed tensor`);
}

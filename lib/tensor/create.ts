/** Tensor creation: from JS values, constants, ranges and seeded random streams. */
import { kernels } from '../native';
import { Tensor, DType, shapeSize } from './tensor';
import { Storage } from './storage';
import { inScope } from './scope';
import { takeNativeStream } from '../core/seed';
import {
  assertShape, assertOneOf, assertFinite, assertPlainObject, describe, expected, fmtShape,
} from '../core/validate';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

const DTYPES: readonly DType[] = ['float32', 'int32'];
/** Largest element count one tensor may have (2^31 - 1, the int32 index range of kernels). */
export const MAX_ELEMENTS = 2147483647;

function options(opts: unknown): { dtype: DType; requiresGrad: boolean } {
  if (opts === undefined) return { dtype: 'float32', requiresGrad: false };
  assertPlainObject(opts, 'options');
  const o = opts as CreateOptions;
  const dtype = o.dtype ?? 'float32';
  assertOneOf(dtype, 'dtype', DTYPES);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') {
    throw new TypeError(expected('boolean', 'requiresGrad', describe(o.requiresGrad)));
  }
  if (o.requiresGrad && dtype !== 'float32') {
    throw new TypeError(expected('float32 dtype (only float tensors can require grad)', 'dtype', `'${dtype}'`));
  }
  return { dtype, requiresGrad: o.requiresGrad ?? false };
}

function checkedShape(shape: unknown, name = 'shape'): number[] {
  if (typeof shape === 'number') shape = [shape];
  assertShape(shape, name);
  const n = shapeSize(shape as number[]);
  if (n > MAX_ELEMENTS) {
    throw new RangeError(expected(`at most ${MAX_ELEMENTS} elements`, name, `${fmtShape(shape as number[])} (${n} elements)`));
  }
  return (shape as number[]).slice();
}

function make(shape: number[], o: { dtype: DType; requiresGrad: boolean }): Tensor {
  const t = new Tensor(shape, o.dtype, new Storage(shapeSize(shape) * 4, inScope()));
  t.requiresGrad = o.requiresGrad;
  return t;
}

/** An uninitialized float32 tensor (internal: kernels overwrite it). */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(shape, dtype, new Storage(shapeSize(shape) * 4, inScope()));
}

/** Infers the shape of nested arrays, checking they are rectangular and numeric. */
function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  if (ArrayBuffer.isView(v)) shape.push((v as unknown as ArrayLike<number>).length);
  return shape;
}

function flatten(values: unknown, shape: number[], out: Float32Array | Int32Array): void {
  let k = 0;
  const walk = (v: unknown, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') {
        throw new TypeError(expected('number', `values[${path.join('][')}]`, describe(v)));
      }
      out[k++] = v;
      return;
    }
    const isArr = Array.isArray(v) || (ArrayBuffer.isView(v) && dim === shape.length - 1);
    const len = isArr ? (v as ArrayLike<unknown>).length : -1;
    if (!isArr || len !== shape[dim]) {
      const where = path.length ? `values[${path.join('][')}]` : 'values';
      throw new RangeError(expected(`rectangular nested arrays (length ${shape[dim]} at depth ${dim})`, where,
        isArr ? `length ${len}` : describe(v)));
    }
    for (let i = 0; i < len; i++) walk((v as ArrayLike<unknown>)[i], dim + 1, [...path, i]);
  };
  walk(values, 0, []);
}

/** True for an ArrayBuffer that was transferred or freed (views on it read as empty). */
export function isDetached(buf: ArrayBufferLike): boolean {
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf as ArrayBuffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** A tensor from a number, nested arrays, or a typed array (1-D). Float32 unless dtype says int32. */
export function tensor(values: unknown, opts?: CreateOptions): Tensor {
  const o = options(opts);
  if (typeof values === 'number') {
    const t = make([], o);
    t.data[0] = values;
    return t;
  }
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(expected('number, nested arrays of numbers, or a typed array', 'values', describe(values)));
  }
  if (ArrayBuffer.isView(values)) return fromArray(values as unknown as Float32Array, [(values as unknown as ArrayLike<number>).length], opts);
  const shape = checkedShape(inferShape(values), 'values shape');
  const t = make(shape, o);
  try {
    flatten(values, shape, t.data);
  } catch (e) {
    t.dispose();
    throw e;
  }
  return t;
}

/** Copies a typed array (or plain array) into a new tensor of the given shape. */
export function fromArray(data: unknown, shape?: unknown, opts?: CreateOptions): Tensor {
  const o = options(opts ?? (data instanceof Int32Array ? { dtype: 'int32' } : undefined));
  const isTyped = ArrayBuffer.isView(data) && !(data instanceof DataView);
  if (!isTyped && !Array.isArray(data)) {
    throw new TypeError(expected('Float32Array, Int32Array, typed array or array of numbers', 'data', describe(data)));
  }
  if (isTyped && isDetached((data as Float32Array).buffer)) {
    throw new TypeError(expected('typed array with an attached buffer', 'data', 'a detached buffer'));
  }
  const arr = data as ArrayLike<number>;
  const s = shape === undefined ? [arr.length] : checkedShape(shape);
  const n = shapeSize(s);
  if (n !== arr.length) {
    throw new RangeError(expected(`data of length ${n} (the size of shape ${fmtShape(s)})`, 'data', `length ${arr.length}`));
  }
  const t = make(s, o);
  const out = t.data;
  if (Array.isArray(arr)) {
    for (let i = 0; i < n; i++) {
      const v = arr[i];
      if (typeof v !== 'number') {
        t.dispose();
        throw new TypeError(expected('number', `data[${i}]`, describe(v)));
      }
      out[i] = v;
    }
  } else {
    out.set(arr as unknown as Float32Array);
  }
  return t;
}

/** A tensor filled with `value`. */
export function full(shape: unknown, value: number, opts?: CreateOptions): Tensor {
  const o = options(opts);
  const s = checkedShape(shape);
  if (typeof value !== 'number') throw new TypeError(expected('number', 'value', describe(value)));
  if (o.dtype === 'int32' && !Number.isInteger(value)) {
    throw new RangeError(expected('integer (dtype is int32)', 'value', describe(value)));
  }
  const t = make(s, o);
  if (o.dtype === 'float32') kernels(t.device).fillF32(t.f32, t.size, value);
  else kernels(t.device).fillI32(t.i32, t.size, value);
  return t;
}

export function zeros(shape: unknown, opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: unknown, opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  return full(t.shape.slice(), 0, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  return full(t.shape.slice(), 1, { dtype: t.dtype, ...opts });
}

/** Uniform random in [low, high) from the seeded native stream. */
export function rand(shape: unknown, opts: CreateOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1, ...rest } = opts;
  assertFinite(low, 'low');
  assertFinite(high, 'high');
  if (!(high > low)) throw new RangeError(expected(`high > low (${low})`, 'high', describe(high)));
  const o = options(rest);
  if (o.dtype !== 'float32') throw new TypeError(expected("'float32'", 'dtype', `'${o.dtype}'`));
  const t = make(checkedShape(shape), o);
  const st = takeNativeStream(t.size);
  kernels(t.device).rngUniform(t.f32, t.size, st.hi, st.lo, st.offset, low, high);
  return t;
}

/** Normal random (mean, std) from the seeded native stream. */
export function randn(shape: unknown, opts: CreateOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1, ...rest } = opts;
  assertFinite(mean, 'mean');
  assertFinite(std, 'std');
  if (std < 0) throw new RangeError(expected('non-negative number', 'std', describe(std)));
  const o = options(rest);
  if (o.dtype !== 'float32') throw new TypeError(expected("'float32'", 'dtype', `'${o.dtype}'`));
  const t = make(checkedShape(shape), o);
  const st = takeNativeStream(t.size);
  kernels(t.device).rngNormal(t.f32, t.size, st.hi, st.lo, st.offset, mean, std);
  return t;
}

/** Values start, start+step, ... below stop (like numpy.arange). arange(n) = 0..n-1. */
export function arange(start: number, stop?: number, step = 1, opts?: CreateOptions): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  assertFinite(start, 'start');
  assertFinite(stop, 'stop');
  assertFinite(step, 'step');
  if (step === 0) throw new RangeError(expected('non-zero number', 'step', describe(step)));
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const o = options(opts);
  const t = make(checkedShape([n]), o);
  if (o.dtype === 'float32') kernels(t.device).arangeF32(t.f32, n, start, step);
  else for (let i = 0; i < n; i++) t.data[i] = start + i * step;
  return t;
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m: number = n, opts?: CreateOptions): Tensor {
  const o = options(opts);
  const s = checkedShape([n, m]);
  const t = make(s, o);
  if (o.dtype === 'float32') kernels(t.device).eyeF32(t.f32, n, m);
  else {
    kernels(t.device).fillI32(t.i32, t.size, 0);
    for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  }
  return t;
}

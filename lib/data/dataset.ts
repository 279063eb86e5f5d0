/**
 * In-memory datasets: x (N, ...features) float32 and optional y, either int32 class labels (N,)
 * or float32 targets (N, K). Built from tensors, nested arrays, typed arrays or
 * { input, output } objects; CSV, MNIST and IDX readers live in csv.ts and mnist.ts.
 *
 * Memory: a dataset built from arrays owns its tensors and dispose() frees them; a dataset made
 * by fromTensors() only borrows the caller's tensors (dispose() leaves them alone).
 */
import {
  assertOneOf, assertPlainObject, assertPositiveInteger, describe, expected, fmtShape, typeError,
} from '../core/validate';
import { Tensor, fromArray, gatherRows } from './tensor-api';
import { isTensor } from './matrix';

export interface Dataset {
  /** Number of samples N. */
  readonly length: number;
  /** Features, float32 (N, ...) (int32 for token ids). */
  readonly x: Tensor;
  /** Labels int32 (N,) or targets float32 (N, K). */
  readonly y?: Tensor;
}

/**
 * A dataset that assembles its batches itself instead of holding x/y tensors with one row per
 * sample, e.g. ng.text.TokenWindowDataset, which cuts (x, y) windows from one token stream on
 * demand. DataLoader accepts one wherever it accepts a Dataset.
 */
export interface BatchSource {
  /** Number of samples N. */
  readonly length: number;
  /** Fresh tensors for these rows (the caller owns them): x and y with indices.length rows. */
  gather(indices: Int32Array): { x: Tensor; y?: Tensor };
}

/** True for a BatchSource (a gather() method and a length). */
export function isBatchSource(d: unknown): d is BatchSource {
  return typeof d === 'object' && d !== null && typeof (d as BatchSource).gather === 'function' &&
    Number.isInteger((d as BatchSource).length);
}

export interface DatasetInfo {
  /** Number of classes when y holds labels. */
  numClasses?: number;
  /** Names of the feature columns (CSV). */
  featureNames?: string[];
}

/** The Dataset implementation used throughout lib/data. */
export class TensorDataset implements Dataset {
  readonly x: Tensor;
  readonly y?: Tensor;
  readonly numClasses?: number;
  featureNames?: string[];
  private readonly owned: boolean;

  constructor(x: Tensor, y: Tensor | undefined, info: DatasetInfo & { owned?: boolean } = {}) {
    this.x = x;
    this.y = y;
    this.numClasses = info.numClasses;
    this.featureNames = info.featureNames;
    this.owned = info.owned ?? true;
  }

  get length(): number {
    return this.x.shape[0];
  }

  /** Shape of one sample, e.g. [784] or [1, 28, 28]. */
  get sampleShape(): number[] {
    return this.x.shape.slice(1);
  }

  /** Frees x and y if this dataset made them (not for fromTensors). Safe to call twice. */
  dispose(): void {
    if (!this.owned) return;
    this.x.dispose();
    this.y?.dispose();
  }
}

export interface LabelOptions {
  /** Labels must be < numClasses (default: max label + 1). */
  numClasses?: number;
}

/** Checks int32 labels (N,): integers in [0, numClasses). Returns numClasses. */
export function checkClassIndices(labels: ArrayLike<number>, name: string, numClasses?: number,
  locate: (i: number) => string = (i) => `${name}[${i}]`): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    const bad = !Number.isInteger(v) || v < 0 || (numClasses !== undefined && v >= numClasses);
    if (bad) {
      const what = numClasses !== undefined ? `integer label in [0, ${numClasses - 1}]` : 'non-negative integer label';
      throw new RangeError(expected(what, locate(i), describe(v)));
    }
    if (v > max) max = v;
  }
  return numClasses ?? max + 1;
}

function checkY(x: Tensor, y: Tensor | undefined, numClasses: number | undefined): number | undefined {
  if (y === undefined) return undefined;
  if (!isTensor(y)) typeError('Tensor', 'y', y);
  const n = x.shape[0];
  if (y.dtype === 'int32') {
    if (y.shape.length !== 1 || y.shape[0] !== n) {
      throw new RangeError(expected(`int32 labels of shape [${n}]`, 'y', `shape ${fmtShape(y.shape)}`));
    }
    return checkClassIndices(y.data, 'y', numClasses);
  }
  if (y.shape.length !== 2 || y.shape[0] !== n) {
    throw new RangeError(expected(`float32 targets of shape [${n}, *] (or int32 labels [${n}])`, 'y', `shape ${fmtShape(y.shape)}`));
  }
  return numClasses;
}

/**
 * Wraps tensors without copying (the caller keeps ownership). x is float32 features, or int32
 * (e.g. token ids for an Embedding) of shape (N, ...).
 */
export function fromTensors(x: Tensor, y?: Tensor, opts: LabelOptions = {}): TensorDataset {
  if (!isTensor(x)) typeError('Tensor', 'x', x);
  assertPlainObject(opts as unknown, 'options');
  if (x.shape.length < 2) throw new RangeError(expected('tensor of shape [N, ...features]', 'x', `shape ${fmtShape(x.shape)}`));
  if (opts.numClasses !== undefined) assertPositiveInteger(opts.numClasses, 'numClasses');
  const numClasses = checkY(x, y, opts.numClasses);
  return new TensorDataset(x, y, { numClasses, owned: false });
}

// ---------------------------------------------------------------------------------------------

export type MissingPolicy = 'error' | 'keep';

/** Reads nested number arrays into a Float32Array; infers the shape from the first element. */
export function readNested(v: unknown, name: string, missing: MissingPolicy): { data: Float32Array; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  let k = 0;
  const walk = (a: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof a === 'number' && !Number.isNaN(a)) { data[k++] = a; return; }
      const isMissing = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
      if (isMissing && missing === 'keep') { data[k++] = NaN; return; }
      if (isMissing) {
        throw new RangeError(expected("a number (missing values need { missing: 'keep' } and an imputer)", path, describe(a)));
      }
      typeError('number', path, a);
    }
    if (!Array.isArray(a)) typeError(`array of length ${shape[depth]}`, path, a);
    if (a.length !== shape[depth]) throw new RangeError(expected(`array of length ${shape[depth]}`, path, describe(a)));
    for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, `${path}[${i}]`);
  };
  walk(v, 0, name);
  return { data, shape };
}

export interface FromArraysOptions extends LabelOptions {
  /** Full shape of x when x is a flat typed array (default [N, length / N] with N = y's length). */
  shape?: number[];
  /**
   * How to read y: 'label' (int32 class indices) or 'float' (float32 targets (N, K)).
   * Default: Int32Array or all non-negative integers -> 'label'; otherwise 'float'.
   */
  yType?: 'label' | 'float';
  /** NaN / null in x: 'error' (default) or 'keep' (to impute later). */
  missing?: MissingPolicy;
}

export type ArrayInput = ReadonlyArray<unknown> | Float32Array | Float64Array;
export type TargetInput = ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>> | Int32Array | Float32Array | Float64Array;

function buildY(y: unknown, n: number, opts: FromArraysOptions): { y: Tensor; numClasses?: number } {
  const isTyped = y instanceof Int32Array || y instanceof Float32Array || y instanceof Float64Array;
  if (!isTyped && !Array.isArray(y)) typeError('array, Int32Array or Float32Array', 'y', y);
  const arr = y as ArrayLike<unknown>;
  if (arr.length !== n) throw new RangeError(expected(`${n} targets (one per sample of x)`, 'y', describe(y)));
  if (Array.isArray(y) && n > 0 && Array.isArray(y[0])) {
    if (opts.yType === 'label') throw new TypeError(expected('1-D array of labels (yType \'label\')', 'y', 'a 2-D array'));
    const { data, shape } = readNested(y, 'y', 'error');
    return { y: fromArray(data, shape) };
  }
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v !== 'number') typeError('number', `y[${i}]`, v);
    if (Number.isNaN(v)) throw new RangeError(expected('a number', `y[${i}]`, describe(v)));
  }
  const nums = arr as ArrayLike<number>;
  let yType = opts.yType;
  if (yType === undefined) {
    yType = y instanceof Int32Array ? 'label' : 'float';
    if (Array.isArray(y)) {
      let allInt = true;
      for (let i = 0; i < n && allInt; i++) allInt = Number.isInteger(nums[i]) && nums[i] >= 0;
      if (allInt) yType = 'label';
    }
  }
  if (yType === 'label') {
    const numClasses = checkClassIndices(nums, 'y', opts.numClasses);
    return { y: fromArray(Int32Array.from(nums), [n]), numClasses };
  }
  return { y: fromArray(Float32Array.from(nums), [n, 1]) };
}

/**
 * Copies arrays into a new dataset. x: nested arrays (N, ...) or a flat Float32Array with
 * opts.shape; y: labels (number[] of integers, Int32Array) or targets (number[][], number[]).
 */
export function fromArrays(x: ArrayInput, y?: TargetInput, opts: FromArraysOptions = {}): TensorDataset {
  assertPlainObject(opts as unknown, 'options');
  const missing = opts.missing ?? 'error';
  assertOneOf(missing, 'missing', ['error', 'keep'] as const);
  if (opts.yType !== undefined) assertOneOf(opts.yType, 'yType', ['label', 'float'] as const);
  if (opts.numClasses !== undefined) assertPositiveInteger(opts.numClasses, 'numClasses');
  let data: Float32Array;
  let shape: number[];
  if (x instanceof Float32Array || x instanceof Float64Array) {
    const len = x.length;
    if (opts.shape !== undefined) {
      shape = Array.from(opts.shape as readonly number[]);
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== len || shape.length < 2) {
        throw new RangeError(expected(`shape [N, ...features] of size ${len}`, 'shape', fmtShape(shape)));
      }
    } else {
      const n = y ? (y as ArrayLike<unknown>).length : 0;
      if (!y || n === 0 || len % n !== 0) {
        throw new TypeError(expected('options.shape (x is a flat typed array)', 'shape', 'undefined'));
      }
      shape = [n, len / n];
    }
    data = x instanceof Float32Array ? x : Float32Array.from(x);
    if (missing === 'error') {
      for (let i = 0; i < len; i++) {
        if (Number.isNaN(data[i])) {
          throw new RangeError(expected("a number (missing values need { missing: 'keep' } and an imputer)", `x[${i}]`, 'NaN of type number'));
        }
      }
    }
  } else {
    if (!Array.isArray(x)) typeError('array, Float32Array or Float64Array', 'x', x);
    if (x.length === 0) throw new RangeError(expected('at least one sample', 'x', 'an array of length 0'));
    ({ data, shape } = readNested(x, 'x', missing));
    if (shape.length < 2) throw new RangeError(expected('array of samples (N, ...features)', 'x', `shape ${fmtShape(shape)}`));
  }
  let yt: { y: Tensor; numClasses?: number } | undefined;
  if (y !== undefined) yt = buildY(y, shape[0], opts);
  return new TensorDataset(fromArray(data, shape), yt?.y, { numClasses: yt?.numClasses });
}

export interface IOPair {
  input: ReadonlyArray<unknown>;
  output?: number | ReadonlyArray<number>;
}

/** brain.js-style [{ input: [...], output: [...] | label }] -> dataset. */
export function fromObjects(items: ReadonlyArray<IOPair>, opts: FromArraysOptions = {}): TensorDataset {
  if (!Array.isArray(items)) typeError('array of { input, output } objects', 'items', items);
  if (items.length === 0) throw new RangeError(expected('at least one item', 'items', 'an array of length 0'));
  const hasOut = items[0]?.output !== undefined;
  const xs: unknown[] = [];
  const ys: unknown[] = [];
  items.forEach((it, i) => {
    if (!is(it)) typeError('{ input, output } object', `items[${i}]`, it);
    if ((it.output !== undefined) !== hasOut) {
      throw new TypeError(expected(hasOut ? 'an output (items[0] has one)' : 'no output (items[0] has none)',
        `items[${i}]`, describe(it.output)));
    }
    xs.push(it.input);
    ys.push(it.output);
  });
  try {
    return fromArrays(xs, hasOut ? ys as TargetInput : undefined, opts);
  } catch (e) {
    // Rename x[i]/y[i] to items[i].input/items[i].output in messages.
    if (e instanceof Error) {
      e.message = e.message.replace(/for x\[(\d+)\]/, 'for items[$1].input').replace(/for y\[(\d+)\]/, 'for items[$1].output');
    }
    throw e;
  }
}

function is(v: unknown): v is IOPair {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A new dataset holding rows `indices` of `ds` (copied with the native row gather). */
export function subset(ds: Dataset, indices: Int32Array | readonly number[]): TensorDataset {
  const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
  const n = ds.length;
  for (let i = 0; i < idx.length; i++) {
    if (!(idx[i] >= 0 && idx[i] < n)) throw new RangeError(expected(`index in [0, ${n - 1}]`, `indices[${i}]`, describe(idx[i])));
  }
  const x = gatherRows(ds.x, idx);
  const y = ds.y ? gatherRows(ds.y, idx) : undefined;
  const info = ds as Partial<TensorDataset>;
  return new TensorDataset(x, y, { numClasses: info.numClasses, featureNames: info.featureNames });
}

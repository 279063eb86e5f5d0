/**
 * Input normalization shared by every metric.
 *
 * Metrics accept plain arrays, typed arrays, nested (N, C) arrays, or anything tensor-like
 * ({ data, shape }, duck-typed so this file never imports lib/tensor). Everything is turned
 * into a flat ArrayLike<number> plus a shape, validated once, and then read by index.
 */
import { describe, expected } from '../../core/validate';

/** Numeric storage a metric can read without copying. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array |
  Uint16Array | Int16Array | Uint32Array;

/** Anything with a flat `data` buffer and a `shape` (a nodegrad Tensor qualifies). */
export interface TensorLike {
  readonly data: NumericArray;
  readonly shape: readonly number[];
}

/** What metric functions accept for predictions, scores and targets. */
export type MetricInput = NumericArray | readonly number[] | readonly (readonly number[])[] | TensorLike;

/** A validated view: flat data in row-major order and a shape of rank 1 or 2. */
export interface ArrayView {
  readonly data: ArrayLike<number>;
  /** [N] or [N, C]. Higher-rank tensors are folded to [shape[0], rest]. */
  readonly shape: readonly [number] | readonly [number, number];
  readonly rows: number;
  /** 1 for rank-1 input. */
  readonly cols: number;
}

const WHAT_INPUT = 'number array, typed array, (N, C) nested array or tensor';

function isTensorLike(x: unknown): x is TensorLike {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const t = x as { data?: unknown; shape?: unknown };
  return ArrayBuffer.isView(t.data) && !(t.data instanceof DataView) && Array.isArray(t.shape);
}

/**
 * Normalizes one metric argument to a flat view with rank 1 or 2 (rank > 2 tensors are folded
 * to (shape[0], product of the rest)). Throws in the standard message format.
 */
export function toArrayLike(x: unknown, name: string): ArrayView {
  if (isTensorLike(x)) {
    const shape = x.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || size !== x.data.length) {
      throw new RangeError(expected(`tensor whose shape matches its data length`, name,
        `shape [${shape.join(', ')}] with ${x.data.length} values`));
    }
    if (shape.length === 0) return view(x.data, [1]);
    if (shape.length === 1) return view(x.data, [shape[0]]);
    return view(x.data, [shape[0], shape[0] === 0 ? 0 : size / shape[0]]);
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) &&
    !(x instanceof BigUint64Array)) {
    const a = x as unknown as NumericArray;
    return view(a, [a.length]);
  }
  if (Array.isArray(x)) {
    if (x.length > 0 && (Array.isArray(x[0]) || ArrayBuffer.isView(x[0]))) {
      const rows = x.length;
      const cols = (x[0] as ArrayLike<number>).length;
      const out = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        const r = x[i] as unknown;
        if (!(Array.isArray(r) || ArrayBuffer.isView(r)) || (r as ArrayLike<number>).length !== cols) {
          throw new RangeError(expected(`rectangular (N, C) array with C = ${cols}`, name,
            `row ${i} as ${describe(r)}`));
        }
        const row = r as ArrayLike<unknown>;
        for (let j = 0; j < cols; j++) {
          const v = row[j];
          if (typeof v !== 'number') {
            throw new TypeError(expected('numbers', name, `${describe(v)} at [${i}, ${j}]`));
          }
          out[i * cols + j] = v;
        }
      }
      return view(out, [rows, cols]);
    }
    for (let i = 0; i < x.length; i++) {
      if (typeof x[i] !== 'number') {
        throw new TypeError(expected('numbers', name, `${describe(x[i])} at index ${i}`));
      }
    }
    return view(x as number[], [x.length]);
  }
  throw new TypeError(expected(WHAT_INPUT, name, describe(x)));
}

function view(data: ArrayLike<number>, shape: [number] | [number, number]): ArrayView {
  return { data, shape, rows: shape[0], cols: shape.length === 1 ? 1 : shape[1] };
}

/** Throws unless every value is finite (NaN and +-Infinity are rejected). */
export function assertFiniteValues(v: ArrayView, name: string): void {
  const d = v.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new RangeError(expected('finite values', name, `${d[i]} at ${indexText(v, i)}`));
    }
  }
}

function indexText(v: ArrayView, i: number): string {
  return v.shape.length === 1 ? `index ${i}` : `[${Math.floor(i / v.cols)}, ${i % v.cols}]`;
}

/** Throws unless both inputs hold the same number of samples (rows). */
export function assertSameRows(a: ArrayView, aName: string, b: ArrayView, bName: string): void {
  if (a.rows !== b.rows) {
    throw new RangeError(expected(`${a.rows} samples (as in ${aName})`, bName, `${b.rows} samples`));
  }
}

/** Throws unless the input holds at least one sample. */
export function assertNonEmpty(v: ArrayView, name: string): void {
  if (v.rows === 0) throw new RangeError(expected('at least one sample', name, 'an empty array'));
}

/**
 * Reads class labels: a rank-1 array (or an (N, 1) column) of integers in [0, numClasses), or
 * an (N, C) one-hot / score matrix reduced by argmax. `numClasses` bounds the labels when given.
 */
export function toLabels(v: ArrayView, name: string, numClasses?: number): Int32Array {
  assertFiniteValues(v, name);
  const out = new Int32Array(v.rows);
  const d = v.data;
  if (v.cols > 1) {
    for (let i = 0; i < v.rows; i++) out[i] = argmaxRow(d, i, v.cols);
    return out;
  }
  for (let i = 0; i < v.rows; i++) {
    const x = d[i];
    if (!Number.isInteger(x) || x < 0 || (numClasses !== undefined && x >= numClasses)) {
      const range = numClasses === undefined ? 'non-negative integer labels' :
        `integer labels in [0, ${numClasses - 1}]`;
      throw new RangeError(expected(range, name, `${x} at index ${i}`));
    }
    out[i] = x;
  }
  return out;
}

/** Index of the largest value of row i (first one on ties). */
export function argmaxRow(d: ArrayLike<number>, i: number, cols: number): number {
  let best = 0;
  let bv = d[i * cols];
  for (let j = 1; j < cols; j++) {
    const x = d[i * cols + j];
    if (x > bv) { bv = x; best = j; }
  }
  return best;
}

/** Options for turning predictions into labels. */
export interface PredictionOptions {
  /** Single-column predictions are logits: the decision threshold is 0 (unless `threshold` is set). */
  logits?: boolean;
  /** Decision threshold for single-column predictions (default 0.5, or 0 with `logits`). */
  threshold?: number;
}

/**
 * Reads predicted labels. (N, C) with C > 1: argmax. One column: integer values are taken as
 * labels, anything else as a binary probability (or logit) compared with the threshold; with
 * `logits` or an explicit `threshold`, values are always thresholded.
 */
export function toPredictedLabels(v: ArrayView, name: string, opts: PredictionOptions = {},
  numClasses?: number): Int32Array {
  assertFiniteValues(v, name);
  if (v.cols > 1) return toLabels(v, name);
  const d = v.data;
  let thresholded = opts.logits === true || opts.threshold !== undefined;
  if (!thresholded) {
    for (let i = 0; i < d.length; i++) if (!Number.isInteger(d[i])) { thresholded = true; break; }
  }
  if (!thresholded) return toLabels(v, name, numClasses);
  const t = opts.threshold ?? (opts.logits ? 0 : 0.5);
  const out = new Int32Array(v.rows);
  for (let i = 0; i < v.rows; i++) out[i] = d[i] >= t ? 1 : 0;
  return out;
}

/** Reads binary 0/1 targets (rank 1 or one column, or two-column one-hot). */
export function toBinaryLabels(v: ArrayView, name: string): Int32Array {
  if (v.cols > 2) {
    throw new RangeError(expected('binary targets (0 or 1)', name, `${v.cols} columns`));
  }
  const labels = toLabels(v, name);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 1) {
      throw new RangeError(expected('binary targets (0 or 1)', name, `${labels[i]} at index ${i}`));
    }
  }
  return labels;
}

/** Validates an optional numClasses option. */
export function checkNumClasses(n: unknown, name = 'numClasses'): number | undefined {
  if (n === undefined) return undefined;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    if (typeof n !== 'number') throw new TypeError(expected('positive integer', name, describe(n)));
    throw new RangeError(expected('positive integer', name, describe(n)));
  }
  return n;
}

/** Largest label + 1 over the given label arrays (at least 1). */
export function inferNumClasses(...labels: Int32Array[]): number {
  let m = 0;
  for (const l of labels) for (let i = 0; i < l.length; i++) if (l[i] + 1 > m) m = l[i] + 1;
  return Math.max(m, 1);
}

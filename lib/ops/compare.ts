/**
 * Masks: elementwise comparisons (eq, ne, lt, le, gt, ge), where, and dtype casts.
 *
 * A comparison returns a float32 tensor of 1 (holds) and 0 (does not), so a mask can be summed,
 * averaged or multiplied straight away: `pred.argmax(-1).eq(y).mean().item()` is the accuracy.
 * (PyTorch returns bool tensors, which need .float() first; nodegrad has no bool dtype.) Operands
 * broadcast as in add; either may be a number. int32 against int32 (labels, argmax indices)
 * compares exactly; int32 against float32, or against a number that is not an int32, compares
 * as float32 (PyTorch's type promotion). NaN is unequal to everything, itself included.
 * Comparisons are not differentiable (no gradient flows through a mask).
 */
import { Tensor } from '../tensor/tensor';
import { assertTensor } from '../tensor/check';
import { describe, expected, fmtShape } from '../core/validate';
import { fromArray } from '../tensor/create';
import { empty, record, broadcastShapes, kernelsFor, fin } from './util';
import { clone, sub } from './elementwise';
import { COMPARE_OPS, type CompareName } from './codes';
import { noGrad } from '../autograd/node';

/** name -> the native kernels' code (ops::CompareOp in native/ops/kinds.h). */
const COMPARE_CODE = Object.freeze(Object.fromEntries(COMPARE_OPS.map((n, i) => [n, i]))) as Readonly<Record<CompareName, number>>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function operand(v: unknown, name: string): Tensor | number {
  if (typeof v === 'number') return v;
  if (!(v instanceof Tensor)) throw new TypeError(expected('Tensor or number', name, describe(v)));
  assertTensor(v, name);  // a live one
  return v;
}

/** x as float32: itself, or a new tensor (the caller disposes it) for int32. */
function asFloat(x: Tensor): { t: Tensor; temp: boolean } {
  return x.dtype === 'float32' ? { t: x, temp: false } : { t: cast(x, 'float32'), temp: true };
}

function compareTensors(name: CompareName, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, 'a', 'b');
  const k = kernelsFor(a, b);
  const out = empty(shape);
  if (a.dtype === 'int32' && b.dtype === 'int32') {
    k.compareI32(out.f32, a.i32, a.shape, b.i32, b.shape, COMPARE_CODE[name]);
    return out;
  }
  const fa = asFloat(a), fb = asFloat(b);
  try {
    k.compareF32(out.f32, fa.t.f32, a.shape, fb.t.f32, b.shape, COMPARE_CODE[name]);
  } finally {
    if (fa.temp) fa.t.dispose();
    if (fb.temp) fb.t.dispose();
  }
  return out;
}

/** A one-element tensor holding s, of x's dtype where s fits it exactly (else float32). */
function scalarLike(x: Tensor, s: number): Tensor {
  const exactInt = x.dtype === 'int32' && Number.isInteger(s) && s >= INT32_MIN && s <= INT32_MAX;
  return exactInt ? fromArray(Int32Array.of(s), [1]) : fromArray(Float32Array.of(s), [1]);
}

function compare(name: CompareName, a: unknown, b: unknown): Tensor {
  const x = operand(a, 'a'), y = operand(b, 'b');
  if (x instanceof Tensor && y instanceof Tensor) return compareTensors(name, x, y);
  if (!(x instanceof Tensor) && !(y instanceof Tensor)) {
    throw new TypeError(expected('at least one Tensor', 'a and b', 'two numbers'));
  }
  // One side is a number: a one-element tensor broadcasts over the other.
  const s = x instanceof Tensor ? scalarLike(x, y as number) : scalarLike(y as Tensor, x as number);
  try {
    return x instanceof Tensor ? compareTensors(name, x, s) : compareTensors(name, s, y as Tensor);
  } finally {
    s.dispose();
  }
}

/** a == b elementwise, as float32 1 / 0 (broadcasting; either may be a number). */
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => compare('eq', a, b);
/** a != b elementwise, as float32 1 / 0 (NaN != anything holds). */
export const ne = (a: Tensor | number, b: Tensor | number): Tensor => compare('ne', a, b);
/** a < b elementwise, as float32 1 / 0. */
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => compare('lt', a, b);
/** a <= b elementwise, as float32 1 / 0. */
export const le = (a: Tensor | number, b: Tensor | number): Tensor => compare('le', a, b);
/** a > b elementwise, as float32 1 / 0. */
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => compare('gt', a, b);
/** a >= b elementwise, as float32 1 / 0. */
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => compare('ge', a, b);

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * v as a float32 tensor of `shape`: v itself when it has that shape, else a broadcast copy (a
 * number fills it). The copy is v - 0, which keeps every value (-0, NaN, Infinity included), and
 * sub's backward, which reads no input, sums the gradient back to v's shape.
 */
function expandTo(v: Tensor | number, shape: readonly number[]): Tensor {
  if (typeof v !== 'number' && sameShape(v.shape, shape)) return v;
  const t = empty(shape);
  (t.data as Float32Array).fill(typeof v === 'number' ? v : 0);
  if (typeof v === 'number') return t;
  try {
    return sub(v, t);
  } finally {
    t.dispose();
  }
}

/**
 * where(cond, a, b): a where cond is non-zero, b elsewhere (torch.where, tf.where). cond is a
 * mask (float32, e.g. from gt(), or int32); a and b are float32 tensors or numbers; the three
 * broadcast together. Differentiable in a and b: each element's gradient goes to the branch it
 * took, and the other gets 0 (NaN or Infinity in the branch not taken reaches neither the result
 * nor where's gradients; as in PyTorch, an op before where still sees that 0, so
 * where(x > 0, log(x), 0) gives log's 0 / 0 = NaN at x = 0).
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return select(cond, a, b, false);
}

/** where(); ownsCond: cond is a mask made by the caller for this call only, freed with where's copies. */
function select(cond: Tensor, a: Tensor | number, b: Tensor | number, ownsCond: boolean): Tensor {
  assertTensor(cond, 'cond');
  for (const [v, name] of [[a, 'a'], [b, 'b']] as const) {
    if (typeof v !== 'number' && !(v instanceof Tensor)) throw new TypeError(expected('float32 Tensor or number', name, describe(v)));
    if (typeof v !== 'number') fin(v, name);
  }
  const ta = typeof a === 'number' ? null : a, tb = typeof b === 'number' ? null : b;
  let shape: number[];
  try {
    shape = broadcastShapes(broadcastShapes(cond.shape, ta ? ta.shape : [], 'cond', 'a'), tb ? tb.shape : [], 'cond', 'b');
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const shapes = [cond, a, b].map((t) => (typeof t === 'number' ? 'a number' : fmtShape(t.shape)));
    throw new RangeError(expected('shapes that broadcast together (rank <= 4)', 'cond, a and b', `${shapes[0]}, ${shapes[1]} and ${shapes[2]}`));
  }
  const k = kernelsFor(cond, ta, tb);
  // Every operand as a float32 tensor of the output's shape; the mask carries no gradient.
  const c = noGrad(() => {
    const f = cond.dtype === 'float32' ? cond : cast(cond, 'float32');
    const e = expandTo(f, shape);
    if (f !== cond && f !== e) f.dispose();
    return e;
  });
  const ea = expandTo(a, shape), eb = expandTo(b, shape);
  const out = empty(shape);
  k.whereForward(out.f32, c.f32, ea.f32, eb.f32, out.size);
  // The copies made here (and an owned cond): freed once nothing needs them (now, or after
  // backward() has run).
  const temps = [c, ea, eb].filter((t, i) => t !== [cond, a, b][i]);
  if (ownsCond && c !== cond) cond.dispose();
  else if (ownsCond) temps.push(cond);
  return record(out, 'where', [ea, eb], (g, [da, db]) => k.whereBackward(da ? da.f32 : null, db ? db.f32 : null,
    g.f32, c.f32, g.size), () => { for (const t of temps) t.dispose(); });
}

/**
 * x with `value` where mask is non-zero (as torch.Tensor.masked_fill; the mask broadcasts to x's
 * shape). Differentiable in x (zero gradient where filled).
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  fin(x, 'x');
  assertTensor(mask, 'mask');
  if (typeof value !== 'number') throw new TypeError(expected('number', 'value', describe(value)));
  if (!sameShape(broadcastShapes(x.shape, mask.shape, 'x', 'mask'), x.shape)) {
    throw new RangeError(expected(`a mask that broadcasts to x's shape ${fmtShape(x.shape)}`, 'mask', fmtShape(mask.shape)));
  }
  return where(mask, value, x);
}

/**
 * Elementwise maximum of a and b (broadcasting; either may be a number; as torch.maximum). The
 * gradient goes to a where a >= b and to b elsewhere (PyTorch splits a tie's gradient in two).
 * NaN in either gives NaN.
 */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return extremum(a, b, 'ge');
}

/** Elementwise minimum of a and b (as torch.minimum; ties send the gradient to a). */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return extremum(a, b, 'le');
}

function extremum(a: Tensor | number, b: Tensor | number, keepA: 'ge' | 'le'): Tensor {
  const x = operand(a, 'a'), y = operand(b, 'b');
  if (typeof x === 'number' && typeof y === 'number') throw new TypeError(expected('at least one Tensor', 'a and b', 'two numbers'));
  for (const [v, name] of [[x, 'a'], [y, 'b']] as const) if (typeof v !== 'number') fin(v, name);
  // a where a >= b (or <=) or a is NaN (NaN wins, as in PyTorch; a NaN b loses every comparison).
  const pick = compare(keepA, x, y);
  const nanA = typeof x === 'number' ? null : ne(x, x);
  const cond = nanA ? select(nanA, 1, pick, true) : pick;
  if (nanA) pick.dispose();
  return select(cond, x, y, true);
}

/** x with the elements above the k-th diagonal set to 0 (as torch.tril; k > 0 keeps more, k < 0 fewer). Rank >= 2. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, 'tril');
}

/** x with the elements below the k-th diagonal set to 0 (as torch.triu). Rank >= 2. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, 'triu');
}

function triangle(x: Tensor, diagonal: number, which: 'tril' | 'triu'): Tensor {
  fin(x, 'x');
  if (x.shape.length < 2) throw new RangeError(expected('tensor with at least 2 dimensions', 'x', `shape ${fmtShape(x.shape)}`));
  if (!Number.isInteger(diagonal)) throw new TypeError(expected('integer', 'diagonal', describe(diagonal)));
  const [R, C] = x.shape.slice(-2);
  const mask = empty([R, C]);
  const m = mask.data as Float32Array;
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) m[i * C + j] = (which === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  return select(mask, x, 0, true);
}

/** x converted to dtype: int32 -> float32 exactly (up to 2^24), float32 -> int32 toward zero (as .int() in PyTorch). */
export function cast(x: Tensor, dtype: 'float32' | 'int32'): Tensor {
  assertTensor(x, 'x');
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new TypeError(expected("dtype 'float32' or 'int32'", 'dtype', describe(dtype)));
  }
  const k = kernelsFor(x);
  // Same dtype: a copy, never x itself (the result is the caller's to dispose); float32 keeps its gradient.
  if (x.dtype === dtype) return clone(x);
  const out = empty(x.shape, dtype);
  if (dtype === 'float32') {
    k.castI32ToF32(out.f32, x.i32, x.size);
    return out;
  }
  // float32 -> int32: NaN and values outside int32 have no integer; refuse them rather than
  // inventing one (C leaves the conversion undefined; the kernel saturates).
  const v = x.data as Float32Array;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!(e > -2147483649 && e < 2147483648)) {
      out.dispose();
      throw new RangeError(expected('finite values within the int32 range to cast to int32', 'x',
        `${describe(e)} at flat index ${i}`));
    }
  }
  k.castF32ToI32(out.i32, x.f32, x.size);
  return out;
}

/** Reductions: sum, mean, max, min, var, std, logsumexp (with autograd), argmax, argmin. */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, axisView, kernelsFor } from './util';
import { normAxis } from '../tensor/check';
import { assertTensor } from '../tensor/check';
import { neg, sub, square, sqrt, mul, exp, log, add } from './elementwise';
import { reshape } from './shape';
import { noGrad } from '../autograd/node';
import { describe, expected } from '../core/validate';

function reducedShape(shape: readonly number[], axis: number | undefined, keepdim: boolean): number[] {
  if (axis === undefined) return keepdim ? shape.map(() => 1) : [];
  const s = shape.slice();
  if (keepdim) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

const SUM = { name: 'sum', fwd: 'sumForward', bwd: 'sumBackward' } as const;
const MEAN = { name: 'mean', fwd: 'meanForward', bwd: 'meanBackward' } as const;

function sumOrMean(op: typeof SUM | typeof MEAN, x: Tensor, axis?: number | readonly number[], keepdim = false): Tensor {
  fin(x, 'x');
  if (Array.isArray(axis)) return overAxes(op, x, axis, keepdim);
  const k = kernelsFor(x);
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : axisView(x.shape, ax);
  const out = empty(reducedShape(x.shape, ax, keepdim));
  k[op.fwd](out.f32, x.f32, v.outer, v.dim, v.inner);
  return record(out, op.name, [x], (g, [dx]) => k[op.bwd](dx!.f32, g.f32, v.outer, v.dim, v.inner));
}

/**
 * Several axes (as torch.sum(x, dim=(0, 2))): one axis after the other, the last first, each kept
 * as size 1 until the end. A mean of means over whole axes is the mean over all of them.
 */
function overAxes(op: typeof SUM | typeof MEAN, x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  const r = x.shape.length;
  const list = axes.map((a, i) => normAxis(a, r, `axis[${i}]`));
  if (new Set(list).size !== list.length) throw new RangeError(expected('each axis once', 'axis', `[${axes.join(', ')}]`));
  if (list.length === 0) return sumOrMean(op, x, undefined, keepdim);
  let t = x;
  for (const a of [...list].sort((p, q) => q - p)) {
    const next = sumOrMean(op, t, a, true);
    if (t !== x && !t.requiresGrad) t.dispose();
    t = next;
  }
  if (keepdim) return t;
  const out = reshape(t, x.shape.filter((_, i) => !list.includes(i)));
  if (!t.requiresGrad) t.dispose();  // out is a view of its storage: the memory stays with out
  return out;
}

/** Sum of all elements, or along one axis or several (an array). */
export function sum(x: Tensor, axis?: number | readonly number[], keepdim = false): Tensor {
  return sumOrMean(SUM, x, axis, keepdim);
}

/** Mean of all elements, or along one axis or several (an array). */
export function mean(x: Tensor, axis?: number | readonly number[], keepdim = false): Tensor {
  return sumOrMean(MEAN, x, axis, keepdim);
}

/** Maximum along an axis (all elements when omitted); the gradient goes to the first maximum. */
export function max(x: Tensor, axis?: number, keepdim = false): Tensor {
  fin(x, 'x');
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : axisView(x.shape, ax);
  if (v.dim === 0) throw new RangeError('Expected a non-empty axis for max but received an axis of length 0');
  const out = empty(reducedShape(x.shape, ax, keepdim));
  const idx = empty(out.shape, 'int32');
  const k = kernelsFor(x);
  k.maxForward(out.f32, idx.i32, x.f32, v.outer, v.dim, v.inner);
  return record(out, 'max', [x], (g, [dx]) => k.maxBackward(dx!.f32, g.f32, idx.i32, v.outer, v.dim, v.inner),
    () => idx.dispose());
}

/** Index of the first maximum along an axis (int32; not differentiable). Default: last axis. */
export function argmax(x: Tensor, axis = -1, keepdim = false): Tensor {
  assertTensor(x, 'x', 'float32');
  const ax = normAxis(axis, x.shape.length);
  const v = axisView(x.shape, ax);
  if (v.dim === 0) throw new RangeError('Expected a non-empty axis for argmax but received an axis of length 0');
  const out = empty(reducedShape(x.shape, ax, keepdim), 'int32');
  kernelsFor(x).argmax(out.i32, x.f32, v.outer, v.dim, v.inner);
  return out;
}

/** Frees the intermediates of a composed op that no recorded graph refers to. */
function dropUntracked(...ts: Tensor[]): void {
  for (const t of ts) if (!t.requiresGrad) t.dispose();
}

/** Minimum along an axis (all elements when omitted): -max(-x); the gradient goes to the first minimum. */
export function min(x: Tensor, axis?: number, keepdim = false): Tensor {
  fin(x, 'x');
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  if ((ax === undefined ? x.size : x.shape[ax]) === 0) {
    throw new RangeError('Expected a non-empty axis for min but received an axis of length 0');
  }
  const nx = neg(x);
  const m = max(nx, axis, keepdim);
  const out = neg(m);
  dropUntracked(nx, m);
  return out;
}

/** Index of the first minimum along an axis (int32; not differentiable). Default: last axis. */
export function argmin(x: Tensor, axis = -1, keepdim = false): Tensor {
  assertTensor(x, 'x', 'float32');
  if (x.shape[normAxis(axis, x.shape.length)] === 0) {
    throw new RangeError('Expected a non-empty axis for argmin but received an axis of length 0');
  }
  const nx = neg(x);
  try {
    return argmax(nx, axis, keepdim);
  } finally {
    nx.dispose();
  }
}

/** Options of var and std (torch.var / torch.std). */
export interface VarOptions {
  /** Subtracted from the count in the divisor: 1 (default) is the unbiased sample variance, 0 the population one. */
  correction?: number;
  keepdim?: boolean;
}

/**
 * Variance along an axis (all elements when omitted): sum((x - mean)^2) / (n - correction), with
 * correction 1 by default (Bessel's, as torch.var). n <= correction gives NaN, as in PyTorch.
 */
export function variance(x: Tensor, axis?: number, opts: VarOptions = {}): Tensor {
  fin(x, 'x');
  if (opts === null || typeof opts !== 'object') throw new TypeError(expected('options object', 'opts', describe(opts)));
  const correction = opts.correction ?? 1;
  const keepdim = opts.keepdim ?? false;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new RangeError(expected('finite number >= 0', 'correction', describe(correction)));
  }
  if (typeof keepdim !== 'boolean') throw new TypeError(expected('boolean', 'keepdim', describe(keepdim)));
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  const n = ax === undefined ? x.size : x.shape[ax];
  const m = mean(x, ax, true);
  const d = sub(x, m);
  const sq = square(d);
  const s = sum(sq, ax, keepdim);
  const out = mul(s, 1 / Math.max(n - correction, 0));
  dropUntracked(m, d, sq, s);
  return out;
}

/** Standard deviation: sqrt(variance(x, axis, opts)) (correction 1 by default, as torch.std). */
export function std(x: Tensor, axis?: number, opts: VarOptions = {}): Tensor {
  const v = variance(x, axis, opts);
  const out = sqrt(v);
  dropUntracked(v);
  return out;
}

/**
 * log(sum(exp(x))) along an axis (all elements when omitted), computed as m + log(sum(exp(x - m)))
 * with m the maximum, so large values do not overflow (as torch.logsumexp). Its gradient is the
 * softmax along that axis.
 */
export function logsumexp(x: Tensor, axis?: number, keepdim = false): Tensor {
  fin(x, 'x');
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  if ((ax === undefined ? x.size : x.shape[ax]) === 0) {
    throw new RangeError('Expected a non-empty axis for logsumexp but received an axis of length 0');
  }
  // m carries no gradient: d/dm of m + log(sum(exp(x - m))) is 0, so the softmax is exact.
  const m = noGrad(() => {
    const raw = max(x, ax, true);
    // an infinite maximum would give inf - inf = NaN: shift by 0 there (the sum is then exact)
    const v = raw.data as Float32Array;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) v[i] = 0;
    return raw;
  });
  const d = sub(x, m);
  const e = exp(d);
  const s = sum(e, ax, keepdim);
  const l = log(s);
  const mk = keepdim ? m : reshape(m, l.shape);
  const out = add(l, mk);
  dropUntracked(d, e, s, l);
  if (mk !== m) mk.dispose();
  m.dispose();
  return out;
}

/** Activation functions and softmax/logSoftmax, each one native kernel forward and backward. */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { pointwise, UNARY } from './pointwise';
import { normAxis } from '../tensor/check';
import { assertFinite, assertOneOf, expected, fmtShape } from '../core/validate';

export const relu = (x: Tensor): Tensor => pointwise(UNARY.relu, x);
export const selu = (x: Tensor): Tensor => pointwise(UNARY.selu, x);
export const silu = (x: Tensor): Tensor => pointwise(UNARY.silu, x);
export const sigmoid = (x: Tensor): Tensor => pointwise(UNARY.sigmoid, x);
export const tanh = (x: Tensor): Tensor => pointwise(UNARY.tanh, x);

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  assertFinite(negativeSlope, 'negativeSlope');
  return pointwise(UNARY.leakyRelu, x, [negativeSlope]);
}

export function elu(x: Tensor, alpha = 1): Tensor {
  assertFinite(alpha, 'alpha');
  return pointwise(UNARY.elu, x, [alpha]);
}

/** GELU: exact erf form by default, tanh approximation with { approximate: 'tanh' }. */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = opts.approximate ?? 'none';
  assertOneOf(approximate, 'approximate', ['none', 'tanh'] as const);
  return pointwise(approximate === 'tanh' ? UNARY.geluTanh : UNARY.gelu, x);
}

export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  assertFinite(beta, 'beta');
  assertFinite(threshold, 'threshold');
  if (beta <= 0) throw new RangeError(`Expected positive number for beta but received ${beta} of type number`);
  return pointwise(UNARY.softplus, x, [beta, threshold]);
}

function lastAxisOnly(x: Tensor, axis: number, op: string): { N: number; C: number } {
  const ax = normAxis(axis, Math.max(x.shape.length, 1));
  if (x.shape.length === 0 || ax !== x.shape.length - 1) {
    throw new RangeError(expected(`the last axis (${x.shape.length - 1} or -1)`, `${op} axis`,
      `${axis} for shape ${fmtShape(x.shape)}`));
  }
  const C = x.shape[x.shape.length - 1];
  return { N: C === 0 ? 0 : x.size / C, C };
}

/** Softmax over the last axis. */
export function softmax(x: Tensor, axis = -1): Tensor {
  fin(x, 'x');
  const { N, C } = lastAxisOnly(x, axis, 'softmax');
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.softmaxForward(out.f32, x.f32, N, C);
  return record(out, 'softmax', [x], (g, [dx]) => k.softmaxBackward(dx!.f32, out.f32, g.f32, N, C));
}

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  fin(x, 'x');
  const { N, C } = lastAxisOnly(x, axis, 'logSoftmax');
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.logSoftmaxForward(out.f32, x.f32, N, C);
  return record(out, 'logSoftmax', [x], (g, [dx]) => k.logSoftmaxBackward(dx!.f32, out.f32, g.f32, N, C));
}

/** Activation functions and softmax/logSoftmax, each one native kernel forward and backward. */
import { Tensor } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record } from './util';
import { normAxis } from '../tensor/check';
import { assertFinite, assertOneOf, expected, fmtShape } from '../core/validate';

type Saved = 'inp' | 'out';

function pointwise(op: string, x: Tensor, saved: Saved, attrs: number[] = []): Tensor {
  fin(x, 'x');
  const out = empty(x.shape);
  native[`${op}Forward`](out.data, x.data, x.size, ...attrs);
  return record(out, op, [x], (g, [dx]) =>
    native[`${op}Backward`](dx!.data, saved === 'inp' ? x.data : out.data, g.data, x.size, ...attrs));
}

export const relu = (x: Tensor): Tensor => pointwise('relu', x, 'inp');
export const selu = (x: Tensor): Tensor => pointwise('selu', x, 'inp');
export const silu = (x: Tensor): Tensor => pointwise('silu', x, 'inp');
export const sigmoid = (x: Tensor): Tensor => pointwise('sigmoid', x, 'out');
export const tanh = (x: Tensor): Tensor => pointwise('tanh', x, 'out');

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  assertFinite(negativeSlope, 'negativeSlope');
  return pointwise('leakyRelu', x, 'inp', [negativeSlope]);
}

export function elu(x: Tensor, alpha = 1): Tensor {
  assertFinite(alpha, 'alpha');
  return pointwise('elu', x, 'inp', [alpha]);
}

/** GELU: exact erf form by default, tanh approximation with { approximate: 'tanh' }. */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = opts.approximate ?? 'none';
  assertOneOf(approximate, 'approximate', ['none', 'tanh'] as const);
  return pointwise(approximate === 'tanh' ? 'geluTanh' : 'gelu', x, 'inp');
}

export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  assertFinite(beta, 'beta');
  assertFinite(threshold, 'threshold');
  if (beta <= 0) throw new RangeError(`Expected positive number for beta but received ${beta} of type number`);
  return pointwise('softplus', x, 'inp', [beta, threshold]);
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
  const out = empty(x.shape);
  native.softmaxForward(out.data, x.data, N, C);
  return record(out, 'softmax', [x], (g, [dx]) => native.softmaxBackward(dx!.data, out.data, g.data, N, C));
}

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  fin(x, 'x');
  const { N, C } = lastAxisOnly(x, axis, 'logSoftmax');
  const out = empty(x.shape);
  native.logSoftmaxForward(out.data, x.data, N, C);
  return record(out, 'logSoftmax', [x], (g, [dx]) => native.logSoftmaxBackward(dx!.data, out.data, g.data, N, C));
}

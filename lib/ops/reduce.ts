/** Reductions: sum, mean, max (with autograd), argmax. */
import { Tensor } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record, axisView } from './util';
import { normAxis } from '../tensor/check';
import { assertTensor } from '../tensor/check';

function reducedShape(shape: readonly number[], axis: number | undefined, keepdim: boolean): number[] {
  if (axis === undefined) return keepdim ? shape.map(() => 1) : [];
  const s = shape.slice();
  if (keepdim) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

function sumOrMean(kind: 'sum' | 'mean', x: Tensor, axis?: number, keepdim = false): Tensor {
  fin(x, 'x');
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : axisView(x.shape, ax);
  const out = empty(reducedShape(x.shape, ax, keepdim));
  native[`${kind}Forward`](out.data, x.data, v.outer, v.dim, v.inner);
  return record(out, kind, [x], (g, [dx]) => native[`${kind}Backward`](dx!.data, g.data, v.outer, v.dim, v.inner));
}

/** Sum of all elements, or along one axis. */
export function sum(x: Tensor, axis?: number, keepdim = false): Tensor {
  return sumOrMean('sum', x, axis, keepdim);
}

/** Mean of all elements, or along one axis. */
export function mean(x: Tensor, axis?: number, keepdim = false): Tensor {
  return sumOrMean('mean', x, axis, keepdim);
}

/** Maximum along an axis (all elements when omitted); the gradient goes to the first maximum. */
export function max(x: Tensor, axis?: number, keepdim = false): Tensor {
  fin(x, 'x');
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : axisView(x.shape, ax);
  if (v.dim === 0) throw new RangeError('Expected a non-empty axis for max but received an axis of length 0');
  const out = empty(reducedShape(x.shape, ax, keepdim));
  const idx = empty(out.shape, 'int32');
  native.maxForward(out.data, idx.data, x.data, v.outer, v.dim, v.inner);
  return record(out, 'max', [x], (g, [dx]) => native.maxBackward(dx!.data, g.data, idx.data, v.outer, v.dim, v.inner),
    () => idx.dispose());
}

/** Index of the first maximum along an axis (int32; not differentiable). Default: last axis. */
export function argmax(x: Tensor, axis = -1, keepdim = false): Tensor {
  assertTensor(x, 'x', 'float32');
  const ax = normAxis(axis, x.shape.length);
  const v = axisView(x.shape, ax);
  if (v.dim === 0) throw new RangeError('Expected a non-empty axis for argmax but received an axis of length 0');
  const out = empty(reducedShape(x.shape, ax, keepdim), 'int32');
  native.argmax(out.data, x.data, v.outer, v.dim, v.inner);
  return out;
}

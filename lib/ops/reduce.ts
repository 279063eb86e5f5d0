/** Reductions: sum, mean, max (with autograd), argmax. */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, axisView, kernelsFor } from './util';
import { normAxis } from '../tensor/check';
import { assertTensor } from '../tensor/check';

function reducedShape(shape: readonly number[], axis: number | undefined, keepdim: boolean): number[] {
  if (axis === undefined) return keepdim ? shape.map(() => 1) : [];
  const s = shape.slice();
  if (keepdim) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

const SUM = { name: 'sum', fwd: 'sumForward', bwd: 'sumBackward' } as const;
const MEAN = { name: 'mean', fwd: 'meanForward', bwd: 'meanBackward' } as const;

function sumOrMean(op: typeof SUM | typeof MEAN, x: Tensor, axis?: number, keepdim = false): Tensor {
  fin(x, 'x');
  const k = kernelsFor(x);
  const ax = axis === undefined ? undefined : normAxis(axis, x.shape.length);
  const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : axisView(x.shape, ax);
  const out = empty(reducedShape(x.shape, ax, keepdim));
  k[op.fwd](out.f32, x.f32, v.outer, v.dim, v.inner);
  return record(out, op.name, [x], (g, [dx]) => k[op.bwd](dx!.f32, g.f32, v.outer, v.dim, v.inner));
}

/** Sum of all elements, or along one axis. */
export function sum(x: Tensor, axis?: number, keepdim = false): Tensor {
  return sumOrMean(SUM, x, axis, keepdim);
}

/** Mean of all elements, or along one axis. */
export function mean(x: Tensor, axis?: number, keepdim = false): Tensor {
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

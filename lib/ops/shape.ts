/** Shape and data-movement ops: reshape, flatten, unsqueeze, squeeze, permute, transpose, concat, stack, split, chunk, slice, gather. */
import { clone } from './elementwise';
import { Tensor, shapeSize } from '../tensor/tensor';
import { empty, fin, record, needsGrad, axisView, kernelsFor, kernelsForAll } from './util';
import { assertTensor, normAxis } from '../tensor/check';
import { assertShape, describe, expected, fmtShape } from '../core/validate';

/** Same data, new shape (one dimension may be -1). A view: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'x');
  if (!Array.isArray(shape)) throw new TypeError(expected('shape array', 'shape', describe(shape)));
  const s = shape.slice();
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    if (s.lastIndexOf(-1) !== infer) throw new RangeError(expected('at most one -1 dimension', 'shape', fmtShape(s)));
    s[infer] = 1;
    const rest = shapeSize(s);
    s[infer] = rest === 0 ? 0 : x.size / rest;
    if (!Number.isInteger(s[infer])) {
      throw new RangeError(`Expected a shape compatible with ${x.size} elements for shape but received ${fmtShape(shape)}`);
    }
  }
  assertShape(s, 'shape');
  if (shapeSize(s) !== x.size) {
    throw new RangeError(`Expected a shape with ${x.size} elements (input shape ${fmtShape(x.shape)}) for shape but received ${fmtShape(shape)}`);
  }
  const out = x._viewAs(s);
  if (x.dtype !== 'float32') return out;
  const k = kernelsFor(x);
  return record(out, 'reshape', [x], (g, [dx]) => k.addInto(dx!.f32, g.f32, x.size));
}

/** Flattens dimensions startDim..end into one. */
export function flatten(x: Tensor, startDim = 1): Tensor {
  assertTensor(x, 'x');
  if (x.shape.length === 0) return reshape(x, [1]);
  const sd = normAxis(startDim, x.shape.length, 'startDim');
  const lead = x.shape.slice(0, sd);
  return reshape(x, [...lead, shapeSize(x.shape.slice(sd))]);
}

/** x with a new dimension of size 1 inserted at `axis` (-1: last; as torch.unsqueeze). A view: no copy. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  assertTensor(x, 'x');
  const ax = normAxis(axis, x.shape.length + 1);
  const shape = x.shape.slice();
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/**
 * x without its dimensions of size 1 (all of them, or the one at `axis`, which must have size 1;
 * as torch.squeeze, except that naming a larger dimension is an error). A view: no copy.
 */
export function squeeze(x: Tensor, axis?: number): Tensor {
  assertTensor(x, 'x');
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const ax = normAxis(axis, x.shape.length);
  if (x.shape[ax] !== 1) {
    throw new RangeError(expected(`a dimension of size 1 at axis ${axis}`, 'axis', `size ${x.shape[ax]} (shape ${fmtShape(x.shape)})`));
  }
  const shape = x.shape.slice();
  shape.splice(ax, 1);
  return reshape(x, shape);
}

/**
 * x with its axes reordered: output axis k is input axis dims[k] (negative counts from the end;
 * as torch.permute; rank <= 8). Copies (nodegrad tensors are contiguous).
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  fin(x, 'x');
  const r = x.shape.length;
  if (!Array.isArray(dims) || dims.length !== r) {
    throw new TypeError(expected(`array of ${r} axes (one per dimension of shape ${fmtShape(x.shape)})`, 'dims', describe(dims)));
  }
  if (r > 8) throw new RangeError(expected('tensor of rank <= 8', 'x', `shape ${fmtShape(x.shape)}`));
  const perm = dims.map((d, i) => normAxis(d, r, `dims[${i}]`));
  if (new Set(perm).size !== r) throw new RangeError(expected('each axis once', 'dims', `[${dims.join(', ')}]`));
  if (perm.every((p, i) => p === i)) return clone(x);
  const shape = x.shape.slice();
  const out = empty(perm.map((p) => shape[p]));
  const k = kernelsFor(x);
  k.permuteForward(out.f32, x.f32, shape, perm);
  return record(out, 'permute', [x], (g, [dx]) => k.permuteBackward(dx!.f32, g.f32, shape, perm));
}

/**
 * Swaps two dimensions, the last two by default (a 2-D transpose, batched over leading dims; as
 * torch.transpose(x, dim0, dim1)). Copies.
 */
export function transpose(x: Tensor, dim0?: number, dim1?: number): Tensor {
  fin(x, 'x');
  if (dim0 !== undefined || dim1 !== undefined) {
    const r = x.shape.length;
    const a = normAxis(dim0 ?? -2, r, 'dim0'), b = normAxis(dim1 ?? -1, r, 'dim1');
    if (!(Math.min(a, b) === r - 2 && Math.max(a, b) === r - 1)) {
      const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
      return permute(x, perm);
    }
  }
  if (x.shape.length < 2) throw new RangeError(expected('tensor with at least 2 dimensions', 'x', `shape ${fmtShape(x.shape)}`));
  const R = x.shape[x.shape.length - 2];
  const C = x.shape[x.shape.length - 1];
  const B = shapeSize(x.shape.slice(0, -2));
  const out = empty([...x.shape.slice(0, -2), C, R]);
  const k = kernelsFor(x);
  k.transposeForward(out.f32, x.f32, B, R, C);
  return record(out, 'transpose', [x], (g, [dx]) => k.transposeBackward(dx!.f32, g.f32, B, R, C));
}

/** Joins tensors along an axis (all other dimensions must match). */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(expected('non-empty array of tensors', 'tensors', describe(tensors)));
  }
  tensors.forEach((t, i) => assertTensor(t, `tensors[${i}]`, i === 0 ? undefined : tensors[0]?.dtype));
  const first = tensors[0];
  const ax = normAxis(axis, first.shape.length);
  tensors.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
      const want = first.shape.map((d, k) => (k === ax ? null : d));
      throw new RangeError(expected(`shape ${fmtShape(want)}`, `tensors[${i}]`, fmtShape(t.shape)));
    }
  });
  const dims = tensors.map((t) => t.shape[ax]);
  const { outer, inner } = axisView(first.shape, ax);
  const shape = first.shape.slice();
  shape[ax] = dims.reduce((a, b) => a + b, 0);
  const out = empty(shape, first.dtype);
  if (first.dtype === 'int32') {  // ids / labels: block copies, no gradient
    const dst = out.i32, row = shape[ax] * inner;
    let at = 0;
    tensors.forEach((t, i) => {
      const block = dims[i] * inner;
      for (let o = 0; o < outer; o++) dst.set(t.i32.subarray(o * block, (o + 1) * block), o * row + at);
      at += block;
    });
    return out;
  }
  const k = kernelsForAll(tensors);
  k.concatForward(out.f32, tensors.map((t) => t.f32), dims, outer, inner);
  return record(out, 'concat', tensors, (g, grads) => {
    k.concatBackward(grads.map((d) => (d ? d.f32 : null)), g.f32, dims, outer, inner);
  });
}

/** Joins same-shape tensors along a new axis (as torch.stack): concat of each with that axis inserted. */
export function stack(tensors: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(expected('non-empty array of tensors', 'tensors', describe(tensors)));
  }
  tensors.forEach((t, i) => assertTensor(t, `tensors[${i}]`, i === 0 ? undefined : tensors[0]?.dtype));
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((d, k) => d !== first.shape[k])) {
      throw new RangeError(expected(`shape ${fmtShape(first.shape)} (that of tensors[0])`, `tensors[${i}]`, fmtShape(t.shape)));
    }
  });
  const ax = normAxis(axis, first.shape.length + 1);
  const views = tensors.map((t) => unsqueeze(t, ax));
  try {
    return concat(views, ax);
  } finally {
    // Views share their tensor's memory and carry a reshape node to it: concat's own node holds
    // them while a graph needs them, so only those outside any graph go now.
    for (const v of views) if (!v.requiresGrad) v.dispose();
  }
}

/**
 * x cut along an axis into pieces of `size` elements (the last one may be shorter), or of the
 * given sizes, which must add up to the axis length (as torch.split). Copies; differentiable.
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  assertTensor(x, 'x');
  const ax = normAxis(axis, x.shape.length);
  const len = x.shape[ax];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 1) throw new RangeError(expected('positive integer', 'sizes', describe(sizes)));
    parts = [];
    for (let at = 0; at < len; at += sizes) parts.push(Math.min(sizes, len - at));
    if (len === 0) parts.push(0);
  } else if (Array.isArray(sizes) && sizes.every((v) => Number.isInteger(v) && v >= 0)) {
    parts = sizes.slice();
    const total = parts.reduce((p, v) => p + v, 0);
    if (total !== len) throw new RangeError(expected(`sizes adding up to ${len} (axis ${axis} of shape ${fmtShape(x.shape)})`, 'sizes', `[${parts.join(', ')}]`));
  } else {
    throw new TypeError(expected('positive integer or array of non-negative integers', 'sizes', describe(sizes)));
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const p of parts) {
    out.push(slice(x, at, at + p, ax));
    at += p;
  }
  return out;
}

/** x cut into `chunks` pieces along an axis, of ceil(length / chunks) elements each (the last may be shorter; as torch.chunk). */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  assertTensor(x, 'x');
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(expected('positive integer', 'chunks', describe(chunks)));
  const len = x.shape[normAxis(axis, x.shape.length)];
  return split(x, Math.max(1, Math.ceil(len / chunks)), axis);
}

/** Elements start..end-1 along an axis (default: rows). Copies; float32 (differentiable) or int32. */
export function slice(x: Tensor, start: number, end?: number, axis = 0): Tensor {
  assertTensor(x, 'x');
  const ax = normAxis(axis, x.shape.length);
  const v = axisView(x.shape, ax);
  const e = end === undefined ? v.dim : end;
  if (!Number.isInteger(start) || start < 0 || start > v.dim) {
    throw new RangeError(expected(`integer in [0, ${v.dim}]`, 'start', describe(start)));
  }
  if (!Number.isInteger(e) || e < start || e > v.dim) {
    throw new RangeError(expected(`integer in [${start}, ${v.dim}]`, 'end', describe(e)));
  }
  const len = e - start;
  const shape = x.shape.slice();
  shape[ax] = len;
  const out = empty(shape, x.dtype);
  if (x.dtype === 'int32') {  // ids / labels: a block copy per outer index, no gradient
    const src = x.i32, dst = out.i32, block = len * v.inner;
    for (let o = 0; o < v.outer; o++) dst.set(src.subarray((o * v.dim + start) * v.inner, (o * v.dim + start) * v.inner + block), o * block);
    return out;
  }
  const k = kernelsFor(x);
  k.sliceForward(out.f32, x.f32, v.outer, v.dim, v.inner, start, len);
  return record(out, 'slice', [x], (g, [dx]) => k.sliceBackward(dx!.f32, g.f32, v.outer, v.dim, v.inner, start, len));
}

/** Rows of x picked by int32 indices (mini-batch assembly; float32 or int32 x). */
export function gather(x: Tensor, indices: Tensor | Int32Array): Tensor {
  assertTensor(x, 'x');
  if (x.shape.length < 1) throw new RangeError(expected('tensor with at least 1 dimension', 'x', 'shape []'));
  let idx: Int32Array;
  if (indices instanceof Tensor) {
    assertTensor(indices, 'indices', 'int32');
    idx = indices.data as Int32Array;
  } else if (indices instanceof Int32Array) {
    idx = indices;
  } else {
    throw new TypeError(expected('int32 Tensor or Int32Array', 'indices', describe(indices)));
  }
  const N = x.shape[0];
  const D = N === 0 ? shapeSize(x.shape.slice(1)) : x.size / N;
  const out = empty([idx.length, ...x.shape.slice(1)], x.dtype);
  const k = kernelsFor(x);
  if (x.dtype === 'int32') {
    k.gatherRowsI32(out.i32, x.i32, idx, idx.length, N, D);
    return out;
  }
  k.gatherRows(out.f32, x.f32, idx, idx.length, N, D);
  if (!needsGrad(x)) return out;
  const saved = idx.slice(); // the caller may reuse its index array before backward
  return record(out, 'gather', [x], (g, [dx]) => k.scatterAddRows(dx!.f32, g.f32, saved, saved.length, N, D));
}

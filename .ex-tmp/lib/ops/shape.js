"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.reshape = reshape;
exports.flatten = flatten;
exports.transpose = transpose;
exports.concat = concat;
exports.slice = slice;
exports.gather = gather;
/** Shape and data-movement ops: reshape, flatten, transpose, concat, slice, gather. */
const tensor_1 = require("../tensor/tensor");
const native_1 = require("../native");
const util_1 = require("./util");
const check_1 = require("../tensor/check");
const validate_1 = require("../core/validate");
/** Same data, new shape (one dimension may be -1). A view: no copy. */
function reshape(x, shape) {
    (0, check_1.assertTensor)(x, 'x');
    if (!Array.isArray(shape))
        throw new TypeError((0, validate_1.expected)('shape array', 'shape', (0, validate_1.describe)(shape)));
    const s = shape.slice();
    const infer = s.indexOf(-1);
    if (infer >= 0) {
        if (s.lastIndexOf(-1) !== infer)
            throw new RangeError((0, validate_1.expected)('at most one -1 dimension', 'shape', (0, validate_1.fmtShape)(s)));
        s[infer] = 1;
        const rest = (0, tensor_1.shapeSize)(s);
        s[infer] = rest === 0 ? 0 : x.size / rest;
        if (!Number.isInteger(s[infer])) {
            throw new RangeError(`Expected a shape compatible with ${x.size} elements for shape but received ${(0, validate_1.fmtShape)(shape)}`);
        }
    }
    (0, validate_1.assertShape)(s, 'shape');
    if ((0, tensor_1.shapeSize)(s) !== x.size) {
        throw new RangeError(`Expected a shape with ${x.size} elements (input shape ${(0, validate_1.fmtShape)(x.shape)}) for shape but received ${(0, validate_1.fmtShape)(shape)}`);
    }
    const out = x._viewAs(s);
    if (x.dtype !== 'float32')
        return out;
    return (0, util_1.record)(out, 'reshape', [x], (g, [dx]) => native_1.native.addInto(dx.data, g.data, x.size));
}
/** Flattens dimensions startDim..end into one. */
function flatten(x, startDim = 1) {
    (0, check_1.assertTensor)(x, 'x');
    if (x.shape.length === 0)
        return reshape(x, [1]);
    const sd = (0, check_1.normAxis)(startDim, x.shape.length, 'startDim');
    const lead = x.shape.slice(0, sd);
    return reshape(x, [...lead, (0, tensor_1.shapeSize)(x.shape.slice(sd))]);
}
/** Swaps the last two dimensions (a 2-D transpose, batched over leading dims). Copies. */
function transpose(x) {
    (0, util_1.fin)(x, 'x');
    if (x.shape.length < 2)
        throw new RangeError((0, validate_1.expected)('tensor with at least 2 dimensions', 'x', `shape ${(0, validate_1.fmtShape)(x.shape)}`));
    const R = x.shape[x.shape.length - 2];
    const C = x.shape[x.shape.length - 1];
    const B = (0, tensor_1.shapeSize)(x.shape.slice(0, -2));
    const out = (0, util_1.empty)([...x.shape.slice(0, -2), C, R]);
    native_1.native.transposeForward(out.data, x.data, B, R, C);
    return (0, util_1.record)(out, 'transpose', [x], (g, [dx]) => native_1.native.transposeBackward(dx.data, g.data, B, R, C));
}
/** Joins tensors along an axis (all other dimensions must match). */
function concat(tensors, axis = 0) {
    if (!Array.isArray(tensors) || tensors.length === 0) {
        throw new TypeError((0, validate_1.expected)('non-empty array of tensors', 'tensors', (0, validate_1.describe)(tensors)));
    }
    tensors.forEach((t, i) => (0, util_1.fin)(t, `tensors[${i}]`));
    const first = tensors[0];
    const ax = (0, check_1.normAxis)(axis, first.shape.length);
    tensors.forEach((t, i) => {
        if (t.shape.length !== first.shape.length || t.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
            const want = first.shape.map((d, k) => (k === ax ? null : d));
            throw new RangeError((0, validate_1.expected)(`shape ${(0, validate_1.fmtShape)(want)}`, `tensors[${i}]`, (0, validate_1.fmtShape)(t.shape)));
        }
    });
    const dims = tensors.map((t) => t.shape[ax]);
    const { outer, inner } = (0, util_1.axisView)(first.shape, ax);
    const shape = first.shape.slice();
    shape[ax] = dims.reduce((a, b) => a + b, 0);
    const out = (0, util_1.empty)(shape);
    native_1.native.concatForward(out.data, tensors.map((t) => t.data), dims, outer, inner);
    return (0, util_1.record)(out, 'concat', tensors, (g, grads) => {
        native_1.native.concatBackward(grads.map((d) => (d ? d.data : null)), g.data, dims, outer, inner);
    });
}
/** Elements start..end-1 along an axis (default: rows). Copies. */
function slice(x, start, end, axis = 0) {
    (0, util_1.fin)(x, 'x');
    const ax = (0, check_1.normAxis)(axis, x.shape.length);
    const v = (0, util_1.axisView)(x.shape, ax);
    const e = end === undefined ? v.dim : end;
    if (!Number.isInteger(start) || start < 0 || start > v.dim) {
        throw new RangeError((0, validate_1.expected)(`integer in [0, ${v.dim}]`, 'start', (0, validate_1.describe)(start)));
    }
    if (!Number.isInteger(e) || e < start || e > v.dim) {
        throw new RangeError((0, validate_1.expected)(`integer in [${start}, ${v.dim}]`, 'end', (0, validate_1.describe)(e)));
    }
    const len = e - start;
    const shape = x.shape.slice();
    shape[ax] = len;
    const out = (0, util_1.empty)(shape);
    native_1.native.sliceForward(out.data, x.data, v.outer, v.dim, v.inner, start, len);
    return (0, util_1.record)(out, 'slice', [x], (g, [dx]) => native_1.native.sliceBackward(dx.data, g.data, v.outer, v.dim, v.inner, start, len));
}
/** Rows of x picked by int32 indices (mini-batch assembly; float32 or int32 x). */
function gather(x, indices) {
    (0, check_1.assertTensor)(x, 'x');
    if (x.shape.length < 1)
        throw new RangeError((0, validate_1.expected)('tensor with at least 1 dimension', 'x', 'shape []'));
    let idx;
    if (indices instanceof tensor_1.Tensor) {
        (0, check_1.assertTensor)(indices, 'indices', 'int32');
        idx = indices.data;
    }
    else if (indices instanceof Int32Array) {
        idx = indices;
    }
    else {
        throw new TypeError((0, validate_1.expected)('int32 Tensor or Int32Array', 'indices', (0, validate_1.describe)(indices)));
    }
    const N = x.shape[0];
    const D = N === 0 ? (0, tensor_1.shapeSize)(x.shape.slice(1)) : x.size / N;
    const out = (0, util_1.empty)([idx.length, ...x.shape.slice(1)], x.dtype);
    if (x.dtype === 'int32') {
        native_1.native.gatherRows(out.data, x.data, idx, idx.length, N, D);
        return out;
    }
    native_1.native.gatherRows(out.data, x.data, idx, idx.length, N, D);
    const saved = idx.slice();
    return (0, util_1.record)(out, 'gather', [x], (g, [dx]) => native_1.native.scatterAddRows(dx.data, g.data, saved, saved.length, N, D));
}

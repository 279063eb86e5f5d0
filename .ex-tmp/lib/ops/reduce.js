"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sum = sum;
exports.mean = mean;
exports.max = max;
exports.argmax = argmax;
const native_1 = require("../native");
const util_1 = require("./util");
const check_1 = require("../tensor/check");
const check_2 = require("../tensor/check");
function reducedShape(shape, axis, keepdim) {
    if (axis === undefined)
        return keepdim ? shape.map(() => 1) : [];
    const s = shape.slice();
    if (keepdim)
        s[axis] = 1;
    else
        s.splice(axis, 1);
    return s;
}
function sumOrMean(kind, x, axis, keepdim = false) {
    (0, util_1.fin)(x, 'x');
    const ax = axis === undefined ? undefined : (0, check_1.normAxis)(axis, x.shape.length);
    const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : (0, util_1.axisView)(x.shape, ax);
    const out = (0, util_1.empty)(reducedShape(x.shape, ax, keepdim));
    native_1.native[`${kind}Forward`](out.data, x.data, v.outer, v.dim, v.inner);
    return (0, util_1.record)(out, kind, [x], (g, [dx]) => native_1.native[`${kind}Backward`](dx.data, g.data, v.outer, v.dim, v.inner));
}
/** Sum of all elements, or along one axis. */
function sum(x, axis, keepdim = false) {
    return sumOrMean('sum', x, axis, keepdim);
}
/** Mean of all elements, or along one axis. */
function mean(x, axis, keepdim = false) {
    return sumOrMean('mean', x, axis, keepdim);
}
/** Maximum along an axis (all elements when omitted); the gradient goes to the first maximum. */
function max(x, axis, keepdim = false) {
    (0, util_1.fin)(x, 'x');
    const ax = axis === undefined ? undefined : (0, check_1.normAxis)(axis, x.shape.length);
    const v = ax === undefined ? { outer: 1, dim: x.size, inner: 1 } : (0, util_1.axisView)(x.shape, ax);
    if (v.dim === 0)
        throw new RangeError('Expected a non-empty axis for max but received an axis of length 0');
    const out = (0, util_1.empty)(reducedShape(x.shape, ax, keepdim));
    const idx = (0, util_1.empty)(out.shape, 'int32');
    native_1.native.maxForward(out.data, idx.data, x.data, v.outer, v.dim, v.inner);
    return (0, util_1.record)(out, 'max', [x], (g, [dx]) => native_1.native.maxBackward(dx.data, g.data, idx.data, v.outer, v.dim, v.inner), () => idx.dispose());
}
/** Index of the first maximum along an axis (int32; not differentiable). Default: last axis. */
function argmax(x, axis = -1, keepdim = false) {
    (0, check_2.assertTensor)(x, 'x', 'float32');
    const ax = (0, check_1.normAxis)(axis, x.shape.length);
    const v = (0, util_1.axisView)(x.shape, ax);
    if (v.dim === 0)
        throw new RangeError('Expected a non-empty axis for argmax but received an axis of length 0');
    const out = (0, util_1.empty)(reducedShape(x.shape, ax, keepdim), 'int32');
    native_1.native.argmax(out.data, x.data, v.outer, v.dim, v.inner);
    return out;
}

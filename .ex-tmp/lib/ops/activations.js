"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.tanh = exports.sigmoid = exports.silu = exports.selu = exports.relu = void 0;
exports.leakyRelu = leakyRelu;
exports.elu = elu;
exports.gelu = gelu;
exports.softplus = softplus;
exports.softmax = softmax;
exports.logSoftmax = logSoftmax;
const native_1 = require("../native");
const util_1 = require("./util");
const check_1 = require("../tensor/check");
const validate_1 = require("../core/validate");
function pointwise(op, x, saved, attrs = []) {
    (0, util_1.fin)(x, 'x');
    const out = (0, util_1.empty)(x.shape);
    native_1.native[`${op}Forward`](out.data, x.data, x.size, ...attrs);
    return (0, util_1.record)(out, op, [x], (g, [dx]) => native_1.native[`${op}Backward`](dx.data, saved === 'inp' ? x.data : out.data, g.data, x.size, ...attrs));
}
const relu = (x) => pointwise('relu', x, 'inp');
exports.relu = relu;
const selu = (x) => pointwise('selu', x, 'inp');
exports.selu = selu;
const silu = (x) => pointwise('silu', x, 'inp');
exports.silu = silu;
const sigmoid = (x) => pointwise('sigmoid', x, 'out');
exports.sigmoid = sigmoid;
const tanh = (x) => pointwise('tanh', x, 'out');
exports.tanh = tanh;
function leakyRelu(x, negativeSlope = 0.01) {
    (0, validate_1.assertFinite)(negativeSlope, 'negativeSlope');
    return pointwise('leakyRelu', x, 'inp', [negativeSlope]);
}
function elu(x, alpha = 1) {
    (0, validate_1.assertFinite)(alpha, 'alpha');
    return pointwise('elu', x, 'inp', [alpha]);
}
/** GELU: exact erf form by default, tanh approximation with { approximate: 'tanh' }. */
function gelu(x, opts = {}) {
    const approximate = opts.approximate ?? 'none';
    (0, validate_1.assertOneOf)(approximate, 'approximate', ['none', 'tanh']);
    return pointwise(approximate === 'tanh' ? 'geluTanh' : 'gelu', x, 'inp');
}
function softplus(x, beta = 1, threshold = 20) {
    (0, validate_1.assertFinite)(beta, 'beta');
    (0, validate_1.assertFinite)(threshold, 'threshold');
    if (beta <= 0)
        throw new RangeError(`Expected positive number for beta but received ${beta} of type number`);
    return pointwise('softplus', x, 'inp', [beta, threshold]);
}
function lastAxisOnly(x, axis, op) {
    const ax = (0, check_1.normAxis)(axis, Math.max(x.shape.length, 1));
    if (x.shape.length === 0 || ax !== x.shape.length - 1) {
        throw new RangeError((0, validate_1.expected)(`the last axis (${x.shape.length - 1} or -1)`, `${op} axis`, `${axis} for shape ${(0, validate_1.fmtShape)(x.shape)}`));
    }
    const C = x.shape[x.shape.length - 1];
    return { N: C === 0 ? 0 : x.size / C, C };
}
/** Softmax over the last axis. */
function softmax(x, axis = -1) {
    (0, util_1.fin)(x, 'x');
    const { N, C } = lastAxisOnly(x, axis, 'softmax');
    const out = (0, util_1.empty)(x.shape);
    native_1.native.softmaxForward(out.data, x.data, N, C);
    return (0, util_1.record)(out, 'softmax', [x], (g, [dx]) => native_1.native.softmaxBackward(dx.data, out.data, g.data, N, C));
}
/** log(softmax(x)) over the last axis, computed stably. */
function logSoftmax(x, axis = -1) {
    (0, util_1.fin)(x, 'x');
    const { N, C } = lastAxisOnly(x, axis, 'logSoftmax');
    const out = (0, util_1.empty)(x.shape);
    native_1.native.logSoftmaxForward(out.data, x.data, N, C);
    return (0, util_1.record)(out, 'logSoftmax', [x], (g, [dx]) => native_1.native.logSoftmaxBackward(dx.data, out.data, g.data, N, C));
}

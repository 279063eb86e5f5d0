"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LINEAR_ACTS = void 0;
exports.matmul = matmul;
exports.linear = linear;
const native_1 = require("../native");
const util_1 = require("./util");
const validate_1 = require("../core/validate");
/**
 * a @ b for a: (..., M, K) (leading dims flattened into M) and b: (K, N). Both 2-D is the
 * common case; the fast GEMM does the work and the backward pass is two more GEMMs.
 */
function matmul(a, b) {
    (0, util_1.fin)(a, 'a');
    (0, util_1.fin)(b, 'b');
    if (a.shape.length < 1 || b.shape.length !== 2) {
        throw new RangeError((0, validate_1.expected)('a: (..., M, K) and b: (K, N)', 'matmul operands', `${(0, validate_1.fmtShape)(a.shape)} and ${(0, validate_1.fmtShape)(b.shape)}`));
    }
    const K = a.shape[a.shape.length - 1];
    if (b.shape[0] !== K) {
        throw new RangeError(`Expected shape [${K}, *] for b (rows must match the ${K} columns of a) but received ${(0, validate_1.fmtShape)(b.shape)}`);
    }
    const N = b.shape[1];
    const outShape = a.shape.length === 1 ? [N] : [...a.shape.slice(0, -1), N];
    const rows = a.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    const out = (0, util_1.empty)(outShape);
    native_1.native.gemm(false, false, rows, N, K, 1, a.data, Math.max(K, 1), b.data, Math.max(N, 1), 0, out.data, Math.max(N, 1), null, 0);
    return (0, util_1.record)(out, 'matmul', [a, b], (g, [da, db]) => {
        // da (rows, K) += g (rows, N) * b^T ; db (K, N) += a^T (K, rows) * g (rows, N)
        if (da)
            native_1.native.gemm(false, true, rows, K, N, 1, g.data, Math.max(N, 1), b.data, Math.max(N, 1), 1, da.data, Math.max(K, 1), null, 0);
        if (db)
            native_1.native.gemm(true, false, K, N, rows, 1, a.data, Math.max(K, 1), g.data, Math.max(N, 1), 1, db.data, Math.max(N, 1), null, 0);
    });
}
exports.LINEAR_ACTS = {
    none: 0, relu: 1, sigmoid: 2, tanh: 3, gelu: 4, geluTanh: 5,
};
/**
 * Fused linear layer: act(x W^T + b) with W: (out, in). One GEMM with the bias (and ReLU)
 * applied in its epilogue; the backward pass applies the activation derivative and reduces
 * the bias gradient in one pass, then two GEMMs give dx and dW.
 */
function linear(x, weight, bias = null, act = 'none') {
    (0, util_1.fin)(x, 'input');
    (0, util_1.fin)(weight, 'weight');
    if (bias !== null)
        (0, util_1.fin)(bias, 'bias');
    const actCode = exports.LINEAR_ACTS[act];
    if (actCode === undefined)
        throw new RangeError((0, validate_1.expected)(`one of ${Object.keys(exports.LINEAR_ACTS).join(', ')}`, 'activation', String(act)));
    if (weight.shape.length !== 2)
        throw new RangeError((0, validate_1.expected)('2-D weight (out, in)', 'weight', `shape ${(0, validate_1.fmtShape)(weight.shape)}`));
    const [OC, C] = weight.shape;
    if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== C) {
        throw new RangeError((0, validate_1.expected)(`shape ${(0, validate_1.fmtShape)([...x.shape.slice(0, -1).map(() => null), C])}`, 'input', (0, validate_1.fmtShape)(x.shape)));
    }
    if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== OC)) {
        throw new RangeError((0, validate_1.expected)(`shape [${OC}]`, 'bias', (0, validate_1.fmtShape)(bias.shape)));
    }
    const B = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    const out = (0, util_1.empty)([...x.shape.slice(0, -1), OC]);
    const needPre = act === 'gelu' || act === 'geluTanh';
    const pre = needPre ? (0, util_1.empty)(out.shape) : null;
    native_1.native.linearForward(out.data, x.data, weight.data, bias ? bias.data : null, B, C, OC, actCode, pre ? pre.data : null);
    return (0, util_1.record)(out, 'linear', [x, weight, bias], (g, [dx, dw, db]) => {
        native_1.native.linearBackward(dx ? dx.data : null, dw ? dw.data : null, db ? db.data : null, g.data, x.data, weight.data, out.data, pre ? pre.data : null, B, C, OC, actCode);
    }, pre ? () => pre.dispose() : undefined);
}

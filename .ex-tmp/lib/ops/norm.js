"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.layerNorm = layerNorm;
exports.batchNorm = batchNorm;
/** Normalization ops: layerNorm and batchNorm (training and running statistics). */
const tensor_1 = require("../tensor/tensor");
const native_1 = require("../native");
const util_1 = require("./util");
const validate_1 = require("../core/validate");
/** Normalizes over the last dimension, then scales by weight and shifts by bias (either may be null). */
function layerNorm(x, weight, bias, eps = 1e-5) {
    (0, util_1.fin)(x, 'input');
    if (x.shape.length < 1)
        throw new RangeError((0, validate_1.expected)('tensor with at least 1 dimension', 'input', 'shape []'));
    const C = x.shape[x.shape.length - 1];
    const N = (0, tensor_1.shapeSize)(x.shape.slice(0, -1));
    for (const [t, name] of [[weight, 'weight'], [bias, 'bias']]) {
        if (t !== null) {
            (0, util_1.fin)(t, name);
            if (t.size !== C)
                throw new RangeError((0, validate_1.expected)(`shape [${C}]`, name, (0, validate_1.fmtShape)(t.shape)));
        }
    }
    const out = (0, util_1.empty)(x.shape);
    const meanT = (0, util_1.empty)([N]);
    const rstdT = (0, util_1.empty)([N]);
    native_1.native.layerNormForward(out.data, meanT.data, rstdT.data, x.data, weight ? weight.data : null, bias ? bias.data : null, N, C, eps);
    return (0, util_1.record)(out, 'layerNorm', [x, weight, bias], (g, [dx, dw, db]) => {
        native_1.native.layerNormBackward(dx ? dx.data : null, dw ? dw.data : null, db ? db.data : null, g.data, x.data, weight ? weight.data : null, meanT.data, rstdT.data, N, C);
    }, () => {
        meanT.dispose();
        rstdT.dispose();
    });
}
/**
 * Batch normalization of (N, C) or (N, C, L). Training: batch statistics, and the running
 * statistics are updated in place (momentum, unbiased variance, like PyTorch). Eval: the
 * running statistics normalize.
 */
function batchNorm(x, runningMean, runningVar, weight, bias, training, momentum = 0.1, eps = 1e-5) {
    (0, util_1.fin)(x, 'input');
    if (x.shape.length !== 2 && x.shape.length !== 3) {
        throw new RangeError((0, validate_1.expected)('shape [N, C] or [N, C, L]', 'input', (0, validate_1.fmtShape)(x.shape)));
    }
    const [N, C] = x.shape;
    const L = x.shape.length === 3 ? x.shape[2] : 1;
    for (const [t, name] of [[runningMean, 'runningMean'], [runningVar, 'runningVar'], [weight, 'weight'], [bias, 'bias']]) {
        if (t !== null) {
            (0, util_1.fin)(t, name);
            if (t.size !== C)
                throw new RangeError((0, validate_1.expected)(`shape [${C}]`, name, (0, validate_1.fmtShape)(t.shape)));
        }
    }
    if (!training && (!runningMean || !runningVar)) {
        throw new TypeError((0, validate_1.expected)('running statistics (eval mode normalizes with them)', 'runningMean/runningVar', 'null'));
    }
    if (training && N * L < 2) {
        throw new RangeError(`Expected more than 1 value per channel when training for input but received shape ${(0, validate_1.fmtShape)(x.shape)}`);
    }
    const out = (0, util_1.empty)(x.shape);
    const meanT = (0, util_1.empty)([C]);
    const rstdT = (0, util_1.empty)([C]);
    native_1.native.batchNormForward(out.data, meanT.data, rstdT.data, runningMean ? runningMean.data : null, runningVar ? runningVar.data : null, x.data, weight ? weight.data : null, bias ? bias.data : null, N, C, L, eps, momentum, training);
    return (0, util_1.record)(out, 'batchNorm', [x, weight, bias], (g, [dx, dw, db]) => {
        native_1.native.batchNormBackward(dx ? dx.data : null, dw ? dw.data : null, db ? db.data : null, g.data, x.data, weight ? weight.data : null, meanT.data, rstdT.data, N, C, L, training);
    }, () => {
        meanT.dispose();
        rstdT.dispose();
    });
}

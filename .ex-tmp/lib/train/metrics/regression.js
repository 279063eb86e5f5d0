"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.mse = mse;
exports.mae = mae;
exports.r2 = r2;
exports.r2FromSums = r2FromSums;
/**
 * Regression metrics: mean squared error, mean absolute error and R^2 over flattened values
 * (R^2 of (N, D) targets is the uniform average of the per-column scores, like scikit-learn).
 */
const validate_1 = require("../../core/validate");
const input_1 = require("./input");
function readPair(yTrue, yPred) {
    const tv = (0, input_1.toArrayLike)(yTrue, 'yTrue');
    const pv = (0, input_1.toArrayLike)(yPred, 'yPred');
    if (tv.data.length !== pv.data.length || tv.rows !== pv.rows) {
        throw new RangeError((0, validate_1.expected)(`shape [${tv.shape.join(', ')}] (as yTrue)`, 'yPred', `shape [${pv.shape.join(', ')}]`));
    }
    (0, input_1.assertNonEmpty)(tv, 'yTrue');
    (0, input_1.assertFiniteValues)(tv, 'yTrue');
    (0, input_1.assertFiniteValues)(pv, 'yPred');
    return { tv, pv };
}
/** Mean of (yTrue - yPred)^2 over all values. */
function mse(yTrue, yPred) {
    const { tv, pv } = readPair(yTrue, yPred);
    const t = tv.data;
    const p = pv.data;
    let s = 0;
    for (let i = 0; i < t.length; i++) {
        const d = t[i] - p[i];
        s += d * d;
    }
    return s / t.length;
}
/** Mean of |yTrue - yPred| over all values. */
function mae(yTrue, yPred) {
    const { tv, pv } = readPair(yTrue, yPred);
    const t = tv.data;
    const p = pv.data;
    let s = 0;
    for (let i = 0; i < t.length; i++)
        s += Math.abs(t[i] - p[i]);
    return s / t.length;
}
/**
 * R^2 = 1 - SS_res / SS_tot per output column, averaged over columns. A constant target
 * column scores 1 when predicted exactly and 0 otherwise (scikit-learn's force_finite).
 */
function r2(yTrue, yPred) {
    const { tv, pv } = readPair(yTrue, yPred);
    const cols = tv.cols;
    const n = tv.rows;
    let total = 0;
    for (let c = 0; c < cols; c++) {
        let mean = 0;
        for (let i = 0; i < n; i++)
            mean += tv.data[i * cols + c];
        mean /= n;
        let ssTot = 0;
        let ssRes = 0;
        for (let i = 0; i < n; i++) {
            const y = tv.data[i * cols + c];
            ssTot += (y - mean) * (y - mean);
            ssRes += (y - pv.data[i * cols + c]) ** 2;
        }
        total += r2FromSums(ssRes, ssTot);
    }
    return total / cols;
}
/** R^2 from the residual and total sums of squares, finite in every case. */
function r2FromSums(ssRes, ssTot) {
    if (ssTot === 0)
        return ssRes === 0 ? 1 : 0;
    return 1 - ssRes / ssTot;
}

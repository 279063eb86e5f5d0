"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.skipForAp = exports.skipForAuc = void 0;
exports.binaryAucOf = binaryAucOf;
exports.binaryApOf = binaryApOf;
exports.macroOver = macroOver;
exports.rocAuc = rocAuc;
exports.averagePrecision = averagePrecision;
exports.meanAveragePrecision = meanAveragePrecision;
/**
 * Score-based metrics: ROC-AUC and average precision (binary, and one-vs-rest macro over
 * classes for (N, C) scores). Both walk the samples once in decreasing score order; tied
 * scores form one threshold, exactly as scikit-learn's roc_curve / precision_recall_curve.
 */
const validate_1 = require("../../core/validate");
const input_1 = require("./input");
/** Order of rows by decreasing score of column `col` (ties keep input order). */
function orderByScore(s, n, cols, col) {
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++)
        idx[i] = i;
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++)
        key[i] = s[i * cols + col];
    idx.sort((a, b) => key[b] - key[a] || a - b);
    return idx;
}
/**
 * Walks thresholds from the highest score down, calling `step(tp, fp)` with the cumulative
 * counts after each group of tied scores. `isPos(i)` says whether row i is positive.
 */
function walkThresholds(s, n, cols, col, isPos, step) {
    const idx = orderByScore(s, n, cols, col);
    let tp = 0;
    let fp = 0;
    for (let j = 0; j < n; j++) {
        const i = idx[j];
        if (isPos(i))
            tp++;
        else
            fp++;
        if (j === n - 1 || s[idx[j + 1] * cols + col] !== s[i * cols + col])
            step(tp, fp);
    }
}
/** Area under the ROC curve of one column (NaN when only one class is present). */
function binaryAucOf(s, n, cols, col, isPos) {
    let area = 0;
    let ptp = 0;
    let pfp = 0;
    let P = 0;
    let N = 0;
    walkThresholds(s, n, cols, col, isPos, (tp, fp) => {
        area += (fp - pfp) * (tp + ptp) / 2;
        ptp = tp;
        pfp = fp;
        P = tp;
        N = fp;
    });
    return P === 0 || N === 0 ? NaN : area / (P * N);
}
/**
 * Step-wise average precision of one column: sum over thresholds of
 * (R_n - R_{n-1}) * P_n. Returns 0 when there are no positives (as scikit-learn does).
 */
function binaryApOf(s, n, cols, col, isPos) {
    let P = 0;
    for (let i = 0; i < n; i++)
        if (isPos(i))
            P++;
    if (P === 0)
        return 0;
    let ap = 0;
    let prevRecall = 0;
    walkThresholds(s, n, cols, col, isPos, (tp, fp) => {
        const r = tp / P;
        ap += (r - prevRecall) * (tp / (tp + fp));
        prevRecall = r;
    });
    return ap;
}
function readScores(yTrue, yScore) {
    const tv = (0, input_1.toArrayLike)(yTrue, 'yTrue');
    const sv = (0, input_1.toArrayLike)(yScore, 'yScore');
    (0, input_1.assertSameRows)(tv, 'yTrue', sv, 'yScore');
    (0, input_1.assertNonEmpty)(tv, 'yTrue');
    (0, input_1.assertFiniteValues)(sv, 'yScore');
    return { tv, sv };
}
/** Mean of `metric` over classes where it is defined (not NaN); NaN when none is. */
function macroOver(t, s, cols, metric, skip) {
    let sum = 0;
    let count = 0;
    const n = t.length;
    for (let c = 0; c < cols; c++) {
        let pos = 0;
        for (let i = 0; i < n; i++)
            if (t[i] === c)
                pos++;
        if (skip(pos, n))
            continue;
        sum += metric(s, n, cols, c, (i) => t[i] === c);
        count++;
    }
    return count === 0 ? NaN : sum / count;
}
/** AUC defined only when a class has both positives and negatives. */
const skipForAuc = (pos, n) => pos === 0 || pos === n;
exports.skipForAuc = skipForAuc;
/** AP defined when a class has positives. */
const skipForAp = (pos) => pos === 0;
exports.skipForAp = skipForAp;
/**
 * ROC-AUC. Binary: yTrue 0/1, yScore one column (probability, logit or any score; a
 * two-column yScore uses column 1). Multiclass: yScore (N, C) with C > 2 gives the
 * one-vs-rest macro average over the classes present in yTrue (scikit-learn raises when a
 * class is absent instead). Throws when yTrue holds a single class.
 */
function rocAuc(yTrue, yScore) {
    const { tv, sv } = readScores(yTrue, yScore);
    if (sv.cols <= 2) {
        const t = (0, input_1.toBinaryLabels)(tv, 'yTrue');
        const auc = binaryAucOf(sv.data, sv.rows, sv.cols, sv.cols - 1, (i) => t[i] === 1);
        if (Number.isNaN(auc))
            throw oneClassError(t[0]);
        return auc;
    }
    const t = (0, input_1.toLabels)(tv, 'yTrue', sv.cols);
    const auc = macroOver(t, sv.data, sv.cols, binaryAucOf, exports.skipForAuc);
    if (Number.isNaN(auc))
        throw oneClassError(t[0]);
    return auc;
}
function oneClassError(c) {
    return new RangeError((0, validate_1.expected)('at least two classes', 'yTrue', `only class ${c}`));
}
/**
 * Average precision (area under the step-wise precision-recall curve, no interpolation).
 * Binary: yTrue 0/1 and one score column (two columns: column 1). yScore (N, C) with C > 2
 * gives the one-vs-rest macro average (same as meanAveragePrecision).
 */
function averagePrecision(yTrue, yScore) {
    const { tv, sv } = readScores(yTrue, yScore);
    if (sv.cols <= 2) {
        const t = (0, input_1.toBinaryLabels)(tv, 'yTrue');
        return binaryApOf(sv.data, sv.rows, sv.cols, sv.cols - 1, (i) => t[i] === 1);
    }
    return meanAveragePrecision(yTrue, yScore);
}
/**
 * Mean average precision: one-vs-rest AP of every column of yScore (N, C), averaged over the
 * classes that have positives in yTrue (integer labels or one-hot; scikit-learn counts classes
 * without positives as 0 instead).
 */
function meanAveragePrecision(yTrue, yScore) {
    const { tv, sv } = readScores(yTrue, yScore);
    if (sv.shape.length !== 2 || sv.cols < 2) {
        throw new RangeError((0, validate_1.expected)('scores of shape [N, C] with C >= 2', 'yScore', `shape [${sv.shape.join(', ')}]`));
    }
    const t = (0, input_1.toLabels)(tv, 'yTrue', sv.cols);
    return macroOver(t, sv.data, sv.cols, binaryApOf, exports.skipForAp);
}

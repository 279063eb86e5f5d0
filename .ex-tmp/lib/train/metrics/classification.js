"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AVERAGES = void 0;
exports.accuracy = accuracy;
exports.topKAccuracy = topKAccuracy;
exports.topKCorrect = topKCorrect;
exports.confusionMatrix = confusionMatrix;
exports.countMatrix = countMatrix;
exports.classCounts = classCounts;
exports.prfOf = prfOf;
exports.presentLabels = presentLabels;
exports.averagePrf = averagePrf;
exports.precisionRecallF1 = precisionRecallF1;
exports.precision = precision;
exports.recall = recall;
exports.f1 = f1;
exports.classificationReport = classificationReport;
/**
 * Label-based classification metrics: accuracy, top-k accuracy, confusion matrix,
 * precision / recall / F1 (binary, macro, micro, weighted) and a per-class report.
 * Definitions follow scikit-learn with zero_division=0 (checked against its values in
 * test/fixtures/sklearn/metrics.json).
 */
const validate_1 = require("../../core/validate");
const input_1 = require("./input");
exports.AVERAGES = ['binary', 'macro', 'micro', 'weighted'];
function checkOpts(opts) {
    if (opts === undefined)
        return {};
    (0, validate_1.assertPlainObject)(opts, 'options');
    return opts;
}
/** Reads yTrue and yPred as label arrays of equal length. */
function readPair(yTrue, yPred, opts) {
    const numClasses = (0, input_1.checkNumClasses)(opts.numClasses);
    const tv = (0, input_1.toArrayLike)(yTrue, 'yTrue');
    const pv = (0, input_1.toArrayLike)(yPred, 'yPred');
    (0, input_1.assertSameRows)(tv, 'yTrue', pv, 'yPred');
    (0, input_1.assertNonEmpty)(tv, 'yTrue');
    if (opts.threshold !== undefined && !validate_1.is.finite(opts.threshold)) {
        throw new RangeError((0, validate_1.expected)('finite number', 'threshold', (0, validate_1.describe)(opts.threshold)));
    }
    const t = (0, input_1.toLabels)(tv, 'yTrue', numClasses);
    const p = (0, input_1.toPredictedLabels)(pv, 'yPred', opts, numClasses);
    if (numClasses === undefined && pv.cols > 1) {
        // Scores define the number of classes: labels beyond it can never be predicted.
        for (let i = 0; i < t.length; i++) {
            if (t[i] >= pv.cols) {
                throw new RangeError((0, validate_1.expected)(`integer labels in [0, ${pv.cols - 1}]`, 'yTrue', `${t[i]} at index ${i}`));
            }
        }
    }
    return { t, p, pv };
}
/**
 * Fraction of samples whose predicted label equals the true label.
 * yPred: (N, C) scores (argmax), or one column of probabilities (threshold 0.5), logits
 * (`logits: true`, threshold 0) or integer labels. yTrue: integer labels or one-hot (N, C).
 */
function accuracy(yTrue, yPred, opts = {}) {
    const o = checkOpts(opts);
    const { t, p } = readPair(yTrue, yPred, o);
    let correct = 0;
    for (let i = 0; i < t.length; i++)
        if (t[i] === p[i])
            correct++;
    return correct / t.length;
}
/**
 * Fraction of samples whose true class is among the k highest scores. Ties count in the
 * sample's favour: a sample is correct when fewer than k classes score strictly higher.
 */
function topKAccuracy(yTrue, yScore, k = 5) {
    if (typeof k !== 'number')
        throw new TypeError((0, validate_1.expected)('positive integer', 'k', (0, validate_1.describe)(k)));
    if (!Number.isInteger(k) || k < 1)
        throw new RangeError((0, validate_1.expected)('positive integer', 'k', (0, validate_1.describe)(k)));
    const tv = (0, input_1.toArrayLike)(yTrue, 'yTrue');
    const sv = (0, input_1.toArrayLike)(yScore, 'yScore');
    (0, input_1.assertSameRows)(tv, 'yTrue', sv, 'yScore');
    (0, input_1.assertNonEmpty)(tv, 'yTrue');
    if (sv.shape.length !== 2 || sv.cols < 2) {
        throw new RangeError((0, validate_1.expected)('scores of shape [N, C] with C >= 2', 'yScore', `shape [${sv.shape.join(', ')}]`));
    }
    (0, input_1.assertFiniteValues)(sv, 'yScore');
    const t = (0, input_1.toLabels)(tv, 'yTrue', sv.cols);
    return topKCorrect(t, sv.data, sv.cols, k) / t.length;
}
/** Number of rows whose true class ranks within the top k (ties favourable). */
function topKCorrect(t, s, cols, k) {
    let correct = 0;
    for (let i = 0; i < t.length; i++) {
        const ts = s[i * cols + t[i]];
        let higher = 0;
        for (let j = 0; j < cols; j++)
            if (s[i * cols + j] > ts)
                higher++;
        if (higher < k)
            correct++;
    }
    return correct;
}
/**
 * Confusion matrix: cm[i][j] counts samples of true class i predicted as class j.
 * Size: numClasses when given, else the number of score columns or the largest label + 1.
 */
function confusionMatrix(yTrue, yPred, opts = {}) {
    const o = checkOpts(opts);
    const { t, p, pv } = readPair(yTrue, yPred, o);
    const k = o.numClasses ?? Math.max((0, input_1.inferNumClasses)(t, p), pv.cols > 1 ? pv.cols : 0);
    const cm = countMatrix(t, p, k);
    const out = [];
    for (let i = 0; i < k; i++)
        out.push(Array.from(cm.subarray(i * k, (i + 1) * k)));
    return out;
}
/** Flat k x k count matrix (row = true, column = predicted). */
function countMatrix(t, p, k) {
    const cm = new Float64Array(k * k);
    for (let i = 0; i < t.length; i++)
        cm[t[i] * k + p[i]]++;
    return cm;
}
function classCounts(cm, k, c) {
    if (c >= k)
        return { tp: 0, fp: 0, fn: 0, support: 0 };
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
        row += cm[c * k + j];
        col += cm[j * k + c];
    }
    const tp = cm[c * k + c];
    return { tp, fp: col - tp, fn: row - tp, support: row };
}
const div = (a, b) => (b === 0 ? 0 : a / b);
/** Precision, recall and F1 of one class (zero division gives 0). */
function prfOf(c) {
    return {
        precision: div(c.tp, c.tp + c.fp),
        recall: div(c.tp, c.tp + c.fn),
        f1: div(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    };
}
/** Classes present in a flat confusion matrix (non-zero row or column), ascending. */
function presentLabels(cm, k) {
    const out = [];
    for (let c = 0; c < k; c++) {
        const s = classCounts(cm, k, c);
        if (s.support > 0 || s.tp + s.fp > 0)
            out.push(c);
    }
    return out;
}
/** Averages precision/recall/F1 over `labels` from a flat confusion matrix. */
function averagePrf(cm, k, average, labels) {
    if (average === 'binary')
        return prfOf(classCounts(cm, k, 1));
    if (average === 'micro') {
        const s = { tp: 0, fp: 0, fn: 0, support: 0 };
        for (const c of labels) {
            const x = classCounts(cm, k, c);
            s.tp += x.tp;
            s.fp += x.fp;
            s.fn += x.fn;
        }
        return prfOf(s);
    }
    let p = 0;
    let r = 0;
    let f = 0;
    let w = 0;
    for (const c of labels) {
        const counts = classCounts(cm, k, c);
        const m = prfOf(counts);
        const weight = average === 'weighted' ? counts.support : 1;
        p += m.precision * weight;
        r += m.recall * weight;
        f += m.f1 * weight;
        w += weight;
    }
    return { precision: div(p, w), recall: div(r, w), f1: div(f, w) };
}
function checkLabels(labels) {
    if (labels === undefined)
        return undefined;
    if (!Array.isArray(labels) || labels.length === 0 ||
        labels.some((l) => typeof l !== 'number' || !Number.isInteger(l) || l < 0)) {
        throw new TypeError((0, validate_1.expected)('non-empty array of non-negative integer labels', 'labels', (0, validate_1.describe)(labels)));
    }
    return labels;
}
/** Precision, recall and F1 together (one pass over the data). */
function precisionRecallF1(yTrue, yPred, opts = {}) {
    const o = checkOpts(opts);
    if (o.average !== undefined)
        (0, validate_1.assertOneOf)(o.average, 'average', exports.AVERAGES);
    const labels = checkLabels(o.labels);
    const { t, p, pv } = readPair(yTrue, yPred, o);
    const binaryData = pv.cols === 1 && t.every((x) => x <= 1) && p.every((x) => x <= 1);
    const average = o.average ?? (binaryData ? 'binary' : 'macro');
    if (average === 'binary') {
        for (const [arr, name] of [[t, 'yTrue'], [p, 'yPred']]) {
            const i = arr.findIndex((x) => x > 1);
            if (i >= 0) {
                throw new RangeError((0, validate_1.expected)("binary labels (0 or 1) with average 'binary'", name, `${arr[i]} at index ${i}`));
            }
        }
    }
    const k = Math.max((0, input_1.inferNumClasses)(t, p), 2, ...(labels ?? []).map((l) => l + 1));
    const cm = countMatrix(t, p, k);
    return averagePrf(cm, k, average, labels ?? presentLabels(cm, k));
}
/** Precision: tp / (tp + fp), averaged as asked (see PrfOptions). */
function precision(yTrue, yPred, opts = {}) {
    return precisionRecallF1(yTrue, yPred, opts).precision;
}
/** Recall: tp / (tp + fn), averaged as asked (see PrfOptions). */
function recall(yTrue, yPred, opts = {}) {
    return precisionRecallF1(yTrue, yPred, opts).recall;
}
/** F1: 2 tp / (2 tp + fp + fn), averaged as asked (macro/weighted average per-class F1). */
function f1(yTrue, yPred, opts = {}) {
    return precisionRecallF1(yTrue, yPred, opts).f1;
}
/** Per-class precision, recall, F1 and support, plus accuracy and macro/weighted averages. */
function classificationReport(yTrue, yPred, opts = {}) {
    const o = checkOpts(opts);
    let labels = checkLabels(o.labels);
    const names = o.targetNames;
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
        throw new TypeError((0, validate_1.expected)('array of strings', 'targetNames', (0, validate_1.describe)(names)));
    }
    const { t, p } = readPair(yTrue, yPred, o);
    if (labels === undefined && names !== undefined)
        labels = names.map((_, i) => i);
    const k = Math.max((0, input_1.inferNumClasses)(t, p), 2, ...(labels ?? []).map((l) => l + 1));
    const cm = countMatrix(t, p, k);
    const ls = labels ?? presentLabels(cm, k);
    if (names !== undefined && names.length !== ls.length) {
        throw new RangeError((0, validate_1.expected)(`${ls.length} target names (one per label)`, 'targetNames', `${names.length}`));
    }
    let correct = 0;
    for (let i = 0; i < t.length; i++)
        if (t[i] === p[i])
            correct++;
    const classes = ls.map((c, i) => {
        const counts = classCounts(cm, k, c);
        return { label: c, name: names ? names[i] : String(c), ...prfOf(counts), support: counts.support };
    });
    const support = classes.reduce((a, c) => a + c.support, 0);
    return {
        classes,
        accuracy: correct / t.length,
        macro: { ...averagePrf(cm, k, 'macro', ls), support },
        weighted: { ...averagePrf(cm, k, 'weighted', ls), support },
    };
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.METRIC_NAMES = void 0;
exports.createMetric = createMetric;
exports.createMetrics = createMetrics;
/**
 * Stateful metrics for the Trainer: `update(pred, target)` once per batch, `result()` at the
 * end of an epoch, `reset()` before the next. Each keeps only what its definition needs
 * (counts for accuracy and precision/recall/F1, sums for regression, scores for AUC/AP), so
 * the epoch result equals the functional metric over the whole epoch.
 */
const validate_1 = require("../../core/validate");
const classification_1 = require("./classification");
const input_1 = require("./input");
const ranking_1 = require("./ranking");
const regression_1 = require("./regression");
exports.METRIC_NAMES = ['accuracy', 'topk', 'top5', 'precision', 'recall', 'f1', 'auc', 'ap',
    'map', 'mse', 'mae', 'r2'];
/** Both arguments as views with equal numbers of rows. */
function readBatch(pred, target) {
    const pv = (0, input_1.toArrayLike)(pred, 'pred');
    const tv = (0, input_1.toArrayLike)(target, 'target');
    (0, input_1.assertSameRows)(pv, 'pred', tv, 'target');
    return { pv, tv };
}
class Accuracy {
    name;
    opts;
    correct = 0;
    total = 0;
    constructor(name, opts) {
        this.name = name;
        this.opts = opts;
    }
    reset() { this.correct = 0; this.total = 0; }
    update(pred, target) {
        const { pv, tv } = readBatch(pred, target);
        const p = (0, input_1.toPredictedLabels)(pv, 'pred', this.opts, this.opts.numClasses);
        const t = (0, input_1.toLabels)(tv, 'target', this.opts.numClasses);
        for (let i = 0; i < t.length; i++)
            if (t[i] === p[i])
                this.correct++;
        this.total += t.length;
    }
    result() { return this.total === 0 ? NaN : this.correct / this.total; }
}
class TopK {
    name;
    k;
    correct = 0;
    total = 0;
    constructor(name, k) {
        this.name = name;
        this.k = k;
    }
    reset() { this.correct = 0; this.total = 0; }
    update(pred, target) {
        const { pv, tv } = readBatch(pred, target);
        if (pv.shape.length !== 2 || pv.cols < 2) {
            throw new RangeError((0, validate_1.expected)('scores of shape [N, C] with C >= 2', 'pred', `shape [${pv.shape.join(', ')}]`));
        }
        (0, input_1.assertFiniteValues)(pv, 'pred');
        const t = (0, input_1.toLabels)(tv, 'target', pv.cols);
        this.correct += (0, classification_1.topKCorrect)(t, pv.data, pv.cols, this.k);
        this.total += t.length;
    }
    result() { return this.total === 0 ? NaN : this.correct / this.total; }
}
/** Precision, recall or F1 from a confusion matrix that grows as new classes appear. */
class Prf {
    name;
    which;
    opts;
    k = 2;
    cm = new Float64Array(4);
    binary = true;
    seen = false;
    constructor(name, which, opts) {
        this.name = name;
        this.which = which;
        this.opts = opts;
    }
    reset() { this.k = 2; this.cm = new Float64Array(4); this.binary = true; this.seen = false; }
    update(pred, target) {
        const { pv, tv } = readBatch(pred, target);
        const p = (0, input_1.toPredictedLabels)(pv, 'pred', this.opts, this.opts.numClasses);
        const t = (0, input_1.toLabels)(tv, 'target', this.opts.numClasses);
        let max = this.k - 1;
        for (let i = 0; i < t.length; i++)
            max = Math.max(max, t[i], p[i]);
        if (pv.cols > 1 || max > 1)
            this.binary = false;
        if (this.opts.average === 'binary' && max > 1) {
            const bad = t.findIndex((x) => x > 1);
            throw new RangeError(bad >= 0
                ? (0, validate_1.expected)("binary labels (0 or 1) with average 'binary'", 'target', `${t[bad]} at index ${bad}`)
                : (0, validate_1.expected)("binary labels (0 or 1) with average 'binary'", 'pred', `${max}`));
        }
        if (max + 1 > this.k)
            this.grow(max + 1);
        const k = this.k;
        for (let i = 0; i < t.length; i++)
            this.cm[t[i] * k + p[i]]++;
        this.seen = this.seen || t.length > 0;
    }
    grow(k) {
        const cm = new Float64Array(k * k);
        for (let i = 0; i < this.k; i++)
            for (let j = 0; j < this.k; j++)
                cm[i * k + j] = this.cm[i * this.k + j];
        this.cm = cm;
        this.k = k;
    }
    result() {
        if (!this.seen)
            return NaN;
        const average = this.opts.average ?? (this.binary ? 'binary' : 'macro');
        return (0, classification_1.averagePrf)(this.cm, this.k, average, (0, classification_1.presentLabels)(this.cm, this.k))[this.which];
    }
}
/** Keeps every score and label of the epoch (AUC and AP need the full ranking). */
class ScoreMetric {
    name;
    kind;
    scores = new Float64Array(1024);
    labels = new Int32Array(1024);
    n = 0;
    cols = 0;
    constructor(name, kind) {
        this.name = name;
        this.kind = kind;
    }
    reset() { this.n = 0; this.cols = 0; }
    update(pred, target) {
        const { pv, tv } = readBatch(pred, target);
        (0, input_1.assertFiniteValues)(pv, 'pred');
        if (this.n > 0 && pv.cols !== this.cols) {
            throw new RangeError((0, validate_1.expected)(`${this.cols} score columns (as in earlier batches)`, 'pred', `${pv.cols}`));
        }
        const cols = pv.cols;
        const t = (0, input_1.toLabels)(tv, 'target', cols <= 2 ? 2 : cols);
        const need = this.n + pv.rows;
        if (need > this.labels.length) {
            const cap = Math.max(need, this.labels.length * 2);
            const l = new Int32Array(cap);
            l.set(this.labels.subarray(0, this.n));
            this.labels = l;
        }
        if (need * cols > this.scores.length) {
            const s = new Float64Array(Math.max(need * cols, this.scores.length * 2));
            s.set(this.scores.subarray(0, this.n * cols));
            this.scores = s;
        }
        this.labels.set(t, this.n);
        const d = pv.data;
        const off = this.n * cols;
        for (let i = 0; i < d.length; i++)
            this.scores[off + i] = d[i];
        this.n = need;
        this.cols = cols;
    }
    result() {
        const { n, cols } = this;
        if (n === 0)
            return NaN;
        const t = this.labels.subarray(0, n);
        const s = this.scores.subarray(0, n * cols);
        const macro = this.kind === 'map' ? cols >= 2 : cols > 2;
        const fn = this.kind === 'auc' ? ranking_1.binaryAucOf : ranking_1.binaryApOf;
        if (!macro)
            return fn(s, n, cols, cols - 1, (i) => t[i] === 1);
        return (0, ranking_1.macroOver)(t, s, cols, fn, this.kind === 'auc' ? ranking_1.skipForAuc : ranking_1.skipForAp);
    }
}
class Regression {
    name;
    kind;
    sum = 0;
    count = 0;
    constructor(name, kind) {
        this.name = name;
        this.kind = kind;
    }
    reset() { this.sum = 0; this.count = 0; }
    update(pred, target) {
        const { pv, tv } = readRegression(pred, target);
        const p = pv.data;
        const t = tv.data;
        let s = 0;
        if (this.kind === 'mse')
            for (let i = 0; i < t.length; i++) {
                const d = t[i] - p[i];
                s += d * d;
            }
        else
            for (let i = 0; i < t.length; i++)
                s += Math.abs(t[i] - p[i]);
        this.sum += s;
        this.count += t.length;
    }
    result() { return this.count === 0 ? NaN : this.sum / this.count; }
}
function readRegression(pred, target) {
    const { pv, tv } = readBatch(pred, target);
    if (pv.data.length !== tv.data.length) {
        throw new RangeError((0, validate_1.expected)(`shape [${tv.shape.join(', ')}] (as target)`, 'pred', `shape [${pv.shape.join(', ')}]`));
    }
    (0, input_1.assertFiniteValues)(pv, 'pred');
    (0, input_1.assertFiniteValues)(tv, 'target');
    return { pv, tv };
}
/** R^2 with per-column running mean / sum of squares (Chan et al. merge) and residual sums. */
class R2 {
    name;
    cols = 0;
    n = 0;
    mean = new Float64Array(0);
    m2 = new Float64Array(0);
    ssRes = new Float64Array(0);
    constructor(name) {
        this.name = name;
    }
    reset() { this.cols = 0; this.n = 0; }
    update(pred, target) {
        const { pv, tv } = readRegression(pred, target);
        const cols = tv.cols;
        if (this.n > 0 && cols !== this.cols) {
            throw new RangeError((0, validate_1.expected)(`${this.cols} target columns (as in earlier batches)`, 'target', `${cols}`));
        }
        if (this.n === 0) {
            this.cols = cols;
            this.mean = new Float64Array(cols);
            this.m2 = new Float64Array(cols);
            this.ssRes = new Float64Array(cols);
        }
        const nb = tv.rows;
        if (nb === 0)
            return;
        for (let c = 0; c < cols; c++) {
            let bm = 0;
            for (let i = 0; i < nb; i++)
                bm += tv.data[i * cols + c];
            bm /= nb;
            let bm2 = 0;
            let res = 0;
            for (let i = 0; i < nb; i++) {
                const y = tv.data[i * cols + c];
                bm2 += (y - bm) * (y - bm);
                res += (y - pv.data[i * cols + c]) ** 2;
            }
            const na = this.n;
            const tot = na + nb;
            const delta = bm - this.mean[c];
            this.mean[c] += delta * nb / tot;
            this.m2[c] += bm2 + delta * delta * na * nb / tot;
            this.ssRes[c] += res;
        }
        this.n += nb;
    }
    result() {
        if (this.n === 0)
            return NaN;
        let s = 0;
        for (let c = 0; c < this.cols; c++)
            s += (0, regression_1.r2FromSums)(this.ssRes[c], this.m2[c]);
        return s / this.cols;
    }
}
function isMetricObject(v) {
    if (typeof v !== 'object' || v === null)
        return false;
    const m = v;
    return typeof m.name === 'string' && validate_1.is.func(m.reset) && validate_1.is.func(m.update) && validate_1.is.func(m.result);
}
/**
 * Builds a metric from its name ('accuracy', 'topk' / 'top5' / 'top<k>', 'precision', 'recall',
 * 'f1', 'auc', 'ap', 'map', 'mse', 'mae', 'r2') or returns a user Metric object unchanged.
 */
function createMetric(name, opts = {}) {
    if (typeof name === 'object' && name !== null) {
        if (isMetricObject(name))
            return name;
        throw new TypeError((0, validate_1.expected)('metric name or object with name, reset, update and result', 'metric', (0, validate_1.describe)(name)));
    }
    if (opts !== undefined)
        (0, validate_1.assertPlainObject)(opts, 'options');
    if (opts.average !== undefined)
        (0, validate_1.assertOneOf)(opts.average, 'average', classification_1.AVERAGES);
    (0, input_1.checkNumClasses)(opts.numClasses);
    if (opts.threshold !== undefined && !validate_1.is.finite(opts.threshold)) {
        throw new RangeError((0, validate_1.expected)('finite number', 'threshold', (0, validate_1.describe)(opts.threshold)));
    }
    const topMatch = typeof name === 'string' ? /^top([1-9][0-9]*)$/.exec(name) : null;
    if (!topMatch)
        (0, validate_1.assertOneOf)(name, 'metric', exports.METRIC_NAMES);
    switch (name) {
        case 'accuracy': return new Accuracy(name, opts);
        case 'precision':
        case 'recall':
        case 'f1': return new Prf(name, name, opts);
        case 'auc':
        case 'ap':
        case 'map': return new ScoreMetric(name, name);
        case 'mse':
        case 'mae': return new Regression(name, name);
        case 'r2': return new R2(name);
        default: {
            const k = opts.k ?? (topMatch ? Number(topMatch[1]) : 5);
            if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
                throw new RangeError((0, validate_1.expected)('positive integer', 'k', (0, validate_1.describe)(k)));
            }
            return new TopK(name, k);
        }
    }
}
/** Builds a list of metrics; throws on duplicate names (they would share a history key). */
function createMetrics(list, opts = {}) {
    if (!Array.isArray(list))
        throw new TypeError((0, validate_1.expected)('array of metric names or objects', 'metrics', (0, validate_1.describe)(list)));
    const out = list.map((m) => createMetric(m, opts));
    const seen = new Set();
    for (const m of out) {
        if (seen.has(m.name))
            throw new RangeError((0, validate_1.expected)('unique metric names', 'metrics', `"${m.name}" twice`));
        seen.add(m.name);
    }
    return out;
}

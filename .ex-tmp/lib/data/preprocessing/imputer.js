"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SimpleImputer = void 0;
/**
 * SimpleImputer (scikit-learn 1.2 semantics): replaces missing values (NaN; null/undefined in
 * arrays; empty or NA cells of a CSV read with { missing: 'keep' }) per column by the column's
 * mean, median, most frequent value (smallest on ties) or a constant.
 * A column with no observed value is filled with 0 (sklearn's keep_empty_features=True).
 */
const validate_1 = require("../../core/validate");
const matrix_1 = require("../matrix");
const base_1 = require("./base");
class SimpleImputer extends base_1.NumericPreprocessor {
    type = 'SimpleImputer';
    strategy;
    fillValue;
    /** The value that replaces missing entries in each column (after fit). */
    statistics = null;
    constructor(opts = {}) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const s = opts.strategy === 'mostFrequent' ? 'most_frequent' : opts.strategy ?? 'mean';
        (0, validate_1.assertOneOf)(s, 'strategy', ['mean', 'median', 'most_frequent', 'constant']);
        this.strategy = s;
        const fillValue = opts.fillValue ?? 0;
        (0, validate_1.assertFinite)(fillValue, 'fillValue');
        this.fillValue = fillValue;
    }
    get fitted() { return this.statistics !== null; }
    get nFeatures() { return this.statistics ? this.statistics.length : 0; }
    statistic(s) {
        if (this.strategy === 'constant')
            return this.fillValue;
        if (s.length === 0)
            return 0;
        if (this.strategy === 'median')
            return (0, matrix_1.percentileSorted)(s, 50);
        if (this.strategy === 'mean') {
            let sum = 0;
            for (let i = 0; i < s.length; i++)
                sum += s[i];
            return sum / s.length;
        }
        let best = s[0], bestCount = 0;
        for (let i = 0; i < s.length;) {
            let k = i;
            while (k < s.length && s[k] === s[i])
                k++;
            if (k - i > bestCount) {
                best = s[i];
                bestCount = k - i;
            }
            i = k;
        }
        return best;
    }
    fit(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        const st = new Float64Array(m.cols);
        if (this.strategy === 'constant')
            st.fill(this.fillValue);
        else
            (0, matrix_1.sortedColumns)(m).forEach((s, j) => { st[j] = this.statistic(s); });
        this.statistics = st;
        return this;
    }
    transform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        const o = (0, matrix_1.allocOutput)(x, m.rows, m.cols);
        const out = o.data;
        out.set(m.data);
        const st = this.statistics;
        for (let i = 0; i < out.length; i++)
            if (Number.isNaN(out[i]))
                out[i] = st[i % m.cols];
        return o.result();
    }
    toJSON() {
        return {
            type: this.type, version: 1,
            config: { strategy: this.strategy, fillValue: this.fillValue },
            state: this.statistics ? { statistics: (0, base_1.numsToJSON)(this.statistics) } : null,
        };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'SimpleImputer');
        const s = new SimpleImputer(j.config);
        if (j.state)
            s.statistics = (0, base_1.numsFromJSON)(j.state.statistics);
        return s;
    }
}
exports.SimpleImputer = SimpleImputer;

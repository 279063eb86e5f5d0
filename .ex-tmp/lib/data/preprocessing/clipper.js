"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Clipper = void 0;
exports.clipOutliers = clipOutliers;
/**
 * Outlier clipping per column, three ways:
 *   { min, max }           fixed bounds (numbers, or one per column)
 *   { quantiles: [lo, hi] } bounds at the lo/hi quantiles (fractions in [0, 1]) seen in fit
 *   { iqr: k }             Tukey fences: [Q1 - k * IQR, Q3 + k * IQR] seen in fit (k = 1.5 usual)
 * Quantiles use numpy's linear interpolation and ignore NaN; NaN passes through.
 */
const validate_1 = require("../../core/validate");
const matrix_1 = require("../matrix");
const base_1 = require("./base");
function bound(v, name) {
    if (v === undefined)
        return undefined;
    if (typeof v === 'number') {
        if (Number.isNaN(v))
            (0, validate_1.typeError)('number or array of numbers', name, v);
        return v;
    }
    if (!Array.isArray(v) || v.some((e) => typeof e !== 'number' || Number.isNaN(e))) {
        (0, validate_1.typeError)('number or array of numbers', name, v);
    }
    return v;
}
class Clipper extends base_1.NumericPreprocessor {
    type = 'Clipper';
    mode;
    options;
    lower = null;
    upper = null;
    constructor(opts) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const modes = [opts.min !== undefined || opts.max !== undefined, opts.quantiles !== undefined, opts.iqr !== undefined];
        if (modes.filter(Boolean).length !== 1) {
            throw new TypeError((0, validate_1.expected)('exactly one of { min/max }, { quantiles } or { iqr }', 'options', `{ ${Object.keys(opts).join(', ')} }`));
        }
        if (modes[1]) {
            const q = opts.quantiles;
            if (!Array.isArray(q) || q.length !== 2 || typeof q[0] !== 'number' || typeof q[1] !== 'number'
                || !(q[0] >= 0 && q[0] < q[1] && q[1] <= 1)) {
                throw new RangeError((0, validate_1.expected)('[lo, hi] with 0 <= lo < hi <= 1', 'quantiles', (0, validate_1.describe)(q)));
            }
            this.mode = 'quantiles';
            this.options = { quantiles: [q[0], q[1]] };
        }
        else if (modes[2]) {
            (0, validate_1.assertFinite)(opts.iqr, 'iqr');
            if (opts.iqr < 0)
                throw new RangeError((0, validate_1.expected)('non-negative number', 'iqr', (0, validate_1.describe)(opts.iqr)));
            this.mode = 'iqr';
            this.options = { iqr: opts.iqr };
        }
        else {
            this.mode = 'value';
            this.options = { min: bound(opts.min, 'min'), max: bound(opts.max, 'max') };
            const lo = this.options.min, hi = this.options.max;
            if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) {
                throw new RangeError((0, validate_1.expected)(`min <= max (${hi})`, 'min', (0, validate_1.describe)(lo)));
            }
        }
    }
    get fitted() { return this.lower !== null; }
    get nFeatures() { return this.lower ? this.lower.length : 0; }
    fit(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        const lo = new Float64Array(m.cols).fill(-Infinity);
        const hi = new Float64Array(m.cols).fill(Infinity);
        if (this.mode === 'value') {
            const perCol = (b, out, name) => {
                if (b === undefined)
                    return;
                if (typeof b === 'number') {
                    out.fill(b);
                    return;
                }
                if (b.length !== m.cols)
                    throw new RangeError((0, validate_1.expected)(`${m.cols} bounds (one per column)`, name, (0, validate_1.describe)(b)));
                out.set(b);
            };
            perCol(this.options.min, lo, 'min');
            perCol(this.options.max, hi, 'max');
        }
        else {
            const sorted = (0, matrix_1.sortedColumns)(m);
            for (let j = 0; j < m.cols; j++) {
                const s = sorted[j];
                if (s.length === 0)
                    continue;
                if (this.mode === 'quantiles') {
                    lo[j] = (0, matrix_1.percentileSorted)(s, this.options.quantiles[0] * 100);
                    hi[j] = (0, matrix_1.percentileSorted)(s, this.options.quantiles[1] * 100);
                }
                else {
                    const q1 = (0, matrix_1.percentileSorted)(s, 25), q3 = (0, matrix_1.percentileSorted)(s, 75);
                    const k = this.options.iqr;
                    lo[j] = q1 - k * (q3 - q1);
                    hi[j] = q3 + k * (q3 - q1);
                }
            }
        }
        this.lower = lo;
        this.upper = hi;
        return this;
    }
    transform(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        if (!this.fitted && this.mode === 'value')
            this.fit(x);
        this.assertFitted();
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        const o = (0, matrix_1.allocOutput)(x, m.rows, m.cols);
        const out = o.data;
        out.set(m.data);
        const lo = this.lower, hi = this.upper;
        for (let i = 0; i < out.length; i++) {
            const j = i % m.cols;
            const v = out[i];
            if (v < lo[j])
                out[i] = lo[j];
            else if (v > hi[j])
                out[i] = hi[j];
        }
        return o.result();
    }
    toJSON() {
        return {
            type: this.type, version: 1,
            config: { ...this.options },
            state: this.fitted ? { lower: (0, base_1.numsToJSON)(this.lower), upper: (0, base_1.numsToJSON)(this.upper) } : null,
        };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'Clipper');
        const c = new Clipper(j.config);
        if (j.state) {
            c.lower = (0, base_1.numsFromJSON)(j.state.lower);
            c.upper = (0, base_1.numsFromJSON)(j.state.upper);
        }
        return c;
    }
}
exports.Clipper = Clipper;
/** One-shot clipping: `new Clipper(opts).fitTransform(x)`. */
function clipOutliers(x, opts) {
    return new Clipper(opts).fitTransform(x);
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Normalizer = exports.RobustScaler = exports.StandardScaler = exports.MinMaxScaler = void 0;
/**
 * Column scalers matching scikit-learn 1.2: MinMaxScaler, StandardScaler, RobustScaler, and the
 * row-wise Normalizer. NaN values are ignored when fitting and passed through by transform.
 */
const validate_1 = require("../../core/validate");
const matrix_1 = require("../matrix");
const base_1 = require("./base");
const EPS = 2.220446049250313e-16;
/** Per-column affine map out = (x - shift) / scale, or back: out = x * scale + shift. */
function affine(x, m, shift, scale, inverse) {
    const { rows, cols, data } = m;
    const sh = shift ?? new Float64Array(cols);
    const sc = scale ?? new Float64Array(cols).fill(1);
    const o = (0, matrix_1.allocOutput)(x, rows, cols);
    const out = o.data;
    for (let i = 0; i < rows; i++) {
        const r = i * cols;
        if (inverse)
            for (let j = 0; j < cols; j++)
                out[r + j] = data[r + j] * sc[j] + sh[j];
        else
            for (let j = 0; j < cols; j++)
                out[r + j] = (data[r + j] - sh[j]) / sc[j];
    }
    return o.result();
}
/** sklearn's _handle_zeros_in_scale: tiny scales become 1. */
function handleZeros(scale, mask) {
    for (let j = 0; j < scale.length; j++) {
        if (mask ? mask[j] : scale[j] < 10 * EPS)
            scale[j] = 1;
    }
    return scale;
}
function assertRange(v, name) {
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number'
        || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
        throw new TypeError((0, validate_1.expected)('[min, max] pair of finite numbers', name, (0, validate_1.describe)(v)));
    }
    if (!(v[0] < v[1]))
        throw new RangeError((0, validate_1.expected)('[min, max] with min < max', name, `[${v[0]}, ${v[1]}]`));
}
/** Scales each feature to featureRange: x * scale + min, with scale = (hi - lo) / (max - min). */
class MinMaxScaler extends base_1.NumericPreprocessor {
    type = 'MinMaxScaler';
    featureRange;
    clip;
    dataMin = null;
    dataMax = null;
    scale = null;
    min = null;
    constructor(opts = {}) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const range = opts.featureRange ?? [0, 1];
        assertRange(range, 'featureRange');
        this.featureRange = [range[0], range[1]];
        const clip = opts.clip ?? false;
        (0, validate_1.assertBoolean)(clip, 'clip');
        this.clip = clip;
    }
    get fitted() { return this.scale !== null; }
    get nFeatures() { return this.scale ? this.scale.length : 0; }
    fit(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        // One row-major pass (NaN never wins a comparison, so it is skipped).
        const lo = new Float64Array(m.cols).fill(Infinity);
        const hi = new Float64Array(m.cols).fill(-Infinity);
        const { rows, cols, data } = m;
        for (let i = 0; i < rows; i++) {
            const o = i * cols;
            for (let j = 0; j < cols; j++) {
                const v = data[o + j];
                if (v < lo[j])
                    lo[j] = v;
                if (v > hi[j])
                    hi[j] = v;
            }
        }
        for (let j = 0; j < cols; j++)
            if (lo[j] === Infinity && hi[j] === -Infinity) {
                lo[j] = NaN;
                hi[j] = NaN;
            }
        const [fmin, fmax] = this.featureRange;
        const range = handleZeros(hi.map((v, j) => v - lo[j]));
        this.dataMin = lo;
        this.dataMax = hi;
        this.scale = range.map((r) => (fmax - fmin) / r);
        this.min = lo.map((v, j) => fmin - v * this.scale[j]);
        return this;
    }
    transform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        const o = (0, matrix_1.allocOutput)(x, m.rows, m.cols);
        const out = o.data;
        const [fmin, fmax] = this.featureRange;
        const s = this.scale, mn = this.min;
        for (let i = 0; i < m.rows; i++) {
            for (let j = 0; j < m.cols; j++) {
                let v = m.data[i * m.cols + j] * s[j] + mn[j];
                if (this.clip)
                    v = v < fmin ? fmin : v > fmax ? fmax : v;
                out[i * m.cols + j] = v;
            }
        }
        return o.result();
    }
    inverseTransform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        return affine(x, m, this.min, this.scale, false);
    }
    toJSON() {
        return {
            type: this.type, version: 1,
            config: { featureRange: this.featureRange, clip: this.clip },
            state: this.fitted ? {
                dataMin: (0, base_1.numsToJSON)(this.dataMin), dataMax: (0, base_1.numsToJSON)(this.dataMax),
                scale: (0, base_1.numsToJSON)(this.scale), min: (0, base_1.numsToJSON)(this.min),
            } : null,
        };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'MinMaxScaler');
        const s = new MinMaxScaler(j.config);
        if (j.state) {
            s.dataMin = (0, base_1.numsFromJSON)(j.state.dataMin);
            s.dataMax = (0, base_1.numsFromJSON)(j.state.dataMax);
            s.scale = (0, base_1.numsFromJSON)(j.state.scale);
            s.min = (0, base_1.numsFromJSON)(j.state.min);
        }
        return s;
    }
}
exports.MinMaxScaler = MinMaxScaler;
/** z-score per feature: (x - mean) / std, population std (ddof 0) like scikit-learn. */
class StandardScaler extends base_1.NumericPreprocessor {
    type = 'StandardScaler';
    withMean;
    withStd;
    mean = null;
    var = null;
    scale = null;
    nSamplesSeen = null;
    constructor(opts = {}) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const withMean = opts.withMean ?? true;
        const withStd = opts.withStd ?? true;
        (0, validate_1.assertBoolean)(withMean, 'withMean');
        (0, validate_1.assertBoolean)(withStd, 'withStd');
        this.withMean = withMean;
        this.withStd = withStd;
    }
    get fitted() { return this.nSamplesSeen !== null; }
    get nFeatures() { return this.nSamplesSeen ? this.nSamplesSeen.length : 0; }
    fit(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        // Two row-major passes (mean, then centered squares with sklearn's correction term), NaN skipped.
        const { rows, cols, data } = m;
        const mean = new Float64Array(cols);
        const variance = new Float64Array(cols);
        const count = new Float64Array(cols);
        for (let i = 0; i < rows; i++) {
            const r = i * cols;
            for (let j = 0; j < cols; j++) {
                const v = data[r + j];
                if (v === v) {
                    mean[j] += v;
                    count[j]++;
                }
            }
        }
        for (let j = 0; j < cols; j++)
            mean[j] = count[j] > 0 ? mean[j] / count[j] : NaN;
        const corr = new Float64Array(cols);
        for (let i = 0; i < rows; i++) {
            const r = i * cols;
            for (let j = 0; j < cols; j++) {
                const v = data[r + j];
                if (v === v) {
                    const d = v - mean[j];
                    variance[j] += d * d;
                    corr[j] += d;
                }
            }
        }
        for (let j = 0; j < cols; j++) {
            const n = count[j];
            variance[j] = n > 0 ? (variance[j] - (corr[j] * corr[j]) / n) / n : NaN;
        }
        this.nSamplesSeen = count;
        this.mean = this.withMean || this.withStd ? mean : null;
        if (this.withStd) {
            this.var = variance;
            // sklearn's _is_constant_feature: var <= n * eps * var + (n * mean * eps)^2
            const constant = Array.from(variance, (v, j) => v <= count[j] * EPS * v + (count[j] * mean[j] * EPS) ** 2);
            this.scale = handleZeros(variance.map(Math.sqrt), constant);
        }
        else {
            this.var = null;
            this.scale = null;
        }
        return this;
    }
    transform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        return affine(x, m, this.withMean ? this.mean : null, this.scale, false);
    }
    inverseTransform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        return affine(x, m, this.withMean ? this.mean : null, this.scale, true);
    }
    toJSON() {
        return {
            type: this.type, version: 1,
            config: { withMean: this.withMean, withStd: this.withStd },
            state: this.fitted ? {
                mean: (0, base_1.numsToJSON)(this.mean), var: (0, base_1.numsToJSON)(this.var), scale: (0, base_1.numsToJSON)(this.scale),
                nSamplesSeen: (0, base_1.numsToJSON)(this.nSamplesSeen),
            } : null,
        };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'StandardScaler');
        const s = new StandardScaler(j.config);
        if (j.state) {
            s.mean = (0, base_1.numsFromJSON)(j.state.mean);
            s.var = (0, base_1.numsFromJSON)(j.state.var);
            s.scale = (0, base_1.numsFromJSON)(j.state.scale);
            s.nSamplesSeen = (0, base_1.numsFromJSON)(j.state.nSamplesSeen);
        }
        return s;
    }
}
exports.StandardScaler = StandardScaler;
/** (x - median) / (q_hi - q_lo), percentiles by numpy's linear interpolation, NaN ignored. */
class RobustScaler extends base_1.NumericPreprocessor {
    type = 'RobustScaler';
    withCentering;
    withScaling;
    quantileRange;
    center = null;
    scale = null;
    nFeat = -1;
    constructor(opts = {}) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const withCentering = opts.withCentering ?? true;
        const withScaling = opts.withScaling ?? true;
        (0, validate_1.assertBoolean)(withCentering, 'withCentering');
        (0, validate_1.assertBoolean)(withScaling, 'withScaling');
        this.withCentering = withCentering;
        this.withScaling = withScaling;
        const q = opts.quantileRange ?? [25, 75];
        assertRange(q, 'quantileRange');
        if (q[0] < 0 || q[1] > 100) {
            throw new RangeError((0, validate_1.expected)('[lo, hi] with 0 <= lo < hi <= 100', 'quantileRange', `[${q[0]}, ${q[1]}]`));
        }
        this.quantileRange = [q[0], q[1]];
    }
    get fitted() { return this.nFeat >= 0; }
    get nFeatures() { return Math.max(this.nFeat, 0); }
    fit(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        const center = new Float64Array(m.cols);
        const scale = new Float64Array(m.cols);
        const sorted = (0, matrix_1.sortedColumns)(m);
        for (let j = 0; j < m.cols; j++) {
            const s = sorted[j];
            center[j] = (0, matrix_1.percentileSorted)(s, 50);
            scale[j] = (0, matrix_1.percentileSorted)(s, this.quantileRange[1]) - (0, matrix_1.percentileSorted)(s, this.quantileRange[0]);
        }
        this.center = this.withCentering ? center : null;
        this.scale = this.withScaling ? handleZeros(scale) : null;
        this.nFeat = m.cols;
        return this;
    }
    transform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        return affine(x, m, this.center, this.scale, false);
    }
    inverseTransform(x) {
        this.assertFitted();
        const m = (0, matrix_1.toMatrix)(x, 'x');
        (0, matrix_1.checkCols)(m, this.nFeatures, 'x', this.type);
        return affine(x, m, this.center, this.scale, true);
    }
    toJSON() {
        return {
            type: this.type, version: 1,
            config: { withCentering: this.withCentering, withScaling: this.withScaling, quantileRange: this.quantileRange },
            state: this.fitted ? { nFeatures: this.nFeat, center: (0, base_1.numsToJSON)(this.center), scale: (0, base_1.numsToJSON)(this.scale) } : null,
        };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'RobustScaler');
        const s = new RobustScaler(j.config);
        if (j.state) {
            s.nFeat = Number(j.state.nFeatures);
            s.center = (0, base_1.numsFromJSON)(j.state.center);
            s.scale = (0, base_1.numsFromJSON)(j.state.scale);
        }
        return s;
    }
}
exports.RobustScaler = RobustScaler;
/** Scales each row to unit norm (l1, l2 or max of |x|); all-zero rows stay zero. Stateless. */
class Normalizer extends base_1.NumericPreprocessor {
    type = 'Normalizer';
    norm;
    nFeat = -1;
    constructor(opts = {}) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const norm = opts.norm ?? 'l2';
        (0, validate_1.assertOneOf)(norm, 'norm', ['l1', 'l2', 'max']);
        this.norm = norm;
    }
    get fitted() { return this.nFeat >= 0; }
    fit(x) {
        this.nFeat = (0, matrix_1.toMatrix)(x, 'x').cols;
        return this;
    }
    transform(x) {
        const m = (0, matrix_1.toMatrix)(x, 'x');
        if (this.fitted)
            (0, matrix_1.checkCols)(m, this.nFeat, 'x', this.type);
        const o = (0, matrix_1.allocOutput)(x, m.rows, m.cols);
        const out = o.data;
        for (let i = 0; i < m.rows; i++) {
            const r = i * m.cols;
            let n = 0;
            for (let j = 0; j < m.cols; j++) {
                const v = m.data[r + j];
                if (this.norm === 'l1')
                    n += Math.abs(v);
                else if (this.norm === 'l2')
                    n += v * v;
                else
                    n = Math.max(n, Math.abs(v));
            }
            if (this.norm === 'l2')
                n = Math.sqrt(n);
            if (n < 10 * EPS)
                n = 1;
            for (let j = 0; j < m.cols; j++)
                out[r + j] = m.data[r + j] / n;
        }
        return o.result();
    }
    toJSON() {
        return { type: this.type, version: 1, config: { norm: this.norm }, state: this.fitted ? { nFeatures: this.nFeat } : null };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'Normalizer');
        const s = new Normalizer(j.config);
        if (j.state)
            s.nFeat = Number(j.state.nFeatures);
        return s;
    }
}
exports.Normalizer = Normalizer;

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WeightedRandomSampler = void 0;
/**
 * Samplers decide which dataset rows an epoch visits and in what order; a DataLoader with a
 * `sampler` uses it instead of its own shuffle. WeightedRandomSampler draws rows with
 * probability proportional to their weight (oversampling rare classes), like PyTorch's.
 */
const validate_1 = require("../core/validate");
const random_1 = require("../core/random");
const weights_1 = require("./weights");
class WeightedRandomSampler {
    length;
    sourceLength;
    replacement;
    weights;
    cdf;
    rng;
    constructor(weights, numSamples, opts = {}) {
        if (!ArrayBuffer.isView(weights) && !Array.isArray(weights))
            (0, validate_1.typeError)('array of weights', 'weights', weights);
        (0, validate_1.assertPositiveInteger)(numSamples, 'numSamples');
        (0, validate_1.assertPlainObject)(opts, 'options');
        const replacement = opts.replacement ?? true;
        (0, validate_1.assertBoolean)(replacement, 'replacement');
        const w = Float64Array.from(weights);
        let positive = 0;
        for (let i = 0; i < w.length; i++) {
            if (!(w[i] >= 0) || !Number.isFinite(w[i])) {
                throw new RangeError((0, validate_1.expected)('non-negative finite weight', `weights[${i}]`, (0, validate_1.describe)(weights[i])));
            }
            if (w[i] > 0)
                positive++;
        }
        if (positive === 0)
            throw new RangeError((0, validate_1.expected)('at least one positive weight', 'weights', 'all zeros'));
        if (!replacement && numSamples > positive) {
            throw new RangeError((0, validate_1.expected)(`numSamples <= ${positive} (positive weights) without replacement`, 'numSamples', (0, validate_1.describe)(numSamples)));
        }
        this.weights = w;
        this.cdf = new Float64Array(w.length);
        let s = 0;
        for (let i = 0; i < w.length; i++) {
            s += w[i];
            this.cdf[i] = s;
        }
        this.length = numSamples;
        this.sourceLength = w.length;
        this.replacement = replacement;
        this.rng = opts.seed !== undefined ? new random_1.Rng(opts.seed) : random_1.globalRng.fork();
    }
    /** Weights from balanced class weights, so each class is drawn about equally often. */
    static balanced(labels, opts = {}) {
        const w = (0, weights_1.computeSampleWeights)(labels, 'balanced');
        const { numSamples, ...rest } = opts;
        return new WeightedRandomSampler(w, numSamples ?? w.length, rest);
    }
    indices() {
        const n = this.length;
        const out = new Int32Array(n);
        if (this.replacement) {
            const total = this.cdf[this.cdf.length - 1];
            for (let k = 0; k < n; k++) {
                const u = this.rng.uniform() * total;
                // First index whose cumulative weight exceeds u (zero-weight rows are never chosen).
                let lo = 0, hi = this.cdf.length - 1;
                while (lo < hi) {
                    const mid = (lo + hi) >> 1;
                    if (this.cdf[mid] > u)
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                out[k] = lo;
            }
            return out;
        }
        // Without replacement: Efraimidis-Spirakis keys u^(1/w), the n largest.
        const keys = [];
        for (let i = 0; i < this.weights.length; i++) {
            if (this.weights[i] > 0)
                keys.push({ i, k: Math.log(this.rng.uniform() || Number.MIN_VALUE) / this.weights[i] });
        }
        keys.sort((a, b) => b.k - a.k);
        for (let k = 0; k < n; k++)
            out[k] = keys[k].i;
        return out;
    }
}
exports.WeightedRandomSampler = WeightedRandomSampler;

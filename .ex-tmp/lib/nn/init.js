"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.INIT_NAMES = void 0;
exports.calculateGain = calculateGain;
exports.fans = fans;
exports.constant = constant;
exports.zeros = zeros;
exports.ones = ones;
exports.uniform = uniform;
exports.normal = normal;
exports.truncatedNormal = truncatedNormal;
exports.xavierUniform = xavierUniform;
exports.xavierNormal = xavierNormal;
exports.kaimingUniform = kaimingUniform;
exports.kaimingNormal = kaimingNormal;
exports.lecunUniform = lecunUniform;
exports.lecunNormal = lecunNormal;
exports.orthogonal = orthogonal;
exports.byName = byName;
const check_1 = require("../tensor/check");
const native_1 = require("../native");
const seed_1 = require("../core/seed");
const random_1 = require("../core/random");
const validate_1 = require("../core/validate");
const NONLINEARITIES = ['linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu', 'gelu', 'silu'];
/** Recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
function calculateGain(nonlinearity, param) {
    (0, validate_1.assertOneOf)(nonlinearity, 'nonlinearity', NONLINEARITIES);
    switch (nonlinearity) {
        case 'tanh': return 5 / 3;
        case 'relu':
        case 'gelu':
        case 'silu': return Math.SQRT2;
        case 'leakyRelu': {
            const slope = param ?? 0.01;
            return Math.sqrt(2 / (1 + slope * slope));
        }
        case 'selu': return 3 / 4;
        default: return 1;
    }
}
function target(t, name = 'tensor') {
    (0, check_1.assertTensor)(t, name, 'float32');
    return t;
}
/** fanIn and fanOut of a weight tensor (rank >= 2). */
function fans(t) {
    if (t.shape.length < 2) {
        throw new RangeError((0, validate_1.expected)('tensor with at least 2 dimensions (fan in/out are undefined for fewer)', 'tensor', `shape ${(0, validate_1.fmtShape)(t.shape)}`));
    }
    let receptive = 1;
    for (let i = 2; i < t.shape.length; i++)
        receptive *= t.shape[i];
    return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}
function constant(t, value) {
    target(t);
    (0, validate_1.assertFinite)(value, 'value');
    native_1.native.fillF32(t.data, t.size, value);
    return t;
}
function zeros(t) {
    return constant(t, 0);
}
function ones(t) {
    return constant(t, 1);
}
function uniform(t, opts = {}) {
    target(t);
    const low = opts.low ?? 0;
    const high = opts.high ?? 1;
    (0, validate_1.assertFinite)(low, 'low');
    (0, validate_1.assertFinite)(high, 'high');
    if (!(high >= low))
        throw new RangeError((0, validate_1.expected)(`number >= low (${low})`, 'high', (0, validate_1.describe)(high)));
    const s = (0, seed_1.takeNativeStream)(t.size);
    native_1.native.rngUniform(t.data, t.size, s.hi, s.lo, s.offset, low, high);
    return t;
}
function normal(t, opts = {}) {
    target(t);
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    (0, validate_1.assertFinite)(mean, 'mean');
    (0, validate_1.assertFinite)(std, 'std');
    if (std < 0)
        throw new RangeError((0, validate_1.expected)('non-negative number', 'std', (0, validate_1.describe)(std)));
    const s = (0, seed_1.takeNativeStream)(t.size);
    native_1.native.rngNormal(t.data, t.size, s.hi, s.lo, s.offset, mean, std);
    return t;
}
/** Normal(mean, std) redrawn until inside [a, b] (defaults: mean -/+ 2 std). */
function truncatedNormal(t, opts = {}) {
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    const a = opts.a ?? mean - 2 * std;
    const b = opts.b ?? mean + 2 * std;
    (0, validate_1.assertFinite)(a, 'a');
    (0, validate_1.assertFinite)(b, 'b');
    if (!(b > a))
        throw new RangeError((0, validate_1.expected)(`number > a (${a})`, 'b', (0, validate_1.describe)(b)));
    normal(t, { mean, std });
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
        let v = d[i];
        let tries = 0;
        while ((v < a || v > b) && tries++ < 1000)
            v = mean + std * random_1.globalRng.normal();
        d[i] = v < a || v > b ? Math.min(b, Math.max(a, v)) : v;
    }
    return t;
}
function xavierUniform(t, opts = {}) {
    const { fanIn, fanOut } = fans(target(t));
    const gain = opts.gain ?? 1;
    const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
    return uniform(t, { low: -bound, high: bound });
}
function xavierNormal(t, opts = {}) {
    const { fanIn, fanOut } = fans(target(t));
    const gain = opts.gain ?? 1;
    return normal(t, { std: gain * Math.sqrt(2 / (fanIn + fanOut)) });
}
function kaimingStd(t, opts) {
    const mode = opts.mode ?? 'fanIn';
    (0, validate_1.assertOneOf)(mode, 'mode', ['fanIn', 'fanOut']);
    const nl = opts.nonlinearity ?? 'relu';
    const { fanIn, fanOut } = fans(target(t));
    const gain = calculateGain(nl, opts.a ?? 0);
    return gain / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}
/** He/Kaiming uniform: U(-b, b), b = gain * sqrt(3 / fan). */
function kaimingUniform(t, opts = {}) {
    const bound = Math.sqrt(3) * kaimingStd(t, opts);
    return uniform(t, { low: -bound, high: bound });
}
/** He/Kaiming normal: N(0, gain / sqrt(fan)). */
function kaimingNormal(t, opts = {}) {
    return normal(t, { std: kaimingStd(t, opts) });
}
/** LeCun uniform: U(-b, b), b = sqrt(3 / fanIn). */
function lecunUniform(t) {
    const { fanIn } = fans(target(t));
    const bound = Math.sqrt(3 / fanIn);
    return uniform(t, { low: -bound, high: bound });
}
/** LeCun normal: N(0, 1 / sqrt(fanIn)). */
function lecunNormal(t) {
    const { fanIn } = fans(target(t));
    return normal(t, { std: 1 / Math.sqrt(fanIn) });
}
/** (Semi-)orthogonal matrix scaled by gain: Gram-Schmidt on a seeded normal matrix. */
function orthogonal(t, opts = {}) {
    target(t);
    if (t.shape.length < 2) {
        throw new RangeError((0, validate_1.expected)('tensor with at least 2 dimensions', 'tensor', `shape ${(0, validate_1.fmtShape)(t.shape)}`));
    }
    const gain = opts.gain ?? 1;
    const rows = t.shape[0];
    const cols = t.size / rows;
    // Orthonormalize the vectors along the longer side: work on (k, len) with k <= len.
    const transposed = rows > cols;
    const k = transposed ? cols : rows;
    const len = transposed ? rows : cols;
    normal(t);
    const src = t.data;
    const q = new Float64Array(k * len);
    for (let i = 0; i < k; i++) {
        for (let j = 0; j < len; j++)
            q[i * len + j] = transposed ? src[j * cols + i] : src[i * cols + j];
    }
    for (let i = 0; i < k; i++) {
        for (let p = 0; p < i; p++) {
            let dot = 0;
            for (let j = 0; j < len; j++)
                dot += q[i * len + j] * q[p * len + j];
            for (let j = 0; j < len; j++)
                q[i * len + j] -= dot * q[p * len + j];
        }
        let norm = 0;
        for (let j = 0; j < len; j++)
            norm += q[i * len + j] ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let j = 0; j < len; j++)
            q[i * len + j] /= norm;
    }
    for (let i = 0; i < k; i++) {
        for (let j = 0; j < len; j++) {
            const v = gain * q[i * len + j];
            if (transposed)
                src[j * cols + i] = v;
            else
                src[i * cols + j] = v;
        }
    }
    return t;
}
exports.INIT_NAMES = ['zeros', 'ones', 'uniform', 'normal', 'truncatedNormal', 'xavierUniform',
    'xavierNormal', 'glorotUniform', 'glorotNormal', 'kaimingUniform', 'kaimingNormal', 'heUniform', 'heNormal',
    'lecunUniform', 'lecunNormal', 'orthogonal'];
/** Applies an initializer by name (Keras-style aliases glorot* and he* included). */
function byName(name, t, nonlinearity) {
    (0, validate_1.assertOneOf)(name, 'init', exports.INIT_NAMES);
    const isHe = name === 'kaimingUniform' || name === 'kaimingNormal' || name === 'heUniform' || name === 'heNormal';
    // He initializers assume ReLU by default; the others use gain 1 unless a nonlinearity is given.
    nonlinearity = nonlinearity ?? (isHe ? 'relu' : 'linear');
    switch (name) {
        case 'zeros': return zeros(t);
        case 'ones': return ones(t);
        case 'uniform': return uniform(t, { low: -0.05, high: 0.05 });
        case 'normal': return normal(t, { std: 0.05 });
        case 'truncatedNormal': return truncatedNormal(t, { std: 0.05 });
        case 'xavierUniform':
        case 'glorotUniform': return xavierUniform(t, { gain: calculateGain(nonlinearity) });
        case 'xavierNormal':
        case 'glorotNormal': return xavierNormal(t, { gain: calculateGain(nonlinearity) });
        case 'kaimingUniform':
        case 'heUniform': return kaimingUniform(t, { nonlinearity });
        case 'kaimingNormal':
        case 'heNormal': return kaimingNormal(t, { nonlinearity });
        case 'lecunUniform': return lecunUniform(t);
        case 'lecunNormal': return lecunNormal(t);
        case 'orthogonal': return orthogonal(t, { gain: calculateGain(nonlinearity) });
    }
}

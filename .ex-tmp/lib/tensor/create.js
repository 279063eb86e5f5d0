"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_ELEMENTS = void 0;
exports.empty = empty;
exports.isDetached = isDetached;
exports.tensor = tensor;
exports.fromArray = fromArray;
exports.full = full;
exports.zeros = zeros;
exports.ones = ones;
exports.zerosLike = zerosLike;
exports.onesLike = onesLike;
exports.rand = rand;
exports.randn = randn;
exports.arange = arange;
exports.eye = eye;
/** Tensor creation: from JS values, constants, ranges and seeded random streams. */
const native_1 = require("../native");
const tensor_1 = require("./tensor");
const storage_1 = require("./storage");
const seed_1 = require("../core/seed");
const validate_1 = require("../core/validate");
const DTYPES = ['float32', 'int32'];
/** Largest element count one tensor may have (2^31 - 1, the int32 index range of kernels). */
exports.MAX_ELEMENTS = 2147483647;
function options(opts) {
    if (opts === undefined)
        return { dtype: 'float32', requiresGrad: false };
    (0, validate_1.assertPlainObject)(opts, 'options');
    const o = opts;
    const dtype = o.dtype ?? 'float32';
    (0, validate_1.assertOneOf)(dtype, 'dtype', DTYPES);
    if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') {
        throw new TypeError((0, validate_1.expected)('boolean', 'requiresGrad', (0, validate_1.describe)(o.requiresGrad)));
    }
    if (o.requiresGrad && dtype !== 'float32') {
        throw new TypeError((0, validate_1.expected)('float32 dtype (only float tensors can require grad)', 'dtype', `'${dtype}'`));
    }
    return { dtype, requiresGrad: o.requiresGrad ?? false };
}
function checkedShape(shape, name = 'shape') {
    if (typeof shape === 'number')
        shape = [shape];
    (0, validate_1.assertShape)(shape, name);
    const n = (0, tensor_1.shapeSize)(shape);
    if (n > exports.MAX_ELEMENTS) {
        throw new RangeError((0, validate_1.expected)(`at most ${exports.MAX_ELEMENTS} elements`, name, `${(0, validate_1.fmtShape)(shape)} (${n} elements)`));
    }
    return shape.slice();
}
function make(shape, o) {
    const t = new tensor_1.Tensor(shape, o.dtype, new storage_1.Storage((0, tensor_1.shapeSize)(shape) * 4));
    t.requiresGrad = o.requiresGrad;
    return t;
}
/** An uninitialized float32 tensor (internal: kernels overwrite it). */
function empty(shape, dtype = 'float32') {
    return new tensor_1.Tensor(shape, dtype, new storage_1.Storage((0, tensor_1.shapeSize)(shape) * 4));
}
/** Infers the shape of nested arrays, checking they are rectangular and numeric. */
function inferShape(values) {
    const shape = [];
    let v = values;
    while (Array.isArray(v)) {
        shape.push(v.length);
        if (v.length === 0)
            break;
        v = v[0];
    }
    if (ArrayBuffer.isView(v))
        shape.push(v.length);
    return shape;
}
function flatten(values, shape, out) {
    let k = 0;
    const walk = (v, dim, path) => {
        if (dim === shape.length) {
            if (typeof v !== 'number') {
                throw new TypeError((0, validate_1.expected)('number', `values[${path.join('][')}]`, (0, validate_1.describe)(v)));
            }
            out[k++] = v;
            return;
        }
        const isArr = Array.isArray(v) || (ArrayBuffer.isView(v) && dim === shape.length - 1);
        const len = isArr ? v.length : -1;
        if (!isArr || len !== shape[dim]) {
            const where = path.length ? `values[${path.join('][')}]` : 'values';
            throw new RangeError((0, validate_1.expected)(`rectangular nested arrays (length ${shape[dim]} at depth ${dim})`, where, isArr ? `length ${len}` : (0, validate_1.describe)(v)));
        }
        for (let i = 0; i < len; i++)
            walk(v[i], dim + 1, [...path, i]);
    };
    walk(values, 0, []);
}
/** True for an ArrayBuffer that was transferred or freed (views on it read as empty). */
function isDetached(buf) {
    if (buf.byteLength !== 0)
        return false;
    try {
        new Uint8Array(buf, 0, 0);
        return false;
    }
    catch {
        return true;
    }
}
/** A tensor from a number, nested arrays, or a typed array (1-D). Float32 unless dtype says int32. */
function tensor(values, opts) {
    const o = options(opts);
    if (typeof values === 'number') {
        const t = make([], o);
        t.data[0] = values;
        return t;
    }
    if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
        throw new TypeError((0, validate_1.expected)('number, nested arrays of numbers, or a typed array', 'values', (0, validate_1.describe)(values)));
    }
    if (ArrayBuffer.isView(values))
        return fromArray(values, [values.length], opts);
    const shape = checkedShape(inferShape(values), 'values shape');
    const t = make(shape, o);
    try {
        flatten(values, shape, t.data);
    }
    catch (e) {
        t.dispose();
        throw e;
    }
    return t;
}
/** Copies a typed array (or plain array) into a new tensor of the given shape. */
function fromArray(data, shape, opts) {
    const o = options(opts ?? (data instanceof Int32Array ? { dtype: 'int32' } : undefined));
    const isTyped = ArrayBuffer.isView(data) && !(data instanceof DataView);
    if (!isTyped && !Array.isArray(data)) {
        throw new TypeError((0, validate_1.expected)('Float32Array, Int32Array, typed array or array of numbers', 'data', (0, validate_1.describe)(data)));
    }
    if (isTyped && isDetached(data.buffer)) {
        throw new TypeError((0, validate_1.expected)('typed array with an attached buffer', 'data', 'a detached buffer'));
    }
    const arr = data;
    const s = shape === undefined ? [arr.length] : checkedShape(shape);
    const n = (0, tensor_1.shapeSize)(s);
    if (n !== arr.length) {
        throw new RangeError((0, validate_1.expected)(`data of length ${n} (the size of shape ${(0, validate_1.fmtShape)(s)})`, 'data', `length ${arr.length}`));
    }
    const t = make(s, o);
    const out = t.data;
    if (Array.isArray(arr)) {
        for (let i = 0; i < n; i++) {
            const v = arr[i];
            if (typeof v !== 'number') {
                t.dispose();
                throw new TypeError((0, validate_1.expected)('number', `data[${i}]`, (0, validate_1.describe)(v)));
            }
            out[i] = v;
        }
    }
    else {
        out.set(arr);
    }
    return t;
}
/** A tensor filled with `value`. */
function full(shape, value, opts) {
    const o = options(opts);
    const s = checkedShape(shape);
    if (typeof value !== 'number')
        throw new TypeError((0, validate_1.expected)('number', 'value', (0, validate_1.describe)(value)));
    if (o.dtype === 'int32' && !Number.isInteger(value)) {
        throw new RangeError((0, validate_1.expected)('integer (dtype is int32)', 'value', (0, validate_1.describe)(value)));
    }
    const t = make(s, o);
    if (o.dtype === 'float32')
        native_1.native.fillF32(t.data, t.size, value);
    else
        native_1.native.fillI32(t.data, t.size, value);
    return t;
}
function zeros(shape, opts) {
    return full(shape, 0, opts);
}
function ones(shape, opts) {
    return full(shape, 1, opts);
}
function zerosLike(t, opts) {
    return full(t.shape.slice(), 0, { dtype: t.dtype, ...opts });
}
function onesLike(t, opts) {
    return full(t.shape.slice(), 1, { dtype: t.dtype, ...opts });
}
/** Uniform random in [low, high) from the seeded native stream. */
function rand(shape, opts = {}) {
    const { low = 0, high = 1, ...rest } = opts;
    (0, validate_1.assertFinite)(low, 'low');
    (0, validate_1.assertFinite)(high, 'high');
    if (!(high > low))
        throw new RangeError((0, validate_1.expected)(`high > low (${low})`, 'high', (0, validate_1.describe)(high)));
    const o = options(rest);
    if (o.dtype !== 'float32')
        throw new TypeError((0, validate_1.expected)("'float32'", 'dtype', `'${o.dtype}'`));
    const t = make(checkedShape(shape), o);
    const st = (0, seed_1.takeNativeStream)(t.size);
    native_1.native.rngUniform(t.data, t.size, st.hi, st.lo, st.offset, low, high);
    return t;
}
/** Normal random (mean, std) from the seeded native stream. */
function randn(shape, opts = {}) {
    const { mean = 0, std = 1, ...rest } = opts;
    (0, validate_1.assertFinite)(mean, 'mean');
    (0, validate_1.assertFinite)(std, 'std');
    if (std < 0)
        throw new RangeError((0, validate_1.expected)('non-negative number', 'std', (0, validate_1.describe)(std)));
    const o = options(rest);
    if (o.dtype !== 'float32')
        throw new TypeError((0, validate_1.expected)("'float32'", 'dtype', `'${o.dtype}'`));
    const t = make(checkedShape(shape), o);
    const st = (0, seed_1.takeNativeStream)(t.size);
    native_1.native.rngNormal(t.data, t.size, st.hi, st.lo, st.offset, mean, std);
    return t;
}
/** Values start, start+step, ... below stop (like numpy.arange). arange(n) = 0..n-1. */
function arange(start, stop, step = 1, opts) {
    if (stop === undefined) {
        stop = start;
        start = 0;
    }
    (0, validate_1.assertFinite)(start, 'start');
    (0, validate_1.assertFinite)(stop, 'stop');
    (0, validate_1.assertFinite)(step, 'step');
    if (step === 0)
        throw new RangeError((0, validate_1.expected)('non-zero number', 'step', (0, validate_1.describe)(step)));
    const n = Math.max(0, Math.ceil((stop - start) / step));
    const o = options(opts);
    const t = make(checkedShape([n]), o);
    if (o.dtype === 'float32')
        native_1.native.arangeF32(t.data, n, start, step);
    else
        for (let i = 0; i < n; i++)
            t.data[i] = start + i * step;
    return t;
}
/** Identity matrix n x m (m defaults to n). */
function eye(n, m = n, opts) {
    const o = options(opts);
    const s = checkedShape([n, m]);
    const t = make(s, o);
    if (o.dtype === 'float32')
        native_1.native.eyeF32(t.data, n, m);
    else {
        native_1.native.fillI32(t.data, t.size, 0);
        for (let i = 0; i < Math.min(n, m); i++)
            t.data[i * m + i] = 1;
    }
    return t;
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TensorDataset = void 0;
exports.checkLabels = checkLabels;
exports.fromTensors = fromTensors;
exports.readNested = readNested;
exports.fromArrays = fromArrays;
exports.fromObjects = fromObjects;
exports.subset = subset;
/**
 * In-memory datasets: x (N, ...features) float32 and optional y, either int32 class labels (N,)
 * or float32 targets (N, K). Built from tensors, nested arrays, typed arrays or
 * { input, output } objects; CSV, MNIST and IDX readers live in csv.ts and mnist.ts.
 *
 * Memory: a dataset built from arrays owns its tensors and dispose() frees them; a dataset made
 * by fromTensors() only borrows the caller's tensors (dispose() leaves them alone).
 */
const validate_1 = require("../core/validate");
const tensor_api_1 = require("./tensor-api");
const matrix_1 = require("./matrix");
/** The Dataset implementation used throughout lib/data. */
class TensorDataset {
    x;
    y;
    numClasses;
    featureNames;
    owned;
    constructor(x, y, info = {}) {
        this.x = x;
        this.y = y;
        this.numClasses = info.numClasses;
        this.featureNames = info.featureNames;
        this.owned = info.owned ?? true;
    }
    get length() {
        return this.x.shape[0];
    }
    /** Shape of one sample, e.g. [784] or [1, 28, 28]. */
    get sampleShape() {
        return this.x.shape.slice(1);
    }
    /** Frees x and y if this dataset made them (not for fromTensors). Safe to call twice. */
    dispose() {
        if (!this.owned)
            return;
        this.x.dispose();
        this.y?.dispose();
    }
}
exports.TensorDataset = TensorDataset;
/** Checks int32 labels (N,): integers in [0, numClasses). Returns numClasses. */
function checkLabels(labels, name, numClasses, locate = (i) => `${name}[${i}]`) {
    let max = -1;
    for (let i = 0; i < labels.length; i++) {
        const v = labels[i];
        const bad = !Number.isInteger(v) || v < 0 || (numClasses !== undefined && v >= numClasses);
        if (bad) {
            const what = numClasses !== undefined ? `integer label in [0, ${numClasses - 1}]` : 'non-negative integer label';
            throw new RangeError((0, validate_1.expected)(what, locate(i), (0, validate_1.describe)(v)));
        }
        if (v > max)
            max = v;
    }
    return numClasses ?? max + 1;
}
function checkY(x, y, numClasses) {
    if (y === undefined)
        return undefined;
    if (!(0, matrix_1.isTensor)(y))
        (0, validate_1.typeError)('Tensor', 'y', y);
    const n = x.shape[0];
    if (y.dtype === 'int32') {
        if (y.shape.length !== 1 || y.shape[0] !== n) {
            throw new RangeError((0, validate_1.expected)(`int32 labels of shape [${n}]`, 'y', `shape ${(0, validate_1.fmtShape)(y.shape)}`));
        }
        return checkLabels(y.data, 'y', numClasses);
    }
    if (y.shape.length !== 2 || y.shape[0] !== n) {
        throw new RangeError((0, validate_1.expected)(`float32 targets of shape [${n}, *] (or int32 labels [${n}])`, 'y', `shape ${(0, validate_1.fmtShape)(y.shape)}`));
    }
    return numClasses;
}
/** Wraps tensors without copying (the caller keeps ownership). */
function fromTensors(x, y, opts = {}) {
    if (!(0, matrix_1.isTensor)(x))
        (0, validate_1.typeError)('Tensor', 'x', x);
    (0, validate_1.assertPlainObject)(opts, 'options');
    if (x.dtype !== 'float32')
        throw new TypeError((0, validate_1.expected)('float32 tensor', 'x', `${x.dtype} tensor`));
    if (x.shape.length < 2)
        throw new RangeError((0, validate_1.expected)('tensor of shape [N, ...features]', 'x', `shape ${(0, validate_1.fmtShape)(x.shape)}`));
    if (opts.numClasses !== undefined)
        (0, validate_1.assertPositiveInteger)(opts.numClasses, 'numClasses');
    const numClasses = checkY(x, y, opts.numClasses);
    return new TensorDataset(x, y, { numClasses, owned: false });
}
/** Reads nested number arrays into a Float32Array; infers the shape from the first element. */
function readNested(v, name, missing) {
    const shape = [];
    let probe = v;
    while (Array.isArray(probe)) {
        shape.push(probe.length);
        probe = probe[0];
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    let k = 0;
    const walk = (a, depth, path) => {
        if (depth === shape.length) {
            if (typeof a === 'number' && !Number.isNaN(a)) {
                data[k++] = a;
                return;
            }
            const isMissing = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
            if (isMissing && missing === 'keep') {
                data[k++] = NaN;
                return;
            }
            if (isMissing) {
                throw new RangeError((0, validate_1.expected)("a number (missing values need { missing: 'keep' } and an imputer)", path, (0, validate_1.describe)(a)));
            }
            (0, validate_1.typeError)('number', path, a);
        }
        if (!Array.isArray(a))
            (0, validate_1.typeError)(`array of length ${shape[depth]}`, path, a);
        if (a.length !== shape[depth])
            throw new RangeError((0, validate_1.expected)(`array of length ${shape[depth]}`, path, (0, validate_1.describe)(a)));
        for (let i = 0; i < a.length; i++)
            walk(a[i], depth + 1, `${path}[${i}]`);
    };
    walk(v, 0, name);
    return { data, shape };
}
function buildY(y, n, opts) {
    const isTyped = y instanceof Int32Array || y instanceof Float32Array || y instanceof Float64Array;
    if (!isTyped && !Array.isArray(y))
        (0, validate_1.typeError)('array, Int32Array or Float32Array', 'y', y);
    const arr = y;
    if (arr.length !== n)
        throw new RangeError((0, validate_1.expected)(`${n} targets (one per sample of x)`, 'y', (0, validate_1.describe)(y)));
    if (Array.isArray(y) && n > 0 && Array.isArray(y[0])) {
        if (opts.yType === 'label')
            throw new TypeError((0, validate_1.expected)('1-D array of labels (yType \'label\')', 'y', 'a 2-D array'));
        const { data, shape } = readNested(y, 'y', 'error');
        return { y: (0, tensor_api_1.fromArray)(data, shape) };
    }
    for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (typeof v !== 'number')
            (0, validate_1.typeError)('number', `y[${i}]`, v);
        if (Number.isNaN(v))
            throw new RangeError((0, validate_1.expected)('a number', `y[${i}]`, (0, validate_1.describe)(v)));
    }
    const nums = arr;
    let yType = opts.yType;
    if (yType === undefined) {
        yType = y instanceof Int32Array ? 'label' : 'float';
        if (Array.isArray(y)) {
            let allInt = true;
            for (let i = 0; i < n && allInt; i++)
                allInt = Number.isInteger(nums[i]) && nums[i] >= 0;
            if (allInt)
                yType = 'label';
        }
    }
    if (yType === 'label') {
        const numClasses = checkLabels(nums, 'y', opts.numClasses);
        return { y: (0, tensor_api_1.fromArray)(Int32Array.from(nums), [n]), numClasses };
    }
    return { y: (0, tensor_api_1.fromArray)(Float32Array.from(nums), [n, 1]) };
}
/**
 * Copies arrays into a new dataset. x: nested arrays (N, ...) or a flat Float32Array with
 * opts.shape; y: labels (number[] of integers, Int32Array) or targets (number[][], number[]).
 */
function fromArrays(x, y, opts = {}) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    const missing = opts.missing ?? 'error';
    (0, validate_1.assertOneOf)(missing, 'missing', ['error', 'keep']);
    if (opts.yType !== undefined)
        (0, validate_1.assertOneOf)(opts.yType, 'yType', ['label', 'float']);
    if (opts.numClasses !== undefined)
        (0, validate_1.assertPositiveInteger)(opts.numClasses, 'numClasses');
    let data;
    let shape;
    if (x instanceof Float32Array || x instanceof Float64Array) {
        const len = x.length;
        if (opts.shape !== undefined) {
            shape = Array.from(opts.shape);
            const size = shape.reduce((a, b) => a * b, 1);
            if (size !== len || shape.length < 2) {
                throw new RangeError((0, validate_1.expected)(`shape [N, ...features] of size ${len}`, 'shape', (0, validate_1.fmtShape)(shape)));
            }
        }
        else {
            const n = y ? y.length : 0;
            if (!y || n === 0 || len % n !== 0) {
                throw new TypeError((0, validate_1.expected)('options.shape (x is a flat typed array)', 'shape', 'undefined'));
            }
            shape = [n, len / n];
        }
        data = x instanceof Float32Array ? x : Float32Array.from(x);
        if (missing === 'error') {
            for (let i = 0; i < len; i++) {
                if (Number.isNaN(data[i])) {
                    throw new RangeError((0, validate_1.expected)("a number (missing values need { missing: 'keep' } and an imputer)", `x[${i}]`, 'NaN of type number'));
                }
            }
        }
    }
    else {
        if (!Array.isArray(x))
            (0, validate_1.typeError)('array, Float32Array or Float64Array', 'x', x);
        if (x.length === 0)
            throw new RangeError((0, validate_1.expected)('at least one sample', 'x', 'an array of length 0'));
        ({ data, shape } = readNested(x, 'x', missing));
        if (shape.length < 2)
            throw new RangeError((0, validate_1.expected)('array of samples (N, ...features)', 'x', `shape ${(0, validate_1.fmtShape)(shape)}`));
    }
    let yt;
    if (y !== undefined)
        yt = buildY(y, shape[0], opts);
    return new TensorDataset((0, tensor_api_1.fromArray)(data, shape), yt?.y, { numClasses: yt?.numClasses });
}
/** brain.js-style [{ input: [...], output: [...] | label }] -> dataset. */
function fromObjects(items, opts = {}) {
    if (!Array.isArray(items))
        (0, validate_1.typeError)('array of { input, output } objects', 'items', items);
    if (items.length === 0)
        throw new RangeError((0, validate_1.expected)('at least one item', 'items', 'an array of length 0'));
    const hasOut = items[0]?.output !== undefined;
    const xs = [];
    const ys = [];
    items.forEach((it, i) => {
        if (!is(it))
            (0, validate_1.typeError)('{ input, output } object', `items[${i}]`, it);
        if ((it.output !== undefined) !== hasOut) {
            throw new TypeError((0, validate_1.expected)(hasOut ? 'an output (items[0] has one)' : 'no output (items[0] has none)', `items[${i}]`, (0, validate_1.describe)(it.output)));
        }
        xs.push(it.input);
        ys.push(it.output);
    });
    try {
        return fromArrays(xs, hasOut ? ys : undefined, opts);
    }
    catch (e) {
        // Rename x[i]/y[i] to items[i].input/items[i].output in messages.
        if (e instanceof Error) {
            e.message = e.message.replace(/for x\[(\d+)\]/, 'for items[$1].input').replace(/for y\[(\d+)\]/, 'for items[$1].output');
        }
        throw e;
    }
}
function is(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** A new dataset holding rows `indices` of `ds` (copied with the native row gather). */
function subset(ds, indices) {
    const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
    const n = ds.length;
    for (let i = 0; i < idx.length; i++) {
        if (!(idx[i] >= 0 && idx[i] < n))
            throw new RangeError((0, validate_1.expected)(`index in [0, ${n - 1}]`, `indices[${i}]`, (0, validate_1.describe)(idx[i])));
    }
    const x = (0, tensor_api_1.gatherRows)(ds.x, idx);
    const y = ds.y ? (0, tensor_api_1.gatherRows)(ds.y, idx) : undefined;
    const info = ds;
    return new TensorDataset(x, y, { numClasses: info.numClasses, featureNames: info.featureNames });
}

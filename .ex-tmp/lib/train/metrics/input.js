"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.toArrayLike = toArrayLike;
exports.assertFiniteValues = assertFiniteValues;
exports.assertSameRows = assertSameRows;
exports.assertNonEmpty = assertNonEmpty;
exports.toLabels = toLabels;
exports.argmaxRow = argmaxRow;
exports.toPredictedLabels = toPredictedLabels;
exports.toBinaryLabels = toBinaryLabels;
exports.checkNumClasses = checkNumClasses;
exports.inferNumClasses = inferNumClasses;
/**
 * Input normalization shared by every metric.
 *
 * Metrics accept plain arrays, typed arrays, nested (N, C) arrays, or anything tensor-like
 * ({ data, shape }, duck-typed so this file never imports lib/tensor). Everything is turned
 * into a flat ArrayLike<number> plus a shape, validated once, and then read by index.
 */
const validate_1 = require("../../core/validate");
const WHAT_INPUT = 'number array, typed array, (N, C) nested array or tensor';
function isTensorLike(x) {
    if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x))
        return false;
    const t = x;
    return ArrayBuffer.isView(t.data) && !(t.data instanceof DataView) && Array.isArray(t.shape);
}
/**
 * Normalizes one metric argument to a flat view with rank 1 or 2 (rank > 2 tensors are folded
 * to (shape[0], product of the rest)). Throws in the standard message format.
 */
function toArrayLike(x, name) {
    if (isTensorLike(x)) {
        const shape = x.shape;
        const size = shape.reduce((a, b) => a * b, 1);
        if (shape.some((d) => !Number.isInteger(d) || d < 0) || size !== x.data.length) {
            throw new RangeError((0, validate_1.expected)(`tensor whose shape matches its data length`, name, `shape [${shape.join(', ')}] with ${x.data.length} values`));
        }
        if (shape.length === 0)
            return view(x.data, [1]);
        if (shape.length === 1)
            return view(x.data, [shape[0]]);
        return view(x.data, [shape[0], shape[0] === 0 ? 0 : size / shape[0]]);
    }
    if (ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) &&
        !(x instanceof BigUint64Array)) {
        const a = x;
        return view(a, [a.length]);
    }
    if (Array.isArray(x)) {
        if (x.length > 0 && (Array.isArray(x[0]) || ArrayBuffer.isView(x[0]))) {
            const rows = x.length;
            const cols = x[0].length;
            const out = new Float64Array(rows * cols);
            for (let i = 0; i < rows; i++) {
                const r = x[i];
                if (!(Array.isArray(r) || ArrayBuffer.isView(r)) || r.length !== cols) {
                    throw new RangeError((0, validate_1.expected)(`rectangular (N, C) array with C = ${cols}`, name, `row ${i} as ${(0, validate_1.describe)(r)}`));
                }
                const row = r;
                for (let j = 0; j < cols; j++) {
                    const v = row[j];
                    if (typeof v !== 'number') {
                        throw new TypeError((0, validate_1.expected)('numbers', name, `${(0, validate_1.describe)(v)} at [${i}, ${j}]`));
                    }
                    out[i * cols + j] = v;
                }
            }
            return view(out, [rows, cols]);
        }
        for (let i = 0; i < x.length; i++) {
            if (typeof x[i] !== 'number') {
                throw new TypeError((0, validate_1.expected)('numbers', name, `${(0, validate_1.describe)(x[i])} at index ${i}`));
            }
        }
        return view(x, [x.length]);
    }
    throw new TypeError((0, validate_1.expected)(WHAT_INPUT, name, (0, validate_1.describe)(x)));
}
function view(data, shape) {
    return { data, shape, rows: shape[0], cols: shape.length === 1 ? 1 : shape[1] };
}
/** Throws unless every value is finite (NaN and +-Infinity are rejected). */
function assertFiniteValues(v, name) {
    const d = v.data;
    for (let i = 0; i < d.length; i++) {
        if (!Number.isFinite(d[i])) {
            throw new RangeError((0, validate_1.expected)('finite values', name, `${d[i]} at ${indexText(v, i)}`));
        }
    }
}
function indexText(v, i) {
    return v.shape.length === 1 ? `index ${i}` : `[${Math.floor(i / v.cols)}, ${i % v.cols}]`;
}
/** Throws unless both inputs hold the same number of samples (rows). */
function assertSameRows(a, aName, b, bName) {
    if (a.rows !== b.rows) {
        throw new RangeError((0, validate_1.expected)(`${a.rows} samples (as in ${aName})`, bName, `${b.rows} samples`));
    }
}
/** Throws unless the input holds at least one sample. */
function assertNonEmpty(v, name) {
    if (v.rows === 0)
        throw new RangeError((0, validate_1.expected)('at least one sample', name, 'an empty array'));
}
/**
 * Reads class labels: a rank-1 array (or an (N, 1) column) of integers in [0, numClasses), or
 * an (N, C) one-hot / score matrix reduced by argmax. `numClasses` bounds the labels when given.
 */
function toLabels(v, name, numClasses) {
    assertFiniteValues(v, name);
    const out = new Int32Array(v.rows);
    const d = v.data;
    if (v.cols > 1) {
        for (let i = 0; i < v.rows; i++)
            out[i] = argmaxRow(d, i, v.cols);
        return out;
    }
    for (let i = 0; i < v.rows; i++) {
        const x = d[i];
        if (!Number.isInteger(x) || x < 0 || (numClasses !== undefined && x >= numClasses)) {
            const range = numClasses === undefined ? 'non-negative integer labels' :
                `integer labels in [0, ${numClasses - 1}]`;
            throw new RangeError((0, validate_1.expected)(range, name, `${x} at index ${i}`));
        }
        out[i] = x;
    }
    return out;
}
/** Index of the largest value of row i (first one on ties). */
function argmaxRow(d, i, cols) {
    let best = 0;
    let bv = d[i * cols];
    for (let j = 1; j < cols; j++) {
        const x = d[i * cols + j];
        if (x > bv) {
            bv = x;
            best = j;
        }
    }
    return best;
}
/**
 * Reads predicted labels. (N, C) with C > 1: argmax. One column: integer values are taken as
 * labels, anything else as a binary probability (or logit) compared with the threshold; with
 * `logits` or an explicit `threshold`, values are always thresholded.
 */
function toPredictedLabels(v, name, opts = {}, numClasses) {
    assertFiniteValues(v, name);
    if (v.cols > 1)
        return toLabels(v, name);
    const d = v.data;
    let thresholded = opts.logits === true || opts.threshold !== undefined;
    if (!thresholded) {
        for (let i = 0; i < d.length; i++)
            if (!Number.isInteger(d[i])) {
                thresholded = true;
                break;
            }
    }
    if (!thresholded)
        return toLabels(v, name, numClasses);
    const t = opts.threshold ?? (opts.logits ? 0 : 0.5);
    const out = new Int32Array(v.rows);
    for (let i = 0; i < v.rows; i++)
        out[i] = d[i] >= t ? 1 : 0;
    return out;
}
/** Reads binary 0/1 targets (rank 1 or one column, or two-column one-hot). */
function toBinaryLabels(v, name) {
    if (v.cols > 2) {
        throw new RangeError((0, validate_1.expected)('binary targets (0 or 1)', name, `${v.cols} columns`));
    }
    const labels = toLabels(v, name);
    for (let i = 0; i < labels.length; i++) {
        if (labels[i] > 1) {
            throw new RangeError((0, validate_1.expected)('binary targets (0 or 1)', name, `${labels[i]} at index ${i}`));
        }
    }
    return labels;
}
/** Validates an optional numClasses option. */
function checkNumClasses(n, name = 'numClasses') {
    if (n === undefined)
        return undefined;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
        if (typeof n !== 'number')
            throw new TypeError((0, validate_1.expected)('positive integer', name, (0, validate_1.describe)(n)));
        throw new RangeError((0, validate_1.expected)('positive integer', name, (0, validate_1.describe)(n)));
    }
    return n;
}
/** Largest label + 1 over the given label arrays (at least 1). */
function inferNumClasses(...labels) {
    let m = 0;
    for (const l of labels)
        for (let i = 0; i < l.length; i++)
            if (l[i] + 1 > m)
                m = l[i] + 1;
    return Math.max(m, 1);
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isTensor = isTensor;
exports.toMatrix = toMatrix;
exports.outputLike = outputLike;
exports.allocOutput = allocOutput;
exports.checkCols = checkCols;
exports.columnsOf = columnsOf;
exports.percentileSorted = percentileSorted;
exports.sortedColumns = sortedColumns;
/**
 * Internal 2-D view used by preprocessing: rows x cols values, row-major.
 * Tensors are read zero-copy through their Float32Array view; nested arrays are copied into a
 * Float64Array (missing values null/undefined become NaN). Results go back out in the kind that
 * came in: a Tensor for a Tensor, number[][] for number[][].
 */
const validate_1 = require("../core/validate");
const tensor_api_1 = require("./tensor-api");
function isTensor(v) {
    if (v instanceof tensor_api_1.Tensor)
        return true;
    if (typeof v !== 'object' || v === null)
        return false;
    const t = v;
    return Array.isArray(t.shape) && ArrayBuffer.isView(t.data) && typeof t.dtype === 'string';
}
/** Reads a 2-D input; `name` is used in messages (e.g. "x"). */
function toMatrix(x, name) {
    if (isTensor(x)) {
        if (x.shape.length !== 2) {
            throw new RangeError((0, validate_1.expected)('2-D tensor (samples, features)', name, (0, validate_1.describe)(x)));
        }
        if (x.dtype !== 'float32') {
            throw new TypeError((0, validate_1.expected)('float32 tensor', name, `${x.dtype} tensor`));
        }
        return { data: x.data, rows: x.shape[0], cols: x.shape[1] };
    }
    if (!Array.isArray(x))
        (0, validate_1.typeError)('2-D array (samples, features) or Tensor', name, x);
    const rows = x.length;
    if (rows === 0)
        throw new RangeError((0, validate_1.expected)('at least one row', name, 'an array of length 0'));
    const first = x[0];
    if (!Array.isArray(first))
        (0, validate_1.typeError)('array', `${name}[0]`, first);
    const cols = first.length;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
        const row = x[i];
        if (!Array.isArray(row))
            (0, validate_1.typeError)('array', `${name}[${i}]`, row);
        if (row.length !== cols) {
            throw new RangeError((0, validate_1.expected)(`row of length ${cols}`, `${name}[${i}]`, (0, validate_1.describe)(row)));
        }
        for (let j = 0; j < cols; j++) {
            const v = row[j];
            if (typeof v === 'number')
                data[i * cols + j] = v;
            else if (v === null || v === undefined)
                data[i * cols + j] = NaN;
            else
                (0, validate_1.typeError)('number', `${name}[${i}][${j}]`, v);
        }
    }
    return { data, rows, cols };
}
/** Returns `data` (rows x cols) in the same kind as `like`: Tensor or number[][]. */
function outputLike(like, data, rows, cols) {
    if (isTensor(like)) {
        const f = data instanceof Float32Array ? data : Float32Array.from(data);
        return (0, tensor_api_1.fromArray)(f, [rows, cols]);
    }
    const out = new Array(rows);
    for (let i = 0; i < rows; i++)
        out[i] = Array.from(data.subarray(i * cols, (i + 1) * cols));
    return out;
}
/**
 * Output buffer for a transform of `like`: for a Tensor, the data of a new native tensor
 * (written in place, no extra copy); otherwise a Float64Array turned into number[][] by result().
 */
function allocOutput(like, rows, cols) {
    if (isTensor(like)) {
        const t = (0, tensor_api_1.empty)([rows, cols]);
        return { data: t.data, result: () => t };
    }
    const data = new Float64Array(rows * cols);
    return { data, result: () => outputLike(like, data, rows, cols) };
}
/** Checks that the number of columns matches what a transformer was fitted on. */
function checkCols(m, nFeatures, name, who) {
    if (m.cols !== nFeatures) {
        throw new RangeError((0, validate_1.expected)(`${nFeatures} features (as fitted by ${who})`, name, `${m.cols} features`));
    }
}
/**
 * The non-NaN values of every column, each a contiguous Float64Array (views into one buffer the
 * caller may sort or modify). One blocked transpose: the row-major input is read in cache-sized
 * row blocks instead of once per column.
 */
function columnsOf(m) {
    const { rows, cols, data } = m;
    const buf = new Float64Array(rows * cols);
    const fill = new Int32Array(cols);
    const B = 64;
    for (let i0 = 0; i0 < rows; i0 += B) {
        const i1 = Math.min(rows, i0 + B);
        for (let j = 0; j < cols; j++) {
            const base = j * rows;
            let k = fill[j];
            for (let i = i0; i < i1; i++) {
                const v = data[i * cols + j];
                if (v === v)
                    buf[base + k++] = v; // skips NaN
            }
            fill[j] = k;
        }
    }
    const out = new Array(cols);
    for (let j = 0; j < cols; j++)
        out[j] = buf.subarray(j * rows, j * rows + fill[j]);
    return out;
}
/** numpy.percentile with the default 'linear' method; q in [0, 100]; `sorted` ascending. */
function percentileSorted(sorted, q) {
    const n = sorted.length;
    if (n === 0)
        return NaN;
    const pos = (q / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const frac = pos - lo;
    // numpy's lerp form: a + (b - a) * t, switched to b - (b - a) * (1 - t) for t >= 0.5.
    const a = sorted[lo];
    const b = sorted[hi];
    const d = b - a;
    return frac >= 0.5 ? b - d * (1 - frac) : a + d * frac;
}
/** Every column's non-NaN values, sorted ascending. */
function sortedColumns(m) {
    return columnsOf(m).map((c) => c.sort());
}

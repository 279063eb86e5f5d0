"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.readLabels = readLabels;
exports.bincount = bincount;
/** Reading class labels from the forms users hold them in. */
const validate_1 = require("../core/validate");
const matrix_1 = require("./matrix");
/** Labels as an Int32Array of non-negative integers; a Dataset gives its y. */
function readLabels(v, name) {
    if (typeof v === 'object' && v !== null && !(0, matrix_1.isTensor)(v) && 'x' in v && 'length' in v && !Array.isArray(v)) {
        const y = v.y;
        if (!y)
            throw new TypeError((0, validate_1.expected)('dataset with labels y', name, 'a dataset without y'));
        v = y;
    }
    let arr;
    if ((0, matrix_1.isTensor)(v)) {
        if (v.dtype !== 'int32' || v.shape.length !== 1) {
            throw new TypeError((0, validate_1.expected)('int32 labels of shape [N]', name, `${v.dtype} tensor of shape [${v.shape.join(', ')}]`));
        }
        return v.data;
    }
    else if (v instanceof Int32Array) {
        arr = v;
    }
    else if (Array.isArray(v)) {
        arr = v;
    }
    else {
        (0, validate_1.typeError)('labels (array of integers, Int32Array or int32 Tensor)', name, v);
    }
    const out = new Int32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        if (typeof x !== 'number')
            (0, validate_1.typeError)('integer label', `${name}[${i}]`, x);
        if (!Number.isInteger(x) || x < 0)
            throw new RangeError((0, validate_1.expected)('non-negative integer label', `${name}[${i}]`, (0, validate_1.describe)(x)));
        out[i] = x;
    }
    return out;
}
function bincount(labels, minLength = 0) {
    let k = minLength;
    for (let i = 0; i < labels.length; i++)
        if (labels[i] + 1 > k)
            k = labels[i] + 1;
    const c = new Int32Array(k);
    for (let i = 0; i < labels.length; i++)
        c[labels[i]]++;
    return c;
}

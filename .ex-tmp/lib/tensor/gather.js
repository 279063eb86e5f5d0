"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.gatherRows = gatherRows;
/** Row gather without autograd, for data pipelines (batch assembly in native memory). */
const tensor_1 = require("./tensor");
const create_1 = require("./create");
const check_1 = require("./check");
const native_1 = require("../native");
const validate_1 = require("../core/validate");
/** Rows of src (N, ...) at the given indices -> (indices.length, ...). One native call. */
function gatherRows(src, indices) {
    (0, check_1.assertTensor)(src, 'src');
    if (!(indices instanceof Int32Array))
        throw new TypeError((0, validate_1.expected)('Int32Array', 'indices', (0, validate_1.describe)(indices)));
    if (src.shape.length < 1)
        throw new RangeError((0, validate_1.expected)('tensor with at least 1 dimension', 'src', 'shape []'));
    const N = src.shape[0];
    const D = (0, tensor_1.shapeSize)(src.shape.slice(1));
    const out = (0, create_1.empty)([indices.length, ...src.shape.slice(1)], src.dtype);
    native_1.native.gatherRows(out.data, src.data, indices, indices.length, N, D);
    return out;
}

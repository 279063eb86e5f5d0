"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.empty = exports.needsGrad = exports.record = void 0;
exports.fin = fin;
exports.axisView = axisView;
exports.broadcastShapes = broadcastShapes;
const create_1 = require("../tensor/create");
Object.defineProperty(exports, "empty", { enumerable: true, get: function () { return create_1.empty; } });
const check_1 = require("../tensor/check");
const validate_1 = require("../core/validate");
var node_1 = require("../autograd/node");
Object.defineProperty(exports, "record", { enumerable: true, get: function () { return node_1.record; } });
Object.defineProperty(exports, "needsGrad", { enumerable: true, get: function () { return node_1.needsGrad; } });
/** Validates a float32 tensor input. */
function fin(t, name) {
    (0, check_1.assertTensor)(t, name, 'float32');
    return t;
}
/** (outer, dim, inner) view of an axis, as the native reductions expect. */
function axisView(shape, axis) {
    let outer = 1;
    let inner = 1;
    for (let i = 0; i < axis; i++)
        outer *= shape[i];
    for (let i = axis + 1; i < shape.length; i++)
        inner *= shape[i];
    return { outer, dim: shape[axis], inner };
}
/** NumPy broadcasting of two shapes (rank <= 4). */
function broadcastShapes(a, b, nameA, nameB) {
    const r = Math.max(a.length, b.length);
    if (r > 4) {
        throw new RangeError((0, validate_1.expected)('tensors of rank <= 4 for broadcasting', `${nameA} and ${nameB}`, `shapes ${(0, validate_1.fmtShape)(a)} and ${(0, validate_1.fmtShape)(b)}`));
    }
    const out = new Array(r);
    for (let i = 0; i < r; i++) {
        const da = a[a.length - r + i] ?? 1;
        const db = b[b.length - r + i] ?? 1;
        if (da !== db && da !== 1 && db !== 1) {
            throw new RangeError(`Expected shapes that broadcast for ${nameA} and ${nameB} but received ${(0, validate_1.fmtShape)(a)} and ${(0, validate_1.fmtShape)(b)}`);
        }
        out[i] = da === 1 ? db : da;
    }
    return out;
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.assertTensor = assertTensor;
exports.assertRank = assertRank;
exports.assertSameShape = assertSameShape;
exports.normAxis = normAxis;
/** Tensor argument checks shared by every op (messages in the project's one format). */
const tensor_1 = require("./tensor");
const validate_1 = require("../core/validate");
/** Throws unless `t` is a live Tensor (optionally of a dtype). */
function assertTensor(t, name, dtype) {
    if (!(t instanceof tensor_1.Tensor)) {
        throw new TypeError((0, validate_1.expected)(dtype ? `${dtype} Tensor` : 'Tensor', name, (0, validate_1.describe)(t)));
    }
    if (t.isDisposed)
        throw new TypeError((0, validate_1.expected)('a live tensor', name, 'a disposed tensor'));
    if (dtype !== undefined && t.dtype !== dtype) {
        throw new TypeError((0, validate_1.expected)(`${dtype} Tensor`, name, `${t.dtype} Tensor of shape ${(0, validate_1.fmtShape)(t.shape)}`));
    }
}
function assertRank(t, rank, name) {
    if (t.shape.length !== rank) {
        throw new RangeError((0, validate_1.expected)(`${rank}-D tensor`, name, `shape ${(0, validate_1.fmtShape)(t.shape)}`));
    }
}
function assertSameShape(a, b, nameA, nameB) {
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
        throw new RangeError((0, validate_1.expected)(`shape ${(0, validate_1.fmtShape)(a.shape)} (the shape of ${nameA})`, nameB, (0, validate_1.fmtShape)(b.shape)));
    }
}
/** Normalizes an axis argument (negative counts from the end). */
function normAxis(axis, rank, name = 'axis') {
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
        throw new RangeError((0, validate_1.expected)(`integer axis in [${-rank}, ${rank - 1}]`, name, (0, validate_1.describe)(axis)));
    }
    return axis < 0 ? axis + rank : axis;
}

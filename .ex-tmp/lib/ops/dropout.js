"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dropout = dropout;
exports.embedding = embedding;
/** Inverted dropout and embedding lookup. */
const tensor_1 = require("../tensor/tensor");
const native_1 = require("../native");
const util_1 = require("./util");
const check_1 = require("../tensor/check");
const seed_1 = require("../core/seed");
const validate_1 = require("../core/validate");
/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) while training;
 * the identity otherwise. The mask comes from the seeded counter stream (same result for any
 * thread count).
 */
function dropout(x, p = 0.5, training = true) {
    (0, util_1.fin)(x, 'input');
    (0, validate_1.assertNumberInRange)(p, 'p', 0, 1, { hiOpen: true });
    if (!training || p === 0)
        return x;
    const out = (0, util_1.empty)(x.shape);
    const mask = new Uint8Array(x.size);
    const s = (0, seed_1.takeNativeStream)(x.size);
    native_1.native.dropoutForward(out.data, mask, x.data, x.size, p, s.hi, s.lo, s.offset);
    return (0, util_1.record)(out, 'dropout', [x], (g, [dx]) => native_1.native.dropoutBackward(dx.data, g.data, mask, x.size, p));
}
/** Rows of weight (V, D) selected by int32 indices of any shape -> (...indices.shape, D). */
function embedding(indices, weight, paddingIdx = -1) {
    if (!(indices instanceof tensor_1.Tensor))
        throw new TypeError((0, validate_1.expected)('int32 Tensor', 'indices', (0, validate_1.describe)(indices)));
    (0, check_1.assertTensor)(indices, 'indices', 'int32');
    (0, util_1.fin)(weight, 'weight');
    if (weight.shape.length !== 2)
        throw new RangeError((0, validate_1.expected)('2-D weight (num, dim)', 'weight', (0, validate_1.fmtShape)(weight.shape)));
    const [V, D] = weight.shape;
    const N = indices.size;
    const out = (0, util_1.empty)([...indices.shape, D]);
    native_1.native.embeddingForward(out.data, weight.data, indices.data, N, V, D);
    const idx = indices.data.slice();
    return (0, util_1.record)(out, 'embedding', [weight], (g, [dw]) => native_1.native.embeddingBackward(dw.data, g.data, idx, N, V, D, paddingIdx));
}

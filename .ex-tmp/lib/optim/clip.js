"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.clipGradNorm = clipGradNorm;
exports.clipGradValue = clipGradValue;
exports.gradsFinite = gradsFinite;
const native_1 = require("../native");
const flat_1 = require("../nn/flat");
const validate_1 = require("../core/validate");
function grads(params) {
    if (!Array.isArray(params))
        throw new TypeError((0, validate_1.expected)('array of parameter tensors', 'params', (0, validate_1.describe)(params)));
    const layout = (0, flat_1.existingLayout)(params);
    if (layout)
        return [layout.grads.data];
    return params.filter((p) => p.grad && !p.grad.isDisposed).map((p) => p.grad.data);
}
/** Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
function clipGradNorm(params, maxNorm) {
    (0, validate_1.assertNumberInRange)(maxNorm, 'maxNorm', 0, Infinity, { loOpen: true });
    const gs = grads(params);
    if (gs.length === 1)
        return native_1.native.clipByNorm(gs[0], gs[0].length, maxNorm);
    let sq = 0;
    for (const g of gs)
        sq += native_1.native.l2Norm(g, g.length) ** 2;
    const total = Math.sqrt(sq);
    const scale = maxNorm / (total + 1e-6);
    if (scale < 1)
        for (const g of gs)
            native_1.native.scaleInPlace(g, g.length, scale);
    return total;
}
/** Clamps every gradient element to [-clipValue, clipValue]. */
function clipGradValue(params, clipValue) {
    (0, validate_1.assertNumberInRange)(clipValue, 'clipValue', 0, Infinity, { loOpen: true });
    for (const g of grads(params))
        native_1.native.clipByValue(g, g.length, -clipValue, clipValue);
}
/** True when every gradient is finite (used by the NaN guard). */
function gradsFinite(params) {
    for (const g of grads(params))
        if (!native_1.native.allFinite(g, g.length))
            return false;
    return true;
}

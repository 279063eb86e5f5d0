"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.computeClassWeights = computeClassWeights;
exports.computeSampleWeights = computeSampleWeights;
/**
 * Class-imbalance helpers, as scikit-learn computes them:
 *   computeClassWeights(y, 'balanced')  -> n_samples / (n_classes * bincount(y)) per class
 *   computeSampleWeights(y, 'balanced') -> the class weight of each sample's label
 * Class weights feed the losses' `weight` option; sample weights feed WeightedRandomSampler.
 */
const validate_1 = require("../core/validate");
const labels_1 = require("./labels");
/** Per-class weights (Float32Array of length numClasses). */
function computeClassWeights(labels, mode = 'balanced', opts = {}) {
    const y = (0, labels_1.readLabels)(labels, 'labels');
    if (opts.numClasses !== undefined)
        (0, validate_1.assertPositiveInteger)(opts.numClasses, 'numClasses');
    const counts = (0, labels_1.bincount)(y, opts.numClasses);
    const k = opts.numClasses ?? counts.length;
    if (counts.length > k) {
        const i = y.findIndex((v) => v >= k);
        throw new RangeError((0, validate_1.expected)(`integer label in [0, ${k - 1}]`, `labels[${i}]`, (0, validate_1.describe)(y[i])));
    }
    if (Array.isArray(mode)) {
        if (mode.length !== k || mode.some((w) => typeof w !== 'number' || !(w >= 0))) {
            throw new RangeError((0, validate_1.expected)(`${k} non-negative weights (one per class)`, 'mode', (0, validate_1.describe)(mode)));
        }
        return Float32Array.from(mode);
    }
    if (mode !== 'balanced')
        (0, validate_1.typeError)("'balanced' or an array of weights", 'mode', mode);
    const w = new Float32Array(k);
    for (let c = 0; c < k; c++) {
        if (counts[c] === 0) {
            throw new RangeError((0, validate_1.expected)(`every class 0..${k - 1} present in labels`, 'labels', `no sample of class ${c}`));
        }
        w[c] = y.length / (k * counts[c]);
    }
    return w;
}
/** Per-sample weights: the balanced class weight of each sample's label. */
function computeSampleWeights(labels, mode = 'balanced', opts = {}) {
    const y = (0, labels_1.readLabels)(labels, 'labels');
    const cw = computeClassWeights(y, mode, opts);
    return Float32Array.from(y, (c) => cw[c]);
}

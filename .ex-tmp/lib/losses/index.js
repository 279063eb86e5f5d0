"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LOSS_NAMES = exports.categoricalCrossEntropy = exports.binaryCrossEntropy = exports.mae = void 0;
exports.mse = mse;
exports.l1 = l1;
exports.huber = huber;
exports.smoothL1 = smoothL1;
exports.bce = bce;
exports.bceWithLogits = bceWithLogits;
exports.crossEntropy = crossEntropy;
exports.nll = nll;
exports.klDiv = klDiv;
exports.hinge = hinge;
exports.get = get;
/**
 * Losses. Each is one fused native kernel forward and backward, numerically stable
 * (log-sum-exp; logits of +-1e4 stay finite; probabilities are clamped like PyTorch).
 * reduction: 'mean' (default) | 'sum' | 'none' (per element, or per sample for CE/NLL).
 */
const tensor_1 = require("../tensor/tensor");
const native_1 = require("../native");
const util_1 = require("../ops/util");
const elementwise_1 = require("../ops/elementwise");
const check_1 = require("../tensor/check");
const validate_1 = require("../core/validate");
const REDUCTIONS = ['mean', 'sum', 'none'];
const CODE = { none: 0, mean: 1, sum: 2, batchmean: 3 };
function reductionOf(opts, allowed = REDUCTIONS) {
    if (opts === undefined)
        return 'mean';
    (0, validate_1.assertPlainObject)(opts, 'options');
    const r = opts.reduction ?? 'mean';
    (0, validate_1.assertOneOf)(r, 'reduction', allowed);
    return r;
}
function lossTensor(red, perShape) {
    return (0, util_1.empty)(red === 'none' ? perShape : []);
}
/** Shared shape for elementwise (prediction, target) losses. */
function pair(input, target) {
    (0, util_1.fin)(input, 'input');
    (0, util_1.fin)(target, 'target');
    (0, check_1.assertSameShape)(input, target, 'input', 'target');
}
function regression(kind, input, target, red, attrs) {
    pair(input, target);
    const n = input.size;
    const out = lossTensor(red, input.shape);
    native_1.native[`${kind}Forward`](out.data, input.data, target.data, n, ...attrs, CODE[red]);
    return (0, util_1.record)(out, kind, [input, target], (g, [dx, dy]) => {
        native_1.native[`${kind}Backward`](dx ? dx.data : null, dy ? dy.data : null, input.data, target.data, g.data, n, ...attrs, CODE[red]);
    });
}
/** Mean squared error. */
function mse(input, target, opts) {
    return regression('mse', input, target, reductionOf(opts), []);
}
/** Mean absolute error (L1). */
function l1(input, target, opts) {
    return regression('l1', input, target, reductionOf(opts), []);
}
exports.mae = l1;
/** Huber: quadratic below delta, linear above. */
function huber(input, target, opts = {}) {
    const delta = opts.delta ?? 1;
    (0, validate_1.assertNumberInRange)(delta, 'delta', 0, Infinity, { loOpen: true });
    return regression('huber', input, target, reductionOf(opts), [delta]);
}
/** Smooth L1 (PyTorch): huber(beta) / beta. */
function smoothL1(input, target, opts = {}) {
    const beta = opts.beta ?? 1;
    (0, validate_1.assertNumberInRange)(beta, 'beta', 0, Infinity, { loOpen: true });
    const h = regression('huber', input, target, reductionOf(opts), [beta]);
    return beta === 1 ? h : (0, elementwise_1.mul)(h, 1 / beta);
}
/** Binary cross-entropy on probabilities in [0, 1] (logs clamped at -100 like PyTorch). */
function bce(input, target, opts) {
    const red = reductionOf(opts);
    pair(input, target);
    const n = input.size;
    const out = lossTensor(red, input.shape);
    native_1.native.bceForward(out.data, input.data, target.data, n, CODE[red]);
    return (0, util_1.record)(out, 'bce', [input], (g, [dx]) => native_1.native.bceBackward(dx.data, input.data, target.data, g.data, n, CODE[red]));
}
exports.binaryCrossEntropy = bce;
/** Sigmoid + binary cross-entropy in one stable kernel; posWeight (C) weighs positives per column. */
function bceWithLogits(input, target, opts = {}) {
    const red = reductionOf(opts);
    pair(input, target);
    const pw = opts.posWeight ?? null;
    const C = input.shape.length > 0 ? input.shape[input.shape.length - 1] : 1;
    if (pw !== null) {
        (0, util_1.fin)(pw, 'posWeight');
        if (pw.size !== C)
            throw new RangeError((0, validate_1.expected)(`shape [${C}]`, 'posWeight', (0, validate_1.fmtShape)(pw.shape)));
    }
    const n = input.size;
    const out = lossTensor(red, input.shape);
    native_1.native.bceWithLogitsForward(out.data, input.data, target.data, pw ? pw.data : null, n, C, CODE[red]);
    return (0, util_1.record)(out, 'bceWithLogits', [input], (g, [dx]) => native_1.native.bceWithLogitsBackward(dx.data, input.data, target.data, pw ? pw.data : null, g.data, n, C, CODE[red]));
}
function classWeight(w, C) {
    if (w === undefined || w === null)
        return null;
    (0, util_1.fin)(w, 'weight');
    if (w.size !== C)
        throw new RangeError((0, validate_1.expected)(`shape [${C}]`, 'weight', (0, validate_1.fmtShape)(w.shape)));
    return w;
}
/**
 * Softmax + cross-entropy from logits (N, C), with int32 class labels (N) or dense target
 * probabilities (N, C). The gradient is softmax(x) - target in one fused pass.
 */
function crossEntropy(logits, target, opts = {}) {
    const red = reductionOf(opts);
    (0, util_1.fin)(logits, 'logits');
    if (!(target instanceof tensor_1.Tensor))
        throw new TypeError((0, validate_1.expected)('int32 labels (N) or float32 probabilities (N, C)', 'target', (0, validate_1.describe)(target)));
    (0, check_1.assertTensor)(target, 'target');
    if (logits.shape.length !== 2)
        throw new RangeError((0, validate_1.expected)('shape [N, C]', 'logits', (0, validate_1.fmtShape)(logits.shape)));
    const [N, C] = logits.shape;
    const ls = opts.labelSmoothing ?? 0;
    (0, validate_1.assertNumberInRange)(ls, 'labelSmoothing', 0, 1);
    const w = classWeight(opts.weight, C);
    const out = lossTensor(red, [N]);
    const probs = (0, util_1.empty)([N, C]);
    if (target.dtype === 'int32') {
        if (target.shape.length !== 1 || target.shape[0] !== N)
            throw new RangeError((0, validate_1.expected)(`shape [${N}]`, 'target', (0, validate_1.fmtShape)(target.shape)));
        const ignore = opts.ignoreIndex ?? -100;
        (0, validate_1.assertFinite)(ignore, 'ignoreIndex');
        native_1.native.crossEntropyForward(out.data, probs.data, logits.data, target.data, w ? w.data : null, N, C, ls, CODE[red], ignore);
        return (0, util_1.record)(out, 'crossEntropy', [logits], (g, [dx]) => native_1.native.crossEntropyBackward(dx.data, probs.data, target.data, w ? w.data : null, g.data, N, C, ls, CODE[red], ignore), () => probs.dispose());
    }
    (0, check_1.assertSameShape)(logits, target, 'logits', 'target');
    native_1.native.crossEntropyDenseForward(out.data, probs.data, logits.data, target.data, w ? w.data : null, N, C, ls, CODE[red]);
    return (0, util_1.record)(out, 'crossEntropy', [logits], (g, [dx]) => native_1.native.crossEntropyDenseBackward(dx.data, probs.data, target.data, w ? w.data : null, g.data, N, C, ls, CODE[red]), () => probs.dispose());
}
exports.categoricalCrossEntropy = crossEntropy;
/** Negative log-likelihood on log-probabilities (N, C) with int32 labels (N). */
function nll(logProbs, labels, opts = {}) {
    const red = reductionOf(opts);
    (0, util_1.fin)(logProbs, 'input');
    (0, check_1.assertTensor)(labels, 'target', 'int32');
    if (logProbs.shape.length !== 2)
        throw new RangeError((0, validate_1.expected)('shape [N, C]', 'input', (0, validate_1.fmtShape)(logProbs.shape)));
    const [N, C] = logProbs.shape;
    if (labels.shape.length !== 1 || labels.shape[0] !== N)
        throw new RangeError((0, validate_1.expected)(`shape [${N}]`, 'target', (0, validate_1.fmtShape)(labels.shape)));
    const w = classWeight(opts.weight, C);
    const ignore = opts.ignoreIndex ?? -100;
    const out = lossTensor(red, [N]);
    native_1.native.nllForward(out.data, logProbs.data, labels.data, w ? w.data : null, N, C, CODE[red], ignore);
    return (0, util_1.record)(out, 'nll', [logProbs], (g, [dx]) => native_1.native.nllBackward(dx.data, labels.data, w ? w.data : null, g.data, N, C, CODE[red], ignore));
}
/** KL divergence: input = log q, target = p (or log p with logTarget). Default reduction batchmean. */
function klDiv(input, target, opts = {}) {
    const red = opts.reduction === undefined ? 'batchmean' : reductionOf(opts, ['mean', 'sum', 'none', 'batchmean']);
    pair(input, target);
    const logTarget = opts.logTarget ?? false;
    const n = input.size;
    const batch = input.shape.length > 0 ? input.shape[0] : 1;
    const out = lossTensor(red, input.shape);
    native_1.native.klDivForward(out.data, input.data, target.data, n, batch, logTarget, CODE[red]);
    return (0, util_1.record)(out, 'klDiv', [input], (g, [dx]) => native_1.native.klDivBackward(dx.data, target.data, g.data, n, batch, logTarget, CODE[red]));
}
/** Hinge: max(0, margin - y x) with labels y in {-1, 1}. */
function hinge(input, target, opts = {}) {
    const red = reductionOf(opts);
    pair(input, target);
    const margin = opts.margin ?? 1;
    (0, validate_1.assertFinite)(margin, 'margin');
    const n = input.size;
    const out = lossTensor(red, input.shape);
    native_1.native.hingeForward(out.data, input.data, target.data, n, margin, CODE[red]);
    return (0, util_1.record)(out, 'hinge', [input], (g, [dx]) => native_1.native.hingeBackward(dx.data, input.data, target.data, g.data, n, margin, CODE[red]));
}
exports.LOSS_NAMES = ['mse', 'l1', 'mae', 'huber', 'smoothL1', 'bce', 'binaryCrossEntropy',
    'bceWithLogits', 'crossEntropy', 'categoricalCrossEntropy', 'nll', 'klDiv', 'hinge'];
/** A loss function by name. */
function get(name) {
    (0, validate_1.assertOneOf)(name, 'loss', exports.LOSS_NAMES);
    const table = {
        mse, l1, mae: exports.mae, huber, smoothL1, bce, binaryCrossEntropy: bce, bceWithLogits, crossEntropy,
        categoricalCrossEntropy: crossEntropy, nll, klDiv, hinge,
    };
    return table[name];
}

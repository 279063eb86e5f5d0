"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Adagrad = exports.RMSprop = exports.AdamW = exports.Adam = exports.SGD = exports.Optimizer = void 0;
exports.hyper = hyper;
exports.flag = flag;
/**
 * Optimizers (PyTorch semantics). Parameters are packed into one flat buffer (see nn/flat.ts),
 * so each step is ONE native call over all parameters, and zeroGrad is one fill.
 */
const tensor_1 = require("../tensor/tensor");
const native_1 = require("../native");
const flat_1 = require("../nn/flat");
const storage_1 = require("../tensor/storage");
const scope_1 = require("../tensor/scope");
const validate_1 = require("../core/validate");
function checkParams(params) {
    if (!Array.isArray(params))
        throw new TypeError((0, validate_1.expected)('array of parameter tensors', 'params', (0, validate_1.describe)(params)));
    if (params.length === 0)
        throw new RangeError((0, validate_1.expected)('non-empty array of parameters', 'params', 'an array of length 0'));
    params.forEach((p, i) => {
        if (!(p instanceof tensor_1.Tensor))
            throw new TypeError((0, validate_1.expected)('Tensor', `params[${i}]`, (0, validate_1.describe)(p)));
        if (p.isDisposed)
            throw new TypeError((0, validate_1.expected)('a live tensor', `params[${i}]`, 'a disposed tensor'));
        if (p.dtype !== 'float32')
            throw new TypeError((0, validate_1.expected)('float32 Tensor', `params[${i}]`, `${p.dtype} Tensor`));
        if (!p.requiresGrad)
            throw new TypeError((0, validate_1.expected)('tensor with requiresGrad=true', `params[${i}]`, 'a tensor with requiresGrad=false'));
    });
    if (new Set(params).size !== params.length)
        throw new RangeError((0, validate_1.expected)('distinct parameters', 'params', 'the same tensor more than once'));
    return params;
}
/** Checks a hyperparameter: finite number in [lo, hi] (open ends as given); RangeError names it. */
function hyper(opts, name, def, lo, hi = Infinity, loOpen = false) {
    const v = opts[name] === undefined ? def : opts[name];
    const what = `number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? 'Infinity)' : hi + ']'}`;
    if (typeof v !== 'number')
        throw new TypeError((0, validate_1.expected)(what, name, (0, validate_1.describe)(v)));
    if (!Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi)
        (0, validate_1.rangeError)(what, name, v);
    return v;
}
function flag(opts, name, def) {
    const v = opts[name] === undefined ? def : opts[name];
    if (typeof v !== 'boolean')
        throw new TypeError((0, validate_1.expected)('boolean', name, (0, validate_1.describe)(v)));
    return v;
}
class Optimizer {
    params;
    /** Learning rate (schedulers set it). */
    lr;
    /** Completed steps. */
    stepCount = 0;
    /** @internal */ layout;
    /** @internal ranges of the layout this optimizer updates */ segments;
    /** @internal */ buffers = new Map();
    constructor(params, opts, defaultLr) {
        this.params = checkParams(params);
        if (opts === undefined)
            opts = {};
        (0, validate_1.assertPlainObject)(opts, 'options');
        this.lr = hyper(opts, 'lr', defaultLr, 0);
        const { layout, segments } = (0, flat_1.segmentsFor)(this.params);
        this.layout = layout;
        this.segments = segments;
        layout.users++;
    }
    /** Flat parameter count (with alignment padding). */
    get numel() {
        return this.layout.values.size;
    }
    /** A state buffer in the flat layout, created on first use (filled with `init`). */
    buffer(name, init = 0) {
        let b = this.buffers.get(name);
        if (!b) {
            b = (0, scope_1.keep)(new tensor_1.Tensor([this.numel], 'float32', new storage_1.Storage(Math.max(this.numel, 1) * 4)));
            native_1.native.fillF32(b.data, b.size, init);
            this.buffers.set(name, b);
        }
        return b.data;
    }
    /** Sets every gradient to zero (one native fill over the flat gradient buffer). */
    zeroGrad() {
        const g = this.layout.grads.data;
        for (const s of this.segments)
            native_1.native.fillF32(s.start === 0 ? g : g.subarray(s.start), s.end - s.start, 0);
    }
    /** Applies one update to all parameters. */
    step() {
        this.lr = hyper(this, 'lr', this.lr, 0);
        this.stepCount++;
        const p = this.layout.values.data;
        const g = this.layout.grads.data;
        for (const s of this.segments) {
            const view = (a) => (a === null ? null : s.start === 0 && s.end === a.length ? a : a.subarray(s.start, s.end));
            this.update(view(p), view(g), s.end - s.start, view);
        }
    }
    /** Copies of the state buffers and step count. */
    stateDict() {
        const buffers = {};
        for (const [k, b] of this.buffers)
            buffers[k] = b.data.slice();
        return { type: this.constructor.name, hyper: { lr: this.lr, ...this.hyperparameters() }, step: this.stepCount, buffers };
    }
    loadStateDict(state) {
        (0, validate_1.assertPlainObject)(state, 'state');
        if (state.type !== this.constructor.name) {
            throw new TypeError((0, validate_1.expected)(`${this.constructor.name} state`, 'state', `${String(state.type)} state`));
        }
        for (const [k, src] of Object.entries(state.buffers)) {
            if (src.length !== this.numel) {
                throw new RangeError(`Expected ${this.numel} values for state buffer '${k}' but received ${src.length}`);
            }
            this.buffer(k).set(src);
        }
        this.stepCount = state.step;
        if (typeof state.hyper.lr === 'number')
            this.lr = state.hyper.lr;
    }
    /** Frees the state buffers and this optimizer's hold on the flat parameter/gradient blocks. */
    dispose() {
        for (const b of this.buffers.values())
            b.dispose();
        this.buffers.clear();
        if (--this.layout.users <= 0) {
            this.layout.values.dispose();
            this.layout.grads.dispose();
        }
    }
}
exports.Optimizer = Optimizer;
/** SGD with momentum, dampening, Nesterov and (L2) weight decay. */
class SGD extends Optimizer {
    momentum;
    dampening;
    nesterov;
    weightDecay;
    constructor(params, opts = {}) {
        super(params, opts, 0.01);
        const o = opts;
        this.momentum = hyper(o, 'momentum', 0, 0);
        this.dampening = hyper(o, 'dampening', 0, 0, 1);
        this.nesterov = flag(o, 'nesterov', false);
        this.weightDecay = hyper(o, 'weightDecay', 0, 0);
        if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
            throw new RangeError((0, validate_1.expected)('momentum > 0 and dampening = 0 (required by nesterov)', 'momentum', (0, validate_1.describe)(this.momentum)));
        }
    }
    update(p, g, n, seg) {
        const buf = seg(this.momentum > 0 ? this.buffer('momentum') : null);
        native_1.native.sgdUpdate(p, g, buf, n, this.lr, this.momentum, this.dampening, this.nesterov, this.weightDecay, this.stepCount === 1);
    }
    hyperparameters() {
        return { momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
    }
}
exports.SGD = SGD;
/** Adam (L2 weight decay added to the gradient). */
class Adam extends Optimizer {
    beta1;
    beta2;
    eps;
    weightDecay;
    amsgrad;
    decoupled = false;
    constructor(params, opts = {}, defaultWd = 0) {
        super(params, opts, 1e-3);
        const o = { ...opts };
        if (Array.isArray(opts.betas)) {
            o.beta1 = opts.betas[0];
            o.beta2 = opts.betas[1];
        }
        this.beta1 = hyper(o, 'beta1', 0.9, 0, 1);
        this.beta2 = hyper(o, 'beta2', 0.999, 0, 1);
        if (this.beta1 >= 1)
            (0, validate_1.rangeError)('number in [0, 1)', 'beta1', this.beta1);
        if (this.beta2 >= 1)
            (0, validate_1.rangeError)('number in [0, 1)', 'beta2', this.beta2);
        this.eps = hyper(o, 'eps', 1e-8, 0);
        this.weightDecay = hyper(o, 'weightDecay', defaultWd, 0);
        this.amsgrad = flag(o, 'amsgrad', false);
    }
    update(p, g, n, seg) {
        native_1.native.adamUpdate(p, g, seg(this.buffer('m')), seg(this.buffer('v')), seg(this.amsgrad ? this.buffer('vmax') : null), n, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, this.stepCount, this.decoupled, this.amsgrad);
    }
    hyperparameters() {
        return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
    }
}
exports.Adam = Adam;
/** AdamW: decoupled weight decay (default 0.01, like PyTorch). */
class AdamW extends Adam {
    decoupled = true;
    constructor(params, opts = {}) {
        super(params, opts, 0.01);
    }
}
exports.AdamW = AdamW;
/** RMSprop with optional momentum and centering. */
class RMSprop extends Optimizer {
    alpha;
    eps;
    weightDecay;
    momentum;
    centered;
    constructor(params, opts = {}) {
        super(params, opts, 0.01);
        const o = opts;
        this.alpha = hyper(o, 'alpha', 0.99, 0, 1);
        this.eps = hyper(o, 'eps', 1e-8, 0);
        this.weightDecay = hyper(o, 'weightDecay', 0, 0);
        this.momentum = hyper(o, 'momentum', 0, 0);
        this.centered = flag(o, 'centered', false);
    }
    update(p, g, n, seg) {
        native_1.native.rmspropUpdate(p, g, seg(this.buffer('squareAvg')), seg(this.centered ? this.buffer('gradAvg') : null), seg(this.momentum > 0 ? this.buffer('momentum') : null), n, this.lr, this.alpha, this.eps, this.weightDecay, this.momentum, this.centered);
    }
    hyperparameters() {
        return { alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered };
    }
}
exports.RMSprop = RMSprop;
/** Adagrad. */
class Adagrad extends Optimizer {
    lrDecay;
    weightDecay;
    eps;
    initialAccumulatorValue;
    constructor(params, opts = {}) {
        super(params, opts, 0.01);
        const o = opts;
        this.lrDecay = hyper(o, 'lrDecay', 0, 0);
        this.weightDecay = hyper(o, 'weightDecay', 0, 0);
        this.eps = hyper(o, 'eps', 1e-10, 0);
        this.initialAccumulatorValue = hyper(o, 'initialAccumulatorValue', 0, 0);
    }
    update(p, g, n, seg) {
        native_1.native.adagradUpdate(p, g, seg(this.buffer('sum', this.initialAccumulatorValue)), n, this.lr, this.lrDecay, this.weightDecay, this.eps, this.stepCount);
    }
    hyperparameters() {
        return { lrDecay: this.lrDecay, weightDecay: this.weightDecay, eps: this.eps,
            initialAccumulatorValue: this.initialAccumulatorValue };
    }
}
exports.Adagrad = Adagrad;

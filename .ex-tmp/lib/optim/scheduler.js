"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ReduceLROnPlateau = exports.OneCycleLR = exports.LinearLR = exports.CosineAnnealingWarmRestarts = exports.CosineAnnealingLR = exports.ExponentialLR = exports.MultiStepLR = exports.StepLR = exports.LRScheduler = void 0;
/**
 * Learning-rate schedulers (PyTorch semantics): call step() once per epoch (or per batch for
 * OneCycle/warmup when configured that way); each sets optimizer.lr. Values match torch's
 * closed forms (checked against fixtures from test/fixtures/gen_torch.py).
 */
const validate_1 = require("../core/validate");
class LRScheduler {
    optimizer;
    /** Epochs (or steps) taken so far. */
    lastEpoch = 0;
    baseLr;
    constructor(optimizer) {
        this.optimizer = optimizer;
        if (!optimizer || typeof optimizer.lr !== 'number') {
            throw new TypeError((0, validate_1.expected)('optimizer with a numeric lr', 'optimizer', (0, validate_1.describe)(optimizer)));
        }
        this.baseLr = optimizer.lr;
    }
    /** Advances one epoch and sets the optimizer's lr. */
    step() {
        this.lastEpoch++;
        this.optimizer.lr = this.lrAt(this.lastEpoch);
        return this.optimizer.lr;
    }
    getLastLr() {
        return this.optimizer.lr;
    }
    stateDict() {
        return { lastEpoch: this.lastEpoch, lr: this.optimizer.lr };
    }
    loadStateDict(s) {
        this.lastEpoch = Number(s.lastEpoch);
        this.optimizer.lr = Number(s.lr);
    }
}
exports.LRScheduler = LRScheduler;
/** lr = base * gamma^floor(epoch / stepSize). */
class StepLR extends LRScheduler {
    stepSize;
    gamma;
    constructor(opt, stepSize, gamma = 0.1) {
        super(opt);
        this.stepSize = stepSize;
        this.gamma = gamma;
        (0, validate_1.assertPositiveInteger)(stepSize, 'stepSize');
        (0, validate_1.assertFinite)(gamma, 'gamma');
    }
    lrAt(e) {
        return this.baseLr * this.gamma ** Math.floor(e / this.stepSize);
    }
}
exports.StepLR = StepLR;
/** lr = base * gamma^(number of milestones <= epoch). */
class MultiStepLR extends LRScheduler {
    gamma;
    milestones;
    constructor(opt, milestones, gamma = 0.1) {
        super(opt);
        this.gamma = gamma;
        if (!Array.isArray(milestones))
            throw new TypeError((0, validate_1.expected)('array of epochs', 'milestones', (0, validate_1.describe)(milestones)));
        milestones.forEach((m, i) => (0, validate_1.assertNonNegativeInteger)(m, `milestones[${i}]`));
        this.milestones = milestones.slice().sort((a, b) => a - b);
        (0, validate_1.assertFinite)(gamma, 'gamma');
    }
    lrAt(e) {
        return this.baseLr * this.gamma ** this.milestones.filter((m) => m <= e).length;
    }
}
exports.MultiStepLR = MultiStepLR;
/** lr = base * gamma^epoch. */
class ExponentialLR extends LRScheduler {
    gamma;
    constructor(opt, gamma) {
        super(opt);
        this.gamma = gamma;
        (0, validate_1.assertFinite)(gamma, 'gamma');
    }
    lrAt(e) {
        return this.baseLr * this.gamma ** e;
    }
}
exports.ExponentialLR = ExponentialLR;
/** Cosine from base down to etaMin over tMax epochs (closed form). */
class CosineAnnealingLR extends LRScheduler {
    tMax;
    etaMin;
    constructor(opt, tMax, etaMin = 0) {
        super(opt);
        this.tMax = tMax;
        this.etaMin = etaMin;
        (0, validate_1.assertPositiveInteger)(tMax, 'tMax');
        (0, validate_1.assertFinite)(etaMin, 'etaMin');
    }
    lrAt(e) {
        return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * e / this.tMax)) / 2;
    }
}
exports.CosineAnnealingLR = CosineAnnealingLR;
/** SGDR: cosine annealing restarted every t0 * tMult^k epochs. */
class CosineAnnealingWarmRestarts extends LRScheduler {
    t0;
    tMult;
    etaMin;
    constructor(opt, t0, tMult = 1, etaMin = 0) {
        super(opt);
        this.t0 = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        (0, validate_1.assertPositiveInteger)(t0, 't0');
        (0, validate_1.assertPositiveInteger)(tMult, 'tMult');
        (0, validate_1.assertFinite)(etaMin, 'etaMin');
    }
    lrAt(e) {
        let tCur = e;
        let tI = this.t0;
        if (this.tMult === 1) {
            tCur = e % this.t0;
        }
        else {
            while (tCur >= tI) {
                tCur -= tI;
                tI *= this.tMult;
            }
        }
        return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
    }
}
exports.CosineAnnealingWarmRestarts = CosineAnnealingWarmRestarts;
/** Linear warmup: factor goes from startFactor to endFactor over totalIters epochs. */
class LinearLR extends LRScheduler {
    startFactor;
    endFactor;
    totalIters;
    constructor(opt, startFactor = 1 / 3, endFactor = 1, totalIters = 5) {
        super(opt);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        (0, validate_1.assertNumberInRange)(startFactor, 'startFactor', 0, 1, { loOpen: true });
        (0, validate_1.assertNumberInRange)(endFactor, 'endFactor', 0, 1);
        (0, validate_1.assertPositiveInteger)(totalIters, 'totalIters');
        this.optimizer.lr = this.lrAt(0);
    }
    lrAt(e) {
        const t = Math.min(e, this.totalIters) / this.totalIters;
        return this.baseLr * (this.startFactor + (this.endFactor - this.startFactor) * t);
    }
}
exports.LinearLR = LinearLR;
/** One-cycle policy (cosine annealing, two phases, PyTorch defaults). */
class OneCycleLR extends LRScheduler {
    maxLr;
    totalSteps;
    opts;
    initialLr;
    minLr;
    constructor(opt, maxLr, totalSteps, opts = {}) {
        super(opt);
        this.maxLr = maxLr;
        this.totalSteps = totalSteps;
        this.opts = opts;
        (0, validate_1.assertFinite)(maxLr, 'maxLr');
        (0, validate_1.assertPositiveInteger)(totalSteps, 'totalSteps');
        const div = opts.divFactor ?? 25;
        const finalDiv = opts.finalDivFactor ?? 1e4;
        this.initialLr = maxLr / div;
        this.minLr = this.initialLr / finalDiv;
        this.optimizer.lr = this.initialLr;
    }
    step() {
        if (this.lastEpoch + 1 > this.totalSteps) {
            throw new RangeError(`Expected at most ${this.totalSteps} steps (totalSteps) for OneCycleLR but received step ${this.lastEpoch + 1}`);
        }
        return super.step();
    }
    lrAt(e) {
        const pct = this.opts.pctStart ?? 0.3;
        const end1 = pct * this.totalSteps - 1;
        const end2 = this.totalSteps - 1;
        const cos = (start, end, p) => end + (start - end) / 2 * (Math.cos(Math.PI * p) + 1);
        if (e <= end1)
            return cos(this.initialLr, this.maxLr, e / end1);
        return cos(this.maxLr, this.minLr, (e - end1) / (end2 - end1));
    }
}
exports.OneCycleLR = OneCycleLR;
/** Reduces lr by `factor` when the monitored value stops improving for `patience` epochs. */
class ReduceLROnPlateau {
    optimizer;
    best;
    numBad = 0;
    cooldownCounter = 0;
    mode;
    factor;
    patience;
    threshold;
    cooldown;
    minLr;
    constructor(optimizer, opts = {}) {
        this.optimizer = optimizer;
        this.mode = opts.mode ?? 'min';
        (0, validate_1.assertOneOf)(this.mode, 'mode', ['min', 'max']);
        this.factor = opts.factor ?? 0.1;
        (0, validate_1.assertNumberInRange)(this.factor, 'factor', 0, 1, { loOpen: true, hiOpen: true });
        this.patience = opts.patience ?? 10;
        (0, validate_1.assertNonNegativeInteger)(this.patience, 'patience');
        this.threshold = opts.threshold ?? 1e-4;
        this.cooldown = opts.cooldown ?? 0;
        this.minLr = opts.minLr ?? 0;
        this.best = this.mode === 'min' ? Infinity : -Infinity;
    }
    better(a) {
        // PyTorch's default threshold mode 'rel'.
        return this.mode === 'min' ? a < this.best * (1 - this.threshold) : a > this.best * (1 + this.threshold);
    }
    /** Feeds the epoch's monitored value; returns the (possibly reduced) lr. */
    step(value) {
        (0, validate_1.assertFinite)(value, 'value');
        if (this.better(value)) {
            this.best = value;
            this.numBad = 0;
        }
        else {
            this.numBad++;
        }
        if (this.cooldownCounter > 0) {
            this.cooldownCounter--;
            this.numBad = 0;
        }
        if (this.numBad > this.patience) {
            const newLr = Math.max(this.optimizer.lr * this.factor, this.minLr);
            if (this.optimizer.lr - newLr > 1e-8)
                this.optimizer.lr = newLr;
            this.cooldownCounter = this.cooldown;
            this.numBad = 0;
        }
        return this.optimizer.lr;
    }
    getLastLr() {
        return this.optimizer.lr;
    }
    stateDict() {
        return { best: this.best, numBad: this.numBad, cooldownCounter: this.cooldownCounter, lr: this.optimizer.lr };
    }
    loadStateDict(s) {
        this.best = Number(s.best);
        this.numBad = Number(s.numBad);
        this.cooldownCounter = Number(s.cooldownCounter);
        this.optimizer.lr = Number(s.lr);
    }
}
exports.ReduceLROnPlateau = ReduceLROnPlateau;

/**
 * Learning-rate schedulers (PyTorch semantics): call step() once per epoch (or per batch for
 * OneCycle/warmup when configured that way); each sets optimizer.lr. Values match torch's
 * closed forms (checked against fixtures from test/fixtures/gen_torch.py).
 */
import { assertFinite, assertPositiveInteger, assertNonNegativeInteger, assertNumberInRange, assertOneOf,
  expected, describe } from '../core/validate';

/** What a scheduler needs from an optimizer. */
export interface HasLr {
  lr: number;
}

export abstract class LRScheduler {
  /** Epochs (or steps) taken so far. */
  lastEpoch = 0;
  readonly baseLr: number;

  constructor(readonly optimizer: HasLr) {
    if (!optimizer || typeof optimizer.lr !== 'number') {
      throw new TypeError(expected('optimizer with a numeric lr', 'optimizer', describe(optimizer)));
    }
    this.baseLr = optimizer.lr;
  }

  /** The learning rate for epoch `e` (0-based). */
  abstract lrAt(e: number): number;

  /** Advances one epoch and sets the optimizer's lr. */
  step(): number {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
    return this.optimizer.lr;
  }

  getLastLr(): number {
    return this.optimizer.lr;
  }

  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, lr: this.optimizer.lr };
  }

  loadStateDict(s: Record<string, unknown>): void {
    if (typeof s?.lastEpoch !== 'number' || typeof s?.lr !== 'number') {
      throw new TypeError(expected('scheduler state { lastEpoch, lr }', 'state', describe(s)));
    }
    this.lastEpoch = s.lastEpoch;
    this.optimizer.lr = s.lr;
  }
}

/** lr = base * gamma^floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  constructor(opt: HasLr, readonly stepSize: number, readonly gamma = 0.1) {
    super(opt);
    assertPositiveInteger(stepSize, 'stepSize');
    assertFinite(gamma, 'gamma');
  }

  lrAt(e: number): number {
    return this.baseLr * this.gamma ** Math.floor(e / this.stepSize);
  }
}

/** lr = base * gamma^(number of milestones <= epoch). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];

  constructor(opt: HasLr, milestones: number[], readonly gamma = 0.1) {
    super(opt);
    if (!Array.isArray(milestones)) throw new TypeError(expected('array of epochs', 'milestones', describe(milestones)));
    milestones.forEach((m, i) => assertNonNegativeInteger(m, `milestones[${i}]`));
    this.milestones = milestones.slice().sort((a, b) => a - b);
    assertFinite(gamma, 'gamma');
  }

  lrAt(e: number): number {
    return this.baseLr * this.gamma ** this.milestones.filter((m) => m <= e).length;
  }
}

/** lr = base * gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(opt: HasLr, readonly gamma: number) {
    super(opt);
    assertFinite(gamma, 'gamma');
  }

  lrAt(e: number): number {
    return this.baseLr * this.gamma ** e;
  }
}

/** Cosine from base down to etaMin over tMax epochs (closed form). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: HasLr, readonly tMax: number, readonly etaMin = 0) {
    super(opt);
    assertPositiveInteger(tMax, 'tMax');
    assertFinite(etaMin, 'etaMin');
  }

  lrAt(e: number): number {
    return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * e / this.tMax)) / 2;
  }
}

/** SGDR: cosine annealing restarted every t0 * tMult^k epochs. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  constructor(opt: HasLr, readonly t0: number, readonly tMult = 1, readonly etaMin = 0) {
    super(opt);
    assertPositiveInteger(t0, 't0');
    assertPositiveInteger(tMult, 'tMult');
    assertFinite(etaMin, 'etaMin');
  }

  lrAt(e: number): number {
    let tCur = e;
    let tI = this.t0;
    if (this.tMult === 1) {
      tCur = e % this.t0;
    } else {
      while (tCur >= tI) {
        tCur -= tI;
        tI *= this.tMult;
      }
    }
    return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
  }
}

/** Linear warmup: factor goes from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  constructor(opt: HasLr, readonly startFactor = 1 / 3, readonly endFactor = 1, readonly totalIters = 5) {
    super(opt);
    assertNumberInRange(startFactor, 'startFactor', 0, 1, { loOpen: true });
    assertNumberInRange(endFactor, 'endFactor', 0, 1);
    assertPositiveInteger(totalIters, 'totalIters');
    this.optimizer.lr = this.lrAt(0);
  }

  lrAt(e: number): number {
    const t = Math.min(e, this.totalIters) / this.totalIters;
    return this.baseLr * (this.startFactor + (this.endFactor - this.startFactor) * t);
  }
}

/** One-cycle policy (cosine annealing, two phases, PyTorch defaults). */
export class OneCycleLR extends LRScheduler {
  readonly initialLr: number;
  readonly minLr: number;

  constructor(opt: HasLr, readonly maxLr: number, readonly totalSteps: number,
    readonly opts: { pctStart?: number; divFactor?: number; finalDivFactor?: number } = {}) {
    super(opt);
    assertFinite(maxLr, 'maxLr');
    assertPositiveInteger(totalSteps, 'totalSteps');
    const div = opts.divFactor ?? 25;
    const finalDiv = opts.finalDivFactor ?? 1e4;
    this.initialLr = maxLr / div;
    this.minLr = this.initialLr / finalDiv;
    this.optimizer.lr = this.initialLr;
  }

  override step(): number {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new RangeError(`Expected at most ${this.totalSteps} steps (totalSteps) for OneCycleLR but received step ${this.lastEpoch + 1}`);
    }
    return super.step();
  }

  lrAt(e: number): number {
    const pct = this.opts.pctStart ?? 0.3;
    const end1 = pct * this.totalSteps - 1;
    const end2 = this.totalSteps - 1;
    const cos = (start: number, end: number, p: number) => end + (start - end) / 2 * (Math.cos(Math.PI * p) + 1);
    if (e <= end1) return cos(this.initialLr, this.maxLr, e / end1);
    return cos(this.maxLr, this.minLr, (e - end1) / (end2 - end1));
  }
}

/** Reduces lr by `factor` when the monitored value stops improving for `patience` epochs. */
export class ReduceLROnPlateau {
  private best: number;
  private numBad = 0;
  private cooldownCounter = 0;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly minLr: number;

  constructor(readonly optimizer: HasLr, opts: { mode?: 'min' | 'max'; factor?: number; patience?: number;
    threshold?: number; cooldown?: number; minLr?: number } = {}) {
    this.mode = opts.mode ?? 'min';
    assertOneOf(this.mode, 'mode', ['min', 'max'] as const);
    this.factor = opts.factor ?? 0.1;
    assertNumberInRange(this.factor, 'factor', 0, 1, { loOpen: true, hiOpen: true });
    this.patience = opts.patience ?? 10;
    assertNonNegativeInteger(this.patience, 'patience');
    this.threshold = opts.threshold ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  private better(a: number): boolean {
    // PyTorch's default threshold mode 'rel'.
    return this.mode === 'min' ? a < this.best * (1 - this.threshold) : a > this.best * (1 + this.threshold);
  }

  /** Feeds the epoch's monitored value; returns the (possibly reduced) lr. */
  step(value: number): number {
    assertFinite(value, 'value');
    if (this.better(value)) {
      this.best = value;
      this.numBad = 0;
    } else {
      this.numBad++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBad = 0;
    }
    if (this.numBad > this.patience) {
      const newLr = Math.max(this.optimizer.lr * this.factor, this.minLr);
      if (this.optimizer.lr - newLr > 1e-8) this.optimizer.lr = newLr;
      this.cooldownCounter = this.cooldown;
      this.numBad = 0;
    }
    return this.optimizer.lr;
  }

  getLastLr(): number {
    return this.optimizer.lr;
  }

  stateDict(): Record<string, unknown> {
    return { best: this.best, numBad: this.numBad, cooldownCounter: this.cooldownCounter, lr: this.optimizer.lr };
  }

  loadStateDict(s: Record<string, unknown>): void {
    if (typeof s?.lr !== 'number') throw new TypeError(expected('ReduceLROnPlateau state', 'state', describe(s)));
    this.best = s.best === null ? (this.mode === 'min' ? Infinity : -Infinity) : Number(s.best);
    this.numBad = Number(s.numBad);
    this.cooldownCounter = Number(s.cooldownCounter);
    this.optimizer.lr = Number(s.lr);
  }
}

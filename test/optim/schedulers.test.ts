import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { loadFixture, type SchedulerCase } from '../fixtures/fixtures';

const fixture = loadFixture('schedulers');

type Sched = { step(...a: number[]): number; getLastLr(): number };

function make(c: SchedulerCase, opt: { lr: number }): Sched {
  const a = c.attrs as Record<string, any>;
  switch (c.op) {
    case 'stepLR': return new ng.optim.StepLR(opt, a.stepSize, a.gamma);
    case 'multiStepLR': return new ng.optim.MultiStepLR(opt, a.milestones, a.gamma);
    case 'exponentialLR': return new ng.optim.ExponentialLR(opt, a.gamma);
    case 'cosineAnnealingLR': return new ng.optim.CosineAnnealingLR(opt, a.tMax, a.etaMin);
    case 'cosineAnnealingWarmRestarts': return new ng.optim.CosineAnnealingWarmRestarts(opt, a.t0, a.tMult, a.etaMin);
    case 'linearLR': return new ng.optim.LinearLR(opt, a.startFactor, a.endFactor, a.totalIters);
    case 'oneCycleLR':
      expect(a.annealStrategy).toBe('cos');
      expect(a.threePhase).toBe(false);
      return new ng.optim.OneCycleLR(opt, a.maxLr, a.totalSteps,
        { pctStart: a.pctStart, divFactor: a.divFactor, finalDivFactor: a.finalDivFactor });
    case 'reduceLROnPlateau':
      expect(a.thresholdMode).toBe('rel');
      return new ng.optim.ReduceLROnPlateau(opt, { mode: a.mode, factor: a.factor, patience: a.patience,
        threshold: a.threshold, cooldown: a.cooldown, minLr: a.minLr });
    default: throw new Error(`unknown scheduler ${c.op}`);
  }
}

function expectLr(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got} want ${want}`).toBeLessThanOrEqual(1e-12);
}

describe('LR schedulers match PyTorch (schedulers.json)', () => {
  it('has the expected cases', () => {
    expect(fixture.cases.map((c) => c.op).sort()).toEqual(['cosineAnnealingLR', 'cosineAnnealingWarmRestarts', 'exponentialLR',
      'linearLR', 'multiStepLR', 'oneCycleLR', 'reduceLROnPlateau', 'stepLR']);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const a = c.attrs as Record<string, any>;
      const ps = [ng.zeros([3])];
      ps[0].requiresGrad = true;
      const opt = new ng.optim.SGD(ps, { lr: a.baseLr });
      const s = make(c, opt);
      expect(c.lrs.length).toBe(c.epochs);
      for (let e = 0; e < c.epochs; e++) {
        expectLr(opt.lr, c.lrs[e], `${c.name} epoch ${e}`);
        expectLr(s.getLastLr(), c.lrs[e], `${c.name} getLastLr epoch ${e}`);
        // the optimizer really uses the scheduled lr: one SGD step with grad 1 moves p by -lr
        opt.zeroGrad();
        ps[0].grad!.data.fill(1);
        const before = ps[0].data[0];
        opt.step();
        expect(ps[0].data[0]).toBeCloseTo(before - c.lrs[e], 5);
        const ret = c.op === 'reduceLROnPlateau' ? s.step(a.metrics[e]) : s.step();
        expect(ret).toBe(opt.lr);
      }
    });
  }
});

describe('scheduler extras', () => {
  const opt = () => ({ lr: 0.1 });

  it('CosineAnnealingWarmRestarts with tMult 1 restarts every t0 epochs', () => {
    const o = opt();
    const s = new ng.optim.CosineAnnealingWarmRestarts(o, 3, 1, 0.01);
    const lrs = [o.lr];
    for (let e = 1; e < 7; e++) lrs.push(s.step());
    const cos = (t: number) => 0.01 + 0.09 * (1 + Math.cos(Math.PI * t / 3)) / 2;
    [0, 1, 2, 0, 1, 2, 0].forEach((t, e) => expectLr(lrs[e], cos(t), `epoch ${e}`));
  });

  it('MultiStepLR sorts milestones and counts the ones reached', () => {
    const o = opt();
    const s = new ng.optim.MultiStepLR(o, [4, 1], 0.5);
    const lrs = [o.lr];
    for (let e = 1; e < 6; e++) lrs.push(s.step());
    [0.1, 0.05, 0.05, 0.05, 0.025, 0.025].forEach((v, e) => expectLr(lrs[e], v, `epoch ${e}`));
  });

  it('scheduler stateDict/loadStateDict resumes the schedule', () => {
    const o1 = opt();
    const s1 = new ng.optim.StepLR(o1, 2, 0.5);
    for (let e = 0; e < 3; e++) s1.step();
    const st = s1.stateDict();
    const o2 = opt();
    const s2 = new ng.optim.StepLR(o2, 2, 0.5);
    s2.loadStateDict(st);
    expect(o2.lr).toBe(o1.lr);
    for (let e = 0; e < 4; e++) expect(s2.step()).toBe(s1.step());
  });

  it('ReduceLROnPlateau mode max, cooldown and minLr', () => {
    const o = { lr: 1 };
    const s = new ng.optim.ReduceLROnPlateau(o, { mode: 'max', factor: 0.5, patience: 0, cooldown: 1, minLr: 0.3 });
    // 1 improves (best 1); 0.5 bad -> reduce to 0.5, cooldown 1; 0.4 bad but in cooldown; 0.3 bad -> 0.3 (minLr)
    expect([s.step(1), s.step(0.5), s.step(0.4), s.step(0.3), s.step(0.2), s.step(0.1)]).toEqual([1, 0.5, 0.5, 0.3, 0.3, 0.3]);
    const st = s.stateDict();
    const o2 = { lr: 1 };
    const s2 = new ng.optim.ReduceLROnPlateau(o2, { mode: 'max', factor: 0.5, patience: 0, cooldown: 1, minLr: 0.3 });
    s2.loadStateDict(st);
    expect(o2.lr).toBe(0.3);
  });

  it('validates arguments with exact messages', () => {
    expect(() => new ng.optim.StepLR(opt(), 0)).toThrow(new RangeError('Expected positive integer for stepSize but received 0 of type number'));
    expect(() => new ng.optim.StepLR({} as any, 2)).toThrow(new TypeError('Expected optimizer with a numeric lr for optimizer but received an object'));
    expect(() => new ng.optim.MultiStepLR(opt(), [1, -2])).toThrow(
      new RangeError('Expected non-negative integer for milestones[1] but received -2 of type number'));
    expect(() => new ng.optim.MultiStepLR(opt(), 3 as any)).toThrow(
      new TypeError('Expected array of epochs for milestones but received 3 of type number'));
    expect(() => new ng.optim.ExponentialLR(opt(), NaN)).toThrow(new RangeError('Expected finite number for gamma but received NaN of type number'));
    expect(() => new ng.optim.CosineAnnealingLR(opt(), 0)).toThrow(new RangeError('Expected positive integer for tMax but received 0 of type number'));
    expect(() => new ng.optim.CosineAnnealingWarmRestarts(opt(), 4, 1.5)).toThrow(
      new RangeError('Expected positive integer for tMult but received 1.5 of type number'));
    expect(() => new ng.optim.LinearLR(opt(), 0)).toThrow(new RangeError('Expected number in (0, 1] for startFactor but received 0 of type number'));
    expect(() => new ng.optim.OneCycleLR(opt(), 0.1, 0)).toThrow(new RangeError('Expected positive integer for totalSteps but received 0 of type number'));
    expect(() => new ng.optim.ReduceLROnPlateau(opt(), { factor: 1 })).toThrow(
      new RangeError('Expected number in (0, 1) for factor but received 1 of type number'));
    expect(() => new ng.optim.ReduceLROnPlateau(opt(), { mode: 'up' as any })).toThrow(
      new RangeError('Expected one of \'min\', \'max\' for mode but received "up" of type string'));
    expect(() => new ng.optim.ReduceLROnPlateau(opt()).step(NaN)).toThrow(
      new RangeError('Expected finite number for value but received NaN of type number'));
  });
});

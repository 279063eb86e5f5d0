import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { loadFixture, toFloat32, asFloat, type OptimizerCase } from '../fixtures/fixtures';

const fixture = loadFixture('optimizers');

function param(values: Float32Array, shape: number[]): ng.Tensor {
  const p = ng.fromArray(values, shape);
  p.requiresGrad = true;
  return p;
}

function makeOptimizer(c: OptimizerCase, params: ng.Tensor[]): ng.optim.Optimizer {
  const a = c.attrs as Record<string, any>;
  switch (c.op) {
    case 'sgd':
      return new ng.optim.SGD(params, { lr: a.lr, momentum: a.momentum, dampening: a.dampening, nesterov: a.nesterov,
        weightDecay: a.weightDecay });
    case 'adam':
      return new ng.optim.Adam(params, { lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, weightDecay: a.weightDecay,
        amsgrad: a.amsgrad });
    case 'adamw':
      return new ng.optim.AdamW(params, { lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps,
        weightDecay: a.weightDecay, amsgrad: a.amsgrad });
    case 'rmsprop':
      return new ng.optim.RMSprop(params, { lr: a.lr, alpha: a.alpha, eps: a.eps, weightDecay: a.weightDecay,
        momentum: a.momentum, centered: a.centered });
    case 'adagrad':
      return new ng.optim.Adagrad(params, { lr: a.lr, lrDecay: a.lrDecay, weightDecay: a.weightDecay, eps: a.eps,
        initialAccumulatorValue: a.initialAccumulatorValue });
  }
}

/**
 * Float32 closeness, relative to the tensor's scale: |got[i] - want[i]| <= tol * max_j |want[j]|.
 * (Element-wise relative error is meaningless for entries that cross zero: the references are
 * float64 trajectories, ours float32; measured worst case over all cases is ~3e-7.)
 */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst / scale, `${what}: worst error at [${at}] got ${got[at]} want ${want[at]} (scale ${scale})`)
    .toBeLessThanOrEqual(tol);
}

/** The quadratic problem: grad = a * p + b, computed in float64 from the float32 parameters. */
function setGrads(opt: ng.optim.Optimizer, ps: ng.Tensor[], as: Float32Array[], bs: Float32Array[]): void {
  opt.zeroGrad();
  ps.forEach((p, k) => {
    const g = p.grad!.data as Float32Array;
    const v = p.data as Float32Array;
    for (let i = 0; i < v.length; i++) g[i] = as[k][i] * v[i] + bs[k][i];
  });
}

const REL = 1e-6;

describe('optimizers match PyTorch (optimizers.json)', () => {
  it('has the expected cases', () => {
    expect(fixture.cases.length).toBe(18);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const p0 = param(toFloat32(c.inputs.p0), c.inputs.p0.shape);
      const p1 = param(toFloat32(c.inputs.p1), c.inputs.p1.shape);
      const as = [toFloat32(c.inputs.a0), toFloat32(c.inputs.a1)];
      const bs = [toFloat32(c.inputs.b0), toFloat32(c.inputs.b1)];
      const ps = [p0, p1];
      const opt = makeOptimizer(c, ps);
      c.steps.forEach((s, k) => {
        setGrads(opt, ps, as, bs);
        expectClose(p0.grad!.data, asFloat(s.grads.p0).data, 1e-5, `step ${k} grad p0`);
        expectClose(p1.grad!.data, asFloat(s.grads.p1).data, 1e-5, `step ${k} grad p1`);
        if (c.clip?.type === 'norm') {
          const total = ng.optim.clipGradNorm(ps, c.clip.maxNorm);
          expect(Math.abs(total - s.totalNorm!) / s.totalNorm!, `step ${k} totalNorm ${total} vs ${s.totalNorm}`)
            .toBeLessThanOrEqual(1e-5);
        } else if (c.clip?.type === 'value') {
          const r = ng.optim.clipGradValue(ps, c.clip.clipValue);
          expect(r).toBeUndefined();
        }
        if (s.clippedGrads) {
          expectClose(p0.grad!.data, asFloat(s.clippedGrads.p0).data, 1e-5, `step ${k} clipped grad p0`);
          expectClose(p1.grad!.data, asFloat(s.clippedGrads.p1).data, 1e-5, `step ${k} clipped grad p1`);
        }
        opt.step();
        expect(opt.stepCount).toBe(k + 1);
        expectClose(p0.data, asFloat(s.params.p0).data, REL, `${c.name} step ${k} p0`);
        expectClose(p1.data, asFloat(s.params.p1).data, REL, `${c.name} step ${k} p1`);
      });
      opt.dispose();
      p0.dispose();
      p1.dispose();
    });
  }

  it('clipping works on parameters that are not packed (separate gradient tensors)', () => {
    const c = fixture.cases.find((k) => k.name === 'sgd/lr0.1/clipGradNorm1')!;
    const p0 = param(toFloat32(c.inputs.p0), c.inputs.p0.shape);
    const p1 = param(toFloat32(c.inputs.p1), c.inputs.p1.shape);
    p0.grad = ng.fromArray(toFloat32(c.steps[0].grads.p0), c.inputs.p0.shape);
    p1.grad = ng.fromArray(toFloat32(c.steps[0].grads.p1), c.inputs.p1.shape);
    const total = ng.optim.clipGradNorm([p0, p1], 1);
    expect(Math.abs(total - c.steps[0].totalNorm!) / c.steps[0].totalNorm!).toBeLessThanOrEqual(1e-5);
    expectClose(p0.grad.data, c.steps[0].clippedGrads!.p0.data, 1e-5, 'clipped p0');
    expectClose(p1.grad.data, c.steps[0].clippedGrads!.p1.data, 1e-5, 'clipped p1');
    const v = ng.optim.clipGradValue([p0, p1], 0.01);
    expect(v).toBeUndefined();
    for (const x of [...p0.grad.data, ...p1.grad.data]) expect(Math.abs(x)).toBeLessThanOrEqual(Math.fround(0.01));
    // A norm already under maxNorm is left alone.
    const before = Array.from(p0.grad.data);
    const n2 = ng.optim.clipGradNorm([p0, p1], 1e6);
    expect(n2).toBeGreaterThan(0);
    expect(Array.from(p0.grad.data)).toEqual(before);
  });

  it('clip functions validate their arguments', () => {
    const p = param(new Float32Array(3), [3]);
    expect(() => ng.optim.clipGradNorm([p], 0)).toThrow(
      'Expected number in (0, Infinity] for maxNorm but received 0 of type number');
    expect(() => ng.optim.clipGradValue([p], -1)).toThrow(
      'Expected number in (0, Infinity] for clipValue but received -1 of type number');
    expect(() => ng.optim.clipGradNorm('x' as any, 1)).toThrow(
      'Expected array of parameter tensors for params but received "x" of type string');
  });

  it('gradsFinite detects NaN/Infinity in the flat gradient buffer', () => {
    const p = param(new Float32Array([1, 2, 3]), [3]);
    const q = param(new Float32Array([4]), [1]);
    const opt = new ng.optim.SGD([p, q], { lr: 0.1 });
    opt.zeroGrad();
    expect(ng.optim.gradsFinite([p, q])).toBe(true);
    q.grad!.data[0] = NaN;
    expect(ng.optim.gradsFinite([p, q])).toBe(false);
    opt.zeroGrad();
    p.grad!.data[2] = Infinity;
    expect(ng.optim.gradsFinite([p, q])).toBe(false);
  });
});

function quadParams(): ng.Tensor[] {
  const c = fixture.cases[0];
  return [param(toFloat32(c.inputs.p0), c.inputs.p0.shape), param(toFloat32(c.inputs.p1), c.inputs.p1.shape)];
}

describe('optimizer hyperparameter validation', () => {
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    ['SGD lr -1', () => new ng.optim.SGD(quadParams(), { lr: -1 }), RangeError,
      'Expected number in [0, Infinity) for lr but received -1 of type number'],
    ['SGD lr NaN', () => new ng.optim.SGD(quadParams(), { lr: NaN }), RangeError,
      'Expected number in [0, Infinity) for lr but received NaN of type number'],
    ['SGD lr string', () => new ng.optim.SGD(quadParams(), { lr: '0.1' as any }), TypeError,
      'Expected number in [0, Infinity) for lr but received "0.1" of type string'],
    ['SGD momentum -0.1', () => new ng.optim.SGD(quadParams(), { momentum: -0.1 }), RangeError,
      'Expected number in [0, Infinity) for momentum but received -0.1 of type number'],
    ['SGD dampening 2', () => new ng.optim.SGD(quadParams(), { dampening: 2 }), RangeError,
      'Expected number in [0, 1] for dampening but received 2 of type number'],
    ['SGD nesterov without momentum', () => new ng.optim.SGD(quadParams(), { nesterov: true }), RangeError,
      'Expected momentum > 0 and dampening = 0 (required by nesterov) for momentum but received 0 of type number'],
    ['SGD nesterov with dampening', () => new ng.optim.SGD(quadParams(), { nesterov: true, momentum: 0.9, dampening: 0.1 }),
      RangeError, 'Expected momentum > 0 and dampening = 0 (required by nesterov) for momentum but received 0.9 of type number'],
    ['SGD nesterov non-boolean', () => new ng.optim.SGD(quadParams(), { nesterov: 1 as any }), TypeError,
      'Expected boolean for nesterov but received 1 of type number'],
    ['SGD weightDecay -1', () => new ng.optim.SGD(quadParams(), { weightDecay: -1 }), RangeError,
      'Expected number in [0, Infinity) for weightDecay but received -1 of type number'],
    ['Adam lr -1', () => new ng.optim.Adam(quadParams(), { lr: -1 }), RangeError,
      'Expected number in [0, Infinity) for lr but received -1 of type number'],
    ['Adam beta1 1', () => new ng.optim.Adam(quadParams(), { beta1: 1 }), RangeError,
      'Expected number in [0, 1) for beta1 but received 1 of type number'],
    ['Adam beta2 1', () => new ng.optim.Adam(quadParams(), { beta2: 1 }), RangeError,
      'Expected number in [0, 1) for beta2 but received 1 of type number'],
    ['Adam betas [0.9, 1.5]', () => new ng.optim.Adam(quadParams(), { betas: [0.9, 1.5] }), RangeError,
      'Expected number in [0, 1] for beta2 but received 1.5 of type number'],
    ['Adam beta1 -0.1', () => new ng.optim.Adam(quadParams(), { beta1: -0.1 }), RangeError,
      'Expected number in [0, 1] for beta1 but received -0.1 of type number'],
    ['Adam eps -1', () => new ng.optim.Adam(quadParams(), { eps: -1 }), RangeError,
      'Expected number in [0, Infinity) for eps but received -1 of type number'],
    ['Adam amsgrad string', () => new ng.optim.Adam(quadParams(), { amsgrad: 'yes' as any }), TypeError,
      'Expected boolean for amsgrad but received "yes" of type string'],
    ['AdamW weightDecay -0.5', () => new ng.optim.AdamW(quadParams(), { weightDecay: -0.5 }), RangeError,
      'Expected number in [0, Infinity) for weightDecay but received -0.5 of type number'],
    ['RMSprop alpha 1.5', () => new ng.optim.RMSprop(quadParams(), { alpha: 1.5 }), RangeError,
      'Expected number in [0, 1] for alpha but received 1.5 of type number'],
    ['RMSprop momentum -1', () => new ng.optim.RMSprop(quadParams(), { momentum: -1 }), RangeError,
      'Expected number in [0, Infinity) for momentum but received -1 of type number'],
    ['Adagrad lrDecay -1', () => new ng.optim.Adagrad(quadParams(), { lrDecay: -1 }), RangeError,
      'Expected number in [0, Infinity) for lrDecay but received -1 of type number'],
    ['Adagrad initialAccumulatorValue -1', () => new ng.optim.Adagrad(quadParams(), { initialAccumulatorValue: -1 }),
      RangeError, 'Expected number in [0, Infinity) for initialAccumulatorValue but received -1 of type number'],
    ['options not an object', () => new ng.optim.SGD(quadParams(), 5 as any), TypeError,
      'Expected object for options but received 5 of type number'],
  ];
  for (const [name, fn, type, msg] of cases) {
    it(name, () => {
      let err: unknown;
      try { fn(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toBe(msg);
    });
  }

  it('lr set to an invalid value later is rejected at step()', () => {
    const opt = new ng.optim.SGD(quadParams(), { lr: 0.1 });
    opt.lr = -0.5;
    expect(() => opt.step()).toThrow(new RangeError('Expected number in [0, Infinity) for lr but received -0.5 of type number'));
  });

  it('defaults follow PyTorch', () => {
    expect(new ng.optim.SGD(quadParams()).lr).toBe(0.01);
    const adam = new ng.optim.Adam(quadParams());
    expect([adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weightDecay, adam.amsgrad]).toEqual([1e-3, 0.9, 0.999, 1e-8, 0, false]);
    const adamw = new ng.optim.AdamW(quadParams());
    expect([adamw.lr, adamw.weightDecay]).toEqual([1e-3, 0.01]);
    const rms = new ng.optim.RMSprop(quadParams());
    expect([rms.lr, rms.alpha, rms.eps, rms.momentum, rms.centered]).toEqual([0.01, 0.99, 1e-8, 0, false]);
    const ada = new ng.optim.Adagrad(quadParams());
    expect([ada.lr, ada.lrDecay, ada.eps, ada.initialAccumulatorValue]).toEqual([0.01, 0, 1e-10, 0]);
    const betas = new ng.optim.Adam(quadParams(), { betas: [0.8, 0.95] });
    expect([betas.beta1, betas.beta2]).toEqual([0.8, 0.95]);
  });
});

describe('optimizer params validation', () => {
  it('empty array', () => {
    expect(() => new ng.optim.Adam([])).toThrow(
      new RangeError('Expected non-empty array of parameters for params but received an array of length 0'));
  });
  it('not an array', () => {
    expect(() => new ng.optim.Adam('x' as any)).toThrow(
      new TypeError('Expected array of parameter tensors for params but received "x" of type string'));
  });
  it('non-tensor element', () => {
    const [p] = quadParams();
    expect(() => new ng.optim.SGD([p, { data: [1] } as any])).toThrow(
      new TypeError('Expected Tensor for params[1] but received an object'));
    expect(() => new ng.optim.SGD([p, new Float32Array(2) as any])).toThrow(
      new TypeError('Expected Tensor for params[1] but received Float32Array of length 2'));
    expect(() => new ng.optim.SGD([1 as any])).toThrow(
      new TypeError('Expected Tensor for params[0] but received 1 of type number'));
  });
  it('requiresGrad false', () => {
    const [p] = quadParams();
    expect(() => new ng.optim.SGD([p, ng.zeros([2])])).toThrow(
      new TypeError('Expected tensor with requiresGrad=true for params[1] but received a tensor with requiresGrad=false'));
  });
  it('int32 and disposed tensors, duplicates', () => {
    const i = ng.zeros([2], { dtype: 'int32' });
    i.requiresGrad = true;
    expect(() => new ng.optim.SGD([i])).toThrow(new TypeError('Expected float32 Tensor for params[0] but received int32 Tensor'));
    const [p, q] = quadParams();
    q.dispose();
    expect(() => new ng.optim.SGD([p, q])).toThrow(new TypeError('Expected a live tensor for params[1] but received a disposed tensor'));
    expect(() => new ng.optim.SGD([p, p])).toThrow(
      new RangeError('Expected distinct parameters for params but received the same tensor more than once'));
  });
});

describe('optimizer state dicts', () => {
  const configs: [string, (ps: ng.Tensor[]) => ng.optim.Optimizer][] = [
    ['SGD momentum nesterov', (ps) => new ng.optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam amsgrad', (ps) => new ng.optim.Adam(ps, { lr: 0.1, beta2: 0.5, amsgrad: true })],
    ['AdamW', (ps) => new ng.optim.AdamW(ps, { lr: 0.05, weightDecay: 0.1 })],
    ['RMSprop centered momentum', (ps) => new ng.optim.RMSprop(ps, { lr: 0.01, momentum: 0.9, centered: true })],
    ['Adagrad lrDecay', (ps) => new ng.optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.1 })],
  ];
  const c = fixture.cases[0];
  const as = [toFloat32(c.inputs.a0), toFloat32(c.inputs.a1)];
  const bs = [toFloat32(c.inputs.b0), toFloat32(c.inputs.b1)];

  for (const [name, make] of configs) {
    it(`${name}: save after 3 steps, load into a fresh optimizer on a copy, 2 more steps are bit-identical`, () => {
      const ps = quadParams();
      const opt = make(ps);
      for (let k = 0; k < 3; k++) {
        setGrads(opt, ps, as, bs);
        opt.step();
      }
      const state = opt.stateDict();
      expect(state.type).toBe(opt.constructor.name);
      expect(state.step).toBe(3);
      expect(state.hyper.lr).toBe(opt.lr);
      // The state holds copies, not views.
      for (const b of Object.values(state.buffers)) expect(b).toBeInstanceOf(Float32Array);
      const snapshot = JSON.parse(JSON.stringify({ ...state, buffers: Object.fromEntries(
        Object.entries(state.buffers).map(([k, v]) => [k, Array.from(v)])) }));

      const copies = ps.map((p) => param((p.data as Float32Array).slice(), [...p.shape]));
      const opt2 = make(copies);
      // Round trip through JSON-like plain data, as a checkpoint would.
      opt2.loadStateDict({ ...snapshot, buffers: Object.fromEntries(
        Object.entries(snapshot.buffers as Record<string, number[]>).map(([k, v]) => [k, Float32Array.from(v)])) });
      expect(opt2.stepCount).toBe(3);
      for (let k = 0; k < 2; k++) {
        setGrads(opt, ps, as, bs);
        opt.step();
        setGrads(opt2, copies, as, bs);
        opt2.step();
      }
      for (let i = 0; i < ps.length; i++) {
        expect(Array.from(copies[i].data)).toEqual(Array.from(ps[i].data));
      }
      // And the state dict taken before continuing was not changed by the later steps.
      for (const [k, v] of Object.entries(state.buffers)) expect(Array.from(v)).toEqual(snapshot.buffers[k]);
    });
  }

  it('loadStateDict rejects another optimizer type and a wrong buffer size', () => {
    const sgd = new ng.optim.SGD(quadParams(), { momentum: 0.9 });
    const adam = new ng.optim.Adam(quadParams());
    expect(() => adam.loadStateDict(sgd.stateDict())).toThrow(new TypeError('Expected Adam state for state but received SGD state'));
    const st = adam.stateDict();
    const bad = { ...st, buffers: { m: new Float32Array(3) } };
    expect(() => adam.loadStateDict(bad)).toThrow(
      new RangeError(`Expected ${adam.numel} values for state buffer 'm' but received 3`));
  });
});

describe('optimizers on a model', () => {
  it('Adam reduces an MLP regression loss and keeps parameters finite', () => {
    ng.setSeed(7);
    const model = new ng.nn.Sequential(new ng.nn.Linear(3, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 1));
    const x = ng.randn([64, 3]);
    const xs = x.data as Float32Array;
    const yd = new Float32Array(64);
    for (let i = 0; i < 64; i++) yd[i] = xs[i * 3] - 2 * xs[i * 3 + 1] + 0.5 * xs[i * 3 + 2];
    const y = ng.fromArray(yd, [64, 1]);
    const opt = new ng.optim.Adam(model.parameters(), { lr: 0.01 });
    const lossAt = () => ng.tidy(() => ng.losses.mse(model.forward(x), y).item());
    const first = lossAt();
    for (let s = 0; s < 200; s++) {
      ng.tidy(() => {
        opt.zeroGrad();
        const loss = ng.losses.mse(model.forward(x), y);
        loss.backward();
        opt.step();
      });
    }
    const last = lossAt();
    expect(last).toBeLessThan(first * 0.05);
    expect(ng.optim.gradsFinite(model.parameters())).toBe(true);
  });
});

describe('hyperparameter combinations not in the fixture file (torch 1.13, float64, 4 steps)', () => {
  // Produced with python3-torch 1.13: p = [1, -2, 3, 0.5], grad = a * p + b with
  // a = [1, 2, 0.5, 3], b = [0.5, -1, 0.25, -2]; params after each of 4 steps.
  const a = new Float32Array([1, 2, 0.5, 3]);
  const b = new Float32Array([0.5, -1, 0.25, -2]);
  const ref: Record<string, [(ps: ng.Tensor[]) => ng.optim.Optimizer, number[][]]> = {
    'rmsprop lr0.01 alpha0.9 weightDecay0.1 momentum0.5': [(ps) => new ng.optim.RMSprop(ps, { lr: 0.01, alpha: 0.9, eps: 1e-8,
      weightDecay: 0.1, momentum: 0.5 }), [
      [0.9683772240233162, -1.9683772235906238, 2.968377223886121, 0.5316227743794617],
      [0.9298646233115901, -1.9297644514332972, 2.9297255808395573, 0.5675505583390872],
      [0.8918598895276015, -1.8915161629459358, 2.8913832926388534, 0.5986908824487196],
      [0.8564331826350282, -1.8557023599827942, 2.855420918323001, 0.6223038891736962]]],
    'rmsprop centered, no momentum': [(ps) => new ng.optim.RMSprop(ps, { lr: 0.01, centered: true }), [
      [0.8994962252080851, -1.899496220494281, 2.8994962242460844, 0.600503761323905],
      [0.8304043534176649, -1.8293687063056916, 2.8289375836300272, 0.6378754778976149],
      [0.7748693869696854, -1.7724355485307963, 2.7714256911344672, 0.6540401273870281],
      [0.7273138417907047, -1.723275444690195, 2.721605480395747, 0.6611536245190465]]],
    'adagrad lrDecay0.5 weightDecay0.1 initialAccumulatorValue0.2': [(ps) => new ng.optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.5,
      weightDecay: 0.1, initialAccumulatorValue: 0.2 }), [
      [0.9036913175371817, -1.9003677835207937, 2.902297836961766, 0.570929936550339],
      [0.8591123301715153, -1.8542935128378915, 2.856404519736101, 0.5936618289408473],
      [0.8319592685489611, -1.8262427056474717, 2.828320685267783, 0.6051721715859829],
      [0.8131769143138458, -1.806851540233381, 2.8088602134767635, 0.6122107892959417]]],
    'adamw amsgrad betas [0.8, 0.5] weightDecay0.1': [(ps) => new ng.optim.AdamW(ps, { lr: 0.1, betas: [0.8, 0.5], weightDecay: 0.1,
      amsgrad: true }), [
      [0.8900000006666666, -1.8800000002, 2.8700000005714283, 0.594999998],
      [0.7803098573019516, -1.760676496031018, 2.7408930054603236, 0.6727408963315885],
      [0.6703896861534998, -1.641697292614245, 2.6124271622426454, 0.7173863120108935],
      [0.5632884161914316, -1.5236730020658062, 2.4843956889930205, 0.7312588468390556]]],
    'sgd nesterov momentum0.8 weightDecay0.05': [(ps) => new ng.optim.SGD(ps, { lr: 0.1, momentum: 0.8, nesterov: true,
      weightDecay: 0.05 }), [
      [0.721, -1.082, 2.658, 0.5855],
      [0.39553099999999997, -0.176342, 2.228258, 0.6544605],
      [0.07096444099999993, 0.5358065980000002, 1.7558188579999998, 0.6931920855],
      [-0.21887648154900013, 0.9788927537380003, 1.2770848294579997, 0.7033032609605]]],
    'adam amsgrad betas [0.5, 0.6] weightDecay0.2 eps1e-6': [(ps) => new ng.optim.Adam(ps, { lr: 0.05, betas: [0.5, 0.6],
      weightDecay: 0.2, amsgrad: true, eps: 1e-6 }), [
      [0.9500000294117474, -1.9500000092592575, 2.950000021276587, 0.5499998750003126],
      [0.9000828659889065, -1.90004549630175, 2.900032686017004, 0.5963798428467093],
      [0.8502916206153471, -1.8501586765159006, 2.850113577275245, 0.627538204081448],
      [0.8006531628154879, -1.8003518459316483, 2.8002509325923355, 0.6420602949220111]]],
  };
  for (const [name, [make, steps]] of Object.entries(ref)) {
    it(name, () => {
      const p = param(new Float32Array([1, -2, 3, 0.5]), [4]);
      const opt = make([p]);
      steps.forEach((want, k) => {
        setGrads(opt, [p], [a], [b]);
        opt.step();
        expectClose(p.data, want, REL, `${name} step ${k}`);
      });
    });
  }
});

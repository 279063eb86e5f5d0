import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';

const { init } = ng;

function stats(t: ng.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.data;
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    if (d[i] < min) min = d[i];
    if (d[i] > max) max = d[i];
  }
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / d.length), min, max };
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** 200 x 500 = 100k samples: standard error of the mean is std / 316, of the std ~ std / 447. */
const big = () => ng.empty([200, 500]);
const FAN_IN = 500;
const FAN_OUT = 200;

describe('constant initializers', () => {
  it('zeros, ones, constant fill exactly and return the tensor', () => {
    const t = ng.randn([7, 3]);
    expect(init.zeros(t)).toBe(t);
    expect(Array.from(t.data).every((v) => v === 0)).toBe(true);
    init.ones(t);
    expect(Array.from(t.data).every((v) => v === 1)).toBe(true);
    init.constant(t, -2.5);
    expect(Array.from(t.data).every((v) => v === -2.5)).toBe(true);
    expect(errorOf(() => init.constant(t, NaN)).message).toBe('Expected finite number for value but received NaN of type number');
  });
});

describe('random initializers: statistics', () => {
  it('uniform defaults to U(0, 1) and respects low/high', () => {
    ng.setSeed(1);
    const s0 = stats(init.uniform(big()));
    expect(s0.min).toBeGreaterThanOrEqual(0);
    expect(s0.max).toBeLessThanOrEqual(1);
    expect(Math.abs(s0.mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s0.std - 1 / Math.sqrt(12))).toBeLessThan(0.003);
    const s = stats(init.uniform(big(), { low: -3, high: 1 }));
    expect(s.min).toBeGreaterThanOrEqual(-3);
    expect(s.min).toBeLessThan(-2.99);
    expect(s.max).toBeLessThanOrEqual(1);
    expect(s.max).toBeGreaterThan(0.99);
    expect(Math.abs(s.mean + 1)).toBeLessThan(0.02);
    expect(Math.abs(s.std - 4 / Math.sqrt(12))).toBeLessThan(0.01);
    expect(errorOf(() => init.uniform(big(), { low: 1, high: 0 })).message).toBe('Expected number >= low (1) for high but received 0 of type number');
  });

  it('normal defaults to N(0, 1) and respects mean/std', () => {
    ng.setSeed(2);
    const s0 = stats(init.normal(big()));
    expect(Math.abs(s0.mean)).toBeLessThan(0.01);
    expect(Math.abs(s0.std - 1)).toBeLessThan(0.01);
    const s = stats(init.normal(big(), { mean: 3, std: 0.5 }));
    expect(Math.abs(s.mean - 3)).toBeLessThan(0.005);
    expect(Math.abs(s.std - 0.5)).toBeLessThan(0.005);
    expect(errorOf(() => init.normal(big(), { std: -1 })).message).toBe('Expected non-negative number for std but received -1 of type number');
  });

  it('truncatedNormal stays inside [mean - 2 std, mean + 2 std] (or [a, b]) with the truncated std', () => {
    ng.setSeed(3);
    const s = stats(init.truncatedNormal(big(), { mean: 1, std: 0.5 }));
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(s.min).toBeLessThan(0.01);
    expect(s.max).toBeGreaterThan(1.99);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.005);
    // std of N(0, 1) truncated to [-2, 2] is 0.8796 (PyTorch's trunc_normal_ on 1e6 samples: 0.880)
    expect(Math.abs(s.std - 0.5 * 0.8796)).toBeLessThan(0.005);
    const c = stats(init.truncatedNormal(big(), { a: -0.5, b: 1 }));
    expect(c.min).toBeGreaterThanOrEqual(-0.5);
    expect(c.max).toBeLessThanOrEqual(1);
    expect(errorOf(() => init.truncatedNormal(big(), { a: 1, b: 1 })).message).toBe('Expected number > a (1) for b but received 1 of type number');
  });

  it('xavierUniform / xavierNormal: bound gain * sqrt(6 / (fanIn + fanOut)), std gain * sqrt(2 / (fanIn + fanOut))', () => {
    ng.setSeed(4);
    for (const gain of [1, 5 / 3]) {
      const bound = gain * Math.sqrt(6 / (FAN_IN + FAN_OUT));
      const u = stats(init.xavierUniform(big(), { gain }));
      expect(u.max).toBeLessThanOrEqual(bound);
      expect(u.min).toBeGreaterThanOrEqual(-bound);
      expect(u.max).toBeGreaterThan(0.99 * bound);
      expect(Math.abs(u.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.01);
      const n = stats(init.xavierNormal(big(), { gain }));
      expect(Math.abs(n.std / (gain * Math.sqrt(2 / (FAN_IN + FAN_OUT))) - 1)).toBeLessThan(0.01);
      expect(Math.abs(n.mean)).toBeLessThan(0.01 * n.std * 3);
    }
  });

  it('kaimingUniform / kaimingNormal: modes and nonlinearity gains', () => {
    ng.setSeed(5);
    const cases: [ng.init.KaimingOptions, number][] = [
      [{}, Math.SQRT2 / Math.sqrt(FAN_IN)],
      [{ mode: 'fanOut' }, Math.SQRT2 / Math.sqrt(FAN_OUT)],
      [{ mode: 'fanIn', nonlinearity: 'tanh' }, (5 / 3) / Math.sqrt(FAN_IN)],
      [{ nonlinearity: 'leakyRelu', a: 0.2 }, Math.sqrt(2 / 1.04) / Math.sqrt(FAN_IN)],
      [{ nonlinearity: 'leakyRelu' }, Math.SQRT2 / Math.sqrt(FAN_IN)], // a defaults to 0, as in PyTorch
      [{ nonlinearity: 'linear', mode: 'fanOut' }, 1 / Math.sqrt(FAN_OUT)],
    ];
    for (const [opts, std] of cases) {
      const u = stats(init.kaimingUniform(big(), opts));
      const bound = Math.sqrt(3) * std;
      expect(u.max, JSON.stringify(opts)).toBeLessThanOrEqual(bound);
      expect(u.min).toBeGreaterThanOrEqual(-bound);
      expect(u.max).toBeGreaterThan(0.99 * bound);
      expect(Math.abs(u.std / std - 1), JSON.stringify(opts)).toBeLessThan(0.01);
      const n = stats(init.kaimingNormal(big(), opts));
      expect(Math.abs(n.std / std - 1), JSON.stringify(opts)).toBeLessThan(0.01);
    }
    expect(errorOf(() => init.kaimingUniform(big(), { mode: 'fan_in' as any })).message)
      .toBe('Expected one of \'fanIn\', \'fanOut\' for mode but received "fan_in" of type string');
  });

  it('lecunUniform / lecunNormal use fanIn only', () => {
    ng.setSeed(6);
    const bound = Math.sqrt(3 / FAN_IN);
    const u = stats(init.lecunUniform(big()));
    expect(u.max).toBeLessThanOrEqual(bound);
    expect(u.min).toBeGreaterThanOrEqual(-bound);
    expect(Math.abs(u.std * Math.sqrt(FAN_IN) - 1)).toBeLessThan(0.01);
    const n = stats(init.lecunNormal(big()));
    expect(Math.abs(n.std * Math.sqrt(FAN_IN) - 1)).toBeLessThan(0.01);
  });

  it('fans of higher-rank weights follow PyTorch: (out, in, k...) -> fanIn = in * k, fanOut = out * k', () => {
    expect(init.fans(ng.empty([8, 3, 5, 5]))).toEqual({ fanIn: 75, fanOut: 200 });
    expect(init.fans(ng.empty([4, 6]))).toEqual({ fanIn: 6, fanOut: 4 });
    ng.setSeed(7);
    const t = ng.empty([64, 40, 25]);
    const n = stats(init.kaimingNormal(t));
    expect(Math.abs(n.std / (Math.SQRT2 / Math.sqrt(1000)) - 1)).toBeLessThan(0.01);
  });
});

describe('orthogonal', () => {
  function gram(t: ng.Tensor, rowsSide: boolean): number[][] {
    const rows = t.shape[0];
    const cols = t.size / rows;
    const d = t.data;
    const k = rowsSide ? rows : cols;
    const g: number[][] = [];
    for (let i = 0; i < k; i++) {
      g.push([]);
      for (let j = 0; j < k; j++) {
        let s = 0;
        if (rowsSide) for (let c = 0; c < cols; c++) s += d[i * cols + c] * d[j * cols + c];
        else for (let r = 0; r < rows; r++) s += d[r * cols + i] * d[r * cols + j];
        g[i].push(s);
      }
    }
    return g;
  }
  function expectScaledIdentity(g: number[][], scale: number): void {
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < g.length; j++) expect(Math.abs(g[i][j] - (i === j ? scale : 0))).toBeLessThan(1e-5 * Math.max(1, scale));
    }
  }

  it('wide matrices have orthonormal rows (Q Q^T = I)', () => {
    ng.setSeed(8);
    expectScaledIdentity(gram(init.orthogonal(ng.empty([6, 40])), true), 1);
  });

  it('tall matrices have orthonormal columns (Q^T Q = I)', () => {
    ng.setSeed(9);
    expectScaledIdentity(gram(init.orthogonal(ng.empty([40, 6])), false), 1);
  });

  it('square matrices are orthogonal both ways; gain scales; higher rank is flattened to (rows, rest)', () => {
    ng.setSeed(10);
    const q = init.orthogonal(ng.empty([12, 12]));
    expectScaledIdentity(gram(q, true), 1);
    expectScaledIdentity(gram(q, false), 1);
    const g = init.orthogonal(ng.empty([5, 9]), { gain: 2 });
    expectScaledIdentity(gram(g, true), 4);
    const r = init.orthogonal(ng.empty([4, 2, 3]));
    expectScaledIdentity(gram(r, true), 1);
  });

  it('needs at least 2 dimensions', () => {
    const e = errorOf(() => init.orthogonal(ng.empty([5])));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('Expected tensor with at least 2 dimensions for tensor but received shape [5]');
  });
});

describe('calculateGain', () => {
  it('matches torch.nn.init.calculate_gain', () => {
    // values printed by torch 1.13 calculate_gain
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('identity')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(1.6666666666666667, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(1.4142135623730951, 15);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(1.4141428569978354, 15);
    expect(init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(1.3867504905630728, 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    // extensions beyond PyTorch's table: ReLU-like
    expect(init.calculateGain('gelu')).toBe(Math.SQRT2);
    expect(init.calculateGain('silu')).toBe(Math.SQRT2);
  });

  it('rejects unknown nonlinearities', () => {
    const e = errorOf(() => init.calculateGain('leaky_relu' as any));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe("Expected one of 'linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu', 'gelu', 'silu' " +
      'for nonlinearity but received "leaky_relu" of type string');
  });
});

describe('seeding', () => {
  const all: [string, (t: ng.Tensor) => ng.Tensor][] = [
    ['uniform', (t) => init.uniform(t)], ['normal', (t) => init.normal(t)], ['truncatedNormal', (t) => init.truncatedNormal(t)],
    ['xavierUniform', (t) => init.xavierUniform(t)], ['xavierNormal', (t) => init.xavierNormal(t)],
    ['kaimingUniform', (t) => init.kaimingUniform(t)], ['kaimingNormal', (t) => init.kaimingNormal(t)],
    ['lecunUniform', (t) => init.lecunUniform(t)], ['lecunNormal', (t) => init.lecunNormal(t)],
    ['orthogonal', (t) => init.orthogonal(t)],
  ];
  for (const [name, f] of all) {
    it(`${name} is reproducible under ng.setSeed and changes with the seed`, () => {
      ng.setSeed(1234);
      const a = Array.from(f(ng.empty([30, 20])).data);
      const a2 = Array.from(f(ng.empty([30, 20])).data);
      ng.setSeed(1234);
      const b = Array.from(f(ng.empty([30, 20])).data);
      ng.setSeed(1235);
      const c = Array.from(f(ng.empty([30, 20])).data);
      expect(b).toEqual(a);
      expect(a2).not.toEqual(a);
      expect(c).not.toEqual(a);
    });
  }

  it('byName aliases give the same draws (glorot = xavier, he = kaiming)', () => {
    const pairs: [ng.init.InitName, ng.init.InitName][] = [['glorotUniform', 'xavierUniform'], ['glorotNormal', 'xavierNormal'],
      ['heUniform', 'kaimingUniform'], ['heNormal', 'kaimingNormal']];
    for (const [a, b] of pairs) {
      ng.setSeed(77);
      const x = Array.from(init.byName(a, ng.empty([10, 10])).data);
      ng.setSeed(77);
      const y = Array.from(init.byName(b, ng.empty([10, 10])).data);
      expect(x).toEqual(y);
    }
    expect(init.INIT_NAMES.length).toBe(16);
    for (const n of init.INIT_NAMES) expect(init.byName(n, ng.empty([4, 4])).shape).toEqual([4, 4]);
  });
});

describe('initializer errors', () => {
  it('fan-based initializers need at least 2 dimensions', () => {
    const msg = 'Expected tensor with at least 2 dimensions (fan in/out are undefined for fewer) for tensor but received shape [5]';
    for (const f of [init.xavierUniform, init.xavierNormal, init.kaimingUniform, init.kaimingNormal, init.lecunUniform, init.lecunNormal]) {
      const e = errorOf(() => (f as (t: ng.Tensor) => ng.Tensor)(ng.empty([5])));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe(msg);
    }
    expect(errorOf(() => init.xavierUniform(ng.empty([]))).message).toBe(
      'Expected tensor with at least 2 dimensions (fan in/out are undefined for fewer) for tensor but received shape []');
  });

  it('non-tensors and int32 tensors are rejected', () => {
    expect(errorOf(() => init.zeros(ng.zeros([3], { dtype: 'int32' }))).message)
      .toBe('Expected float32 Tensor for tensor but received int32 Tensor of shape [3]');
    expect(errorOf(() => init.normal([1, 2] as any))).toBeInstanceOf(TypeError);
    expect(errorOf(() => init.xavierUniform(new Float32Array(4) as any))).toBeInstanceOf(TypeError);
  });
});

describe('initializers through Linear({ init })', () => {
  // Linear.resetParameters defaults its nonlinearity to 'relu', and byName applies that gain to
  // Xavier/Glorot and orthogonal too, so `init: 'glorotUniform'` on a Linear draws sqrt(2) wider
  // than Glorot (Keras glorot_uniform / torch xavier_uniform_ use gain 1).
  it('glorotUniform on a Linear uses the Glorot bound sqrt(6 / (in + out))', () => {
    ng.setSeed(12);
    const l = new ng.nn.Linear(200, 100, { init: 'glorotUniform' });
    const s = stats(l.weight);
    const bound = Math.sqrt(6 / 300);
    expect(Math.max(s.max, -s.min)).toBeLessThanOrEqual(bound);
  });

  it('orthogonal on a Linear gives orthonormal rows', () => {
    ng.setSeed(13);
    const l = new ng.nn.Linear(8, 4, { init: 'orthogonal' });
    const w = l.weight.data;
    let rowNorm = 0;
    for (let c = 0; c < 8; c++) rowNorm += w[c] * w[c];
    expect(rowNorm).toBeCloseTo(1, 5);
  });

  it('heUniform on a Linear uses the He bound sqrt(6 / in)', () => {
    ng.setSeed(14);
    const l = new ng.nn.Linear(300, 100, { init: 'heUniform' });
    const s = stats(l.weight);
    const bound = Math.sqrt(6 / 300);
    expect(Math.max(s.max, -s.min)).toBeLessThanOrEqual(bound);
    expect(Math.max(s.max, -s.min)).toBeGreaterThan(0.99 * bound);
  });
});

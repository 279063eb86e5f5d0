import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { loadFixture, toFloat32, asFloat, asInt, type OpCase } from '../fixtures/fixtures';

const { nn } = ng;
const layersFx = loadFixture('layers');

function maxRelDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 1e-3;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return got.length === want.length ? m / scale : NaN;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

function buildLayer(c: OpCase): ng.nn.Module {
  const a = c.attrs as Record<string, any>;
  switch (c.op) {
    case 'Linear': return new nn.Linear(a.inFeatures, a.outFeatures, { bias: a.bias });
    case 'LayerNorm': return new nn.LayerNorm(a.normalizedShape[0], a.eps);
    case 'BatchNorm1d': {
      const bn = new nn.BatchNorm1d(a.numFeatures, { eps: a.eps, momentum: a.momentum });
      return a.training ? bn.train() : bn.eval();
    }
    case 'Embedding': return new nn.Embedding(a.numEmbeddings, a.embeddingDim);
    default: throw new Error(`unknown layer ${c.op}`);
  }
}

describe('layers match torch.nn (layers.json)', () => {
  for (const c of layersFx.cases) {
    it(c.name, () => {
      const m = buildLayer(c);
      // overwrite parameters and buffers with the fixture's values
      const state: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (const [k, t] of Object.entries(c.inputs)) {
        if (k === 'x' || k === 'indices') continue;
        state[k] = { shape: t.shape, data: toFloat32(t) };
      }
      expect(m.loadStateDict(state)).toEqual({ missing: [], unexpected: [] });
      let input: ng.Tensor;
      if (c.inputs.indices) {
        const idx = asInt(c.inputs.indices);
        input = ng.fromArray(Int32Array.from(idx.data), idx.shape);
      } else {
        input = ng.fromArray(toFloat32(c.inputs.x), c.inputs.x.shape);
        input.requiresGrad = true;
      }
      const y = m.forward(input);
      expect(y.shape).toEqual(c.output.shape);
      expect(maxRelDiff(y.data, c.output.data), 'output').toBeLessThanOrEqual(1e-5);
      if (c.outputs?.runningMean) {
        const bn = m as ng.nn.BatchNorm1d;
        expect(maxRelDiff(bn.runningMean.data, asFloat(c.outputs.runningMean).data), 'runningMean').toBeLessThanOrEqual(1e-5);
        expect(maxRelDiff(bn.runningVar.data, asFloat(c.outputs.runningVar).data), 'runningVar').toBeLessThanOrEqual(1e-5);
      } else if (c.op === 'BatchNorm1d') {
        // eval: running statistics are used and left unchanged
        const bn = m as ng.nn.BatchNorm1d;
        expect(Array.from(bn.runningMean.data)).toEqual(Array.from(toFloat32(c.inputs.runningMean)));
        expect(Array.from(bn.runningVar.data)).toEqual(Array.from(toFloat32(c.inputs.runningVar)));
      }
      y.backward(ng.fromArray(toFloat32(c.gradOutput!), c.gradOutput!.shape));
      const params = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.grads!)) {
        const t = k === 'x' ? input : params[k];
        expect(t, k).toBeDefined();
        expect(maxRelDiff(t.grad!.data, g.data), `grad ${k}`).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});

describe('Dropout', () => {
  it('eval mode (and p = 0) is the identity', () => {
    const x = ng.randn([10, 10]);
    const d = new nn.Dropout(0.5).eval();
    expect(Array.from(d.forward(x).data)).toEqual(Array.from(x.data));
    expect(Array.from(new nn.Dropout(0).forward(x).data)).toEqual(Array.from(x.data));
  });

  it('train mode zeroes about p of the elements and scales the rest by 1/(1-p), seeded', () => {
    const x = ng.ones([100, 100]);
    const d = new nn.Dropout(0.3);
    ng.setSeed(123);
    const y = d.forward(x);
    const v = Array.from(y.data);
    const zeros = v.filter((e) => e === 0).length;
    expect(Math.abs(zeros / v.length - 0.3)).toBeLessThan(0.02);
    for (const e of v) if (e !== 0) expect(e).toBeCloseTo(1 / 0.7, 6);
    ng.setSeed(123);
    expect(Array.from(d.forward(x).data)).toEqual(v);
    // a different draw without reseeding
    expect(Array.from(d.forward(x).data)).not.toEqual(v);
  });

  it('gradient flows only through kept elements', () => {
    ng.setSeed(5);
    const x = ng.ones([1000]);
    x.requiresGrad = true;
    const y = new nn.Dropout(0.5).forward(x);
    y.sum().backward();
    const g = x.grad!.data;
    for (let i = 0; i < 1000; i++) expect(g[i]).toBeCloseTo(y.data[i], 6);
  });

  it('rejects p outside [0, 1)', () => {
    expect(errorOf(() => new nn.Dropout(1)).message).toBe('Expected number in [0, 1) for p but received 1 of type number');
    expect(errorOf(() => new nn.Dropout(-0.1))).toBeInstanceOf(RangeError);
  });
});

describe('BatchNorm1d', () => {
  it('updates running statistics in train mode (unbiased var, momentum) and uses them in eval mode', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: 0.5 });
    const x = ng.tensor([[1, 10], [3, 20], [5, 60]]);
    const y = bn.forward(x);
    // batch stats: mean [3, 30]; biased var [8/3, 1400/3]; unbiased var [4, 700]
    expect(Array.from(bn.runningMean.data)).toEqual([1.5, 15].map(Math.fround));
    expect(Array.from(bn.runningVar.data).map((v) => +v.toFixed(4))).toEqual([2.5, 350.5]);
    // train output normalised with the biased batch variance
    expect(y.data[0]).toBeCloseTo((1 - 3) / Math.sqrt(8 / 3 + 1e-5), 5);
    expect(y.data[5]).toBeCloseTo((60 - 30) / Math.sqrt(1400 / 3 + 1e-5), 5);
    bn.eval();
    const z = bn.forward(ng.tensor([[1.5, 15], [2, 20]]));
    expect(z.data[0]).toBeCloseTo(0, 6);
    expect(z.data[1]).toBeCloseTo(0, 6);
    expect(z.data[2]).toBeCloseTo(0.5 / Math.sqrt(2.5 + 1e-5), 5);
    expect(z.data[3]).toBeCloseTo(5 / Math.sqrt(350.5 + 1e-5), 4);
    // eval leaves the statistics alone
    expect(Array.from(bn.runningMean.data)).toEqual([1.5, 15].map(Math.fround));
  });

  it('accepts (N, C, L) and checks the channel dimension', () => {
    const bn = new nn.BatchNorm1d(3);
    expect(bn.forward(ng.randn([4, 3, 5])).shape).toEqual([4, 3, 5]);
    expect(errorOf(() => bn.forward(ng.zeros([4, 5]))).message).toBe('Expected shape [*, 3] for input but received [4, 5]');
    expect(errorOf(() => bn.forward(ng.zeros([12]))).message).toBe('Expected shape [*, 3] for input but received [12]');
    expect(errorOf(() => new nn.BatchNorm1d(3, { momentum: 2 })).message).toBe('Expected number in [0, 1] for momentum but received 2 of type number');
    expect(errorOf(() => new nn.BatchNorm1d(0)).message).toBe('Expected positive integer for numFeatures but received 0 of type number');
  });
});

describe('LayerNorm', () => {
  it('normalises the last dimension with affine weight (1) and bias (0)', () => {
    const ln = new nn.LayerNorm(4);
    expect(Array.from(ln.weight.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(ln.bias.data)).toEqual([0, 0, 0, 0]);
    const y = ln.forward(ng.tensor([[1, 2, 3, 4], [10, 10, 10, 14]]));
    const row = (r: number) => Array.from(y.data.slice(r * 4, r * 4 + 4));
    for (const r of [0, 1]) {
      const v = row(r);
      const mean = v.reduce((s, e) => s + e, 0) / 4;
      const varr = v.reduce((s, e) => s + (e - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(varr).toBeCloseTo(1, 3);
    }
    expect(errorOf(() => ln.forward(ng.zeros([2, 5]))).message).toBe('Expected shape [*, 4] for input but received [2, 5]');
    expect(errorOf(() => new nn.LayerNorm(4, 0)).message).toBe('Expected number in (0, Infinity] for eps but received 0 of type number');
  });
});

describe('Embedding', () => {
  it('looks up rows; output shape is indices.shape + [dim]', () => {
    const e = new nn.Embedding(5, 3);
    expect(e.weight.shape).toEqual([5, 3]);
    const idx = ng.tensor([[4, 0], [1, 4]], { dtype: 'int32' });
    const y = e.forward(idx);
    expect(y.shape).toEqual([2, 2, 3]);
    expect(Array.from(y.data.slice(0, 3))).toEqual(Array.from(e.weight.data.slice(12, 15)));
    expect(Array.from(y.data.slice(9, 12))).toEqual(Array.from(e.weight.data.slice(12, 15)));
    expect(errorOf(() => e.forward(ng.zeros([2])))).toBeInstanceOf(TypeError);
  });

  it('paddingIdx row starts at zero and gets no gradient', () => {
    ng.setSeed(9);
    const e = new nn.Embedding(6, 4, { paddingIdx: 2 });
    const w = e.weight.data;
    expect(Array.from(w.slice(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(w.slice(0, 8)).every((v) => v !== 0)).toBe(true);
    const idx = ng.tensor([2, 1, 2, 5, 1], { dtype: 'int32' });
    const y = e.forward(idx);
    expect(Array.from(y.data.slice(0, 4))).toEqual([0, 0, 0, 0]);
    y.backward(ng.ones([5, 4]));
    const g = e.weight.grad!.data;
    expect(Array.from(g.slice(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(g.slice(4, 8))).toEqual([2, 2, 2, 2]);
    expect(Array.from(g.slice(20, 24))).toEqual([1, 1, 1, 1]);
    expect(Array.from(g.slice(0, 4))).toEqual([0, 0, 0, 0]);
    // a training step keeps the padding row at zero
    const opt = new ng.optim.SGD(e.parameters(), { lr: 0.5 });
    opt.zeroGrad();
    e.forward(idx).backward(ng.ones([5, 4]));
    opt.step();
    expect(Array.from(e.weight.data.slice(8, 12))).toEqual([0, 0, 0, 0]);
  });

  it('validates paddingIdx and sizes', () => {
    expect(errorOf(() => new nn.Embedding(3, 2, { paddingIdx: 3 })).message).toBe('Expected number in [0, 2] for paddingIdx but received 3 of type number');
    expect(errorOf(() => new nn.Embedding(3, 2, { paddingIdx: 0.5 })).message).toBe('Expected integer for paddingIdx but received 0.5 of type number');
    expect(errorOf(() => new nn.Embedding(0, 2)).message).toBe('Expected positive integer for numEmbeddings but received 0 of type number');
  });
});

describe('Flatten', () => {
  it('flattens from startDim on, values unchanged, gradients reshaped back', () => {
    const x = ng.randn([2, 3, 4]);
    x.requiresGrad = true;
    const y = new nn.Flatten().forward(x);
    expect(y.shape).toEqual([2, 12]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(new nn.Flatten(2).forward(ng.zeros([2, 3, 4, 5])).shape).toEqual([2, 3, 20]);
    expect(new nn.Flatten(0).forward(ng.zeros([2, 3])).shape).toEqual([6]);
    y.backward(ng.ones([2, 12]));
    expect(x.grad!.shape).toEqual([2, 3, 4]);
    expect(Array.from(x.grad!.data).every((v) => v === 1)).toBe(true);
    expect(errorOf(() => new nn.Flatten(1.5)).message).toBe('Expected integer for startDim but received 1.5 of type number');
  });
});

describe('activation modules', () => {
  it('apply the matching functional op', () => {
    const x = ng.tensor([[-2, -0.5, 0.5, 3]]);
    const pairs: [ng.nn.Module, ng.Tensor][] = [
      [new nn.ReLU(), ng.relu(x)], [new nn.Sigmoid(), ng.sigmoid(x)], [new nn.Tanh(), ng.tanh(x)], [new nn.GELU(), ng.gelu(x)],
      [new nn.LeakyReLU(0.2), ng.leakyRelu(x, 0.2)], [new nn.ELU(0.5), ng.elu(x, 0.5)], [new nn.SELU(), ng.selu(x)],
      [new nn.SiLU(), ng.silu(x)], [new nn.Softplus(2, 5), ng.softplus(x, 2, 5)], [new nn.Softmax(), ng.softmax(x)],
      [new nn.LogSoftmax(), ng.logSoftmax(x)], [new nn.Identity(), x],
    ];
    for (const [m, want] of pairs) {
      expect(Array.from(m.forward(x).data), m.constructor.name).toEqual(Array.from(want.data));
      expect(m.numParameters()).toBe(0);
    }
    expect(Array.from(new nn.ReLU().forward(x).data)).toEqual([0, 0, 0.5, 3]);
  });

  it('validate their arguments', () => {
    expect(errorOf(() => new nn.GELU('fast' as any)).message).toBe('Expected one of \'none\', \'tanh\' for approximate but received "fast" of type string');
    expect(errorOf(() => new nn.LeakyReLU(Infinity)).message).toBe('Expected finite number for negativeSlope but received Infinity of type number');
    expect(errorOf(() => new nn.Softmax(0.5)).message).toBe('Expected integer for axis but received 0.5 of type number');
  });
});

import { describe, it, expect, vi } from 'vitest';
import * as ng from '../../lib';

const { nn } = ng;

function mlp(): ng.nn.Sequential {
  ng.setSeed(11);
  return new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('Module parameters and names', () => {
  it('parameters()/namedParameters() use PyTorch state-dict names in registration order', () => {
    const m = mlp();
    const named = m.namedParameters();
    expect(named.map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(named.map(([, p]) => p.shape)).toEqual([[8, 4], [8], [3, 8], [3]]);
    const params = m.parameters();
    expect(params.length).toBe(4);
    params.forEach((p, i) => {
      expect(p).toBe(named[i][1]);
      expect(p.requiresGrad).toBe(true);
    });
    expect(m.numParameters()).toBe(8 * 4 + 8 + 3 * 8 + 3);
    expect(m.children().length).toBe(3);
    expect(m.length).toBe(3);
  });

  it('nested Sequentials prefix names with every level', () => {
    const inner = new nn.Sequential(new nn.Linear(3, 3), new nn.Tanh(), new nn.LayerNorm(3));
    const outer = new nn.Sequential(new nn.Linear(2, 3), inner, new nn.BatchNorm1d(3));
    expect(outer.namedParameters().map(([n]) => n)).toEqual([
      '0.weight', '0.bias', '1.0.weight', '1.0.bias', '1.2.weight', '1.2.bias', '2.weight', '2.bias']);
    expect(Object.keys(outer.stateDict())).toEqual([
      '0.weight', '0.bias', '1.0.weight', '1.0.bias', '1.2.weight', '1.2.bias', '2.weight', '2.bias',
      '2.runningMean', '2.runningVar']);
    expect(outer.numParameters()).toBe(2 * 3 + 3 + 9 + 3 + 3 + 3 + 3 + 3);
  });

  it('Sequential.add appends with the next index; Sequential also accepts an array', () => {
    const m = new nn.Sequential([new nn.Linear(2, 2), new nn.ReLU()] as any);
    m.add(new nn.Linear(2, 1));
    expect(m.length).toBe(3);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(errorOf(() => m.add({} as any)).message).toBe('Expected Module for module but received an object');
    expect(errorOf(() => new nn.Sequential(new nn.ReLU(), 3 as any)).message)
      .toBe('Expected Module for layers[1] but received 3 of type number');
  });

  it('train()/eval() set the mode recursively and return the module', () => {
    const inner = new nn.Sequential(new nn.Dropout(0.5), new nn.BatchNorm1d(2));
    const m = new nn.Sequential(new nn.Linear(2, 2), inner);
    const all = [m, m.layers[0], inner, inner.layers[0], inner.layers[1]];
    expect(all.every((x) => x.training)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(all.every((x) => !x.training)).toBe(true);
    expect(m.train()).toBe(m);
    expect(all.every((x) => x.training)).toBe(true);
    m.train(false);
    expect(all.every((x) => !x.training)).toBe(true);
    expect(errorOf(() => m.train('yes' as any))).toBeInstanceOf(TypeError);
    expect(errorOf(() => m.train('yes' as any)).message).toBe('Expected boolean for mode but received "yes" of type string');
  });

  it('zeroGrad zeroes gradients filled by backward (packed or not)', () => {
    for (const packed of [false, true]) {
      const m = mlp();
      if (packed) new ng.optim.SGD(m.parameters());
      const x = ng.randn([5, 4]);
      ng.tidy(() => m.forward(x).sum().backward());
      for (const p of m.parameters()) expect(Array.from(p.grad!.data).some((v) => v !== 0)).toBe(true);
      m.zeroGrad();
      for (const p of m.parameters()) expect(Array.from(p.grad!.data).every((v) => v === 0)).toBe(true);
    }
  });

  it('Module.call is forward', () => {
    const m = mlp();
    const x = ng.randn([2, 4]);
    expect(Array.from(m.call(x).data)).toEqual(Array.from(m.forward(x).data));
  });
});

describe('state dicts', () => {
  it('stateDict returns the live tensors; loadStateDict copies values', () => {
    const a = mlp();
    ng.setSeed(99);
    const b = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    const sa = a.stateDict();
    expect(sa['0.weight']).toBe(a.layers[0] instanceof nn.Linear ? (a.layers[0] as ng.nn.Linear).weight : null);
    const res = b.loadStateDict(sa);
    expect(res).toEqual({ missing: [], unexpected: [] });
    for (const [k, t] of Object.entries(b.stateDict())) {
      expect(Array.from(t.data)).toEqual(Array.from(sa[k].data));
      expect(t).not.toBe(sa[k]);
    }
    // copies: changing the source afterwards does not change the target
    sa['0.bias'].data[0] += 1;
    expect(b.stateDict()['0.bias'].data[0]).not.toBe(sa['0.bias'].data[0]);
  });

  it('accepts plain { shape, data } records', () => {
    const m = new nn.Sequential(new nn.Linear(2, 1));
    m.loadStateDict({ '0.weight': { shape: [1, 2], data: [3, 4] }, '0.bias': { shape: [1], data: new Float32Array([5]) } });
    expect(Array.from(m.forward(ng.tensor([[1, 1]])).data)).toEqual([12]);
  });

  it('strict: missing and unexpected keys give one exact error', () => {
    const m = mlp();
    const s: Record<string, ng.Tensor> = { ...m.stateDict() };
    delete s['0.bias'];
    s.extra = ng.zeros([2]);
    const e = errorOf(() => m.loadStateDict(s));
    expect(e.message).toBe('Expected state dict keys matching the model for state but received missing keys: 0.bias; unexpected keys: extra');
    expect(errorOf(() => m.loadStateDict({})).message).toBe(
      'Expected state dict keys matching the model for state but received missing keys: 0.weight, 0.bias, 2.weight, 2.bias');
    expect(errorOf(() => m.loadStateDict({ ...m.stateDict(), 'foo.bar': ng.zeros([1]) })).message).toBe(
      'Expected state dict keys matching the model for state but received unexpected keys: foo.bar');
    expect(errorOf(() => m.loadStateDict(null as any)).message).toBe('Expected object for state but received null');
  });

  it('shape mismatch is a RangeError naming the key (strict or not)', () => {
    const m = mlp();
    const s = { ...m.stateDict(), '2.weight': ng.zeros([8, 3]) };
    for (const strict of [true, false]) {
      const e = errorOf(() => m.loadStateDict(s, { strict }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe("Expected shape [3, 8] for state['2.weight'] but received [8, 3]");
    }
    const e2 = errorOf(() => m.loadStateDict({ ...m.stateDict(), '0.bias': { shape: [8], data: [1, 2] } }));
    expect(e2.message).toBe("Expected 8 values for state['0.bias'] but received 2");
  });

  it('non-strict loads the overlap and reports missing/unexpected', () => {
    const m = mlp();
    const before = Array.from(m.stateDict()['2.weight'].data);
    const res = m.loadStateDict({ '0.bias': ng.full([8], 7), 'x.y': ng.zeros([1]) }, { strict: false });
    expect(res).toEqual({ missing: ['0.weight', '2.weight', '2.bias'], unexpected: ['x.y'] });
    expect(Array.from(m.stateDict()['0.bias'].data)).toEqual(new Array(8).fill(7));
    expect(Array.from(m.stateDict()['2.weight'].data)).toEqual(before);
  });

  it('a value that is neither a tensor nor a { shape, data } record gets a standard message', () => {
    const l = new nn.Linear(2, 1);
    const e = errorOf(() => l.loadStateDict({ weight: 5 as any, bias: ng.zeros([1]) }));
    expect(e).toBeInstanceOf(TypeError);
    // currently: "Cannot read properties of undefined (reading 'length')"
    expect(e.message).toMatch(/^Expected .* for state\['weight'\] but received 5 of type number$/);
  });

  it('BatchNorm running statistics are part of the state dict', () => {
    const bn = new nn.BatchNorm1d(3);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'runningMean', 'runningVar']);
    bn.loadStateDict({ weight: ng.ones([3]), bias: ng.zeros([3]), runningMean: ng.tensor([1, 2, 3]), runningVar: ng.tensor([4, 4, 4]) });
    expect(Array.from(bn.runningMean.data)).toEqual([1, 2, 3]);
  });
});

describe('toString', () => {
  it('lists layers with their arguments and parameter counts', () => {
    const m = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(256, 10, { bias: false }));
    const s = m.toString();
    const lines = s.split('\n');
    expect(lines[0]).toBe('Sequential(');
    expect(lines).toContain('  (0): Linear(in=784, out=256, bias=true)  # 200,960 params');
    expect(lines).toContain('  (1): ReLU()');
    expect(lines).toContain('  (2): Dropout(p=0.2)');
    expect(lines).toContain('  (3): Linear(in=256, out=10, bias=false)  # 2,560 params');
    expect(lines[lines.length - 1]).toBe('Total parameters: 203,520');
    expect(m.numParameters()).toBe(203520);
    // util.inspect uses it too
    expect(require('node:util').inspect(m)).toBe(s);
  });

  it('nests child modules with indentation', () => {
    const m = new nn.Sequential(new nn.Sequential(new nn.LayerNorm(4)), new nn.Embedding(10, 4));
    const s = m.toString();
    expect(s).toContain('  (0): Sequential(\n    (0): LayerNorm(4, eps=0.00001)  # 8 params\n  )');
    expect(s).toContain('  (1): Embedding(10, 4)  # 40 params');
    expect(s).toContain('Total parameters: 48');
  });
});

describe('config round trip', () => {
  it('fromConfig(getConfig()) + loadStateDict gives identical outputs', () => {
    ng.setSeed(5);
    const m = new nn.Sequential(
      new nn.Linear(6, 8), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(8, 8, { bias: false }), new nn.Tanh(),
      new nn.LayerNorm(8, 1e-3), new nn.BatchNorm1d(8, { momentum: 0.2, eps: 1e-4 }), new nn.GELU('tanh'),
      new nn.Linear(8, 5), new nn.LeakyReLU(0.2), new nn.ELU(0.5), new nn.Softplus(2, 10), new nn.SiLU(), new nn.SELU(),
      new nn.Sigmoid(), new nn.Identity(), new nn.LogSoftmax(-1));
    // make the BatchNorm running statistics non-trivial
    const bn = m.layers[6] as ng.nn.BatchNorm1d;
    bn.runningMean.data.set([0.1, -0.2, 0.3, 0, 0.5, -0.6, 0.7, 0.2]);
    bn.runningVar.data.set([1.5, 0.5, 2, 1, 0.7, 1.1, 0.9, 3]);
    m.eval();
    const cfg = JSON.parse(JSON.stringify(m.getConfig()));
    expect(cfg.type).toBe('Sequential');
    expect(cfg.children.length).toBe(17);
    expect(cfg.children[3]).toEqual({ type: 'Linear', args: { inFeatures: 8, outFeatures: 8, bias: false } });
    expect(cfg.children[6]).toEqual({ type: 'BatchNorm1d', args: { numFeatures: 8, eps: 1e-4, momentum: 0.2 } });
    const copy = nn.fromConfig(cfg);
    expect(copy.toString()).toBe(m.toString());
    expect(copy.loadStateDict(m.stateDict())).toEqual({ missing: [], unexpected: [] });
    copy.eval();
    const x = ng.randn([4, 6]);
    expect(Array.from(copy.forward(x).data)).toEqual(Array.from(m.forward(x).data));
    expect(JSON.stringify(copy.getConfig())).toBe(JSON.stringify(m.getConfig()));
  });

  it('Embedding, Flatten and Softmax configs round trip', () => {
    const m = new nn.Sequential(new nn.Embedding(7, 3, { paddingIdx: 2 }), new nn.Flatten(1), new nn.Softmax(1));
    const copy = nn.fromConfig(JSON.parse(JSON.stringify(m.getConfig()))) as ng.nn.Sequential;
    expect(copy.getConfig()).toEqual(m.getConfig());
    copy.loadStateDict(m.stateDict());
    const idx = ng.tensor([[1, 2], [6, 0]], { dtype: 'int32' });
    expect(Array.from(copy.forward(idx).data)).toEqual(Array.from(m.forward(idx).data));
  });

  it('registerModule makes custom modules loadable; unknown types give an exact error', () => {
    class Scale extends ng.nn.Module {
      constructor(readonly k: number) { super(); }
      forward(x: ng.Tensor): ng.Tensor { return ng.mul(x, this.k); }
      getConfig() { return { type: 'Scale', args: { k: this.k } }; }
    }
    nn.registerModule('Scale', (a) => new Scale(a.k));
    const m = new nn.Sequential(new nn.Linear(2, 2), new Scale(3));
    const copy = nn.fromConfig(m.getConfig());
    copy.loadStateDict(m.stateDict());
    const x = ng.tensor([[1, 2]]);
    expect(Array.from(copy.forward(x).data)).toEqual(Array.from(m.forward(x).data));
    const e = errorOf(() => nn.fromConfig({ type: 'Nope', args: {} }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^Expected a known module type for config.type but received "Nope" \(known: Sequential, Linear, .*Scale; use ng.nn.registerModule for custom modules\)$/);
    expect(errorOf(() => nn.fromConfig(null as any)).message).toBe('Expected module config { type, args } for config but received null');
  });
});

describe('Linear', () => {
  it('weight is (out, in), bias optional, PyTorch default init bounds', () => {
    ng.setSeed(1);
    const l = new nn.Linear(50, 20);
    expect(l.weight.shape).toEqual([20, 50]);
    expect(l.bias!.shape).toEqual([20]);
    const bound = 1 / Math.sqrt(50);
    for (const v of [...l.weight.data, ...l.bias!.data]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(l.weight.data, Math.abs))).toBeGreaterThan(bound * 0.9);
    const nb = new nn.Linear(3, 2, { bias: false });
    expect(nb.bias).toBeNull();
    expect(nb.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(nb.numParameters()).toBe(6);
  });

  it('computes x W^T + b', () => {
    const l = new nn.Linear(3, 2);
    l.loadStateDict({ weight: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, bias: { shape: [2], data: [0.5, -1] } });
    const y = l.forward(ng.tensor([[1, 0, -1], [2, 1, 0]]));
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.data)).toEqual([1 - 3 + 0.5, 4 - 6 - 1, 2 + 2 + 0.5, 8 + 5 - 1]);
    // leading batch dimensions are kept
    expect(l.forward(ng.zeros([4, 5, 3])).shape).toEqual([4, 5, 2]);
  });

  it('init option picks a named initializer (bias zero)', () => {
    ng.setSeed(2);
    const l = new nn.Linear(64, 32, { init: 'heNormal' });
    expect(Array.from(l.bias!.data).every((v) => v === 0)).toBe(true);
    const z = new nn.Linear(4, 4, { init: 'zeros' });
    expect(Array.from(z.weight.data).every((v) => v === 0)).toBe(true);
  });

  it('bad constructor arguments give exact messages', () => {
    const cases: [() => unknown, ErrorConstructor, string][] = [
      [() => new nn.Linear(0, 3), RangeError, 'Expected positive integer for inFeatures but received 0 of type number'],
      [() => new nn.Linear(3, -1), RangeError, 'Expected positive integer for outFeatures but received -1 of type number'],
      [() => new nn.Linear(2.5, 3), RangeError, 'Expected positive integer for inFeatures but received 2.5 of type number'],
      [() => new nn.Linear('4' as any, 3), TypeError, 'Expected positive integer for inFeatures but received "4" of type string'],
      [() => new nn.Linear(4, 3, { bias: 'no' as any }), TypeError, 'Expected boolean for bias but received "no" of type string'],
      [() => new nn.Linear(4, 3, { init: 'he' as any }), RangeError, "Expected one of 'zeros', 'ones', 'uniform', 'normal', " +
        "'truncatedNormal', 'xavierUniform', 'xavierNormal', 'glorotUniform', 'glorotNormal', 'kaimingUniform', 'kaimingNormal', " +
        "'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal', 'orthogonal' for init but received \"he\" of type string"],
    ];
    for (const [fn, type, msg] of cases) {
      const e = errorOf(fn);
      expect(e).toBeInstanceOf(type);
      expect(e.message).toBe(msg);
    }
  });

  it('input shape mismatch names the expected shape', () => {
    const l = new nn.Linear(784, 10);
    const e = errorOf(() => l.forward(ng.zeros([32, 783])));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('Expected shape [*, 784] for input but received [32, 783]');
    expect(errorOf(() => l.forward(ng.zeros([2, 3, 5]))).message).toBe('Expected shape [*, *, 784] for input but received [2, 3, 5]');
    expect(errorOf(() => l.forward(ng.zeros([2, 784], { dtype: 'int32' }))).message)
      .toBe('Expected float32 Tensor for input but received int32 Tensor of shape [2, 784]');
    // inside a Sequential (fused path) the message is the same
    const m = new nn.Sequential(new nn.Linear(784, 10), new nn.ReLU());
    expect(errorOf(() => m.forward(ng.zeros([32, 783]))).message).toBe('Expected shape [*, 784] for input but received [32, 783]');
  });
});

describe('Sequential fusion and default init', () => {
  it('Linear + activation runs fused and matches the unfused ops within 1e-6 (forward and backward)', () => {
    ng.setSeed(3);
    const acts: [ng.nn.Module, string, (x: ng.Tensor) => ng.Tensor][] = [
      [new nn.ReLU(), 'relu', (x) => ng.relu(x)],
      [new nn.Sigmoid(), 'sigmoid', (x) => ng.sigmoid(x)],
      [new nn.Tanh(), 'tanh', (x) => ng.tanh(x)],
      [new nn.GELU(), 'gelu', (x) => ng.gelu(x)],
      [new nn.GELU('tanh'), 'geluTanh', (x) => ng.gelu(x, { approximate: 'tanh' })],
    ];
    for (const [act, name, f] of acts) {
      const lin = new nn.Linear(9, 6);
      const m = new nn.Sequential(lin, act);
      const spy = vi.spyOn(lin, 'forwardWith');
      const x = ng.randn([5, 9]);
      x.requiresGrad = true;
      const y = m.forward(x);
      expect(spy).toHaveBeenCalledWith(x, name);
      spy.mockRestore();
      const g = ng.randn([5, 6]);
      y.backward(g);
      const fusedGrads = [x, lin.weight, lin.bias!].map((t) => Float32Array.from(t.grad!.data));
      for (const t of [x, lin.weight, lin.bias!]) t.grad!.data.fill(0);
      const ref = f(ng.linear(x, lin.weight, lin.bias));
      ref.backward(g);
      const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        Array.from(a).reduce((m2, v, i) => Math.max(m2, Math.abs(v - b[i])), 0);
      expect(maxDiff(y.data, ref.data), name).toBeLessThanOrEqual(1e-6);
      [x, lin.weight, lin.bias!].forEach((t, i) => expect(maxDiff(fusedGrads[i], t.grad!.data), `${name} grad ${i}`).toBeLessThanOrEqual(1e-5));
    }
  });

  it('a Linear feeding a ReLU gets He (Kaiming uniform) init with zero bias unless init was given', () => {
    ng.setSeed(4);
    const fanIn = 400;
    const he = Math.sqrt(6 / fanIn);
    const torchDefault = 1 / Math.sqrt(fanIn);
    const m = new nn.Sequential(new nn.Linear(fanIn, 300), new nn.ReLU(), new nn.Linear(300, 200, { init: 'zeros' }), new nn.ReLU(),
      new nn.Linear(200, fanIn), new nn.Linear(fanIn, 100), new nn.Tanh(), new nn.Linear(100, 50), new nn.LeakyReLU(0.1));
    const [l0, , l2, , l4, l5, , l7] = m.layers as ng.nn.Linear[];
    const maxAbs = (t: ng.Tensor) => Math.max(...Array.from(t.data, Math.abs));
    expect(maxAbs(l0.weight)).toBeLessThanOrEqual(he);
    expect(maxAbs(l0.weight)).toBeGreaterThan(0.95 * he);
    expect(maxAbs(l0.bias!)).toBe(0);
    // explicit init kept
    expect(maxAbs(l2.weight)).toBe(0);
    // not followed by an activation: PyTorch default U(-1/sqrt(in), 1/sqrt(in)), bias too
    expect(maxAbs(l4.weight)).toBeLessThanOrEqual(1 / Math.sqrt(200));
    expect(maxAbs(l4.bias!)).toBeGreaterThan(0);
    // followed by Tanh: PyTorch default
    expect(maxAbs(l5.weight)).toBeLessThanOrEqual(torchDefault);
    expect(maxAbs(l5.weight)).toBeGreaterThan(0.95 * torchDefault);
    // LeakyReLU is ReLU-family: He bound sqrt(6 / fanIn)
    expect(maxAbs(l7.weight)).toBeGreaterThan(1 / Math.sqrt(100));
    expect(maxAbs(l7.weight)).toBeLessThanOrEqual(Math.sqrt(6 / 100));
    // std of the He-initialised weight is sqrt(2 / fanIn)
    const w = Array.from(l0.weight.data);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(Math.abs(std / Math.sqrt(2 / fanIn) - 1)).toBeLessThan(0.02);
  });

  it('Sequential built with add() also gives a Linear feeding a ReLU He init', () => {
    ng.setSeed(4);
    const m = new nn.Sequential();
    m.add(new nn.Linear(400, 300)).add(new nn.ReLU());
    const w = (m.layers[0] as ng.nn.Linear).weight;
    // He bound sqrt(6 / 400) = 0.122; PyTorch's default bound (what add() leaves) is 1 / sqrt(400) = 0.05
    expect(Math.max(...Array.from(w.data, Math.abs))).toBeGreaterThan(1 / Math.sqrt(400));
  });

  it('the same seed gives the same model', () => {
    const build = () => { ng.setSeed(42); return new nn.Sequential(new nn.Linear(5, 5), new nn.ReLU(), new nn.Linear(5, 2)); };
    const a = build();
    const b = build();
    for (const [k, t] of Object.entries(a.stateDict())) expect(Array.from(b.stateDict()[k].data)).toEqual(Array.from(t.data));
  });
});

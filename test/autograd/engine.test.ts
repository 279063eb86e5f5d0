// The autograd engine: accumulation, zeroing, graph lifetime, seeds, noGrad, memory under tidy,
// detach / requiresGrad_, shared subexpressions, dropout seeding and scaling, eval mode, and
// numerical stability at extreme inputs.
import { afterEach, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import type { Tensor } from '../../lib';
import { bucketSize } from '../../lib/tensor/storage';

const arr = (t: Tensor | null): number[] => Array.from(t!.data);
const f32 = (xs: number[]): number[] => xs.map(Math.fround);

const GRAPH_CONSUMED = 'Expected a tensor with a recorded graph for backward() but received one whose graph was already ' +
  'consumed by an earlier backward() (graphs are freed after backward; recompute the forward pass)';
const NO_GRAD = 'Expected a tensor that requires grad for backward() but received a tensor with requiresGrad=false ' +
  '(no input of the computation had requiresGrad=true, or it ran inside noGrad)';

describe('backward accumulation and zeroing', () => {
  it('accumulates into .grad across two backward calls (the gradient doubles)', () => {
    const x = ng.tensor([1, -2, 3.5], { requiresGrad: true });
    ng.sum(ng.mul(x, x)).backward();
    expect(arr(x.grad)).toEqual([2, -4, 7]);
    ng.sum(ng.mul(x, x)).backward();
    expect(arr(x.grad)).toEqual([4, -8, 14]);
  });

  it('Module.zeroGrad and Optimizer.zeroGrad reset the accumulated gradients to 0', () => {
    const lin = new ng.nn.Linear(3, 2);
    const x = ng.tensor([[1, 2, 3]]);
    ng.sum(lin.forward(x)).backward();
    expect(arr(lin.bias!.grad)).toEqual([1, 1]);
    lin.zeroGrad();
    expect(arr(lin.weight.grad)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(arr(lin.bias!.grad)).toEqual([0, 0]);
    const opt = new ng.optim.SGD(lin.parameters(), { lr: 0.1 });
    ng.sum(lin.forward(x)).backward();
    ng.sum(lin.forward(x)).backward();
    expect(arr(lin.weight.grad)).toEqual([2, 4, 6, 2, 4, 6]);
    opt.zeroGrad();
    expect(arr(lin.weight.grad)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(arr(lin.bias!.grad)).toEqual([0, 0]);
    lin.dispose();
  });

  it('backward on a leaf adds the seed to its own gradient', () => {
    const x = ng.tensor([1, 2], { requiresGrad: true });
    x.backward(ng.tensor([0.5, -1]));
    x.backward(ng.tensor([0.5, -1]));
    expect(arr(x.grad)).toEqual([1, -2]);
  });
});

describe('graph lifetime', () => {
  it('a second backward on the same loss throws (the graph is freed)', () => {
    const x = ng.tensor([1, 2, 3], { requiresGrad: true });
    const loss = ng.sum(ng.exp(x));
    loss.backward();
    expect(() => loss.backward()).toThrow(GRAPH_CONSUMED);
    expect(() => ng.backward(loss)).toThrow(Error);
  });

  it('backward frees what the graph saved (crossEntropy probabilities, max indices, layerNorm statistics)', () => {
    const x = ng.randn([64, 100], { requiresGrad: true });
    const labels = ng.fromArray(new Int32Array(64).fill(3), [64]);
    ng.sum(x).backward(); // creates x.grad now, so the accounting below sees only the graph
    const before = ng.memoryStats().bytesInUse;
    const loss = ng.losses.crossEntropy(ng.layerNorm(ng.max(ng.reshape(x, [64, 50, 2]), 2), null, null), labels);
    const during = ng.memoryStats().bytesInUse;
    loss.backward();
    const after = ng.memoryStats().bytesInUse;
    // saved for backward: the softmax probabilities (64 x 50 float32) and the max indices
    // (64 x 50 int32), 12.8 kB each, plus the layerNorm statistics; freed by backward, while the
    // outputs still referenced here (max and layerNorm results, the loss) stay.
    expect(during - before).toBeGreaterThan(4 * 64 * 50 * 4);
    // (bytesInUse counts pool buckets: bucketSize rounds 12800 up to 14336)
    const block = bucketSize(4 * 64 * 50);
    expect(during - after).toBeGreaterThanOrEqual(2 * block);
    expect(after - before).toBe(2 * block + bucketSize(4));
  });

  // Regression (found by this suite): y's graph was consumed by the first backward; a new op on y
  // used to treat y as a leaf, silently. PyTorch raises "Trying to backward through the graph a second time".
  it('an intermediate reused after backward does not silently cut the gradient (throws, like the root)', () => {
    const x = ng.tensor([1, 2, 3], { requiresGrad: true });
    const y = ng.mul(x, 2);
    ng.sum(y).backward();
    expect(arr(x.grad)).toEqual([2, 2, 2]);
    const z = ng.sum(ng.mul(y, y));
    let threw = false;
    try {
      z.backward();
    } catch (e) {
      threw = true;
      expect((e as Error).message).toBe("Expected live graph inputs for backward() but input 0 of 'mul' was already " +
        'consumed by an earlier backward() (keep the forward pass and backward() inside the same ng.tidy(), and ' +
        'recompute the forward pass for a second backward)');
    }
    // Either it refuses, or the gradient reaches x; it must not be lost.
    if (!threw) expect(arr(x.grad)).not.toEqual([2, 2, 2]);
    expect(threw || y.grad === null).toBe(true);
  });
});

describe('graph intermediates disposed before backward', () => {
  // Regression (found by this suite): a disposed intermediate used to look like a leaf to
  // backward(), which silently dropped the gradient and leaked a .grad buffer. The common way to
  // get here is returning the loss from ng.tidy() and calling backward outside.
  it('backward through an intermediate disposed by tidy throws instead of silently dropping the gradient', () => {
    const lin = new ng.nn.Linear(3, 2);
    const x = ng.tensor([[1, 2, 3]]);
    const loss = ng.tidy(() => ng.sum(ng.exp(lin.forward(x))));
    const before = ng.memoryStats().bytesInUse;
    let err: unknown = null;
    try {
      loss.backward();
    } catch (e) {
      err = e;
    }
    expect(err, 'backward must refuse a graph with disposed intermediates').toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/disposed/);
    expect(ng.memoryStats().bytesInUse).toBe(before);
    lin.dispose();
  });

  it('when backward reads a disposed saved tensor it throws (never reads a recycled buffer)', () => {
    const lin = new ng.nn.Linear(3, 2);
    const x = ng.tensor([[1, 2, 3]]);
    const loss = ng.tidy(() => ng.losses.mse(ng.relu(lin.forward(x)), ng.zeros([1, 2])));
    for (let i = 0; i < 8; i++) ng.full([1, 2], 1e6); // recycle the freed blocks
    expect(() => loss.backward()).toThrow("Expected live graph inputs for backward() but input 0 of 'mse' was disposed");
    lin.dispose();
  });
});

describe('backward arguments', () => {
  it('throws on a tensor that does not require grad', () => {
    const x = ng.tensor([1, 2, 3]);
    expect(() => ng.sum(ng.exp(x)).backward()).toThrow(NO_GRAD);
    expect(() => x.backward()).toThrow(NO_GRAD);
  });

  it('a non-scalar output needs a gradient argument', () => {
    const x = ng.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = ng.exp(x);
    expect(() => y.backward()).toThrow(new RangeError(
      'Expected a gradient argument for backward() of a non-scalar output but received none (output shape [2, 3])'));
  });

  it('the gradient argument must be a float32 tensor of the output shape', () => {
    const x = ng.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = ng.mul(x, 3);
    expect(() => y.backward(ng.ones([3, 2]))).toThrow(new RangeError('Expected shape [2, 3] for gradient but received [3, 2]'));
    expect(() => y.backward(ng.fromArray(new Int32Array(6), [2, 3]))).toThrow(
      new TypeError('Expected float32 Tensor for gradient but received int32 Tensor of shape [2, 3]'));
    expect(() => y.backward([1, 2] as unknown as Tensor)).toThrow(
      new TypeError('Expected float32 Tensor for gradient but received an array of length 2'));
    expect(() => ng.backward(null as unknown as Tensor)).toThrow(new TypeError('Expected Tensor for backward() target but received null'));
  });

  it('an explicit seed gradient scales the result (non-scalar and scalar outputs)', () => {
    const x = ng.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    ng.mul(x, 3).backward(ng.tensor([[1, 0, -1], [0.5, 2, 0]]));
    expect(arr(x.grad)).toEqual([3, 0, -3, 1.5, 6, 0]);
    const w = ng.tensor([1, 2], { requiresGrad: true });
    ng.sum(ng.square(w)).backward(ng.tensor(0.5));
    expect(arr(w.grad)).toEqual([1, 2]);
  });
});

describe('noGrad, detach, requiresGrad_', () => {
  it('noGrad records nothing and restores the previous mode (also after a throw)', () => {
    const x = ng.tensor([1, 2, 3], { requiresGrad: true });
    const y = ng.noGrad(() => {
      expect(ng.isGradEnabled()).toBe(false);
      return ng.sum(ng.mul(ng.exp(x), x));
    });
    expect(y.requiresGrad).toBe(false);
    expect(ng.isGradEnabled()).toBe(true);
    expect(() => y.backward()).toThrow(NO_GRAD);
    expect(() => ng.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(ng.isGradEnabled()).toBe(true);
    expect(ng.setGradEnabled(false)).toBe(true);
    expect(ng.relu(x).requiresGrad).toBe(false);
    expect(ng.setGradEnabled(true)).toBe(false);
    expect(ng.relu(x).requiresGrad).toBe(true);
    expect(() => ng.noGrad(42 as unknown as () => void)).toThrow(new TypeError('Expected function for fn but received number'));
  });

  it('detach shares the data, requires no grad, and stops the gradient', () => {
    const x = ng.tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(arr(d)).toEqual([1, 2, 3]);
    (x.data as Float32Array)[0] = 10;
    expect(d.data[0]).toBe(10);
    // y = x * detach(x): dy/dx = detach(x) only
    ng.sum(ng.mul(x, ng.exp(x).detach())).backward();
    expect(arr(x.grad)).toEqual(f32([Math.exp(10), Math.exp(2), Math.exp(3)]));
  });

  it('requiresGrad_ turns recording on and off in place', () => {
    const x = ng.tensor([1, 2]);
    expect(x.requiresGrad_()).toBe(x);
    expect(x.requiresGrad).toBe(true);
    ng.sum(ng.square(x)).backward();
    expect(arr(x.grad)).toEqual([2, 4]);
    x.requiresGrad_(false);
    expect(ng.square(x).requiresGrad).toBe(false);
    expect(() => ng.fromArray(new Int32Array(2), [2]).requiresGrad_()).toThrow(
      new TypeError('Expected float32 Tensor for requiresGrad_ but received int32 Tensor'));
    expect(() => x.requiresGrad_('yes' as unknown as boolean)).toThrow(
      new TypeError('Expected boolean for requiresGrad but received "yes" of type string'));
  });
});

describe('shared subexpressions', () => {
  it('x used several times: the gradients are summed', () => {
    const x = ng.tensor([0.5, -1, 2], { requiresGrad: true });
    // y = x*x + x + x*3  -> dy/dx = 2x + 4
    ng.sum(ng.add(ng.add(ng.mul(x, x), x), ng.mul(x, 3))).backward();
    expect(arr(x.grad)).toEqual([5, 2, 8]);
  });

  it('a diamond through an intermediate (a = exp(x); y = a*a + sigmoid(a)) is summed once per path', () => {
    const xs = [0.3, -0.7];
    const x = ng.tensor(xs, { requiresGrad: true });
    const a = ng.exp(x);
    ng.sum(ng.add(ng.mul(a, a), ng.sigmoid(a))).backward();
    const want = xs.map((v) => {
      const e = Math.exp(v);
      const s = 1 / (1 + Math.exp(-e));
      return (2 * e + s * (1 - s)) * e;
    });
    arr(x.grad).forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
  });

  it('the same tensor as both operands of a broadcasting op', () => {
    const x = ng.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    ng.sum(ng.div(x, x)).backward();
    arr(x.grad).forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-6));
  });
});

describe('gradients at non-differentiable points follow PyTorch', () => {
  // Values checked against torch 1.13 (float64) at exactly the kink; the finite-difference tests
  // stay away from these points, so this pins the convention.
  const grad = (f: (x: Tensor) => Tensor, xs: number[]): number[] => {
    const x = ng.tensor(xs, { requiresGrad: true });
    const y = f(x);
    (y.size === 1 && y.shape.length === 0 ? y : ng.sum(y)).backward();
    return arr(x.grad);
  };
  it.each([
    ['relu at 0', (x: Tensor) => ng.relu(x), [0, -0], [0, 0]],
    ['leakyRelu(0.2) at 0', (x: Tensor) => ng.leakyRelu(x, 0.2), [0], f32([0.2])],
    ['elu(0.5) at 0', (x: Tensor) => ng.elu(x, 0.5), [0], [0.5]],
    ['selu at 0', (x: Tensor) => ng.selu(x), [0], f32([1.7580993408473766])],
    ['abs at 0', (x: Tensor) => ng.abs(x), [0], [0]],
    ['clamp at both bounds (inclusive)', (x: Tensor) => ng.clamp(x, -1, 1), [-1, 1], [1, 1]],
    ['l1 at input == target', (x: Tensor) => ng.losses.l1(x, ng.zeros([2]), { reduction: 'sum' }), [0, -0], [0, 0]],
    ['pow(x, 2) at 0', (x: Tensor) => ng.pow(x, 2), [0], [0]],
    ['pow(x, 0) (PyTorch: gradient 0 everywhere)', (x: Tensor) => ng.pow(x, 0), [0, 2], [0, 0]],
    ['pow(x, 3) of a negative base', (x: Tensor) => ng.pow(x, 3), [-2], [12]],
    ['sqrt at 0', (x: Tensor) => ng.sqrt(x), [0], [Infinity]],
    ['max along an axis with ties: the first maximum', (x: Tensor) => ng.max(ng.reshape(x, [3, 1]), 0), [1, 3, 3], [0, 1, 0]],
    ['linear + relu with pre-activation 0', (x: Tensor) => ng.linear(ng.reshape(x, [1, 1]), ng.ones([1, 1]), null, 'relu'), [0], [0]],
  ] as [string, (x: Tensor) => Tensor, number[], number[]][])('%s', (_n, f, xs, want) => {
    expect(grad(f, xs)).toEqual(want);
  });

  it('max over all elements with ties: the first maximum (documented; PyTorch splits evenly)', () => {
    expect(grad((x) => ng.max(x), [1, 3, 3])).toEqual([0, 1, 0]);
  });
});

describe('embedding paddingIdx and batchNorm eval', () => {
  it('the padding row gets no gradient (functional and nn.Embedding), other rows scatter-add', () => {
    const w = ng.tensor([[1, 2], [3, 4], [5, 6], [7, 8]], { requiresGrad: true });
    const idx = ng.fromArray(Int32Array.from([1, 2, 1, 3, 2, 2]), [2, 3]);
    const out = ng.embedding(idx, w, 2);
    expect(out.shape).toEqual([2, 3, 2]);
    expect(out.toArray()[0][1]).toEqual([5, 6]); // the padding row is still looked up
    out.backward(ng.ones([2, 3, 2]));
    expect(w.grad!.toArray()).toEqual([[0, 0], [2, 2], [0, 0], [1, 1]]);
    const m = new ng.nn.Embedding(4, 3, { paddingIdx: 0 });
    expect(Array.from(m.weight.data.slice(0, 3))).toEqual([0, 0, 0]);
    ng.sum(m.forward(ng.fromArray(Int32Array.from([0, 0, 1]), [3]))).backward();
    expect(Array.from(m.weight.grad!.data)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    m.dispose();
  });

  it('batchNorm in eval mode leaves the running statistics alone; training updates them (also under noGrad)', () => {
    const bn = new ng.nn.BatchNorm1d(3);
    const x = ng.tensor([[1, 2, 3], [3, 6, 9]]);
    bn.eval();
    bn.forward(x);
    expect(arr(bn.runningMean)).toEqual([0, 0, 0]);
    expect(arr(bn.runningVar)).toEqual([1, 1, 1]);
    bn.train();
    ng.noGrad(() => bn.forward(x));
    expect(arr(bn.runningMean)).toEqual(f32([0.2, 0.4, 0.6]));
    expect(arr(bn.runningVar)).toEqual(f32([0.9 + 0.1 * 2, 0.9 + 0.1 * 8, 0.9 + 0.1 * 18]));
    bn.dispose();
  });
});

describe('composite identities', () => {
  it('nll(logSoftmax(x)) equals crossEntropy(x), forward and gradient (with class weights)', () => {
    const data = [[0.3, -1.2, 2, 0.1], [1.5, -0.2, 0.7, -2.2], [0.05, 0.6, -0.8, 1.1]];
    const y = ng.fromArray(Int32Array.from([2, 0, 3]), [3]);
    const w = ng.tensor([0.5, 1, 2, 0.25]);
    const a = ng.tensor(data, { requiresGrad: true });
    const b = ng.tensor(data, { requiresGrad: true });
    const l1 = ng.losses.nll(ng.logSoftmax(a), y, { weight: w });
    const l2 = ng.losses.crossEntropy(b, y, { weight: w });
    expect(l1.item()).toBeCloseTo(l2.item(), 6);
    l1.backward();
    l2.backward();
    arr(a.grad).forEach((g, i) => expect(g).toBeCloseTo(b.grad!.data[i], 6));
  });

  it('a chain of 20000 ops backpropagates (no recursion limit)', () => {
    const x = ng.tensor([1.5], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = ng.add(y, 0.001);
    ng.sum(y).backward();
    expect(arr(x.grad)).toEqual([1]);
  });
});

describe('memory: tidy around a training step', () => {
  it('bytesInUse is flat over 100 steps', () => {
    ng.setSeed(3);
    const model = new ng.nn.Sequential(new ng.nn.Linear(17, 33), new ng.nn.ReLU(), new ng.nn.LayerNorm(33),
      new ng.nn.Linear(33, 5), new ng.nn.Tanh(), new ng.nn.Linear(5, 3));
    const opt = new ng.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = ng.randn([9, 17]);
    const y = ng.fromArray(Int32Array.from({ length: 9 }, (_, i) => i % 3), [9]);
    const step = (): number => ng.tidy(() => {
      opt.zeroGrad();
      const loss = ng.losses.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    for (let i = 0; i < 5; i++) step();
    const base = ng.memoryStats();
    let last = 0;
    for (let i = 0; i < 100; i++) last = step();
    const end = ng.memoryStats();
    expect(end.bytesInUse).toBe(base.bytesInUse);
    expect(end.storages).toBe(base.storages);
    expect(end.nativeAllocations).toBe(base.nativeAllocations);
    expect(Number.isFinite(last)).toBe(true);
    opt.dispose();
    model.dispose();
  });
});

describe('dropout', () => {
  const threads = ng.getNumThreads();
  afterEach(() => ng.setNumThreads(threads));
  const x = (): Tensor => ng.full([1000, 31], 2);

  it('is seeded: the same seed gives the same mask, another seed a different one', () => {
    ng.setSeed(11);
    const a = arr(ng.dropout(x(), 0.4));
    ng.setSeed(11);
    const b = arr(ng.dropout(x(), 0.4));
    ng.setSeed(12);
    const c = arr(ng.dropout(x(), 0.4));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('drops element i exactly when the seeded uniform stream at that position is < p (rand draws the same positions)', () => {
    ng.setSeed(5);
    const u = arr(ng.rand([1000, 31]));
    ng.setSeed(5);
    const d = arr(ng.dropout(x(), 0.3));
    const mismatches = d.map((v, i) => (v === 0) !== (u[i] < 0.3)).filter(Boolean).length;
    expect(mismatches).toBe(0);
    expect(d.filter((v) => v !== 0).every((v) => v === Math.fround(2 * Math.fround(1 / 0.7)))).toBe(true);
  });

  it('gives the same mask for 1 and 2 threads', () => {
    ng.setNumThreads(1);
    ng.setSeed(21);
    const one = arr(ng.dropout(ng.full([300001], 1), 0.5));
    ng.setNumThreads(2);
    ng.setSeed(21);
    const two = arr(ng.dropout(ng.full([300001], 1), 0.5));
    expect(two).toEqual(one);
  });

  it('scales kept elements by 1/(1-p), drops about p of them, and the backward uses the same mask', () => {
    ng.setSeed(8);
    const p = 0.3;
    const xi = ng.full([1000, 31], 2, { requiresGrad: true });
    const out = ng.dropout(xi, p);
    const o = arr(out);
    const kept = o.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(2 * Math.fround(1 / (1 - p)))]));
    const dropped = (o.length - kept.length) / o.length;
    expect(Math.abs(dropped - p)).toBeLessThan(0.015); // 31000 draws: sd of the fraction is 0.0026
    out.backward(ng.ones([1000, 31]));
    expect(arr(xi.grad)).toEqual(o.map((v) => (v === 0 ? 0 : Math.fround(1 / (1 - p)))));
  });

  it('eval mode and p = 0 are the identity', () => {
    const t = ng.tensor([1, 2, 3], { requiresGrad: true });
    expect(ng.dropout(t, 0.5, false)).toBe(t);
    expect(ng.dropout(t, 0)).toBe(t);
    const m = new ng.nn.Dropout(0.5);
    m.eval();
    expect(m.forward(t)).toBe(t);
    expect(arr(m.forward(t))).toEqual([1, 2, 3]);
  });

  it('nn.Dropout drops in training mode', () => {
    ng.setSeed(4);
    const m = new ng.nn.Dropout(0.5);
    const o = arr(m.forward(ng.full([2000], 1)));
    expect(o.some((v) => v === 0)).toBe(true);
    expect(o.some((v) => v === 2)).toBe(true);
  });
});

describe('numerical stability', () => {
  const finite = (t: Tensor | null): boolean => arr(t).every(Number.isFinite);

  it('crossEntropy with logits of +-1e4 (labels and dense targets) is finite, with finite gradients', () => {
    const logits = ng.tensor([[1e4, -1e4, 0], [-1e4, -1e4, -1e4], [-1e4, 1e4, 1e4]], { requiresGrad: true });
    const loss = ng.losses.crossEntropy(logits, ng.fromArray(new Int32Array([1, 0, 2]), [3]));
    expect(loss.item()).toBeCloseTo((2e4 + Math.log(3) + Math.log(2)) / 3, 1);
    loss.backward();
    expect(finite(logits.grad)).toBe(true);
    const l2 = ng.tensor([[1e4, -1e4, 0]], { requiresGrad: true });
    const dense = ng.losses.crossEntropy(l2, ng.tensor([[0.25, 0.5, 0.25]]), { labelSmoothing: 0.1 });
    expect(Number.isFinite(dense.item())).toBe(true);
    dense.backward();
    expect(finite(l2.grad)).toBe(true);
  });

  it('bceWithLogits with logits of +-1e4 is finite (loss 0 or 1e4 per element)', () => {
    const x = ng.tensor([1e4, -1e4, 1e4, -1e4], { requiresGrad: true });
    const loss = ng.losses.bceWithLogits(x, ng.tensor([1, 0, 0, 1]), { reduction: 'none' });
    expect(arr(loss)).toEqual([0, 0, 1e4, 1e4]);
    loss.backward(ng.ones([4]));
    expect(arr(x.grad)).toEqual([0, 0, 1, -1]);
  });

  it('bce at probabilities exactly 0 and 1 clamps the logs at -100 (PyTorch) and stays finite', () => {
    const p = ng.tensor([0, 1, 0.5], { requiresGrad: true });
    const loss = ng.losses.bce(p, ng.tensor([1, 0, 1]), { reduction: 'sum' });
    expect(loss.item()).toBeCloseTo(200 + Math.log(2), 3);
    loss.backward();
    expect(finite(p.grad)).toBe(true);
  });

  it('softmax / logSoftmax of huge values: no NaN, exact one-hot and finite logs', () => {
    const x = ng.tensor([[1e4, 1e4 - 1, -1e4], [3e38, -3e38, 0], [-1e4, -1e4, -1e4]], { requiresGrad: true });
    const s = ng.softmax(x);
    const v = arr(s);
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(v.slice(3, 6)).toEqual([1, 0, 0]);
    expect(v.slice(6)).toEqual(f32([1 / 3, 1 / 3, 1 / 3]));
    s.backward(ng.ones([3, 3]));
    expect(finite(x.grad)).toBe(true);
    const ls = arr(ng.logSoftmax(ng.tensor([[1e4, -1e4, 0]])));
    expect(ls).toEqual([0, -2e4, -1e4]);
  });

  it('saturating activations and their gradients stay finite at +-1e4', () => {
    for (const f of [ng.sigmoid, ng.tanh, ng.silu, ng.selu, ng.softplus, (t: Tensor) => ng.elu(t), (t: Tensor) => ng.gelu(t),
      (t: Tensor) => ng.gelu(t, { approximate: 'tanh' })]) {
      const t = ng.tensor([1e4, -1e4, 88, -88, 0.5], { requiresGrad: true });
      const y = f(t);
      expect(arr(y).every(Number.isFinite), f.name).toBe(true);
      y.backward(ng.ones([5]));
      expect(finite(t.grad), f.name).toBe(true);
    }
  });
});

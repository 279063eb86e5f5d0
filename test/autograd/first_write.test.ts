// First writes of gradients (i16-mlp): an eager Optimizer.zeroGrad() marks the gradients zero
// instead of filling them, and the first op of backward() that produces a gradient writes it
// (linear: linearBackwardInit, no zero fill, no read of the old values). These tests check the
// results are the same bits as the filling path (Module.zeroGrad() still fills), and that every
// reader of a marked gradient sees zeros: p.grad, the optimizer step, clipping, compile().
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import type { Tensor } from '../../lib';
import { gradReadyHooks, type GradReadyHook } from '../../lib/autograd/engine';

const arr = (t: Tensor | null): number[] => Array.from(t!.data);

function mlp(seed: number) {
  ng.setSeed(seed);
  const model = new ng.nn.Sequential(new ng.nn.Linear(13, 40), new ng.nn.ReLU(), new ng.nn.Linear(40, 33), new ng.nn.ReLU(),
    new ng.nn.Linear(33, 5));
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-2 });
  return { model, opt };
}

function data(B: number) {
  ng.setSeed(99);
  const x = ng.randn([B, 13]);
  const y = ng.tensor(Array.from({ length: B }, (_, i) => (i * 7) % 5), { dtype: 'int32' });
  return { x, y };
}

/**
 * At `threads` threads: builds a model, optimizer and batch (setup), runs `steps` training steps
 * whose gradients `zeroAndBackward` clears and computes, and returns `read()`; frees opt, x, y.
 */
function trainSteps(threads: number, steps: number, setup: () => { model: ng.nn.Module; opt: ng.optim.Optimizer; x: Tensor; y: Tensor },
  zeroAndBackward: (model: ng.nn.Module, opt: ng.optim.Optimizer, loss: Tensor) => void, read: (model: ng.nn.Module) => number[]): number[] {
  const before = ng.getNumThreads();
  ng.setNumThreads(threads);
  try {
    const { model, opt, x, y } = setup();
    for (let s = 0; s < steps; s++) {
      ng.tidy(() => {
        const loss = ng.losses.crossEntropy(model.forward(x), y);
        zeroAndBackward(model, opt, loss);
        opt.step();
      });
    }
    const out = read(model);
    opt.dispose();
    x.dispose();
    y.dispose();
    return out;
  } finally {
    ng.setNumThreads(before);
  }
}

/** Trains `steps` steps; zero: 'optimizer' (marks) or 'module' (fills); returns the parameters. */
function train(zero: 'optimizer' | 'module', steps: number, B: number, threads: number): number[] {
  return trainSteps(threads, steps, () => ({ ...mlp(3), ...data(B) }), (model, opt, loss) => {
    if (zero === 'optimizer') opt.zeroGrad();
    else model.zeroGrad();
    loss.backward();
  }, (model) => model.parameters().flatMap((p) => Array.from(p.data)));
}

describe('gradients written by their first producer', () => {
  it('an MLP trained with Optimizer.zeroGrad (first writes) matches the filling path bit for bit, 1 and 2 threads', () => {
    for (const B of [1, 7, 130]) {
      const fill = train('module', 6, B, 1);
      expect(train('optimizer', 6, B, 1)).toEqual(fill);
      expect(train('optimizer', 6, B, 2)).toEqual(fill);
    }
  });

  it('a marked gradient reads as zeros, and backward() then writes (not adds)', () => {
    const lin = new ng.nn.Linear(3, 2);
    const opt = new ng.optim.SGD(lin.parameters(), { lr: 0.1 });
    const x = ng.tensor([[1, 2, 3]]);
    ng.sum(lin.forward(x)).backward();
    ng.sum(lin.forward(x)).backward();
    expect(arr(lin.weight.grad)).toEqual([2, 4, 6, 2, 4, 6]);
    opt.zeroGrad();
    ng.sum(lin.forward(x)).backward();
    expect(arr(lin.weight.grad)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(arr(lin.bias!.grad)).toEqual([1, 1]);
    ng.sum(lin.forward(x)).backward(); // no zeroGrad: adds
    expect(arr(lin.weight.grad)).toEqual([2, 4, 6, 2, 4, 6]);
    opt.zeroGrad();
    expect(arr(lin.weight.grad)).toEqual([0, 0, 0, 0, 0, 0]);
    opt.dispose();
  });

  it('a parameter no backward() reaches after zeroGrad is stepped with a zero gradient', () => {
    const a = new ng.nn.Linear(2, 2);
    const b = new ng.nn.Linear(2, 2);
    const params = [...a.parameters(), ...b.parameters()];
    const opt = new ng.optim.SGD(params, { lr: 0.5 });
    const x = ng.tensor([[1, -1]]);
    ng.sum(b.forward(x)).backward(); // b gets a gradient
    opt.zeroGrad();
    const bBefore = arr(b.weight);
    ng.sum(a.forward(x)).backward(); // b's gradient stays marked
    opt.step();
    expect(arr(b.weight)).toEqual(bBefore);
    expect(arr(b.weight.grad)).toEqual([0, 0, 0, 0]);
    opt.dispose();
  });

  it('a weight used twice in one graph gets both contributions (the second adds)', () => {
    const lin = new ng.nn.Linear(2, 2, { bias: false });
    const opt = new ng.optim.SGD(lin.parameters(), { lr: 0.1 });
    const x = ng.tensor([[1, 2]]);
    const ref = (() => {
      lin.zeroGrad();
      ng.sum(lin.forward(lin.forward(x))).backward();
      return arr(lin.weight.grad);
    })();
    ng.sum(lin.forward(x)).backward(); // something to overwrite
    opt.zeroGrad();
    ng.sum(lin.forward(lin.forward(x))).backward();
    expect(arr(lin.weight.grad)).toEqual(ref);
    opt.dispose();
  });

  it('add writes its gradients (a copy at full size, a sum into zeros when broadcast), over stale values', () => {
    const a = ng.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = ng.tensor([10, 20, 30], { requiresGrad: true });
    const c = ng.tensor([[1, 1, 1], [2, 2, 2]], { requiresGrad: true });
    const opt = new ng.optim.SGD([a, b, c], { lr: 0 });
    const loss = (): Tensor => ng.sum(ng.mul(ng.add(ng.add(a, b), c), ng.tensor([[1, 2, 3], [4, 5, 6]])));
    loss().backward(); // stale values to be overwritten
    loss().backward();
    opt.zeroGrad();
    loss().backward();
    expect(arr(a.grad)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(arr(b.grad)).toEqual([5, 7, 9]);
    expect(arr(c.grad)).toEqual([1, 2, 3, 4, 5, 6]);
    opt.zeroGrad();
    ng.sum(ng.mul(ng.add(a, a), ng.tensor([[1, 2, 3], [4, 5, 6]]))).backward(); // one buffer twice: the second adds
    expect(arr(a.grad)).toEqual([2, 4, 6, 8, 10, 12]);
    loss().backward(); // no zeroGrad: adds
    expect(arr(b.grad)).toEqual([5, 7, 9]);
    expect(arr(a.grad)).toEqual([3, 6, 9, 12, 15, 18]);
    opt.dispose();
  });

  it('clipping after zeroGrad sees zeros', () => {
    const lin = new ng.nn.Linear(3, 2);
    const opt = new ng.optim.SGD(lin.parameters(), { lr: 0.1 });
    ng.sum(lin.forward(ng.tensor([[5, 5, 5]]))).backward();
    opt.zeroGrad();
    expect(ng.optim.clipGradNorm(lin.parameters(), 1)).toBe(0);
    opt.dispose();
  });

  it('a compiled step after an eager zeroGrad (outside it) accumulates onto zeros', () => {
    const lin = new ng.nn.Linear(3, 2);
    const opt = new ng.optim.SGD(lin.parameters(), { lr: 0 });
    const x = ng.tensor([[1, 2, 3]]);
    const step = ng.compile((xb: Tensor) => {
      const loss = ng.sum(lin.forward(xb));
      loss.backward();
      return loss;
    });
    for (let i = 0; i < 4; i++) {
      ng.sum(lin.forward(x)).backward(); // stale values in the gradient
      opt.zeroGrad();
      step(x);
      expect(arr(lin.weight.grad)).toEqual([1, 2, 3, 1, 2, 3]);
    }
    step.dispose();
    opt.dispose();
  });
});

// i13-fw: conv2d, batchNorm, relu and add write their input gradients too (conv2dBackwardInit,
// batchNormBackwardInit, reluBackwardInit, addBackwardInit). The reference runs the same steps
// with every backward accumulating into zero-filled buffers: a gradient-ready hook (what data
// parallel training registers) turns first writes off for the whole pass.
const kernelsZero = (p: Tensor): void => { (p.grad!.data as Float32Array).fill(0); };

function accumulating<T>(fn: () => T): T {
  const hook: GradReadyHook = { ready() {}, end() {} };
  gradReadyHooks.add(hook);
  try {
    return fn();
  } finally {
    gradReadyHooks.delete(hook);
  }
}

/** A small ResNet-style net: 3x3 stem (direct kernels), BN, ReLU, an identity block, a stride-2 block with a 1x1 projection (im2col + col2im), pooling, a head. */
function convNet(seed: number) {
  ng.setSeed(seed);
  const { nn } = ng;
  const block = (cin: number, cout: number, stride: number) => [
    new nn.Residual(
      new nn.Sequential(new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
        new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout)),
      stride === 1 && cin === cout ? null : new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))),
    new nn.ReLU(),
  ];
  return new nn.Sequential(new nn.Conv2d(2, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(),
    ...block(8, 8, 1), ...block(8, 16, 2), new nn.MaxPool2d(2), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(16, 5));
}

/** LeNet-style: Conv2d + ReLU (one fused kernel) and max pooling, twice, then a linear head. */
function leNet(seed: number) {
  ng.setSeed(seed);
  const { nn } = ng;
  return new nn.Sequential(new nn.Conv2d(2, 8, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(16 * 2 * 3, 5));
}

function trainConv(net: (seed: number) => ng.nn.Module, reference: boolean, steps: number, threads: number): number[] {
  return trainSteps(threads, steps, () => {
    const model = net(5);
    const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-2 });
    ng.setSeed(17);
    const x = ng.randn([6, 2, 11, 13]);
    const y = ng.tensor([0, 1, 2, 3, 4, 0], { dtype: 'int32' });
    model.train();
    return { model, opt, x, y };
  }, (model, opt, loss) => {
    if (reference) {
      model.zeroGrad();
      accumulating(() => loss.backward());
    } else {
      opt.zeroGrad();
      loss.backward();
    }
  }, (model) => [...model.parameters(), ...model.namedBuffers().map(([, b]) => b)].flatMap((p) => Array.from(p.data)));
}

describe('conv nets: conv2d, BatchNorm2d, ReLU and Residual gradients written by their first producer', () => {
  for (const [name, net] of [['ResNet-style', convNet], ['LeNet-style', leNet]] as const) {
    it(`a ${name} net trains to the same bits as with accumulating backward passes, 1 and 2 threads`, () => {
      const ref = trainConv(net, true, 4, 1);
      expect(trainConv(net, false, 4, 1)).toEqual(ref);
      expect(trainConv(net, false, 4, 2)).toEqual(ref);
      expect(trainConv(net, true, 4, 2)).toEqual(ref);
    });
  }

  it('shared weights, a tensor used twice and leaf inputs: the later contributions add', () => {
    ng.setSeed(8);
    const conv = new ng.nn.Conv2d(3, 8, 3, { padding: 1 });
    const bn = new ng.nn.BatchNorm2d(8);
    const params = [...conv.parameters(), ...bn.parameters()];
    const opt = new ng.optim.SGD(params, { lr: 0.1 });
    const x = ng.randn([2, 3, 6, 7], { requiresGrad: true });
    const g = ng.randn([2, 8, 6, 7]);
    const run = (reference: boolean): number[] => ng.tidy(() => {
      // stale values where the gradients will go
      ng.sum(conv.forward(ng.mul(x, 3))).backward();
      if (reference) for (const p of params) kernelsZero(p);
      else opt.zeroGrad();
      x.grad = null;
      const h = ng.relu(bn.forward(conv.forward(x)));
      const h2 = ng.add(h, h); // one tensor twice
      const z = ng.add(conv.forward(ng.add(ng.relu(x), x)), h2); // the conv's weight used twice
      const loss = ng.sum(ng.mul(z, g));
      if (reference) accumulating(() => loss.backward());
      else loss.backward();
      return [...params, x].flatMap((p) => arr(p.grad));
    });
    expect(run(false)).toEqual(run(true));
    opt.dispose();
  });
});

// First writes of gradients (i16-mlp): an eager Optimizer.zeroGrad() marks the gradients zero
// instead of filling them, and the first op of backward() that produces a gradient writes it
// (linear: linearBackwardInit, no zero fill, no read of the old values). These tests check the
// results are the same bits as the filling path (Module.zeroGrad() still fills), and that every
// reader of a marked gradient sees zeros: p.grad, the optimizer step, clipping, compile().
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import type { Tensor } from '../../lib';

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

/** Trains `steps` steps; zero: 'optimizer' (marks) or 'module' (fills); returns the parameters. */
function train(zero: 'optimizer' | 'module', steps: number, B: number, threads: number): number[] {
  const before = ng.getNumThreads();
  ng.setNumThreads(threads);
  try {
    const { model, opt } = mlp(3);
    const { x, y } = data(B);
    for (let s = 0; s < steps; s++) {
      ng.tidy(() => {
        const loss = ng.losses.crossEntropy(model.forward(x), y);
        if (zero === 'optimizer') opt.zeroGrad();
        else model.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    const out = model.parameters().flatMap((p) => Array.from(p.data));
    opt.dispose();
    x.dispose();
    y.dispose();
    return out;
  } finally {
    ng.setNumThreads(before);
  }
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

// How the comparisons, where, casts and composed ops behave for a user: the PyTorch accuracy
// idiom, gradients around masks, and memory (composed ops free what they made; nothing is left
// behind for the garbage collector outside a graph). Values and gradients on awkward sizes are
// in test/autograd (op table, PyTorch fixtures); kernels in test/native/ops_masks.test.ts.
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';

describe('masks in user code', () => {
  it('pred.argmax(-1).eq(y).mean().item() is the accuracy (as ng.metrics.accuracy)', () => {
    ng.setSeed(3);
    const logits = ng.randn([257, 10]);
    const y = ng.fromArray(Int32Array.from({ length: 257 }, (_, i) => (i * 7) % 10), [257]);
    const acc = logits.argmax(-1).eq(y).mean().item();
    expect(acc).toBeCloseTo(ng.metrics.accuracy(y, logits), 6);
    expect(acc).toBeGreaterThan(0);
    // PyTorch's spelling with .float() works too (the mask is float32 already: .float() is itself)
    expect(logits.argmax(-1).eq(y).float().sum().item()).toBe(Math.round(acc * 257));
  });

  it('masks combine by multiplication and count by sum', () => {
    const x = ng.tensor([[-2, -0.5, 0, 0.5, 2]]);
    const inside = x.gt(-1).mul(x.lt(1));
    expect(inside.toArray()).toEqual([[0, 1, 1, 1, 0]]);
    expect(inside.sum().item()).toBe(3);
    expect(x.ne(x).sum().item()).toBe(0);
    expect(ng.tensor([NaN, 1]).ne(ng.tensor([NaN, 1])).toArray()).toEqual([1, 0]);
  });

  it("where's gradient to the branch not taken is zero, even next to Infinity and NaN there", () => {
    const a = ng.tensor([1, 2, 3, 4], { requiresGrad: true });
    const b = ng.tensor([Infinity, NaN, -Infinity, 5], { requiresGrad: true });
    const cond = ng.tensor([1, 1, 1, 0]);
    const out = ng.where(cond, a.mul(a), b);
    expect(out.toArray()).toEqual([1, 4, 9, 5]);
    out.sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 4, 6, 0]);
    expect(b.grad!.toArray()).toEqual([0, 0, 0, 1]);
  });

  it('where: a condition that requires grad gets none and breaks nothing; numbers broadcast', () => {
    const x = ng.tensor([[-1, 2], [3, -4]], { requiresGrad: true });
    const relu = ng.where(x.gt(0), x, 0);  // relu written with where
    relu.sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 1], [1, 0]]);
    const c = ng.tensor([1, 0], { requiresGrad: true });
    const w = ng.where(c, ng.tensor([[1], [2]]), -1);
    expect(w.toArray()).toEqual([[1, -1], [2, -1]]);
    expect(w.requiresGrad).toBe(false);
  });

  it('min and std train like any op (a min-max range shrinks under gradient descent)', () => {
    const p = ng.tensor([0.5, -1, 2, 3], { requiresGrad: true });
    const opt = new ng.optim.SGD([p], { lr: 0.1 });
    const first = ng.max(p).sub(ng.min(p)).item();
    for (let i = 0; i < 20; i++) {
      ng.tidy(() => {
        opt.zeroGrad();
        ng.max(p).sub(ng.min(p)).add(p.std()).backward();
        opt.step();
      });
    }
    expect(ng.max(p).sub(ng.min(p)).item()).toBeLessThan(first / 2);
  });
});

describe('masks in a captured step (ng.compile)', () => {
  it('a Huber-like loss written with where and gt replays, with the eager loop\'s bits', () => {
    const run = (compiled: boolean): number[] => {
      ng.setSeed(1);
      const model = new ng.nn.Linear(4, 1);
      const opt = new ng.optim.SGD(model.parameters(), { lr: 0.1 });
      const body = (x: ng.Tensor, y: ng.Tensor): ng.Tensor => {
        opt.zeroGrad();
        const err = model.forward(x).sub(y);
        const loss = ng.where(err.abs().gt(1), err.abs().mul(2).sub(1), err.square()).mean();
        loss.backward();
        opt.step();
        return loss;
      };
      const x = ng.randn([32, 4]), y = ng.randn([32, 1]);
      const losses: number[] = [];
      if (compiled) {
        const step = ng.compile(body);
        for (let i = 0; i < 20; i++) losses.push(step(x, y).item());
        expect(step.fallbackReason).toBeNull();
        step.dispose();
      } else {
        for (let i = 0; i < 20; i++) losses.push(ng.tidy(() => body(x, y).item()));
      }
      return losses;
    };
    const eager = run(false);
    expect(run(true)).toEqual(eager);
    expect(eager[19]).toBeLessThan(eager[0]);
  });
});

describe('memory: composed ops free their intermediates', () => {
  const live = (): number => ng.memoryStats().storages;

  it.each([
    ['min', (x: ng.Tensor) => ng.min(x, 1)],
    ['argmin', (x: ng.Tensor) => ng.argmin(x)],
    ['variance', (x: ng.Tensor) => ng.variance(x, 0)],
    ['std', (x: ng.Tensor) => ng.std(x)],
    ['where (broadcast)', (x: ng.Tensor) => ng.where(x.slice(0, 1), x, 2)],
    ['gt with a number', (x: ng.Tensor) => ng.gt(x, 0)],
    ['eq int32 vs float32', (x: ng.Tensor) => ng.eq(ng.argmax(x, 1), x.slice(0, 1, 1).reshape([5]))],
    ['stack', (x: ng.Tensor) => ng.stack([x, x], 1)],
    ['cast', (x: ng.Tensor) => ng.cast(x, 'int32')],
    ['maximum (broadcast)', (x: ng.Tensor) => ng.maximum(x, 0.5)],
    ['minimum', (x: ng.Tensor) => ng.minimum(x, x)],
    ['tril', (x: ng.Tensor) => ng.tril(x, 1)],
    ['logsumexp', (x: ng.Tensor) => ng.logsumexp(x, 1)],
    ['permute', (x: ng.Tensor) => ng.permute(x, [1, 0])],
  ] as [string, (x: ng.Tensor) => ng.Tensor][])('%s: only the result stays (no graph)', (_n, op) => {
    const x = ng.randn([5, 17]);
    const before = live();
    const out = op(x);
    // eq makes its argmax input itself, and where's slice: those are the test's, disposed with x below
    const extra = _n.startsWith('eq') ? 2 : _n.startsWith('where') ? 1 : 0;
    expect(live() - before - extra).toBe(1);
    out.dispose();
    x.dispose();
  });

  it.each([
    ['maximum', (x: ng.Tensor) => ng.maximum(x, 0.5)],
    ['triu', (x: ng.Tensor) => ng.triu(x)],
    ['logsumexp', (x: ng.Tensor) => ng.logsumexp(x, 0)],
    ['std', (x: ng.Tensor) => ng.std(x, 1)],
  ] as [string, (x: ng.Tensor) => ng.Tensor][])('%s in a graph: backward works after the op has freed what it owns', (_n, op) => {
    const x = ng.randn([5, 17], { requiresGrad: true });
    ng.tidy(() => {
      const out = op(x);
      out.sum().backward();
    });
    expect(x.grad!.shape).toEqual([5, 17]);
    expect(Array.from(x.grad!.data as Float32Array).every(Number.isFinite)).toBe(true);
    x.dispose();
  });

  it('where frees its broadcast copies once backward() has run', () => {
    const a = ng.randn([3, 17], { requiresGrad: true });
    const before = live();
    const out = ng.where(ng.randn([3, 1]).gt(0), a, ng.randn([17]));
    const loss = out.sum();
    loss.backward();
    // left: the condition's inputs and mask, b, out, loss, a's gradient - not the three broadcast copies
    const leftover = live() - before;
    for (const t of [out, loss]) t.dispose();
    expect(leftover).toBe(6);
    a.dispose();
  });
});

import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { native } from '../../lib/native';

const { nn } = ng;

function model(): ng.nn.Sequential {
  ng.setSeed(21);
  return new nn.Sequential(new nn.Linear(10, 33), new nn.ReLU(), new nn.LayerNorm(33), new nn.Linear(33, 7), new nn.Tanh(),
    new nn.Linear(7, 3));
}

const bufferOf = (t: ng.Tensor) => t._storage;

describe('flat parameter buffer', () => {
  it('after creating an optimizer all parameters share one storage, values and outputs preserved', () => {
    const m = model();
    const x = ng.randn([4, 10]);
    const before = Array.from(m.forward(x).data);
    const values = m.parameters().map((p) => Array.from(p.data));
    const buffersBefore = new Set(m.parameters().map(bufferOf));
    expect(buffersBefore.size).toBe(m.parameters().length);
    const opt = new ng.optim.Adam(m.parameters());
    const ps = m.parameters();
    expect(new Set(ps.map(bufferOf)).size).toBe(1);
    expect(new Set(ps.map((p) => p._storage)).size).toBe(1);
    ps.forEach((p, i) => expect(Array.from(p.data)).toEqual(values[i]));
    expect(Array.from(m.forward(x).data)).toEqual(before);
    // views are disjoint, in order, 64-byte aligned
    const base = ps[0]._storage!;
    expect(native.alignmentPadding(base.buffer, 64)).toBe(base.byteOffset % 64);
    const offsets = ps.map((p) => (p.data as Float32Array).byteOffset);
    for (let i = 0; i < ps.length; i++) {
      expect((offsets[i] - base.byteOffset) % 64).toBe(0);
      if (i > 0) expect(offsets[i]).toBeGreaterThanOrEqual(offsets[i - 1] + ps[i - 1].size * 4);
    }
    expect(opt.numel).toBeGreaterThanOrEqual(m.numParameters());
    expect(opt.numel % 16).toBe(0);
    // the shapes and names are unchanged
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['0.weight', [33, 10]], ['0.bias', [33]], ['2.weight', [33]], ['2.bias', [33]], ['3.weight', [7, 33]], ['3.bias', [7]],
      ['5.weight', [3, 7]], ['5.bias', [3]]]);
  });

  it('gradients are views of one flat gradient buffer that backward fills', () => {
    const m = model();
    const x = ng.randn([4, 10]);
    // reference gradients before packing
    ng.tidy(() => m.forward(x).sum().backward());
    const ref = m.parameters().map((p) => Array.from(p.grad!.data));
    const opt = new ng.optim.SGD(m.parameters(), { lr: 0.1 });
    const ps = m.parameters();
    expect(new Set(ps.map((p) => bufferOf(p.grad!))).size).toBe(1);
    expect(bufferOf(ps[0].grad!)).not.toBe(bufferOf(ps[0]));
    ps.forEach((p, i) => {
      expect(p.grad!.shape).toEqual(p.shape);
      // existing gradients were carried over into the flat buffer
      expect(Array.from(p.grad!.data)).toEqual(ref[i]);
    });
    const gradViews = ps.map((p) => p.grad);
    opt.zeroGrad();
    for (const p of ps) expect(Array.from(p.grad!.data).every((v) => v === 0)).toBe(true);
    ng.tidy(() => m.forward(x).sum().backward());
    ps.forEach((p, i) => {
      expect(p.grad).toBe(gradViews[i]); // filled in place, not replaced
      const d = p.grad!.data;
      for (let j = 0; j < d.length; j++) expect(Math.abs(d[j] - ref[i][j])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref[i][j])));
    });
    // one SGD step over the flat buffer updates every view: p <- p - 0.1 * g
    const vals = ps.map((p) => Float32Array.from(p.data));
    opt.step();
    ps.forEach((p, i) => {
      const g = p.grad!.data;
      for (let j = 0; j < p.size; j++) {
        expect(Math.abs(p.data[j] - (vals[i][j] - 0.1 * g[j]))).toBeLessThanOrEqual(2.4e-7 * Math.max(1, Math.abs(vals[i][j])));
      }
    });
  });

  it('packing is idempotent: a second optimizer over the same parameters reuses the layout', () => {
    const m = model();
    new ng.optim.SGD(m.parameters());
    const buf = bufferOf(m.parameters()[0]);
    const values = m.parameters().map((p) => Array.from(p.data));
    new ng.optim.Adam(m.parameters());
    expect(bufferOf(m.parameters()[0])).toBe(buf);
    m.parameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(values[i]));
  });

  it('two optimizers over disjoint parameter groups both train', () => {
    const m = model();
    const lin0 = m.layers[0] as ng.nn.Linear;
    const lin5 = m.layers[5] as ng.nn.Linear;
    const o1 = new ng.optim.SGD(lin0.parameters(), { lr: 0.1 });
    const o2 = new ng.optim.SGD(lin5.parameters(), { lr: 0.1 });
    const w0 = Array.from(lin0.weight.data);
    const w5 = Array.from(lin5.weight.data);
    ng.tidy(() => {
      o1.zeroGrad();
      o2.zeroGrad();
      m.forward(ng.randn([4, 10])).sum().backward();
      o1.step();
      o2.step();
    });
    expect(Array.from(lin0.weight.data)).not.toEqual(w0);
    expect(Array.from(lin5.weight.data)).not.toEqual(w5);
  });

  // A subset of already-packed parameters is re-packed into a new buffer, so the first
  // optimizer (whose flat layout still points at the old buffer) silently stops updating them.
  it('an optimizer over a subset of already-packed parameters does not break the first optimizer', () => {
    const m = model();
    const full = new ng.optim.SGD(m.parameters(), { lr: 0.1 });
    const lin5 = m.layers[5] as ng.nn.Linear;
    new ng.optim.SGD(lin5.parameters(), { lr: 0.1 });
    const w5 = Array.from(lin5.weight.data);
    ng.tidy(() => {
      full.zeroGrad();
      m.forward(ng.randn([4, 10])).sum().backward();
      full.step();
    });
    expect(Array.from(lin5.weight.data)).not.toEqual(w5);
  });

  it('packParameters is exported and keeps values', () => {
    const a = ng.tensor([1, 2, 3]);
    const b = ng.tensor([[4, 5], [6, 7]]);
    a.requiresGrad = b.requiresGrad = true;
    const layout = ng.nn.packParameters([a, b]);
    expect(layout.params).toEqual([a, b]);
    expect(layout.offsets).toEqual([0, 16]);
    expect(Array.from(a.data)).toEqual([1, 2, 3]);
    expect(Array.from(b.data)).toEqual([4, 5, 6, 7]);
    expect(Array.from(layout.values.data.slice(16, 20))).toEqual([4, 5, 6, 7]);
    expect(ng.nn.packParameters([a, b])).toBe(layout);
  });
});

describe('memory', () => {
  it('bytesInUse returns to the same value (the model + optimizer size) after every training step in ng.tidy', () => {
    const m = model();
    const x = ng.randn([16, 10]);
    const y = ng.randn([16, 3]);
    const opt = new ng.optim.Adam(m.parameters(), { lr: 1e-3 });
    const step = () => ng.tidy(() => {
      opt.zeroGrad();
      const loss = ng.losses.mse(m.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    step(); // the first step creates Adam's m and v buffers
    const base = ng.memoryStats().bytesInUse;
    const storages = ng.memoryStats().storages;
    let firstLoss = 0;
    let lastLoss = 0;
    for (let s = 0; s < 200; s++) {
      const l = step();
      if (s === 0) firstLoss = l;
      lastLoss = l;
      const st = ng.memoryStats();
      if (st.bytesInUse !== base || st.storages !== storages) {
        expect({ step: s, bytesInUse: st.bytesInUse, storages: st.storages }).toEqual({ step: s, bytesInUse: base, storages });
      }
    }
    expect(lastLoss).toBeLessThan(firstLoss);
    // that steady state holds at least the flat values, gradients and Adam's m and v
    expect(base).toBeGreaterThanOrEqual(4 * opt.numel * 4);
  });

  it('disposing a model that was never packed frees all of its parameter memory', () => {
    const before = ng.memoryStats().bytesInUse;
    const m = model();
    ng.tidy(() => m.forward(ng.randn([2, 10])).sum().backward());
    expect(ng.memoryStats().bytesInUse).toBeGreaterThan(before);
    m.dispose();
    expect(ng.memoryStats().bytesInUse).toBe(before);
  });

  // The flat value and gradient blocks are held by the layout's own `values`/`grads` tensors
  // (kept, never disposed), so after packing, model.dispose() + optimizer.dispose() release
  // the per-parameter references but the two flat blocks stay allocated until GC.
  it('disposing a packed model and its optimizer frees the flat parameter and gradient blocks', () => {
    const before = ng.memoryStats().bytesInUse;
    const m = model();
    const opt = new ng.optim.Adam(m.parameters());
    ng.tidy(() => {
      opt.zeroGrad();
      m.forward(ng.randn([2, 10])).sum().backward();
      opt.step();
    });
    expect(ng.memoryStats().bytesInUse).toBeGreaterThan(before);
    m.dispose();
    opt.dispose();
    expect(ng.memoryStats().bytesInUse).toBe(before);
  });

  it('evaluation inside ng.tidy frees everything too (BatchNorm and Dropout in eval)', () => {
    ng.setSeed(3);
    const m = new nn.Sequential(new nn.Linear(10, 20), new nn.BatchNorm1d(20), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(20, 2));
    m.eval();
    const x = ng.randn([8, 10]);
    ng.tidy(() => m.forward(x).sum().item());
    const base = ng.memoryStats().bytesInUse;
    for (let i = 0; i < 20; i++) ng.tidy(() => m.forward(x).sum().item());
    expect(ng.memoryStats().bytesInUse).toBe(base);
  });
});

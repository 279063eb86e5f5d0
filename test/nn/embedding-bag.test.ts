// EmbeddingBag (text, issue 14): PyTorch agreement (test/fixtures/torch/embedding_bag.json from
// gen_torch_text.py), the layer (state dict names, save/load, config), bad input. Forward and
// finite-difference gradients on awkward sizes are in test/autograd/op_table.ts.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ng from '../../lib';
import { loadFixture, asInt, toFloat32, FixtureTensor, FloatTensor } from '../fixtures/fixtures';
import { native } from '../../lib/native';

interface BagAttrs { mode: 'sum' | 'mean' | 'max'; paddingIdx: number | null; includeLastOffset: boolean }

const fixture = loadFixture('embedding_bag') as unknown as {
  cases: { name: string; attrs: BagAttrs; inputs: Record<string, FixtureTensor>; output: FloatTensor; outputs?: Record<string, FixtureTensor>;
    gradOutput: FloatTensor; grads: Record<string, FloatTensor> }[];
};

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * (1 + Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

describe('embeddingBag vs PyTorch (F.embedding_bag)', () => {
  it('has the cases', () => expect(fixture.cases.length).toBe(16));

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const w = ng.fromArray(toFloat32(c.inputs.weight as FloatTensor), c.inputs.weight.shape, { requiresGrad: true });
    const inp = asInt(c.inputs.input);
    const input = ng.fromArray(Int32Array.from(inp.data), inp.shape);
    const psw = c.inputs.perSampleWeights
      ? ng.fromArray(toFloat32(c.inputs.perSampleWeights as FloatTensor), c.inputs.perSampleWeights.shape, { requiresGrad: true })
      : undefined;
    const out = ng.embeddingBag(input, w, {
      mode: c.attrs.mode, paddingIdx: c.attrs.paddingIdx, includeLastOffset: c.attrs.includeLastOffset,
      offsets: c.inputs.offsets ? asInt(c.inputs.offsets).data : undefined, perSampleWeights: psw,
    });
    expect(out.shape).toEqual(c.output.shape);
    close(out.data, c.output.data, 1e-5);
    const go = ng.fromArray(toFloat32(c.gradOutput), c.gradOutput.shape);
    ng.sum(ng.mul(out, go)).backward();
    close(w.grad!.data, c.grads.weight.data, 1e-5);
    if (psw) close(psw.grad!.data, c.grads.perSampleWeights.data, 1e-5);
    for (const t of [w, input, out, go, psw]) t?.dispose();
  });
});

describe('nn.EmbeddingBag', () => {
  it('loads a PyTorch state dict (weight, same layout) and matches the fixture', () => {
    const c = fixture.cases.find((k) => k.name === 'embeddingBag/mean/padding/8x3/4x3')!;
    const bag = new ng.nn.EmbeddingBag(8, 3, { mode: 'mean', paddingIdx: 0 });
    const w = c.inputs.weight as FloatTensor;
    bag.loadStateDict({ weight: ng.fromArray(toFloat32(w), w.shape) });
    const inp = asInt(c.inputs.input);
    const out = bag.forward(ng.fromArray(Int32Array.from(inp.data), inp.shape));
    close(out.data, c.output.data, 1e-5);
    // PyTorch's names through the io mapping (a model holding the bag at index 0 of a Sequential)
    const model = new ng.nn.Sequential(new ng.nn.EmbeddingBag(8, 3, { mode: 'mean', paddingIdx: 0 }), new ng.nn.Linear(3, 2));
    const mapped = ng.io.fromTorchStateDict({
      '0.weight': { dtype: 'float32', shape: w.shape, data: toFloat32(w) },
      '1.weight': { dtype: 'float32', shape: [2, 3], data: new Float32Array(6).fill(0.5) },
      '1.bias': { dtype: 'float32', shape: [2], data: new Float32Array(2) },
    });
    expect(Object.keys(mapped).sort()).toEqual(['0.weight', '1.bias', '1.weight']);
    expect(Object.keys(model.stateDict()).sort()).toEqual(['0.weight', '1.bias', '1.weight']);
  });

  it('zeroes the padding row at init, takes offsets and per-sample weights in forward', () => {
    ng.setSeed(1);
    const bag = new ng.nn.EmbeddingBag(6, 4, { mode: 'sum', paddingIdx: -1 });
    expect(bag.paddingIdx).toBe(5);
    expect(Array.from(bag.weight.data.subarray(20, 24))).toEqual([0, 0, 0, 0]);
    const ids = ng.fromArray(Int32Array.from([1, 2, 3]), [3]);
    const offsets = ng.fromArray(Int32Array.from([0, 1]), [2]);
    const psw = ng.fromArray(Float32Array.from([2, 1, 1]), [3]);
    const out = bag.forward(ids, offsets, psw);
    const w = bag.weight.data;
    expect(out.shape).toEqual([2, 4]);
    for (let d = 0; d < 4; d++) {
      expect(out.data[d]).toBeCloseTo(2 * w[4 + d], 5);
      expect(out.data[4 + d]).toBeCloseTo(w[8 + d] + w[12 + d], 5);
    }
  });

  it('saves and loads with its config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bag-'));
    const file = path.join(dir, 'bag.safetensors');
    const model = new ng.nn.Sequential(new ng.nn.EmbeddingBag(20, 5, { mode: 'max', paddingIdx: 3, includeLastOffset: true }), new ng.nn.Linear(5, 2));
    await ng.io.save(model, file);
    const back = (await ng.io.load(file)) as ng.nn.Sequential;
    const eb = back.layers[0] as ng.nn.EmbeddingBag;
    expect(eb).toBeInstanceOf(ng.nn.EmbeddingBag);
    expect([eb.mode, eb.paddingIdx, eb.includeLastOffset]).toEqual(['max', 3, true]);
    const ids = ng.fromArray(Int32Array.from([1, 2, 3, 4]), [4]);
    const offs = ng.fromArray(Int32Array.from([0, 2, 4]), [3]);
    expect(Array.from(eb.forward(ids, offs).data)).toEqual(Array.from(model.layers[0].forward(ids, offs).data));
    fs.rmSync(dir, { recursive: true });
  });

  it('trains: gradients flow to the weight (and are deterministic)', () => {
    const run = (): Float32Array => {
      ng.setSeed(7);
      const bag = new ng.nn.EmbeddingBag(30, 8, { mode: 'mean' });
      const ids = ng.fromArray(Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 30), [5, 8]);
      const out = bag.forward(ids);
      ng.sum(ng.square(out)).backward();
      return Float32Array.from(bag.weight.grad!.data);
    };
    const a = run();
    expect(a.some((v) => v !== 0)).toBe(true);
    expect(Array.from(run())).toEqual(Array.from(a));
  });
});

describe('embeddingBag: bad input', () => {
  const w = ng.randn([5, 3]);
  const ids2 = ng.fromArray(Int32Array.from([0, 1, 2, 3]), [2, 2]);
  const ids1 = ng.fromArray(Int32Array.from([0, 1, 2, 3]), [4]);

  it.each([
    ['id out of range', () => ng.embeddingBag(ng.fromArray(Int32Array.from([0, 5]), [1, 2]), w),
      /Expected index in \[0, 4\] \(numEmbeddings 5\) for input\[1\] but received 5/],
    ['negative id', () => ng.embeddingBag(ng.fromArray(Int32Array.from([-1, 0]), [1, 2]), w), /for input\[0\] but received -1/],
    ['offsets not increasing', () => ng.embeddingBag(ids1, w, { offsets: [0, 3, 2] }),
      /Expected non-decreasing offsets in \[3, 4\] for offsets\[2\] but received 2/],
    ['offsets past the input', () => ng.embeddingBag(ids1, w, { offsets: [0, 5] }), /for offsets\[1\] but received 5/],
    ['first offset not 0', () => ng.embeddingBag(ids1, w, { offsets: [1, 2] }), /Expected 0 \(the first bag starts the input\) for offsets\[0\]/],
    ['no offsets with 1-D input', () => ng.embeddingBag(ids1, w), /Expected offsets \(one start per bag\) with a 1-D input for offsets/],
    ['offsets with 2-D input', () => ng.embeddingBag(ids2, w, { offsets: [0, 1] }), /Expected no offsets with a 2-D input/],
    ['empty offsets', () => ng.embeddingBag(ids1, w, { offsets: [] }), /Expected at least 1 offsets \(one bag\) for offsets but received 0 offsets/],
    ['last offset wrong', () => ng.embeddingBag(ids1, w, { offsets: [0, 2, 3], includeLastOffset: true }),
      /Expected the input's length 4 \(includeLastOffset\) for offsets\[2\] but received 3/],
    ['float offsets tensor', () => ng.embeddingBag(ids1, w, { offsets: ng.fromArray(Float32Array.from([0, 1]), [2]) }), /offsets/],
    ['bad mode', () => ng.embeddingBag(ids2, w, { mode: 'median' as 'sum' }), /Expected one of 'sum', 'mean', 'max' for mode/],
    ['psw with mean', () => ng.embeddingBag(ids2, w, { mode: 'mean', perSampleWeights: ng.ones([2, 2]) }),
      /Expected mode 'sum' with perSampleWeights for mode but received "mean"/],
    ['psw shape', () => ng.embeddingBag(ids2, w, { mode: 'sum', perSampleWeights: ng.ones([4]) }),
      /Expected shape \[2, 2\] \(the input's\) for perSampleWeights but received \[4\]/],
    ['float input', () => ng.embeddingBag(ng.ones([2, 2]), w), /input/],
    ['3-D input', () => ng.embeddingBag(ng.fromArray(new Int32Array(8), [2, 2, 2]), w), /Expected 1-D \(with offsets\) or 2-D/],
    ['paddingIdx out of range', () => ng.embeddingBag(ids2, w, { paddingIdx: 5 }), /Expected integer in \[-5, 4\] for paddingIdx but received 5/],
    ['1-D weight', () => ng.embeddingBag(ids2, ng.ones([5])), /Expected 2-D weight/],
    ['layer: bad mode', () => new ng.nn.EmbeddingBag(5, 3, { mode: 'avg' as 'mean' }), /for mode/],
    ['layer: paddingIdx', () => new ng.nn.EmbeddingBag(5, 3, { paddingIdx: 9 }), /for paddingIdx/],
  ])('%s', (_n, f, re) => {
    expect(f).toThrow(re);
  });

  it('the native binding checks offsets and indices itself (memory safety)', () => {
    const k = native.backends.cpu;
    const out = new Float32Array(6);
    const wd = Float32Array.from({ length: 15 }, (_, i) => i);
    const idx = Int32Array.from([0, 1, 2, 3]);
    expect(() => k.embeddingBagForward(new Float32Array(9), null, wd, idx, Int32Array.from([0, 3, 2]), null, 4, 3, 5, 3, 0, -1))
      .toThrow(/Expected integer in \[3, 4\] \(non-decreasing\) for offsets\[2\] but received 2/);
    expect(() => k.embeddingBagForward(out, null, wd, idx, Int32Array.from([1, 2]), null, 4, 2, 5, 3, 0, -1))
      .toThrow(/Expected 0 for offsets\[0\]/);
    expect(() => k.embeddingBagForward(out, null, wd, idx, Int32Array.from([0, 5]), null, 4, 2, 5, 3, 0, -1))
      .toThrow(/offsets\[1\]/);
    expect(() => k.embeddingBagForward(out, null, wd, Int32Array.from([0, 1, 9, 3]), Int32Array.from([0, 2]), null, 4, 2, 5, 3, 0, -1))
      .toThrow(/indices\[2\]/);
    expect(() => k.embeddingBagForward(out, null, wd, idx, Int32Array.from([0, 2]), null, 4, 2, 5, 3, 2, -1))
      .toThrow(/maxIdx/);
    expect(() => k.embeddingBagBackward(new Float32Array(15), null, out, wd, idx, Int32Array.from([0, 2]), null,
      Int32Array.from([0, 1, 7, 0, 0, 0]), 4, 2, 5, 3, 2, -1)).toThrow(/maxIdx\[2\]/);
    k.embeddingBagForward(out, null, wd, idx, Int32Array.from([0, 2]), null, 4, 2, 5, 3, 0, -1);
    expect(Array.from(out)).toEqual([3, 5, 7, 15, 17, 19]);
  });
});

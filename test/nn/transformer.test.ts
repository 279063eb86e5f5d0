// MultiheadAttention, TransformerEncoderLayer, GPTBlock, positional embeddings and bmm:
// PyTorch fixtures (test/fixtures/gen_torch_attention.py: outputs, weights and every gradient,
// loaded by PyTorch parameter names), finite-difference gradients, fused vs unfused paths, and
// argument errors.
import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { loadFixture, type FixtureTensor } from '../fixtures/fixtures';
import { expectClose } from '../helpers/kernels';

const { nn } = ng;
const F = nn.functional;

interface AttnCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  params: Record<string, FixtureTensor>;
  output: FixtureTensor;
  weights?: FixtureTensor;
  gradOutput: FixtureTensor;
  gradWeights?: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

const fx = loadFixture('attention') as unknown as { cases: AttnCase[] };

function toTensor(t: FixtureTensor, grad = false): ng.Tensor {
  const x = t.dtype === 'int32' ? ng.fromArray(Int32Array.from(t.data), t.shape) : ng.fromArray(Float32Array.from(t.data), t.shape);
  if (grad) x.requiresGrad = true;
  return x;
}

/** sum(out * g): backward of it feeds g as the output gradient. */
const dotWith = (out: ng.Tensor, g: FixtureTensor): ng.Tensor => F.sum(F.mul(out, toTensor(g)));

function checkGrads(c: AttnCase, named: Record<string, ng.Tensor>): void {
  for (const [k, want] of Object.entries(c.grads)) {
    const t = named[k];
    expect(t, `tensor ${k}`).toBeDefined();
    expectClose(t.grad!.data, want.data, 2e-4, 2e-5, `${c.name}: grad ${k}`);
  }
}

describe('MultiheadAttention matches torch.nn.MultiheadAttention', () => {
  for (const c of fx.cases.filter((k) => k.op === 'MultiheadAttention')) {
    it(c.name, () => {
      const a = c.attrs;
      const m = new nn.MultiheadAttention(a.embedDim as number, a.numHeads as number, { batchFirst: a.batchFirst as boolean,
        bias: a.bias as boolean, kdim: a.kdim as number, vdim: a.vdim as number });
      m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, toTensor(v)])));
      const q = toTensor(c.inputs.query, true);
      const k = a.selfAttention ? q : toTensor(c.inputs.key, true);
      const v = a.selfAttention ? q : toTensor(c.inputs.value, true);
      const opts = {
        attnMask: c.inputs.attnMask ? toTensor(c.inputs.attnMask) : null,
        keyPaddingMask: c.inputs.keyPaddingMask ? toTensor(c.inputs.keyPaddingMask) : null,
        needWeights: a.needWeights as boolean, averageAttnWeights: a.averageAttnWeights as boolean,
      };
      const [out, w] = m.forward(q, k, v, opts);
      expectClose(out.data, c.output.data, 1e-4, 1e-5, 'output');
      let loss = dotWith(out, c.gradOutput);
      if (c.weights) {
        expect(w!.shape).toEqual(c.weights.shape);
        expectClose(w!.data, c.weights.data, 1e-4, 1e-6, 'weights');
        loss = F.add(loss, dotWith(w!, c.gradWeights!));
      } else {
        expect(w).toBeNull();
      }
      loss.backward();
      checkGrads(c, { query: q, key: k, value: v, ...Object.fromEntries(m.namedParameters()) });
    });
  }
});

describe('TransformerEncoderLayer matches torch.nn.TransformerEncoderLayer', () => {
  for (const c of fx.cases.filter((k) => k.op === 'TransformerEncoderLayer')) {
    it(c.name, () => {
      const a = c.attrs;
      const layer = new nn.TransformerEncoderLayer(a.dModel as number, a.nhead as number, {
        dimFeedforward: a.dimFeedforward as number, dropout: 0, activation: a.activation as 'relu' | 'gelu',
        normFirst: a.normFirst as boolean, batchFirst: a.batchFirst as boolean,
      });
      layer.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, toTensor(v)])));
      const src = toTensor(c.inputs.src, true);
      const out = layer.forward(src, {
        mask: c.inputs.mask ? toTensor(c.inputs.mask) : null,
        srcKeyPaddingMask: c.inputs.srcKeyPaddingMask ? toTensor(c.inputs.srcKeyPaddingMask) : null,
      });
      expectClose(out.data, c.output.data, 1e-4, 1e-5, 'output');
      dotWith(out, c.gradOutput).backward();
      checkGrads(c, { src, ...Object.fromEntries(layer.namedParameters()) });
    });
  }

  it('isCausal equals an explicit causal mask, and PyTorch state_dict names are the parameter names', () => {
    ng.setSeed(5);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    expect(Object.keys(layer.stateDict())).toEqual(['self_attn.in_proj_weight', 'self_attn.in_proj_bias',
      'self_attn.out_proj.weight', 'self_attn.out_proj.bias', 'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias',
      'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias']);
    const x = ng.randn([2, 5, 8]);
    const mask = ng.fromArray(Int32Array.from({ length: 25 }, (_, i) => (i % 5 > Math.floor(i / 5) ? 1 : 0)), [5, 5]);
    expectClose(layer.forward(x, { isCausal: true }).data, layer.forward(x, { mask }).data, 1e-6, 1e-6, 'causal');
  });
});

/** Float32 central differences of f at x (a few positions). */
function fdCheck(f: () => ng.Tensor, x: ng.Tensor, analytic: Float32Array, positions: number[], h = 1e-2): void {
  const d = x.data as Float32Array;
  for (const i of positions) {
    const v = d[i];
    d[i] = v + h;
    const fp = ng.noGrad(() => f().item());
    d[i] = v - h;
    const fm = ng.noGrad(() => f().item());
    d[i] = v;
    const num = (fp - fm) / (2 * h);
    expect(Math.abs(num - analytic[i]), `d/dx[${i}]: numeric ${num} analytic ${analytic[i]}`)
      .toBeLessThanOrEqual(2e-2 * Math.max(1, Math.abs(num)));
  }
}

describe('attention gradients: finite differences and fused vs unfused paths', () => {
  it('fused (needWeights false) and unfused (needWeights true) paths agree, outputs and gradients', () => {
    ng.setSeed(11);
    const m = new nn.MultiheadAttention(12, 3, { batchFirst: true });
    const run = (needWeights: boolean): [Float32Array, Float32Array, Float32Array[]] => {
      m.zeroGrad();
      const x = ng.randn([2, 7, 12]);
      x.requiresGrad = true;
      const kpm = ng.fromArray(Int32Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]), [2, 7]);
      const [out] = m.forward(x, x, x, { needWeights, keyPaddingMask: kpm, isCausal: false });
      F.sum(F.mul(out, out)).backward();
      return [Float32Array.from(out.data as Float32Array), Float32Array.from(x.grad!.data as Float32Array),
        m.parameters().map((p) => Float32Array.from(p.grad!.data as Float32Array))];
    };
    ng.setSeed(1);
    const a = run(false);
    ng.setSeed(1);
    const b = run(true);
    expectClose(a[0], b[0], 1e-5, 1e-6, 'output');
    expectClose(a[1], b[1], 1e-4, 1e-5, 'dx');
    a[2].forEach((g, i) => expectClose(g, b[2][i], 1e-4, 1e-5, `param ${i}`));
  });

  it('MultiheadAttention (fused, causal) gradients match finite differences', () => {
    ng.setSeed(2);
    const m = new nn.MultiheadAttention(6, 2, { batchFirst: true });
    const x = ng.randn([1, 5, 6]);
    x.requiresGrad = true;
    const g = ng.randn([1, 5, 6]);
    const f = (): ng.Tensor => F.sum(F.mul(m.forward(x, x, x, { isCausal: true, needWeights: false })[0], g));
    f().backward();
    fdCheck(f, x, x.grad!.data as Float32Array, [0, 7, 13, 29]);
    const w = m.in_proj_weight!;
    fdCheck(f, w, w.grad!.data as Float32Array, [0, 40, 77, 100]);
  });

  it('GPTBlock (post-LN and pre-LN) gradients match finite differences', () => {
    for (const normFirst of [true, false]) {
      ng.setSeed(4);
      const blk = new nn.GPTBlock(8, 2, { normFirst, dimFeedforward: 12 });
      const x = ng.randn([2, 4, 8]);
      x.requiresGrad = true;
      const g = ng.randn([2, 4, 8]);
      const f = (): ng.Tensor => F.sum(F.mul(blk.forward(x), g));
      f().backward();
      fdCheck(f, x, x.grad!.data as Float32Array, [1, 20, 45, 63]);
      fdCheck(f, blk.linear1.weight, blk.linear1.weight.grad!.data as Float32Array, [0, 33, 95]);
    }
  });

  it('bmm with transposes: values and gradients against matmul', () => {
    ng.setSeed(3);
    const a = ng.randn([3, 4, 5]);
    const b = ng.randn([3, 6, 5]);
    a.requiresGrad = true;
    b.requiresGrad = true;
    const c = F.bmm(a, b, { transB: true });
    expect(c.shape).toEqual([3, 4, 6]);
    const g = ng.randn([3, 4, 6]);
    F.sum(F.mul(c, g)).backward();
    const ad = a.data as Float32Array, bd = b.data as Float32Array, gd = g.data as Float32Array;
    const want = new Float64Array(72), da = new Float64Array(60), db = new Float64Array(90);
    for (let n = 0; n < 3; n++)
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 6; j++)
          for (let p = 0; p < 5; p++) {
            want[n * 24 + i * 6 + j] += ad[n * 20 + i * 5 + p] * bd[n * 30 + j * 5 + p];
            da[n * 20 + i * 5 + p] += gd[n * 24 + i * 6 + j] * bd[n * 30 + j * 5 + p];
            db[n * 30 + j * 5 + p] += gd[n * 24 + i * 6 + j] * ad[n * 20 + i * 5 + p];
          }
    expectClose(c.data, want, 1e-5, 1e-5, 'c');
    expectClose(a.grad!.data, da, 1e-5, 1e-5, 'da');
    expectClose(b.grad!.data, db, 1e-5, 1e-5, 'db');
    const at = ng.randn([2, 5, 3]);
    at.requiresGrad = true;
    const bt = ng.randn([2, 4, 5]);
    bt.requiresGrad = true;
    const ct = F.bmm(at, bt, { transA: true, transB: true });
    expect(ct.shape).toEqual([2, 3, 4]);
    F.sum(ct).backward();
    const atd = at.data as Float32Array, btd = bt.data as Float32Array;
    const dat = new Float64Array(30);
    for (let n = 0; n < 2; n++) for (let p = 0; p < 5; p++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) dat[n * 15 + p * 3 + i] += btd[n * 20 + j * 5 + p];
    expectClose(at.grad!.data, dat, 1e-5, 1e-5, 'dA (transA, transB)');
    expect(atd.length).toBe(30);
  });
});

describe('functional multiHeadAttention', () => {
  it('custom scale, int32 (boolean) mask and key padding: fused equals the unfused weights path; weights rows sum to 1 (0 when fully masked)', () => {
    ng.setSeed(21);
    const q = ng.randn([2, 4, 6]), k = ng.randn([2, 5, 6]), v = ng.randn([2, 5, 6]);
    const attnMask = ng.fromArray(Int32Array.from({ length: 20 }, (_, i) => (i % 7 === 3 ? 1 : 0)), [4, 5]);
    const kpm = ng.fromArray(Int32Array.from([0, 0, 1, 0, 0, 1, 1, 1, 1, 1]), [2, 5]); // batch 1 sees no key at all
    const opts = { numHeads: 2, scale: 0.7, attnMask, keyPaddingMask: kpm };
    const [fused, none] = F.multiHeadAttention(q, k, v, opts);
    expect(none).toBeNull();
    const [unfused, w] = F.multiHeadAttention(q, k, v, { ...opts, needWeights: true });
    expect(w!.shape).toEqual([2, 2, 4, 5]);
    expectClose(fused.data, unfused.data, 1e-5, 1e-6, 'output');
    const wd = w!.data as Float32Array;
    for (let r = 0; r < 16; r++) {
      const s = wd.subarray(r * 5, r * 5 + 5).reduce((a, b) => a + b, 0);
      expect(s).toBeCloseTo(r < 8 ? 1 : 0, 5);
    }
    expect(Array.from((fused.data as Float32Array).subarray(24))).toEqual(new Array(24).fill(0));
  });
});

describe('positional embeddings and attention argument errors', () => {
  it('sinusoidal table values and learned positions', () => {
    const s = new nn.SinusoidalPositionalEmbedding(10, 6);
    const z = ng.zeros([1, 3, 6]);
    const out = s.forward(z, 2).data as Float32Array;
    expect(out[0]).toBeCloseTo(Math.sin(2), 6);
    expect(out[1]).toBeCloseTo(Math.cos(2), 6);
    expect(out[6 + 2]).toBeCloseTo(Math.sin(3 / Math.pow(10000, 2 / 6)), 6);
    expect(s.parameters()).toHaveLength(0);
    const l = new nn.LearnedPositionalEmbedding(4, 2);
    expect(() => l.forward(ng.zeros([1, 5, 2]))).toThrow('Expected sequence length <= 4 (the positional table has 4 rows) for input but received length 5');
    expect(() => s.forward(ng.zeros([1, 3, 6]), 8)).toThrow('Expected sequence length <= 2 (the positional table has 10 rows) for input but received length 3 at offset 8');
  });

  it('bad arguments throw errors naming them', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow('Expected embedDim divisible by numHeads (3) for embedDim but received 10');
    expect(() => new nn.TransformerEncoderLayer(10, 4)).toThrow('Expected dModel divisible by nhead (4) for dModel but received 10');
    const m = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const x = ng.randn([2, 5, 8]);
    expect(() => m.forward(x, x, x, { attnMask: ng.zeros([5, 4]) }))
      .toThrow('Expected shape [5, 5] or [4, 5, 5] (batch * numHeads, Tq, Tk) for attnMask but received [5, 4]');
    expect(() => m.forward(x, x, x, { keyPaddingMask: ng.zeros([5, 2]) }))
      .toThrow('Expected shape [2, 5] (batch, Tk) for keyPaddingMask but received [5, 2]');
    expect(() => m.forward(x, x, ng.randn([2, 5, 7]))).toThrow('Expected shape [*, *, 8] (batch, seq, feature) for value but received [2, 5, 7]');
    expect(() => m.forward(x, x, x, { attn_mask: null } as never)).toThrow('for option name but received "attn_mask"');
    expect(() => F.bmm(ng.randn([2, 3, 4]), ng.randn([2, 5, 6])))
      .toThrow('Expected inner size 4 (from a [2, 3, 4]) for b but received [2, 5, 6]');
  });
});

// i13-bnr: BatchNorm followed by a fused ReLU (batchNormReluForward, batchNormReluBackward and its
// first-write form batchNormReluBackwardInit) against the two ops run in turn (batchNormForward +
// reluForward; reluBackward into zeros, then batchNormBackward): the same bits (compared as
// integers, so -0 and +0 differ), on the plane path (N, C, L > 1: row lengths around the mask
// block of 64 and the 8-lane groups) and the channel-block path (L = 1), training and eval,
// with and without affine parameters, NaN and zero gradients, at 1 and 2 threads.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { rng, randF32 } from '../helpers/kernels';
import * as ng from '../../lib';
import { trainBits } from '../helpers/fusion';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

interface Case { N: number; C: number; L: number; training: boolean; affine: boolean }

/** Forward and backward of the fused kernels, and of the two ops in turn, as bit arrays. */
function run(c: Case, init: boolean): { fused: number[][]; split: number[][] } {
  const { N, C, L, training, affine } = c;
  const n = N * C * L;
  const r = rng(N * 131 + C * 17 + L);
  const x = randF32(n, r, -2, 2);
  const w = affine ? randF32(C, r, 0.5, 1.5) : null;
  const b = affine ? randF32(C, r, -0.5, 0.5) : null;
  const dout = randF32(n, r);
  dout[1] = 0;
  dout[2] = -0;
  if (n > 3) dout[3] = NaN; // NaN gradients: both paths agree on where they go
  const stats = (): [Float32Array, Float32Array, Float32Array, Float32Array] =>
    [new Float32Array(C), new Float32Array(C), new Float32Array(C).fill(0.25), new Float32Array(C).fill(1.5)];
  const grads = (fill: number): [Float32Array, Float32Array | null, Float32Array | null] =>
    [new Float32Array(n).fill(fill), affine ? new Float32Array(C).fill(fill) : null, affine ? new Float32Array(C).fill(fill) : null];

  // fused
  const [m1, r1, rm1, rv1] = stats();
  const y1 = new Float32Array(n);
  native.batchNormReluForward(y1, m1, r1, rm1, rv1, x, w, b, N, C, L, 1e-5, 0.1, training);
  const g1 = grads(init ? NaN : 0);
  (init ? native.batchNormReluBackwardInit : native.batchNormReluBackward)(g1[0], g1[1], g1[2], dout, x, w, m1, r1, y1,
    N, C, L, training);

  // split: BatchNorm, ReLU; ReLU backward into zeros, BatchNorm backward into zeros
  const [m2, r2, rm2, rv2] = stats();
  const pre = new Float32Array(n);
  native.batchNormForward(pre, m2, r2, rm2, rv2, x, w, b, N, C, L, 1e-5, 0.1, training);
  const y2 = new Float32Array(n);
  native.reluForward(y2, pre, n);
  const gPre = new Float32Array(n);
  native.reluBackward(gPre, pre, dout, n);
  const g2 = grads(0);
  native.batchNormBackward(g2[0], g2[1], g2[2], gPre, x, w, m2, r2, N, C, L, training);

  const pack = (y: Float32Array, m: Float32Array, rs: Float32Array, rm: Float32Array, rv: Float32Array,
    g: (Float32Array | null)[]): number[][] => [bits(y), bits(m), bits(rs), bits(rm), bits(rv), ...g.map((t) => (t ? bits(t) : []))];
  return { fused: pack(y1, m1, r1, rm1, rv1, g1), split: pack(y2, m2, r2, rm2, rv2, g2) };
}

const CASES: Case[] = [];
for (const [N, C, L] of [[2, 3, 17], [3, 2, 64], [2, 2, 65], [1, 4, 255], [4, 16, 28 * 28], [2, 3, 7], [5, 33, 1], [1, 3, 1]]) {
  for (const training of [true, false]) CASES.push({ N, C, L, training, affine: (N + C + L) % 2 === 0 || !training });
}
CASES.push({ N: 3, C: 5, L: 40, training: true, affine: false });

// The plane kernels run through run_isa (AVX-512 / AVX2 / baseline builds of the same loops) with
// FMA contraction off in that file: every ISA this CPU has gives the same bits.
/** fn's result under every ISA this CPU has (the active one restored after). */
function onEveryIsa<T>(fn: () => T): { isas: string[]; results: T[] } {
  const RANK: Record<string, number> = { generic: 0, avx2: 1, avx512: 2 };
  const original: string = native.getIsa();
  const isas = ['generic', 'avx2', 'avx512'].filter((i) => RANK[i] <= RANK[native.detectIsa()]);
  try {
    return { isas, results: isas.map((isa) => { native.setIsa(isa); return fn(); }) };
  } finally {
    native.setIsa(original);
  }
}

describe('BatchNorm2d kernels give the same bits on every ISA', () => {
  for (const c of [CASES[0], CASES[4], CASES[8], CASES[CASES.length - 1]]) {
    it(`N ${c.N} C ${c.C} L ${c.L} ${c.training ? 'training' : 'eval'}, fused and split`, () => {
      const { isas, results } = onEveryIsa(() => [false, true].map((init) => run(c, init)));
      expect(isas).toContain('generic');
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    });
  }
});

describe('batchNormRelu kernels equal BatchNorm then ReLU, bit for bit', () => {
  for (const c of CASES) {
    const tag = `N ${c.N} C ${c.C} L ${c.L} ${c.training ? 'training' : 'eval'}${c.affine ? ' affine' : ''}`;
    it(`${tag}: forward and backward (accumulate and first write), 1 and 2 threads`, () => {
      for (const init of [false, true]) {
        const { fused, split } = run(c, init);
        expect(fused).toEqual(split);
        sameForThreads(() => run(c, init).fused.flat());
      }
    });
  }

  it('the fused backward adds into gradients that hold values (accumulate), and writes them (init)', () => {
    const [N, C, L] = [2, 3, 20];
    const r = rng(5);
    const x = randF32(N * C * L, r);
    const dout = randF32(N * C * L, r);
    const mean = new Float32Array(C);
    const rstd = new Float32Array(C);
    const y = new Float32Array(N * C * L);
    native.batchNormReluForward(y, mean, rstd, null, null, x, null, null, N, C, L, 1e-5, 0.1, true);
    const fresh = new Float32Array(N * C * L);
    native.batchNormReluBackward(fresh, null, null, dout, x, null, mean, rstd, y, N, C, L, true);
    const held = new Float32Array(N * C * L).fill(1);
    native.batchNormReluBackward(held, null, null, dout, x, null, mean, rstd, y, N, C, L, true);
    for (let i = 0; i < held.length; i++) expect(held[i]).toBe(Math.fround(1 + fresh[i]));
    const written = new Float32Array(N * C * L).fill(7);
    native.batchNormReluBackwardInit(written, null, null, dout, x, null, mean, rstd, y, N, C, L, true);
    expect(bits(written)).toEqual(bits(fresh));
  });

  it('rejects a relu output of the wrong length, naming it', () => {
    const [N, C, L] = [2, 3, 4];
    const f = (k: number) => new Float32Array(k);
    expect(() => native.batchNormReluBackward(f(24), null, null, f(24), f(24), null, f(3), f(3), f(23), N, C, L, true))
      .toThrow(/out/);
  });
});

describe('Sequential fuses BatchNorm2d + ReLU', () => {
  /** Output, input gradient and parameter gradients of a small CNN, with or without the fusion. */
  function train(fused: boolean): number[][] {
    ng.setSeed(3);
    const nn = ng.nn;
    const model = new nn.Sequential(
      new nn.Conv2d(2, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.ReLU(),
      new nn.Conv2d(8, 8, 3, { padding: 1, stride: 2 }), new nn.BatchNorm2d(8), new nn.ReLU(),
      new nn.Flatten(), new nn.Linear(8 * 5 * 5, 3),
    );
    // unfused: the same layers, BatchNorm2d and ReLU called one by one
    return trainBits(model, ng.randn([4, 2, 9, 10]), [0, 1, 2, 1], fused);
  }

  it('training gives the bits of the unfused layers', () => {
    expect(train(true)).toEqual(train(false));
  });

  it('eval (no Conv2d before the BatchNorm2d to fold into) gives the bits of the unfused layers', () => {
    const evalOut = (fused: boolean): number[] => {
      ng.setSeed(4);
      const nn = ng.nn;
      const model = new nn.Sequential(new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 4 * 5, 2));
      const L = model.layers;
      const fwd = (x: ng.Tensor): ng.Tensor => (fused ? model.forward(x) : L.reduce((h: ng.Tensor, m) => m.forward(h) as ng.Tensor, x));
      ng.noGrad(() => fwd(ng.randn([6, 3, 4, 5]))); // running statistics
      model.eval();
      return bits(ng.noGrad(() => fwd(ng.randn([2, 3, 4, 5]))).data as Float32Array);
    };
    expect(evalOut(true)).toEqual(evalOut(false));
  });

  it('BatchNorm2d.forwardWith validates its input like forward', () => {
    const bn = new ng.nn.BatchNorm2d(3);
    expect(() => bn.forwardWith(ng.zeros([2, 4, 5, 5]), 'relu')).toThrow(/input/);
    expect(() => bn.forwardWith(ng.zeros([2, 3, 5]), 'relu')).toThrow(/input/);
  });
});

// i13-bar: batchNormAddReluForward (BatchNorm, a residual added, ReLU) and the residual's gradient
// from batchNormReluBackward's dresidual, against BatchNorm, addRelu and their backwards in turn.
describe('batchNormAddRelu equals BatchNorm then addRelu, bit for bit', () => {
  /** Forward and backward of the fused join and of the split ops, as bit arrays. */
  function runJoin(N: number, C: number, L: number, training: boolean, init: boolean): { fused: number[][]; split: number[][] } {
    const n = N * C * L;
    const shape = [N, C, L, 1];
    const r = rng(N * 31 + C * 7 + L + (training ? 1 : 0));
    const x = randF32(n, r, -2, 2);
    const res = randF32(n, r, -1, 1);
    res[0] = -0;
    if (n > 5) res[5] = NaN;
    const w = randF32(C, r, 0.5, 1.5);
    const b = randF32(C, r, -0.5, 0.5);
    const dout = randF32(n, r);
    dout[1] = -0;
    const stats = (): Float32Array[] => [new Float32Array(C), new Float32Array(C), new Float32Array(C).fill(0.25), new Float32Array(C).fill(1.5)];
    const grads = (fill: number): Float32Array[] => [new Float32Array(n).fill(fill), new Float32Array(C).fill(fill),
      new Float32Array(C).fill(fill), new Float32Array(n).fill(fill)];
    // fused: one forward, one backward pass for x, weight, bias and the residual
    const [m1, r1, rm1, rv1] = stats();
    const y1 = new Float32Array(n);
    native.batchNormAddReluForward(y1, m1, r1, rm1, rv1, x, res, w, b, N, C, L, 1e-5, 0.1, training);
    const g1 = grads(init ? NaN : 0);
    (init ? native.batchNormReluBackwardInit : native.batchNormReluBackward)(g1[0], g1[1], g1[2], dout, x, w, m1, r1, y1,
      N, C, L, training, g1[3]);
    // split: BatchNorm, addRelu; addRelu's backward into zeros, BatchNorm's into zeros
    const [m2, r2, rm2, rv2] = stats();
    const pre = new Float32Array(n);
    native.batchNormForward(pre, m2, r2, rm2, rv2, x, w, b, N, C, L, 1e-5, 0.1, training);
    const y2 = new Float32Array(n);
    native.addReluForward(y2, pre, shape, res, shape);
    const g2 = grads(0);
    const gPre = new Float32Array(n);
    native.addReluBackward(gPre, g2[3], dout, pre, shape, res, shape);
    native.batchNormBackward(g2[0], g2[1], g2[2], gPre, x, w, m2, r2, N, C, L, training);
    const pack = (...t: Float32Array[]): number[][] => t.map(bits);
    return { fused: pack(y1, m1, r1, rm1, rv1, ...g1), split: pack(y2, m2, r2, rm2, rv2, ...g2) };
  }

  for (const [N, C, L] of [[2, 3, 17], [3, 2, 64], [4, 16, 28 * 28], [2, 3, 7], [5, 33, 1]]) {
    for (const training of [true, false]) {
      it(`N ${N} C ${C} L ${L} ${training ? 'training' : 'eval'}: forward, backward (accumulate and first write), 1 and 2 threads`, () => {
        for (const init of [false, true]) {
          const { fused, split } = runJoin(N, C, L, training, init);
          expect(fused).toEqual(split);
          sameForThreads(() => runJoin(N, C, L, training, init).fused.flat());
        }
      });
    }
  }

  it('every ISA gives the same bits', () => {
    const { results } = onEveryIsa(() => runJoin(4, 16, 28 * 28, true, true).fused);
    for (const p of results.slice(1)) expect(p).toEqual(results[0]);
  });

  it('dresidual may be the dx buffer (x and the residual one tensor): both terms are added', () => {
    const [N, C, L] = [2, 3, 20];
    const r = rng(11);
    const x = randF32(N * C * L, r);
    const dout = randF32(N * C * L, r);
    const mean = new Float32Array(C);
    const rstd = new Float32Array(C);
    const y = new Float32Array(N * C * L);
    native.batchNormAddReluForward(y, mean, rstd, null, null, x, x, null, null, N, C, L, 1e-5, 0.1, true);
    const apart = [new Float32Array(N * C * L).fill(0.5), new Float32Array(N * C * L)];
    native.batchNormReluBackward(apart[0], null, null, dout, x, null, mean, rstd, y, N, C, L, true, apart[1]);
    const one = new Float32Array(N * C * L).fill(0.5);
    native.batchNormReluBackward(one, null, null, dout, x, null, mean, rstd, y, N, C, L, true, one);
    for (let i = 0; i < one.length; i++) expect(one[i]).toBe(Math.fround(apart[0][i] + apart[1][i]));
  });

  it('names a residual of the wrong length, and a dresidual without dx', () => {
    const [N, C, L] = [2, 3, 4];
    const f = (k: number) => new Float32Array(k);
    expect(() => native.batchNormAddReluForward(f(24), f(3), f(3), null, null, f(24), f(23), null, null, N, C, L, 1e-5, 0.1, true))
      .toThrow(/residual/);
    expect(() => native.batchNormReluBackward(null, f(3), null, f(24), f(24), null, f(3), f(3), f(24), N, C, L, true, f(24)))
      .toThrow(/dx/);
  });
});

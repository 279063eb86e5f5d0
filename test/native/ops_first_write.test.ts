// i13-fw: the backward kernels that WRITE their input gradients (conv2dBackwardInit,
// batchNormBackwardInit, reluBackwardInit, addBackwardInit, maxPool2dBackwardInit,
// adaptiveAvgPool2dBackwardInit; autograd's first producer of a
// gradient, lib/autograd/engine.ts) against the accumulating kernels run on zero-filled buffers:
// the same bits (compared as integers, so -0 and +0 differ), with init outputs that start as NaN
// (never read), on every code path of each kernel, 1 and 2 threads.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { rng, randF32, expectClose, numGrad, dot } from '../helpers/kernels';
import * as R from '../autograd/reference';
import { CONV_CASES, POOL_CASES, cg, pg } from '../autograd/op_table';
import type { ConvGeom, PoolGeom } from '../autograd/reference';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Buffers of these sizes for the init kernel (NaN) and the accumulating one (zeros); null where absent. */
function buffers(sizes: (number | null)[], init: boolean): (Float32Array | null)[] {
  return sizes.map((n) => (n === null ? null : new Float32Array(n).fill(init ? NaN : 0)));
}
const joined = (bufs: (Float32Array | null)[]): Float32Array => Float32Array.from(bufs.flatMap((b) => (b ? [...b] : [])));

/**
 * run(init, bufs) fills bufs (init: the Init kernel); checks the Init kernel's bits equal the
 * accumulating kernel's on zeros, for each subset of outputs, at 1 and 2 threads.
 */
function checkInit(sizes: number[], subsets: boolean[][], run: (init: boolean, bufs: (Float32Array | null)[]) => void): void {
  for (const on of subsets) {
    const sz = sizes.map((n, i) => (on[i] ? n : null));
    const acc = buffers(sz, false);
    run(false, acc);
    const want = bits(joined(acc));
    let got: Float32Array = new Float32Array(0);
    sameForThreads(() => {
      const b = buffers(sz, true);
      run(true, b);
      got = joined(b);
      return got;
    });
    expect(bits(got)).toEqual(want);
  }
}

// ---- conv2d ---------------------------------------------------------------------------------

type Conv = ConvGeom & { bias: boolean; act: 0 | 1 };
const geom = (c: Conv): number[] => [c.N, c.C, c.H, c.W, c.OC, c.KH, c.KW, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw, c.groups];
const conv = (o: Partial<Conv> & Pick<Conv, 'N' | 'C' | 'H' | 'W' | 'OC' | 'KH' | 'KW'>): Conv => ({ ...cg(o), bias: true, act: 0, ...o });

// The op table's geometries (1x1, 7x7, stride 2-3, padding > half the kernel, dilation 2,
// depthwise, groups, relu, batch 1 and 9) and the code paths of conv2d_backward: the direct
// input-gradient kernel (same-size flat segments and row segments, channel-block tails, padding
// beyond the kernel's extent, groups), strided convs by phase planes (stride 2 and 3, one axis),
// the 1x1 GEMM (beta 0), im2col + GEMM + col2im (1x1 stride 2, < 8 channels, depthwise), one
// image chunk (dW written in place) and several (partial dW sums).
const CONVS: Array<[string, Conv]> = [
  ...CONV_CASES.map(([tag, g, o, bias]): [string, Conv] => [tag, { ...g, bias, act: o.activation === 'relu' ? 1 : 0 }]),
  ['direct 16->16 3x3/p1 28x28 relu (flat segments)', conv({ N: 2, C: 16, H: 28, W: 28, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, act: 1 })],
  ['direct 9->12 3x3/p1 13x27 (block tails)', conv({ N: 2, C: 9, H: 13, W: 27, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1 })],
  ['direct 8->16 3x3/p3 5x33 (padding > extent, row segments)', conv({ N: 2, C: 8, H: 5, W: 33, OC: 16, KH: 3, KW: 3, ph: 3, pw: 3 })],
  ['direct 16->8 3x3/dil2/p5 7x19', conv({ N: 2, C: 16, H: 7, W: 19, OC: 8, KH: 3, KW: 3, dh: 2, dw: 2, ph: 5, pw: 2 })],
  ['direct 5x2 valid 12x17', conv({ N: 2, C: 8, H: 12, W: 17, OC: 8, KH: 5, KW: 2 })],
  ['direct groups 2 3x3/p1 10x21', conv({ N: 2, C: 16, H: 10, W: 21, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, groups: 2 })],
  ['direct 16->32 3x3/p1 batch 1 (one chunk)', conv({ N: 1, C: 16, H: 9, W: 9, OC: 32, KH: 3, KW: 3, ph: 1, pw: 1 })],
  ['1x1 16->16 (GEMM, beta 0)', conv({ N: 2, C: 16, H: 9, W: 13, OC: 16, KH: 1, KW: 1 })],
  ['1x1 groups 2 batch 1', conv({ N: 1, C: 6, H: 5, W: 7, OC: 4, KH: 1, KW: 1, groups: 2 })],
  ['1x1/s2 16->32 (ResNet projection)', conv({ N: 3, C: 16, H: 14, W: 14, OC: 32, KH: 1, KW: 1, sh: 2, sw: 2, bias: false })],
  ['3x3/s2/p1 16->32 (phase planes)', conv({ N: 3, C: 16, H: 15, W: 15, OC: 32, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['3x3/s3/p2 16->8 (phase planes, phases without taps)', conv({ N: 2, C: 16, H: 13, W: 17, OC: 8, KH: 3, KW: 3, sh: 3, sw: 3, ph: 2, pw: 2 })],
  ['3x3/s2x1/p1 8->16 (one strided axis)', conv({ N: 2, C: 8, H: 12, W: 11, OC: 16, KH: 3, KW: 3, sh: 2, ph: 1, pw: 1 })],
  ['3x3/s2/p1 4->4 (col2im: < 8 channels)', conv({ N: 2, C: 4, H: 9, W: 10, OC: 4, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['depthwise 16 3x3/p1/dil2', conv({ N: 2, C: 16, H: 9, W: 18, OC: 16, KH: 3, KW: 3, dh: 2, dw: 2, ph: 2, pw: 2, groups: 16 })],
  ['16 images in parallel chunks, relu', conv({ N: 16, C: 8, H: 20, W: 19, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1, act: 1 })],
  ['empty batch', conv({ N: 0, C: 3, H: 5, W: 5, OC: 4, KH: 3, KW: 3 })],
];
// dx, dw, db together and alone (db alone: its own reduction pass; dx alone: no weight pass)
const CONV_SUBSETS = [[true, true, true], [true, true, false], [false, true, true], [true, false, false], [false, false, true]];

describe('conv2dBackwardInit', () => {
  for (const [name, c] of CONVS) {
    it(`${name}: the bits of conv2dBackward on zeros, NaN outputs never read`, () => {
      const r = rng(c.N * 7 + c.C * 13 + c.OC + c.KH * 3 + c.sh);
      const Cg = c.C / c.groups;
      const x = randF32(c.N * c.C * c.H * c.W, r, -1, 1);
      const w = randF32(c.OC * Cg * c.KH * c.KW, r, -0.5, 0.5);
      const b = c.bias ? randF32(c.OC, r, -0.5, 0.5) : null;
      const OH = Math.floor((c.H + 2 * c.ph - c.dh * (c.KH - 1) - 1) / c.sh) + 1;
      const OW = Math.floor((c.W + 2 * c.pw - c.dw * (c.KW - 1) - 1) / c.sw) + 1;
      const out = new Float32Array(c.N * c.OC * OH * OW);
      native.conv2dForward(out, x, w, b, ...geom(c), c.act);
      const dout = randF32(out.length, r, -1, 1);
      const subsets = c.bias ? CONV_SUBSETS : [[true, true, false], [true, false, false], [false, true, false]];
      checkInit([x.length, w.length, c.OC], subsets, (init, [dx, dw, db]) =>
        (init ? native.conv2dBackwardInit : native.conv2dBackward)(dx, dw, db, dout, x, w, out, ...geom(c), c.act));
      if (c.N === 0) return;
      // and against the definition (finite differences of the double reference), small cases
      if (x.length * w.length > 2e5 || (c.act === 1 && R.conv2d(x, w, b, c, false).data.some((v) => Math.abs(v) < 1e-4))) return;
      const dx = new Float32Array(x.length).fill(NaN);
      const dw = new Float32Array(w.length).fill(NaN);
      native.conv2dBackwardInit(dx, dw, null, dout, x, w, out, ...geom(c), c.act);
      const L = (xx: Float64Array | Float32Array, ww: Float64Array | Float32Array): number => dot(dout, R.conv2d(xx, ww, b, c, c.act === 1).data);
      expectClose(dx, numGrad((v) => L(v, w), x), 1e-4, 1e-5, 'dx');
      expectClose(dw, numGrad((v) => L(x, v), w), 1e-4, 1e-5, 'dw');
    });
  }
});

// ---- batchNorm ------------------------------------------------------------------------------

describe('batchNormBackwardInit', () => {
  // (N, C, L): planes (L > 1, BatchNorm2d / 1d with length) and channel blocks (L = 1, BatchNorm1d
  // on (N, C)); training and eval; with and without affine weights; an empty batch in eval mode.
  const cases: Array<[number, number, number, boolean, boolean]> = [
    [4, 3, 28 * 28, true, true], [2, 5, 17, true, false], [3, 2, 9, false, true], [16, 3, 20 * 19, true, true],
    [9, 70, 1, true, true], [5, 33, 1, false, false], [0, 4, 6, false, true],
  ];
  for (const [N, C, L, training, affine] of cases) {
    it(`${N}x${C}x${L} training=${training} affine=${affine}`, () => {
      const r = rng(N * 31 + C * 7 + L);
      const x = randF32(N * C * L, r, -2, 2);
      const w = affine ? randF32(C, r, 0.5, 1.5) : null;
      const bias = affine ? randF32(C, r, -0.5, 0.5) : null;
      const y = new Float32Array(N * C * L);
      const mean = new Float32Array(C);
      const rstd = new Float32Array(C);
      const rm = randF32(C, r, -0.5, 0.5);
      const rv = randF32(C, r, 0.5, 2);
      native.batchNormForward(y, mean, rstd, rm, rv, x, w, bias, N, C, L, 1e-5, 0.1, training);
      const dout = randF32(N * C * L, r, -1, 1);
      for (let i = 0; i < dout.length; i += 7) dout[i] = i % 2 ? -0 : 0; // exact zeros: products of either sign
      const subsets = [[true, true, true], [true, false, false], [false, true, true], [false, false, true]];
      checkInit([x.length, C, C], subsets.map((s) => (affine ? s : [s[0], false, false])), (init, [dx, dw, db]) =>
        (init ? native.batchNormBackwardInit : native.batchNormBackward)(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training));
    });
  }
});

// ---- relu and add ---------------------------------------------------------------------------

describe('reluBackwardInit and addBackwardInit', () => {
  it('relu: the bits of reluBackward on zeros, -0 upstream gradients included, every length', () => {
    for (const n of [0, 1, 15, 17, 255, 70001]) {
      const r = rng(n + 5);
      const x = randF32(n, r, -1, 1);
      const g = randF32(n, r, -1, 1);
      for (let i = 0; i < n; i += 5) g[i] = -0;
      for (let i = 0; i < n; i += 11) x[i] = 0;
      checkInit([n], [[true]], (init, [dx]) => (init ? native.reluBackwardInit : native.reluBackward)(dx!, x, g, n));
    }
  });

  it('add: full-shape and broadcast operands (the broadcast one sums several outputs per element)', () => {
    const shapes: Array<[number[], number[]]> = [
      [[2, 3, 4, 5], [2, 3, 4, 5]], [[4, 16, 28, 28], [4, 16, 28, 28]], [[2, 3, 4, 5], [1, 3, 1, 1]],
      [[1, 1, 7, 1], [1, 5, 1, 9]], [[1, 1, 1, 1], [1, 3, 2, 17]], [[1, 1, 1, 6], [1, 1, 0, 6]], [[2, 1, 0, 1], [1, 3, 0, 4]],
    ];
    for (const [as, bs] of shapes) {
      const r = rng(as[3] * 7 + bs[1]);
      const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const os = as.map((d, k) => (d === 1 ? bs[k] : d));
      const g = randF32(size(os), r, -1, 1);
      for (let i = 0; i < g.length; i += 3) g[i] = -0;
      checkInit([size(as), size(bs)], [[true, true], [true, false], [false, true]], (init, [da, db]) =>
        (init ? native.addBackwardInit : native.addBackward)(da, db, g, null, as, null, bs));
    }
  });
});

// ---- pooling --------------------------------------------------------------------------------

describe('maxPool2dBackwardInit and adaptiveAvgPool2dBackwardInit', () => {
  it('max pooling: the bits of maxPool2dBackward on zeros (overlapping windows, padding, ceil mode, dilation, 2x2 fast path)', () => {
    const cases: PoolGeom[] = [
      ...POOL_CASES.map(([, g]) => g),
      pg({ N: 2, C: 2, H: 9, W: 8, KH: 3, KW: 3, sh: 1, sw: 2, ph: 2, pw: 1, dh: 2, dw: 2 }),
      pg({ N: 16, C: 8, H: 28, W: 28, KH: 2, KW: 2 }),
    ];
    for (const p of cases) {
      const r = rng(p.H * 13 + p.KH);
      const x = randF32(p.N * p.C * p.H * p.W, r);
      const OH = R.poolOutSize(p.H, p.KH, p.sh, p.ph, p.dh, p.ceil);
      const OW = R.poolOutSize(p.W, p.KW, p.sw, p.pw, p.dw, p.ceil);
      const out = new Float32Array(p.N * p.C * OH * OW);
      const idx = new Int32Array(out.length);
      const g = [p.N, p.C, p.H, p.W, p.KH, p.KW, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.ceil] as const;
      native.maxPool2dForward(out, idx, x, ...g);
      const dout = randF32(out.length, r);
      for (let i = 0; i < dout.length; i += 4) dout[i] = -0;
      checkInit([x.length], [[true]], (init, [dx]) =>
        (init ? native.maxPool2dBackwardInit : native.maxPool2dBackward)(dx!, dout, idx, ...g));
    }
  });

  it('adaptive average pooling: the bits of adaptiveAvgPool2dBackward on zeros (global, overlapping cells, upsizing)', () => {
    for (const [N, C, H, W, OH, OW] of [[4, 32, 7, 7, 1, 1], [2, 3, 10, 7, 3, 4], [1, 2, 5, 5, 7, 6], [64, 16, 8, 8, 1, 1]]) {
      const r = rng(N * C + H + OH);
      const dout = randF32(N * C * OH * OW, r);
      for (let i = 0; i < dout.length; i += 3) dout[i] = -0;
      checkInit([N * C * H * W], [[true]], (init, [dx]) =>
        (init ? native.adaptiveAvgPool2dBackwardInit : native.adaptiveAvgPool2dBackward)(dx!, dout, N, C, H, W, OH, OW));
    }
  });
});

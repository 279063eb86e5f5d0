// Kernel tests for convolution and pooling (native/cpu/ops/conv2d.cc, pool2d.cc): naive
// double-precision references on awkward geometries, finite-difference gradients, determinism
// across thread counts, argument errors.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { Arr, rng, randF32, expectClose, numGrad, dot, added } from '../helpers/kernels';
import * as R from '../autograd/reference';
import type { ConvGeom, PoolGeom } from '../autograd/reference';
import { CONV_CASES, POOL_CASES, BILINEAR_CASES, bilinearDims, cg, pg } from '../autograd/op_table';

// ---- convolution -------------------------------------------------------------------------------

type Conv = ConvGeom & { bias: boolean; act: 0 | 1 };
const geom = (c: Conv): number[] => [c.N, c.C, c.H, c.W, c.OC, c.KH, c.KW, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw, c.groups];
const convRef = (c: Conv, x: Arr, w: Arr, b: Arr | null, act = c.act): Float64Array => R.conv2d(x, w, b, c, act === 1).data;

/** The op table's conv2d geometries (1x1, 7x7, stride 2-3, padding > half the kernel, dilation 2,
 * depthwise, groups, batch 1 and 9, a kernel as large as the padded input) at kernel level. */
const CONVS: Array<[string, Conv]> = CONV_CASES.map(([tag, g, o, bias]) => [tag, { ...g, bias, act: o.activation === 'relu' ? 1 : 0 }]);
const conv = (o: Partial<Conv> & Pick<Conv, 'N' | 'C' | 'H' | 'W' | 'OC' | 'KH' | 'KW'>): Conv => ({ ...cg(o), bias: true, act: 0, ...o });

describe('conv2d', () => {
  for (const [name, c] of CONVS) {
    it(`${name}: forward and gradients`, () => {
      const r = rng(c.N * 131 + c.C * 17 + c.KH * 7 + c.groups + c.act);
      const Cg = c.C / c.groups;
      const x = randF32(c.N * c.C * c.H * c.W, r, -1, 1);
      const w = randF32(c.OC * Cg * c.KH * c.KW, r, -0.5, 0.5);
      const b = c.bias ? randF32(c.OC, r, -0.5, 0.5) : null;
      const want = convRef(c, x, w, b);
      const out = new Float32Array(want.length);
      native.conv2dForward(out, x, w, b, ...geom(c), c.act);
      expectClose(out, want, 1e-5, 1e-6, 'forward');
      const dout = randF32(out.length, r, -1, 1);
      let dw = new Float64Array(0);
      let db = new Float64Array(0);
      const dx = added(x.length, (gx) => {
        dw = added(w.length, (gw) => {
          db = added(c.OC, (gb) => native.conv2dBackward(gx, gw, b ? gb : null, dout, x, w, out, ...geom(c), c.act));
        });
      });
      // relu kinks: skip if a pre-activation sits within 1e-4 of 0.
      if (c.act === 1 && convRef(c, x, w, b, 0).some((v) => Math.abs(v) < 1e-4)) return;
      const L = (xx: Arr, ww: Arr, bb: Arr | null): number => dot(dout, convRef(c, xx, ww, bb));
      expectClose(dx, numGrad((v) => L(v, w, b), x), 1e-4, 1e-5, 'dx');
      expectClose(dw, numGrad((v) => L(x, v, b), w), 1e-4, 1e-5, 'dw');
      if (b) expectClose(db, numGrad((v) => L(x, w, v), b), 1e-4, 1e-5, 'db');
    });
  }

  it('null dx / dw / db are skipped; each alone matches the full backward', () => {
    const c = CONVS.find(([t]) => t.startsWith('3x3/dil2'))![1];
    const r = rng(77);
    const x = randF32(c.N * c.C * c.H * c.W, r);
    const w = randF32(c.OC * c.C * c.KH * c.KW, r);
    const b = randF32(c.OC, r);
    const out = new Float32Array(convRef(c, x, w, b).length);
    native.conv2dForward(out, x, w, b, ...geom(c), 0);
    const dout = randF32(out.length, r);
    const all = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.OC)];
    native.conv2dBackward(all[0], all[1], all[2], dout, x, w, null, ...geom(c), 0);
    for (let k = 0; k < 3; k++) {
      const only = [null, null, null] as Array<Float32Array | null>;
      only[k] = new Float32Array(all[k].length);
      native.conv2dBackward(only[0], only[1], only[2], dout, x, w, null, ...geom(c), 0);
      expect(Array.from(only[k]!)).toEqual(Array.from(all[k]));
    }
  });

  it('argument errors name the argument', () => {
    const a = new Float32Array(1000);
    const g = [2, 4, 6, 6, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1];
    const with_ = (i: number, v: number): number[] => g.map((x, k) => (k === i ? v : x));
    expect(() => native.conv2dForward(a, a, a, null, ...with_(13, 3), 0)).toThrow(
      new RangeError('Expected a multiple of groups (3) for C but received 4'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...with_(4, 6).map((v, k) => (k === 13 ? 4 : v)), 0)).toThrow(
      new RangeError('Expected a multiple of groups (4) for OC but received 6'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...with_(5, 7), 0)).toThrow(
      new RangeError('Expected a kernel extent <= the padded input 6 for KH but received an extent of 7'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...with_(12, 4), 0)).toThrow(
      new RangeError('Expected a kernel extent <= the padded input 6 for KW but received an extent of 9'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...with_(7, 0), 0)).toThrow(
      new RangeError('Expected positive integer for strideH but received 0 of type number'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...with_(9, -1), 0)).toThrow(
      new RangeError('Expected non-negative integer for padH but received -1 of type number'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...with_(2, 2.5), 0)).toThrow(
      new RangeError('Expected positive integer for H but received 2.5 of type number'),
    );
    expect(() => native.conv2dForward(a, new Float32Array(287), a, null, ...g, 0)).toThrow(
      new RangeError('Expected Float32Array of length >= 288 for x but received Float32Array of length 287'),
    );
    expect(() => native.conv2dForward(a, a, a, null, ...g, 2)).toThrow(
      new RangeError('Expected integer in [0, 1] for act but received 2 of type number'),
    );
    expect(() => native.conv2dBackward(null, null, null, a, a, a, null, ...g, 1)).toThrow(
      new TypeError('Expected Float32Array for out but received null'),
    );
  });
});

// ---- pooling -----------------------------------------------------------------------------------

type Pool = PoolGeom;
const pgeom = (p: Pool): number[] => [p.N, p.C, p.H, p.W, p.KH, p.KW, p.sh, p.sw, p.ph, p.pw];
const maxRef = (p: Pool, x: Arr): { out: Float64Array; idx: number[] } => {
  const r = R.maxPool2d(x, p);
  return { out: r.data, idx: r.idx };
};
const avgRef = (p: Pool, x: Arr, includePad: boolean): Float64Array => R.avgPool2d(x, p, includePad).data;

const POOLS = POOL_CASES;
const pool = pg;

describe('maxPool2d', () => {
  const cases: Array<[string, Pool]> = [
    ...POOLS,
    ['3x3 dilation 2 pad 2', pool({ N: 2, C: 2, H: 9, W: 8, KH: 3, KW: 3, sh: 1, sw: 2, ph: 2, pw: 1, dh: 2, dw: 2 })],
  ];
  for (const [name, p] of cases) {
    it(`${name}: forward, argmax and backward`, () => {
      const r = rng(p.H * 31 + p.W * 7 + p.KH + (p.ceil ? 1 : 0));
      const x = randF32(p.N * p.C * p.H * p.W, r);
      const ref = maxRef(p, x);
      const out = new Float32Array(ref.out.length);
      const idx = new Int32Array(ref.out.length);
      const g = [...pgeom(p), p.dh, p.dw, p.ceil];
      native.maxPool2dForward(out, idx, x, ...g);
      expect(Array.from(out)).toEqual(Array.from(ref.out, Math.fround));
      expect(Array.from(idx)).toEqual(ref.idx);
      const dout = randF32(out.length, r);
      const dx = added(x.length, (gx) => native.maxPool2dBackward(gx, dout, idx, ...g));
      const L = (xx: Arr): number => dot(dout, maxRef(p, xx).out);
      expectClose(dx, numGrad(L, x, 1e-5), 1e-5, 1e-5, 'dx');
    });
  }

  it('NaN propagates; ties take the first maximum', () => {
    const x = new Float32Array([1, 3, 3, NaN, 2, 2, 2, 2]);
    const out = new Float32Array(2);
    const idx = new Int32Array(2);
    native.maxPool2dForward(out, idx, x, 1, 1, 2, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(idx[1]).toBe(3);
    native.maxPool2dForward(out, idx, x, 1, 1, 2, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
    expect([out[0], idx[0]]).toEqual([3, 1]);
  });

  it('2x2 / stride 2 fast path: rows longer than a vector and odd tails, odd input sizes, ties and NaN', () => {
    // values from a small set (many ties) with some NaN, (N, C, H, W) = (2, 3, 9, 71): OW 35 = 16 + 16 + 3
    for (const [H, W] of [[9, 71], [4, 34], [6, 14], [3, 3]]) {
      const p = pool({ N: 2, C: 3, H, W, KH: 2, KW: 2, sh: 2, sw: 2 });
      const r = rng(H * 1000 + W);
      const x = Float32Array.from({ length: 6 * H * W }, () => { const u = r(); return u < 0.05 ? NaN : Math.floor(u * 4); });
      const [OH, OW] = [Math.floor(H / 2), Math.floor(W / 2)];
      // PyTorch's rule, taps in row-major order: a later tap wins when greater or NaN
      const want: number[] = [];
      const wantIdx: number[] = [];
      for (let pl = 0; pl < 6; pl++)
        for (let i = 0; i < OH; i++)
          for (let j = 0; j < OW; j++) {
            let best = -Infinity;
            let arg = 2 * i * W + 2 * j;
            for (const k of [2 * i * W + 2 * j, 2 * i * W + 2 * j + 1, (2 * i + 1) * W + 2 * j, (2 * i + 1) * W + 2 * j + 1]) {
              const v = x[pl * H * W + k];
              if (v > best || Number.isNaN(v)) { best = v; arg = k; }
            }
            want.push(best);
            wantIdx.push(arg);
          }
      const out = new Float32Array(want.length);
      const idx = new Int32Array(want.length);
      native.maxPool2dForward(out, idx, x, ...pgeom(p), 1, 1, false);
      expect(Array.from(out)).toEqual(want);
      expect(Array.from(idx)).toEqual(wantIdx);
      // without indices (inference): the same maxima
      const outNoIdx = new Float32Array(want.length);
      native.maxPool2dForward(outNoIdx, null, x, ...pgeom(p), 1, 1, false);
      expect(Array.from(outNoIdx)).toEqual(want);
    }
  });

  it('null idx (inference): the same maxima on the general path too (padding, dilation, ceil mode)', () => {
    const p = pool({ N: 2, C: 3, H: 9, W: 8, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 2, dw: 1 });
    const r = rng(77);
    const x = randF32(6 * 9 * 8, r);
    const n = 6 * 5 * 4; // ceil mode: OH 5 (ceil((9 + 2 - 5) / 2) + 1 - 0), OW 4
    const out = new Float32Array(n);
    const idx = new Int32Array(n);
    native.maxPool2dForward(out, idx, x, ...pgeom(p), 2, 1, true);
    const out2 = new Float32Array(n);
    native.maxPool2dForward(out2, null, x, ...pgeom(p), 2, 1, true);
    expect(Array.from(out2)).toEqual(Array.from(out));
    expect(Array.from(out).every((v, i) => v === x[Math.floor(i / 20) * 72 + idx[i]])).toBe(true);
  });
});

describe('avgPool2d', () => {
  for (const [name, p] of POOLS)
    for (const includePad of [true, false]) {
      it(`${name}, countIncludePad ${includePad}: forward and backward`, () => {
        const r = rng(p.H * 37 + p.W * 3 + p.KH + (includePad ? 1 : 0));
        const x = randF32(p.N * p.C * p.H * p.W, r);
        const want = avgRef(p, x, includePad);
        const out = new Float32Array(want.length);
        native.avgPool2dForward(out, x, ...pgeom(p), p.ceil, includePad);
        expectClose(out, want, 1e-5, 1e-6, 'forward');
        const dout = randF32(out.length, r);
        const dx = added(x.length, (gx) => native.avgPool2dBackward(gx, dout, ...pgeom(p), p.ceil, includePad));
        expectClose(dx, numGrad((xx) => dot(dout, avgRef(p, xx, includePad)), x), 1e-4, 1e-5, 'dx');
      });
    }
});

const adaptiveRef = (x: Arr, NC: number, H: number, W: number, OH: number, OW: number): Float64Array =>
  R.adaptiveAvgPool2d(x, NC, 1, H, W, OH, OW).data;

describe('adaptiveAvgPool2d', () => {
  const cases: Array<[number, number, number, number, number, number]> = [
    [2, 3, 7, 5, 3, 2], [1, 2, 9, 9, 1, 1], [2, 2, 4, 6, 4, 6], [1, 3, 5, 3, 7, 4], [3, 1, 10, 13, 3, 5],
  ];
  for (const [N, C, H, W, OH, OW] of cases) {
    it(`${N}x${C}x${H}x${W} -> ${OH}x${OW}: forward and backward`, () => {
      const r = rng(H * 100 + W * 10 + OH + OW);
      const x = randF32(N * C * H * W, r);
      const want = adaptiveRef(x, N * C, H, W, OH, OW);
      const out = new Float32Array(want.length);
      native.adaptiveAvgPool2dForward(out, x, N, C, H, W, OH, OW);
      expectClose(out, want, 1e-5, 1e-6, 'forward');
      const dout = randF32(out.length, r);
      const dx = added(x.length, (gx) => native.adaptiveAvgPool2dBackward(gx, dout, N, C, H, W, OH, OW));
      expectClose(dx, numGrad((xx) => dot(dout, adaptiveRef(xx, N * C, H, W, OH, OW)), x), 1e-4, 1e-5, 'dx');
    });
  }
});

describe('pooling argument errors', () => {
  const a = new Float32Array(1000);
  const i = new Int32Array(1000);
  it('name the argument, expected vs got', () => {
    expect(() => native.maxPool2dForward(a, i, a, 1, 1, 6, 6, 3, 3, 1, 1, 2, 2, 1, 1, false)).toThrow(
      new RangeError('Expected at most half the window (1) for padH but received 2'),
    );
    expect(() => native.avgPool2dForward(a, a, 1, 1, 4, 4, 5, 2, 1, 1, 0, 0, false, true)).toThrow(
      new RangeError('Expected a window extent <= the padded input 4 for KH but received an extent of 5'),
    );
    expect(() => native.maxPool2dForward(a, a, a, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false)).toThrow(
      new TypeError('Expected Int32Array or null for idx but received Float32Array of length 1000'),
    );
    expect(() => native.avgPool2dForward(a, a, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, true)).toThrow(
      new TypeError('Expected boolean for ceilMode but received 1 of type number'),
    );
    expect(() => native.adaptiveAvgPool2dForward(a, a, 1, 1, 4, 4, 0, 2)).toThrow(
      new RangeError('Expected positive integer for OH but received 0 of type number'),
    );
    const bad = new Int32Array(4).fill(16);
    expect(() => native.maxPool2dBackward(a, a, bad, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false)).toThrow(
      new RangeError('Expected integer in [0, 16) for idx[0] but received 16'),
    );
  });
});

describe('upsampleBilinear2d', () => {
  for (const [tag, sx, o] of BILINEAR_CASES) {
    const [N, C, H, W] = sx;
    const [OH, OW, sh, sw] = bilinearDims(sx, o);
    const align = o.alignCorners ?? false;
    const ref = (x: Arr): Float64Array => R.upsampleBilinear2d(x, N, C, H, W, OH, OW, align, sh, sw).data;
    it(`${tag} ${sx.join('x')} -> ${OH}x${OW}: forward and backward against the hat-weight reference`, () => {
      const r = rng(H * 1000 + W * 100 + OH * 10 + OW);
      const x = randF32(N * C * H * W, r);
      const want = ref(x);
      const out = new Float32Array(want.length);
      native.upsampleBilinear2dForward(out, x, N, C, H, W, OH, OW, align, sh, sw);
      expectClose(out, want, 1e-5, 1e-6, 'forward');
      const dout = randF32(out.length, r);
      const dx = added(x.length, (gx) => native.upsampleBilinear2dBackward(gx, dout, N, C, H, W, OH, OW, align, sh, sw));
      expectClose(dx, numGrad((xx) => dot(dout, ref(xx)), x), 1e-4, 1e-5, 'dx');
    });
  }

  it('argument errors name the argument', () => {
    const a = new Float32Array(64);
    expect(() => native.upsampleBilinear2dForward(a, a, 1, 1, 4, 4, 0, 8, false, 0, 0)).toThrow(
      new RangeError('Expected positive integer for OH but received 0 of type number'));
    expect(() => native.upsampleBilinear2dForward(a, a, 1, 1, 4, 4, 8, 8, false, -2, 0)).toThrow(
      new RangeError('Expected a finite scale >= 0 (0: from the sizes) for scaleH but received -2.000000'));
    expect(() => native.upsampleBilinear2dForward(a, a, 1, 1, 4, 4, 8, 8, 0, 0, 0)).toThrow(
      new TypeError('Expected boolean for alignCorners but received 0 of type number'));
    expect(() => native.upsampleBilinear2dBackward(a, a, 1, 1, 4, 4, 9, 8, false, 0, 0)).toThrow(RangeError);
  });
});

/** Gradients of sum(dout * conv(x, w, b)) from the definition (no relu): the exact adjoint. */
function convGradRef(c: Conv, x: Arr, w: Arr, dout: Arr): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const OH = R.convOutSize(c.H, c.KH, c.sh, c.ph, c.dh);
  const OW = R.convOutSize(c.W, c.KW, c.sw, c.pw, c.dw);
  const Cg = c.C / c.groups;
  const OCg = c.OC / c.groups;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(c.OC);
  for (let n = 0; n < c.N; n++)
    for (let oc = 0; oc < c.OC; oc++) {
      const grp = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const g = dout[((n * c.OC + oc) * OH + oh) * OW + ow];
          db[oc] += g;
          for (let ci = 0; ci < Cg; ci++)
            for (let kh = 0; kh < c.KH; kh++)
              for (let kw = 0; kw < c.KW; kw++) {
                const ih = oh * c.sh - c.ph + kh * c.dh;
                const iw = ow * c.sw - c.pw + kw * c.dw;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                const xi = ((n * c.C + grp * Cg + ci) * c.H + ih) * c.W + iw;
                const wi = ((oc * Cg + ci) * c.KH + kh) * c.KW + kw;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
        }
    }
  return { dx, dw, db };
}

describe('conv2d rows wider than one vector (16-lane row copies: full vectors, tails, exact multiples of 16)', () => {
  const wide: Array<[string, Conv]> = [
    ['3x3/p1 W=37', conv({ N: 2, C: 2, H: 5, W: 37, OC: 3, KH: 3, KW: 3, ph: 1, pw: 1 })],
    ['3x3/p1 W=16', conv({ N: 1, C: 3, H: 4, W: 16, OC: 2, KH: 3, KW: 3, ph: 1, pw: 1 })],
    ['3x3/p1 W=32 relu', conv({ N: 2, C: 2, H: 3, W: 32, OC: 2, KH: 3, KW: 3, ph: 1, pw: 1, act: 1 })],
    ['3x3/s2/p1 W=41', conv({ N: 2, C: 2, H: 6, W: 41, OC: 3, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
    ['5x5/s3/p4 W=50 (padding > half)', conv({ N: 1, C: 2, H: 7, W: 50, OC: 2, KH: 5, KW: 5, sh: 3, sw: 3, ph: 4, pw: 4 })],
    ['3x3/dil2/p3 W=35', conv({ N: 2, C: 2, H: 6, W: 35, OC: 2, KH: 3, KW: 3, dh: 2, dw: 2, ph: 3, pw: 3 })],
    ['depthwise 3x3/p1 W=18', conv({ N: 2, C: 3, H: 4, W: 18, OC: 3, KH: 3, KW: 3, ph: 1, pw: 1, groups: 3 })],
    ['1x1/s2 W=34', conv({ N: 2, C: 3, H: 3, W: 34, OC: 2, KH: 1, KW: 1, sh: 2, sw: 2 })],
    ['7x2/p0x3 W=17', conv({ N: 1, C: 2, H: 9, W: 17, OC: 2, KH: 7, KW: 2, ph: 0, pw: 3 })],
  ];
  for (const [name, c] of wide) it(`${name}: forward and backward against the definition`, () => checkDefinition(c));
});

/** Forward and all three gradients (accumulated onto non-zero buffers) against the double
 * definition; atol covers fp32 sums of many terms in a kernel-specific order. */
function checkDefinition(c: Conv, atol = 1e-6, rtol = 1e-5): void {
  {
    {
      const r = rng(c.W * 31 + c.KH);
      const x = randF32(c.N * c.C * c.H * c.W, r, -1, 1);
      const w = randF32(c.OC * (c.C / c.groups) * c.KH * c.KW, r, -0.5, 0.5);
      const b = c.bias ? randF32(c.OC, r, -0.5, 0.5) : null;
      const want = convRef(c, x, w, b);
      const out = new Float32Array(want.length);
      native.conv2dForward(out, x, w, b, ...geom(c), c.act);
      expectClose(out, want, rtol, atol, 'forward');
      const dout = randF32(out.length, r, -1, 1);
      // relu: the reference gradient of the masked dout
      const gIn = c.act === 1 ? dout.map((g, i) => (out[i] > 0 ? g : 0)) : dout;
      const ref = convGradRef(c, x, w, gIn);
      const dx = new Float32Array(x.length).fill(0.25); // the kernels accumulate
      const dw = new Float32Array(w.length).fill(-0.5);
      const db = new Float32Array(c.OC).fill(1);
      native.conv2dBackward(dx, dw, b ? db : null, dout, x, w, out, ...geom(c), c.act);
      expectClose(dx, ref.dx.map((v) => v + 0.25), rtol, atol, 'dx');
      expectClose(dw, ref.dw.map((v) => v - 0.5), rtol, atol, 'dw');
      if (b) expectClose(db, ref.db.map((v) => v + 1), rtol, atol, 'db');
    }
  }
}

/** One test per case against the definition, atol scaled by the longest sum (channels x taps, or
 * the batch's positions for the weight gradient). */
function itMatchesDefinition(cases: Array<[string, Conv]>): void {
  for (const [name, c] of cases) {
    const terms = Math.max((c.C / c.groups) * c.KH * c.KW, c.N * c.H * c.W);
    it(`${name}: forward and backward against the definition`, () => checkDefinition(c, 2e-7 * terms, 1e-5));
  }
}

/** Forward and backward (accumulating, or init: the first-write kernel) give the same bits at 1
 * and 2 threads; all: the output, dx, dw and db compared, else dw only. */
function sameConvForThreads(c: Conv, seed: number, init = false, all = true): void {
  const r = rng(seed);
  const x = randF32(c.N * c.C * c.H * c.W, r);
  const w = randF32(c.OC * (c.C / c.groups) * c.KH * c.KW, r, -0.3, 0.3);
  const b = c.bias ? randF32(c.OC, r) : null;
  const OH = R.convOutSize(c.H, c.KH, c.sh, c.ph, c.dh);
  const OW = R.convOutSize(c.W, c.KW, c.sw, c.pw, c.dw);
  const dout = randF32(c.N * c.OC * OH * OW, r);
  sameForThreads(() => {
    const out = new Float32Array(dout.length);
    native.conv2dForward(out, x, w, b, ...geom(c), c.act);
    const dx = all ? new Float32Array(x.length) : null;
    const dw = new Float32Array(w.length);
    const db = new Float32Array(c.OC);
    (init ? native.conv2dBackwardInit : native.conv2dBackward)(dx, dw, b ? db : null, dout, x, w, out, ...geom(c), c.act);
    return all ? [...out, ...dx!, ...dw, ...db] : dw;
  });
}

describe('conv2d direct kernels (stride 1, >= 8 channels: forward, input and weight gradients without im2col)', () => {
  // Shapes on both sides of the direct / im2col choice: same-size convs (flat 16-output segments
  // across row ends, tails of 1 and 2 segments), strided convs on phase planes (strides 2 and 3,
  // one axis only, with dilation, groups, strided 1x1; big unpadded kernels and stride-1 1x1 stay on the GEMM),
  // 16-lane column segments (W = 16, 33, 37), tiles of 3 segments with a short last one, output-channel blocks of 8 with a tail
  // (OC 12: forward direct, weight gradient by GEMM; C 9: input-gradient tail), padding larger
  // than the dilated kernel's extent (the input-gradient pass then has negative padding), groups,
  // and the shapes that stay on im2col + GEMM (1x1, depthwise, < 8 channels; strided backward passes).
  const direct: Array<[string, Conv]> = [
    ['16->16 3x3/p1 28x28 relu no bias', conv({ N: 2, C: 16, H: 28, W: 28, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, act: 1, bias: false })],
    ['32->32 3x3/p1 14x14', conv({ N: 3, C: 32, H: 14, W: 14, OC: 32, KH: 3, KW: 3, ph: 1, pw: 1 })],
    ['9->12 3x3/p1 13x27 relu (block tails)', conv({ N: 2, C: 9, H: 13, W: 27, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1, act: 1 })],
    ['8->24 7x7/p3 11x37', conv({ N: 1, C: 8, H: 11, W: 37, OC: 24, KH: 7, KW: 7, ph: 3, pw: 3 })],
    ['8->8 7x7/p5 (padding > half) 9x16', conv({ N: 2, C: 8, H: 9, W: 16, OC: 8, KH: 7, KW: 7, ph: 5, pw: 5 })],
    ['8->16 3x3/p3 (padding > extent) 5x33', conv({ N: 2, C: 8, H: 5, W: 33, OC: 16, KH: 3, KW: 3, ph: 3, pw: 3 })],
    ['16->8 3x3/dil2/p5 7x19', conv({ N: 2, C: 16, H: 7, W: 19, OC: 8, KH: 3, KW: 3, dh: 2, dw: 2, ph: 5, pw: 2 })],
    ['16->8 3x3/dil2/p2 (same size, flat segments) 9x11', conv({ N: 2, C: 16, H: 9, W: 11, OC: 8, KH: 3, KW: 3, dh: 2, dw: 2, ph: 2, pw: 2 })],
    ['8->16 5x5/p2 (same size) 3x3 plane: one short segment', conv({ N: 1, C: 8, H: 3, W: 3, OC: 16, KH: 5, KW: 5, ph: 2, pw: 2, act: 1 })],
    ['8->8 3x5/p1x2 (same size) 8x10: 5 segments, tiles 3 + 2', conv({ N: 2, C: 8, H: 8, W: 10, OC: 8, KH: 3, KW: 5, ph: 1, pw: 2 })],
    ['8->16 1x5/p0x2 batch 1 6x31', conv({ N: 1, C: 8, H: 6, W: 31, OC: 16, KH: 1, KW: 5, ph: 0, pw: 2 })],
    ['5x2 no padding 12x17 (valid)', conv({ N: 2, C: 8, H: 12, W: 17, OC: 8, KH: 5, KW: 2 })],
    ['groups 2 (8 per group) 3x3/p1 10x21', conv({ N: 2, C: 16, H: 10, W: 21, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, groups: 2 })],
    ['16->16 1x1 (GEMM)', conv({ N: 2, C: 16, H: 9, W: 13, OC: 16, KH: 1, KW: 1 })],
    ['16->16 3x3/s2/p1 (phase planes) 15x15', conv({ N: 2, C: 16, H: 15, W: 15, OC: 16, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
    ['16->16 3x3/s3/p2 (phase planes) 13x17', conv({ N: 1, C: 16, H: 13, W: 17, OC: 16, KH: 3, KW: 3, sh: 3, sw: 3, ph: 2, pw: 2 })],
    ['8->12 3x3/s2/p1 relu (phase planes, block tail) 28x28', conv({ N: 2, C: 8, H: 28, W: 28, OC: 12, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, act: 1 })],
    ['8->8 3x5/s(2,1)/p(1,2) (phase planes, rows only) 9x20', conv({ N: 2, C: 8, H: 9, W: 20, OC: 8, KH: 3, KW: 5, sh: 2, sw: 1, ph: 1, pw: 2 })],
    ['8->16 3x3/s(1,2)/dil2/p2 (phase planes) 11x35', conv({ N: 1, C: 8, H: 11, W: 35, OC: 16, KH: 3, KW: 3, sh: 1, sw: 2, dh: 2, dw: 2, ph: 2, pw: 2 })],
    ['groups 2 (8 per group) 3x3/s2/p1 (phase planes) 10x21', conv({ N: 2, C: 16, H: 10, W: 21, OC: 16, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 2 })],
    ['8->8 5x5/s2/p0 (GEMM: phase planes would not hold every input row) 10x10', conv({ N: 2, C: 8, H: 10, W: 10, OC: 8, KH: 5, KW: 5, sh: 2, sw: 2 })],
    ['16->16 1x1/s2 (phase plane) 9x14', conv({ N: 2, C: 16, H: 9, W: 14, OC: 16, KH: 1, KW: 1, sh: 2, sw: 2 })],
    ['16->8 1x1/s(2, 3) (phase plane, weight gradient by lane sums) 9x14', conv({ N: 3, C: 16, H: 9, W: 14, OC: 8, KH: 1, KW: 1, sh: 2, sw: 3 })],
    ['depthwise 16 3x3/p1 (GEMM)', conv({ N: 2, C: 16, H: 9, W: 18, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, groups: 16 })],
    ['4->4 3x3/p1 (GEMM: < 8 channels)', conv({ N: 2, C: 4, H: 9, W: 18, OC: 4, KH: 3, KW: 3, ph: 1, pw: 1 })],
  ];
  itMatchesDefinition(direct);

  it('strided input gradient: positions no tap reaches keep their bits (accumulate), and get +0 (first write)', () => {
    // 1x1 stride 2: only even rows and columns of dx get gradient; odd ones hold -0 / 5 and must
    // keep exactly that when accumulating (the column-pair merge masks off a phase without taps).
    const c = conv({ N: 2, C: 16, H: 9, W: 14, OC: 16, KH: 1, KW: 1, sh: 2, sw: 2, bias: false });
    const r = rng(91);
    const x = randF32(c.N * c.C * c.H * c.W, r);
    const w = randF32(c.OC * c.C, r);
    const dout = randF32(c.N * c.OC * 5 * 7, r);
    const held = new Float32Array(x.length).map((_, i) => (i % 2 ? -0 : 5));
    const dx = Float32Array.from(held);
    native.conv2dBackward(dx, null, null, dout, x, w, null, ...geom(c), 0);
    const first = new Float32Array(x.length).fill(NaN);
    native.conv2dBackwardInit(first, null, null, dout, x, w, null, ...geom(c), 0);
    const bitsOf = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];
    for (let i = 0; i < x.length; i++) {
      const [h, wi] = [Math.floor(i / c.W) % c.H, i % c.W];
      if (h % 2 === 0 && wi % 2 === 0) {
        expect(dx[i]).toBe(Math.fround(held[i] + first[i]));
      } else {
        expect(bitsOf(dx[i])).toBe(bitsOf(held[i]));
        expect(bitsOf(first[i])).toBe(0);
      }
    }
  });

  it('strided (phase planes): identical results at 1 and 2 threads, and against the definition', () => {
    const c = conv({ N: 8, C: 16, H: 28, W: 28, OC: 32, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, act: 1 });
    const [OH, OW] = [14, 14];
    const r = rng(77);
    const x = randF32(c.N * c.C * c.H * c.W, r);
    const w = randF32(c.OC * c.C * 9, r, -0.3, 0.3);
    const b = randF32(c.OC, r);
    const dout = randF32(c.N * c.OC * OH * OW, r);
    const out = new Float32Array(dout.length);
    sameForThreads(() => {
      native.conv2dForward(out, x, w, b, ...geom(c), c.act);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      const db = new Float32Array(c.OC);
      native.conv2dBackward(dx, dw, db, dout, x, w, out, ...geom(c), c.act);
      return [...out, ...dx, ...dw, ...db];
    });
    expectClose(out, convRef(c, x, w, b), 1e-4, 1e-5, 'strided forward');
  });

  it('identical results at 1 and 2 threads (a batch that runs in parallel)', () => {
    sameConvForThreads(conv({ N: 8, C: 16, H: 28, W: 28, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, act: 1 }), 44);
    sameConvForThreads(conv({ N: 9, C: 32, H: 14, W: 14, OC: 32, KH: 3, KW: 3, ph: 1, pw: 1, bias: false }), 46);
    // weight gradient by lane sums (8k, not 16k, output channels)
    sameConvForThreads(conv({ N: 9, C: 16, H: 14, W: 14, OC: 24, KH: 3, KW: 3, ph: 1, pw: 1, bias: false }), 30);
  });
});

describe('conv2d weight gradient by broadcasts (16k output channels per group, kernel widths 1/3/5/7)', () => {
  // Output channels along the lanes in blocks of 16 / 32 / 64 (OC 16, 48: three blocks of 16;
  // 32; 64), tiles of L input lines (c, kh) with the rest in halves (C KH = 3: 2 + 1; 16 lines of
  // a 1x1: 12 + 3 + 1; 9: 8 + 1), padded copies (padding larger than half the kernel, one axis
  // only) and in-place reads (no padding), strides along either axis, dilation along H only
  // (W dilation stays on the other kernels), groups, planes whose size is not a multiple of 16
  // (the transposes' tails), relu masks, batches of 1 and odd.
  const bcast: Array<[string, Conv]> = [
    ['1->16 5x5/p2 28x28 (5 lines: 4 + 1)', conv({ N: 2, C: 1, H: 28, W: 28, OC: 16, KH: 5, KW: 5, ph: 2, pw: 2, bias: false })],
    ['16->16 3x3/p1 28x28 relu', conv({ N: 3, C: 16, H: 28, W: 28, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, act: 1, bias: false })],
    ['32->32 3x3/p1 14x14', conv({ N: 2, C: 32, H: 14, W: 14, OC: 32, KH: 3, KW: 3, ph: 1, pw: 1 })],
    ['2->16 3x3/p1 10x12 (6 lines: 4 + 2)', conv({ N: 2, C: 2, H: 10, W: 12, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1 })],
    ['16->32 3x3/s2/p1 28x28', conv({ N: 2, C: 16, H: 28, W: 28, OC: 32, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
    ['16->32 1x1/s2 (no padding: read in place; 16 lines: 12 + 3 + 1)', conv({ N: 2, C: 16, H: 28, W: 28, OC: 32, KH: 1, KW: 1, sh: 2, sw: 2, bias: false })],
    ['16->32 5x5/p2 14x14 (LeNet)', conv({ N: 2, C: 16, H: 14, W: 14, OC: 32, KH: 5, KW: 5, ph: 2, pw: 2, act: 1 })],
    ['3->64 7x7/s2/p3 19x21 (blocks of 32, one line per tile)', conv({ N: 1, C: 3, H: 19, W: 21, OC: 64, KH: 7, KW: 7, sh: 2, sw: 2, ph: 3, pw: 3 })],
    ['8->64 3x3/p1 9x11 (blocks of 64)', conv({ N: 2, C: 8, H: 9, W: 11, OC: 64, KH: 3, KW: 3, ph: 1, pw: 1 })],
    ['3->48 3x3 13x7 valid (three blocks of 16, 9 lines: 8 + 1)', conv({ N: 3, C: 3, H: 13, W: 7, OC: 48, KH: 3, KW: 3 })],
    ['8->16 3x3 dil (2, 1) p(2, 1) 10x17', conv({ N: 2, C: 8, H: 10, W: 17, OC: 16, KH: 3, KW: 3, dh: 2, ph: 2, pw: 1 })],
    ['8->16 3x3/p3 (padding > half) 5x6', conv({ N: 1, C: 8, H: 5, W: 6, OC: 16, KH: 3, KW: 3, ph: 3, pw: 3 })],
    ['8->16 5x3 s(1, 2) p(0, 1) 11x20', conv({ N: 2, C: 8, H: 11, W: 20, OC: 16, KH: 5, KW: 3, sw: 2, pw: 1 })],
    ['8->16 3x1 s(2, 1) p(1, 0) 12x9 relu', conv({ N: 2, C: 8, H: 12, W: 9, OC: 16, KH: 3, KW: 1, sh: 2, ph: 1, act: 1 })],
    ['groups 2 (16 outputs per group) 3x3/p1 9x10', conv({ N: 2, C: 8, H: 9, W: 10, OC: 32, KH: 3, KW: 3, ph: 1, pw: 1, groups: 2 })],
    ['16->16 3x3/p1 1x1 plane', conv({ N: 5, C: 16, H: 1, W: 1, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1 })],
  ];
  itMatchesDefinition(bcast);

  it('identical results at 1 and 2 threads (chunks in parallel, an odd batch, an image above the scratch budget)', () => {
    sameConvForThreads(conv({ N: 13, C: 16, H: 28, W: 28, OC: 32, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, act: 1 }), 19, true);
    sameConvForThreads(conv({ N: 9, C: 16, H: 14, W: 14, OC: 32, KH: 5, KW: 5, ph: 2, pw: 2, bias: false }), 21, true);
    // one image's scratch above the budget: 2 chunks, not 1 (compared: the weight gradient only)
    sameConvForThreads(conv({ N: 3, C: 128, H: 128, W: 128, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, bias: false }), 131, true, false);
  });
});

describe('determinism across thread counts', () => {
  it('conv2d forward / backward and pooling on a batch big enough to run in parallel', () => {
    const c = conv({ N: 16, C: 8, H: 20, W: 19, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1, act: 1 });
    const r = rng(1234);
    const x = randF32(c.N * c.C * c.H * c.W, r);
    const w = randF32(c.OC * c.C * 9, r, -0.3, 0.3);
    const b = randF32(c.OC, r);
    const no = c.N * c.OC * c.H * c.W;
    const dout = randF32(no, r);
    sameForThreads(() => {
      const out = new Float32Array(no);
      native.conv2dForward(out, x, w, b, ...geom(c), 1);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      const db = new Float32Array(c.OC);
      native.conv2dBackward(dx, dw, db, dout, x, w, out, ...geom(c), 1);
      return [...out.subarray(0, 500), ...dx.subarray(0, 500), ...dw, ...db];
    });
    // BatchNorm2d statistics and gradients (plane-parallel path): big enough to run in parallel, few channels
    sameForThreads(() => {
      const [N, C, L] = [16, 3, 20 * 19];
      const xs = x.subarray(0, N * C * L);
      const y = new Float32Array(N * C * L);
      const mean = new Float32Array(C);
      const rstd = new Float32Array(C);
      const rm = new Float32Array(C).fill(0.5);
      const rv = new Float32Array(C).fill(2);
      const wt = Float32Array.from([1.5, -0.5, 2]);
      const bs = Float32Array.from([0.1, 0.2, -0.3]);
      native.batchNormForward(y, mean, rstd, rm, rv, xs, wt, bs, N, C, L, 1e-5, 0.1, true);
      const want = R.batchNorm(xs, [N, C, L], rm, rv, wt, bs, true, 1e-5).data;
      expectClose(y, want, 1e-4, 1e-5, 'batchNorm forward');
      const dxb = new Float32Array(xs.length);
      const dwb = new Float32Array(C);
      const dbb = new Float32Array(C);
      native.batchNormBackward(dxb, dwb, dbb, dout.subarray(0, xs.length), xs, wt, mean, rstd, N, C, L, true);
      return [...y.subarray(0, 700), ...mean, ...rstd, ...rm, ...rv, ...dxb.subarray(0, 700), ...dwb, ...dbb];
    });
    sameForThreads(() => {
      const g = [16, 8, 20, 19, 3, 3, 2, 2, 1, 1];
      const out = new Float32Array(16 * 8 * 11 * 10); // ceil mode: 11 x 10
      native.avgPool2dForward(out, x, ...g, true, false);
      const m = new Float32Array(out.length);
      native.maxPool2dForward(m, new Int32Array(out.length), x, ...g, 1, 1, true);
      return [...out, ...m];
    });
    sameForThreads(() => {
      const up = new Float32Array(16 * 8 * 30 * 47);
      native.upsampleBilinear2dForward(up, x, 16, 8, 20, 19, 30, 47, false, 1.5, 2.5);
      const dx = new Float32Array(x.length);
      native.upsampleBilinear2dBackward(dx, up, 16, 8, 20, 19, 30, 47, false, 1.5, 2.5);
      return [...up.subarray(0, 2000), ...dx];
    });
  });
});

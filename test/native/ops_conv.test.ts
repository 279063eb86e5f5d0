// Kernel tests for convolution and pooling (native/cpu/ops/conv2d.cc, pool2d.cc): naive
// double-precision references on awkward geometries, finite-difference gradients, determinism
// across thread counts, argument errors.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { Arr, rng, randF32, expectClose, numGrad, dot, added } from '../helpers/kernels';

// ---- convolution -------------------------------------------------------------------------------

interface Conv {
  N: number; C: number; H: number; W: number; OC: number; KH: number; KW: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number;
  bias: boolean; act: 0 | 1;
}
const outSize = (i: number, k: number, s: number, p: number, d: number): number => Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;
const geom = (c: Conv): number[] => [c.N, c.C, c.H, c.W, c.OC, c.KH, c.KW, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw, c.groups];

function convRef(c: Conv, x: Arr, w: Arr, b: Arr | null, act = c.act): number[] {
  const OH = outSize(c.H, c.KH, c.sh, c.ph, c.dh);
  const OW = outSize(c.W, c.KW, c.sw, c.pw, c.dw);
  const Cg = c.C / c.groups;
  const OCg = c.OC / c.groups;
  const out: number[] = [];
  for (let n = 0; n < c.N; n++)
    for (let o = 0; o < c.OC; o++) {
      const g = Math.floor(o / OCg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b[o] : 0;
          for (let ci = 0; ci < Cg; ci++)
            for (let kh = 0; kh < c.KH; kh++)
              for (let kw = 0; kw < c.KW; kw++) {
                const ih = oh * c.sh - c.ph + kh * c.dh;
                const iw = ow * c.sw - c.pw + kw * c.dw;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                s += x[((n * c.C + g * Cg + ci) * c.H + ih) * c.W + iw] * w[((o * Cg + ci) * c.KH + kh) * c.KW + kw];
              }
          out.push(act === 1 ? Math.max(s, 0) : s);
        }
    }
  return out;
}

function conv(o: Partial<Conv> & Pick<Conv, 'N' | 'C' | 'H' | 'W' | 'OC' | 'KH' | 'KW'>): Conv {
  return { sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, bias: true, act: 0, ...o };
}

const CONVS: Array<[string, Conv]> = [
  ['1x1 (direct path), batch 2', conv({ N: 2, C: 3, H: 5, W: 4, OC: 4, KH: 1, KW: 1 })],
  ['1x1 stride 2 (im2col path)', conv({ N: 2, C: 3, H: 5, W: 6, OC: 2, KH: 1, KW: 1, sh: 2, sw: 2 })],
  ['7x7 stride 2 pad 3, batch 1', conv({ N: 1, C: 2, H: 9, W: 11, OC: 3, KH: 7, KW: 7, sh: 2, sw: 2, ph: 3, pw: 3 })],
  ['3x3 stride 3, padding 2 > half the kernel', conv({ N: 2, C: 3, H: 7, W: 8, OC: 2, KH: 3, KW: 3, sh: 3, sw: 3, ph: 2, pw: 2 })],
  ['dilation 2, odd sizes', conv({ N: 3, C: 2, H: 9, W: 7, OC: 3, KH: 3, KW: 3, dh: 2, dw: 2, ph: 1, pw: 2 })],
  ['depthwise (groups = C), multiplier 2', conv({ N: 2, C: 4, H: 6, W: 5, OC: 8, KH: 3, KW: 3, ph: 1, pw: 1, groups: 4 })],
  ['groups 2, 2x3 kernel, stride (2, 1), relu', conv({ N: 2, C: 4, H: 7, W: 6, OC: 6, KH: 2, KW: 3, sh: 2, groups: 2, act: 1 })],
  ['5x5 relu without bias, batch 9 (several chunks)', conv({ N: 9, C: 2, H: 8, W: 8, OC: 3, KH: 5, KW: 5, ph: 2, pw: 2, bias: false, act: 1 })],
  ['kernel = padded input (1x1 output)', conv({ N: 2, C: 2, H: 3, W: 4, OC: 2, KH: 5, KW: 4, ph: 1 })],
];

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
    const c = CONVS[4][1];
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

interface Pool {
  N: number; C: number; H: number; W: number; KH: number; KW: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; ceil: boolean;
}
function pool(o: Partial<Pool> & Pick<Pool, 'N' | 'C' | 'H' | 'W' | 'KH' | 'KW'>): Pool {
  return { sh: o.KH, sw: o.KW, ph: 0, pw: 0, dh: 1, dw: 1, ceil: false, ...o };
}
function poolOut(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = i + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}
const pgeom = (p: Pool): number[] => [p.N, p.C, p.H, p.W, p.KH, p.KW, p.sh, p.sw, p.ph, p.pw];

/** Max pooling reference: values and the flat in-plane argmax (first maximum). */
function maxRef(p: Pool, x: Arr): { out: number[]; idx: number[] } {
  const OH = poolOut(p.H, p.KH, p.sh, p.ph, p.dh, p.ceil);
  const OW = poolOut(p.W, p.KW, p.sw, p.pw, p.dw, p.ceil);
  const out: number[] = [];
  const idx: number[] = [];
  for (let pl = 0; pl < p.N * p.C; pl++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        let arg = -1;
        for (let kh = 0; kh < p.KH; kh++)
          for (let kw = 0; kw < p.KW; kw++) {
            const ih = oh * p.sh - p.ph + kh * p.dh;
            const iw = ow * p.sw - p.pw + kw * p.dw;
            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
            const v = x[pl * p.H * p.W + ih * p.W + iw];
            if (arg < 0 || v > best) { best = v; arg = ih * p.W + iw; }
          }
        out.push(best);
        idx.push(arg);
      }
  return { out, idx };
}

/** Average pooling reference written from PyTorch's documented divisor rule. */
function avgRef(p: Pool, x: Arr, includePad: boolean): number[] {
  const OH = poolOut(p.H, p.KH, p.sh, p.ph, 1, p.ceil);
  const OW = poolOut(p.W, p.KW, p.sw, p.pw, 1, p.ceil);
  const out: number[] = [];
  for (let pl = 0; pl < p.N * p.C; pl++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        let real = 0;
        let padded = 0;
        for (let kh = 0; kh < p.KH; kh++)
          for (let kw = 0; kw < p.KW; kw++) {
            const ih = oh * p.sh - p.ph + kh;
            const iw = ow * p.sw - p.pw + kw;
            if (ih < p.H + p.ph && iw < p.W + p.pw) padded++; // inside the padded input
            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
            s += x[pl * p.H * p.W + ih * p.W + iw];
            real++;
          }
        out.push(s / (includePad ? padded : real));
      }
  return out;
}

const POOLS: Array<[string, Pool]> = [
  ['2x2 stride 2, even input', pool({ N: 2, C: 3, H: 8, W: 6, KH: 2, KW: 2 })],
  ['3x3 stride 2 pad 1, odd input, batch 1', pool({ N: 1, C: 2, H: 7, W: 9, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['3x3 stride 2 pad 1, ceil mode', pool({ N: 2, C: 2, H: 8, W: 7, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, ceil: true })],
  ['2x2 stride 2 ceil mode on odd input', pool({ N: 1, C: 3, H: 5, W: 7, KH: 2, KW: 2, ceil: true })],
  ['7x7 stride 3 pad 3', pool({ N: 2, C: 1, H: 11, W: 9, KH: 7, KW: 7, sh: 3, sw: 3, ph: 3, pw: 3 })],
  ['3x1 window, stride (1, 2)', pool({ N: 3, C: 2, H: 5, W: 6, KH: 3, KW: 1, sh: 1, sw: 2, ph: 1 })],
  ['1x1 window stride 3', pool({ N: 1, C: 2, H: 7, W: 7, KH: 1, KW: 1, sh: 3, sw: 3 })],
];

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
      expect(Array.from(out)).toEqual(ref.out.map(Math.fround));
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

function adaptiveRef(x: Arr, NC: number, H: number, W: number, OH: number, OW: number): number[] {
  const out: number[] = [];
  for (let pl = 0; pl < NC; pl++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const h0 = Math.floor((i * H) / OH);
        const h1 = Math.ceil(((i + 1) * H) / OH);
        const w0 = Math.floor((j * W) / OW);
        const w1 = Math.ceil(((j + 1) * W) / OW);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[pl * H * W + h * W + w];
        out.push(s / ((h1 - h0) * (w1 - w0)));
      }
  return out;
}

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
      new TypeError('Expected Int32Array for idx but received Float32Array of length 1000'),
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
    sameForThreads(() => {
      const g = [16, 8, 20, 19, 3, 3, 2, 2, 1, 1];
      const out = new Float32Array(16 * 8 * 11 * 10); // ceil mode: 11 x 10
      native.avgPool2dForward(out, x, ...g, true, false);
      const m = new Float32Array(out.length);
      native.maxPool2dForward(m, new Int32Array(out.length), x, ...g, 1, 1, true);
      return [...out, ...m];
    });
  });
});

// Kernel tests for layer-level ops: fused linear, layerNorm, batchNorm1d, dropout, embedding,
// row gather/scatter, concat, slice, transpose (native/cpu/ops/*.cc): references in double,
// finite-difference gradients, PyTorch fixtures, argument errors.
import { afterAll, describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { asFloat, asInt, loadFixture, type OpCase } from '../fixtures/fixtures';

import { Arr, rng, randF32, expectClose, numGrad, dot, added, erf } from '../helpers/kernels';

const f32 = (t: unknown): Float32Array => Float32Array.from(asFloat(t as never).data);
const ACT_CODES: Record<string, number> = { none: 0, relu: 1, sigmoid: 2, tanh: 3, gelu: 4, geluTanh: 5 };
const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const ACT_F: Array<(x: number) => number> = [
  (x) => x,
  (x) => Math.max(x, 0),
  sig,
  Math.tanh,
  (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
];

/** act'(x) in double: exact for none and relu, central differences for the others. */
function dact(act: number, x: number): number {
  if (act === 0) return 1;
  if (act === 1) return x > 0 ? 1 : 0;
  const h = 1e-4 * Math.max(1, Math.abs(x));
  return (ACT_F[act](x + h) - ACT_F[act](x - h)) / (2 * h);
}

function linearRef(x: Arr, w: Arr, b: Arr | null, B: number, C: number, OC: number, act: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < B; i++)
    for (let o = 0; o < OC; o++) {
      let s = b ? b[o] : 0;
      for (let k = 0; k < C; k++) s += x[i * C + k] * w[o * C + k];
      out.push(ACT_F[act](s));
    }
  return out;
}

/** Runs linear forward + backward natively; returns out and the three added gradients. */
function linearRun(x: Float32Array, w: Float32Array, b: Float32Array | null, B: number, C: number, OC: number,
  act: number, dout: Float32Array) {
  const out = new Float32Array(B * OC);
  const pre = act >= 4 ? new Float32Array(B * OC) : null;
  native.linearForward(out, x, w, b, B, C, OC, act, pre);
  let dw = new Float64Array(0);
  let db = new Float64Array(0);
  const dx = added(B * C, (gx) => {
    dw = added(OC * C, (gw) => {
      db = added(OC, (gb) => native.linearBackward(gx, gw, b ? gb : null, dout, x, w, out, pre, B, C, OC, act));
    });
  });
  return { out, dx, dw, db };
}

/** Random operands of a linear layer and its forward output (out, and pre for the gelus). */
function linearCase(B: number, C: number, OC: number, act: number, seed: number) {
  const r = rng(seed);
  const x = randF32(B * C, r, -1, 1);
  const w = randF32(OC * C, r, -0.5, 0.5);
  const b = randF32(OC, r, -0.5, 0.5);
  const dout = randF32(B * OC, r, -1, 1);
  const out = new Float32Array(B * OC);
  const pre = act >= 4 ? new Float32Array(B * OC) : null;
  native.linearForward(out, x, w, b, B, C, OC, act, pre);
  return { x, w, b, dout, out, pre };
}

describe('fused linear', () => {
  // the ISAs this CPU has, baseline first (tests compare their bits; each sets its ISA back)
  const ISAS = ['generic', 'avx2', 'avx512'];
  const original: string = native.getIsa();
  afterAll(() => native.setIsa(original));
  const supported = ISAS.filter((i) => ISAS.indexOf(i) <= ISAS.indexOf(native.detectIsa()));
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [7, 20, 5], [3, 33, 17], [2, 255, 3], [17, 9, 65]];
  for (const [B, C, OC] of shapes) {
    for (const [name, act] of Object.entries(ACT_CODES)) {
      it(`${name} ${B}x${C}->${OC}: forward and gradients`, () => {
        const r = rng(B * 1000 + C * 10 + OC + act);
        const x = randF32(B * C, r, -1, 1);
        const w = randF32(OC * C, r, -0.5, 0.5);
        const b = randF32(OC, r, -0.5, 0.5);
        const dout = randF32(B * OC, r, -1, 1);
        const { out, dx, dw, db } = linearRun(x, w, b, B, C, OC, act, dout);
        expectClose(out, linearRef(x, w, b, B, C, OC, act), 1e-5, 1e-6, 'linear forward');
        // relu kinks: skip the check if any pre-activation sits within 1e-4 of 0.
        const pre = linearRef(x, w, b, B, C, OC, 0);
        if (act === 1 && pre.some((v) => Math.abs(v) < 1e-4)) return;
        const L = (xx: Arr, ww: Arr, bb: Arr): number => dot(dout, linearRef(xx, ww, bb, B, C, OC, act));
        expectClose(dx, numGrad((v) => L(v, w, b), x), 1e-4, 1e-5, 'dx');
        expectClose(dw, numGrad((v) => L(x, v, b), w), 1e-4, 1e-5, 'dw');
        expectClose(db, numGrad((v) => L(x, w, v), b), 1e-4, 1e-5, 'db');
      });
    }
  }

  describe('bias gradient (activation backward pass): every ISA gives the same bits', () => {
    // dpre_and_dbias runs per-ISA builds of one loop (no FMA contraction): each ISA the CPU has
    // must match the baseline bit for bit and the double reference sum of dout * act'(pre).
    // 300 x 129: 10 row chunks of 32, parallel (B * OC above the threshold), summed in chunk order;
    // 2,100 rows: 64 chunks of 33 (at most 64 chunks).
    for (const [B, C, OC] of [[3, 5, 1], [17, 9, 65], [130, 7, 200], [300, 7, 129], [2100, 2, 17]] as Array<[number, number, number]>) {
      for (const [name, act] of Object.entries(ACT_CODES)) {
        it(`${name} ${B}x${C}->${OC}`, () => {
          const { x, w, b, dout, out, pre } = linearCase(B, C, OC, act, B + C + OC + act);
          const dbs = supported.map((isa) => {
            native.setIsa(isa);
            const db = new Float32Array(OC);
            native.linearBackward(null, null, db, dout, x, w, out, pre, B, C, OC, act);
            return db;
          });
          native.setIsa(original);
          for (const db of dbs.slice(1)) expect(Buffer.from(db.buffer).equals(Buffer.from(dbs[0].buffer))).toBe(true);
          const z = linearRef(x, w, b, B, C, OC, 0);
          if (act === 1 && z.some((v) => Math.abs(v) < 1e-4)) return;
          const want = new Float64Array(OC);
          for (let i = 0; i < B * OC; i++) want[i % OC] += dout[i] * dact(act, z[i]);
          expectClose(dbs[0], want, 1e-4, 1e-5, 'db');
        });
      }
    }
  });

  describe('small layers (plain loops, no GEMM): every ISA gives the same bits and the double reference', () => {
    // linear_small.cc: AVX-512 kernels (16 lanes, masked tails; OC = 1 gathers the batch into
    // lanes; the weight gradient takes lanes along C or OC by shape) and the portable loops must
    // agree bit for bit; sums longer than 128 go in chunks (C = 129, 255); 16-lane blocks of OC
    // (16, 17, 255); the narrow bias pass (OC <= 16, none/relu/sigmoid/tanh) and the general one.
    const shapes: Array<[number, number, number]> = [[1, 1, 1], [100, 2, 10], [100, 10, 1], [3, 17, 16], [5, 3, 17],
      [33, 255, 1], [4, 129, 31], [17, 1, 255], [2, 64, 64], [70, 5, 3], [0, 3, 4]];
    for (const [B, C, OC] of shapes) {
      for (const [name, act] of Object.entries(ACT_CODES)) {
        it(`${name} ${B}x${C}->${OC}`, () => {
          // the activation passes themselves may differ per ISA (their own tests): every ISA's
          // backward reads the same forward output
          const { x, w, b, dout, out, pre } = linearCase(B, C, OC, act, 31 * B + 7 * C + OC + act);
          const runs = supported.map((isa) => {
            native.setIsa(isa);
            const product = new Float32Array(B * OC);
            native.linearForward(product, x, w, b, B, C, OC, act === 1 ? 1 : 0, null);
            // accumulating into nonzero gradients, and the first write into NaN
            const acc = [B * C, OC * C, OC].map((n) => Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 8));
            native.linearBackward(acc[0], acc[1], acc[2], dout, x, w, out, pre, B, C, OC, act);
            const fresh = [B * C, OC * C, OC].map((n) => new Float32Array(n).fill(NaN));
            native.linearBackwardInit(fresh[0], fresh[1], fresh[2], dout, x, w, out, pre, B, C, OC, act);
            return [product, ...acc, ...fresh];
          });
          native.setIsa(original);
          for (const r of runs.slice(1)) {
            r.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(runs[0][i].buffer))).toBe(true));
          }
          const [product, , , , dx, dw, db] = runs[0];
          expectClose(product, linearRef(x, w, b, B, C, OC, act === 1 ? 1 : 0), 1e-5, 1e-6, 'forward');
          expectClose(out, linearRef(x, w, b, B, C, OC, act), 1e-5, 1e-6, 'forward with the activation');
          const z = linearRef(x, w, b, B, C, OC, 0);
          if (act === 1 && z.some((v) => Math.abs(v) < 1e-4)) return;
          // dpre = dout * act'(z), in double
          const dpre = z.map((v, i) => dout[i] * dact(act, v));
          const wantDx = new Float64Array(B * C);
          const wantDw = new Float64Array(OC * C);
          const wantDb = new Float64Array(OC);
          for (let i = 0; i < B; i++) {
            for (let o = 0; o < OC; o++) {
              const g = dpre[i * OC + o];
              wantDb[o] += g;
              for (let k = 0; k < C; k++) {
                wantDx[i * C + k] += g * w[o * C + k];
                wantDw[o * C + k] += g * x[i * C + k];
              }
            }
          }
          expectClose(dx, wantDx, 1e-4, 1e-5, 'dx');
          expectClose(dw, wantDw, 1e-4, 1e-5, 'dw');
          expectClose(db, wantDb, 1e-4, 1e-5, 'db');
        });
      }
    }
  });

  it('gelu backward from the saved output (Phi = out / pre) matches the pre-only formula on awkward inputs', () => {
    // With `out` the kernel takes Phi(x) = out / x (one exp less); without it, erfc + exp. Both
    // must agree near 0 (0/0, denormals), in the tails and in between.
    const xs = [0, -0, 1e-45, -1e-45, 1e-38, -3e-39, 1e-7, -1e-7, 1e-6, -1e-6, 2e-6, 0.5, -0.5, 1, -1, 3, -3,
      -5, -8.5, -10, -13, -14, -20, -100, 6, 10, 100, 1e30, -1e30];
    for (let i = 0; i < 100; i++) xs.push(Math.sinh(i / 10 - 5));
    const n = xs.length;
    const x = Float32Array.from(xs);
    const w = Float32Array.from([1]);
    const out = new Float32Array(n), pre = new Float32Array(n);
    native.linearForward(out, x, w, null, n, 1, 1, 4, pre);
    const dout = new Float32Array(n).fill(1);
    const withOut = new Float32Array(n), preOnly = new Float32Array(n);
    native.linearBackward(withOut, null, null, dout, x, w, out, pre, n, 1, 1, 4);
    native.linearBackward(preOnly, null, null, dout, x, w, null, pre, n, 1, 1, 4);
    expectClose(withOut, preOnly, 4e-6, 1e-30, 'gelu derivative with / without out');
    const exact = xs.map((t) => {
      const xf = Math.fround(t);
      return Math.abs(xf) > 5 ? NaN : 0.5 * (1 + erf(xf / Math.SQRT2)) + xf * Math.exp(-0.5 * xf * xf) / Math.sqrt(2 * Math.PI);
    });
    const keep = exact.map((e) => !Number.isNaN(e));
    expectClose(withOut.filter((_, i) => keep[i]), exact.filter((_, i) => keep[i]), 1e-5, 1e-7, 'gelu derivative vs double');
  });

  it('works without bias and with null dx / dw', () => {
    const [B, C, OC] = [4, 6, 3];
    const r = rng(5);
    const x = randF32(B * C, r);
    const w = randF32(OC * C, r);
    const dout = randF32(B * OC, r);
    const out = new Float32Array(B * OC);
    native.linearForward(out, x, w, null, B, C, OC, 3, null);
    expectClose(out, linearRef(x, w, null, B, C, OC, 3), 1e-5, 1e-6, 'no-bias forward');
    const dw = new Float32Array(OC * C);
    native.linearBackward(null, dw, null, dout, x, w, out, null, B, C, OC, 3);
    const wantDw = numGrad((v) => dot(dout, linearRef(x, v, null, B, C, OC, 3)), w);
    expectClose(dw, wantDw, 1e-4, 1e-5, 'dw only');
  });

  it('argument errors', () => {
    const a = new Float32Array(6);
    expect(() => native.linearForward(a, a, a, null, 2, 3, 2, 6, null)).toThrow(
      new RangeError('Expected integer in [0, 5] for act but received 6 of type number'),
    );
    expect(() => native.linearForward(a, a, a, null, 2, 3, 2, 4, null)).toThrow(
      new TypeError('Expected Float32Array for pre but received null'),
    );
    expect(() => native.linearBackward(null, null, null, a, a, a, null, null, 2, 3, 2, 1)).toThrow(
      new TypeError('Expected Float32Array for out but received null'),
    );
    expect(() => native.linearForward(a, a, new Float32Array(5), null, 2, 3, 2, 0, null)).toThrow(
      new RangeError('Expected Float32Array of length >= 6 for w but received Float32Array of length 5'),
    );
  });
});

function layerNormRef(x: Arr, w: Arr | null, b: Arr | null, N: number, C: number, eps: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let c = 0; c < C; c++) m += x[n * C + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[n * C + c] - m) ** 2;
    v /= C;
    for (let c = 0; c < C; c++) out.push(((x[n * C + c] - m) / Math.sqrt(v + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0));
  }
  return out;
}

// i16-mlp: linearBackwardInit writes dx/dw/db (autograd's first producer of a gradient) where
// linearBackward adds into them: the same bits as adding into zeros, with outputs that start as
// NaN (never read), on the small-problem path and the GEMM path, every activation, 1 and 2 threads.
describe('fused linear, first write (linearBackwardInit)', () => {
  // 257 x 130 outputs: the bias pass's 9 row chunks run on both threads (B * OC above the threshold);
  // 2,100 x 17: 64 chunks of 33 rows.
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 33, 17], [2, 255, 3], [37, 130, 11], [65, 97, 70], [0, 5, 4], [257, 9, 130],
    [2100, 3, 17]];
  for (const [B, C, OC] of shapes) {
    for (const [name, act] of Object.entries(ACT_CODES)) {
      it(`${name} ${B}x${C}->${OC}`, () => {
        const { x, w, b, dout, out, pre } = linearCase(B, C, OC, act, 7 * B + 3 * C + OC + act);
        const run = (init: boolean, withDx: boolean, withDw: boolean, withDb: boolean): Float32Array => {
          const fill = init ? NaN : 0;
          const dx = withDx ? new Float32Array(B * C).fill(fill) : null;
          const dw = withDw ? new Float32Array(OC * C).fill(fill) : null;
          const db = withDb ? new Float32Array(OC).fill(fill) : null;
          (init ? native.linearBackwardInit : native.linearBackward)(dx, dw, db, dout, x, w, out, pre, B, C, OC, act);
          return Float32Array.from([...(dx ?? []), ...(dw ?? []), ...(db ?? [])]);
        };
        for (const [withDx, withDw, withDb] of [[true, true, true], [false, true, true], [true, false, false], [false, false, true]]) {
          const want = run(false, withDx, withDw, withDb);
          let got = new Float32Array(0);
          sameForThreads(() => (got = run(true, withDx, withDw, withDb)));
          expect(got.every(Number.isFinite)).toBe(true);
          // + 0 turns -0 into 0: adding into a zero gives 0 where a write may keep -0
          expect(Array.from(got, (v) => v + 0)).toEqual(Array.from(want, (v) => v + 0));
        }
        // and against the double reference (the accumulating kernel's own tests cover the rest)
        if (B > 0 && B * C * OC <= 60000 && !(act === 1 && linearRef(x, w, b, B, C, OC, 0).some((v) => Math.abs(v) < 1e-4))) {
          const dw = new Float32Array(OC * C).fill(NaN);
          native.linearBackwardInit(null, dw, null, dout, x, w, out, pre, B, C, OC, act);
          expectClose(dw, numGrad((v) => dot(dout, linearRef(x, v, b, B, C, OC, act)), w), 1e-4, 1e-5, 'dw');
        }
      });
    }
  }
});

describe('layerNorm', () => {
  for (const [N, C] of [[1, 1], [3, 17], [2, 255], [4, 3], [9, 70]]) {
    for (const affine of [true, false]) {
      it(`${N}x${C} affine=${affine}`, () => {
        const r = rng(N * C + (affine ? 1 : 0));
        const x = randF32(N * C, r, -2, 2);
        const w = affine ? randF32(C, r, 0.5, 1.5) : null;
        const b = affine ? randF32(C, r, -0.5, 0.5) : null;
        const eps = 1e-5;
        const out = new Float32Array(N * C);
        const mean = new Float32Array(N);
        const rstd = new Float32Array(N);
        native.layerNormForward(out, mean, rstd, x, w, b, N, C, eps);
        expectClose(out, layerNormRef(x, w, b, N, C, eps), 1e-4, 1e-5, 'forward');
        const dout = randF32(N * C, r, -1, 1);
        let dw = new Float64Array(0);
        let db = new Float64Array(0);
        const dx = added(N * C, (gx) => {
          dw = added(C, (gw) => {
            db = added(C, (gb) =>
              native.layerNormBackward(gx, affine ? gw : null, affine ? gb : null, dout, x, w, mean, rstd, N, C));
          });
        });
        if (C === 1) {
          expectClose(dx, new Float64Array(N * C), 0, 1e-5, 'dx (C = 1)');
          return;
        }
        const L = (xx: Arr, ww: Arr | null, bb: Arr | null): number => dot(dout, layerNormRef(xx, ww, bb, N, C, eps));
        expectClose(dx, numGrad((v) => L(v, w, b), x), 1e-3, 1e-4, 'dx');
        if (affine) {
          expectClose(dw, numGrad((v) => L(x, v, b), w!), 1e-4, 1e-4, 'dweight');
          expectClose(db, numGrad((v) => L(x, w, v), b!), 1e-4, 1e-4, 'dbias');
        }
      });
    }
  }
});

function bnRef(x: Arr, w: Arr, b: Arr, N: number, C: number, L: number, eps: number,
  stats?: { mean: Arr; var: Arr }): { out: number[]; mean: number[]; varB: number[] } {
  const out = new Array(N * C * L).fill(0);
  const mean: number[] = [];
  const varB: number[] = [];
  for (let c = 0; c < C; c++) {
    let m = 0;
    let v = 0;
    if (stats) {
      m = stats.mean[c];
      v = stats.var[c];
    } else {
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) m += x[(n * C + c) * L + l];
      m /= N * L;
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) v += (x[(n * C + c) * L + l] - m) ** 2;
      v /= N * L;
    }
    mean.push(m);
    varB.push(v);
    for (let n = 0; n < N; n++)
      for (let l = 0; l < L; l++) {
        const i = (n * C + c) * L + l;
        out[i] = ((x[i] - m) / Math.sqrt(v + eps)) * w[c] + b[c];
      }
  }
  return { out, mean, varB };
}

describe('batchNorm2d statistics from per-plane figures', () => {
  // The plane kernels take each plane's squared deviations about its own mean and combine the
  // planes in double: planes whose means differ by far more than their spread (offsets of 1e3,
  // spread 1e-2), a constant channel, and a plane length with a lane tail (33) still give the
  // variance of the double reference.
  it('planes with distant means, a constant channel', () => {
    const [N, C, L] = [5, 3, 33];
    const r = rng(77);
    const x = randF32(N * C * L, r, -0.01, 0.01);
    for (let n = 0; n < N; n++)
      for (let l = 0; l < L; l++) {
        x[(n * C) * L + l] += 1000 * (n - 2); // channel 0: plane means -2000 .. 2000
        x[(n * C + 1) * L + l] += 500; // channel 1: a common offset
        x[(n * C + 2) * L + l] = 3.25; // channel 2: constant
      }
    const w = new Float32Array(C).fill(1);
    const b = new Float32Array(C);
    const out = new Float32Array(x.length);
    const mean = new Float32Array(C);
    const rstd = new Float32Array(C);
    const rm = new Float32Array(C);
    const rv = new Float32Array(C).fill(1);
    native.batchNormForward(out, mean, rstd, rm, rv, x, w, b, N, C, L, 1e-5, 1, true);
    const ref = bnRef(x, w, b, N, C, L, 1e-5);
    const M = N * L;
    expectClose(rv, ref.varB.map((v) => (v * M) / (M - 1)), 1e-6, 1e-12, 'running variance (unbiased)');
    expectClose(mean, ref.mean, 1e-6, 1e-6, 'mean');
    expect(rv[2]).toBe(0);
    // the float mean of channel 1 (~500) is within half an ulp (3e-5) of the exact one, 0.005 of
    // its spread: the normalized values can be no closer than that
    expectClose(out, ref.out, 1e-3, 1e-2, 'forward');
  });
});

describe('batchNorm1d', () => {
  // BatchNorm2d is the same kernel with L = H * W: [1, 3, 35] is batch 1 with a 5 x 7 plane.
  // L around the 32 lanes of the plane sums (31, 32, 33, 97 = 3 x 32 + 1, 100: a tail of 4).
  for (const [N, C, L] of [[7, 5, 1], [4, 3, 6], [2, 17, 1], [3, 1, 1], [3, 70, 2], [1, 3, 35], [2, 4, 63],
    [2, 3, 31], [3, 2, 32], [2, 2, 33], [1, 3, 97], [2, 5, 100]]) {
    it(`training ${N}x${C}x${L}: forward, running stats, gradients`, () => {
      const r = rng(N * C * L);
      const x = randF32(N * C * L, r, -2, 2);
      const w = randF32(C, r, 0.5, 1.5);
      const b = randF32(C, r, -0.5, 0.5);
      const rm = randF32(C, r, -0.1, 0.1);
      const rv = randF32(C, r, 0.9, 1.1);
      const rm0 = Float32Array.from(rm);
      const rv0 = Float32Array.from(rv);
      const eps = 1e-5;
      const mom = 0.1;
      const out = new Float32Array(x.length);
      const mean = new Float32Array(C);
      const rstd = new Float32Array(C);
      native.batchNormForward(out, mean, rstd, rm, rv, x, w, b, N, C, L, eps, mom, true);
      const ref = bnRef(x, w, b, N, C, L, eps);
      expectClose(out, ref.out, 1e-4, 1e-5, 'forward');
      const M = N * L;
      expectClose(rm, ref.mean.map((m, c) => (1 - mom) * rm0[c] + mom * m), 1e-5, 1e-6, 'runningMean');
      expectClose(rv, ref.varB.map((v, c) => (1 - mom) * rv0[c] + (mom * v * M) / (M - 1)), 1e-5, 1e-6, 'runningVar');
      const dout = randF32(x.length, r, -1, 1);
      let dw = new Float64Array(0);
      let db = new Float64Array(0);
      const dx = added(x.length, (gx) => {
        dw = added(C, (gw) => {
          db = added(C, (gb) => native.batchNormBackward(gx, gw, gb, dout, x, w, mean, rstd, N, C, L, true));
        });
      });
      const Lf = (xx: Arr, ww: Arr, bb: Arr): number => dot(dout, bnRef(xx, ww, bb, N, C, L, eps).out);
      expectClose(dx, numGrad((v) => Lf(v, w, b), x), 1e-3, 1e-4, 'dx');
      expectClose(dw, numGrad((v) => Lf(x, v, b), w), 1e-4, 1e-4, 'dweight');
      expectClose(db, numGrad((v) => Lf(x, w, v), b), 1e-4, 1e-4, 'dbias');
    });

    it(`eval ${N}x${C}x${L}: running statistics, gradient with constant stats`, () => {
      const r = rng(N * C * L + 1);
      const x = randF32(N * C * L, r, -2, 2);
      const w = randF32(C, r, 0.5, 1.5);
      const b = randF32(C, r, -0.5, 0.5);
      const rm = randF32(C, r, -0.3, 0.3);
      const rv = randF32(C, r, 0.5, 2);
      const out = new Float32Array(x.length);
      const mean = new Float32Array(C);
      const rstd = new Float32Array(C);
      native.batchNormForward(out, mean, rstd, rm, rv, x, w, b, N, C, L, 1e-5, 0.1, false);
      const stats = { mean: rm, var: rv };
      expectClose(out, bnRef(x, w, b, N, C, L, 1e-5, stats).out, 1e-5, 1e-6, 'eval forward');
      const dout = randF32(x.length, r, -1, 1);
      const dx = added(x.length, (gx) => native.batchNormBackward(gx, null, null, dout, x, w, mean, rstd, N, C, L, false));
      expectClose(dx, numGrad((v) => dot(dout, bnRef(v, w, b, N, C, L, 1e-5, stats).out), x), 1e-4, 1e-5, 'eval dx');
    });
  }

  it('argument errors', () => {
    const a = new Float32Array(4);
    expect(() => native.batchNormForward(a, a, a, null, null, a, null, null, 1, 4, 1, 1e-5, 0.1, false)).toThrow(
      new TypeError('Expected Float32Array for runningMean but received null'),
    );
    expect(() => native.layerNormForward(a, a, a, null, null, null, 1, 4, 1e-5)).toThrow(
      new TypeError('Expected Float32Array for x but received null'),
    );
  });
});

describe('dropout', () => {
  it('drops exactly where the Philox stream is < p and scales the rest (both mask types)', () => {
    const n = 4099;
    const p = 0.3;
    const x = randF32(n, rng(1));
    const out = new Float32Array(n);
    const mask = new Uint8Array(n);
    native.dropoutForward(out, mask, x, n, p, 1, 12345, 77);
    const u = new Float32Array(n);
    native.rngUniform(u, n, 1, 12345, 77, 0, 1);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const keep = !(u[i] < p);
      expect(mask[i]).toBe(keep ? 1 : 0);
      expect(out[i]).toBe(keep ? Math.fround(x[i] * Math.fround(1 / (1 - p))) : 0);
      if (!keep) dropped++;
    }
    expect(Math.abs(dropped / n - p)).toBeLessThan(0.03);
    const out2 = new Float32Array(n);
    const maskF = new Float32Array(n);
    native.dropoutForward(out2, maskF, x, n, p, 1, 12345, 77);
    expect(Array.from(out2)).toEqual(Array.from(out));
    const dout = randF32(n, rng(2));
    const d1 = added(n, (g) => native.dropoutBackward(g, dout, mask, n, p));
    const d2 = added(n, (g) => native.dropoutBackward(g, dout, maskF, n, p));
    for (let i = 0; i < n; i++) expect(Math.abs(d1[i] - (mask[i] ? dout[i] / (1 - p) : 0))).toBeLessThan(1e-6);
    expectClose(d2, d1, 1e-6, 1e-7, 'float mask backward');
  });

  it('a shifted offset continues the same stream; p = 0 copies', () => {
    const n = 100;
    const x = randF32(n, rng(3));
    const a = new Float32Array(n);
    native.dropoutForward(a, new Uint8Array(n), x, n, 0.5, 0, 9, 0);
    const b = new Float32Array(n - 40);
    native.dropoutForward(b, new Uint8Array(n - 40), x.subarray(40), n - 40, 0.5, 0, 9, 40);
    expect(Array.from(b)).toEqual(Array.from(a.subarray(40)));
    native.dropoutForward(a, new Uint8Array(n), x, n, 0, 0, 9, 0);
    expect(Array.from(a)).toEqual(Array.from(x));
  });

  it('argument errors', () => {
    const a = new Float32Array(3);
    expect(() => native.dropoutForward(a, new Int32Array(3), a, 3, 0.5, 0, 1, 0)).toThrow(
      new TypeError('Expected Uint8Array or Float32Array for mask but received Int32Array of length 3'),
    );
    expect(() => native.dropoutForward(a, new Uint8Array(2), a, 3, 0.5, 0, 1, 0)).toThrow(
      new RangeError('Expected Uint8Array of length >= 3 for mask but received Uint8Array of length 2'),
    );
    expect(() => native.dropoutForward(a, new Uint8Array(3), a, 3, 0.5, -1, 1, 0)).toThrow(
      new RangeError('Expected integer in [0, 4294967295] for seedHi but received -1 of type number'),
    );
  });
});

describe('embedding and row gather', () => {
  it('forward gathers rows; backward scatter-adds repeated indices', () => {
    const [V, D] = [11, 17];
    const idx = new Int32Array([3, 0, 3, 10, 7, 3]);
    const N = idx.length;
    const w = randF32(V * D, rng(4));
    const out = new Float32Array(N * D);
    native.embeddingForward(out, w, idx, N, V, D);
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) expect(out[n * D + d]).toBe(w[idx[n] * D + d]);
    const dout = randF32(N * D, rng(5));
    const dw = added(V * D, (g) => native.embeddingBackward(g, dout, idx, N, V, D, -1));
    const want = new Float64Array(V * D);
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) want[idx[n] * D + d] += dout[n * D + d];
    expectClose(dw, want, 1e-6, 1e-6, 'embedding backward');
    const dwPad = added(V * D, (g) => native.embeddingBackward(g, dout, idx, N, V, D, 3));
    for (let d = 0; d < D; d++) expect(dwPad[3 * D + d]).toBe(0);
  });

  it('backward over a wide embedding (several column blocks, many rows) matches the reference', () => {
    const [V, D, N] = [50, 300, 400];
    const r = rng(6);
    const idx = Int32Array.from({ length: N }, () => Math.floor(r() * V));
    const dout = randF32(N * D, r);
    const dw = added(V * D, (g) => native.embeddingBackward(g, dout, idx, N, V, D, -1));
    const want = new Float64Array(V * D);
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) want[idx[n] * D + d] += dout[n * D + d];
    expectClose(dw, want, 1e-5, 1e-5, 'wide embedding backward');
  });

  it('gatherRows / gatherRowsI32 for float and int32 sources, scatterAddRows', () => {
    const [N, D] = [5, 3];
    const src = randF32(N * D, rng(7));
    const isrc = Int32Array.from({ length: N * D }, (_, i) => i * 10);
    const idx = new Int32Array([4, 4, 0, 2]);
    const out = new Float32Array(idx.length * D);
    native.gatherRows(out, src, idx, idx.length, N, D);
    const iout = new Int32Array(idx.length * D);
    native.gatherRowsI32(iout, isrc, idx, idx.length, N, D);
    for (let k = 0; k < idx.length; k++)
      for (let d = 0; d < D; d++) {
        expect(out[k * D + d]).toBe(src[idx[k] * D + d]);
        expect(iout[k * D + d]).toBe(isrc[idx[k] * D + d]);
      }
    const ds = added(N * D, (g) => native.scatterAddRows(g, out, idx, idx.length, N, D));
    for (let d = 0; d < D; d++) expect(ds[4 * D + d]).toBeCloseTo(2 * src[4 * D + d], 6);
  });

  it('rejects out-of-range indices with the position', () => {
    const w = new Float32Array(12);
    expect(() => native.embeddingForward(new Float32Array(6), w, new Int32Array([1, 4]), 2, 4, 3)).toThrow(
      new RangeError('Expected integer in [0, 4) for indices[1] but received 4'),
    );
    expect(() => native.gatherRows(new Float32Array(3), w, new Int32Array([-1]), 1, 4, 3)).toThrow(
      new RangeError('Expected integer in [0, 4) for indices[0] but received -1'),
    );
    expect(() => native.gatherRows(new Float32Array(3), new Int32Array(12), new Int32Array([0]), 1, 4, 3)).toThrow(
      new TypeError('Expected Float32Array for src but received Int32Array of length 12'),
    );
  });
});

describe('concat, slice, transpose', () => {
  it('concat along a middle axis and its backward (null entries skipped)', () => {
    const [outer, inner] = [3, 2];
    const dims = [1, 4, 0, 2];
    const total = dims.reduce((a, b) => a + b, 0);
    const ins = dims.map((d, k) => randF32(outer * d * inner, rng(k + 10)));
    const out = new Float32Array(outer * total * inner);
    native.concatForward(out, ins, dims, outer, inner);
    let off = 0;
    for (let k = 0; k < dims.length; k++) {
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < dims[k] * inner; j++) expect(out[o * total * inner + off + j]).toBe(ins[k][o * dims[k] * inner + j]);
      off += dims[k] * inner;
    }
    const douts = randF32(out.length, rng(20));
    const grads = dims.map((d) => new Float32Array(outer * d * inner));
    native.concatBackward([grads[0], null, grads[2], grads[3]], douts, dims, outer, inner);
    const back = new Float32Array(out.length);
    native.concatForward(back, [grads[0], new Float32Array(outer * 4 * inner), grads[2], grads[3]], dims, outer, inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < total * inner; j++) {
        const inSecond = j >= inner && j < 5 * inner;
        expect(back[o * total * inner + j]).toBe(inSecond ? 0 : douts[o * total * inner + j]);
      }
  });

  it('slice and its backward', () => {
    const [outer, dim, inner] = [4, 7, 3];
    const x = randF32(outer * dim * inner, rng(30));
    const out = new Float32Array(outer * 3 * inner);
    native.sliceForward(out, x, outer, dim, inner, 2, 3);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < 3 * inner; j++) expect(out[o * 3 * inner + j]).toBe(x[(o * dim + 2) * inner + j]);
    const dx = added(x.length, (g) => native.sliceBackward(g, out, outer, dim, inner, 2, 3));
    for (let o = 0; o < outer; o++)
      for (let d = 0; d < dim; d++)
        for (let i = 0; i < inner; i++) {
          const k = (o * dim + d) * inner + i;
          expect(dx[k]).toBeCloseTo(d >= 2 && d < 5 ? x[k] : 0, 6);
        }
    expect(() => native.sliceForward(out, x, outer, dim, inner, 5, 3)).toThrow(
      new RangeError('Expected integer in [0, 2] for len but received 3 of type number'),
    );
  });

  for (const [B, R, C] of [[1, 1, 1], [1, 3, 17], [2, 33, 65], [3, 5, 1]]) {
    it(`transpose ${B}x${R}x${C} and its backward`, () => {
      const x = randF32(B * R * C, rng(R * C));
      const out = new Float32Array(x.length);
      native.transposeForward(out, x, B, R, C);
      for (let b = 0; b < B; b++)
        for (let r = 0; r < R; r++)
          for (let c = 0; c < C; c++) expect(out[b * R * C + c * R + r]).toBe(x[b * R * C + r * C + c]);
      const dx = added(x.length, (g) => native.transposeBackward(g, out, B, R, C));
      expectClose(dx, x, 1e-6, 1e-7, 'transpose backward');
    });
  }
});

describe('determinism across thread counts', () => {
  it('big reductions, norms, losses, embedding / linear / layerNorm backward, dropout', () => {
    const r = rng(99);
    const n = 300007;
    const x = randF32(n, r);
    sameForThreads(() => {
      const o = new Float32Array(1);
      native.sumForward(o, x, 1, n, 1);
      return [o[0], native.l2Norm(x, n)];
    });
    const [N, C] = [4000, 10];
    const logits = randF32(N * C, r, -5, 5);
    const labels = Int32Array.from({ length: N }, () => Math.floor(r() * C));
    sameForThreads(() => {
      const probs = new Float32Array(N * C);
      const v = native.crossEntropyForward(new Float32Array(1), probs, logits, labels, null, N, C, 0.1, 1, -100);
      const d = new Float32Array(N * C);
      native.crossEntropyBackward(d, probs, labels, null, new Float32Array([1]), N, C, 0.1, 1, -100);
      return [v, ...d.subarray(0, 50)];
    });
    const [V, D, M] = [100, 130, 3000];
    const idx = Int32Array.from({ length: M }, () => Math.floor(r() * V));
    const dout = randF32(M * D, r);
    sameForThreads(() => {
      const dw = new Float32Array(V * D);
      native.embeddingBackward(dw, dout, idx, M, V, D, -1);
      return dw;
    });
    const [B, Ci, OC] = [300, 70, 130];
    const xi = randF32(B * Ci, r);
    const w = randF32(OC * Ci, r);
    const bias = randF32(OC, r);
    const dl = randF32(B * OC, r);
    sameForThreads(() => {
      const out = new Float32Array(B * OC);
      native.linearForward(out, xi, w, bias, B, Ci, OC, 2, null);
      const db = new Float32Array(OC);
      const dw = new Float32Array(OC * Ci);
      native.linearBackward(null, dw, db, dl, xi, w, out, null, B, Ci, OC, 2);
      return [...db, ...dw.subarray(0, 100)];
    });
    sameForThreads(() => {
      const out = new Float32Array(B * OC);
      const mean = new Float32Array(B);
      const rstd = new Float32Array(B);
      native.layerNormForward(out, mean, rstd, dl, bias, bias, B, OC, 1e-5);
      const dw = new Float32Array(OC);
      native.layerNormBackward(null, dw, null, dl, dl, bias, mean, rstd, B, OC);
      return [...dw, ...out.subarray(0, 100)];
    });
    sameForThreads(() => {
      const out = new Float32Array(n);
      native.dropoutForward(out, new Uint8Array(n), x, n, 0.25, 3, 4, 5);
      return out.subarray(n - 1000);
    });
  });

  it('dropout matches rngUniform on a large, unaligned stream (parallel path)', () => {
    const n = 100003;
    const x = new Float32Array(n).fill(1);
    const out = new Float32Array(n);
    const mask = new Uint8Array(n);
    native.dropoutForward(out, mask, x, n, 0.5, 7, 8, 123457);
    const u = new Float32Array(n);
    native.rngUniform(u, n, 7, 8, 123457, 0, 1);
    let bad = 0;
    for (let i = 0; i < n; i++) if (mask[i] !== (u[i] < 0.5 ? 0 : 1)) bad++;
    expect(bad).toBe(0);
  });
});

// ---- PyTorch fixtures (ops.json linear / layerNorm / batchNorm1d / embedding / gather / concat /
// slice / transpose, checked through the raw kernels) ----
function shapeOf(t: unknown): number[] {
  return asFloat(t as never).shape;
}

function checkGrads(c: OpCase, got: Record<string, ArrayLike<number>>, rtol = 2e-5, atol = 1e-5): void {
  for (const [k, want] of Object.entries(c.grads ?? {})) {
    expect(got[k], `${c.name}: missing grad ${k}`).toBeDefined();
    expectClose(got[k], asFloat(want).data, rtol, atol, `${c.name} grad ${k}`);
  }
}

describe('PyTorch fixtures: layers', () => {
  const ops = loadFixture('ops');
  const pick = (op: string): OpCase[] => ops.cases.filter((c) => c.op === op);

  for (const c of pick('linear')) {
    it(c.name, () => {
      const x = f32(c.inputs.x);
      const w = f32(c.inputs.weight);
      const b = c.inputs.bias ? f32(c.inputs.bias) : null;
      const [OC, C] = shapeOf(c.inputs.weight);
      const B = x.length / C;
      const act = ACT_CODES[String((c.attrs as { activation: string }).activation)];
      const dout = f32(c.gradOutput);
      const res = linearRun(x, w, b, B, C, OC, act, dout);
      expectClose(res.out, asFloat(c.output).data, 2e-5, 1e-6, `${c.name} forward`);
      checkGrads(c, { x: res.dx, weight: res.dw, bias: res.db });
    });
  }

  for (const c of pick('layerNorm')) {
    it(c.name, () => {
      const x = f32(c.inputs.x);
      const w = c.inputs.weight ? f32(c.inputs.weight) : null;
      const b = c.inputs.bias ? f32(c.inputs.bias) : null;
      const s = shapeOf(c.inputs.x);
      const C = s[s.length - 1];
      const N = x.length / C;
      const eps = Number((c.attrs as { eps: number }).eps);
      const out = new Float32Array(x.length);
      const mean = new Float32Array(N);
      const rstd = new Float32Array(N);
      native.layerNormForward(out, mean, rstd, x, w, b, N, C, eps);
      expectClose(out, asFloat(c.output).data, 2e-5, 1e-5, `${c.name} forward`);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(C);
      const db = new Float32Array(C);
      native.layerNormBackward(dx, dw, db, f32(c.gradOutput), x, w, mean, rstd, N, C);
      checkGrads(c, { x: dx, weight: dw, bias: db }, 1e-4, 1e-4);
    });
  }

  for (const c of pick('batchNorm1d')) {
    it(c.name, () => {
      const a = c.attrs as { training: boolean; momentum: number; eps: number };
      const x = f32(c.inputs.x);
      const s = shapeOf(c.inputs.x);
      const [N, C] = s;
      const L = s.length === 3 ? s[2] : 1;
      const w = f32(c.inputs.weight);
      const b = f32(c.inputs.bias);
      const rm = f32(c.inputs.runningMean);
      const rv = f32(c.inputs.runningVar);
      const out = new Float32Array(x.length);
      const mean = new Float32Array(C);
      const rstd = new Float32Array(C);
      native.batchNormForward(out, mean, rstd, rm, rv, x, w, b, N, C, L, a.eps, a.momentum, a.training);
      expectClose(out, asFloat(c.output).data, 2e-5, 1e-5, `${c.name} forward`);
      if (c.outputs?.runningMean) expectClose(rm, asFloat(c.outputs.runningMean).data, 1e-5, 1e-6, 'runningMean');
      if (c.outputs?.runningVar) expectClose(rv, asFloat(c.outputs.runningVar).data, 1e-5, 1e-6, 'runningVar');
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(C);
      const db = new Float32Array(C);
      native.batchNormBackward(dx, dw, db, f32(c.gradOutput), x, w, mean, rstd, N, C, L, a.training);
      checkGrads(c, { x: dx, weight: dw, bias: db }, 1e-4, 1e-4);
    });
  }

  for (const c of pick('embedding')) {
    it(c.name, () => {
      const w = f32(c.inputs.weight);
      const [V, D] = shapeOf(c.inputs.weight);
      const idx = Int32Array.from(asInt(c.inputs.indices).data);
      const out = new Float32Array(idx.length * D);
      native.embeddingForward(out, w, idx, idx.length, V, D);
      expectClose(out, Float32Array.from(asFloat(c.output).data), 0, 0, `${c.name} forward`);
      const dw = new Float32Array(V * D);
      native.embeddingBackward(dw, f32(c.gradOutput), idx, idx.length, V, D, -1);
      checkGrads(c, { weight: dw });
    });
  }

  for (const c of pick('gather')) {
    it(c.name, () => {
      const x = f32(c.inputs.x);
      const [N, D] = shapeOf(c.inputs.x);
      const idx = Int32Array.from(asInt(c.inputs.index).data);
      const out = new Float32Array(idx.length * D);
      native.gatherRows(out, x, idx, idx.length, N, D);
      expectClose(out, Float32Array.from(asFloat(c.output).data), 0, 0, `${c.name} forward`);
      const dx = new Float32Array(N * D);
      native.scatterAddRows(dx, f32(c.gradOutput), idx, idx.length, N, D);
      checkGrads(c, { x: dx });
    });
  }

  for (const c of pick('concat')) {
    it(c.name, () => {
      const a = c.attrs as { axis: number; count: number };
      const keys = Array.from({ length: a.count }, (_, k) => `x${k}`);
      const shapes = keys.map((k) => shapeOf(c.inputs[k]));
      const ins = keys.map((k) => f32(c.inputs[k]));
      const outer = shapes[0].slice(0, a.axis).reduce((p, q) => p * q, 1);
      const inner = shapes[0].slice(a.axis + 1).reduce((p, q) => p * q, 1);
      const dims = shapes.map((s) => s[a.axis]);
      const out = new Float32Array(asFloat(c.output).data.length);
      native.concatForward(out, ins, dims, outer, inner);
      expectClose(out, Float32Array.from(asFloat(c.output).data), 0, 0, `${c.name} forward`);
      const grads = ins.map((t) => new Float32Array(t.length));
      native.concatBackward(grads, f32(c.gradOutput), dims, outer, inner);
      checkGrads(c, Object.fromEntries(keys.map((k, i) => [k, grads[i]])));
    });
  }

  for (const c of pick('slice')) {
    it(c.name, () => {
      const a = c.attrs as { axis: number; start: number; end: number };
      const x = f32(c.inputs.x);
      const s = shapeOf(c.inputs.x);
      const outer = s.slice(0, a.axis).reduce((p, q) => p * q, 1);
      const inner = s.slice(a.axis + 1).reduce((p, q) => p * q, 1);
      const len = a.end - a.start;
      const out = new Float32Array(outer * len * inner);
      native.sliceForward(out, x, outer, s[a.axis], inner, a.start, len);
      expectClose(out, Float32Array.from(asFloat(c.output).data), 0, 0, `${c.name} forward`);
      const dx = new Float32Array(x.length);
      native.sliceBackward(dx, f32(c.gradOutput), outer, s[a.axis], inner, a.start, len);
      checkGrads(c, { x: dx });
    });
  }

  for (const c of pick('transpose')) {
    it(c.name, () => {
      const a = c.attrs as { dim0: number; dim1: number };
      const x = f32(c.inputs.x);
      const s = shapeOf(c.inputs.x);
      // last two dims swapped: (B, R, C) -> (B, C, R)
      expect(Math.max(a.dim0, a.dim1)).toBe(s.length - 1);
      expect(Math.abs(a.dim0 - a.dim1)).toBe(1);
      const [R, C] = s.slice(-2);
      const B = x.length / (R * C);
      const out = new Float32Array(x.length);
      native.transposeForward(out, x, B, R, C);
      expectClose(out, Float32Array.from(asFloat(c.output).data), 0, 0, `${c.name} forward`);
      const dx = new Float32Array(x.length);
      native.transposeBackward(dx, f32(c.gradOutput), B, R, C);
      checkGrads(c, { x: dx });
    });
  }
});

// Kernel tests for attention (native/cpu/ops/attention.cc): the fused flash-style forward and
// backward against a naive double reference that materializes the scores (awkward sizes:
// T = 1, head sizes 3 and 17, T = 255, rows that see no key), thread-count independence,
// strided batched GEMM, and argument errors.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { rng, randF32, expectClose, numGrad } from '../helpers/kernels';

interface Case {
  B: number; H: number; Tq: number; Tk: number; D: number;
  pad?: number; // extra elements per row (ld = H D + pad)
  causal?: boolean; offset?: number;
  mask?: 'none' | '2d' | '3d';
  kpm?: boolean;
  deadBatch?: boolean; // the key padding mask of batch 0 hides every key
}

interface Inputs {
  c: Case; ld: number; E: number; scale: number;
  q: Float32Array; k: Float32Array; v: Float32Array; dout: Float32Array;
  mask: Float32Array | null; maskStride: number; kpm: Float32Array | null;
}

function make(c: Case, seed = 1): Inputs {
  const r = rng(seed);
  const E = c.H * c.D, ld = E + (c.pad ?? 0);
  const q = randF32(c.B * c.Tq * ld, r), k = randF32(c.B * c.Tk * ld, r), v = randF32(c.B * c.Tk * ld, r);
  const dout = randF32(c.B * c.Tq * E, r);
  let mask: Float32Array | null = null;
  let maskStride = 0;
  if (c.mask === '2d' || c.mask === '3d') {
    const n = (c.mask === '3d' ? c.B * c.H : 1) * c.Tq * c.Tk;
    mask = randF32(n, r, -1, 1);
    for (let i = 0; i < n; i += 5) mask[i] = -Infinity;
    maskStride = c.mask === '3d' ? c.Tq * c.Tk : 0;
  }
  let kpm: Float32Array | null = null;
  if (c.kpm) {
    kpm = new Float32Array(c.B * c.Tk);
    for (let i = 0; i < kpm.length; i++) kpm[i] = r() < 0.25 ? -Infinity : 0;
    if (c.deadBatch) kpm.fill(-Infinity, 0, c.Tk);
  }
  return { c, ld, E, scale: 1 / Math.sqrt(c.D), q, k, v, dout, mask, maskStride, kpm };
}

const idx = (ld: number, D: number, T: number, b: number, t: number, h: number, d: number): number =>
  (b * T + t) * ld + h * D + d;

/** Naive double reference: out (B, Tq, E), lse (B, H, Tq) and the gradients, scores materialized. */
function reference(x: Inputs, q = Array.from(x.q), k = Array.from(x.k), v = Array.from(x.v)) {
  const { B, H, Tq, Tk, D } = x.c;
  const { ld, E } = x;
  const out = new Float64Array(B * Tq * E);
  const lse = new Float64Array(B * H * Tq);
  const dq = new Float64Array(q.length), dk = new Float64Array(k.length), dv = new Float64Array(v.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const s = new Float64Array(Tk);
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          let t = 0;
          for (let d = 0; d < D; d++) t += q[idx(ld, D, Tq, b, i, h, d)] * k[idx(ld, D, Tk, b, j, h, d)];
          t *= x.scale;
          if (x.mask) t += x.mask[(b * H + h) * x.maskStride + i * Tk + j];
          if (x.kpm) t += x.kpm[b * Tk + j];
          if (x.c.causal && j > i + (x.c.offset ?? 0)) t = -Infinity;
          s[j] = t;
          mx = Math.max(mx, t);
        }
        if (mx === -Infinity) { lse[(b * H + h) * Tq + i] = -Infinity; continue; }
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += Math.exp(s[j] - mx);
        lse[(b * H + h) * Tq + i] = mx + Math.log(sum);
        const p = s.map((t) => Math.exp(t - mx) / sum);
        const go = (d: number): number => x.dout[(b * Tq + i) * E + h * D + d];
        let delta = 0;
        for (let d = 0; d < D; d++) {
          let o = 0;
          for (let j = 0; j < Tk; j++) o += p[j] * v[idx(ld, D, Tk, b, j, h, d)];
          out[(b * Tq + i) * E + h * D + d] = o;
          delta += o * go(d);
        }
        for (let j = 0; j < Tk; j++) {
          if (p[j] === 0) continue;
          let dp = 0;
          for (let d = 0; d < D; d++) {
            dp += go(d) * v[idx(ld, D, Tk, b, j, h, d)];
            dv[idx(ld, D, Tk, b, j, h, d)] += p[j] * go(d);
          }
          const ds = p[j] * (dp - delta) * x.scale;
          for (let d = 0; d < D; d++) {
            dq[idx(ld, D, Tq, b, i, h, d)] += ds * k[idx(ld, D, Tk, b, j, h, d)];
            dk[idx(ld, D, Tk, b, j, h, d)] += ds * q[idx(ld, D, Tq, b, i, h, d)];
          }
        }
      }
  return { out, lse, dq, dk, dv };
}

function geom(x: Inputs): [number, number, number, number, number, number, number, number, number, number, boolean, number, boolean] {
  const c = x.c;
  return [c.B, c.H, c.Tq, c.Tk, c.D, x.ld, x.ld, x.ld, x.E, x.scale, c.causal ?? false, c.offset ?? 0, x.maskStride !== 0];
}

function runForward(x: Inputs) {
  const out = new Float32Array(x.c.B * x.c.Tq * x.E).fill(NaN); // the kernel must write every element
  const lse = new Float32Array(x.c.B * x.c.H * x.c.Tq);
  native.attentionForward(out, lse, x.q, x.k, x.v, x.mask, x.kpm, ...geom(x));
  return { out, lse };
}

function runBackward(x: Inputs, out: Float32Array, lse: Float32Array) {
  const dq = new Float32Array(x.q.length).fill(0.5), dk = new Float32Array(x.k.length).fill(0.5);
  const dv = new Float32Array(x.v.length).fill(0.5); // backward adds
  native.attentionBackward(dq, dk, dv, x.dout, x.q, x.k, x.v, out, lse, x.mask, x.kpm, ...geom(x));
  const minus = (a: Float32Array) => Array.from(a, (t) => t - 0.5);
  return { dq: minus(dq), dk: minus(dk), dv: minus(dv) };
}

/** Only the head columns of padded rows are compared (padding must stay untouched: 0 gradient). */
function checkCase(c: Case): void {
  const x = make(c);
  const ref = reference(x);
  const { out, lse } = runForward(x);
  expectClose(out, ref.out, 1e-4, 1e-5, 'out');
  expectClose(lse, ref.lse, 1e-4, 1e-5, 'lse');
  const g = runBackward(x, out, lse);
  expectClose(g.dq, ref.dq, 1e-3, 1e-4, 'dq');
  expectClose(g.dk, ref.dk, 1e-3, 1e-4, 'dk');
  expectClose(g.dv, ref.dv, 1e-3, 1e-4, 'dv');
}

describe('attention kernel: forward and backward against the naive reference', () => {
  const cases: [string, Case][] = [
    ['T = 1', { B: 2, H: 2, Tq: 1, Tk: 1, D: 4 }],
    ['head size 3, Tq != Tk', { B: 2, H: 3, Tq: 5, Tk: 7, D: 3 }],
    ['head size 17, causal', { B: 1, H: 2, Tq: 33, Tk: 33, D: 17, causal: true }],
    ['causal with a cache offset (Tk - Tq)', { B: 2, H: 1, Tq: 3, Tk: 70, D: 5, causal: true, offset: 67 }],
    ['2-D additive mask + key padding', { B: 2, H: 2, Tq: 19, Tk: 21, D: 6, mask: '2d', kpm: true }],
    ['3-D mask per (batch, head), padded rows (packed qkv layout)', { B: 2, H: 2, Tq: 9, Tk: 9, D: 3, mask: '3d', pad: 11 }],
    ['a batch whose padding hides every key', { B: 2, H: 2, Tq: 4, Tk: 6, D: 3, kpm: true, deadBatch: true }],
    ['causal with a negative offset (first rows see nothing)', { B: 1, H: 1, Tq: 6, Tk: 6, D: 2, causal: true, offset: -2 }],
    ['T = 255, head size 17, causal (several key and query blocks)', { B: 1, H: 1, Tq: 255, Tk: 255, D: 17, causal: true }],
    ['head size 40 (two column chunks), Tq 70 x Tk 130', { B: 1, H: 2, Tq: 70, Tk: 130, D: 40, kpm: true }],
    ['head size 65 (three column chunks), causal, padded rows', { B: 2, H: 1, Tq: 67, Tk: 67, D: 65, causal: true, pad: 5 }],
    ['GPT block shape: T = 128, head size 32, causal (full and half-width key tiles)', { B: 2, H: 2, Tq: 128, Tk: 128, D: 32, causal: true }],
    ['last key tile of 36 (just over half width), 4-row blocks with a 1-row tail', { B: 1, H: 2, Tq: 33, Tk: 100, D: 8, kpm: true }],
  ];
  for (const [name, c] of cases) it(name, () => checkCase(c));

  it('fully masked rows give output 0, lse -inf and zero gradients', () => {
    const x = make({ B: 2, H: 1, Tq: 3, Tk: 4, D: 3, kpm: true, deadBatch: true });
    const { out, lse } = runForward(x);
    expect(Array.from(out.subarray(0, 3 * 3))).toEqual(new Array(9).fill(0));
    expect(Array.from(lse.subarray(0, 3))).toEqual([-Infinity, -Infinity, -Infinity]);
    const g = runBackward(x, out, lse);
    expect(g.dq.slice(0, 9).every((t) => t === 0)).toBe(true);
    expect(g.dk.slice(0, 12).every((t) => t === 0)).toBe(true);
    expect(g.dv.slice(0, 12).every((t) => t === 0)).toBe(true);
    expect(out.subarray(9).every((t) => Number.isFinite(t) && t !== 0)).toBe(true);
  });

  it('causal without masks: a non-finite key/value row never reaches the rows that cannot see it', () => {
    // The causal-only path sums each row over its visible keys by structure; rows before key j
    // must not depend on row j of k or v at all (even NaN / Inf there).
    const c: Case = { B: 1, H: 2, Tq: 70, Tk: 70, D: 32, causal: true };
    const x = make(c, 3);
    const j = 45;
    const bad = { ...x, k: x.k.slice(), v: x.v.slice() };
    const clean = { ...x, k: x.k.slice(), v: x.v.slice() };
    for (let d = 0; d < x.ld; d++) {
      bad.v[j * x.ld + d] = d % 2 ? NaN : Infinity;
      bad.k[j * x.ld + d] = NaN;
      clean.v[j * x.ld + d] = 0;
      clean.k[j * x.ld + d] = 0;
    }
    const ref = reference(clean);
    const { out, lse } = runForward(bad);
    const rows = j * x.E; // rows i < j of out / dq
    expectClose(out.subarray(0, rows), ref.out.subarray(0, rows), 1e-4, 1e-5, 'out rows before j');
    expectClose(lse.subarray(0, j), ref.lse.subarray(0, j), 1e-4, 1e-5, 'lse rows before j');
    const g = runBackward(bad, out, lse);
    expectClose(g.dq.slice(0, j * x.ld), Array.from(ref.dq.subarray(0, j * x.ld)), 1e-3, 1e-4, 'dq rows before j');
    expect(Array.from(out.subarray(rows)).every((t) => Number.isNaN(t))).toBe(true);
  });

  it('the reference gradient agrees with finite differences (checks the checker)', () => {
    const x = make({ B: 1, H: 2, Tq: 3, Tk: 4, D: 2, mask: '2d', causal: true, offset: 1 });
    const ref = reference(x);
    const loss = (q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>): number => {
      const o = reference(x, Array.from(q), Array.from(k), Array.from(v)).out;
      let s = 0;
      for (let i = 0; i < o.length; i++) s += o[i] * x.dout[i];
      return s;
    };
    expectClose(numGrad((q) => loss(q, x.k, x.v), x.q), ref.dq, 1e-5, 1e-6, 'dq');
    expectClose(numGrad((k) => loss(x.q, k, x.v), x.k), ref.dk, 1e-5, 1e-6, 'dk');
    expectClose(numGrad((v) => loss(x.q, x.k, v), x.v), ref.dv, 1e-5, 1e-6, 'dv');
  });

  it('gives bit-identical results for 1 and 2 threads', () => {
    const x = make({ B: 2, H: 4, Tq: 130, Tk: 130, D: 16, causal: true, kpm: true });
    sameForThreads(() => runForward(x).out);
    const { out, lse } = runForward(x);
    sameForThreads(() => {
      const g = runBackward(x, out, lse);
      return [...g.dq, ...g.dk, ...g.dv];
    });
  });

  it('throws on short arrays, bad strides and a per-head mask that is too short', () => {
    const x = make({ B: 1, H: 2, Tq: 3, Tk: 3, D: 2 });
    const out = new Float32Array(12), lse = new Float32Array(6);
    const g = geom(x);
    expect(() => native.attentionForward(out, lse, x.q.subarray(1), x.k, x.v, null, null, ...g))
      .toThrow('Expected Float32Array of length >= 12 for q but received Float32Array of length 11');
    expect(() => native.attentionForward(out, new Float32Array(5), x.q, x.k, x.v, null, null, ...g))
      .toThrow('for lse but received Float32Array of length 5');
    const bad = [...g] as typeof g;
    bad[5] = 3;
    expect(() => native.attentionForward(out, lse, x.q, x.k, x.v, null, null, ...bad))
      .toThrow('Expected integer >= 4 (H * D) for ldq but received 3');
    const perHead = [...g] as typeof g;
    perHead[12] = true;
    expect(() => native.attentionForward(out, lse, x.q, x.k, x.v, new Float32Array(9), null, ...perHead))
      .toThrow('Expected Float32Array of length >= 18 for mask but received Float32Array of length 9');
    expect(() => native.attentionForward(out, lse, x.q, x.k, x.v, new Float32Array(8), null, ...g))
      .toThrow('for mask but received Float32Array of length 8');
  });
});

/** Naive strided batched GEMM in double. */
function bmmRef(tA: boolean, tB: boolean, B1: number, B2: number, M: number, N: number, K: number, alpha: number,
  A: Float32Array, sA1: number, sA2: number, lda: number, Bm: Float32Array, sB1: number, sB2: number, ldb: number,
  beta: number, C: Float32Array, sC1: number, sC2: number, ldc: number): Float64Array {
  const out = Float64Array.from(C);
  for (let b1 = 0; b1 < B1; b1++)
    for (let b2 = 0; b2 < B2; b2++) {
      const a0 = b1 * sA1 + b2 * sA2, bb = b1 * sB1 + b2 * sB2, c0 = b1 * sC1 + b2 * sC2;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) {
            const a = tA ? A[a0 + p * lda + i] : A[a0 + i * lda + p];
            const b = tB ? Bm[bb + j * ldb + p] : Bm[bb + p * ldb + j];
            s += a * b;
          }
          const at = c0 + i * ldc + j;
          out[at] = alpha * s + (beta === 0 ? 0 : beta * C[at]);
        }
    }
  return out;
}

describe('bmm kernel (strided batched GEMM)', () => {
  for (const tA of [false, true])
    for (const tB of [false, true])
      for (const beta of [0, 1])
        it(`transA=${tA} transB=${tB} beta=${beta}, heads-in-rows strides`, () => {
          const r = rng(7);
          const B1 = 2, B2 = 3, M = 5, N = 17, K = 3;
          // Operands laid out like attention heads: rows of B2 heads side by side.
          const lda = B2 * (tA ? M : K) + 1, ldb = B2 * (tB ? K : N) + 2, ldc = B2 * N;
          const rowsA = tA ? K : M, rowsB = tB ? N : K;
          const A = randF32(B1 * rowsA * lda, r), Bm = randF32(B1 * rowsB * ldb, r);
          const C = randF32(B1 * M * ldc, r);
          if (beta === 0) C.fill(NaN); // beta 0 never reads C
          const args = [tA, tB, B1, B2, M, N, K, 0.5, A, rowsA * lda, tA ? M : K, lda, Bm, rowsB * ldb, tB ? K : N, ldb,
            beta, C, M * ldc, N, ldc] as const;
          const want = bmmRef(...args);
          const got = Float32Array.from(C);
          native.bmm(tA, tB, B1, B2, M, N, K, 0.5, A, rowsA * lda, tA ? M : K, lda, Bm, rowsB * ldb, tB ? K : N, ldb,
            beta, got, M * ldc, N, ldc);
          expectClose(got, want, 1e-5, 1e-5, 'C');
        });

  it('is thread-count independent and rejects short operands', () => {
    const r = rng(3);
    const A = randF32(64 * 32 * 16, r), Bm = randF32(64 * 16 * 32, r);
    sameForThreads(() => {
      const C = new Float32Array(64 * 32 * 32);
      native.bmm(false, false, 64, 1, 32, 32, 16, 1, A, 512, 0, 16, Bm, 512, 0, 32, 0, C, 1024, 0, 32);
      return C;
    });
    expect(() => native.bmm(false, false, 2, 1, 2, 2, 2, 1, new Float32Array(7), 4, 0, 2, new Float32Array(8), 4, 0, 2,
      0, new Float32Array(8), 4, 0, 2)).toThrow('Expected Float32Array of length >= 8 for A but received Float32Array of length 7');
    expect(() => native.bmm(false, false, 1, 1, 2, 2, 3, 1, new Float32Array(6), 0, 0, 2, new Float32Array(6), 0, 0, 2,
      0, new Float32Array(4), 0, 0, 2)).toThrow('Expected integer >= 3 for lda but received 2');
  });
});

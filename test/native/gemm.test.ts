// Kernel tests for the CPU GEMM (native/cpu/gemm): every ISA path the CPU supports against the
// double-accumulated reference (gemmRef below) over odd sizes, all transpose combinations,
// non-default leading dimensions, alpha/beta in {0, 1, -0.5}, beta == 0 with C full of NaN and
// the fused bias+ReLU epilogue; a random-vector check on large sizes (parallel path); the ISA
// controls; and exact argument-error messages.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../helpers/native';

/** Seeded uniform [0, 1) generator (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randF32(n: number, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * r() - 1;
  return a;
}

const ISAS = ['generic', 'avx2', 'avx512'] as const;
const RANK: Record<string, number> = { generic: 0, avx2: 1, avx512: 2 };
const detected: string = native.detectIsa();
const supported = ISAS.filter((i) => RANK[i] <= RANK[detected]);
const SIZES = [0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 127, 255, 257, 513];
const ALPHAS = [0, 1, -0.5];
const BETAS = [0, 1, -0.5];

interface Case {
  ta: boolean;
  tb: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  pad: number;
  epilogue: boolean;
}

// Each size appears as M, as N and as K; the largest products are kept modest so the whole
// file stays fast (the reference is naive).
function cases(): Case[] {
  const out: Case[] = [];
  const n = SIZES.length;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const triples = [
      [SIZES[i], SIZES[(i + 5) % n], SIZES[(i + 11) % n]],
      [SIZES[(i + 7) % n], SIZES[i], SIZES[(i + 3) % n]],
      [SIZES[(i + 9) % n], SIZES[(i + 13) % n], SIZES[i]],
    ];
    for (const [M, N, K] of triples) {
      if (M * N * K > 2e7) continue;
      for (let t = 0; t < 4; t++, c++) {
        out.push({
          ta: (t & 1) === 1,
          tb: (t & 2) === 2,
          M,
          N,
          K,
          alpha: ALPHAS[c % 3],
          beta: BETAS[Math.floor(c / 3) % 3],
          pad: [0, 1, 5][c % 3 === 0 ? 0 : (c >> 1) % 3],
          epilogue: c % 4 === 1,
        });
      }
    }
  }
  return out;
}

interface Mats {
  A: Float32Array;
  lda: number;
  B: Float32Array;
  ldb: number;
  C: Float32Array;
  ldc: number;
  bias: Float32Array | null;
}

function makeMats(k: Case, r: () => number): Mats {
  // Leading dimensions are >= max(1, row width), as in BLAS.
  const lda = Math.max(1, k.ta ? k.M : k.K) + k.pad;
  const ldb = Math.max(1, k.tb ? k.K : k.N) + ((k.pad * 3) % 7);
  const ldc = Math.max(1, k.N) + ((k.pad * 5) % 4);
  const A = randF32(Math.max(0, (k.ta ? k.K : k.M) * lda), r);
  const B = randF32(Math.max(0, (k.tb ? k.N : k.K) * ldb), r);
  // beta == 0 must never read C: fill with NaN. Padding columns carry a sentinel either way.
  const C = k.beta === 0 ? new Float32Array(k.M * ldc).fill(NaN) : randF32(k.M * ldc, r);
  for (let i = 0; i < k.M; i++) for (let j = k.N; j < ldc; j++) C[i * ldc + j] = 12345;
  const bias = k.epilogue ? randF32(k.N, r) : null;
  return { A, lda, B, ldb, C, ldc, bias };
}

function run(k: Case, m: Mats, C: Float32Array): void {
  native.gemm(k.ta, k.tb, k.M, k.N, k.K, k.alpha, m.A, m.lda, m.B, m.ldb, k.beta, C, m.ldc, m.bias,
    k.epilogue ? 1 : 0);
}

/** The naive reference, accumulated in double: C = alpha op(A) op(B) + beta C (+ bias, relu). */
function gemmRef(k: Case, m: Mats, C: Float32Array): void {
  for (let i = 0; i < k.M; i++) {
    for (let j = 0; j < k.N; j++) {
      let acc = 0;
      for (let p = 0; p < k.K; p++) {
        const a = k.ta ? m.A[p * m.lda + i] : m.A[i * m.lda + p];
        const b = k.tb ? m.B[j * m.ldb + p] : m.B[p * m.ldb + j];
        acc += a * b;
      }
      let v = k.alpha * acc + (k.beta === 0 ? 0 : k.beta * C[i * m.ldc + j]);
      if (m.bias) v += m.bias[j];
      if (k.epilogue && v < 0) v = 0;
      C[i * m.ldc + j] = v;
    }
  }
}

describe('gemm vs the reference on every supported ISA', () => {
  const original: string = native.getIsa();
  afterAll(() => native.setIsa(original));
  const all = cases();

  it('covers every size as M, N and K with all transposes', () => {
    for (const s of SIZES) {
      expect(all.some((c) => c.M === s)).toBe(true);
      expect(all.some((c) => c.N === s)).toBe(true);
      expect(all.some((c) => c.K === s)).toBe(true);
    }
    expect(all.length).toBeGreaterThan(100);
  });

  for (const isa of supported) {
    it(`matches the reference with ${isa}`, () => {
      native.setIsa(isa);
      expect(native.getIsa()).toBe(isa);
      expect(native.gemmInfo().kernel).toMatch(new RegExp(`^sgemm_${isa}_\\d+x\\d+$`));
      const r = rng(1234 + RANK[isa]);
      for (const k of all) {
        const m = makeMats(k, r);
        const got = m.C.slice();
        const want = m.C.slice();
        run(k, m, got);
        gemmRef(k, m, want);
        // Blocked float accumulation vs double: error grows with K (|a|, |b| <= 1).
        const tol = 2e-6 * (k.K + 4);
        for (let i = 0; i < k.M; i++) {
          for (let j = 0; j < m.ldc; j++) {
            const g = got[i * m.ldc + j];
            const w = want[i * m.ldc + j];
            if (j >= k.N) {
              if (g !== 12345) throw new Error(`${isa} ${JSON.stringify(k)}: wrote C padding at (${i}, ${j})`);
              continue;
            }
            if (!(Math.abs(g - w) <= tol)) {
              throw new Error(`${isa} ${JSON.stringify(k)}: C(${i}, ${j}) = ${g}, reference ${w}, tol ${tol}`);
            }
            if (k.epilogue && g < 0) throw new Error(`${isa} ${JSON.stringify(k)}: relu left ${g}`);
          }
        }
      }
    });
  }
});

describe('random-vector check on large sizes (parallel path)', () => {
  // C*t against beta*C0*t + alpha*A*(B*t), computed in double in JS.
  const original: string = native.getIsa();
  afterAll(() => native.setIsa(original));
  // Crosses every blocking boundary of every table (KC 256/384, NC 512/4096, MC 144..2016).
  const big = [
    [700, 800, 600],
    [517, 4200, 130],
    [2100, 40, 800],
  ];
  for (const isa of supported.filter((i) => i !== 'generic')) {
    it(`holds for all transposes and beta in {0, 1} with ${isa}`, () => {
      native.setIsa(isa);
      const r = rng(99);
      let c = 0;
      for (const [M, N, K] of big) {
        for (let t = 0; t < 4; t++, c++) {
          const ta = (t & 1) === 1;
          const tb = (t & 2) === 2;
          const beta = c % 2;
          const alpha = c % 3 === 0 ? -0.5 : 1;
          const lda = (ta ? M : K) + (c % 3);
          const ldb = (tb ? K : N) + 1;
          const ldc = N + 2;
          const A = randF32((ta ? K : M) * lda, r);
          const B = randF32((tb ? N : K) * ldb, r);
          const C0 = beta === 0 ? new Float32Array(M * ldc).fill(NaN) : randF32(M * ldc, r);
          const C = C0.slice();
          native.gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, null, 0);
          const tv = Array.from({ length: N }, () => 2 * r() - 1);
          // op(A)(i, k) = A[i*ai + k*ak], op(B)(k, j) = B[k*bk + j*bj]
          const [ai, ak] = ta ? [1, lda] : [lda, 1];
          const [bk, bj] = tb ? [1, ldb] : [ldb, 1];
          const bt = new Float64Array(K);
          const abt = new Float64Array(K);
          for (let k = 0; k < K; k++) {
            let s = 0;
            let sa = 0;
            for (let j = 0; j < N; j++) {
              const v = B[k * bk + j * bj] * tv[j];
              s += v;
              sa += Math.abs(v);
            }
            bt[k] = s;
            abt[k] = sa;
          }
          for (let i = 0; i < M; i++) {
            let ct = 0;
            let c0t = 0;
            let c0abs = 0;
            for (let j = 0; j < N; j++) {
              ct += C[i * ldc + j] * tv[j];
              if (beta !== 0) {
                c0t += C0[i * ldc + j] * tv[j];
                c0abs += Math.abs(C0[i * ldc + j] * tv[j]);
              }
            }
            let abt2 = 0;
            let scale = 0;
            for (let k = 0; k < K; k++) {
              const x = A[i * ai + k * ak];
              abt2 += x * bt[k];
              scale += Math.abs(x) * abt[k];
            }
            const want = beta * c0t + alpha * abt2;
            const tol = (K * 1.2e-7 + 1e-6) * (Math.abs(alpha) * scale + c0abs) + 1e-4;
            if (!(Math.abs(ct - want) <= tol)) {
              throw new Error(`${isa} M=${M} N=${N} K=${K} ta=${ta} tb=${tb} row ${i}: ${ct} vs ${want} (tol ${tol})`);
            }
          }
        }
      }
    });
  }
});

describe('thread count', () => {
  it('gives bit-identical results with 1 and 2 threads', () => {
    if (typeof native.setNumThreads !== 'function') return;
    const before: number = native.getNumThreads();
    try {
      const r = rng(77);
      // Splits along N and along M (one task per thread: the grid is 1 x 2 or 2 x 1), and the MLP
      // step's shapes (forward X W^T, weight gradient dY^T X) with odd sizes. Rows whenever each
      // strip gets >= 8 row tiles and packs little more (301 x 517, 640 x 200, 513 x 783); columns
      // for few rows (129 x 515) and for a wide N whose copies of B would cost too much (260 x 2000).
      for (const [M, N, K, ta, tb] of [[301, 517, 389, false, false], [640, 200, 900, true, true],
        [129, 515, 785, false, true], [513, 783, 127, true, false], [260, 2000, 100, false, false],
        // N 250 packs A on one thread; split along N each half (<= 128) reads A in place.
        [150, 250, 400, false, true], [150, 250, 400, false, false]] as const) {
        const A = randF32(M * K, r);
        const B = randF32(K * N, r);
        const bias = randF32(N, r);
        const c1 = new Float32Array(M * N);
        const c2 = new Float32Array(M * N);
        native.setNumThreads(1);
        native.gemm(ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, c1, N, bias, 1);
        native.setNumThreads(2);
        native.gemm(ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, c2, N, bias, 1);
        expect(Buffer.from(c1.buffer).equals(Buffer.from(c2.buffer))).toBe(true);
      }
    } finally {
      native.setNumThreads(before);
    }
  });
});

describe('epilogue and special cases', () => {
  it('K == 0 gives beta*C + bias, then relu, without reading A or B', () => {
    const C = new Float32Array([1, -2, 3, -4]);
    native.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0.5, C, 2,
      new Float32Array([0.25, 0.25]), 1);
    expect(Array.from(C)).toEqual([0.75, 0, 1.75, 0]);
  });
  it('alpha == 0 ignores NaN in A and B', () => {
    const A = new Float32Array(4).fill(NaN);
    const C = new Float32Array([1, 2, 3, 4]);
    native.gemm(false, false, 2, 2, 2, 0, A, 2, A, 2, -0.5, C, 2, null, 0);
    expect(Array.from(C)).toEqual([-0.5, -1, -1.5, -2]);
  });
  it('M == 0 or N == 0 touches nothing', () => {
    const C = new Float32Array([7]);
    native.gemm(false, false, 0, 5, 3, 1, new Float32Array(0), 3, new Float32Array(15), 5, 0, C, 5, null, 0);
    native.gemm(false, false, 1, 0, 3, 1, new Float32Array(3), 3, new Float32Array(0), 1, 0, C, 1, null, 0);
    expect(C[0]).toBe(7);
  });
  it('fused bias + relu equals gemm followed by bias and relu', () => {
    const r = rng(5);
    const [M, N, K] = [70, 90, 300];
    const A = randF32(M * K, r);
    const B = randF32(K * N, r);
    const bias = randF32(N, r);
    const fused = new Float32Array(M * N).fill(NaN);
    native.gemm(false, false, M, N, K, 1, A, K, B, N, 0, fused, N, bias, 1);
    const plain = new Float32Array(M * N);
    native.gemm(false, false, M, N, K, 1, A, K, B, N, 0, plain, N, null, 0);
    let negatives = 0;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const v = plain[i * N + j] + bias[j];
        if (v < 0) negatives++;
        expect(Math.abs(fused[i * N + j] - Math.max(0, v))).toBeLessThanOrEqual(1e-5);
      }
    }
    expect(negatives).toBeGreaterThan(100);
  });
});

describe('ISA controls', () => {
  const original: string = native.getIsa();
  afterAll(() => native.setIsa(original));
  it('reports the detected and active ISA', () => {
    expect(ISAS).toContain(detected);
    expect(ISAS).toContain(original);
    const info = native.gemmInfo();
    expect(info.isa).toBe(original);
    expect(info.MR).toBeGreaterThan(0);
    expect(info.NR).toBeGreaterThan(0);
  });
  it('rejects unknown names', () => {
    expect(() => native.setIsa('sse')).toThrow(
      new RangeError('Expected one of "avx512", "avx2", "generic" for isa but received "sse" of type string'));
    expect(() => native.setIsa(3)).toThrow(new TypeError('Expected string for isa but received 3 of type number'));
  });
  it('rejects ISAs the CPU lacks', () => {
    const missing = ISAS.filter((i) => RANK[i] > RANK[detected]);
    for (const isa of missing) {
      expect(() => native.setIsa(isa)).toThrow(RangeError);
    }
  });
  const root = path.join(__dirname, '..', '..');
  const probe = "const n=require('node-gyp-build')(process.cwd());try{console.log(n.getIsa())}catch(e){console.log(e.constructor.name+': '+e.message)}";
  const child = (env: string): string =>
    execFileSync(process.execPath, ['-e', probe], { cwd: root, env: { ...process.env, NODEGRAD_ISA: env } })
      .toString().trim();
  it('honours NODEGRAD_ISA', () => {
    expect(child('generic')).toBe('generic');
    if (RANK[detected] >= 1) expect(child('avx2')).toBe('avx2');
    expect(child('fast')).toBe(
      'RangeError: Expected one of avx512, avx2, generic for NODEGRAD_ISA but received "fast"');
  });
});

describe('argument errors', () => {
  const A = new Float32Array(6);
  const B = new Float32Array(12);
  const C = new Float32Array(8);
  // 2x3 * 3x4 = 2x4
  const call = (over: Record<number, unknown>): void => {
    const args: unknown[] = [false, false, 2, 4, 3, 1, A, 3, B, 4, 0, C, 4, null, 0];
    for (const [i, v] of Object.entries(over)) args[Number(i)] = v;
    native.gemm(...args);
  };
  it('accepts the valid call', () => {
    expect(() => call({})).not.toThrow();
  });
  it('checks types', () => {
    expect(() => call({ 0: 1 })).toThrow(new TypeError('Expected boolean for transA but received 1 of type number'));
    expect(() => call({ 2: '2' })).toThrow(new TypeError('Expected integer for M but received "2" of type string'));
    expect(() => call({ 6: [1, 2, 3, 4, 5, 6] })).toThrow(
      new TypeError('Expected Float32Array for A but received an array of length 6'));
    expect(() => call({ 11: new Float64Array(8) })).toThrow(
      new TypeError('Expected Float32Array for C but received Float64Array of length 8'));
    expect(() => call({ 13: [0, 0, 0, 0] })).toThrow(
      new TypeError('Expected Float32Array or null for bias but received an array of length 4'));
    expect(() => call({ 5: '1' })).toThrow(new TypeError('Expected finite number for alpha but received "1" of type string'));
  });
  it('checks sizes and leading dimensions', () => {
    expect(() => call({ 2: -1 })).toThrow(
      new RangeError('Expected non-negative integer for M but received -1 of type number'));
    expect(() => call({ 4: 1.5 })).toThrow(
      new RangeError('Expected non-negative integer for K but received 1.5 of type number'));
    expect(() => call({ 7: 2 })).toThrow(new RangeError('Expected integer >= 3 for lda but received 2 of type number'));
    expect(() => call({ 9: 3 })).toThrow(new RangeError('Expected integer >= 4 for ldb but received 3 of type number'));
    expect(() => call({ 12: 3 })).toThrow(new RangeError('Expected integer >= 4 for ldc but received 3 of type number'));
    expect(() => call({ 0: true, 7: 1 })).toThrow(new RangeError('Expected integer >= 2 for lda but received 1 of type number'));
  });
  it('checks array lengths against sizes and leading dimensions', () => {
    expect(() => call({ 7: 4 })).toThrow(
      new RangeError('Expected Float32Array of length >= 7 for A but received Float32Array of length 6'));
    expect(() => call({ 3: 5, 9: 5, 12: 5 })).toThrow(
      new RangeError('Expected Float32Array of length >= 15 for B but received Float32Array of length 12'));
    expect(() => call({ 12: 5 })).toThrow(
      new RangeError('Expected Float32Array of length >= 9 for C but received Float32Array of length 8'));
    expect(() => call({ 13: new Float32Array(3) })).toThrow(
      new RangeError('Expected Float32Array of length >= 4 for bias but received Float32Array of length 3'));
    expect(() => call({ 14: 2 })).toThrow(new RangeError('Expected 0 (none) or 1 (relu) for act but received 2 of type number'));
  });
  it('rejects C overlapping an input', () => {
    const buf = new Float32Array(20);
    const a = buf.subarray(0, 6);
    const c = buf.subarray(4, 12);
    expect(() => call({ 6: a, 11: c })).toThrow(
      new RangeError('Expected a C that does not overlap A, B or bias for C but received overlapping memory'));
  });
});

beforeAll(() => {
  expect(typeof native.gemm).toBe('function');
});

// Kernel tests for the bf16 GEMM (native/cpu/gemm/gemm_avx512bf16.cc), run through the gemm op
// with the GEMM precision set to bf16: against a naive reference on bf16-rounded inputs with
// double accumulation, over awkward sizes (1, 3, 17, 255, ...: not multiples of the 16-lane
// vectors, the 14 x 32 tile or the bf16 pair), all transposes, padded leading dimensions,
// alpha/beta, beta == 0 over NaN, the fused bias+ReLU epilogue, K blocks ending in half a pair;
// rounding (nearest even) and NaN; bit-identical results for 1 and 2 threads; and the fp32
// fallback where bf16 is not native. On CPUs without AVX512_BF16 only the fallback tests run.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { rng, randomF32 } from '../helpers/random';
import { bf16Array } from '../helpers/bf16';

const hasBf16: boolean = native.bf16Native();

interface Case { ta: boolean; tb: boolean; M: number; N: number; K: number; alpha: number; beta: number; pad: number; epilogue: boolean }

function gemmCase(k: Case, A: Float32Array, B: Float32Array, C: Float32Array, bias: Float32Array | null, lds: number[]): void {
  native.gemm(k.ta, k.tb, k.M, k.N, k.K, k.alpha, A, lds[0], B, lds[1], k.beta, C, lds[2], bias, k.epilogue ? 1 : 0);
}

/** C = alpha op(A) op(B) + beta C (+ bias, relu), accumulated in double. */
function reference(k: Case, A: Float32Array, B: Float32Array, C: Float32Array, bias: Float32Array | null, lds: number[]): void {
  const [lda, ldb, ldc] = lds;
  for (let i = 0; i < k.M; i++) {
    for (let j = 0; j < k.N; j++) {
      let acc = 0;
      for (let p = 0; p < k.K; p++) acc += (k.ta ? A[p * lda + i] : A[i * lda + p]) * (k.tb ? B[j * ldb + p] : B[p * ldb + j]);
      let v = k.alpha * acc + (k.beta === 0 ? 0 : k.beta * C[i * ldc + j]);
      if (bias) v += bias[j];
      if (k.epilogue && v < 0) v = 0;
      C[i * ldc + j] = v;
    }
  }
}

const SIZES = [1, 2, 3, 13, 14, 15, 17, 31, 33, 47, 255, 257];

function cases(): Case[] {
  const out: Case[] = [];
  const n = SIZES.length;
  let c = 0;
  for (let i = 0; i < n; i++) {
    for (const [M, N, K] of [[SIZES[i], SIZES[(i + 4) % n], SIZES[(i + 7) % n]], [SIZES[(i + 3) % n], SIZES[i], SIZES[(i + 9) % n]],
      [SIZES[(i + 5) % n], SIZES[(i + 2) % n], SIZES[i]]]) {
      for (let t = 0; t < 4; t++, c++) {
        out.push({ ta: (t & 1) === 1, tb: (t & 2) === 2, M, N, K, alpha: [1, -0.5, 2][c % 3], beta: [0, 1, -0.5][(c >> 1) % 3],
          pad: [0, 1, 5][c % 3], epilogue: c % 4 === 1 });
      }
    }
  }
  return out;
}

function withPrecision<T>(p: string, f: () => T): T {
  const before: string = native.getGemmPrecision();
  native.setGemmPrecision(p);
  try {
    return f();
  } finally {
    native.setGemmPrecision(before);
  }
}

describe.skipIf(!hasBf16)('bf16 gemm vs the reference on bf16-rounded inputs', () => {
  afterEach(() => native.setGemmPrecision('fp32'));

  it('names the bf16 kernel only while the precision is bf16', () => {
    expect(native.gemmInfo().kernel).toMatch(/^sgemm_avx512_/);
    withPrecision('bf16', () => {
      const info = native.gemmInfo();
      expect(info.kernel).toBe('sbgemm_avx512bf16_14x32');
      expect([info.MR, info.NR]).toEqual([14, 32]);
    });
  });

  it('matches on awkward sizes, all transposes, alpha/beta and the bias+relu epilogue', () => {
    const all = cases();
    for (const s of [1, 3, 17, 255]) {
      expect(all.some((c) => c.M === s) && all.some((c) => c.N === s) && all.some((c) => c.K === s)).toBe(true);
    }
    const r = rng(31);
    let bf16Visible = 0;
    for (const k of all) {
      const lds = [(k.ta ? k.M : k.K) + k.pad, (k.tb ? k.K : k.N) + ((k.pad * 3) % 7), k.N + ((k.pad * 5) % 4)];
      const A = randomF32((k.ta ? k.K : k.M) * lds[0], r);
      const B = randomF32((k.tb ? k.N : k.K) * lds[1], r);
      const C0 = k.beta === 0 ? new Float32Array(k.M * lds[2]).fill(NaN) : randomF32(k.M * lds[2], r);
      for (let i = 0; i < k.M; i++) for (let j = k.N; j < lds[2]; j++) C0[i * lds[2] + j] = 12345;
      const bias = k.epilogue ? randomF32(k.N, r) : null;
      const got = C0.slice();
      withPrecision('bf16', () => gemmCase(k, A, B, got, bias, lds));
      const want = C0.slice();
      reference(k, bf16Array(A), bf16Array(B), want, bias, lds);
      const exact = C0.slice();
      reference(k, A, B, exact, bias, lds);
      // fp32 accumulation of exact bf16 products vs double: grows with K (|a|, |b| <= 1).
      const tol = 2e-6 * (k.K + 4) * Math.max(1, Math.abs(k.alpha));
      let maxExactDiff = 0;
      for (let i = 0; i < k.M; i++) {
        for (let j = 0; j < lds[2]; j++) {
          const g = got[i * lds[2] + j];
          if (j >= k.N) {
            if (g !== 12345) throw new Error(`${JSON.stringify(k)}: wrote C padding at (${i}, ${j})`);
            continue;
          }
          const w = want[i * lds[2] + j];
          if (!(Math.abs(g - w) <= tol)) throw new Error(`${JSON.stringify(k)}: C(${i}, ${j}) = ${g}, bf16 reference ${w}, tol ${tol}`);
          maxExactDiff = Math.max(maxExactDiff, Math.abs(g - exact[i * lds[2] + j]));
        }
      }
      if (maxExactDiff > 20 * tol) bf16Visible++;
    }
    // The inputs really were rounded to bf16 (else the fp32 kernel would pass the test above too).
    expect(bf16Visible).toBeGreaterThan(all.length / 4);
  });

  it('holds on large sizes across K, N and M blocks (parallel path, K blocks ending in half a pair)', () => {
    const r = rng(7);
    for (const [M, N, K, ta, tb] of [[517, 600, 1601, false, false], [300, 70, 1537, true, false], [2100, 40, 801, false, true],
      [129, 1030, 769, true, true]] as const) {
      const A = randomF32(M * K, r);
      const B = randomF32(K * N, r);
      const C = new Float32Array(M * N).fill(NaN);
      withPrecision('bf16', () => native.gemm(ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, C, N, null, 0));
      const Ar = bf16Array(A);
      const Br = bf16Array(B);
      // Rows spread over the blocks; every column.
      for (let i = 0; i < M; i += 37) {
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let p = 0; p < K; p++) acc += (ta ? Ar[p * M + i] : Ar[i * K + p]) * (tb ? Br[j * K + p] : Br[p * N + j]);
          const g = C[i * N + j];
          if (!(Math.abs(g - acc) <= 2e-6 * (K + 4))) throw new Error(`M=${M} N=${N} K=${K} ta=${ta} tb=${tb} C(${i}, ${j}) = ${g} vs ${acc}`);
        }
      }
    }
  });

  it('rounds to nearest even and keeps NaN', () => {
    const one = (a: number, b: number): number => {
      const C = new Float32Array(1);
      withPrecision('bf16', () => native.gemm(false, false, 1, 1, 1, 1, new Float32Array([a]), 1, new Float32Array([b]), 1, 0, C, 1, null, 0));
      return C[0];
    };
    expect(one(1 + 2 ** -8, 1)).toBe(1); // halfway: to the even neighbour 1
    expect(one(1 + 3 * 2 ** -8, 1)).toBe(1 + 2 ** -6); // halfway: to the even neighbour 1 + 2^-6
    expect(one(1 + 2 ** -8 + 2 ** -20, 1)).toBe(1 + 2 ** -7); // above halfway: up
    expect(one(3, -7)).toBe(-21); // exact in bf16
    expect(one(NaN, 1)).toBeNaN();
    expect(one(Infinity, 2)).toBe(Infinity);
  });

  it('gives bit-identical results with 1 and 2 threads', () => {
    const before: number = native.getNumThreads();
    try {
      const r = rng(77);
      for (const [M, N, K, ta, tb] of [[301, 517, 389, false, false], [640, 200, 900, true, true], [128, 784, 128, true, false]] as const) {
        const A = randomF32(M * K, r);
        const B = randomF32(K * N, r);
        const bias = randomF32(N, r);
        const out = [1, 2].map((t) => {
          native.setNumThreads(t);
          const C = new Float32Array(M * N);
          withPrecision('bf16', () => native.gemm(ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, C, N, bias, 1));
          return Buffer.from(C.buffer);
        });
        expect(out[0].equals(out[1])).toBe(true);
      }
    } finally {
      native.setNumThreads(before);
    }
  });
});

describe('precision controls and the fp32 fallback', () => {
  const originalIsa: string = native.getIsa();
  afterAll(() => {
    native.setIsa(originalIsa);
    native.setGemmPrecision('fp32');
  });

  it('validates the precision name', () => {
    expect(() => native.setGemmPrecision('fp16')).toThrow(
      new RangeError('Expected one of "fp32", "bf16" for precision but received "fp16" of type string'));
    expect(() => native.setGemmPrecision(16)).toThrow(new TypeError('Expected string for precision but received 16 of type number'));
    expect(native.getGemmPrecision()).toBe('fp32');
  });

  it('reports bf16 support consistently', () => {
    expect(typeof native.buildInfo().bf16).toBe('boolean');
    expect(native.bf16Native()).toBe(native.buildInfo().bf16 && native.getIsa() === 'avx512');
  });

  it('runs the fp32 kernel, bit for bit, when bf16 is not native (other ISA)', () => {
    const isas = ['avx2', 'generic'].filter((i) => i !== 'avx2' || native.detectIsa() !== 'generic');
    const r = rng(3);
    const [M, N, K] = [45, 70, 301];
    const A = randomF32(M * K, r);
    const B = randomF32(K * N, r);
    for (const isa of isas) {
      native.setIsa(isa);
      expect(native.bf16Native()).toBe(false);
      const plain = new Float32Array(M * N);
      native.gemm(false, false, M, N, K, 1, A, K, B, N, 0, plain, N, null, 0);
      const asked = new Float32Array(M * N);
      withPrecision('bf16', () => {
        expect(native.gemmInfo().kernel).toMatch(new RegExp(`^sgemm_${isa}_`));
        native.gemm(false, false, M, N, K, 1, A, K, B, N, 0, asked, N, null, 0);
      });
      expect(Buffer.from(asked.buffer).equals(Buffer.from(plain.buffer))).toBe(true);
    }
    native.setIsa(originalIsa);
  });

  it('NODEGRAD_BF16=0 hides bf16 (as on a CPU without AVX512_BF16)', () => {
    const root = path.join(__dirname, '..', '..');
    const probe = "const n=require('node-gyp-build')(process.cwd());n.setGemmPrecision('bf16');" +
      "console.log(JSON.stringify([n.buildInfo().bf16,n.bf16Native(),n.gemmInfo().kernel]))";
    const out = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: root, env: { ...process.env, NODEGRAD_BF16: '0' } })
      .toString());
    expect(out[0]).toBe(false);
    expect(out[1]).toBe(false);
    expect(out[2]).toMatch(/^sgemm_/);
  });
});

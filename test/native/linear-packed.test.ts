// Packed linear weights (native/binding/gemm.cc linearPack*, cpu/ops/linear.cc, the GEMM's
// pack_b_all / sgemm_with_packed_b): the product on a weight packed once must give exactly the
// bits of the ordinary linear op (same micro-kernel, same panels) on awkward sizes (rows 1-3 and
// a parallel-sized batch; outputs not a multiple of the 32-wide tile; depths below, at and above
// one K block), with and without bias, every fused activation, at 1 and 2 threads, on every ISA
// this CPU runs and in bf16 where native; and must refuse (return false, write nothing) once the
// GEMM table changed since packing. The one-row GEMM (a row strip over several B panels, A in
// place: generation's products) gives the bits of the micro-kernel's rows.
import { afterAll, describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { randomF32, rng } from '../helpers/random';

const ACT = { none: 0, relu: 1, gelu: 4 } as const;
const originalIsa: string = native.getIsa();
const originalThreads: number = native.getNumThreads();

afterAll(() => {
  native.setIsa(originalIsa);
  native.setNumThreads(originalThreads);
  native.setGemmPrecision('fp32');
});

function isas(): string[] {
  const order = ['generic', 'avx2', 'avx512'];
  return order.slice(0, order.indexOf(native.detectIsa()) + 1);
}

interface Run { out: Float32Array; pre: Float32Array | null }

/** Index of the first element whose bits differ (-1: none); far faster than toEqual on big arrays. */
function firstDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function ordinary(x: Float32Array, w: Float32Array, bias: Float32Array | null, B: number, C: number, OC: number, act: number): Run {
  const out = new Float32Array(B * OC).fill(NaN);
  const pre = act === ACT.gelu ? new Float32Array(B * OC).fill(NaN) : null;
  native.linearForward(out, x, w, bias, B, C, OC, act, pre);
  return { out, pre };
}

function packedRun(x: Float32Array, packed: Float32Array, table: number, bias: Float32Array | null, B: number, C: number, OC: number,
  act: number): Run | null {
  const out = new Float32Array(B * OC).fill(NaN);
  const pre = act === ACT.gelu ? new Float32Array(B * OC).fill(NaN) : null;
  return native.linearPacked(out, x, packed, table, bias, B, C, OC, act, pre) ? { out, pre } : null;
}

/** n floats starting `shift` floats past a 64-byte boundary: the packed array may have any alignment. */
function shifted(n: number, shift: number): Float32Array {
  const buf = new ArrayBuffer(n * 4 + 128);
  return new Float32Array(buf, native.alignmentPadding(buf, 64) + 4 * shift, n);
}

let shiftNext = 0;
function pack(w: Float32Array, C: number, OC: number): { packed: Float32Array; table: number } {
  const n = native.linearPackSize(C, OC);
  expect(n).toBeGreaterThan(0);
  const packed = shifted(n, shiftNext++ % 16);
  return { packed, table: native.linearPack(packed, w, C, OC) };
}

const ROWS = [1, 2, 3];
const OUTS = [1, 17, 255, 385];
const DEPTHS = [1, 3, 17, 129, 300, 800];

describe('packed linear weights', () => {
  it('small weights (<= 4096 elements) are not packed: linear never runs them through the GEMM', () => {
    expect(native.linearPackSize(64, 64)).toBe(0);
    expect(native.linearPackSize(1, 17)).toBe(0);
    expect(native.linearPackSize(17, 255)).toBeGreaterThanOrEqual(17 * 255);
    const dst = new Float32Array(8).fill(3);
    expect(native.linearPack(dst, new Float32Array(64 * 64), 64, 64)).toBe(0);
    expect(Array.from(dst)).toEqual(new Array(8).fill(3));
    const out = new Float32Array(64).fill(3);
    expect(native.linearPacked(out, new Float32Array(64), dst, 0, null, 1, 64, 64, 0, null)).toBe(false);
    expect(out.every((v) => v === 3)).toBe(true);
  });

  for (const isa of isas()) {
    it(`equals the ordinary linear op bit for bit (${isa}; rows 1-3 and 64; outputs 1-385; depths 1-800; 1 and 2 threads)`, () => {
      native.setIsa(isa);
      const r = rng(14);
      let checked = 0;
      for (const C of DEPTHS) {
        for (const OC of OUTS) {
          if (native.linearPackSize(C, OC) === 0) continue;
          const w = randomF32(OC * C, r);
          const bias = randomF32(OC, r);
          const { packed, table } = pack(w, C, OC);
          for (const B of [...ROWS, 64]) {
            const x = randomF32(B * C, r);
            for (const [act, b] of [[ACT.none, null], [ACT.relu, bias], [ACT.gelu, bias]] as const) {
              for (const t of [1, 2]) {
                native.setNumThreads(t);
                const want = ordinary(x, w, b, B, C, OC, act);
                const got = packedRun(x, packed, table, b, B, C, OC, act);
                expect(got, `${isa} B=${B} C=${C} OC=${OC} act=${act} threads=${t}`).not.toBeNull();
                expect(firstDiff(got!.out, want.out), `${isa} B=${B} C=${C} OC=${OC} act=${act} threads=${t}`).toBe(-1);
                if (want.pre) expect(firstDiff(got!.pre!, want.pre)).toBe(-1);
                checked++;
              }
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(100);
      native.setIsa(originalIsa);
      native.setNumThreads(originalThreads);
    });
  }

  it('refuses panels packed for another GEMM table (ISA changed), writing nothing', () => {
    const list = isas();
    if (list.length < 2) return;
    native.setIsa(list[list.length - 1]);
    const C = 129, OC = 255;
    const r = rng(3);
    const w = randomF32(OC * C, r);
    const x = randomF32(2 * C, r);
    const { packed, table } = pack(w, C, OC);
    native.setIsa(list[0]);
    const out = new Float32Array(2 * OC).fill(7);
    expect(native.linearPacked(out, x, packed, table, null, 2, C, OC, ACT.none, null)).toBe(false);
    expect(out.every((v) => v === 7)).toBe(true);
    native.setIsa(originalIsa);
  });

  it('bf16 precision: packed as bf16 pairs, the same bits as the bf16 linear op; refused after switching to fp32', () => {
    if (!native.bf16Native()) return;
    native.setGemmPrecision('bf16');
    try {
      const r = rng(5);
      for (const [C, OC] of [[129, 255], [17, 385], [800, 17], [300, 1]]) {
        if (native.linearPackSize(C, OC) === 0) continue;
        const w = randomF32(OC * C, r);
        const { packed, table } = pack(w, C, OC);
        for (const B of [1, 3]) {
          const x = randomF32(B * C, r);
          expect(packedRun(x, packed, table, null, B, C, OC, ACT.none)!.out).toEqual(ordinary(x, w, null, B, C, OC, ACT.none).out);
        }
        native.setGemmPrecision('fp32');
        expect(packedRun(randomF32(C, r), packed, table, null, 1, C, OC, ACT.none)).toBeNull();
        native.setGemmPrecision('bf16');
      }
    } finally {
      native.setGemmPrecision('fp32');
    }
  });

  it('checks its arguments', () => {
    const C = 129, OC = 40;
    const packed = new Float32Array(native.linearPackSize(C, OC));
    expect(() => native.linearPack(packed, new Float32Array(10), C, OC)).toThrow(/for w/);
    expect(() => native.linearPack(new Float32Array(10), new Float32Array(C * OC), C, OC)).toThrow(/for dst/);
    const table = native.linearPack(packed, new Float32Array(C * OC), C, OC);
    expect(() => native.linearPacked(new Float32Array(OC), new Float32Array(C), new Float32Array(10), table, null, 1, C, OC, 0, null))
      .toThrow(/for packed/);
    expect(() => native.linearPacked(new Float32Array(OC), new Float32Array(C), packed, table, null, 1, C, OC, 99, null)).toThrow(/act/);
    expect(() => native.linearPacked(new Float32Array(OC - 1), new Float32Array(C), packed, table, null, 1, C, OC, 0, null)).toThrow(/for out/);
    // sizes whose product overflows: a RangeError before any size arithmetic (UBSan found C * OC)
    expect(() => native.linearPackSize(2147483647, 8589934592)).toThrow(/fits in 2\^53 for OC x C/);
    expect(() => native.linearPack(new Float32Array(4), new Float32Array(4), 2147483647, 8589934592)).toThrow(/fits in 2\^53 for w/);
  });
});

describe('one-row GEMM (row strip)', () => {
  it('row 0 of a 1-row product equals row 0 of a 3-row product bit for bit (both transposes of B, alpha/beta, bias+relu)', () => {
    const r = rng(21);
    let checked = 0;
    for (const isa of isas()) {
      native.setIsa(isa);
      for (const K of DEPTHS) {
        for (const N of [...OUTS, 33, 64, 129, 160]) {
          for (const tb of [false, true]) {
            const B = randomF32(K * N, r);
            const A3 = randomF32(3 * K, r);
            const bias = randomF32(N, r);
            const ldb = tb ? K : N;
            for (const [alpha, beta, epi] of [[1, 0, false], [-0.5, 1, true], [2, -0.5, false]] as const) {
              const C0 = randomF32(3 * N, r);
              const c3 = C0.slice();
              const c1 = C0.slice(0, N);
              native.gemm(false, tb, 3, N, K, alpha, A3, K, B, ldb, beta, c3, N, epi ? bias : null, epi ? 1 : 0);
              native.gemm(false, tb, 1, N, K, alpha, A3, K, B, ldb, beta, c1, N, epi ? bias : null, epi ? 1 : 0);
              expect(firstDiff(c1, c3.subarray(0, N)), `${isa} K=${K} N=${N} tb=${tb} alpha=${alpha} beta=${beta}`).toBe(-1);
              checked++;
            }
          }
        }
      }
    }
    native.setIsa(originalIsa);
    expect(checked).toBeGreaterThan(300);
  });
});

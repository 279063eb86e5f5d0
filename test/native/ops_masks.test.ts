// Kernel tests for comparisons, where and casts (native/cpu/ops/masks.cc): naive references on
// awkward sizes and broadcast shapes, NaN and infinities, the serial and the OpenMP paths,
// gradient accumulation, argument errors. The TypeScript API (lib/ops/compare.ts) is tested
// through the op table (test/autograd) and against PyTorch (torch-masks.test.ts).
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { rng, randF32, SIZES } from '../helpers/kernels';

const pad4 = (s: number[]): number[] => [...Array(4 - s.length).fill(1), ...s];
const numel = (s: number[]): number => s.reduce((p, d) => p * d, 1);

/** Reference broadcast over 4 padded dims: want[o] = f(a[ia], b[ib]). */
function bcast(as: number[], bs: number[], f: (ia: number, ib: number) => number): number[] {
  const A = pad4(as), B = pad4(bs);
  const O = A.map((d, k) => Math.max(d, B[k]));
  const want: number[] = [];
  const idx = (S: number[], i: number[]): number =>
    (((S[0] === 1 ? 0 : i[0]) * S[1] + (S[1] === 1 ? 0 : i[1])) * S[2] + (S[2] === 1 ? 0 : i[2])) * S[3] + (S[3] === 1 ? 0 : i[3]);
  for (let i0 = 0; i0 < O[0]; i0++) for (let i1 = 0; i1 < O[1]; i1++) for (let i2 = 0; i2 < O[2]; i2++) {
    for (let i3 = 0; i3 < O[3]; i3++) want.push(f(idx(A, [i0, i1, i2, i3]), idx(B, [i0, i1, i2, i3])));
  }
  return want;
}

const CMP: [string, (a: number, b: number) => boolean][] = [
  ['eq', (a, b) => a === b], ['ne', (a, b) => a !== b], ['lt', (a, b) => a < b],
  ['le', (a, b) => a <= b], ['gt', (a, b) => a > b], ['ge', (a, b) => a >= b],
];

const SHAPES: [number[], number[]][] = [
  [[1], [1]], [[3], [3]], [[17], [1]], [[255], [255]], [[3, 17], [17]], [[3, 17], [3, 1]], [[4, 1], [1, 5]],
  [[2, 3, 17], [3, 1]], [[2, 1, 4], [1, 3, 1]], [[2, 3, 4, 5], [1, 3, 1, 5]], [[3, 1, 5, 1], [2, 1, 7]], [[], [3, 17]],
  [[129, 257], [257]], // above the OpenMP threshold (32768 elements)
];

/** Values with ties, signed zeros, infinities and NaN. */
function specials(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const pool = [0, -0, 1, -1, 0.5, Infinity, -Infinity, NaN, 2.5e-38, -3];
  return Float32Array.from({ length: n }, () => pool[Math.floor(r() * pool.length)]);
}

describe('comparisons (compareF32, compareI32)', () => {
  for (const [as, bs] of SHAPES) {
    it(`every op on [${as}] x [${bs}], float32 with NaN / +-0 / +-Infinity and int32`, () => {
      const a = specials(numel(as), numel(as) + 7), b = specials(numel(bs), numel(bs) + 11);
      const r = rng(numel(as) * 3 + numel(bs));
      const ai = Int32Array.from({ length: numel(as) }, () => Math.floor(r() * 7) - 3);
      const bi = Int32Array.from({ length: numel(bs) }, () => Math.floor(r() * 7) - 3);
      for (const [code, [name, f]] of CMP.entries()) {
        const want = bcast(as, bs, (ia, ib) => +f(a[ia], b[ib]));
        const out = new Float32Array(want.length).fill(7);
        native.compareF32(out, a, as, b, bs, code);
        expect(Array.from(out), `${name} float32`).toEqual(want);
        const wantI = bcast(as, bs, (ia, ib) => +f(ai[ia], bi[ib]));
        out.fill(7);
        native.compareI32(out, ai, as, bi, bs, code);
        expect(Array.from(out), `${name} int32`).toEqual(wantI);
      }
    });
  }

  it('compares int32 exactly where float32 would round (2^24 + 1 vs 2^24)', () => {
    const out = new Float32Array(2);
    native.compareI32(out, Int32Array.of(16777217, -2147483648), [2], Int32Array.of(16777216, 2147483647), [2], 0);
    expect(Array.from(out)).toEqual([0, 0]);
    native.compareI32(out, Int32Array.of(16777217, -2147483648), [2], Int32Array.of(16777216, 2147483647), [2], 2);
    expect(Array.from(out)).toEqual([0, 1]);
  });

  it('an empty result writes nothing, even with huge other dimensions', () => {
    const out = new Float32Array(1).fill(7);
    native.compareF32(out, new Float32Array(0), [2, 2 ** 40, 0], new Float32Array(1), [1], 0);
    expect(out[0]).toBe(7);
  });

  it('rejects bad op codes, shapes that do not broadcast, short buffers and wrong element types', () => {
    const x = new Float32Array(12), i = new Int32Array(12);
    expect(() => native.compareF32(x, x, [12], x, [12], 6)).toThrow(new RangeError('Expected integer in [0, 5] for op but received 6 of type number'));
    expect(() => native.compareF32(x, x, [12], x, [12], 1.5)).toThrow(RangeError);
    expect(() => native.compareF32(x, x, [3, 4], x, [3])).toThrow(
      new RangeError('Expected shapes that broadcast for aShape and bShape but received [1, 1, 3, 4] and [1, 1, 1, 3]'));
    expect(() => native.compareF32(new Float32Array(11), x, [3, 4], x, [4], 0)).toThrow(
      new RangeError('Expected Float32Array of length >= 12 for out but received Float32Array of length 11'));
    expect(() => native.compareI32(x, x, [12], i, [12], 0)).toThrow(TypeError);
    expect(() => native.compareF32(x, i, [12], x, [12], 0)).toThrow(TypeError);
  });
});

describe('where (whereForward, whereBackward)', () => {
  for (const n of [...SIZES, 129 * 257]) {
    it(`selects and routes gradients, n = ${n}`, () => {
      const r = rng(n);
      const cond = Float32Array.from({ length: n }, () => [0, 1, -2, NaN, -0][Math.floor(r() * 5)]);
      const a = randF32(n, r), b = specials(n, n);
      const out = new Float32Array(n);
      native.whereForward(out, cond, a, b, n);
      const take = (i: number): boolean => cond[i] !== 0; // NaN != 0 holds: a NaN condition picks a
      expect(Array.from(out)).toEqual(Array.from({ length: n }, (_, i) => (take(i) ? a[i] : b[i])));
      // Backward adds into what is there.
      const dout = randF32(n, r), da = new Float32Array(n).fill(0.25), db = new Float32Array(n).fill(-1);
      native.whereBackward(da, db, dout, cond, n);
      for (let i = 0; i < n; i++) {
        expect(da[i]).toBe(Math.fround(0.25 + (take(i) ? dout[i] : 0)));
        expect(db[i]).toBe(Math.fround(-1 + (take(i) ? 0 : dout[i])));
      }
      const only = new Float32Array(n);
      native.whereBackward(null, only, dout, cond, n);
      expect(Array.from(only)).toEqual(Array.from({ length: n }, (_, i) => (take(i) ? 0 : dout[i])));
    });
  }

  it('rejects short buffers', () => {
    const x = new Float32Array(4);
    expect(() => native.whereForward(x, new Float32Array(3), x, x, 4)).toThrow(
      new RangeError('Expected Float32Array of length >= 4 for cond but received Float32Array of length 3'));
    expect(() => native.whereBackward(x, x, x, x, 5)).toThrow(RangeError);
  });
});

describe('casts (castI32ToF32, castF32ToI32)', () => {
  for (const n of [...SIZES, 129 * 257]) {
    it(`round trips and truncates toward zero, n = ${n}`, () => {
      const r = rng(n + 1);
      const i = Int32Array.from({ length: n }, () => Math.floor((r() - 0.5) * 2 ** 32));
      const f = new Float32Array(n);
      native.castI32ToF32(f, i, n);
      expect(Array.from(f)).toEqual(Array.from(i, (v) => Math.fround(v)));
      const x = randF32(n, r, -1e6, 1e6);
      const back = new Int32Array(n);
      native.castF32ToI32(back, x, n);
      expect(Array.from(back)).toEqual(Array.from(x, (v) => Math.trunc(v) + 0));
    });
  }

  it('NaN -> 0 and saturation at the int32 range (the kernel never converts out of range)', () => {
    const x = Float32Array.of(NaN, Infinity, -Infinity, 2147483648, -2147483648, -2147483904, 2147483520, -0.9, 0.9);
    const out = new Int32Array(x.length);
    native.castF32ToI32(out, x, x.length);
    expect(Array.from(out)).toEqual([0, 2147483647, -2147483648, 2147483647, -2147483648, -2147483648, 2147483520, 0, 0]);
  });

  it('rejects wrong element types and short buffers', () => {
    expect(() => native.castI32ToF32(new Float32Array(2), new Float32Array(2), 2)).toThrow(TypeError);
    expect(() => native.castF32ToI32(new Float32Array(2), new Float32Array(2), 2)).toThrow(TypeError);
    expect(() => native.castF32ToI32(new Int32Array(1), new Float32Array(2), 2)).toThrow(
      new RangeError('Expected Int32Array of length >= 2 for out but received Int32Array of length 1'));
  });
});

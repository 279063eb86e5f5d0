// Kernel tests for the axis permutation (native/cpu/ops/permute.cc): a naive reference on awkward
// shapes (size-1 axes, merged axes, a kept last axis, rank 0 to 8, above the OpenMP threshold),
// the backward's accumulation, and argument errors. The op (lib/ops/shape.ts permute, transpose
// with two axes) is tested through the op table and against PyTorch.
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { rng, randF32 } from '../helpers/kernels';

const numel = (s: number[]): number => s.reduce((p, d) => p * d, 1);

/** out[i] = x[source of i]: output axis k is input axis perm[k]. */
function reference(x: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const os = perm.map((p) => shape[p]);
  const stride = shape.map((_, k) => numel(shape.slice(k + 1)));
  return Array.from({ length: numel(shape) }, (_, i) => {
    let rem = i, src = 0;
    for (let k = os.length - 1; k >= 0; k--) {
      src += (rem % os[k]) * stride[perm[k]];
      rem = Math.floor(rem / os[k]);
    }
    return x[src];
  });
}

const CASES: [number[], number[]][] = [
  [[], []], [[1], [0]], [[17], [0]], [[3, 17], [1, 0]], [[3, 17], [0, 1]], [[1, 255], [1, 0]], [[2, 3, 17], [0, 2, 1]],
  [[2, 3, 17], [1, 2, 0]], [[2, 3, 17], [2, 1, 0]], [[2, 1, 3, 5], [3, 2, 1, 0]], [[5, 7, 3, 2], [0, 1, 3, 2]],
  [[2, 3, 5, 7], [2, 3, 0, 1]], [[3, 1, 1, 17], [3, 0, 2, 1]], [[2, 2, 1, 3, 2, 1, 2, 3], [7, 0, 6, 1, 5, 2, 4, 3]],
  [[2, 3, 4, 5, 1, 2, 1, 3], [0, 1, 2, 3, 4, 5, 7, 6]], [[129, 257], [1, 0]], [[3, 43, 257], [2, 0, 1]], [[43, 3, 257], [1, 0, 2]],
];

describe('permute kernels', () => {
  for (const [shape, perm] of CASES) {
    it(`[${shape}] by [${perm}]: forward, and backward adds into dx`, () => {
      const n = numel(shape);
      const r = rng(n + perm.length);
      const x = randF32(n, r);
      const out = new Float32Array(n).fill(NaN);
      native.permuteForward(out, x, shape, perm);
      const want = reference(x, shape, perm);
      expect(Array.from(out)).toEqual(want);
      // backward: dx += the inverse permutation of dout (dx starts at 1)
      const dout = randF32(n, r);
      const dx = new Float32Array(n).fill(1);
      native.permuteBackward(dx, dout, shape, perm);
      const back = new Float64Array(n).fill(1);
      const probe = Float64Array.from({ length: n }, (_, i) => i);
      reference(probe, shape, perm).forEach((src, i) => { back[src] += dout[i]; });
      expect(Array.from(dx)).toEqual(Array.from(back, (v) => Math.fround(v)));
    });
  }

  it('empty tensors write nothing', () => {
    const out = new Float32Array(1).fill(7);
    native.permuteForward(out, new Float32Array(0), [3, 0, 5], [2, 1, 0]);
    expect(out[0]).toBe(7);
  });

  it('rejects bad permutations, ranks above 8 and short buffers', () => {
    const x = new Float32Array(12);
    expect(() => native.permuteForward(x, x, [3, 4], [0, 0])).toThrow(
      new RangeError('Expected permutation of 0..1 for perm but received an array with 0 of type number at position 1'));
    expect(() => native.permuteForward(x, x, [3, 4], [0, 2])).toThrow(RangeError);
    expect(() => native.permuteForward(x, x, [3, 4], [0.5, 1])).toThrow(RangeError);
    expect(() => native.permuteForward(x, x, [3, 4], [1])).toThrow(
      new TypeError('Expected permutation of 0..1 for perm but received an array of length 1'));
    expect(() => native.permuteForward(x, x, [1, 1, 1, 1, 1, 1, 1, 1, 12], [0, 1, 2, 3, 4, 5, 6, 7, 8])).toThrow(
      new RangeError('Expected at most 8 dims for dims but received an array of length 9'));
    expect(() => native.permuteBackward(new Float32Array(11), x, [3, 4], [1, 0])).toThrow(
      new RangeError('Expected Float32Array of length >= 12 for dx but received Float32Array of length 11'));
  });
});

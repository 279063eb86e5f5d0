// Top-k recommender metrics (lib/train/metrics/topk.ts) against values computed by hand.
import { describe, expect, it } from 'vitest';
import { metrics } from '../../lib';

const { hitRateAtK, precisionAtK, recallAtK, averagePrecisionAtK, meanAveragePrecisionAtK, ndcgAtK, topK } = metrics;

describe('top-k ranking metrics', () => {
  // user 0: relevant {1, 5}; list [5, 2, 1, 9]: hits at ranks 1 and 3
  // user 1: relevant {7};    list [3, 4, 8, 7]: hit at rank 4
  // user 2: relevant {2, 6, 8}; list [0, 1, 3, 4]: no hit
  const rel = [[1, 5], [7], [2, 6, 8]];
  const rec = [[5, 2, 1, 9], [3, 4, 8, 7], [0, 1, 3, 4]];

  it('hit rate', () => {
    expect(hitRateAtK(rel, rec, 4)).toBeCloseTo(2 / 3, 12);
    expect(hitRateAtK(rel, rec, 3)).toBeCloseTo(1 / 3, 12); // user 1's hit is at rank 4
    expect(hitRateAtK(rel, rec, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('precision and recall', () => {
    expect(precisionAtK(rel, rec, 4)).toBeCloseTo((2 / 4 + 1 / 4 + 0) / 3, 12);
    expect(recallAtK(rel, rec, 4)).toBeCloseTo((2 / 2 + 1 / 1 + 0 / 3) / 3, 12);
    expect(recallAtK(rel, rec, 2)).toBeCloseTo((1 / 2 + 0 + 0) / 3, 12);
  });

  it('average precision and mAP', () => {
    // user 0: (1/1 + 2/3) / min(2, 4) = 5/6; user 1: (1/4) / 1; user 2: 0
    expect(averagePrecisionAtK(rel[0], rec[0], 4)).toBeCloseTo(5 / 6, 12);
    expect(averagePrecisionAtK(rel[1], rec[1], 4)).toBeCloseTo(1 / 4, 12);
    expect(meanAveragePrecisionAtK(rel, rec, 4)).toBeCloseTo((5 / 6 + 1 / 4 + 0) / 3, 12);
    // k = 2: user 0 (1/1) / min(2, 2) = 1/2
    expect(meanAveragePrecisionAtK(rel, rec, 2)).toBeCloseTo((1 / 2) / 3, 12);
    expect(averagePrecisionAtK([3, 1], [1, 3, 4], 10)).toBe(1); // perfect list
  });

  it('nDCG', () => {
    // user 0: DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3)
    const u0 = 1.5 / (1 + 1 / Math.log2(3));
    const u1 = (1 / Math.log2(5)) / 1;
    expect(ndcgAtK(rel, rec, 4)).toBeCloseTo((u0 + u1 + 0) / 3, 12);
  });

  it('users without relevant items are skipped; repeats count once; typed arrays work', () => {
    expect(hitRateAtK([[], [7]], [[1], [7]], 1)).toBe(1);
    expect(precisionAtK([[1]], [[1, 1, 1]], 3)).toBeCloseTo(1 / 3, 12);
    expect(hitRateAtK([Int32Array.from([2])], [Int32Array.from([4, 2])], 2)).toBe(1);
  });

  it('topK picks the best k per row, skipping excluded items, ties to the lower id', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.5, 0.9, 0.2, /* row 1 */ 3, 2, 1, 0, -1]);
    const [a, b] = topK(scores, 5, 3, [[], [0]]);
    expect(Array.from(a)).toEqual([1, 3, 2]);
    expect(Array.from(b)).toEqual([1, 2, 3]);
    expect(Array.from(topK([1, 2], 2, 5)[0])).toEqual([1, 0]); // k > items
  });

  it('bad input names the argument', () => {
    expect(() => hitRateAtK(rel, rec.slice(1), 4)).toThrow(/Expected 3 lists \(one per user, like relevant\) for recommended but received 2 lists/);
    expect(() => hitRateAtK(rel, rec, 0)).toThrow(/positive integer for k/);
    expect(() => hitRateAtK([[]], [[1]], 1)).toThrow(/at least one user with a relevant item/);
    expect(() => hitRateAtK([5 as unknown as number[]], [[1]], 1)).toThrow(/for relevant\[0\]/);
    expect(() => topK([1, 2, 3], 2, 1)).toThrow(/multiple of numItems/);
    expect(() => topK([1, NaN], 2, 1)).toThrow(/NaN/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  trainTestSplit, kFold, stratifiedKFold, computeClassWeights, computeSampleWeights, WeightedRandomSampler, fromArrays,
} from '../../lib/data';
import { sk, expectClose } from './helpers';

describe('trainTestSplit', () => {
  it('index split: sizes like scikit-learn (ceil of the test fraction), seeded', () => {
    const s = trainTestSplit(10, { testSize: 0.25, seed: 1 });
    expect(s.test.length).toBe(3);
    expect(s.train.length).toBe(7);
    expect([...s.train, ...s.test].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(trainTestSplit(10, { testSize: 0.25, seed: 1 })).toEqual(s);
    expect(trainTestSplit(10, { testSize: 0.25, seed: 2 })).not.toEqual(s);
    expect(trainTestSplit(10, { testSize: 4, shuffle: false })).toEqual({
      train: Int32Array.from([0, 1, 2, 3, 4, 5]), test: Int32Array.from([6, 7, 8, 9]),
    });
  });
  it('stratified keeps class proportions', () => {
    const y = Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 90 ? 1 : 2));
    const s = trainTestSplit(100, { testSize: 0.3, stratify: y, seed: 3 });
    const count = (idx: Int32Array, c: number): number => Array.from(idx).filter((i) => y[i] === c).length;
    expect([count(s.test, 0), count(s.test, 1), count(s.test, 2)]).toEqual([21, 6, 3]);
    expect([count(s.train, 0), count(s.train, 1), count(s.train, 2)]).toEqual([49, 14, 7]);
  });
  it('splits a dataset into datasets', () => {
    const ds = fromArrays(Array.from({ length: 20 }, (_, i) => [i]), Array.from({ length: 20 }, (_, i) => i % 2));
    const { train, test } = trainTestSplit(ds, { testSize: 0.2, stratify: true, seed: 4 });
    expect(train.length).toBe(16);
    expect(test.length).toBe(4);
    expect(Array.from(test.y!.data).filter((v) => v === 1).length).toBe(2);
    for (let i = 0; i < test.length; i++) expect(test.x.data[i] % 2).toBe(test.y!.data[i]);
    for (const d of [ds, train, test]) d.dispose();
  });
  it('errors', () => {
    expect(() => trainTestSplit(10, { testSize: 1.5 })).toThrow(
      'Expected fraction in (0, 1) or positive integer count for testSize but received 1.5 of type number');
    expect(() => trainTestSplit(10, { testSize: 10 })).toThrow(
      'Expected fewer than 10 test samples (so that training keeps one) for testSize but received 10 of type number');
    expect(() => trainTestSplit(10, { stratify: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], shuffle: false })).toThrow(
      'Expected shuffle true when stratify is set for shuffle but received false of type boolean');
    expect(() => trainTestSplit(4, { testSize: 1, stratify: [0, 0, 1, 1] })).toThrow(
      'Expected a split with at least 2 samples (one per class) on each side for testSize but received 1 test and 3 train samples');
    expect(() => trainTestSplit(3, { stratify: [0, 1.5, 1] })).toThrow(
      'Expected non-negative integer label for stratify[1] but received 1.5 of type number');
  });
});

describe('k-fold matches scikit-learn (shuffle off)', () => {
  it('KFold', () => {
    const folds = kFold(sk.kfold.n, { k: sk.kfold.k });
    expect(folds.map((f) => Array.from(f.test))).toEqual(sk.kfold.test);
    for (const f of folds) expect(f.train.length + f.test.length).toBe(17);
  });
  it('StratifiedKFold', () => {
    expect(stratifiedKFold(sk.stratifiedKFold.y, { k: 3 }).map((f) => Array.from(f.test))).toEqual(sk.stratifiedKFold.test);
    expect(stratifiedKFold(sk.stratifiedKFold2.y, { k: 3 }).map((f) => Array.from(f.test))).toEqual(sk.stratifiedKFold2.test);
  });
  it('shuffled folds are seeded partitions', () => {
    const a = kFold(23, { k: 4, shuffle: true, seed: 9 });
    expect(kFold(23, { k: 4, shuffle: true, seed: 9 })).toEqual(a);
    expect(a.flatMap((f) => Array.from(f.test)).sort((p, q) => p - q)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    const y = sk.stratifiedKFold.y as number[];
    const s = stratifiedKFold(y, { k: 3, shuffle: true, seed: 2 });
    const sizes = s.map((f) => [0, 1, 2].map((c) => Array.from(f.test).filter((i) => y[i] === c).length));
    const ref = stratifiedKFold(y, { k: 3 }).map((f) => [0, 1, 2].map((c) => Array.from(f.test).filter((i) => y[i] === c).length));
    expect(sizes).toEqual(ref);
  });
  it('errors', () => {
    expect(() => kFold(5, { k: 1 })).toThrow('Expected integer >= 2 for k but received 1 of type number');
    expect(() => kFold(3, { k: 4 })).toThrow('Expected at most 3 folds (one sample each) for k but received 4 of type number');
    expect(() => stratifiedKFold([0, 0, 1, 1, 2], { k: 3 })).toThrow(
      'Expected at most 2 folds (the size of the largest class) for k but received 3 of type number');
  });
});

describe('class imbalance', () => {
  it('balanced class and sample weights match scikit-learn', () => {
    expectClose(computeClassWeights(sk.classWeights.y, 'balanced'), sk.classWeights.balanced, 1e-6);
    expectClose(computeSampleWeights(sk.classWeights.y), sk.classWeights.sampleWeights, 1e-6);
    expect(() => computeClassWeights([0, 2])).toThrow('Expected every class 0..2 present in labels for labels but received no sample of class 1');
    expect(() => computeClassWeights([0, 3], 'balanced', { numClasses: 2 })).toThrow(
      'Expected integer label in [0, 1] for labels[1] but received 3 of type number');
  });
  it('WeightedRandomSampler draws by weight, seeded; without replacement draws distinct rows', () => {
    const s = new WeightedRandomSampler([0, 1, 3], 4000, { seed: 1 });
    const idx = s.indices();
    const c = [0, 0, 0];
    for (const i of idx) c[i]++;
    expect(c[0]).toBe(0);
    expect(c[2] / 4000).toBeGreaterThan(0.72);
    expect(c[2] / 4000).toBeLessThan(0.78);
    expect(new WeightedRandomSampler([0, 1, 3], 4000, { seed: 1 }).indices()).toEqual(idx);
    const nr = new WeightedRandomSampler([1, 1, 0, 5, 2], 4, { replacement: false, seed: 3 }).indices();
    expect(new Set(nr).size).toBe(4);
    expect(Array.from(nr)).not.toContain(2);
    expect(() => new WeightedRandomSampler([1, -1], 2)).toThrow('Expected non-negative finite weight for weights[1] but received -1 of type number');
    expect(() => new WeightedRandomSampler([1, 0], 2, { replacement: false })).toThrow(
      'Expected numSamples <= 1 (positive weights) without replacement for numSamples but received 2 of type number');
  });
});

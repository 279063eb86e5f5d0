import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  accuracy, averagePrecision, classificationReport, confusionMatrix, createMetric, createMetrics, f1,
  mae, meanAveragePrecision, mse, precision, precisionRecallF1, r2, recall, rocAuc, toArrayLike,
  topKAccuracy, type Metric,
} from '../../lib/train/metrics';

// Reference values from scikit-learn: /usr/bin/python3 test/fixtures/gen_sklearn_metrics.py
interface Case {
  name: string;
  kind: 'binary' | 'multiclass' | 'labels' | 'regression';
  numClasses?: number;
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
  yScore?: number[] | number[][];
  expected: Record<string, any>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/sklearn/metrics.json'), 'utf8')) as { cases: Case[] };
const cases = (kind: Case['kind']): Case[] => fixture.cases.filter((c) => c.kind === kind);

const TOL = 1e-6;
function close(got: number, want: number, what = ''): void {
  if (!(Math.abs(got - want) <= TOL)) {
    throw new Error(`${what}: got ${got}, want ${want} (diff ${Math.abs(got - want)})`);
  }
}

/** A nodegrad-Tensor-like object (duck-typed). */
function tensor(rows: number[] | number[][], Ctor: Float32ArrayConstructor | Int32ArrayConstructor = Float32Array) {
  if (Array.isArray(rows[0])) {
    const r = rows as number[][];
    return { data: Ctor.from(r.flat()), shape: [r.length, r[0].length] as const };
  }
  return { data: Ctor.from(rows as number[]), shape: [rows.length] as const };
}

/** Runs a stateful metric over the data in batches of `bs` rows. */
function streamed(m: Metric, pred: number[] | number[][], target: number[] | number[][], bs = 32): number {
  m.reset();
  for (let i = 0; i < pred.length; i += bs) m.update(pred.slice(i, i + bs) as number[], target.slice(i, i + bs) as number[]);
  return m.result();
}

describe('metrics against scikit-learn (fixtures)', () => {
  it('fixture file has every kind of case', () => {
    expect(cases('binary').length).toBeGreaterThanOrEqual(3);
    expect(cases('multiclass').length).toBeGreaterThanOrEqual(4);
    expect(cases('regression').length).toBeGreaterThanOrEqual(3);
  });

  for (const c of cases('binary')) {
    it(`binary: ${c.name}`, () => {
      const e = c.expected;
      const score = c.yScore as number[];
      close(accuracy(c.yTrue, score), e.accuracy, 'accuracy from probabilities');
      close(accuracy(c.yTrue, c.yPred), e.accuracy, 'accuracy from labels');
      const logits = score.map((p) => Math.min(Math.max(p, 1e-9), 1 - 1e-9)).map((p) => Math.log(p / (1 - p)));
      close(accuracy(c.yTrue, logits, { logits: true }), e.accuracy, 'accuracy from logits');
      expect(confusionMatrix(c.yTrue, score)).toEqual(e.confusionMatrix);
      close(rocAuc(c.yTrue, score), e.rocAuc, 'rocAuc');
      close(averagePrecision(c.yTrue, score), e.averagePrecision, 'averagePrecision');
      for (const avg of ['binary', 'macro', 'micro', 'weighted'] as const) {
        close(precision(c.yTrue, c.yPred, { average: avg }), e[avg].precision, `precision ${avg}`);
        close(recall(c.yTrue, c.yPred, { average: avg }), e[avg].recall, `recall ${avg}`);
        close(f1(c.yTrue, score, { average: avg }), e[avg].f1, `f1 ${avg}`);
      }
      close(f1(c.yTrue, score), e.binary.f1, 'default average is binary for one column');
      // Stateful accumulators give the same epoch result.
      close(streamed(createMetric('accuracy'), score, c.yTrue), e.accuracy, 'stateful accuracy');
      close(streamed(createMetric('f1'), score, c.yTrue), e.binary.f1, 'stateful f1');
      close(streamed(createMetric('precision'), score, c.yTrue), e.binary.precision, 'stateful precision');
      close(streamed(createMetric('recall'), score, c.yTrue), e.binary.recall, 'stateful recall');
      close(streamed(createMetric('auc'), score, c.yTrue, 7), e.rocAuc, 'stateful auc');
      close(streamed(createMetric('ap'), score, c.yTrue, 7), e.averagePrecision, 'stateful ap');
      close(streamed(createMetric('f1', { average: 'macro' }), score, c.yTrue), e.macro.f1, 'stateful macro f1');
    });
  }

  for (const c of cases('multiclass')) {
    it(`multiclass: ${c.name}`, () => {
      const e = c.expected;
      const score = c.yScore as number[][];
      const y = c.yTrue as number[];
      const oneHot = y.map((l) => Array.from({ length: c.numClasses! }, (_, j) => (j === l ? 1 : 0)));
      close(accuracy(y, score), e.accuracy, 'accuracy');
      close(accuracy(oneHot, score), e.accuracy, 'accuracy one-hot');
      close(accuracy(y, c.yPred), e.accuracy, 'accuracy labels');
      expect(confusionMatrix(y, score)).toEqual(e.confusionMatrix);
      expect(confusionMatrix(y, c.yPred, { numClasses: c.numClasses })).toEqual(e.confusionMatrix);
      close(rocAuc(y, score), e.rocAuc, 'rocAuc ovr macro');
      close(rocAuc(oneHot, score), e.rocAuc, 'rocAuc one-hot');
      close(meanAveragePrecision(y, score), e.meanAveragePrecision, 'mAP');
      close(averagePrecision(oneHot, score), e.meanAveragePrecision, 'averagePrecision (N, C)');
      for (const [k, v] of Object.entries((e.topK ?? {}) as Record<string, number>)) {
        close(topKAccuracy(y, score, Number(k)), v, `top-${k}`);
        close(streamed(createMetric(`top${k}`), score, y), v, `stateful top${k}`);
      }
      for (const avg of ['macro', 'micro', 'weighted'] as const) {
        const got = precisionRecallF1(y, score, { average: avg });
        close(got.precision, e[avg].precision, `precision ${avg}`);
        close(got.recall, e[avg].recall, `recall ${avg}`);
        close(got.f1, e[avg].f1, `f1 ${avg}`);
      }
      close(f1(y, c.yPred), e.macro.f1, 'default average is macro for multiclass');
      const rep = classificationReport(y, score, { labels: [...Array(c.numClasses).keys()] });
      const want = e.classificationReport;
      expect(rep.classes.map((r) => r.support)).toEqual(want.classes.map((r: any) => r.support));
      rep.classes.forEach((r, i) => {
        for (const k of ['precision', 'recall', 'f1'] as const) close(r[k], want.classes[i][k], `report ${i} ${k}`);
      });
      close(rep.accuracy, want.accuracy, 'report accuracy');
      for (const avg of ['macro', 'weighted'] as const) {
        for (const k of ['precision', 'recall', 'f1', 'support'] as const) close(rep[avg][k], want[avg][k], `report ${avg} ${k}`);
      }
      // Stateful, in uneven batches.
      close(streamed(createMetric('accuracy'), score, y, 37), e.accuracy, 'stateful accuracy');
      close(streamed(createMetric('f1'), score, y, 37), e.macro.f1, 'stateful f1');
      close(streamed(createMetric('precision', { average: 'weighted' }), score, oneHot, 37), e.weighted.precision, 'stateful weighted precision');
      close(streamed(createMetric('recall', { average: 'micro' }), score, y, 37), e.micro.recall, 'stateful micro recall');
      close(streamed(createMetric('auc'), score, y, 37), e.rocAuc, 'stateful auc');
      close(streamed(createMetric('map'), score, oneHot, 37), e.meanAveragePrecision, 'stateful map');
      close(streamed(createMetric('ap'), score, y, 37), e.meanAveragePrecision, 'stateful ap on (N, C)');
    });
  }

  for (const c of cases('labels')) {
    it(`labels: ${c.name}`, () => {
      close(accuracy(c.yTrue, c.yPred), c.expected.accuracy, 'accuracy');
      for (const avg of ['macro', 'micro', 'weighted'] as const) {
        const got = precisionRecallF1(c.yTrue, c.yPred, { average: avg });
        for (const k of ['precision', 'recall', 'f1'] as const) close(got[k], c.expected[avg][k], `${k} ${avg}`);
        close(streamed(createMetric('f1', { average: avg }), c.yPred, c.yTrue, 16), c.expected[avg].f1, `stateful f1 ${avg}`);
      }
    });
  }

  for (const c of cases('regression')) {
    it(`regression: ${c.name}`, () => {
      const e = c.expected;
      close(mse(c.yTrue, c.yPred), e.mse, 'mse');
      close(mae(c.yTrue, c.yPred), e.mae, 'mae');
      close(r2(c.yTrue, c.yPred), e.r2, 'r2');
      close(streamed(createMetric('mse'), c.yPred, c.yTrue, 9), e.mse, 'stateful mse');
      close(streamed(createMetric('mae'), c.yPred, c.yTrue, 9), e.mae, 'stateful mae');
      close(streamed(createMetric('r2'), c.yPred, c.yTrue, 9), e.r2, 'stateful r2');
    });
  }
});

describe('metrics: hand-computed cases', () => {
  it('accuracy: binary threshold, logits, categorical, one-hot', () => {
    expect(accuracy([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.5])).toBe(0.5); // 0.5 counts as positive
    expect(accuracy([0, 1, 1, 0], [-2, 3, -0.1, 0.4], { logits: true })).toBe(0.5);
    expect(accuracy([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.5], { threshold: 0.3 })).toBe(0.75);
    expect(accuracy([2, 0, 1], [[0.1, 0.2, 0.7], [0.5, 0.4, 0.1], [0.6, 0.3, 0.1]])).toBeCloseTo(2 / 3, 12);
    expect(accuracy([[0, 0, 1], [1, 0, 0]], [[0.1, 0.2, 0.7], [0.2, 0.5, 0.3]])).toBe(0.5);
  });

  it('accepts typed arrays, nested arrays and tensor-like objects alike', () => {
    const y = [2, 0, 1, 1];
    const s = [[0.1, 0.2, 0.7], [0.5, 0.4, 0.1], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]];
    expect(accuracy(Int32Array.from(y), tensor(s))).toBe(0.75);
    expect(accuracy(tensor(y, Int32Array), tensor(s))).toBe(0.75);
    expect(accuracy({ data: Float32Array.from(y), shape: [4, 1] }, s)).toBe(0.75);
    expect(toArrayLike({ data: new Float32Array(24), shape: [2, 3, 4] }, 'x').shape).toEqual([2, 12]);
    expect(toArrayLike(new Float32Array(3), 'x').shape).toEqual([3]);
    const f32 = tensor(s);
    expect(rocAuc(y.map((l) => (l === 1 ? 1 : 0)), { data: f32.data.filter((_, i) => i % 3 === 1), shape: [4] }))
      .toBe(rocAuc([0, 0, 1, 1], Array.from(f32.data.filter((_, i) => i % 3 === 1))));
  });

  it('topKAccuracy counts ties in the sample\'s favour', () => {
    const s = [[0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.1, 0.2, 0.7]];
    expect(topKAccuracy([1, 0, 0], s, 1)).toBe(0);
    expect(topKAccuracy([1, 0, 0], s, 2)).toBeCloseTo(2 / 3, 12); // row 1: 0.2 ties 0.2
    expect(topKAccuracy([1, 0, 0], s, 3)).toBe(1);
  });

  it('confusion matrix: rows true, columns predicted', () => {
    expect(confusionMatrix([0, 1, 2, 2, 1], [0, 2, 2, 1, 1])).toEqual([[1, 0, 0], [0, 1, 1], [0, 1, 1]]);
    expect(confusionMatrix([0, 1], [0, 0], { numClasses: 3 })).toEqual([[1, 0, 0], [1, 0, 0], [0, 0, 0]]);
  });

  it('precision / recall / f1 with zero division give 0', () => {
    // Class 1 never predicted: precision 0/0 -> 0, recall 0/2 -> 0, f1 -> 0.
    expect(precisionRecallF1([1, 1, 0], [0, 0, 0], { average: 'binary' })).toEqual({ precision: 0, recall: 0, f1: 0 });
    // tp=2 fp=1 fn=1
    const m = precisionRecallF1([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    // macro over classes {0, 1, 2}: per-class f1 = 1, 0, 2/3
    expect(f1([0, 1, 2, 2], [0, 2, 2, 1], { average: 'macro' })).toBeCloseTo((1 + 0 + 0.5) / 3, 12);
    expect(f1([0, 1, 2, 2], [0, 2, 2, 1], { average: 'micro' })).toBeCloseTo(0.5, 12);
    expect(f1([0, 1, 2], [0, 1, 2], { average: 'macro', labels: [0, 1, 2, 3] })).toBeCloseTo(0.75, 12);
  });

  it('rocAuc and averagePrecision on small rankings', () => {
    // Positives ranked 1st and 3rd of 4: AUC = 3/4; AP = 1 * 1/2 + 2/3 * 1/2.
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])).toBeCloseTo(0.75, 12);
    expect(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])).toBeCloseTo(0.5 + 1 / 3, 12);
    // A tie between a positive and a negative counts one half.
    expect(rocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(averagePrecision([1, 0], [0.5, 0.5])).toBe(0.5);
    // Scores need not be probabilities; two columns use column 1.
    expect(rocAuc([0, 1, 1], [-3, 10, 2])).toBe(1);
    expect(rocAuc([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])).toBe(1);
    expect(averagePrecision([0, 0, 0], [0.1, 0.2, 0.3])).toBe(0);
  });

  it('regression metrics', () => {
    expect(mse([1, 2, 3], [1, 2, 5])).toBeCloseTo(4 / 3, 12);
    expect(mae([1, 2, 3], [1, 2, 5])).toBeCloseTo(2 / 3, 12);
    expect(r2([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(r2([1, 2, 3], [2, 2, 2])).toBe(0);
    expect(r2([4, 4], [4, 4])).toBe(1);
    expect(r2([4, 4], [4, 5])).toBe(0);
    expect(mse({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }, [[1, 2], [3, 6]])).toBe(1);
  });

  it('classificationReport with names and labels', () => {
    const rep = classificationReport([0, 1, 2, 2], [0, 2, 2, 1], { targetNames: ['cat', 'dog', 'eel'] });
    expect(rep.classes.map((c) => [c.name, c.support])).toEqual([['cat', 1], ['dog', 1], ['eel', 2]]);
    expect(rep.classes[2].precision).toBe(0.5);
    expect(rep.accuracy).toBe(0.5);
    expect(rep.macro.support).toBe(4);
  });
});

describe('stateful metrics', () => {
  it('reset clears the state; result is NaN before any update', () => {
    const m = createMetric('accuracy');
    expect(m.result()).toBeNaN();
    m.update([0.9, 0.1], [1, 0]);
    expect(m.result()).toBe(1);
    m.reset();
    m.update([0.9, 0.1], [0, 0]);
    expect(m.result()).toBe(0.5);
    for (const name of ['precision', 'auc', 'ap', 'map', 'mse', 'mae', 'r2', 'top5']) {
      expect(createMetric(name).result()).toBeNaN();
    }
  });

  it('names and options', () => {
    expect(createMetric('top5').name).toBe('top5');
    expect(createMetric('topk', { k: 2 }).name).toBe('topk');
    expect(streamed(createMetric('topk', { k: 1 }), [[0.2, 0.8], [0.6, 0.4]], [1, 1])).toBe(0.5);
    expect(streamed(createMetric('accuracy', { logits: true }), [-1, 2, 0.3], [0, 1, 0])).toBeCloseTo(2 / 3, 12);
    expect(createMetrics(['accuracy', 'f1']).map((m) => m.name)).toEqual(['accuracy', 'f1']);
    const custom: Metric = { name: 'mine', reset() {}, update() {}, result: () => 42 };
    expect(createMetric(custom)).toBe(custom);
  });

  it('auc with a single class in the epoch gives NaN instead of throwing', () => {
    expect(streamed(createMetric('auc'), [0.1, 0.4], [1, 1])).toBeNaN();
  });

  it('accepts tensor-like batches', () => {
    const m = createMetric('accuracy');
    m.update({ data: new Float32Array([0.1, 0.9, 0.8, 0.2]), shape: [2, 2] }, { data: new Int32Array([1, 1]), shape: [2] });
    expect(m.result()).toBe(0.5);
  });
});

describe('metrics: errors', () => {
  const err = (fn: () => unknown): string => {
    try { fn(); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; }
    return 'no error';
  };

  it('length mismatch', () => {
    expect(err(() => accuracy([0, 1, 1], [0, 1]))).toBe('RangeError: Expected 3 samples (as in yTrue) for yPred but received 2 samples');
    expect(err(() => mse([1, 2, 3], [1, 2]))).toBe('RangeError: Expected shape [3] (as yTrue) for yPred but received shape [2]');
    expect(err(() => rocAuc([0, 1], [0.5]))).toBe('RangeError: Expected 2 samples (as in yTrue) for yScore but received 1 samples');
    expect(err(() => createMetric('accuracy').update([0.5, 0.2], [1]))).toBe('RangeError: Expected 2 samples (as in pred) for target but received 1 samples');
  });

  it('labels out of range or not integers', () => {
    expect(err(() => accuracy([0, 3], [[0.5, 0.5, 0], [0.1, 0.2, 0.7]]))).toBe('RangeError: Expected integer labels in [0, 2] for yTrue but received 3 at index 1');
    expect(err(() => confusionMatrix([0, 1, 2], [0, 1, 1], { numClasses: 2 }))).toBe('RangeError: Expected integer labels in [0, 1] for yTrue but received 2 at index 2');
    expect(err(() => accuracy([0, 1.5], [0, 1]))).toBe('RangeError: Expected non-negative integer labels for yTrue but received 1.5 at index 1');
    expect(err(() => accuracy([0, -1], [0, 1]))).toBe('RangeError: Expected non-negative integer labels for yTrue but received -1 at index 1');
    expect(err(() => precision([0, 2], [0, 1], { average: 'binary' }))).toBe("RangeError: Expected binary labels (0 or 1) with average 'binary' for yTrue but received 2 at index 1");
    expect(err(() => rocAuc([0, 2], [0.1, 0.2]))).toBe('RangeError: Expected binary targets (0 or 1) for yTrue but received 2 at index 1');
    expect(err(() => topKAccuracy([0, 5], [[1, 2], [3, 4]], 1))).toBe('RangeError: Expected integer labels in [0, 1] for yTrue but received 5 at index 1');
  });

  it('NaN and infinities', () => {
    expect(err(() => accuracy([0, 1], [0.2, NaN]))).toBe('RangeError: Expected finite values for yPred but received NaN at index 1');
    expect(err(() => rocAuc([0, 1], [[0.2, 0.8], [Infinity, 0]]))).toBe('RangeError: Expected finite values for yScore but received Infinity at [1, 0]');
    expect(err(() => mse([1, NaN], [1, 2]))).toBe('RangeError: Expected finite values for yTrue but received NaN at index 1');
    expect(err(() => createMetric('mse').update([1, NaN], [1, 2]))).toBe('RangeError: Expected finite values for pred but received NaN at index 1');
  });

  it('single class for AUC, bad inputs and options', () => {
    expect(err(() => rocAuc([1, 1], [0.2, 0.3]))).toBe('RangeError: Expected at least two classes for yTrue but received only class 1');
    expect(err(() => accuracy([], []))).toBe('RangeError: Expected at least one sample for yTrue but received an empty array');
    expect(err(() => accuracy('abc' as never, [1]))).toBe('TypeError: Expected number array, typed array, (N, C) nested array or tensor for yTrue but received "abc" of type string');
    expect(err(() => accuracy([0, 'a'] as never, [1, 1]))).toBe('TypeError: Expected numbers for yTrue but received "a" of type string at index 1');
    expect(err(() => accuracy([[0, 1], [1]], [1, 1]))).toBe('RangeError: Expected rectangular (N, C) array with C = 2 for yTrue but received row 1 as an array of length 1');
    expect(err(() => f1([0, 1], [0, 1], { average: 'samples' as never }))).toBe("RangeError: Expected one of 'binary', 'macro', 'micro', 'weighted' for average but received \"samples\" of type string");
    expect(err(() => topKAccuracy([0, 1], [[1, 2], [3, 4]], 0))).toBe('RangeError: Expected positive integer for k but received 0 of type number');
    expect(err(() => topKAccuracy([0, 1], [0.1, 0.2], 1))).toBe('RangeError: Expected scores of shape [N, C] with C >= 2 for yScore but received shape [2]');
    expect(err(() => accuracy({ data: new Float32Array(3), shape: [2, 2] }, [1]))).toBe('RangeError: Expected tensor whose shape matches its data length for yTrue but received shape [2, 2] with 3 values');
  });

  it('metric names are validated', () => {
    expect(err(() => createMetric('foo'))).toBe(
      "RangeError: Expected one of 'accuracy', 'topk', 'top5', 'precision', 'recall', 'f1', 'auc', 'ap', 'map', 'mse', 'mae', 'r2' for metric but received \"foo\" of type string");
    expect(err(() => createMetric(3 as never))).toBe(
      "TypeError: Expected one of 'accuracy', 'topk', 'top5', 'precision', 'recall', 'f1', 'auc', 'ap', 'map', 'mse', 'mae', 'r2' for metric but received 3 of type number");
    expect(err(() => createMetric({ name: 'x' } as never))).toBe('TypeError: Expected metric name or object with name, reset, update and result for metric but received an object');
    expect(err(() => createMetrics(['f1', 'f1']))).toBe('RangeError: Expected unique metric names for metrics but received "f1" twice');
    expect(err(() => createMetric('f1', { average: 'bogus' as never }))).toBe("RangeError: Expected one of 'binary', 'macro', 'micro', 'weighted' for average but received \"bogus\" of type string");
  });
});

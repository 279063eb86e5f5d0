/**
 * Label-based classification metrics: accuracy, top-k accuracy, confusion matrix,
 * precision / recall / F1 (binary, macro, micro, weighted) and a per-class report.
 * Definitions follow scikit-learn with zero_division=0 (checked against its values in
 * test/fixtures/sklearn/metrics.json).
 */
import { assertOneOf, assertPlainObject, describe, expected, is } from '../../core/validate';
import {
  ArrayView, MetricInput, PredictionOptions, assertFiniteValues, assertNonEmpty, assertSameRows,
  checkNumClasses, inferNumClasses, toArrayLike, toLabels, toPredictedLabels,
} from './input';

export type Average = 'binary' | 'macro' | 'micro' | 'weighted';
export const AVERAGES: readonly Average[] = ['binary', 'macro', 'micro', 'weighted'];

export interface ClassificationOptions extends PredictionOptions {
  /** Labels are integers in [0, numClasses); larger labels throw. */
  numClasses?: number;
}

export interface PrfOptions extends ClassificationOptions {
  /**
   * 'binary' scores class 1 only; 'macro' is the unweighted mean over classes, 'weighted'
   * weighs by support, 'micro' pools the counts. Default: 'binary' when predictions are one
   * column and all labels are 0/1, else 'macro'.
   */
  average?: Average;
  /** Classes to average over (default: those present in yTrue or yPred, like scikit-learn). */
  labels?: readonly number[];
}

function checkOpts(opts: unknown): Record<string, unknown> {
  if (opts === undefined) return {};
  assertPlainObject(opts, 'options');
  return opts;
}

/** Reads yTrue and yPred as label arrays of equal length. */
function readPair(yTrue: MetricInput, yPred: MetricInput, opts: ClassificationOptions):
  { t: Int32Array; p: Int32Array; pv: ArrayView } {
  const numClasses = checkNumClasses(opts.numClasses);
  const tv = toArrayLike(yTrue, 'yTrue');
  const pv = toArrayLike(yPred, 'yPred');
  assertSameRows(tv, 'yTrue', pv, 'yPred');
  assertNonEmpty(tv, 'yTrue');
  if (opts.threshold !== undefined && !is.finite(opts.threshold)) {
    throw new RangeError(expected('finite number', 'threshold', describe(opts.threshold)));
  }
  const t = toLabels(tv, 'yTrue', numClasses);
  const p = toPredictedLabels(pv, 'yPred', opts, numClasses);
  if (numClasses === undefined && pv.cols > 1) {
    // Scores define the number of classes: labels beyond it can never be predicted.
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= pv.cols) {
        throw new RangeError(expected(`integer labels in [0, ${pv.cols - 1}]`, 'yTrue', `${t[i]} at index ${i}`));
      }
    }
  }
  return { t, p, pv };
}

/**
 * Fraction of samples whose predicted label equals the true label.
 * yPred: (N, C) scores (argmax), or one column of probabilities (threshold 0.5), logits
 * (`logits: true`, threshold 0) or integer labels. yTrue: integer labels or one-hot (N, C).
 */
export function accuracy(yTrue: MetricInput, yPred: MetricInput, opts: ClassificationOptions = {}): number {
  const o = checkOpts(opts) as ClassificationOptions;
  const { t, p } = readPair(yTrue, yPred, o);
  let correct = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) correct++;
  return correct / t.length;
}

/**
 * Fraction of samples whose true class is among the k highest scores. Ties count in the
 * sample's favour: a sample is correct when fewer than k classes score strictly higher.
 */
export function topKAccuracy(yTrue: MetricInput, yScore: MetricInput, k = 5): number {
  if (typeof k !== 'number') throw new TypeError(expected('positive integer', 'k', describe(k)));
  if (!Number.isInteger(k) || k < 1) throw new RangeError(expected('positive integer', 'k', describe(k)));
  const tv = toArrayLike(yTrue, 'yTrue');
  const sv = toArrayLike(yScore, 'yScore');
  assertSameRows(tv, 'yTrue', sv, 'yScore');
  assertNonEmpty(tv, 'yTrue');
  if (sv.shape.length !== 2 || sv.cols < 2) {
    throw new RangeError(expected('scores of shape [N, C] with C >= 2', 'yScore', `shape [${sv.shape.join(', ')}]`));
  }
  assertFiniteValues(sv, 'yScore');
  const t = toLabels(tv, 'yTrue', sv.cols);
  return topKCorrect(t, sv.data, sv.cols, k) / t.length;
}

/** Number of rows whose true class ranks within the top k (ties favourable). */
export function topKCorrect(t: Int32Array, s: ArrayLike<number>, cols: number, k: number): number {
  let correct = 0;
  for (let i = 0; i < t.length; i++) {
    const ts = s[i * cols + t[i]];
    let higher = 0;
    for (let j = 0; j < cols; j++) if (s[i * cols + j] > ts) higher++;
    if (higher < k) correct++;
  }
  return correct;
}

/**
 * Confusion matrix: cm[i][j] counts samples of true class i predicted as class j.
 * Size: numClasses when given, else the number of score columns or the largest label + 1.
 */
export function confusionMatrix(yTrue: MetricInput, yPred: MetricInput, opts: ClassificationOptions = {}): number[][] {
  const o = checkOpts(opts) as ClassificationOptions;
  const { t, p, pv } = readPair(yTrue, yPred, o);
  const k = o.numClasses ?? Math.max(inferNumClasses(t, p), pv.cols > 1 ? pv.cols : 0);
  const cm = countMatrix(t, p, k);
  const out: number[][] = [];
  for (let i = 0; i < k; i++) out.push(Array.from(cm.subarray(i * k, (i + 1) * k)));
  return out;
}

/** Flat k x k count matrix (row = true, column = predicted). */
export function countMatrix(t: Int32Array, p: Int32Array, k: number): Float64Array {
  const cm = new Float64Array(k * k);
  for (let i = 0; i < t.length; i++) cm[t[i] * k + p[i]]++;
  return cm;
}

/** Per-class counts derived from a flat confusion matrix. */
export interface ClassCounts { tp: number; fp: number; fn: number; support: number }

export function classCounts(cm: ArrayLike<number>, k: number, c: number): ClassCounts {
  if (c >= k) return { tp: 0, fp: 0, fn: 0, support: 0 };
  let row = 0;
  let col = 0;
  for (let j = 0; j < k; j++) { row += cm[c * k + j]; col += cm[j * k + c]; }
  const tp = cm[c * k + c];
  return { tp, fp: col - tp, fn: row - tp, support: row };
}

const div = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export interface Prf { precision: number; recall: number; f1: number }

/** Precision, recall and F1 of one class (zero division gives 0). */
export function prfOf(c: ClassCounts): Prf {
  return {
    precision: div(c.tp, c.tp + c.fp),
    recall: div(c.tp, c.tp + c.fn),
    f1: div(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}

/** Classes present in a flat confusion matrix (non-zero row or column), ascending. */
export function presentLabels(cm: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < k; c++) {
    const s = classCounts(cm, k, c);
    if (s.support > 0 || s.tp + s.fp > 0) out.push(c);
  }
  return out;
}

/** Averages precision/recall/F1 over `labels` from a flat confusion matrix. */
export function averagePrf(cm: ArrayLike<number>, k: number, average: Average, labels: readonly number[]): Prf {
  if (average === 'binary') return prfOf(classCounts(cm, k, 1));
  if (average === 'micro') {
    const s = { tp: 0, fp: 0, fn: 0, support: 0 };
    for (const c of labels) {
      const x = classCounts(cm, k, c);
      s.tp += x.tp; s.fp += x.fp; s.fn += x.fn;
    }
    return prfOf(s);
  }
  let p = 0; let r = 0; let f = 0; let w = 0;
  for (const c of labels) {
    const counts = classCounts(cm, k, c);
    const m = prfOf(counts);
    const weight = average === 'weighted' ? counts.support : 1;
    p += m.precision * weight; r += m.recall * weight; f += m.f1 * weight; w += weight;
  }
  return { precision: div(p, w), recall: div(r, w), f1: div(f, w) };
}

/** The `labels` option (which classes to report): a non-empty array of non-negative integer class ids, or undefined. */
function checkClassIdsOption(labels: unknown): readonly number[] | undefined {
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels) || labels.length === 0 ||
    labels.some((l) => typeof l !== 'number' || !Number.isInteger(l) || l < 0)) {
    throw new TypeError(expected('non-empty array of non-negative integer labels', 'labels', describe(labels)));
  }
  return labels;
}

/** Precision, recall and F1 together (one pass over the data). */
export function precisionRecallF1(yTrue: MetricInput, yPred: MetricInput, opts: PrfOptions = {}): Prf {
  const o = checkOpts(opts) as PrfOptions;
  if (o.average !== undefined) assertOneOf(o.average, 'average', AVERAGES);
  const labels = checkClassIdsOption(o.labels);
  const { t, p, pv } = readPair(yTrue, yPred, o);
  const binaryData = pv.cols === 1 && t.every((x) => x <= 1) && p.every((x) => x <= 1);
  const average = o.average ?? (binaryData ? 'binary' : 'macro');
  if (average === 'binary') {
    for (const [arr, name] of [[t, 'yTrue'], [p, 'yPred']] as const) {
      const i = arr.findIndex((x) => x > 1);
      if (i >= 0) {
        throw new RangeError(expected("binary labels (0 or 1) with average 'binary'", name, `${arr[i]} at index ${i}`));
      }
    }
  }
  const k = Math.max(inferNumClasses(t, p), 2, ...(labels ?? []).map((l) => l + 1));
  const cm = countMatrix(t, p, k);
  return averagePrf(cm, k, average, labels ?? presentLabels(cm, k));
}

/** Precision: tp / (tp + fp), averaged as asked (see PrfOptions). */
export function precision(yTrue: MetricInput, yPred: MetricInput, opts: PrfOptions = {}): number {
  return precisionRecallF1(yTrue, yPred, opts).precision;
}

/** Recall: tp / (tp + fn), averaged as asked (see PrfOptions). */
export function recall(yTrue: MetricInput, yPred: MetricInput, opts: PrfOptions = {}): number {
  return precisionRecallF1(yTrue, yPred, opts).recall;
}

/** F1: 2 tp / (2 tp + fp + fn), averaged as asked (macro/weighted average per-class F1). */
export function f1(yTrue: MetricInput, yPred: MetricInput, opts: PrfOptions = {}): number {
  return precisionRecallF1(yTrue, yPred, opts).f1;
}

export interface ClassReportRow { label: number; name: string; precision: number; recall: number; f1: number; support: number }
export interface ClassReportAverage { precision: number; recall: number; f1: number; support: number }
export interface ClassReport {
  classes: ClassReportRow[];
  accuracy: number;
  macro: ClassReportAverage;
  weighted: ClassReportAverage;
}

export interface ClassReportOptions extends ClassificationOptions {
  /** Classes to report (default: 0..targetNames.length-1 when names are given, else those present). */
  labels?: readonly number[];
  /** Display names, one per reported label. */
  targetNames?: readonly string[];
}

/** Per-class precision, recall, F1 and support, plus accuracy and macro/weighted averages. */
export function classificationReport(yTrue: MetricInput, yPred: MetricInput, opts: ClassReportOptions = {}): ClassReport {
  const o = checkOpts(opts) as ClassReportOptions;
  let labels = checkClassIdsOption(o.labels);
  const names = o.targetNames;
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
    throw new TypeError(expected('array of strings', 'targetNames', describe(names)));
  }
  const { t, p } = readPair(yTrue, yPred, o);
  if (labels === undefined && names !== undefined) labels = names.map((_, i) => i);
  const k = Math.max(inferNumClasses(t, p), 2, ...(labels ?? []).map((l) => l + 1));
  const cm = countMatrix(t, p, k);
  const ls = labels ?? presentLabels(cm, k);
  if (names !== undefined && names.length !== ls.length) {
    throw new RangeError(expected(`${ls.length} target names (one per label)`, 'targetNames', `${names.length}`));
  }
  let correct = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) correct++;
  const classes = ls.map((c, i) => {
    const counts = classCounts(cm, k, c);
    return { label: c, name: names ? names[i] : String(c), ...prfOf(counts), support: counts.support };
  });
  const support = classes.reduce((a, c) => a + c.support, 0);
  return {
    classes,
    accuracy: correct / t.length,
    macro: { ...averagePrf(cm, k, 'macro', ls), support },
    weighted: { ...averagePrf(cm, k, 'weighted', ls), support },
  };
}

/**
 * Stateful metrics for the Trainer: `update(pred, target)` once per batch, `result()` at the
 * end of an epoch, `reset()` before the next. Each keeps only what its definition needs
 * (counts for accuracy and precision/recall/F1, sums for regression, scores for AUC/AP), so
 * the epoch result equals the functional metric over the whole epoch.
 */
import { assertOneOf, assertPlainObject, describe, expected, is } from '../../core/validate';
import { AVERAGES, Average, averagePrf, presentLabels, topKCorrect } from './classification';
import {
  ArrayView, MetricInput, PredictionOptions, assertFiniteValues, assertSameRows, checkNumClasses,
  toArrayLike, toLabels, toPredictedLabels,
} from './input';
import { binaryApOf, binaryAucOf, macroOver, skipForAp, skipForAuc } from './ranking';
import { r2FromSums } from './regression';

export interface Metric {
  /** Key in the training history ('accuracy', 'f1', ...; validation adds a 'val_' prefix). */
  readonly name: string;
  reset(): void;
  update(pred: MetricInput, target: MetricInput): void;
  /** Value over everything seen since the last reset; NaN before any update. */
  result(): number;
}

export const METRIC_NAMES = ['accuracy', 'topk', 'top5', 'precision', 'recall', 'f1', 'auc', 'ap',
  'map', 'mse', 'mae', 'r2'] as const;
export type MetricName = (typeof METRIC_NAMES)[number] | `top${number}`;

export interface MetricOptions extends PredictionOptions {
  /** precision/recall/f1: default 'binary' for one output column with 0/1 labels, else 'macro'. */
  average?: Average;
  /** topk: k (default 5, or the number in 'top<k>'). */
  k?: number;
  /** Labels must be below this (checked on every update). */
  numClasses?: number;
}

/** Both arguments as views with equal numbers of rows. */
function readBatch(pred: MetricInput, target: MetricInput): { pv: ArrayView; tv: ArrayView } {
  const pv = toArrayLike(pred, 'pred');
  const tv = toArrayLike(target, 'target');
  assertSameRows(pv, 'pred', tv, 'target');
  return { pv, tv };
}

class Accuracy implements Metric {
  private correct = 0;
  private total = 0;
  constructor(readonly name: string, private readonly opts: MetricOptions) {}
  reset(): void { this.correct = 0; this.total = 0; }
  update(pred: MetricInput, target: MetricInput): void {
    const { pv, tv } = readBatch(pred, target);
    const p = toPredictedLabels(pv, 'pred', this.opts, this.opts.numClasses);
    const t = toLabels(tv, 'target', this.opts.numClasses);
    for (let i = 0; i < t.length; i++) if (t[i] === p[i]) this.correct++;
    this.total += t.length;
  }
  result(): number { return this.total === 0 ? NaN : this.correct / this.total; }
}

class TopK implements Metric {
  private correct = 0;
  private total = 0;
  constructor(readonly name: string, private readonly k: number) {}
  reset(): void { this.correct = 0; this.total = 0; }
  update(pred: MetricInput, target: MetricInput): void {
    const { pv, tv } = readBatch(pred, target);
    if (pv.shape.length !== 2 || pv.cols < 2) {
      throw new RangeError(expected('scores of shape [N, C] with C >= 2', 'pred', `shape [${pv.shape.join(', ')}]`));
    }
    assertFiniteValues(pv, 'pred');
    const t = toLabels(tv, 'target', pv.cols);
    this.correct += topKCorrect(t, pv.data, pv.cols, this.k);
    this.total += t.length;
  }
  result(): number { return this.total === 0 ? NaN : this.correct / this.total; }
}

/** Precision, recall or F1 from a confusion matrix that grows as new classes appear. */
class Prf implements Metric {
  private k = 2;
  private cm = new Float64Array(4);
  private binary = true;
  private seen = false;
  constructor(readonly name: string, private readonly which: 'precision' | 'recall' | 'f1',
    private readonly opts: MetricOptions) {}
  reset(): void { this.k = 2; this.cm = new Float64Array(4); this.binary = true; this.seen = false; }
  update(pred: MetricInput, target: MetricInput): void {
    const { pv, tv } = readBatch(pred, target);
    const p = toPredictedLabels(pv, 'pred', this.opts, this.opts.numClasses);
    const t = toLabels(tv, 'target', this.opts.numClasses);
    let max = this.k - 1;
    for (let i = 0; i < t.length; i++) max = Math.max(max, t[i], p[i]);
    if (pv.cols > 1 || max > 1) this.binary = false;
    if (this.opts.average === 'binary' && max > 1) {
      const bad = t.findIndex((x) => x > 1);
      throw new RangeError(bad >= 0
        ? expected("binary labels (0 or 1) with average 'binary'", 'target', `${t[bad]} at index ${bad}`)
        : expected("binary labels (0 or 1) with average 'binary'", 'pred', `${max}`));
    }
    if (max + 1 > this.k) this.grow(max + 1);
    const k = this.k;
    for (let i = 0; i < t.length; i++) this.cm[t[i] * k + p[i]]++;
    this.seen = this.seen || t.length > 0;
  }
  private grow(k: number): void {
    const cm = new Float64Array(k * k);
    for (let i = 0; i < this.k; i++) for (let j = 0; j < this.k; j++) cm[i * k + j] = this.cm[i * this.k + j];
    this.cm = cm;
    this.k = k;
  }
  result(): number {
    if (!this.seen) return NaN;
    const average = this.opts.average ?? (this.binary ? 'binary' : 'macro');
    return averagePrf(this.cm, this.k, average, presentLabels(this.cm, this.k))[this.which];
  }
}

/** Keeps every score and label of the epoch (AUC and AP need the full ranking). */
class ScoreMetric implements Metric {
  private scores = new Float64Array(1024);
  private labels = new Int32Array(1024);
  private n = 0;
  private cols = 0;
  constructor(readonly name: string, private readonly kind: 'auc' | 'ap' | 'map') {}
  reset(): void { this.n = 0; this.cols = 0; }
  update(pred: MetricInput, target: MetricInput): void {
    const { pv, tv } = readBatch(pred, target);
    assertFiniteValues(pv, 'pred');
    if (this.n > 0 && pv.cols !== this.cols) {
      throw new RangeError(expected(`${this.cols} score columns (as in earlier batches)`, 'pred', `${pv.cols}`));
    }
    const cols = pv.cols;
    const t = toLabels(tv, 'target', cols <= 2 ? 2 : cols);
    const need = this.n + pv.rows;
    if (need > this.labels.length) {
      const cap = Math.max(need, this.labels.length * 2);
      const l = new Int32Array(cap); l.set(this.labels.subarray(0, this.n)); this.labels = l;
    }
    if (need * cols > this.scores.length) {
      const s = new Float64Array(Math.max(need * cols, this.scores.length * 2));
      s.set(this.scores.subarray(0, this.n * cols)); this.scores = s;
    }
    this.labels.set(t, this.n);
    const d = pv.data;
    const off = this.n * cols;
    for (let i = 0; i < d.length; i++) this.scores[off + i] = d[i];
    this.n = need;
    this.cols = cols;
  }
  result(): number {
    const { n, cols } = this;
    if (n === 0) return NaN;
    const t = this.labels.subarray(0, n);
    const s = this.scores.subarray(0, n * cols);
    const macro = this.kind === 'map' ? cols >= 2 : cols > 2;
    const fn = this.kind === 'auc' ? binaryAucOf : binaryApOf;
    if (!macro) return fn(s, n, cols, cols - 1, (i) => t[i] === 1);
    return macroOver(t, s, cols, fn, this.kind === 'auc' ? skipForAuc : skipForAp);
  }
}

class Regression implements Metric {
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, private readonly kind: 'mse' | 'mae') {}
  reset(): void { this.sum = 0; this.count = 0; }
  update(pred: MetricInput, target: MetricInput): void {
    const { pv, tv } = readRegression(pred, target);
    const p = pv.data;
    const t = tv.data;
    let s = 0;
    if (this.kind === 'mse') for (let i = 0; i < t.length; i++) { const d = t[i] - p[i]; s += d * d; }
    else for (let i = 0; i < t.length; i++) s += Math.abs(t[i] - p[i]);
    this.sum += s;
    this.count += t.length;
  }
  result(): number { return this.count === 0 ? NaN : this.sum / this.count; }
}

function readRegression(pred: MetricInput, target: MetricInput): { pv: ArrayView; tv: ArrayView } {
  const { pv, tv } = readBatch(pred, target);
  if (pv.data.length !== tv.data.length) {
    throw new RangeError(expected(`shape [${tv.shape.join(', ')}] (as target)`, 'pred', `shape [${pv.shape.join(', ')}]`));
  }
  assertFiniteValues(pv, 'pred');
  assertFiniteValues(tv, 'target');
  return { pv, tv };
}

/** R^2 with per-column running mean / sum of squares (Chan et al. merge) and residual sums. */
class R2 implements Metric {
  private cols = 0;
  private n = 0;
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private ssRes = new Float64Array(0);
  constructor(readonly name: string) {}
  reset(): void { this.cols = 0; this.n = 0; }
  update(pred: MetricInput, target: MetricInput): void {
    const { pv, tv } = readRegression(pred, target);
    const cols = tv.cols;
    if (this.n > 0 && cols !== this.cols) {
      throw new RangeError(expected(`${this.cols} target columns (as in earlier batches)`, 'target', `${cols}`));
    }
    if (this.n === 0) {
      this.cols = cols;
      this.mean = new Float64Array(cols); this.m2 = new Float64Array(cols); this.ssRes = new Float64Array(cols);
    }
    const nb = tv.rows;
    if (nb === 0) return;
    for (let c = 0; c < cols; c++) {
      let bm = 0;
      for (let i = 0; i < nb; i++) bm += tv.data[i * cols + c];
      bm /= nb;
      let bm2 = 0;
      let res = 0;
      for (let i = 0; i < nb; i++) {
        const y = tv.data[i * cols + c];
        bm2 += (y - bm) * (y - bm);
        res += (y - pv.data[i * cols + c]) ** 2;
      }
      const na = this.n;
      const tot = na + nb;
      const delta = bm - this.mean[c];
      this.mean[c] += delta * nb / tot;
      this.m2[c] += bm2 + delta * delta * na * nb / tot;
      this.ssRes[c] += res;
    }
    this.n += nb;
  }
  result(): number {
    if (this.n === 0) return NaN;
    let s = 0;
    for (let c = 0; c < this.cols; c++) s += r2FromSums(this.ssRes[c], this.m2[c]);
    return s / this.cols;
  }
}

function isMetricObject(v: unknown): v is Metric {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m.name === 'string' && is.func(m.reset) && is.func(m.update) && is.func(m.result);
}

/**
 * Builds a metric from its name ('accuracy', 'topk' / 'top5' / 'top<k>', 'precision', 'recall',
 * 'f1', 'auc', 'ap', 'map', 'mse', 'mae', 'r2') or returns a user Metric object unchanged.
 */
export function createMetric(name: MetricName | Metric, opts: MetricOptions = {}): Metric {
  if (typeof name === 'object' && name !== null) {
    if (isMetricObject(name)) return name;
    throw new TypeError(expected('metric name or object with name, reset, update and result', 'metric', describe(name)));
  }
  if (opts !== undefined) assertPlainObject(opts, 'options');
  if (opts.average !== undefined) assertOneOf(opts.average, 'average', AVERAGES);
  checkNumClasses(opts.numClasses);
  if (opts.threshold !== undefined && !is.finite(opts.threshold)) {
    throw new RangeError(expected('finite number', 'threshold', describe(opts.threshold)));
  }
  const topMatch = typeof name === 'string' ? /^top([1-9][0-9]*)$/.exec(name) : null;
  if (!topMatch) assertOneOf(name, 'metric', METRIC_NAMES);
  switch (name) {
    case 'accuracy': return new Accuracy(name, opts);
    case 'precision': case 'recall': case 'f1': return new Prf(name, name, opts);
    case 'auc': case 'ap': case 'map': return new ScoreMetric(name, name);
    case 'mse': case 'mae': return new Regression(name, name);
    case 'r2': return new R2(name);
    default: {
      const k = opts.k ?? (topMatch ? Number(topMatch[1]) : 5);
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
        throw new RangeError(expected('positive integer', 'k', describe(k)));
      }
      return new TopK(name, k);
    }
  }
}

/** Builds a list of metrics; throws on duplicate names (they would share a history key). */
export function createMetrics(list: readonly (MetricName | Metric)[], opts: MetricOptions = {}): Metric[] {
  if (!Array.isArray(list)) throw new TypeError(expected('array of metric names or objects', 'metrics', describe(list)));
  const out = list.map((m) => createMetric(m, opts));
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.name)) throw new RangeError(expected('unique metric names', 'metrics', `"${m.name}" twice`));
    seen.add(m.name);
  }
  return out;
}

/**
 * Splits: trainTestSplit (seeded, optionally stratified), kFold and stratifiedKFold with the
 * fold layout of scikit-learn's KFold / StratifiedKFold (identical folds when shuffle is off).
 */
import { assertBoolean, assertPlainObject, describe, expected, typeError } from '../core/validate';
import { Rng, globalRng } from '../core/random';
import { Dataset, TensorDataset, subset } from './dataset';
import { LabelsInput, readLabels, bincount } from './labels';

export interface IndexSplit {
  train: Int32Array;
  test: Int32Array;
}

export interface TrainTestSplitOptions {
  /** Fraction in (0, 1) or a count of test samples (default 0.25). */
  testSize?: number;
  /** Shuffle before splitting (default true); must be true when stratifying. */
  shuffle?: boolean;
  /** Seed (default: a fork of the global generator, see ng.setSeed). */
  seed?: number;
  /** Keep class proportions: true uses the dataset's labels y; or pass the labels. */
  stratify?: boolean | LabelsInput;
}

function rngFor(seed: number | undefined): Rng {
  return seed !== undefined ? new Rng(seed) : globalRng.fork();
}

function testCount(n: number, testSize: unknown): number {
  if (typeof testSize !== 'number') typeError('fraction in (0, 1) or positive integer count', 'testSize', testSize);
  let t: number;
  if (testSize > 0 && testSize < 1) t = Math.ceil(testSize * n);
  else if (Number.isInteger(testSize) && testSize >= 1) t = testSize;
  else throw new RangeError(expected('fraction in (0, 1) or positive integer count', 'testSize', describe(testSize)));
  if (t >= n) {
    throw new RangeError(expected(`fewer than ${n} test samples (so that training keeps one)`, 'testSize', describe(testSize)));
  }
  return t;
}

/** Index split of n samples. */
export function trainTestSplitIndices(n: number, opts: TrainTestSplitOptions = {}, labels?: Int32Array): IndexSplit {
  assertPlainObject(opts as unknown, 'options');
  const shuffle = opts.shuffle ?? true;
  assertBoolean(shuffle, 'shuffle');
  const nTest = testCount(n, opts.testSize ?? 0.25);
  const nTrain = n - nTest;
  if (!labels) {
    if (!shuffle) {
      return { train: Int32Array.from({ length: nTrain }, (_, i) => i), test: Int32Array.from({ length: nTest }, (_, i) => nTrain + i) };
    }
    const perm = rngFor(opts.seed).permutation(n);
    return { train: perm.slice(nTest), test: perm.slice(0, nTest) };
  }
  if (!shuffle) throw new TypeError(expected('shuffle true when stratify is set', 'shuffle', 'false of type boolean'));
  if (labels.length !== n) throw new RangeError(expected(`${n} labels (one per sample)`, 'stratify', `${labels.length} labels`));
  const counts = bincount(labels);
  const present = Array.from(counts).filter((c) => c > 0).length;
  if (nTest < present || nTrain < present) {
    throw new RangeError(expected(`a split with at least ${present} samples (one per class) on each side`, 'testSize',
      `${nTest} test and ${nTrain} train samples`));
  }
  // Test samples per class: proportional, rounded by largest remainder.
  const k = counts.length;
  const want = new Int32Array(k);
  const rem: { c: number; r: number }[] = [];
  let given = 0;
  for (let c = 0; c < k; c++) {
    const exact = (counts[c] * nTest) / n;
    want[c] = Math.floor(exact);
    given += want[c];
    rem.push({ c, r: exact - want[c] });
  }
  rem.sort((a, b) => b.r - a.r || a.c - b.c);
  for (let i = 0; given < nTest; i++) {
    const c = rem[i % k].c;
    if (want[c] < counts[c]) { want[c]++; given++; }
  }
  const rng = rngFor(opts.seed);
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) byClass[labels[i]].push(i);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < k; c++) {
    const idx = rng.shuffle(byClass[c]);
    for (let i = 0; i < idx.length; i++) (i < want[c] ? test : train).push(idx[i]);
  }
  return { train: rng.shuffle(Int32Array.from(train)), test: rng.shuffle(Int32Array.from(test)) };
}

/**
 * Splits a dataset into new train and test datasets (rows copied with the native gather), or,
 * given a sample count n, returns the index arrays.
 */
export function trainTestSplit(ds: Dataset, opts?: TrainTestSplitOptions): { train: TensorDataset; test: TensorDataset };
export function trainTestSplit(n: number, opts?: TrainTestSplitOptions): IndexSplit;
export function trainTestSplit(ds: Dataset | number, opts: TrainTestSplitOptions = {}): { train: TensorDataset; test: TensorDataset } | IndexSplit {
  assertPlainObject(opts as unknown, 'options');
  let labels: Int32Array | undefined;
  if (opts.stratify !== undefined && opts.stratify !== false) {
    if (opts.stratify === true) {
      if (typeof ds === 'number') throw new TypeError(expected('labels (not true) when splitting a count', 'stratify', 'true of type boolean'));
      labels = readLabels(ds, 'stratify');
    } else {
      labels = readLabels(opts.stratify, 'stratify');
    }
  }
  if (typeof ds === 'number') {
    if (!Number.isInteger(ds) || ds < 2) throw new RangeError(expected('integer >= 2 (number of samples)', 'n', describe(ds)));
    return trainTestSplitIndices(ds, opts, labels);
  }
  if (typeof ds !== 'object' || ds === null || !('x' in ds)) typeError('Dataset or sample count', 'dataset', ds);
  const split = trainTestSplitIndices(ds.length, opts, labels);
  return { train: subset(ds, split.train), test: subset(ds, split.test) };
}

export interface KFoldOptions {
  /** Number of folds (default 5). */
  k?: number;
  /** Shuffle before folding (default false, as in scikit-learn). */
  shuffle?: boolean;
  seed?: number;
}

function foldOptions(opts: KFoldOptions, n: number): { k: number; shuffle: boolean } {
  assertPlainObject(opts as unknown, 'options');
  const k = opts.k ?? 5;
  if (typeof k !== 'number') typeError('integer >= 2', 'k', k);
  if (!Number.isInteger(k) || k < 2) throw new RangeError(expected('integer >= 2', 'k', describe(k)));
  if (k > n) throw new RangeError(expected(`at most ${n} folds (one sample each)`, 'k', describe(k)));
  const shuffle = opts.shuffle ?? false;
  assertBoolean(shuffle, 'shuffle');
  return { k, shuffle };
}

function foldsFromAssignment(fold: Int32Array, k: number): IndexSplit[] {
  const out: IndexSplit[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < fold.length; i++) (fold[i] === f ? test : train).push(i);
    out.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return out;
}

function sampleCount(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 2) throw new RangeError(expected('integer >= 2 (number of samples)', 'n', describe(v)));
    return v;
  }
  if (typeof v === 'object' && v !== null && typeof (v as Dataset).length === 'number' && 'x' in v) return (v as Dataset).length;
  typeError('sample count or Dataset', 'n', v);
}

/** k folds of n samples (or of a dataset's rows): the first n % k folds get one extra sample. */
export function kFold(n: number | Dataset, opts: KFoldOptions = {}): IndexSplit[] {
  const count = sampleCount(n);
  const { k, shuffle } = foldOptions(opts, count);
  const order = shuffle ? rngFor(opts.seed).permutation(count) : Int32Array.from({ length: count }, (_, i) => i);
  const fold = new Int32Array(count);
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(count / k) + (f < count % k ? 1 : 0);
    for (let i = start; i < start + size; i++) fold[order[i]] = f;
    start += size;
  }
  return foldsFromAssignment(fold, k);
}

/** k folds keeping class proportions (scikit-learn's StratifiedKFold allocation). */
export function stratifiedKFold(labels: LabelsInput, opts: KFoldOptions = {}): IndexSplit[] {
  const y = readLabels(labels, 'labels');
  const { k, shuffle } = foldOptions(opts, y.length);
  // Classes numbered by first appearance, as scikit-learn does.
  const firstSeen = new Map<number, number>();
  const enc = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    if (!firstSeen.has(y[i])) firstSeen.set(y[i], firstSeen.size);
    enc[i] = firstSeen.get(y[i])!;
  }
  const nc = firstSeen.size;
  const counts = bincount(enc, nc);
  if (counts.every((c) => k > c)) {
    throw new RangeError(expected(`at most ${Math.max(...counts)} folds (the size of the largest class)`, 'k', describe(k)));
  }
  const sorted = Int32Array.from(enc).sort();
  const alloc: Int32Array[] = [];
  for (let f = 0; f < k; f++) {
    const a = new Int32Array(nc);
    for (let i = f; i < sorted.length; i += k) a[sorted[i]]++;
    alloc.push(a);
  }
  const rng = shuffle ? rngFor(opts.seed) : null;
  const fold = new Int32Array(y.length);
  for (let c = 0; c < nc; c++) {
    const folds: number[] = [];
    for (let f = 0; f < k; f++) for (let r = 0; r < alloc[f][c]; r++) folds.push(f);
    if (rng) rng.shuffle(folds);
    let j = 0;
    for (let i = 0; i < y.length; i++) if (enc[i] === c) fold[i] = folds[j++];
  }
  return foldsFromAssignment(fold, k);
}

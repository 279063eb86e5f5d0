/**
 * Class-imbalance helpers, as scikit-learn computes them:
 *   computeClassWeights(y, 'balanced')  -> n_samples / (n_classes * bincount(y)) per class
 *   computeSampleWeights(y, 'balanced') -> the class weight of each sample's label
 * Class weights feed the losses' `weight` option; sample weights feed WeightedRandomSampler.
 */
import { assertPositiveInteger, describe, expected, typeError } from '../core/validate';
import { LabelsInput, readLabels, bincount } from './labels';

export interface ClassWeightOptions {
  /** Number of classes (default: max label + 1). Every class must occur in y. */
  numClasses?: number;
}

/** Per-class weights (Float32Array of length numClasses). */
export function computeClassWeights(labels: LabelsInput, mode: 'balanced' | ReadonlyArray<number> = 'balanced',
  opts: ClassWeightOptions = {}): Float32Array {
  const y = readLabels(labels, 'labels');
  if (opts.numClasses !== undefined) assertPositiveInteger(opts.numClasses, 'numClasses');
  const counts = bincount(y, opts.numClasses);
  const k = opts.numClasses ?? counts.length;
  if (counts.length > k) {
    const i = y.findIndex((v) => v >= k);
    throw new RangeError(expected(`integer label in [0, ${k - 1}]`, `labels[${i}]`, describe(y[i])));
  }
  if (Array.isArray(mode)) {
    if (mode.length !== k || mode.some((w) => typeof w !== 'number' || !(w >= 0))) {
      throw new RangeError(expected(`${k} non-negative weights (one per class)`, 'mode', describe(mode)));
    }
    return Float32Array.from(mode);
  }
  if (mode !== 'balanced') typeError("'balanced' or an array of weights", 'mode', mode);
  const w = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) {
      throw new RangeError(expected(`every class 0..${k - 1} present in labels`, 'labels', `no sample of class ${c}`));
    }
    w[c] = y.length / (k * counts[c]);
  }
  return w;
}

/** Per-sample weights: the balanced class weight of each sample's label. */
export function computeSampleWeights(labels: LabelsInput, mode: 'balanced' | ReadonlyArray<number> = 'balanced',
  opts: ClassWeightOptions = {}): Float32Array {
  const y = readLabels(labels, 'labels');
  const cw = computeClassWeights(y, mode, opts);
  return Float32Array.from(y, (c) => cw[c]);
}

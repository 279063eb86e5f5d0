/**
 * Samplers decide which dataset rows an epoch visits and in what order; a DataLoader with a
 * `sampler` uses it instead of its own shuffle. WeightedRandomSampler draws rows with
 * probability proportional to their weight (oversampling rare classes), like PyTorch's.
 */
import { assertBoolean, assertPlainObject, assertPositiveInteger, describe, expected, typeError } from '../core/validate';
import { Rng, globalRng } from '../core/random';
import { LabelsInput } from './labels';
import { computeSampleWeights } from './weights';

export interface Sampler {
  /** Number of indices per epoch. */
  readonly length: number;
  /** Size of the dataset the indices refer to (for checks), if known. */
  readonly sourceLength?: number;
  /** The indices of the next epoch. */
  indices(): Int32Array;
}

export interface WeightedRandomSamplerOptions {
  /** Draw with replacement (default true). Without, numSamples <= number of positive weights. */
  replacement?: boolean;
  /** Seed (default: a fork of the global generator, see ng.setSeed). */
  seed?: number;
}

export class WeightedRandomSampler implements Sampler {
  readonly length: number;
  readonly sourceLength: number;
  readonly replacement: boolean;
  private readonly weights: Float64Array;
  private readonly cdf: Float64Array;
  private readonly rng: Rng;

  constructor(weights: ArrayLike<number>, numSamples: number, opts: WeightedRandomSamplerOptions = {}) {
    if (!ArrayBuffer.isView(weights) && !Array.isArray(weights)) typeError('array of weights', 'weights', weights);
    assertPositiveInteger(numSamples, 'numSamples');
    assertPlainObject(opts as unknown, 'options');
    const replacement = opts.replacement ?? true;
    assertBoolean(replacement, 'replacement');
    const w = Float64Array.from(weights as ArrayLike<number>);
    let positive = 0;
    for (let i = 0; i < w.length; i++) {
      if (!(w[i] >= 0) || !Number.isFinite(w[i])) {
        throw new RangeError(expected('non-negative finite weight', `weights[${i}]`, describe((weights as ArrayLike<number>)[i])));
      }
      if (w[i] > 0) positive++;
    }
    if (positive === 0) throw new RangeError(expected('at least one positive weight', 'weights', 'all zeros'));
    if (!replacement && numSamples > positive) {
      throw new RangeError(expected(`numSamples <= ${positive} (positive weights) without replacement`, 'numSamples', describe(numSamples)));
    }
    this.weights = w;
    this.cdf = new Float64Array(w.length);
    let s = 0;
    for (let i = 0; i < w.length; i++) { s += w[i]; this.cdf[i] = s; }
    this.length = numSamples;
    this.sourceLength = w.length;
    this.replacement = replacement;
    this.rng = opts.seed !== undefined ? new Rng(opts.seed) : globalRng.fork();
  }

  /** Weights from balanced class weights, so each class is drawn about equally often. */
  static balanced(labels: LabelsInput, opts: WeightedRandomSamplerOptions & { numSamples?: number } = {}): WeightedRandomSampler {
    const w = computeSampleWeights(labels, 'balanced');
    const { numSamples, ...rest } = opts;
    return new WeightedRandomSampler(w, numSamples ?? w.length, rest);
  }

  indices(): Int32Array {
    const n = this.length;
    const out = new Int32Array(n);
    if (this.replacement) {
      const total = this.cdf[this.cdf.length - 1];
      for (let k = 0; k < n; k++) {
        const u = this.rng.uniform() * total;
        // First index whose cumulative weight exceeds u (zero-weight rows are never chosen).
        let lo = 0, hi = this.cdf.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (this.cdf[mid] > u) hi = mid; else lo = mid + 1;
        }
        out[k] = lo;
      }
      return out;
    }
    // Without replacement: Efraimidis-Spirakis keys u^(1/w), the n largest.
    const keys: { i: number; k: number }[] = [];
    for (let i = 0; i < this.weights.length; i++) {
      if (this.weights[i] > 0) keys.push({ i, k: Math.log(this.rng.uniform() || Number.MIN_VALUE) / this.weights[i] });
    }
    keys.sort((a, b) => b.k - a.k);
    for (let k = 0; k < n; k++) out[k] = keys[k].i;
    return out;
  }
}

export interface RandomSamplerOptions {
  /** Indices per epoch (default: the dataset's length). */
  numSamples?: number;
  /** Draw with replacement (default false: a seeded permutation, cut to numSamples). */
  replacement?: boolean;
  /** Seed (default: a fork of the global generator, see ng.setSeed). */
  seed?: number;
}

/**
 * Uniformly random indices into a dataset of `source` rows (a length or anything with one),
 * seeded: a fresh draw each epoch from one generator, so a seed fixes every epoch's order.
 * With replacement, numSamples may exceed the dataset (e.g. a fixed number of training steps
 * of random token windows).
 */
export class RandomSampler implements Sampler {
  readonly length: number;
  readonly sourceLength: number;
  readonly replacement: boolean;
  private readonly rng: Rng;

  constructor(source: number | { readonly length: number }, opts: RandomSamplerOptions = {}) {
    const n = typeof source === 'number' ? source
      : typeof source === 'object' && source !== null ? (source as { length?: unknown }).length : undefined;
    if (typeof n !== 'number') typeError('dataset length or an object with a length', 'source', source);
    assertPositiveInteger(n, 'source length');
    assertPlainObject(opts as unknown, 'options');
    const replacement = opts.replacement ?? false;
    assertBoolean(replacement, 'replacement');
    const numSamples = opts.numSamples ?? n;
    assertPositiveInteger(numSamples, 'numSamples');
    if (!replacement && numSamples > n) {
      throw new RangeError(expected(`numSamples <= ${n} (dataset length) without replacement`, 'numSamples', describe(numSamples)));
    }
    this.length = numSamples;
    this.sourceLength = n;
    this.replacement = replacement;
    this.rng = opts.seed !== undefined ? new Rng(opts.seed) : globalRng.fork();
  }

  indices(): Int32Array {
    if (!this.replacement) return this.rng.permutation(this.sourceLength).slice(0, this.length);
    const out = new Int32Array(this.length);
    for (let k = 0; k < out.length; k++) out[k] = this.rng.int(this.sourceLength);
    return out;
  }

  /** Generator position (for checkpoints). */
  getState(): number[] {
    return this.rng.getState();
  }

  setState(state: number[]): void {
    this.rng.setState(state);
  }
}

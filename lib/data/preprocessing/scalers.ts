/**
 * Column scalers matching scikit-learn 1.2: MinMaxScaler, StandardScaler, RobustScaler, and the
 * row-wise Normalizer. NaN values are ignored when fitting and passed through by transform.
 */
import { assertBoolean, assertOneOf, assertPlainObject, expected, describe } from '../../core/validate';
import { Matrix, MatrixInput, toMatrix, outputLike, allocOutput, checkCols, sortedColumns, percentileSorted } from '../matrix';
import { NumericPreprocessor, InvertiblePreprocessor, PreprocessorJSON, checkJSON, numsToJSON, numsFromJSON } from './base';

const EPS = 2.220446049250313e-16;

/** Per-column affine map out = (x - shift) / scale, or back: out = x * scale + shift. */
function affine<T extends MatrixInput>(x: T, m: Matrix, shift: Float64Array | null, scale: Float64Array | null, inverse: boolean): T {
  const { rows, cols, data } = m;
  const sh = shift ?? new Float64Array(cols);
  const sc = scale ?? new Float64Array(cols).fill(1);
  const o = allocOutput(x, rows, cols);
  const out = o.data;
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    if (inverse) for (let j = 0; j < cols; j++) out[r + j] = data[r + j] * sc[j] + sh[j];
    else for (let j = 0; j < cols; j++) out[r + j] = (data[r + j] - sh[j]) / sc[j];
  }
  return o.result();
}

/** sklearn's _handle_zeros_in_scale: tiny scales become 1. */
function handleZeros(scale: Float64Array, mask?: boolean[]): Float64Array {
  for (let j = 0; j < scale.length; j++) {
    if (mask ? mask[j] : scale[j] < 10 * EPS) scale[j] = 1;
  }
  return scale;
}

function assertRange(v: unknown, name: string): asserts v is [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number'
    || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
    throw new TypeError(expected('[min, max] pair of finite numbers', name, describe(v)));
  }
  if (!(v[0] < v[1])) throw new RangeError(expected('[min, max] with min < max', name, `[${v[0]}, ${v[1]}]`));
}

// ---------------------------------------------------------------------------------------------

export interface MinMaxScalerOptions {
  /** Target range of each feature (default [0, 1]). */
  featureRange?: [number, number];
  /** Clip transformed values into featureRange (default false). */
  clip?: boolean;
}

/** Scales each feature to featureRange: x * scale + min, with scale = (hi - lo) / (max - min). */
export class MinMaxScaler extends InvertiblePreprocessor {
  readonly type = 'MinMaxScaler';
  readonly featureRange: [number, number];
  readonly clip: boolean;
  dataMin: Float64Array | null = null;
  dataMax: Float64Array | null = null;
  scale: Float64Array | null = null;
  min: Float64Array | null = null;

  constructor(opts: MinMaxScalerOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const range = opts.featureRange ?? [0, 1];
    assertRange(range, 'featureRange');
    this.featureRange = [range[0], range[1]];
    const clip = opts.clip ?? false;
    assertBoolean(clip, 'clip');
    this.clip = clip;
  }

  get fitted(): boolean { return this.scale !== null; }
  get nFeatures(): number { return this.scale ? this.scale.length : 0; }

  fit(x: MatrixInput): this {
    const m = toMatrix(x, 'x');
    // One row-major pass (NaN never wins a comparison, so it is skipped).
    const lo = new Float64Array(m.cols).fill(Infinity);
    const hi = new Float64Array(m.cols).fill(-Infinity);
    const { rows, cols, data } = m;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) {
        const v = data[o + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    for (let j = 0; j < cols; j++) if (lo[j] === Infinity && hi[j] === -Infinity) { lo[j] = NaN; hi[j] = NaN; }
    const [fmin, fmax] = this.featureRange;
    const range = handleZeros(hi.map((v, j) => v - lo[j]));
    this.dataMin = lo;
    this.dataMax = hi;
    this.scale = range.map((r) => (fmax - fmin) / r);
    this.min = lo.map((v, j) => fmin - v * this.scale![j]);
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    this.assertFitted();
    const m = toMatrix(x, 'x');
    checkCols(m, this.nFeatures, 'x', this.type);
    const o = allocOutput(x, m.rows, m.cols);
    const out = o.data;
    const [fmin, fmax] = this.featureRange;
    const s = this.scale!, mn = this.min!;
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        let v = m.data[i * m.cols + j] * s[j] + mn[j];
        if (this.clip) v = v < fmin ? fmin : v > fmax ? fmax : v;
        out[i * m.cols + j] = v;
      }
    }
    return o.result();
  }

  protected override invert<T extends MatrixInput>(x: T, m: Matrix): T {
    return affine(x, m, this.min, this.scale, false);
  }

  toJSON(): PreprocessorJSON {
    return {
      type: this.type, version: 1,
      config: { featureRange: this.featureRange, clip: this.clip },
      state: this.fitted ? {
        dataMin: numsToJSON(this.dataMin), dataMax: numsToJSON(this.dataMax),
        scale: numsToJSON(this.scale), min: numsToJSON(this.min),
      } : null,
    };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const j = checkJSON(json, 'MinMaxScaler');
    const s = new MinMaxScaler(j.config as MinMaxScalerOptions);
    if (j.state) {
      s.dataMin = numsFromJSON(j.state.dataMin); s.dataMax = numsFromJSON(j.state.dataMax);
      s.scale = numsFromJSON(j.state.scale); s.min = numsFromJSON(j.state.min);
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------

export interface StandardScalerOptions {
  /** Subtract the mean (default true). */
  withMean?: boolean;
  /** Divide by the standard deviation (default true); constant columns are divided by 1. */
  withStd?: boolean;
}

/** z-score per feature: (x - mean) / std, population std (ddof 0) like scikit-learn. */
export class StandardScaler extends InvertiblePreprocessor {
  readonly type = 'StandardScaler';
  readonly withMean: boolean;
  readonly withStd: boolean;
  mean: Float64Array | null = null;
  var: Float64Array | null = null;
  scale: Float64Array | null = null;
  nSamplesSeen: Float64Array | null = null;

  constructor(opts: StandardScalerOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const withMean = opts.withMean ?? true;
    const withStd = opts.withStd ?? true;
    assertBoolean(withMean, 'withMean');
    assertBoolean(withStd, 'withStd');
    this.withMean = withMean;
    this.withStd = withStd;
  }

  get fitted(): boolean { return this.nSamplesSeen !== null; }
  get nFeatures(): number { return this.nSamplesSeen ? this.nSamplesSeen.length : 0; }

  fit(x: MatrixInput): this {
    const m = toMatrix(x, 'x');
    // Two row-major passes (mean, then centered squares with sklearn's correction term), NaN skipped.
    const { rows, cols, data } = m;
    const mean = new Float64Array(cols);
    const variance = new Float64Array(cols);
    const count = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const r = i * cols;
      for (let j = 0; j < cols; j++) {
        const v = data[r + j];
        if (v === v) { mean[j] += v; count[j]++; }
      }
    }
    for (let j = 0; j < cols; j++) mean[j] = count[j] > 0 ? mean[j] / count[j] : NaN;
    const corr = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const r = i * cols;
      for (let j = 0; j < cols; j++) {
        const v = data[r + j];
        if (v === v) { const d = v - mean[j]; variance[j] += d * d; corr[j] += d; }
      }
    }
    for (let j = 0; j < cols; j++) {
      const n = count[j];
      variance[j] = n > 0 ? (variance[j] - (corr[j] * corr[j]) / n) / n : NaN;
    }
    this.nSamplesSeen = count;
    this.mean = this.withMean || this.withStd ? mean : null;
    if (this.withStd) {
      this.var = variance;
      // sklearn's _is_constant_feature: var <= n * eps * var + (n * mean * eps)^2
      const constant = Array.from(variance, (v, j) =>
        v <= count[j] * EPS * v + (count[j] * mean[j] * EPS) ** 2);
      this.scale = handleZeros(variance.map(Math.sqrt), constant);
    } else {
      this.var = null;
      this.scale = null;
    }
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    this.assertFitted();
    const m = toMatrix(x, 'x');
    checkCols(m, this.nFeatures, 'x', this.type);
    return affine(x, m, this.withMean ? this.mean : null, this.scale, false);
  }

  protected override invert<T extends MatrixInput>(x: T, m: Matrix): T {
    return affine(x, m, this.withMean ? this.mean : null, this.scale, true);
  }

  toJSON(): PreprocessorJSON {
    return {
      type: this.type, version: 1,
      config: { withMean: this.withMean, withStd: this.withStd },
      state: this.fitted ? {
        mean: numsToJSON(this.mean), var: numsToJSON(this.var), scale: numsToJSON(this.scale),
        nSamplesSeen: numsToJSON(this.nSamplesSeen),
      } : null,
    };
  }

  static fromJSON(json: unknown): StandardScaler {
    const j = checkJSON(json, 'StandardScaler');
    const s = new StandardScaler(j.config as StandardScalerOptions);
    if (j.state) {
      s.mean = numsFromJSON(j.state.mean); s.var = numsFromJSON(j.state.var);
      s.scale = numsFromJSON(j.state.scale); s.nSamplesSeen = numsFromJSON(j.state.nSamplesSeen);
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------

export interface RobustScalerOptions {
  /** Subtract the median (default true). */
  withCentering?: boolean;
  /** Divide by the interquantile range (default true). */
  withScaling?: boolean;
  /** Percentiles of the range, 0 < lo < hi < 100 (default [25, 75]). */
  quantileRange?: [number, number];
}

/** (x - median) / (q_hi - q_lo), percentiles by numpy's linear interpolation, NaN ignored. */
export class RobustScaler extends InvertiblePreprocessor {
  readonly type = 'RobustScaler';
  readonly withCentering: boolean;
  readonly withScaling: boolean;
  readonly quantileRange: [number, number];
  center: Float64Array | null = null;
  scale: Float64Array | null = null;
  private nFeat = -1;

  constructor(opts: RobustScalerOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const withCentering = opts.withCentering ?? true;
    const withScaling = opts.withScaling ?? true;
    assertBoolean(withCentering, 'withCentering');
    assertBoolean(withScaling, 'withScaling');
    this.withCentering = withCentering;
    this.withScaling = withScaling;
    const q = opts.quantileRange ?? [25, 75];
    assertRange(q, 'quantileRange');
    if (q[0] < 0 || q[1] > 100) {
      throw new RangeError(expected('[lo, hi] with 0 <= lo < hi <= 100', 'quantileRange', `[${q[0]}, ${q[1]}]`));
    }
    this.quantileRange = [q[0], q[1]];
  }

  get fitted(): boolean { return this.nFeat >= 0; }
  get nFeatures(): number { return Math.max(this.nFeat, 0); }

  fit(x: MatrixInput): this {
    const m = toMatrix(x, 'x');
    const center = new Float64Array(m.cols);
    const scale = new Float64Array(m.cols);
    const sorted = sortedColumns(m);
    for (let j = 0; j < m.cols; j++) {
      const s = sorted[j];
      center[j] = percentileSorted(s, 50);
      scale[j] = percentileSorted(s, this.quantileRange[1]) - percentileSorted(s, this.quantileRange[0]);
    }
    this.center = this.withCentering ? center : null;
    this.scale = this.withScaling ? handleZeros(scale) : null;
    this.nFeat = m.cols;
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    this.assertFitted();
    const m = toMatrix(x, 'x');
    checkCols(m, this.nFeatures, 'x', this.type);
    return affine(x, m, this.center, this.scale, false);
  }

  protected override invert<T extends MatrixInput>(x: T, m: Matrix): T {
    return affine(x, m, this.center, this.scale, true);
  }

  toJSON(): PreprocessorJSON {
    return {
      type: this.type, version: 1,
      config: { withCentering: this.withCentering, withScaling: this.withScaling, quantileRange: this.quantileRange },
      state: this.fitted ? { nFeatures: this.nFeat, center: numsToJSON(this.center), scale: numsToJSON(this.scale) } : null,
    };
  }

  static fromJSON(json: unknown): RobustScaler {
    const j = checkJSON(json, 'RobustScaler');
    const s = new RobustScaler(j.config as RobustScalerOptions);
    if (j.state) {
      s.nFeat = Number(j.state.nFeatures);
      s.center = numsFromJSON(j.state.center);
      s.scale = numsFromJSON(j.state.scale);
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------

export type NormType = 'l1' | 'l2' | 'max';

/** Scales each row to unit norm (l1, l2 or max of |x|); all-zero rows stay zero. Stateless. */
export class Normalizer extends NumericPreprocessor {
  readonly type = 'Normalizer';
  readonly norm: NormType;
  private nFeat = -1;

  constructor(opts: { norm?: NormType } = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const norm = opts.norm ?? 'l2';
    assertOneOf(norm, 'norm', ['l1', 'l2', 'max'] as const);
    this.norm = norm;
  }

  get fitted(): boolean { return this.nFeat >= 0; }

  fit(x: MatrixInput): this {
    this.nFeat = toMatrix(x, 'x').cols;
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    const m = toMatrix(x, 'x');
    if (this.fitted) checkCols(m, this.nFeat, 'x', this.type);
    const o = allocOutput(x, m.rows, m.cols);
    const out = o.data;
    for (let i = 0; i < m.rows; i++) {
      const r = i * m.cols;
      let n = 0;
      for (let j = 0; j < m.cols; j++) {
        const v = m.data[r + j];
        if (this.norm === 'l1') n += Math.abs(v);
        else if (this.norm === 'l2') n += v * v;
        else n = Math.max(n, Math.abs(v));
      }
      if (this.norm === 'l2') n = Math.sqrt(n);
      if (n < 10 * EPS) n = 1;
      for (let j = 0; j < m.cols; j++) out[r + j] = m.data[r + j] / n;
    }
    return o.result();
  }

  toJSON(): PreprocessorJSON {
    return { type: this.type, version: 1, config: { norm: this.norm }, state: this.fitted ? { nFeatures: this.nFeat } : null };
  }

  static fromJSON(json: unknown): Normalizer {
    const j = checkJSON(json, 'Normalizer');
    const s = new Normalizer(j.config as { norm?: NormType });
    if (j.state) s.nFeat = Number(j.state.nFeatures);
    return s;
  }
}

/**
 * Outlier clipping per column, three ways:
 *   { min, max }           fixed bounds (numbers, or one per column)
 *   { quantiles: [lo, hi] } bounds at the lo/hi quantiles (fractions in [0, 1]) seen in fit
 *   { iqr: k }             Tukey fences: [Q1 - k * IQR, Q3 + k * IQR] seen in fit (k = 1.5 usual)
 * Quantiles use numpy's linear interpolation and ignore NaN; NaN passes through.
 */
import { assertFinite, assertPlainObject, describe, expected, typeError } from '../../core/validate';
import { MatrixInput, toMatrix, allocOutput, checkCols, sortedColumns, percentileSorted } from '../matrix';
import { InvertiblePreprocessor, PreprocessorJSON, checkJSON, numsToJSON, numsFromJSON } from './base';

export interface ClipperOptions {
  min?: number | readonly number[];
  max?: number | readonly number[];
  quantiles?: [number, number];
  iqr?: number;
}

function bound(v: unknown, name: string): number | readonly number[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') { if (Number.isNaN(v)) typeError('number or array of numbers', name, v); return v; }
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'number' || Number.isNaN(e))) {
    typeError('number or array of numbers', name, v);
  }
  return v as number[];
}

export class Clipper extends InvertiblePreprocessor {
  readonly type = 'Clipper';
  readonly mode: 'value' | 'quantiles' | 'iqr';
  readonly options: ClipperOptions;
  lower: Float64Array | null = null;
  upper: Float64Array | null = null;

  constructor(opts: ClipperOptions) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const modes = [opts.min !== undefined || opts.max !== undefined, opts.quantiles !== undefined, opts.iqr !== undefined];
    if (modes.filter(Boolean).length !== 1) {
      throw new TypeError(expected('exactly one of { min/max }, { quantiles } or { iqr }', 'options',
        `{ ${Object.keys(opts).join(', ')} }`));
    }
    if (modes[1]) {
      const q = opts.quantiles as unknown;
      if (!Array.isArray(q) || q.length !== 2 || typeof q[0] !== 'number' || typeof q[1] !== 'number'
        || !(q[0] >= 0 && q[0] < q[1] && q[1] <= 1)) {
        throw new RangeError(expected('[lo, hi] with 0 <= lo < hi <= 1', 'quantiles', describe(q)));
      }
      this.mode = 'quantiles';
      this.options = { quantiles: [q[0], q[1]] };
    } else if (modes[2]) {
      assertFinite(opts.iqr, 'iqr');
      if (opts.iqr < 0) throw new RangeError(expected('non-negative number', 'iqr', describe(opts.iqr)));
      this.mode = 'iqr';
      this.options = { iqr: opts.iqr };
    } else {
      this.mode = 'value';
      this.options = { min: bound(opts.min, 'min'), max: bound(opts.max, 'max') };
      const lo = this.options.min, hi = this.options.max;
      if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) {
        throw new RangeError(expected(`min <= max (${hi})`, 'min', describe(lo)));
      }
    }
  }

  get fitted(): boolean { return this.lower !== null; }
  get nFeatures(): number { return this.lower ? this.lower.length : 0; }

  fit(x: MatrixInput): this {
    const m = toMatrix(x, 'x');
    const lo = new Float64Array(m.cols).fill(-Infinity);
    const hi = new Float64Array(m.cols).fill(Infinity);
    if (this.mode === 'value') {
      const perCol = (b: number | readonly number[] | undefined, out: Float64Array, name: string): void => {
        if (b === undefined) return;
        if (typeof b === 'number') { out.fill(b); return; }
        if (b.length !== m.cols) throw new RangeError(expected(`${m.cols} bounds (one per column)`, name, describe(b)));
        out.set(b);
      };
      perCol(this.options.min, lo, 'min');
      perCol(this.options.max, hi, 'max');
    } else {
      const sorted = sortedColumns(m);
      for (let j = 0; j < m.cols; j++) {
        const s = sorted[j];
        if (s.length === 0) continue;
        if (this.mode === 'quantiles') {
          lo[j] = percentileSorted(s, this.options.quantiles![0] * 100);
          hi[j] = percentileSorted(s, this.options.quantiles![1] * 100);
        } else {
          const q1 = percentileSorted(s, 25), q3 = percentileSorted(s, 75);
          const k = this.options.iqr!;
          lo[j] = q1 - k * (q3 - q1);
          hi[j] = q3 + k * (q3 - q1);
        }
      }
    }
    this.lower = lo;
    this.upper = hi;
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    const m = toMatrix(x, 'x');
    if (!this.fitted && this.mode === 'value') this.fit(x);
    this.assertFitted();
    checkCols(m, this.nFeatures, 'x', this.type);
    const o = allocOutput(x, m.rows, m.cols);
    const out = o.data;
    out.set(m.data);
    const lo = this.lower!, hi = this.upper!;
    for (let i = 0; i < out.length; i++) {
      const j = i % m.cols;
      const v = out[i];
      if (v < lo[j]) out[i] = lo[j];
      else if (v > hi[j]) out[i] = hi[j];
    }
    return o.result();
  }

  /** Clipping cannot be undone: inverseTransform returns a copy of x (InvertiblePreprocessor's default). */
  protected override get inverseNeedsFit(): boolean {
    return false;
  }

  toJSON(): PreprocessorJSON {
    return {
      type: this.type, version: 1,
      config: { ...this.options } as Record<string, unknown>,
      state: this.fitted ? { lower: numsToJSON(this.lower), upper: numsToJSON(this.upper) } : null,
    };
  }

  static fromJSON(json: unknown): Clipper {
    const j = checkJSON(json, 'Clipper');
    const c = new Clipper(j.config as ClipperOptions);
    if (j.state) { c.lower = numsFromJSON(j.state.lower); c.upper = numsFromJSON(j.state.upper); }
    return c;
  }
}

/** One-shot clipping: `new Clipper(opts).fitTransform(x)`. */
export function clipOutliers<T extends MatrixInput>(x: T, opts: ClipperOptions): T {
  return new Clipper(opts).fitTransform(x) as T;
}

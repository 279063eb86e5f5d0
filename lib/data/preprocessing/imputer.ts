/**
 * SimpleImputer (scikit-learn 1.2 semantics): replaces missing values (NaN; null/undefined in
 * arrays; empty or NA cells of a CSV read with { missing: 'keep' }) per column by the column's
 * mean, median, most frequent value (smallest on ties) or a constant.
 * A column with no observed value is filled with 0 (sklearn's keep_empty_features=True).
 */
import { assertFinite, assertOneOf, assertPlainObject } from '../../core/validate';
import { MatrixInput, toMatrix, allocOutput, checkCols, sortedColumns, percentileSorted } from '../matrix';
import { InvertiblePreprocessor, PreprocessorJSON, checkJSON, numsToJSON, numsFromJSON } from './base';

export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';

export interface SimpleImputerOptions {
  strategy?: ImputeStrategy | 'mostFrequent';
  /** Value for strategy 'constant' (default 0). */
  fillValue?: number;
}

export class SimpleImputer extends InvertiblePreprocessor {
  readonly type = 'SimpleImputer';
  readonly strategy: ImputeStrategy;
  readonly fillValue: number;
  /** The value that replaces missing entries in each column (after fit). */
  statistics: Float64Array | null = null;

  constructor(opts: SimpleImputerOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const s = opts.strategy === 'mostFrequent' ? 'most_frequent' : opts.strategy ?? 'mean';
    assertOneOf(s, 'strategy', ['mean', 'median', 'most_frequent', 'constant'] as const);
    this.strategy = s;
    const fillValue = opts.fillValue ?? 0;
    assertFinite(fillValue, 'fillValue');
    this.fillValue = fillValue;
  }

  get fitted(): boolean { return this.statistics !== null; }
  get nFeatures(): number { return this.statistics ? this.statistics.length : 0; }

  private statistic(s: Float64Array): number {
    if (this.strategy === 'constant') return this.fillValue;
    if (s.length === 0) return 0;
    if (this.strategy === 'median') return percentileSorted(s, 50);
    if (this.strategy === 'mean') {
      let sum = 0;
      for (let i = 0; i < s.length; i++) sum += s[i];
      return sum / s.length;
    }
    let best = s[0], bestCount = 0;
    for (let i = 0; i < s.length;) {
      let k = i;
      while (k < s.length && s[k] === s[i]) k++;
      if (k - i > bestCount) { best = s[i]; bestCount = k - i; }
      i = k;
    }
    return best;
  }

  fit(x: MatrixInput): this {
    const m = toMatrix(x, 'x');
    const st = new Float64Array(m.cols);
    if (this.strategy === 'constant') st.fill(this.fillValue);
    else sortedColumns(m).forEach((s, j) => { st[j] = this.statistic(s); });
    this.statistics = st;
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    this.assertFitted();
    const m = toMatrix(x, 'x');
    checkCols(m, this.nFeatures, 'x', this.type);
    const o = allocOutput(x, m.rows, m.cols);
    const out = o.data;
    out.set(m.data);
    const st = this.statistics!;
    for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) out[i] = st[i % m.cols];
    return o.result();
  }

  /** Imputation cannot be undone: inverseTransform returns a copy of x (InvertiblePreprocessor's default). */
  protected override get inverseNeedsFit(): boolean {
    return false;
  }

  toJSON(): PreprocessorJSON {
    return {
      type: this.type, version: 1,
      config: { strategy: this.strategy, fillValue: this.fillValue },
      state: this.statistics ? { statistics: numsToJSON(this.statistics) } : null,
    };
  }

  static fromJSON(json: unknown): SimpleImputer {
    const j = checkJSON(json, 'SimpleImputer');
    const s = new SimpleImputer(j.config as SimpleImputerOptions);
    if (j.state) s.statistics = numsFromJSON(j.state.statistics);
    return s;
  }
}

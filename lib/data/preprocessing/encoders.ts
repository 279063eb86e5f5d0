/**
 * Categorical encoders matching scikit-learn 1.2: OneHotEncoder (per column, categories sorted,
 * missing values NaN/null as their own last category) and LabelEncoder (target labels -> 0..K-1).
 */
import { assertOneOf, assertPlainObject, describe, expected, typeError } from '../../core/validate';
import { isTensor, outputLike } from '../matrix';
import { Tensor, fromArray } from '../tensor-api';
import { Preprocessor, PreprocessorJSON, checkJSON } from './base';

/** A category: a string, a number, or null for a missing value. */
export type Category = string | number | null;
export type CategoricalInput = Tensor | ReadonlyArray<ReadonlyArray<Category | undefined>>;

function norm(v: unknown): Category {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  return v as string;
}

function key(v: Category): string {
  return v === null ? 'null' : typeof v === 'number' ? `n:${v}` : `s:${v}`;
}

/** numpy order: numbers ascending, then strings by code unit; missing last. */
function compareCategories(a: Category, b: Category): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads categorical rows: Tensor (N, D) of numeric codes or nested arrays of strings/numbers/null. */
function readRows(x: unknown, name: string): { rows: Category[][]; cols: number } {
  if (isTensor(x)) {
    if (x.shape.length !== 2) throw new RangeError(expected('2-D tensor (samples, features)', name, describe(x)));
    const [n, d] = x.shape;
    const rows: Category[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from(x.data.subarray(i * d, (i + 1) * d), (v) => norm(v)));
    return { rows, cols: d };
  }
  if (!Array.isArray(x)) typeError('2-D array (samples, features) or Tensor', name, x);
  if (x.length === 0) throw new RangeError(expected('at least one row', name, 'an array of length 0'));
  if (!Array.isArray(x[0])) typeError('array', `${name}[0]`, x[0]);
  const cols = (x[0] as unknown[]).length;
  const rows: Category[][] = [];
  for (let i = 0; i < x.length; i++) {
    const r = x[i] as unknown[];
    if (!Array.isArray(r)) typeError('array', `${name}[${i}]`, r);
    if (r.length !== cols) throw new RangeError(expected(`row of length ${cols}`, `${name}[${i}]`, describe(r)));
    rows.push(r.map((v, j) => {
      if (v !== null && v !== undefined && typeof v !== 'number' && typeof v !== 'string') {
        typeError('string, number or null', `${name}[${i}][${j}]`, v);
      }
      return norm(v);
    }));
  }
  return { rows, cols };
}

export interface OneHotEncoderOptions {
  /** 'error' (default) throws on categories not seen in fit; 'ignore' encodes them as all zeros. */
  handleUnknown?: 'error' | 'ignore';
  /** Fixed categories per column instead of learning them ('auto', the default). */
  categories?: 'auto' | Category[][];
}

export class OneHotEncoder extends Preprocessor<CategoricalInput, Tensor | number[][]> {
  readonly type = 'OneHotEncoder';
  readonly handleUnknown: 'error' | 'ignore';
  private readonly fixed: Category[][] | null;
  /** Sorted categories of each input column (after fit). */
  categories: Category[][] | null = null;
  private index: Map<string, number>[] = [];

  constructor(opts: OneHotEncoderOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const hu = opts.handleUnknown ?? 'error';
    assertOneOf(hu, 'handleUnknown', ['error', 'ignore'] as const);
    this.handleUnknown = hu;
    const cats = opts.categories ?? 'auto';
    if (cats !== 'auto' && (!Array.isArray(cats) || !cats.every(Array.isArray))) {
      typeError("'auto' or an array of category arrays", 'categories', cats);
    }
    this.fixed = cats === 'auto' ? null : cats.map((c) => c.map(norm));
  }

  get fitted(): boolean { return this.categories !== null; }
  /** Total number of output columns. */
  get nOutputs(): number { return this.categories ? this.categories.reduce((a, c) => a + c.length, 0) : 0; }

  private setCategories(cats: Category[][]): void {
    this.categories = cats;
    this.index = cats.map((c) => new Map(c.map((v, k) => [key(v), k])));
  }

  fit(x: CategoricalInput): this {
    const { rows, cols } = readRows(x, 'x');
    if (this.fixed) {
      if (this.fixed.length !== cols) {
        throw new RangeError(expected(`${this.fixed.length} columns (as in categories)`, 'x', `${cols} columns`));
      }
      this.setCategories(this.fixed.map((c) => [...c]));
      // Values outside fixed categories are unknown: checked like transform does.
      if (this.handleUnknown === 'error') this.encode(rows);
      return this;
    }
    const cats: Category[][] = [];
    for (let j = 0; j < cols; j++) {
      const seen = new Map<string, Category>();
      for (const r of rows) seen.set(key(r[j]), r[j]);
      cats.push([...seen.values()].sort(compareCategories));
    }
    this.setCategories(cats);
    return this;
  }

  private encode(rows: Category[][]): Float64Array {
    const cats = this.categories!;
    const width = this.nOutputs;
    const out = new Float64Array(rows.length * width);
    for (let i = 0; i < rows.length; i++) {
      let off = 0;
      for (let j = 0; j < cats.length; j++) {
        const k = this.index[j].get(key(rows[i][j]));
        if (k === undefined) {
          if (this.handleUnknown === 'error') {
            const known = this.fixed ? 'one of the given categories' : 'a category seen during fit';
            throw new RangeError(expected(`${known} (${cats[j].map((c) => JSON.stringify(c)).join(', ')})`,
              `x[${i}][${j}]`, describe(rows[i][j] === null ? NaN : rows[i][j])));
          }
        } else {
          out[i * width + off + k] = 1;
        }
        off += cats[j].length;
      }
    }
    return out;
  }

  /** One-hot columns: a float32 Tensor for a Tensor input, number[][] otherwise. */
  transform(x: Tensor): Tensor;
  transform(x: CategoricalInput): number[][];
  transform(x: CategoricalInput): Tensor | number[][] {
    this.assertFitted();
    const { rows, cols } = readRows(x, 'x');
    if (cols !== this.categories!.length) {
      throw new RangeError(expected(`${this.categories!.length} features (as fitted by ${this.type})`, 'x', `${cols} features`));
    }
    return outputLike(x as unknown, this.encode(rows), rows.length, this.nOutputs) as Tensor | number[][];
  }

  override fitTransform(x: Tensor): Tensor;
  override fitTransform(x: CategoricalInput): number[][];
  override fitTransform(x: CategoricalInput): Tensor | number[][] {
    return this.fit(x).transform(x as Tensor);
  }

  /** Back to categories: each block's argmax; an all-zero block (ignored unknown) gives null. */
  inverseTransform(x: Tensor | ReadonlyArray<ReadonlyArray<number>>): Category[][] {
    this.assertFitted();
    const width = this.nOutputs;
    let data: ArrayLike<number>;
    let n: number;
    if (isTensor(x)) {
      if (x.shape.length !== 2 || x.shape[1] !== width) throw new RangeError(expected(`shape [*, ${width}]`, 'x', describe(x)));
      data = x.data; n = x.shape[0];
    } else {
      if (!Array.isArray(x)) typeError('2-D array or Tensor', 'x', x);
      n = x.length;
      const flat = new Float64Array(n * width);
      x.forEach((r, i) => {
        if (!Array.isArray(r) || r.length !== width) throw new RangeError(expected(`row of length ${width}`, `x[${i}]`, describe(r)));
        flat.set(r, i * width);
      });
      data = flat;
    }
    const out: Category[][] = [];
    for (let i = 0; i < n; i++) {
      const row: Category[] = [];
      let off = 0;
      for (const c of this.categories!) {
        let best = -1, bv = 0;
        for (let k = 0; k < c.length; k++) {
          const v = data[i * width + off + k];
          if (v > bv) { bv = v; best = k; }
        }
        row.push(best < 0 ? null : c[best]);
        off += c.length;
      }
      out.push(row);
    }
    return out;
  }

  /** Output column names, sklearn style: `${inputName}_${category}` (input names default x0, x1, ...). */
  featureNames(inputNames?: readonly string[]): string[] {
    this.assertFitted();
    const names: string[] = [];
    this.categories!.forEach((c, j) => {
      const base = inputNames?.[j] ?? `x${j}`;
      for (const v of c) names.push(`${base}_${v === null ? 'nan' : String(v)}`);
    });
    return names;
  }

  toJSON(): PreprocessorJSON {
    return {
      type: this.type, version: 1,
      config: { handleUnknown: this.handleUnknown, categories: this.fixed ?? 'auto' },
      state: this.categories ? { categories: this.categories } : null,
    };
  }

  static fromJSON(json: unknown): OneHotEncoder {
    const j = checkJSON(json, 'OneHotEncoder');
    const e = new OneHotEncoder(j.config as OneHotEncoderOptions);
    if (j.state) e.setCategories((j.state.categories as Category[][]).map((c) => c.map(norm)));
    return e;
  }
}

// ---------------------------------------------------------------------------------------------

export type LabelInput = Tensor | Int32Array | ReadonlyArray<string | number>;

function readLabels(y: unknown, name: string): (string | number)[] {
  if (isTensor(y)) {
    if (y.shape.length !== 1) throw new RangeError(expected('1-D tensor of labels', name, describe(y)));
    return Array.from(y.data);
  }
  if (y instanceof Int32Array) return Array.from(y);
  if (!Array.isArray(y)) typeError('array of labels or Tensor', name, y);
  return y.map((v, i) => {
    if ((typeof v !== 'number' || Number.isNaN(v)) && typeof v !== 'string') typeError('string or number', `${name}[${i}]`, v);
    return v as string | number;
  });
}

/** Maps labels to 0..K-1 in sorted order of the classes seen in fit. */
export class LabelEncoder extends Preprocessor<LabelInput, unknown> {
  readonly type = 'LabelEncoder';
  classes: (string | number)[] | null = null;
  private index = new Map<string, number>();

  get fitted(): boolean { return this.classes !== null; }
  get numClasses(): number { return this.classes ? this.classes.length : 0; }

  private setClasses(c: (string | number)[]): void {
    this.classes = c;
    this.index = new Map(c.map((v, k) => [key(v), k]));
  }

  fit(y: LabelInput): this {
    const seen = new Map<string, string | number>();
    for (const v of readLabels(y, 'y')) seen.set(key(v), v);
    this.setClasses([...seen.values()].sort(compareCategories) as (string | number)[]);
    return this;
  }

  /** Codes 0..K-1: an int32 Tensor for a Tensor, Int32Array for an Int32Array, number[] otherwise. */
  transform(y: Tensor): Tensor;
  transform(y: Int32Array): Int32Array;
  transform(y: ReadonlyArray<string | number>): number[];
  transform(y: LabelInput): Tensor | Int32Array | number[];
  transform(y: LabelInput): Tensor | Int32Array | number[] {
    this.assertFitted();
    const labels = readLabels(y, 'y');
    const codes = new Int32Array(labels.length);
    labels.forEach((v, i) => {
      const k = this.index.get(key(v));
      if (k === undefined) {
        throw new RangeError(expected(`a label seen during fit (${this.classes!.map((c) => JSON.stringify(c)).join(', ')})`,
          `y[${i}]`, describe(v)));
      }
      codes[i] = k;
    });
    if (isTensor(y)) return fromArray(codes, [codes.length]);
    if (y instanceof Int32Array) return codes;
    return Array.from(codes);
  }

  override fitTransform(y: Tensor): Tensor;
  override fitTransform(y: Int32Array): Int32Array;
  override fitTransform(y: ReadonlyArray<string | number>): number[];
  override fitTransform(y: LabelInput): Tensor | Int32Array | number[] {
    return this.fit(y).transform(y);
  }

  /** Codes back to the original labels. */
  inverseTransform(codes: Tensor | Int32Array | ReadonlyArray<number>): (string | number)[] {
    this.assertFitted();
    const c = isTensor(codes) ? Array.from(codes.data) : Array.from(codes as ArrayLike<number>);
    return c.map((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= this.numClasses) {
        throw new RangeError(expected(`integer code in [0, ${this.numClasses - 1}]`, `codes[${i}]`, describe(k)));
      }
      return this.classes![k];
    });
  }

  toJSON(): PreprocessorJSON {
    return { type: this.type, version: 1, config: {}, state: this.classes ? { classes: this.classes } : null };
  }

  static fromJSON(json: unknown): LabelEncoder {
    const j = checkJSON(json, 'LabelEncoder');
    const e = new LabelEncoder();
    if (j.state) e.setClasses(j.state.classes as (string | number)[]);
    return e;
  }
}

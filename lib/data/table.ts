/**
 * Tables of named columns (a CSV file, JSON records) made into a dataset: the part fromCsv and
 * fromJson / fromRecords share. A reader hands the column names to TableBuilder.start(), then each
 * row as a cell accessor to add(), then takes the dataset from finish().
 *
 * Feature columns become float32 x (N, D); categorical feature columns are one-hot encoded
 * (categories sorted, names "city=Paris", or in the order given by { categories }); date columns
 * ({ dates }) become four numeric features (see DATE_PARTS). The target becomes float32 y (N, 1),
 * or int32 labels (N,) when it is categorical (classes sorted, in ds.classes) or when targetType
 * is 'label'. Cells are text (CSV) or JSON values: a number is a number; a string is read like a
 * CSV cell; true / false are 1 / 0 in a numeric column and "true" / "false" in a categorical one;
 * null, NaN, an absent key and the naValues strings are missing.
 */
import {
  assertOneOf, assertPlainObject, assertPositiveInteger, describe, expected, typeError,
} from '../core/validate';
import { dataError, DataError, where } from './errors';
import { TensorDataset, MissingPolicy } from './dataset';
import { fromArray } from './tensor-api';

export interface TableOptions {
  /** Target column: header name, or 0-based index. Omitted: the dataset has no y. */
  target?: string | number;
  /** Feature columns (names or indices), in this order. Default: every column but the target. */
  columns?: ReadonlyArray<string | number>;
  /** Columns left out of the features (names or indices), e.g. an id or a date column. */
  ignoreColumns?: ReadonlyArray<string | number>;
  /** Columns holding categories: one-hot encoded features, or a label-encoded target. */
  categorical?: ReadonlyArray<string | number>;
  /**
   * Fixed categories per column name (implies categorical): the one-hot block (or the classes
   * of a categorical target) has exactly these, in this order, whatever the file holds.
   * A value outside them is handled by handleUnknown (an unknown target class is always an error).
   */
  categories?: Readonly<Record<string, readonly string[]>>;
  /** A value outside fixed categories: 'error' (default) or 'ignore' (an all-zero one-hot block). */
  handleUnknown?: 'error' | 'ignore';
  /**
   * Feature columns of dates (ISO 8601 YYYY-MM-DD, YYYY/MM/DD, "Jan 2 2006", "2 Jan 2006": forms
   * whose day and month cannot be confused; a time part is ignored): each becomes the numeric
   * features "<col>.year", "<col>.month" (1-12),
   * "<col>.dayOfYear" (1-366) and "<col>.weekday" (0 = Monday ... 6 = Sunday).
   */
  dates?: ReadonlyArray<string | number>;
  /** Missing feature cells: 'error' (default) or 'keep' as NaN. */
  missing?: MissingPolicy;
  /** A row whose target is missing: 'error' (default) or 'drop' the row (counted in ds.droppedRows). */
  missingTarget?: 'error' | 'drop';
  /** Cells that count as missing (default: '', NA, N/A, NaN, nan, null, NULL). */
  naValues?: readonly string[];
  /** 'float' targets (N, 1) or int32 'label's (N,). Default: 'label' if the target is categorical. */
  targetType?: 'float' | 'label';
  /** For label targets: labels must be < numClasses. */
  numClasses?: number;
}

/** A dataset read from a table (CSV, JSON records), with what is needed to encode new rows the same way. */
export class TableDataset extends TensorDataset {
  /** Source columns used as features, in order. */
  columns: string[] = [];
  /** Categories of each categorical feature column. */
  categories: Record<string, string[]> = {};
  /** Feature columns parsed as dates. */
  dates: string[] = [];
  /** Target column name (if any). */
  targetName?: string;
  /** Class names of a categorical target (label k is classes[k]). */
  classes?: string[];
  /** Rows left out because their target was missing ({ missingTarget: 'drop' }). */
  droppedRows = 0;
}

export const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];

/** The numeric features a date column becomes, in this order. */
export const DATE_PARTS = ['year', 'month', 'dayOfYear', 'weekday'] as const;

/** One cell: CSV text, or a JSON value (undefined: the record has no such key). */
export type Cell = string | number | boolean | null | undefined;

/** What a reader feeds rows into: TableBuilder (a dataset) or ColumnScan (column types, lib/data/inspect.ts). */
export interface RowSink {
  /** start() was called. */
  readonly started: boolean;
  /** The column names, before the first row. */
  start(names: string[]): void;
  /** One row; `row` (1-based) locates it in errors. */
  add(cell: (index: number) => Cell, row: number): void;
}

interface ColumnPlan {
  name: string;
  index: number;
  kind: 'numeric' | 'categorical' | 'date';
  /** Fixed categories (opts.categories) and their positions. */
  fixed?: { values: string[]; index: Map<string, number> };
}

interface Plan {
  features: ColumnPlan[];
  target: ColumnPlan | null;
}

/** Checks the options every table reader takes. */
export function checkTableOptions(o: TableOptions): void {
  if (o.target !== undefined && typeof o.target !== 'string' && !Number.isInteger(o.target)) {
    typeError('column name or index', 'target', o.target);
  }
  for (const key of ['columns', 'ignoreColumns', 'categorical', 'dates'] as const) {
    const v = o[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((c) => typeof c !== 'string' && !Number.isInteger(c)))) {
      typeError('array of column names or indices', key, v);
    }
  }
  if (o.categories !== undefined) {
    assertPlainObject(o.categories as unknown, 'categories');
    for (const [col, values] of Object.entries(o.categories)) {
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) typeError('array of strings', `categories.${col}`, values);
      const dup = values.find((v, i) => values.indexOf(v) !== i);
      if (dup !== undefined) throw new RangeError(expected('distinct categories', `categories.${col}`, `${describe(dup)} twice`));
    }
  }
  if (o.handleUnknown !== undefined) assertOneOf(o.handleUnknown, 'handleUnknown', ['error', 'ignore'] as const);
  if (o.missing !== undefined) assertOneOf(o.missing, 'missing', ['error', 'keep'] as const);
  if (o.missingTarget !== undefined) assertOneOf(o.missingTarget, 'missingTarget', ['error', 'drop'] as const);
  if (o.naValues !== undefined && (!Array.isArray(o.naValues) || o.naValues.some((s) => typeof s !== 'string'))) {
    typeError('array of strings', 'naValues', o.naValues);
  }
  if (o.targetType !== undefined) assertOneOf(o.targetType, 'targetType', ['float', 'label'] as const);
  if (o.numClasses !== undefined) assertPositiveInteger(o.numClasses, 'numClasses');
}

/**
 * Collects rows column by column and encodes them. `file` names the source in errors; `hint`
 * (given the column names) is appended to "not a column" errors.
 */
export class TableBuilder implements RowSink {
  private plan: Plan | null = null;
  // Growing column stores: numbers for numeric columns (days since 1970 for dates), strings for categorical ones.
  private numeric: number[][] = [];
  private cats: (string | null)[][] = [];
  private targetNum: number[] = [];
  private targetCat: string[] = [];
  private readonly na: Set<string>;
  private readonly ignoreUnknown: boolean;
  /** Rows added so far. */
  rows = 0;
  /** Rows skipped for a missing target ({ missingTarget: 'drop' }). */
  dropped = 0;

  constructor(private readonly file: string, private readonly opts: TableOptions,
    private readonly hint: (names: string[]) => string = () => '') {
    this.na = new Set(opts.naValues ?? DEFAULT_NA);
    this.ignoreUnknown = opts.handleUnknown === 'ignore';
  }

  get started(): boolean {
    return this.plan !== null;
  }

  /** Resolves the options' columns against the table's column names. */
  start(names: string[]): void {
    this.plan = makePlan(names, this.opts, this.file, this.hint(names));
    this.numeric = this.plan.features.map(() => []);
    this.cats = this.plan.features.map(() => []);
  }

  /** Adds one row; `row` (1-based) locates it in errors. */
  add(cell: (index: number) => Cell, row: number): void {
    const p = this.plan!;
    const { file, opts } = this;
    const target = p.target ? this.read(cell(p.target.index), row, p.target.name) : null;
    if (p.target && target === null) {
      if (opts.missingTarget === 'drop') {
        this.dropped++;
        return;
      }
      dataError('a target value', { file, row, column: p.target.name }, cellDesc(cell(p.target.index)));
    }
    for (let f = 0; f < p.features.length; f++) {
      const col = p.features[f];
      const v = this.read(cell(col.index), row, col.name);
      if (v === null) {
        if ((opts.missing ?? 'error') === 'error') missingError(file, row, col.name, cell(col.index));
        if (col.kind === 'categorical') this.cats[f].push(null);
        else this.numeric[f].push(NaN);
      } else if (col.kind === 'categorical') {
        const key = String(v);
        if (col.fixed && !col.fixed.index.has(key)) {
          if (!this.ignoreUnknown) unknownCategory(col, v, file, row, "; pass handleUnknown: 'ignore' to encode it as all zeros");
          this.cats[f].push(null);
        } else {
          this.cats[f].push(key);
        }
      } else if (col.kind === 'date') {
        this.numeric[f].push(parseDate(v, file, row, col.name));
      } else {
        this.numeric[f].push(toNumber(v, file, row, col.name));
      }
    }
    if (p.target) {
      const v = target!;
      if (p.target.kind === 'categorical') {
        const key = String(v);
        if (p.target.fixed && !p.target.fixed.index.has(key)) unknownCategory(p.target, v, file, row, '');
        this.targetCat.push(key);
      } else {
        const x = toNumber(v, file, row, p.target.name);
        if (opts.targetType === 'label') {
          const ok = Number.isInteger(x) && x >= 0 && (opts.numClasses === undefined || x < opts.numClasses);
          if (!ok) {
            const what = opts.numClasses !== undefined ? `integer label in [0, ${opts.numClasses - 1}]` : 'non-negative integer label';
            dataError(what, { file, row, column: p.target.name }, describe(v));
          }
        }
        this.targetNum.push(x);
      }
    }
    this.rows++;
  }

  /** The cell as a number, boolean or trimmed text; null when missing. Objects and arrays are refused. */
  private read(v: Cell, row: number, column: string): string | number | boolean | null {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') {
      const t = v.trim();
      return this.na.has(t) ? null : t;
    }
    if (typeof v === 'number') return Number.isNaN(v) ? null : v;
    if (typeof v === 'boolean') return v;
    return dataError('a number, string, boolean or null', { file: this.file, row, column },
      Array.isArray(v) ? 'an array' : describe(v));
  }

  /** Encodes the rows added (categories fixed, or sorted as seen; one-hot blocks; date parts). */
  finish(): TableDataset {
    const p = this.plan!;
    const { rows, opts, file } = this;
    if (rows === 0 && this.dropped > 0) {
      throw new DataError(expected('at least one row with a target value', `${file} column "${p.target!.name}"`,
        `${this.dropped} row${this.dropped === 1 ? '' : 's'}, none with one`), { file, column: p.target!.name });
    }
    const categories: Record<string, string[]> = {};
    const featureNames: string[] = [];
    const blocks: { f: number; kind: ColumnPlan['kind']; index?: Map<string, number>; width: number }[] = [];
    p.features.forEach((col, f) => {
      if (col.kind === 'categorical') {
        const c = col.fixed ? [...col.fixed.values] : [...new Set(this.cats[f].filter((v): v is string => v !== null))].sort();
        categories[col.name] = c;
        for (const v of c) featureNames.push(`${col.name}=${v}`);
        blocks.push({ f, kind: col.kind, index: new Map(c.map((v, k) => [v, k])), width: c.length });
      } else if (col.kind === 'date') {
        for (const part of DATE_PARTS) featureNames.push(`${col.name}.${part}`);
        blocks.push({ f, kind: col.kind, width: DATE_PARTS.length });
      } else {
        featureNames.push(col.name);
        blocks.push({ f, kind: col.kind, width: 1 });
      }
    });
    const d = featureNames.length;
    const x = new Float32Array(rows * d);
    let off = 0;
    for (const b of blocks) {
      if (b.kind === 'categorical') {
        const col = this.cats[b.f];
        for (let i = 0; i < rows; i++) {
          const v = col[i];
          if (v !== null) x[i * d + off + b.index!.get(v)!] = 1;
        }
      } else if (b.kind === 'date') {
        const col = this.numeric[b.f];
        for (let i = 0; i < rows; i++) dateParts(col[i], x, i * d + off);
      } else {
        const col = this.numeric[b.f];
        for (let i = 0; i < rows; i++) x[i * d + off] = col[i];
      }
      off += b.width;
    }
    this.numeric = []; this.cats = [];

    let y: ReturnType<typeof fromArray> | undefined;
    let numClasses: number | undefined;
    let classes: string[] | undefined;
    if (p.target) {
      const targetCat = this.targetCat, targetNum = this.targetNum;
      if (p.target.kind === 'categorical') {
        classes = p.target.fixed ? [...p.target.fixed.values] : [...new Set(targetCat)].sort();
        const index = new Map(classes.map((c, k) => [c, k]));
        numClasses = classes.length;
        if (opts.numClasses !== undefined && opts.numClasses < numClasses) {
          throw new DataError(expected(`at most ${opts.numClasses} classes (numClasses)`,
            `${file} column "${p.target.name}"`, `${numClasses} classes`), { file, column: p.target.name });
        }
        numClasses = opts.numClasses ?? numClasses;
        y = fromArray(Int32Array.from(targetCat, (c) => index.get(c)!), [rows]);
      } else if (opts.targetType === 'label') {
        numClasses = opts.numClasses ?? targetNum.reduce((a, b) => Math.max(a, b), -1) + 1;
        y = fromArray(Int32Array.from(targetNum), [rows]);
      } else {
        y = fromArray(Float32Array.from(targetNum), [rows, 1]);
      }
    }
    this.targetNum = []; this.targetCat = [];
    const ds = new TableDataset(fromArray(x, [rows, d]), y, { numClasses, featureNames });
    ds.columns = p.features.map((c) => c.name);
    ds.categories = categories;
    ds.dates = p.features.filter((c) => c.kind === 'date').map((c) => c.name);
    ds.targetName = p.target?.name;
    ds.classes = classes;
    ds.droppedRows = this.dropped;
    return ds;
  }
}

/** A missing cell as the source wrote it. */
function cellDesc(raw: Cell): string {
  if (raw === undefined) return 'no value (the key is absent)';
  if (raw === null) return 'null';
  const text = typeof raw === 'string' ? raw.trim() : raw;
  return text === '' ? 'an empty cell' : `${describe(text)} (a missing-value marker)`;
}

function missingError(file: string, row: number, column: string, raw: Cell): never {
  throw new DataError(
    `${expected('a value', `${file} row ${row} column "${column}"`, cellDesc(raw))}; pass { missing: 'keep' } and impute it (SimpleImputer)`,
    { file, row, column });
}

function unknownCategory(col: ColumnPlan, raw: string | number | boolean, file: string, row: number, hint: string): never {
  const values = col.fixed!.values;
  const list = values.length > 20 ? `${values.slice(0, 20).join(', ')}, ...` : values.join(', ');
  throw new DataError(`${expected(`one of the known categories (${list})`, where({ file, row, column: col.name }), describe(raw))}${hint}`,
    { file, row, column: col.name });
}

/** A numeric cell: a number as it is, true / false as 1 / 0, text parsed. */
function toNumber(v: string | number | boolean, file: string, row: number, column: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const x = Number(v);
  if (Number.isNaN(x) || v === '') dataError('number', { file, row, column }, describe(v));
  return x;
}

// Dates whose day and month cannot be confused: the year first (ISO 8601 YYYY-MM-DD, or with '/'
// or '.'), or the month by name ("Jan 1 2000", "January 1, 2000", "1 Jan 2000", "1-Jan-2000").
// 07/04/2016 is refused: July 4 in the US, 7 April elsewhere. A time part is ignored.
const TIME = String.raw`(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const MONTH_DAY_YEAR = new RegExp(String.raw`^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})${TIME}$`);
const DAY_MONTH_YEAR = new RegExp(String.raw`^(\d{1,2})([ -])([A-Za-z]{3,9})\.?\2(\d{4})${TIME}$`);
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY_MS = 86_400_000;
const DATE_FORMATS = 'YYYY-MM-DD, YYYY/MM/DD, "Jan 2 2006" or "2 Jan 2006"';

/** 1-12 for an English month name or an abbreviation of at least 3 letters ("Sep", "Sept"); 0 otherwise. */
function monthNumber(name: string): number {
  const n = name.toLowerCase();
  return MONTHS.findIndex((m) => m.startsWith(n)) + 1;
}

/** The calendar date as written (a time part is ignored) as days since 1970-01-01; null if it is not one of the forms. */
export function dateValue(raw: string): number | null {
  let ymd: [number, number, number] | null = null;
  let m: RegExpExecArray | null;
  if ((m = YEAR_FIRST.exec(raw))) ymd = [Number(m[1]), Number(m[3]), Number(m[4])];
  else if ((m = MONTH_DAY_YEAR.exec(raw))) ymd = [Number(m[3]), monthNumber(m[1]), Number(m[2])];
  else if ((m = DAY_MONTH_YEAR.exec(raw))) ymd = [Number(m[4]), monthNumber(m[3]), Number(m[1])];
  if (ymd) {
    const [y, mo, d] = ymd;
    const t = Date.UTC(y, mo - 1, d);
    const back = new Date(t);
    if (mo >= 1 && back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) return t / DAY_MS;
  }
  return null;
}

function parseDate(v: string | number | boolean, file: string, row: number, column: string): number {
  const days = typeof v === 'string' ? dateValue(v) : null;
  return days ?? dataError(`a date (${DATE_FORMATS})`, { file, row, column }, describe(v));
}

/** Writes year, month, dayOfYear, weekday (Monday = 0) of a day number at out[at..at+3]; NaN for a missing date. */
function dateParts(days: number, out: Float32Array, at: number): void {
  if (Number.isNaN(days)) {
    out.fill(NaN, at, at + DATE_PARTS.length);
    return;
  }
  const date = new Date(days * DAY_MS);
  const year = date.getUTCFullYear();
  out[at] = year;
  out[at + 1] = date.getUTCMonth() + 1;
  out[at + 2] = days - Date.UTC(year, 0, 1) / DAY_MS + 1;
  out[at + 3] = (date.getUTCDay() + 6) % 7;
}

/** Resolves the options' columns (names or indices) against the table's; `hint` ends "not a column" errors. */
function makePlan(names: string[], opts: TableOptions, file: string, hint: string): Plan {
  const list = (names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ')) + hint;
  const resolve = (c: string | number, name: string): number => {
    if (typeof c === 'number') {
      if (c < 0 || c >= names.length) {
        throw new RangeError(expected(`column index in [0, ${names.length - 1}] (${file} has ${names.length} columns)`, name, describe(c)));
      }
      return c;
    }
    const i = names.indexOf(c);
    if (i < 0) throw new RangeError(expected(`a column of ${file} (${list})`, name, describe(c)));
    return i;
  };
  /** Named columns of a list, all missing ones reported at once (new files checked against a training file's columns). */
  const resolveAll = (cols: ReadonlyArray<string | number>, name: string): number[] => {
    const absent = cols.filter((c): c is string => typeof c === 'string' && !names.includes(c));
    if (absent.length > 0) {
      throw new DataError(expected(`the column${absent.length === 1 ? '' : 's'} ${absent.map((c) => `"${c}"`).join(', ')} (listed in ${name})`,
        file, `a header without ${absent.length === 1 ? 'it' : 'them'} (${list})`), { file, column: absent[0] });
    }
    return cols.map((c, k) => resolve(c, `${name}[${k}]`));
  };
  const targetIndex = opts.target === undefined ? -1 : resolve(opts.target, 'target');
  const ignored = new Set(resolveAll(opts.ignoreColumns ?? [], 'ignoreColumns'));
  if (ignored.has(targetIndex)) {
    throw new RangeError(expected('columns other than the target', 'ignoreColumns', `the target column "${names[targetIndex]}"`));
  }
  const featureIdx = (opts.columns ? resolveAll(opts.columns, 'columns') : names.map((_, i) => i).filter((i) => i !== targetIndex))
    .filter((i) => !ignored.has(i));
  const fixed = opts.categories ?? {};
  const categorical = new Set((opts.categorical ?? []).map((c) => resolve(c, 'categorical')));
  for (const c of resolveAll(Object.keys(fixed), 'categories')) categorical.add(c);
  const dates = new Set(resolveAll(opts.dates ?? [], 'dates'));
  if (featureIdx.includes(targetIndex)) {
    throw new RangeError(expected('feature columns without the target', 'columns', `the target column "${names[targetIndex]}"`));
  }
  if (featureIdx.length === 0) throw new RangeError(expected('at least one feature column', 'columns', `none in ${file}`));
  for (const i of dates) {
    if (categorical.has(i)) throw new RangeError(expected('a column that is not categorical', 'dates', `"${names[i]}" (also categorical)`));
    if (!featureIdx.includes(i)) throw new RangeError(expected('feature columns', 'dates', `"${names[i]}" (${i === targetIndex ? 'the target' : 'not a feature column'})`));
  }
  const column = (i: number): ColumnPlan => {
    const name = names[i];
    const values = Object.prototype.hasOwnProperty.call(fixed, name) ? fixed[name] : undefined;
    return {
      name, index: i,
      kind: categorical.has(i) ? 'categorical' : dates.has(i) ? 'date' : 'numeric',
      fixed: values ? { values: [...values], index: new Map(values.map((v, k) => [v, k])) } : undefined,
    };
  };
  return { features: featureIdx.map(column), target: targetIndex < 0 ? null : column(targetIndex) };
}

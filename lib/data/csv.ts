/**
 * CSV datasets, read with csv-parse's streaming parser (a file path or any Readable).
 *
 *   const ds = await fromCsv('houses.csv', { target: 'price', categorical: ['city'], missing: 'keep' });
 *
 * Feature columns become float32 x (N, D); categorical feature columns are one-hot encoded
 * (categories sorted, names "city=Paris", or in the order given by { categories }); date columns
 * ({ dates }) become four numeric features (see DATE_PARTS). The target becomes float32 y (N, 1),
 * or int32 labels (N,) when it is categorical (classes sorted, in ds.classes) or when targetType
 * is 'label'. Columns are chosen by name or index ({ columns }, { ignoreColumns }); to encode new
 * rows the way a training file was encoded, pass its ds.columns, ds.categories and the same dates.
 * Missing cells (empty, NA, N/A, NaN, nan, null, NULL by default) are an error unless
 * { missing: 'keep' }, which stores NaN (for a SimpleImputer) and all-zero one-hot blocks.
 * Every bad cell is reported with the file, the row (1-based line number in the file, header
 * included) and the column name.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { lazyModule } from '../core/lazy';
import {
  assertBoolean, assertOneOf, assertPlainObject, assertPositiveInteger, assertString, describe, expected, typeError,
} from '../core/validate';
import { dataError, DataError, where } from './errors';
import { TensorDataset, MissingPolicy } from './dataset';
import { fromArray } from './tensor-api';

// Loaded by the first fromCsv(), not with the package (see lib/core/lazy.ts).
const csvParse = lazyModule(() => require('csv-parse') as typeof import('csv-parse'));

export interface CsvOptions {
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
  /** The first line names the columns (default true). Without one, columns are named "0", "1", ... */
  header?: boolean;
  /** Field delimiter, one character (default ','). */
  delimiter?: string;
  /** Missing feature cells: 'error' (default) or 'keep' as NaN. A missing target is always an error. */
  missing?: MissingPolicy;
  /** Cells that count as missing (default: '', NA, N/A, NaN, nan, null, NULL). */
  naValues?: readonly string[];
  /** 'float' targets (N, 1) or int32 'label's (N,). Default: 'label' if the target is categorical. */
  targetType?: 'float' | 'label';
  /** For label targets: labels must be < numClasses. */
  numClasses?: number;
  /** Name used in error messages for a stream source (default "<stream>"). */
  name?: string;
}

/** A dataset read from CSV, with what is needed to encode new rows the same way. */
export class CsvDataset extends TensorDataset {
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
}

const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];

/** The numeric features a date column becomes, in this order. */
export const DATE_PARTS = ['year', 'month', 'dayOfYear', 'weekday'] as const;

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

/** Reads a CSV file (path) or stream into a dataset. */
export async function fromCsv(source: string | Readable, opts: CsvOptions = {}): Promise<CsvDataset> {
  let file: string;
  let input: Readable;
  if (typeof source === 'string') {
    file = source;
    assertPlainObject(opts as unknown, 'options');
    checkOptions(opts);
    await fs.promises.access(source, fs.constants.R_OK);
    input = fs.createReadStream(source);
  } else if (source instanceof Readable || (typeof source === 'object' && source !== null && typeof (source as Readable).pipe === 'function')) {
    assertPlainObject(opts as unknown, 'options');
    checkOptions(opts);
    file = opts.name ?? '<stream>';
    input = source as Readable;
  } else {
    typeError('file path or Readable stream', 'source', source);
  }
  return readCsv(input, file, opts);
}

/** Same as fromCsv(stream, opts); `name` labels the stream in error messages. */
export function fromCsvStream(stream: Readable, opts: CsvOptions = {}): Promise<CsvDataset> {
  return fromCsv(stream, opts);
}

function checkOptions(o: CsvOptions): void {
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
  if (o.header !== undefined) assertBoolean(o.header, 'header');
  if (o.delimiter !== undefined) {
    assertString(o.delimiter, 'delimiter');
    if (o.delimiter.length !== 1) throw new RangeError(expected('one character', 'delimiter', describe(o.delimiter)));
  }
  if (o.missing !== undefined) assertOneOf(o.missing, 'missing', ['error', 'keep'] as const);
  if (o.naValues !== undefined && (!Array.isArray(o.naValues) || o.naValues.some((s) => typeof s !== 'string'))) {
    typeError('array of strings', 'naValues', o.naValues);
  }
  if (o.targetType !== undefined) assertOneOf(o.targetType, 'targetType', ['float', 'label'] as const);
  if (o.numClasses !== undefined) assertPositiveInteger(o.numClasses, 'numClasses');
  if (o.name !== undefined) assertString(o.name, 'name');
}

async function readCsv(input: Readable, file: string, opts: CsvOptions): Promise<CsvDataset> {
  const header = opts.header ?? true;
  const missing = opts.missing ?? 'error';
  const ignoreUnknown = opts.handleUnknown === 'ignore';
  const na = new Set(opts.naValues ?? DEFAULT_NA);
  const parser = csvParse().parse({
    delimiter: opts.delimiter ?? ',',
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
    info: true,
  });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);

  let names: string[] | null = null;
  let width = -1;
  let plan: Plan | null = null;
  // Growing column stores: numbers for numeric columns (days since 1970 for dates), strings for categorical ones.
  let numeric: number[][] = [];
  let cats: (string | null)[][] = [];
  let targetNum: number[] = [];
  let targetCat: string[] = [];
  let rows = 0;
  let sawHeader = false;
  const start = (columnNames: string[]): void => {
    names = columnNames;
    plan = makePlan(columnNames, opts, file);
    numeric = plan.features.map(() => []);
    cats = plan.features.map(() => []);
  };

  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      const line = info.lines;
      if (names === null) {
        width = record.length;
        if (header) {
          start(record.map((s) => s.trim()));
          sawHeader = true;
          continue;
        }
        start(record.map((_, i) => String(i)));
      }
      if (record.length !== width) {
        dataError(`${width} fields`, { file, row: line }, `${record.length} field${record.length === 1 ? '' : 's'}`);
      }
      const p = plan!;
      for (let f = 0; f < p.features.length; f++) {
        const col = p.features[f];
        const raw = record[col.index].trim();
        const isNa = na.has(raw);
        if (isNa && missing === 'error') missingError(file, line, col.name, raw);
        if (col.kind === 'categorical') {
          if (!isNa && col.fixed && !col.fixed.index.has(raw)) {
            if (!ignoreUnknown) unknownCategory(col, raw, file, line, "; pass handleUnknown: 'ignore' to encode it as all zeros");
            cats[f].push(null);
          } else {
            cats[f].push(isNa ? null : raw);
          }
        } else if (col.kind === 'date') {
          numeric[f].push(isNa ? NaN : parseDate(raw, file, line, col.name));
        } else {
          numeric[f].push(isNa ? NaN : parseNumber(raw, file, line, col.name));
        }
      }
      if (p.target) {
        const raw = record[p.target.index].trim();
        if (na.has(raw)) dataError('a target value', { file, row: line, column: p.target.name }, cellDesc(raw));
        if (p.target.kind === 'categorical') {
          if (p.target.fixed && !p.target.fixed.index.has(raw)) unknownCategory(p.target, raw, file, line, '');
          targetCat.push(raw);
        } else {
          const v = parseNumber(raw, file, line, p.target.name);
          if (opts.targetType === 'label') {
            const ok = Number.isInteger(v) && v >= 0 && (opts.numClasses === undefined || v < opts.numClasses);
            if (!ok) {
              const what = opts.numClasses !== undefined ? `integer label in [0, ${opts.numClasses - 1}]` : 'non-negative integer label';
              dataError(what, { file, row: line, column: p.target.name }, describe(raw));
            }
          }
          targetNum.push(v);
        }
      }
      rows++;
    }
  } catch (e) {
    input.unpipe(parser);
    if (typeof (input as { destroy?: () => void }).destroy === 'function') input.destroy();
    if (e instanceof DataError || e instanceof TypeError || e instanceof RangeError) throw e;
    const err = e as { code?: string; lines?: number; message?: string };
    // csv-parse errors (e.g. an unclosed quote) carry the line number.
    throw new DataError(expected('well-formed CSV', `${file}${err.lines ? ` row ${err.lines}` : ''}`,
      `a parse error: ${err.message ?? String(e)}`), { file, row: err.lines });
  }

  if (names === null) throw new DataError(expected('CSV data', file, 'an empty file'), { file });
  if (rows === 0 && sawHeader) throw new DataError(expected('at least one data row', file, 'only a header'), { file });
  const p = plan! as Plan;

  // Categories (fixed, or sorted as seen); one-hot columns; date parts.
  const categories: Record<string, string[]> = {};
  const featureNames: string[] = [];
  const blocks: { f: number; kind: ColumnPlan['kind']; index?: Map<string, number>; width: number }[] = [];
  p.features.forEach((col, f) => {
    if (col.kind === 'categorical') {
      const c = col.fixed ? [...col.fixed.values] : [...new Set(cats[f].filter((v): v is string => v !== null))].sort();
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
      const col = cats[b.f];
      for (let i = 0; i < rows; i++) {
        const v = col[i];
        if (v !== null) x[i * d + off + b.index!.get(v)!] = 1;
      }
    } else if (b.kind === 'date') {
      const col = numeric[b.f];
      for (let i = 0; i < rows; i++) dateParts(col[i], x, i * d + off);
    } else {
      const col = numeric[b.f];
      for (let i = 0; i < rows; i++) x[i * d + off] = col[i];
    }
    off += b.width;
  }
  numeric = []; cats = [];

  let y: ReturnType<typeof fromArray> | undefined;
  let numClasses: number | undefined;
  let classes: string[] | undefined;
  if (p.target) {
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
  targetNum = []; targetCat = [];
  const ds = new CsvDataset(fromArray(x, [rows, d]), y, { numClasses, featureNames });
  ds.columns = p.features.map((c) => c.name);
  ds.categories = categories;
  ds.dates = p.features.filter((c) => c.kind === 'date').map((c) => c.name);
  ds.targetName = p.target?.name;
  ds.classes = classes;
  return ds;
}

function cellDesc(raw: string): string {
  return raw === '' ? 'an empty cell' : `${describe(raw)} (a missing-value marker)`;
}

function missingError(file: string, row: number, column: string, raw: string): never {
  throw new DataError(
    `${expected('a value', `${file} row ${row} column "${column}"`, cellDesc(raw))}; pass { missing: 'keep' } and impute it (SimpleImputer)`,
    { file, row, column });
}

function unknownCategory(col: ColumnPlan, raw: string, file: string, row: number, hint: string): never {
  const values = col.fixed!.values;
  const list = values.length > 20 ? `${values.slice(0, 20).join(', ')}, ...` : values.join(', ');
  throw new DataError(`${expected(`one of the known categories (${list})`, where({ file, row, column: col.name }), describe(raw))}${hint}`,
    { file, row, column: col.name });
}

function parseNumber(raw: string, file: string, row: number, column: string): number {
  const v = Number(raw);
  if (Number.isNaN(v) || raw === '') dataError('number', { file, row, column }, describe(raw));
  return v;
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

/** The calendar date as written (a time part is ignored) as days since 1970-01-01. */
function parseDate(raw: string, file: string, row: number, column: string): number {
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
  return dataError(`a date (${DATE_FORMATS})`, { file, row, column }, describe(raw));
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

/**
 * A header read as one column that holds another common delimiter (a European CSV with ';', a
 * TSV): the hint appended to "column not found" errors.
 */
function delimiterHint(names: string[], opts: CsvOptions): string {
  if (names.length !== 1) return '';
  const used = opts.delimiter ?? ',';
  const found = [';', '\t', '|', ','].find((d) => d !== used && names[0].includes(d));
  if (found === undefined) return '';
  const shown = found === '\t' ? "'\\t'" : `'${found}'`;
  return `; the header is one column: the file looks delimited by ${shown}, pass delimiter: ${shown}`;
}

function makePlan(names: string[], opts: CsvOptions, file: string): Plan {
  const list = (names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ')) + delimiterHint(names, opts);
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

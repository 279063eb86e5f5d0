/**
 * CSV datasets, read with csv-parse's streaming parser (a file path or any Readable).
 *
 *   const ds = await fromCsv('houses.csv', { target: 'price', categorical: ['city'], missing: 'keep' });
 *
 * Feature columns become float32 x (N, D); categorical feature columns are one-hot encoded
 * (categories sorted, names "city=Paris"). The target becomes float32 y (N, 1), or int32 labels
 * (N,) when it is categorical (classes sorted, in ds.classes) or when targetType is 'label'.
 * Missing cells (empty, NA, N/A, NaN, nan, null, NULL by default) are an error unless
 * { missing: 'keep' }, which stores NaN (for a SimpleImputer) and all-zero one-hot blocks.
 * Every bad cell is reported with the file, the row (1-based line number in the file, header
 * included) and the column name.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import {
  assertBoolean, assertOneOf, assertPlainObject, assertPositiveInteger, assertString, describe, expected, typeError,
} from '../core/validate';
import { dataError, DataError } from './errors';
import { TensorDataset, MissingPolicy } from './dataset';
import { fromArray } from './tensor-api';

export interface CsvOptions {
  /** Target column: header name, or 0-based index. Omitted: the dataset has no y. */
  target?: string | number;
  /** Feature columns (names or indices). Default: every column but the target. */
  columns?: ReadonlyArray<string | number>;
  /** Columns holding categories: one-hot encoded features, or a label-encoded target. */
  categorical?: ReadonlyArray<string | number>;
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
  /** Target column name (if any). */
  targetName?: string;
  /** Class names of a categorical target (label k is classes[k]). */
  classes?: string[];
}

const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];

interface ColumnPlan {
  name: string;
  index: number;
  categorical: boolean;
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
  for (const key of ['columns', 'categorical'] as const) {
    const v = o[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((c) => typeof c !== 'string' && !Number.isInteger(c)))) {
      typeError('array of column names or indices', key, v);
    }
  }
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
  const na = new Set(opts.naValues ?? DEFAULT_NA);
  const parser = parse({
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
  let plan: { features: ColumnPlan[]; target: ColumnPlan | null } | null = null;
  // Growing column stores: numbers for numeric columns, strings for categorical ones.
  let numeric: number[][] = [];
  let cats: (string | null)[][] = [];
  let targetNum: number[] = [];
  let targetCat: string[] = [];
  let rows = 0;
  let sawHeader = false;
  const targetIsLabel = (): boolean => opts.targetType === 'label' || (plan?.target?.categorical ?? false);

  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      const line = info.lines;
      if (names === null) {
        width = record.length;
        if (header) {
          names = record.map((s) => s.trim());
          sawHeader = true;
          plan = makePlan(names, opts, file);
          numeric = plan.features.map(() => []);
          cats = plan.features.map(() => []);
          continue;
        }
        names = record.map((_, i) => String(i));
        plan = makePlan(names, opts, file);
        numeric = plan.features.map(() => []);
        cats = plan.features.map(() => []);
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
        if (col.categorical) cats[f].push(isNa ? null : raw);
        else numeric[f].push(isNa ? NaN : parseNumber(raw, file, line, col.name));
      }
      if (p.target) {
        const raw = record[p.target.index].trim();
        if (na.has(raw)) dataError('a target value', { file, row: line, column: p.target.name }, cellDesc(raw));
        if (p.target.categorical) {
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
  const p = plan!;

  // Categories, sorted; one-hot columns.
  const categories: Record<string, string[]> = {};
  const featureNames: string[] = [];
  const blocks: { f: number; index?: Map<string, number>; width: number }[] = [];
  p.features.forEach((col, f) => {
    if (col.categorical) {
      const c = [...new Set(cats[f].filter((v): v is string => v !== null))].sort();
      categories[col.name] = c;
      for (const v of c) featureNames.push(`${col.name}=${v}`);
      blocks.push({ f, index: new Map(c.map((v, k) => [v, k])), width: c.length });
    } else {
      featureNames.push(col.name);
      blocks.push({ f, width: 1 });
    }
  });
  const d = featureNames.length;
  const x = new Float32Array(rows * d);
  let off = 0;
  for (const b of blocks) {
    if (b.index) {
      const col = cats[b.f];
      for (let i = 0; i < rows; i++) {
        const v = col[i];
        if (v !== null) x[i * d + off + b.index.get(v)!] = 1;
      }
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
    if (p.target.categorical) {
      classes = [...new Set(targetCat)].sort();
      const index = new Map(classes.map((c, k) => [c, k]));
      numClasses = classes.length;
      if (opts.numClasses !== undefined && opts.numClasses < numClasses) {
        throw new DataError(expected(`at most ${opts.numClasses} classes (numClasses)`,
          `${file} column "${p.target.name}"`, `${numClasses} classes`), { file, column: p.target.name });
      }
      numClasses = opts.numClasses ?? numClasses;
      y = fromArray(Int32Array.from(targetCat, (c) => index.get(c)!), [rows]);
    } else if (targetIsLabel()) {
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

function parseNumber(raw: string, file: string, row: number, column: string): number {
  const v = Number(raw);
  if (Number.isNaN(v) || raw === '') dataError('number', { file, row, column }, describe(raw));
  return v;
}

function makePlan(names: string[], opts: CsvOptions, file: string): { features: ColumnPlan[]; target: ColumnPlan | null } {
  const resolve = (c: string | number, name: string): number => {
    if (typeof c === 'number') {
      if (c < 0 || c >= names.length) {
        throw new RangeError(expected(`column index in [0, ${names.length - 1}] (${file} has ${names.length} columns)`, name, describe(c)));
      }
      return c;
    }
    const i = names.indexOf(c);
    if (i < 0) {
      const list = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
      throw new RangeError(expected(`a column of ${file} (${list})`, name, describe(c)));
    }
    return i;
  };
  const categorical = new Set((opts.categorical ?? []).map((c) => resolve(c, 'categorical')));
  const targetIndex = opts.target === undefined ? -1 : resolve(opts.target, 'target');
  const featureIdx = opts.columns
    ? opts.columns.map((c, k) => resolve(c, `columns[${k}]`))
    : names.map((_, i) => i).filter((i) => i !== targetIndex);
  if (featureIdx.includes(targetIndex)) {
    throw new RangeError(expected('feature columns without the target', 'columns', `the target column "${names[targetIndex]}"`));
  }
  if (featureIdx.length === 0) throw new RangeError(expected('at least one feature column', 'columns', `none in ${file}`));
  return {
    features: featureIdx.map((i) => ({ name: names[i], index: i, categorical: categorical.has(i) })),
    target: targetIndex < 0 ? null : { name: names[targetIndex], index: targetIndex, categorical: categorical.has(targetIndex) },
  };
}

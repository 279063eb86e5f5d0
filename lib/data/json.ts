/**
 * JSON datasets: records (one object per row, keys naming the columns) from a file or from memory.
 *
 *   const ds = await fromJson('node_modules/vega-datasets/data/cars.json',
 *     { target: 'Horsepower', categorical: ['Origin'], ignoreColumns: ['Name'], dates: ['Year'], missing: 'keep' });
 *   const rows = fromRecords(await db.query('select * from houses'), { target: 'price' });
 *
 * A file holds a JSON array of records ([{"Name": "chevrolet chevelle malibu", "Horsepower": 130,
 * ...}, ...], the form vega-datasets ships its tables in) or JSON Lines (one record per line:
 * .jsonl / .ndjson, or any file whose lines are objects). The columns are the records' keys in the
 * order they first appear; a record without a key, or with null, has a missing cell there. Values
 * are encoded as lib/data/table.ts says (numbers, text read as CSV cells, booleans, dates,
 * categories), with the same options as fromCsv. Errors name the file, the row (the record's
 * 1-based position; JSON Lines: its line) and the column.
 */
import fs from 'node:fs';
import { assertPlainObject, assertString, describe, expected, typeError } from '../core/validate';
import { DataError, dataError } from './errors';
import { Cell, checkTableOptions, RowSink, TableBuilder, TableDataset, TableOptions } from './table';

export interface JsonOptions extends TableOptions {
  /** Name used in error messages (default: the file path, or "<records>"). */
  name?: string;
}

/** A file of JSON records by its name: .json (an array, or lines of objects), .jsonl, .ndjson. */
export function isJsonPath(file: string): boolean {
  return /\.(json|jsonl|ndjson)$/i.test(file);
}

/** Reads a JSON file of records (an array of objects, or JSON Lines) into a dataset. */
export async function fromJson(file: string, opts: JsonOptions = {}): Promise<TableDataset> {
  assertString(file as unknown, 'file');
  checkOptions(opts);
  const name = opts.name ?? file;
  const { records, rows } = await readRecords(file, name);
  const table = new TableBuilder(name, opts);
  feedRecords(records, rows, name, table);
  return table.finish();
}

/** The records of a JSON file (an array, or JSON Lines: then `rows` holds their line numbers). */
export async function readRecords(file: string, name: string): Promise<{ records: unknown[]; rows: number[] | null }> {
  const text = await fs.promises.readFile(file, 'utf8');
  return parseRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, /\.(jsonl|ndjson)$/i.test(file), name);
}

/** Makes a dataset of records already in memory (objects whose keys name the columns). */
export function fromRecords(records: readonly unknown[], opts: JsonOptions = {}): TableDataset {
  if (!Array.isArray(records)) typeError('array of records (objects)', 'records', records);
  checkOptions(opts);
  const name = opts.name ?? '<records>';
  const table = new TableBuilder(name, opts);
  feedRecords(records, null, name, table);
  return table.finish();
}

function checkOptions(opts: JsonOptions): void {
  assertPlainObject(opts as unknown, 'options');
  checkTableOptions(opts);
  if (opts.name !== undefined) assertString(opts.name, 'name');
  for (const key of ['delimiter', 'header'] as const) {
    if ((opts as Record<string, unknown>)[key] !== undefined) {
      throw new TypeError(expected(`no ${key} option (it is for CSV files; JSON records name their columns)`, key,
        describe((opts as Record<string, unknown>)[key])));
    }
  }
}

/**
 * The records of a file: one JSON array, or one record per line (`lines`: the file is named
 * .jsonl / .ndjson). `rows`: their line numbers (JSON Lines).
 */
function parseRecords(text: string, lines: boolean, file: string): { records: unknown[]; rows: number[] | null } {
  if (lines) return parseLines(text, file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON Lines under another name: the first line alone is an object.
    const first = text.trimStart().split('\n', 1)[0];
    if (first.startsWith('{') && isObjectText(first)) return parseLines(text, file);
    throw new DataError(expected('well-formed JSON', file, `a parse error: ${(e as Error).message}`), { file });
  }
  if (!Array.isArray(value)) {
    const got = value !== null && typeof value === 'object'
      ? `an object with the keys ${Object.keys(value).slice(0, 8).join(', ') || '(none)'}` : describe(value);
    throw new DataError(expected('a JSON array of records (one object per row) or JSON Lines', file, got), { file });
  }
  return { records: value, rows: null };
}

function isObjectText(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

function parseLines(text: string, file: string): { records: unknown[]; rows: number[] } {
  const records: unknown[] = [];
  const rows: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch (e) {
      throw new DataError(expected('a JSON record', `${file} row ${i + 1}`, `a parse error: ${(e as Error).message}`), { file, row: i + 1 });
    }
    rows.push(i + 1);
  }
  return { records, rows };
}

/** Feeds records into `table`: the columns are every key, in the order keys first appear. */
export function feedRecords(records: readonly unknown[], rows: number[] | null, file: string, table: RowSink): void {
  if (records.length === 0) throw new DataError(expected('at least one record', file, 'none'), { file });
  const rowOf = (i: number) => (rows === null ? i + 1 : rows[i]);
  const names: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      dataError('a record (an object of column values)', { file, row: rowOf(i) }, Array.isArray(r) ? 'an array' : describe(r));
    }
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  table.start(names);
  const own = Object.prototype.hasOwnProperty;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as Record<string, unknown>;
    table.add((c) => (own.call(r, names[c]) ? r[names[c]] as Cell : undefined), rowOf(i));
  }
}

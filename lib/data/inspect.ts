/**
 * What the columns of a table hold, before choosing how to encode them (pandas' df.dtypes and
 * nunique in one pass):
 *
 *   const cols = await ng.data.inspectTable('movies.json');
 *   // [{ name: 'Title', type: 'text', distinct: 3177, suggested: 'ignore', ... },
 *   //  { name: 'Release Date', type: 'date', suggested: 'date', ... },
 *   //  { name: 'MPAA Rating', type: 'text', distinct: 7, suggested: 'categorical', ... }, ...]
 *
 * A source is a CSV file, a JSON file of records (.json, .jsonl, .ndjson) or records in memory.
 * Each cell is missing (null, an absent key, the naValues strings), a number (a JSON number, a
 * boolean, or text that parses as one), a date (text in one of fromCsv's date forms) or text.
 * `suggested` is how fromCsv / fromJson could take the column: 'numeric', 'date', 'categorical'
 * (text with at most 50 distinct values, each seen twice on average), or 'ignore' (no values, or
 * text too varied to one-hot encode: names, ids, free text).
 */
import fs from 'node:fs';
import { assertPlainObject, typeError } from '../core/validate';
import { checkCsvFormat, readCsv } from './csv';
import { feedRecords, isJsonPath, readRecords } from './json';
import { Cell, checkTableOptions, dateValue, DEFAULT_NA, RowSink } from './table';

export interface ColumnSummary {
  name: string;
  /** 'number', 'date' or 'text' when every present cell is one; 'mixed' otherwise; 'empty' when none is present. */
  type: 'number' | 'date' | 'text' | 'mixed' | 'empty';
  /** Cells with a value. */
  present: number;
  /** Missing cells. */
  missing: number;
  /** Distinct values (counted up to 10,000). */
  distinct: number;
  /** Up to 3 values that are neither numbers nor dates, as written. */
  examples: string[];
  /** How to encode it: a numeric feature, date parts, one-hot categories, or leave it out. */
  suggested: 'numeric' | 'date' | 'categorical' | 'ignore';
}

export interface InspectOptions {
  /** CSV field delimiter (default ','). */
  delimiter?: string;
  /** CSV: the first line names the columns (default true). */
  header?: boolean;
  /** Cells that count as missing (default: '', NA, N/A, NaN, nan, null, NULL). */
  naValues?: readonly string[];
  /** Name used in error messages (default: the file path, or "<records>"). */
  name?: string;
}

/** Categorical suggestion: at most this many distinct values. */
const MAX_CATEGORIES = 50;
/** Distinct values counted per column (memory bound). */
const MAX_DISTINCT = 10_000;

/** Summarizes each column of a CSV file, a JSON records file, or records in memory. */
export async function inspectTable(source: string | readonly unknown[], opts: InspectOptions = {}): Promise<ColumnSummary[]> {
  assertPlainObject(opts as unknown, 'options');
  checkCsvFormat(opts);
  checkTableOptions({ naValues: opts.naValues });
  const scan = new ColumnScan(opts.naValues ?? DEFAULT_NA);
  if (Array.isArray(source)) {
    feedRecords(source, null, opts.name ?? '<records>', scan);
  } else if (typeof source === 'string') {
    const name = opts.name ?? source;
    if (isJsonPath(source)) {
      const { records, rows } = await readRecords(source, name);
      feedRecords(records, rows, name, scan);
    } else {
      await fs.promises.access(source, fs.constants.R_OK);
      await readCsv(fs.createReadStream(source), name, opts, scan);
    }
  } else {
    typeError('file path or array of records', 'source', source);
  }
  return scan.summaries();
}

interface ColumnCounts {
  present: number;
  numbers: number;
  dates: number;
  texts: number;
  values: Set<string>;
  examples: string[];
}

/** Counts, per column, the kinds of its cells. */
class ColumnScan implements RowSink {
  private names: string[] = [];
  private counts: ColumnCounts[] = [];
  started = false;
  rows = 0;

  private readonly na: Set<string>;

  constructor(na: readonly string[]) {
    this.na = new Set(na);
  }

  start(names: string[]): void {
    this.started = true;
    this.names = names;
    this.counts = names.map(() => ({ present: 0, numbers: 0, dates: 0, texts: 0, values: new Set<string>(), examples: [] }));
  }

  add(cell: (index: number) => Cell, _row: number): void {
    for (let c = 0; c < this.counts.length; c++) {
      const v = cell(c);
      const k = this.counts[c];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
      let text: string;
      if (typeof v === 'string') {
        text = v.trim();
        if (this.na.has(text)) continue;
        if (!Number.isNaN(Number(text))) k.numbers++;
        else if (dateValue(text) !== null) k.dates++;
        else {
          k.texts++;
          if (k.examples.length < 3 && !k.examples.includes(text)) k.examples.push(text);
        }
      } else if (typeof v === 'number' || typeof v === 'boolean') {
        text = String(v);
        k.numbers++;
      } else {
        text = JSON.stringify(v) ?? String(v);
        k.texts++;
        if (k.examples.length < 3) k.examples.push(text.length > 40 ? `${text.slice(0, 40)}...` : text);
      }
      k.present++;
      if (k.values.size < MAX_DISTINCT) k.values.add(text);
    }
    this.rows++;
  }

  summaries(): ColumnSummary[] {
    return this.names.map((name, c) => {
      const k = this.counts[c];
      const type: ColumnSummary['type'] = k.present === 0 ? 'empty' : k.numbers === k.present ? 'number'
        : k.dates === k.present ? 'date' : k.numbers === 0 ? 'text' : 'mixed';
      const distinct = k.values.size;
      const few = distinct <= MAX_CATEGORIES && distinct * 2 <= k.present;
      const suggested: ColumnSummary['suggested'] = type === 'number' ? 'numeric' : type === 'date' ? 'date'
        : type === 'empty' ? 'ignore' : few ? 'categorical' : 'ignore';
      return { name, type, present: k.present, missing: this.rows - k.present, distinct, examples: k.examples, suggested };
    });
  }
}

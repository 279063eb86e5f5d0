/**
 * CSV datasets, read with csv-parse's streaming parser (a file path or any Readable).
 *
 *   const ds = await fromCsv('houses.csv', { target: 'price', categorical: ['city'], missing: 'keep' });
 *
 * How columns become features and the target (one-hot categories, date parts, labels, missing
 * cells) is lib/data/table.ts, shared with fromJson. Columns are chosen by name or index
 * ({ columns }, { ignoreColumns }); to encode new rows the way a training file was encoded, pass
 * its ds.columns, ds.categories and the same dates. Missing cells (empty, NA, N/A, NaN, nan,
 * null, NULL by default) are an error unless { missing: 'keep' }, which stores NaN (for a
 * SimpleImputer) and all-zero one-hot blocks. Every bad cell is reported with the file, the row
 * (1-based line number in the file, header included) and the column name.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { lazyModule } from '../core/lazy';
import { assertBoolean, assertPlainObject, assertString, describe, expected, typeError } from '../core/validate';
import { DataError, dataError } from './errors';
import { checkTableOptions, RowSink, TableBuilder, TableDataset, TableOptions } from './table';

// Loaded by the first fromCsv(), not with the package (see lib/core/lazy.ts).
const csvParse = lazyModule(() => require('csv-parse') as typeof import('csv-parse'));

export interface CsvOptions extends TableOptions {
  /** The first line names the columns (default true). Without one, columns are named "0", "1", ... */
  header?: boolean;
  /** Field delimiter, one character (default ','). */
  delimiter?: string;
  /** Name used in error messages for a stream source (default "<stream>"). */
  name?: string;
}

/** A dataset read from CSV (the class every table reader returns). */
export const CsvDataset = TableDataset;
export type CsvDataset = TableDataset;

/** Reads a CSV file (path) or stream into a dataset. */
export async function fromCsv(source: string | Readable, opts: CsvOptions = {}): Promise<TableDataset> {
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
  const table = new TableBuilder(file, opts, (names) => delimiterHint(names, opts));
  await readCsv(input, file, opts, table);
  return table.finish();
}

/** Same as fromCsv(stream, opts); `name` labels the stream in error messages. */
export function fromCsvStream(stream: Readable, opts: CsvOptions = {}): Promise<TableDataset> {
  return fromCsv(stream, opts);
}

function checkOptions(o: CsvOptions): void {
  checkTableOptions(o);
  checkCsvFormat(o);
}

/** Checks the options that say how a CSV file is written (header, delimiter) and its name in errors. */
export function checkCsvFormat(o: Pick<CsvOptions, 'header' | 'delimiter' | 'name'>): void {
  if (o.header !== undefined) assertBoolean(o.header, 'header');
  if (o.delimiter !== undefined) {
    assertString(o.delimiter, 'delimiter');
    if (o.delimiter.length !== 1) throw new RangeError(expected('one character', 'delimiter', describe(o.delimiter)));
  }
  if (o.name !== undefined) assertString(o.name, 'name');
}

/** Streams the rows of a CSV source into `table` (the header, if any, names the columns). */
export async function readCsv(input: Readable, file: string, opts: Pick<CsvOptions, 'header' | 'delimiter'>, table: RowSink): Promise<void> {
  const header = opts.header ?? true;
  const parser = csvParse().parse({
    delimiter: opts.delimiter ?? ',',
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
    info: true,
  });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);

  let width = -1;
  let sawHeader = false;
  let dataRows = 0; // rows read (the table may leave some out: missingTarget 'drop')
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      const line = info.lines;
      if (!table.started) {
        width = record.length;
        if (header) {
          table.start(record.map((s) => s.trim()));
          sawHeader = true;
          continue;
        }
        table.start(record.map((_, i) => String(i)));
      }
      if (record.length !== width) {
        dataError(`${width} fields`, { file, row: line }, `${record.length} field${record.length === 1 ? '' : 's'}`);
      }
      table.add((i) => record[i], line);
      dataRows++;
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

  if (!table.started) throw new DataError(expected('CSV data', file, 'an empty file'), { file });
  if (dataRows === 0 && sawHeader) throw new DataError(expected('at least one data row', file, 'only a header'), { file });
}

/**
 * A header read as one column that holds another common delimiter (a European CSV with ';', a
 * TSV): the hint appended to "column not found" errors.
 */
function delimiterHint(names: string[], opts: Pick<CsvOptions, 'delimiter'>): string {
  if (names.length !== 1) return '';
  const used = opts.delimiter ?? ',';
  const found = [';', '\t', '|', ','].find((d) => d !== used && names[0].includes(d));
  if (found === undefined) return '';
  const shown = found === '\t' ? "'\\t'" : `'${found}'`;
  return `; the header is one column: the file looks delimited by ${shown}, pass delimiter: ${shown}`;
}

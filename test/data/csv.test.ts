import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fromCsv, fromCsvStream, DataError, SimpleImputer } from '../../lib/data';
import { tmpFiles } from './helpers';

const { dir, write } = tmpFiles();

const HOUSES = [
  'area,rooms,city,price',
  '50,2,Paris,300.5',
  '80,3,Lyon,250',
  '',
  '120,4,Paris,610',
  '65,"2",Nice,199.9',
].join('\n') + '\n';

describe('fromCsv', () => {
  it('reads numeric and categorical columns, float target', async () => {
    const file = write('houses.csv', HOUSES);
    const ds = await fromCsv(file, { target: 'price', categorical: ['city'] });
    expect(ds.length).toBe(4);
    expect(ds.featureNames).toEqual(['area', 'rooms', 'city=Lyon', 'city=Nice', 'city=Paris']);
    expect(ds.columns).toEqual(['area', 'rooms', 'city']);
    expect(ds.categories).toEqual({ city: ['Lyon', 'Nice', 'Paris'] });
    expect(ds.x.shape).toEqual([4, 5]);
    expect(Array.from(ds.x.data.subarray(0, 10))).toEqual([50, 2, 0, 0, 1, 80, 3, 1, 0, 0]);
    expect(ds.y!.shape).toEqual([4, 1]);
    expect(Array.from(ds.y!.data)).toEqual([300.5, 250, 610, Math.fround(199.9)]);
    ds.dispose();
  });

  it('categorical target -> int32 labels and classes; column selection by name or index', async () => {
    const file = write('iris.csv', 'a,b,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n');
    const ds = await fromCsv(file, { target: 'species', categorical: ['species'], columns: [1] });
    expect(ds.featureNames).toEqual(['b']);
    expect(ds.classes).toEqual(['setosa', 'virginica']);
    expect(ds.y!.dtype).toBe('int32');
    expect(Array.from(ds.y!.data)).toEqual([0, 1, 0]);
    expect(ds.numClasses).toBe(2);
    ds.dispose();
  });

  it('no header, other delimiter, numeric label target', async () => {
    const file = write('semi.csv', '1;2;0\n3;4;2\n');
    const ds = await fromCsv(file, { header: false, delimiter: ';', target: 2, targetType: 'label', numClasses: 3 });
    expect(ds.featureNames).toEqual(['0', '1']);
    expect(Array.from(ds.y!.data)).toEqual([0, 2]);
    expect(ds.numClasses).toBe(3);
    ds.dispose();
  });

  it('reads from a stream', async () => {
    const ds = await fromCsvStream(Readable.from([HOUSES.slice(0, 20), HOUSES.slice(20)]), { target: 'price', categorical: ['city'] });
    expect(ds.length).toBe(4);
    ds.dispose();
    const ds2 = await fromCsv(Readable.from(['x,y\n1,2\n']), { target: 'y' });
    expect(Array.from(ds2.x.data)).toEqual([1]);
    ds2.dispose();
  });

  it("missing cells with { missing: 'keep' } become NaN, and impute", async () => {
    const file = write('missing.csv', 'a,b,c,t\n1,,x,1\n3,NA,,2\n5,6,y,3\n');
    const ds = await fromCsv(file, { target: 't', categorical: ['c'], missing: 'keep' });
    const d = Array.from(ds.x.data);
    expect(ds.featureNames).toEqual(['a', 'b', 'c=x', 'c=y']);
    expect(d.slice(0, 4)).toEqual([1, NaN, 1, 0]);
    expect(d.slice(4, 8)).toEqual([3, NaN, 0, 0]);
    const imputed = new SimpleImputer({ strategy: 'mean' }).fitTransform(ds.x);
    expect(Array.from(imputed.data.subarray(0, 2))).toEqual([1, 6]);
    imputed.dispose();
    ds.dispose();
  });
});

describe('fromCsv errors name file, row and column', () => {
  async function err(text: string, opts: object, name = 'bad.csv'): Promise<DataError> {
    const file = write(name, text);
    try {
      await fromCsv(file, opts);
    } catch (e) {
      return e as DataError;
    }
    throw new Error('expected an error');
  }

  it('ragged rows', async () => {
    const e = await err('a,b,t\n1,2,3\n4,5\n', { target: 't' });
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`Expected 3 fields for ${dir}/bad.csv row 3 but received 2 fields`);
    expect(e.row).toBe(3);
  });
  it('non-numeric cell', async () => {
    const e = await err('a,b,t\n1,2,3\n\n4,abc,5\n', { target: 't' });
    expect(e.message).toBe(`Expected number for ${dir}/bad.csv row 4 column "b" but received "abc" of type string`);
    expect([e.file, e.row, e.column]).toEqual([`${dir}/bad.csv`, 4, 'b']);
  });
  it('missing value without missing: keep', async () => {
    const e = await err('a,b,t\n1,,3\n', { target: 't' });
    expect(e.message).toBe(`Expected a value for ${dir}/bad.csv row 2 column "b" but received an empty cell; `
      + "pass { missing: 'keep' } and impute it (SimpleImputer)");
    const e2 = await err('a,b,t\n1,NA,3\n', { target: 't' });
    expect(e2.message).toBe(`Expected a value for ${dir}/bad.csv row 2 column "b" but received "NA" of type string `
      + "(a missing-value marker); pass { missing: 'keep' } and impute it (SimpleImputer)");
  });
  it('missing target', async () => {
    const e = await err('a,t\n1,\n', { target: 't', missing: 'keep' });
    expect(e.message).toBe(`Expected a target value for ${dir}/bad.csv row 2 column "t" but received an empty cell`);
  });
  it('labels out of range', async () => {
    const e = await err('a,t\n1,0\n2,7\n', { target: 't', targetType: 'label', numClasses: 3 });
    expect(e.message).toBe(`Expected integer label in [0, 2] for ${dir}/bad.csv row 3 column "t" but received "7" of type string`);
    const e2 = await err('a,t\n1,0.5\n', { target: 't', targetType: 'label' });
    expect(e2.message).toBe(`Expected non-negative integer label for ${dir}/bad.csv row 2 column "t" but received "0.5" of type string`);
  });
  it('empty file and header only', async () => {
    expect((await err('', {})).message).toBe(`Expected CSV data for ${dir}/bad.csv but received an empty file`);
    expect((await err('\n\n', {})).message).toBe(`Expected CSV data for ${dir}/bad.csv but received an empty file`);
    expect((await err('a,b,t\n', { target: 't' })).message).toBe(
      `Expected at least one data row for ${dir}/bad.csv but received only a header`);
  });
  it('unknown column, bad quote, stream name', async () => {
    const e = await err('a,b\n1,2\n', { target: 'zz' });
    expect(e.message).toBe(`Expected a column of ${dir}/bad.csv (a, b) for target but received "zz" of type string`);
    const q = await err('a,b\n1,"2\n', {});
    expect(q.message).toMatch(new RegExp(`^Expected well-formed CSV for ${dir}/bad.csv row 2 but received a parse error: `));
    await expect(fromCsv(Readable.from(['a,b\n1,x\n']), { name: 'upload' })).rejects.toThrow(
      'Expected number for upload row 2 column "b" but received "x" of type string');
    await expect(fromCsv(Readable.from(['a,b\n1,x\n']))).rejects.toThrow('for <stream> row 2 column "b"');
  });
  it('a header read as one column that holds another delimiter names it', async () => {
    const semi = await err('a;b;y\n1;2;3\n', { target: 'y' });
    expect(semi.message).toBe(`Expected a column of ${dir}/bad.csv (a;b;y; the header is one column: the file looks delimited by ';', ` +
      "pass delimiter: ';') for target but received \"y\" of type string");
    const tab = await err('a\tb\ty\n1\t2\t3\n', { target: 'y' });
    expect(tab.message).toContain("the file looks delimited by '\\t', pass delimiter: '\\t'");
    const commas = await err('a,b,y\n1,2,3\n', { target: 'y', delimiter: ';' });
    expect(commas.message).toContain("the file looks delimited by ',', pass delimiter: ','");
    const ds = await fromCsv(write('semi.csv', 'a;b;y\n1;2;3\n'), { target: 'y', delimiter: ';' });
    expect(Array.from(ds.x.data)).toEqual([1, 2]);
    // one real column: no hint
    expect((await err('a\n1\n', { target: 'y' })).message).toBe(`Expected a column of ${dir}/bad.csv (a) for target but received "y" of type string`);
  });
  it('argument errors', async () => {
    await expect(fromCsv(42 as any)).rejects.toThrow('Expected file path or Readable stream for source but received 42 of type number');
    await expect(fromCsv('x.csv', { delimiter: ';;' })).rejects.toThrow(
      'Expected one character for delimiter but received ";;" of type string');
    await expect(fromCsv(path.join(dir, 'nope.csv'))).rejects.toThrow(/ENOENT/);
  });
});

describe('fromCsv: fixed categories, column choice and dates (new files encoded like the training file)', () => {
  const TRAIN = 'x,weather,t\n1,rain,0.5\n2,fog,1.5\n3,sun,2\n4,drizzle,3\n';

  it('categories fix the one-hot block: a file with a subset of them encodes an identical row identically', async () => {
    const train = await fromCsv(write('w-train.csv', TRAIN), { target: 't', categorical: ['weather'] });
    expect(train.categories).toEqual({ weather: ['drizzle', 'fog', 'rain', 'sun'] });
    const sub = await fromCsv(write('w-sub.csv', 'x,weather\n2,fog\n5,rain\n'), { categories: train.categories, columns: train.columns });
    expect(sub.featureNames).toEqual(train.featureNames.slice(0, 5));
    expect(sub.categories).toEqual(train.categories);
    expect(Array.from(sub.x.data.subarray(0, 5))).toEqual(Array.from(train.x.data.subarray(5, 10)));
    expect(Array.from(sub.x.data.subarray(5, 10))).toEqual([5, 0, 0, 1, 0]);
    // Given order is kept (not re-sorted).
    const ordered = await fromCsv(write('w-ord.csv', 'weather\nsun\nfog\n'), { categories: { weather: ['sun', 'fog'] } });
    expect(ordered.featureNames).toEqual(['weather=sun', 'weather=fog']);
    expect(Array.from(ordered.x.data)).toEqual([1, 0, 0, 1]);
    for (const d of [train, sub, ordered]) d.dispose();
  });

  it('an unseen category is an error naming file, row, column and value, unless handleUnknown is ignore', async () => {
    const file = write('w-hail.csv', 'x,weather\n2,fog\n1,hail\n');
    const cats = { weather: ['drizzle', 'fog', 'rain', 'sun'] };
    const e = await fromCsv(file, { categories: cats }).catch((err) => err);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`Expected one of the known categories (drizzle, fog, rain, sun) for ${file} row 3 column "weather" ` +
      `but received "hail" of type string; pass handleUnknown: 'ignore' to encode it as all zeros`);
    expect([e.row, e.column]).toEqual([3, 'weather']);
    const ds = await fromCsv(file, { categories: cats, handleUnknown: 'ignore' });
    expect(ds.x.shape).toEqual([2, 5]);
    expect(Array.from(ds.x.data)).toEqual([2, 0, 1, 0, 0, 1, 0, 0, 0, 0]);
    ds.dispose();
  });

  it('fixed classes of a categorical target; an unknown class is always an error', async () => {
    const file = write('w-t.csv', 'x,t\n1,b\n2,b\n');
    const ds = await fromCsv(file, { target: 't', categories: { t: ['a', 'b'] } });
    expect(ds.classes).toEqual(['a', 'b']);
    expect(Array.from(ds.y!.data)).toEqual([1, 1]);
    ds.dispose();
    await expect(fromCsv(write('w-t2.csv', 'x,t\n1,c\n'), { target: 't', categories: { t: ['a', 'b'] }, handleUnknown: 'ignore' }))
      .rejects.toThrow(`Expected one of the known categories (a, b) for ${dir}/w-t2.csv row 2 column "t" but received "c" of type string`);
  });

  it('columns are matched by name: extra ones are ignored, missing ones are listed together', async () => {
    const file = write('w-extra.csv', 'weather,id,x,note\nfog,7,2,hi\n');
    const ds = await fromCsv(file, { columns: ['x', 'weather'], categories: { weather: ['fog', 'rain'] } });
    expect(ds.featureNames).toEqual(['x', 'weather=fog', 'weather=rain']);
    expect(Array.from(ds.x.data)).toEqual([2, 1, 0]);
    ds.dispose();
    const missing = write('w-missing.csv', 'x\n1\n');
    const e = await fromCsv(missing, { columns: ['x', 'weather', 'wind'] }).catch((err) => err);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`Expected the columns "weather", "wind" (listed in columns) for ${missing} but received a header without them (x)`);
  });

  it('ignoreColumns drops columns (with or without columns); the target cannot be ignored', async () => {
    const file = write('w-ign.csv', 'date,a,b,t\n2012-01-01,1,2,3\n');
    const ds = await fromCsv(file, { target: 't', ignoreColumns: ['date'] });
    expect(ds.columns).toEqual(['a', 'b']);
    const ds2 = await fromCsv(file, { target: 't', columns: ['b', 'a', 'date'], ignoreColumns: ['date', 1] });
    expect(ds2.columns).toEqual(['b']);
    for (const d of [ds, ds2]) d.dispose();
    await expect(fromCsv(file, { target: 't', ignoreColumns: ['t'] })).rejects.toThrow(
      'Expected columns other than the target for ignoreColumns but received the target column "t"');
    await expect(fromCsv(file, { target: 't', ignoreColumns: ['nope'] })).rejects.toThrow(
      `Expected the column "nope" (listed in ignoreColumns) for ${file} but received a header without it (date, a, b, t)`);
  });

  it('dates become year, month, dayOfYear and weekday (Monday = 0); a time part is ignored', async () => {
    const file = write('w-dates.csv', 'date,v\n2012-01-01,1\n2016-12-31,2\n2012-03-01T10:30:00Z,3\n,4\n2024-02-29 23:59,5\n');
    const ds = await fromCsv(file, { dates: ['date'], missing: 'keep' });
    expect(ds.featureNames).toEqual(['date.year', 'date.month', 'date.dayOfYear', 'date.weekday', 'v']);
    expect(ds.dates).toEqual(['date']);
    const rows = Array.from({ length: 5 }, (_, i) => Array.from(ds.x.data.subarray(i * 5, i * 5 + 5)));
    expect(rows[0]).toEqual([2012, 1, 1, 6, 1]); // a Sunday
    expect(rows[1]).toEqual([2016, 12, 366, 5, 2]); // leap year, a Saturday
    expect(rows[2]).toEqual([2012, 3, 61, 3, 3]); // a Thursday
    expect(rows[3].slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(rows[4]).toEqual([2024, 2, 60, 3, 5]);
    ds.dispose();
    const bad = write('w-baddate.csv', 'date\n2012-01-01\n2012-02-30\n');
    await expect(fromCsv(bad, { dates: ['date'] })).rejects.toThrow(
      `Expected a date (YYYY-MM-DD, YYYY/MM/DD, "Jan 2 2006" or "2 Jan 2006") for ${bad} row 3 column "date" but received "2012-02-30" of type string`);
    await expect(fromCsv(bad, { dates: ['date'], categorical: ['date'] })).rejects.toThrow(
      'Expected a column that is not categorical for dates but received "date" (also categorical)');
  });

  it('dates whose day and month cannot be confused, in other forms: year first with / or ., the month by name', async () => {
    // all 2000-03-05 (a Sunday) but the last two
    const forms = ['2000-03-05', '2000/03/05', '2000/3/5 01:00:00', '2000.03.05', 'Mar 5 2000', 'March 5, 2000', 'mar. 5 2000',
      '5 Mar 2000', '05-Mar-2000', '5 MARCH 2000 10:30', 'Sept 30 2001', '29 Feb 2004'];
    const file = write('w-forms.csv', ['date', ...forms.map((f) => `"${f}"`)].join('\n') + '\n');
    const ds = await fromCsv(file, { dates: ['date'] });
    const rows = Array.from({ length: forms.length }, (_, i) => Array.from(ds.x.data.subarray(i * 4, i * 4 + 4)));
    for (let i = 0; i < forms.length - 2; i++) expect([forms[i], rows[i]]).toEqual([forms[i], [2000, 3, 65, 6]]);
    expect(rows[forms.length - 2]).toEqual([2001, 9, 273, 6]);
    expect(rows[forms.length - 1]).toEqual([2004, 2, 60, 6]);
    ds.dispose();
    // day/month order unknown, not a month, not a day of that month, mixed separators
    for (const raw of ['07/04/2016', '2016-07-04x', 'Foo 5 2000', 'Ma 5 2000', '30 Feb 2004', '2000/03-05', 'Mar 5 00']) {
      const f = write('w-form-bad.csv', `date\n"${raw}"\n`);
      await expect(fromCsv(f, { dates: ['date'] })).rejects.toThrow(`but received "${raw}" of type string`);
    }
  });

  it('argument errors for the new options', async () => {
    const file = write('w-args.csv', 'a\n1\n');
    await expect(fromCsv(file, { categories: { a: 'x' as any } })).rejects.toThrow(
      'Expected array of strings for categories.a but received "x" of type string');
    await expect(fromCsv(file, { categories: { a: ['x', 'x'] } })).rejects.toThrow(
      'Expected distinct categories for categories.a but received "x" of type string twice');
    await expect(fromCsv(file, { handleUnknown: 'skip' as any })).rejects.toThrow(/for handleUnknown/);
    await expect(fromCsv(file, { ignoreColumns: 'a' as any })).rejects.toThrow(/Expected array of column names or indices for ignoreColumns/);
  });
});

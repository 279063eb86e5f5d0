/**
 * fromJson (a file of records: a JSON array, or JSON Lines) and fromRecords (objects in memory):
 * the columns are the keys in first-seen order; values are encoded as fromCsv encodes text
 * (lib/data/table.ts); the same table as CSV and as JSON gives the same tensors; bad data names
 * the file, the record's row and the column. Also { missingTarget: 'drop' } (both readers).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromCsv, fromJson, fromRecords, DataError, TableDataset } from '../../lib/data';
import { tmpFiles } from './helpers';

const { dir, write } = tmpFiles();

const HOUSES = [
  { area: 50, rooms: 2, city: 'Paris', built: '1999-03-01', garden: true, price: 300.5 },
  { area: 80, rooms: '3', city: 'Lyon', built: 'Jan 2 2006', garden: false, price: 250 },
  { area: 120, rooms: 4, city: 'Paris', built: '2010/12/31', garden: true, price: 610 },
  { area: 65, rooms: 2, city: 'Nice', built: '2 Jan 2006', garden: false, price: 199.9 },
];
const OPTS = { target: 'price', categorical: ['city'], dates: ['built'] };

function rows(ds: TableDataset): number[][] {
  const d = ds.x.shape[1];
  return Array.from({ length: ds.length }, (_, i) => Array.from(ds.x.data.subarray(i * d, (i + 1) * d)));
}

describe('fromJson', () => {
  it('reads an array of records: numbers, text numbers, categories, dates, booleans (1/0), a float target', async () => {
    const ds = await fromJson(write('houses.json', JSON.stringify(HOUSES, null, 2)), OPTS);
    expect(ds).toBeInstanceOf(TableDataset);
    expect(ds.columns).toEqual(['area', 'rooms', 'city', 'built', 'garden']);
    expect(ds.featureNames).toEqual(['area', 'rooms', 'city=Lyon', 'city=Nice', 'city=Paris',
      'built.year', 'built.month', 'built.dayOfYear', 'built.weekday', 'garden']);
    // 1999-03-01 was a Monday (weekday 0), day 60 of the year
    expect(rows(ds)[0]).toEqual([50, 2, 0, 0, 1, 1999, 3, 60, 0, 1]);
    expect(rows(ds)[1]).toEqual([80, 3, 1, 0, 0, 2006, 1, 2, 0, 0]);
    expect(Array.from(ds.y!.data)).toEqual([300.5, 250, 610, Math.fround(199.9)]);
    ds.dispose();
  });

  it('gives the same tensors as fromCsv on the same table', async () => {
    const header = Object.keys(HOUSES[0]);
    const csv = [header.join(','), ...HOUSES.map((r) => header.map((k) => String((r as Record<string, unknown>)[k])).join(','))].join('\n');
    const a = await fromCsv(write('houses.csv', csv), { ...OPTS, categorical: ['city', 'garden'] });
    const b = await fromJson(write('houses2.json', JSON.stringify(HOUSES)), { ...OPTS, categorical: ['city', 'garden'] });
    expect(b.featureNames).toEqual(a.featureNames);
    expect(rows(b)).toEqual(rows(a));
    expect(Array.from(b.y!.data)).toEqual(Array.from(a.y!.data));
    a.dispose();
    b.dispose();
  });

  it('reads JSON Lines (.jsonl, and lines of objects under .json), rows being line numbers', async () => {
    const lines = HOUSES.map((r) => JSON.stringify(r)).join('\n\n') + '\n';
    const a = await fromJson(write('houses.jsonl', lines), OPTS);
    const b = await fromJson(write('lines.json', lines), OPTS);
    expect(rows(a)).toEqual(rows(b));
    expect(a.length).toBe(4);
    a.dispose();
    b.dispose();
    const bad = write('bad.ndjson', `${JSON.stringify(HOUSES[0])}\n${JSON.stringify(HOUSES[1])}\n{"area": 3,\n`);
    await expect(fromJson(bad, OPTS)).rejects.toThrow(/Expected a JSON record for .*bad\.ndjson row 3 but received a parse error/);
    // the file's extension decides, whatever name the errors use
    const badFirst = write('first.jsonl', `{"area": 3,\n${JSON.stringify(HOUSES[1])}\n`);
    await expect(fromJson(badFirst, { ...OPTS, name: 'events' })).rejects.toThrow(/Expected a JSON record for events row 1 but received a parse error/);
    const badCell = write('badcell.jsonl', `${JSON.stringify(HOUSES[0])}\n\n${JSON.stringify({ ...HOUSES[1], area: 'big' })}\n`);
    await expect(fromJson(badCell, OPTS)).rejects.toMatchObject({ row: 3, column: 'area' });
  });

  it('takes the columns from every record (first-seen order); an absent key or null is missing', async () => {
    const recs = [{ a: 1, y: 0 }, { a: 2, b: 5, y: 1 }, { b: null, a: 3, y: 0 }];
    const file = write('sparse.json', JSON.stringify(recs));
    await expect(fromJson(file, { target: 'y' })).rejects.toThrow(
      /Expected a value for .*sparse\.json row 1 column "b" but received no value \(the key is absent\); pass \{ missing: 'keep' \}/);
    await expect(fromJson(write('null.json', JSON.stringify([{ a: 1, b: 2, y: 0 }, recs[2]])), { target: 'y' }))
      .rejects.toThrow(/row 2 column "b" but received null/);
    const ds = await fromJson(file, { target: 'y', missing: 'keep' });
    expect(ds.columns).toEqual(['a', 'b']);
    expect(rows(ds)).toEqual([[1, NaN], [2, 5], [3, NaN]]);
    ds.dispose();
  });

  it('names the file, the record and the column of a bad value', async () => {
    const nested = write('nested.json', JSON.stringify([{ a: 1, y: 1 }, { a: { v: 2 }, y: 2 }]));
    const err = await fromJson(nested, { target: 'y' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/Expected a number, string, boolean or null for .*nested\.json row 2 column "a" but received/);
    expect(err).toMatchObject({ row: 2, column: 'a' });
    await expect(fromJson(write('arr.json', JSON.stringify([{ a: 1, y: 1 }, { a: [1, 2], y: 2 }])), { target: 'y' }))
      .rejects.toThrow(/row 2 column "a" but received an array/);
    await expect(fromJson(write('text.json', JSON.stringify([{ a: 1, y: 1 }, { a: 'x', y: 2 }])), { target: 'y' }))
      .rejects.toThrow(/Expected number for .*text\.json row 2 column "a" but received "x"/);
    await expect(fromJson(write('norec.json', JSON.stringify([{ a: 1, y: 1 }, 7])), { target: 'y' }))
      .rejects.toThrow(/Expected a record \(an object of column values\) for .*norec\.json row 2 but received 7/);
    await expect(fromJson(write('nocol.json', JSON.stringify([{ a: 1, y: 1 }])), { target: 'price' }))
      .rejects.toThrow(/Expected a column of .*nocol\.json \(a, y\) for target but received "price"/);
  });

  it('refuses what is not records: a top-level object, an empty array, malformed JSON, CSV options', async () => {
    await expect(fromJson(write('graph.json', JSON.stringify({ nodes: [], links: [] })), {}))
      .rejects.toThrow(/Expected a JSON array of records \(one object per row\) or JSON Lines for .*graph\.json but received an object with the keys nodes, links/);
    await expect(fromJson(write('empty.json', '[]'), {})).rejects.toThrow(/Expected at least one record for .*empty\.json but received none/);
    await expect(fromJson(write('broken.json', '[{"a": 1},'), {})).rejects.toThrow(/Expected well-formed JSON for .*broken\.json but received a parse error/);
    await expect(fromJson(path.join(dir, 'absent.json'), {})).rejects.toThrow(/ENOENT/);
    await expect(fromJson(write('d.json', '[{"a": 1}]'), { delimiter: ';' } as never)).rejects.toThrow(/no delimiter option/);
    await expect(fromJson(7 as never)).rejects.toThrow(TypeError);
  });

  it('reads a byte-order mark and vega-datasets\' cars.json (406 cars, 6 without horsepower)', async () => {
    const bom = await fromJson(write('bom.json', '\ufeff' + JSON.stringify([{ a: 1 }])), {});
    expect(bom.length).toBe(1);
    bom.dispose();
    const cars = path.join(__dirname, '..', '..', 'node_modules', 'vega-datasets', 'data', 'cars.json');
    const opts = { target: 'Horsepower', categorical: ['Origin'], ignoreColumns: ['Name'], dates: ['Year'], missing: 'keep' as const };
    await expect(fromJson(cars, opts)).rejects.toThrow(/Expected a target value for .*cars\.json row 39 column "Horsepower" but received null/);
    const ds = await fromJson(cars, { ...opts, missingTarget: 'drop' });
    expect(ds.length).toBe(400);
    expect(ds.droppedRows).toBe(6);
    expect(ds.categories.Origin).toEqual(['Europe', 'Japan', 'USA']);
    expect(ds.featureNames).toContain('Year.year');
    ds.dispose();
  });
});

describe('fromRecords', () => {
  it('encodes objects in memory; NaN is missing; only own keys are read', () => {
    const ds = fromRecords([{ a: 1, b: 'x', y: 0 }, { a: NaN, b: 'z', y: 1 }, { a: 3, b: 'x', y: 1 }],
      { target: 'y', categorical: ['b'], targetType: 'label', missing: 'keep' });
    expect(ds.featureNames).toEqual(['a', 'b=x', 'b=z']);
    expect(rows(ds)).toEqual([[1, 1, 0], [NaN, 0, 1], [3, 1, 0]]);
    expect(Array.from(ds.y!.data)).toEqual([0, 1, 1]);
    ds.dispose();
    // "constructor" is a column of the second record only: the first has no such own key (missing), not Object's.
    expect(() => fromRecords([{ a: 1 }, { a: 2, constructor: 4 }], {})).toThrow(/<records> row 1 column "constructor" but received no value/);
    expect(() => fromRecords('rows' as never)).toThrow(/Expected array of records \(objects\) for records/);
    expect(() => fromRecords([{ a: 1 }], { name: 'query' })).not.toThrow();
    expect(() => fromRecords([{ a: 1 }, { a: 'q' }], { name: 'query' })).toThrow(/for query row 2 column "a"/);
  });
});

describe("{ missingTarget: 'drop' }", () => {
  it('leaves out rows without a target (CSV and JSON alike) and counts them; all of them is an error', async () => {
    const csv = write('t.csv', 'a,y\n1,10\n2,\n3,NA\n4,40\n');
    const a = await fromCsv(csv, { target: 'y', missingTarget: 'drop' });
    expect(rows(a)).toEqual([[1], [4]]);
    expect(Array.from(a.y!.data)).toEqual([10, 40]);
    expect(a.droppedRows).toBe(2);
    a.dispose();
    await expect(fromCsv(csv, { target: 'y' })).rejects.toThrow(/Expected a target value for .*t\.csv row 3 column "y" but received an empty cell/);
    const b = fromRecords([{ a: 1, y: 'cat' }, { a: 2 }, { a: 3, y: 'dog' }], { target: 'y', categorical: ['y'], missingTarget: 'drop' });
    expect(b.classes).toEqual(['cat', 'dog']);
    expect(Array.from(b.y!.data)).toEqual([0, 1]);
    expect(b.droppedRows).toBe(1);
    b.dispose();
    await expect(fromCsv(write('none.csv', 'a,y\n1,\n2,NA\n'), { target: 'y', missingTarget: 'drop' }))
      .rejects.toThrow(/Expected at least one row with a target value for .*none\.csv column "y" but received 2 rows, none with one/);
    expect(() => fromRecords([{ a: 1, y: null }], { target: 'y', missingTarget: 'drop' }))
      .toThrow(/Expected at least one row with a target value for <records> column "y" but received 1 row, none with one/);
    expect(() => fromRecords([{ a: 1, y: 1 }], { target: 'y', missingTarget: 'keep' as never })).toThrow(/missingTarget/);
  });
});

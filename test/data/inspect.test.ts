/**
 * inspectTable: per column, what its cells hold (number, date, text, mixed, empty), counts,
 * distinct values, examples and the suggested encoding, for records in memory, CSV and JSON files.
 */
import { describe, expect, it } from 'vitest';
import { inspectTable, fromRecords } from '../../lib/data';
import { tmpFiles } from './helpers';

const { write } = tmpFiles();

const RECORDS = Array.from({ length: 12 }, (_, i) => ({
  id: `user-${i}`,                                   // text, all distinct: ignore
  age: i % 5 === 0 ? null : 20 + i,                  // numbers with missing cells
  score: String(i / 4),                              // numbers written as text
  joined: `2020-0${1 + (i % 9)}-15`,                 // dates
  plan: ['free', 'pro', 'team'][i % 3],              // few values: categorical
  zip: i === 7 ? 'unknown' : 10000 + (i % 2),        // numbers and a word: mixed
  active: i % 2 === 0,                               // booleans count as numbers (1 / 0)
  notes: i === 3 ? 'NA' : undefined,                 // nothing but missing: empty
}));

describe('inspectTable', () => {
  it('classifies records in memory and suggests an encoding per column', async () => {
    const cols = await inspectTable(RECORDS);
    const by = Object.fromEntries(cols.map((c) => [c.name, c]));
    expect(cols.map((c) => c.name)).toEqual(['id', 'age', 'score', 'joined', 'plan', 'zip', 'active', 'notes']);
    expect(by.id).toMatchObject({ type: 'text', present: 12, missing: 0, distinct: 12, suggested: 'ignore', examples: ['user-0', 'user-1', 'user-2'] });
    expect(by.age).toMatchObject({ type: 'number', present: 9, missing: 3, suggested: 'numeric', examples: [] });
    expect(by.score).toMatchObject({ type: 'number', suggested: 'numeric' });
    expect(by.joined).toMatchObject({ type: 'date', distinct: 9, suggested: 'date' });
    expect(by.plan).toMatchObject({ type: 'text', distinct: 3, suggested: 'categorical', examples: ['free', 'pro', 'team'] });
    expect(by.zip).toMatchObject({ type: 'mixed', distinct: 3, suggested: 'categorical', examples: ['unknown'] });
    expect(by.active).toMatchObject({ type: 'number', distinct: 2, suggested: 'numeric' });
    expect(by.notes).toMatchObject({ type: 'empty', present: 0, missing: 12, suggested: 'ignore' });
    // the suggestion is what fromRecords takes
    const ds = fromRecords(RECORDS, { categorical: ['plan', 'zip'], dates: ['joined'], ignoreColumns: ['id', 'notes'], missing: 'keep' });
    expect(ds.featureNames).toEqual(['age', 'score', 'joined.year', 'joined.month', 'joined.dayOfYear', 'joined.weekday',
      'plan=free', 'plan=pro', 'plan=team', 'zip=10000', 'zip=10001', 'zip=unknown', 'active']);
    ds.dispose();
  });

  it('reads CSV (with its delimiter and missing-value markers) and JSON files', async () => {
    const csv = write('t.csv', 'name;height;city\nann;1.7;Oslo\nbob;NA;Oslo\ncid;1.8;Rome\ndan;?;Rome\n');
    const cols = await inspectTable(csv, { delimiter: ';' });
    expect(cols.map((c) => [c.name, c.type, c.missing])).toEqual([['name', 'text', 0], ['height', 'mixed', 1], ['city', 'text', 0]]);
    expect(cols[1].examples).toEqual(['?']);
    const withQ = await inspectTable(csv, { delimiter: ';', naValues: ['NA', '?'] });
    expect(withQ[1]).toMatchObject({ type: 'number', present: 2, missing: 2 });
    const json = write('t.jsonl', RECORDS.map((r) => JSON.stringify(r)).join('\n'));
    expect((await inspectTable(json)).map((c) => c.type)).toEqual((await inspectTable(RECORDS)).map((c) => c.type));
    const nested = await inspectTable([{ a: { b: 1 } }, { a: [1, 2] }]);
    expect(nested[0]).toMatchObject({ type: 'text', examples: ['{"b":1}', '[1,2]'] });
  });

  it('refuses bad arguments with the usual messages', async () => {
    await expect(inspectTable(42 as never)).rejects.toThrow(/Expected file path or array of records for source but received 42/);
    await expect(inspectTable([], {})).rejects.toThrow(/Expected at least one record for <records>/);
    await expect(inspectTable(RECORDS, { delimiter: ';;' })).rejects.toThrow(/Expected one character for delimiter/);
    await expect(inspectTable(RECORDS, { naValues: 'NA' as never })).rejects.toThrow(/Expected array of strings for naValues/);
    await expect(inspectTable('/nonexistent/file.csv')).rejects.toThrow(/ENOENT/);
    await expect(inspectTable(RECORDS, { header: 'yes' as never })).rejects.toThrow(/Expected boolean for header/);
  });
});

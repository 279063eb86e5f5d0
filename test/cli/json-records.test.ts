/**
 * The CLI on JSON records (vega-datasets ships most of its tables as JSON arrays of objects):
 * train --data penguins.json / cars.json (rows without a target left out, with a note), evaluate
 * on the same file, predict on records (.json array and .jsonl) without the target column, the
 * model reading new rows from a CSV too, the error naming every text column with the flags that
 * would train on it, `nodegrad inspect`, and --delimiter refused for a JSON file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureDist } from './ensure-dist';
import { runCli, type CliResult } from './run-cli';

const DATA = path.join(ROOT, 'node_modules', 'vega-datasets', 'data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-cli-json-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp, timeout: 120_000 });
const file = (name: string): string => path.join(tmp, name);
const predictions = (r: CliResult): (number | string)[] => (JSON.parse(r.stdout) as { prediction: number | string }[]).map((p) => p.prediction);

type Penguin = Record<string, string | number | null>;
const penguins = JSON.parse(fs.readFileSync(path.join(DATA, 'penguins.json'), 'utf8')) as Penguin[];
let penguinRun: CliResult;
let carsRun: CliResult;

beforeAll(async () => {
  await ensureDist();
  [penguinRun, carsRun] = await Promise.all([
    cli(['train', '--data', path.join(DATA, 'penguins.json'), '--target', 'Species', '--categorical', 'Island,Sex',
      '--epochs', '60', '--layers', '32', '--out', file('penguins')]),
    cli(['train', '--data', path.join(DATA, 'cars.json'), '--target', 'Horsepower', '--categorical', 'Origin',
      '--ignore-columns', 'Name', '--dates', 'Year', '--epochs', '40', '--layers', '32', '--out', file('cars')]),
  ]);
}, 180_000);

describe('nodegrad train --data records.json', () => {
  it('classifies penguins from a JSON array of records (text classes, nulls imputed)', async () => {
    expect(penguinRun.stderr).toBe('');
    expect(penguinRun.code).toBe(0);
    expect(penguinRun.stdout).toMatch(/data: .*penguins\.json \| classification \| train 275 \| test 69 \| features \d+ \| classes 3/);
    const acc = Number(/test accuracy: ([\d.]+)%/.exec(penguinRun.stdout)![1]);
    expect(acc).toBeGreaterThan(90);
    const r = await cli(['evaluate', file('penguins/model.safetensors'), '--data', path.join(DATA, 'penguins.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accuracy: [\d.]+% \(344 samples\)/);
  });

  it('predicts from records without the target (.json and .jsonl), and from the same rows as CSV', async () => {
    const rows = [penguins[0], penguins[160], penguins[300]].map(({ Species: _s, ...rest }) => rest);
    fs.writeFileSync(file('new.json'), JSON.stringify(rows));
    fs.writeFileSync(file('new.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const cols = Object.keys(rows[0]);
    const cell = (v: unknown) => (v === null ? '' : String(v));
    fs.writeFileSync(file('new.csv'), [cols.map((c) => `"${c}"`).join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n');
    const [a, b, c] = await Promise.all(['new.json', 'new.jsonl', 'new.csv'].map((f) => cli(['predict', file('penguins/model.safetensors'), '--input', file(f)])));
    for (const r of [a, b, c]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(predictions(a)).toEqual([penguins[0].Species, penguins[160].Species, penguins[300].Species]);
    expect(predictions(b)).toEqual(predictions(a));
    expect(predictions(c)).toEqual(predictions(a));
  });

  it('leaves out the rows without a target value, says so, and regresses in target units', async () => {
    expect(carsRun.stderr).toBe('');
    expect(carsRun.code).toBe(0);
    expect(carsRun.stdout).toContain('note: 6 rows without a value for "Horsepower" left out');
    expect(carsRun.stdout).toMatch(/regression \| train 320 \| test 80 \| features 12/);
    const r2 = Number(/test R\^2: (-?[\d.]+)/.exec(carsRun.stdout)![1]);
    expect(r2).toBeGreaterThan(0.8);
    const ev = await cli(['evaluate', file('cars/model.safetensors'), '--data', path.join(DATA, 'cars.json')]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/note: 6 rows without a value for "Horsepower" left out\nR\^2: [\d.]+ {2}MAE: [\d.]+ .*\(400 samples\)/);
  });

  it('names every column that is not numbers, with the flags that train on the file (which then trains)', async () => {
    const movies = path.join(DATA, 'movies.json');
    const r = await cli(['train', '--data', movies, '--target', 'IMDB Rating', '--categorical', 'Source', '--epochs', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nodegrad: error: Expected numbers in the feature columns of ${movies} but received other values in 7 columns: ` +
      'Title (numbers and text such as "The Land Girls"), Release Date (dates), MPAA Rating (text, 7 values), Distributor (text, 174 values), ' +
      'Major Genre (text, 12 values), Creative Type (text, 9 values), Director (text, 550 values); to train on the file, add ' +
      "--categorical 'Source,MPAA Rating,Major Genre,Creative Type' --dates 'Release Date' --ignore-columns Title,Distributor,Director " +
      '(--categorical one-hot encodes a column, --dates turns a date into year, month, day of year and weekday, --ignore-columns leaves a column out)\n');
    const ok = await cli(['train', '--data', movies, '--target', 'IMDB Rating', '--categorical', 'Source,MPAA Rating,Major Genre,Creative Type',
      '--dates', 'Release Date', '--ignore-columns', 'Title,Distributor,Director', '--epochs', '2', '--layers', '8', '--out', file('movies')]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('note: 213 rows without a value for "IMDB Rating" left out');
  });

  it('nodegrad inspect prints each column (type, counts, suggested encoding) and the flags, or JSON', async () => {
    const cars = path.join(DATA, 'cars.json');
    const r = await cli(['inspect', cars]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${cars}: 406 rows, 9 columns`);
    expect(lines[1]).toMatch(/^column +type +present +missing +distinct +suggested +examples$/);
    expect(lines[2]).toMatch(/^Name +text +406 +0 +311 +ignore +chevrolet chevelle malibu, buick skylark 320, plymouth satellite$/);
    expect(lines[6]).toMatch(/^Horsepower +number +400 +6 +93 +numeric$/);
    expect(lines[9]).toMatch(/^Year +date +406 +0 +12 +date$/);
    expect(lines[11]).toBe('suggested flags for nodegrad train (leave your --target column out of them): --categorical Origin --dates Year --ignore-columns Name');
    const j = await cli(['inspect', cars, '--json']);
    const cols = JSON.parse(j.stdout) as { name: string; suggested: string }[];
    expect(cols.map((c) => c.suggested)).toEqual(['ignore', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'date', 'categorical']);
    const tsv = await cli(['inspect', path.join(DATA, 'unemployment.tsv')]);
    expect(tsv.stdout).toMatch(/unemployment\.tsv: 3218 rows, 2 columns\n[^]*\nevery column holds numbers: nodegrad train needs no encoding flags\n$/);
    const semi = await cli(['inspect', cars, '--delimiter', ';']);
    expect(semi.code).toBe(2);
    expect(semi.stderr).toContain(`Expected --delimiter only with a CSV file but received the JSON file "${cars}"`);
    const missing = await cli(['inspect', file('nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`nodegrad: error: Expected an existing CSV or JSON file for <file> but received "${file('nope.csv')}" (file not found)\n`);
  });

  it('refuses --delimiter with a JSON file, and names what a file of other JSON holds', async () => {
    const d = await cli(['train', '--data', path.join(DATA, 'cars.json'), '--target', 'Horsepower', '--delimiter', ';']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/Expected --delimiter only with a CSV file but received the JSON file ".*cars\.json"/);
    const g = await cli(['train', '--data', path.join(DATA, 'miserables.json'), '--target', 'x']);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/^nodegrad: error: Expected a JSON array of records \(one object per row\) or JSON Lines for .*miserables\.json but received an object with the keys nodes, links\n$/);
  });
});

/**
 * The CLI on real CSV data (Seattle weather from vega-datasets): predict/evaluate apply the
 * preprocessing saved at training time (columns by name, fixed category vocabularies, imputer and
 * scaler), --unknown-category, --columns / --ignore-columns / --dates, the early-stopping line,
 * and `bench` in an installed package (no bench/ folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureDist } from './ensure-dist';
import { runCli, type CliResult } from './run-cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };

const SEATTLE = path.join(ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-cli-csv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp, timeout: 120_000 });
const file = (name: string): string => path.join(tmp, name);
const write = (name: string, lines: string[]): string => {
  fs.writeFileSync(file(name), lines.join('\n') + '\n');
  return file(name);
};
const predictions = (r: CliResult): (number | string)[] => (JSON.parse(r.stdout) as { prediction: number | string }[]).map((p) => p.prediction);

// Seattle weather without its date column: precipitation,temp_max,temp_min,wind,weather.
const seattle = fs.readFileSync(SEATTLE, 'utf8').trim().split('\n');
const noDate = seattle.map((l) => l.split(',').slice(1).join(','));
const header = noDate[0];
const fogRow = noDate.find((l) => l.endsWith(',fog'))!;
const fogIndex = noDate.indexOf(fogRow) - 1;
const drizzleRows = noDate.filter((l) => l.endsWith(',drizzle')).slice(0, 3);
const sunRainRows = noDate.filter((l) => /,(sun|rain)$/.test(l)).slice(0, 4);

const weather = write('weather.csv', noDate);
const model = file('temp/model.safetensors');
let trainRun: CliResult;

beforeAll(async () => {
  await ensureDist();
  trainRun = await cli(['train', '--data', weather, '--target', 'temp_max', '--categorical', 'weather',
    '--epochs', '5', '--layers', '16', '--quiet', '--out', file('temp')]);
}, 180_000);

describe('predict/evaluate apply the preprocessing saved with the model (issue: one-hot columns re-derived from the new file)', () => {
  it('the identical "fog" row gets the same prediction whatever categories the file holds', async () => {
    expect(trainRun.stderr).toBe('');
    expect(trainRun.code).toBe(0);
    // Column order shuffled and an extra column: columns are matched by name.
    const subsetRows = [fogRow, ...sunRainRows];
    const subset = write('subset.csv', ['weather,wind,temp_min,precipitation,note',
      ...subsetRows.map((l) => { const [p, , tmin, w, c] = l.split(','); return [c, w, tmin, p, 'x'].join(','); })]);
    const hail = write('hail.csv', [header, fogRow, ...drizzleRows.map((l) => l.replace(/drizzle$/, 'hail'))]);
    const [all, sub, ignored] = await Promise.all([
      cli(['predict', model, '--input', weather]),
      cli(['predict', model, '--input', subset]),
      cli(['predict', model, '--input', hail, '--unknown-category', 'ignore']),
    ]);
    for (const r of [all, sub, ignored]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const want = predictions(all)[fogIndex] as number;
    expect(predictions(all)).toHaveLength(noDate.length - 1);
    expect(predictions(sub)).toHaveLength(5);
    expect(predictions(ignored)).toHaveLength(4);
    expect(predictions(sub)[0]).toBeCloseTo(want, 3);
    expect(predictions(ignored)[0]).toBeCloseTo(want, 3);
  });

  it('an unseen category fails naming the column and value (exit 1), unless --unknown-category ignore', async () => {
    const hail = write('hail-only.csv', [header, fogRow, ...drizzleRows.map((l) => l.replace(/drizzle$/, 'hail'))]);
    const r = await cli(['predict', model, '--input', hail]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`nodegrad: error: Expected one of the known categories (drizzle, fog, rain, snow, sun) for ${hail} row 3 ` +
      'column "weather" but received "hail" of type string; pass --unknown-category ignore to encode it as all zeros\n');
    const bad = await cli(['predict', model, '--input', hail, '--unknown-category', 'skip']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('nodegrad: error: Expected one of error, ignore for --unknown-category but received "skip"\n');
  });

  it('missing columns are one clear error naming them', async () => {
    const missing = write('no-wind.csv', ['precipitation,temp_min', '0,5']);
    const r = await cli(['predict', model, '--input', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nodegrad: error: Expected the columns "wind", "weather" (used in training) for ${missing} ` +
      'but received a header without them (precipitation, temp_min)\n');
  });

  it('evaluate on a file with a subset of the categories, and JSON rows of the wrong width', async () => {
    const subset = write('subset-target.csv', [header, fogRow, ...sunRainRows]);
    const r = await cli(['evaluate', model, '--data', subset]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^R\^2: -?\d+\.\d{4}  MAE: \d+\.\d{4}  MSE: \d+\.\d{4} \(5 samples\)$/m);
    const json = file('rows.json');
    fs.writeFileSync(json, JSON.stringify([[0, 1, 2, 3, 4]]));
    const j = await cli(['predict', model, '--input', json]);
    expect(j.code).toBe(2);
    expect(j.stderr).toBe(`nodegrad: error: Expected rows of 8 encoded features (precipitation, temp_min, wind, weather=drizzle, ` +
      `weather=fog, weather=rain, weather=snow, weather=sun) in ${json} but received rows of shape [1, 5]\n`);
  });
});

describe('choosing feature columns: --ignore-columns, --columns, --dates', () => {
  it('--target weather --ignore-columns date trains a classifier of the text labels; predict takes the file as is', async () => {
    const plain = await cli(['train', '--data', SEATTLE, '--target', 'weather', '--epochs', '1', '--out', file('x')]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(`nodegrad: error: Expected numbers in the feature columns of ${SEATTLE} but received other values in 1 ` +
      'column: date (dates); to train on the file, add --dates date (--categorical one-hot encodes a column, --dates turns a date ' +
      'into year, month, day of year and weekday, --ignore-columns leaves a column out)\n');
    const out = file('cls');
    const r = await cli(['train', '--data', SEATTLE, '--target', 'weather', '--ignore-columns', 'date', '--epochs', '3', '--layers', '16', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`data: ${SEATTLE} | classification | train 1168 | test 293 | features 4 | classes 5\n`);
    expect(r.stdout).toMatch(/^true \\ pred\s+drizzle\s+fog\s+rain\s+snow\s+sun$/m);
    const p = await cli(['predict', path.join(out, 'model.safetensors'), '--input', SEATTLE]);
    expect(p.code).toBe(0);
    const names = predictions(p);
    expect(names).toHaveLength(seattle.length - 1);
    for (const n of new Set(names)) expect(['drizzle', 'fog', 'rain', 'snow', 'sun']).toContain(n);
  });

  it('--dates date adds year, month, dayOfYear, weekday features; --columns picks and orders features', async () => {
    const out = file('dates');
    const r = await cli(['train', '--data', SEATTLE, '--target', 'temp_max', '--dates', 'date', '--categorical', 'weather',
      '--epochs', '2', '--layers', '16', '--quiet', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const newRows = write('dates-new.csv', ['date,precipitation,temp_min,wind,weather', '2016-07-04,0,15,3,sun', '2016-07-04T12:00,0,15,3,sun']);
    const p = await cli(['predict', path.join(out, 'model.safetensors'), '--input', newRows]);
    expect(p.stderr).toBe('');
    const [a, b] = predictions(p) as number[];
    expect(Number.isFinite(a)).toBe(true);
    expect(b).toBeCloseTo(a, 4); // the time of day is ignored
    const badDate = write('dates-bad.csv', ['date,precipitation,temp_min,wind,weather', '07/04/2016,0,15,3,sun']);
    const e = await cli(['predict', path.join(out, 'model.safetensors'), '--input', badDate]);
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(`nodegrad: error: Expected a date (YYYY-MM-DD, YYYY/MM/DD, "Jan 2 2006" or "2 Jan 2006") for ${badDate} row 2 column "date" but received "07/04/2016" of type string\n`);

    const cols = await cli(['train', '--data', SEATTLE, '--target', 'temp_max', '--columns', 'wind,precipitation', '--epochs', '1', '--out', file('cols')]);
    expect(cols.code).toBe(0);
    expect(cols.stdout).toContain('| regression | train 1168 | test 293 | features 2\n');
    const missing = await cli(['train', '--data', SEATTLE, '--target', 'temp_max', '--columns', 'wind,rainfall', '--out', file('cols2')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`nodegrad: error: Expected the column "rainfall" (listed in --columns) for ${SEATTLE} but received a header ` +
      'without it (date, precipitation, temp_max, temp_min, wind, weather)\n');
    const mnist = await cli(['train', '--ignore-columns', 'date']);
    expect(mnist.code).toBe(2);
    expect(mnist.stderr).toBe('nodegrad: error: Expected --columns, --ignore-columns, --dates, --categorical and --delimiter only with a CSV or JSON file for --data but received "mnist"\n');
  });
});

describe('nodegrad train --early-stopping says when it ends the run early', () => {
  it('prints the epoch it stopped at, the wait and the best epoch, consistent with history.json', async () => {
    const out = file('es');
    const r = await cli(['train', '--data', weather, '--target', 'temp_max', '--categorical', 'weather', '--epochs', '100',
      '--lr', '0.3', '--schedule', 'none', '--early-stopping', '2', '--layers', '16', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const h = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8')) as { epoch: number[]; history: { val_loss: number[] } };
    const ran = h.epoch.length;
    expect(ran).toBeLessThan(100);
    const best = h.history.val_loss.indexOf(Math.min(...h.history.val_loss));
    const m = /^Early stopping at epoch (\d+)\/100: val_loss did not improve for (\d+) epochs?; best val_loss (\d+\.\d{4}) at epoch (\d+) \(weights restored\)$/m
      .exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(ran);
    expect(Number(m![4])).toBe(best + 1);
    expect(Number(m![2])).toBe(ran - best - 1);
    expect(Number(m![3])).toBeCloseTo(h.history.val_loss[best], 4);
    const lines = r.stdout.split('\n');
    expect(lines.indexOf(m![0])).toBe(lines.findIndex((l) => l.startsWith(`Epoch ${ran}/100 `)) + 1);
  });

  it('no such line when the run uses all its epochs', () => {
    expect(trainRun.stdout).not.toContain('Early stopping');
  });
});

describe('nodegrad bench in an installed package (no bench/ folder)', () => {
  it('is left out of the help and says why when run; a source checkout lists it', async () => {
    // The package's layout without bench/: dist/ and the built addon copied, dependencies linked.
    const pkg = file('installed');
    const addon = path.relative(ROOT, nodeGypBuild.path(ROOT)); // build/Release/... or prebuilds/...
    fs.mkdirSync(path.dirname(path.join(pkg, addon)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, addon), path.join(pkg, addon));
    fs.cpSync(path.join(ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    const script = path.join(pkg, 'dist', 'cli', 'main.js');
    const [help, bench, checkoutHelp] = await Promise.all([
      runCli(['--help'], { cwd: tmp, script }),
      runCli(['bench'], { cwd: tmp, script }),
      cli(['--help']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+predict /m);
    expect(help.stdout).not.toMatch(/bench/);
    expect(bench.code).toBe(2);
    expect(bench.stderr).toBe('nodegrad: error: Expected a source checkout of nodegrad (with bench/run.mjs) for bench but received an ' +
      'installed package without bench/; clone the repository and run npm run bench there\n');
    expect(checkoutHelp.stdout).toMatch(/^\s+bench \[args\.\.\.\]\s+run the benchmark suite/m);
  });
});

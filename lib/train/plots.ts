/**
 * Training plots: loss/metric curves (train vs validation, one panel per metric) and the
 * confusion-matrix heatmap, described in vega-lite, rendered to SVG by vega's headless
 * renderer and to PNG by resvg.
 *
 * vega and vega-lite are ES modules with top-level await, so CommonJS cannot require() them;
 * they are loaded on first use with a real dynamic import (kept out of tsc's reach, which
 * would turn `import()` into `require()` in the CommonJS build).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertString, describe, expected, is } from '../core/validate';

/**
 * Per-epoch history as the Trainer records it: history.loss[i] belongs to epoch[i], a 0-based
 * index; the plots number epochs from 1, like the training log ("Epoch 1/20").
 */
export interface HistoryLike {
  epoch: number[];
  /** Keys like loss, val_loss, accuracy, val_accuracy. */
  history: Record<string, number[]>;
}

export interface HistoryPlotOptions {
  /** Base metric names to plot (validation curves are added from 'val_' keys). Default: all. */
  metrics?: string[];
  title?: string;
  /** Size of one panel in pixels (default 320 x 200). */
  width?: number;
  height?: number;
}

export interface ConfusionPlotOptions {
  title?: string;
  /** Color by row-normalized rate (recall per true class) instead of raw counts; cells still show counts. */
  normalize?: boolean;
  /** Cell size in pixels (default: fits the matrix in about 420 px, 22 to 60 px per cell). */
  cellSize?: number;
}

export interface PngOptions {
  /** Zoom factor applied to the SVG's size (default 2, for sharp text). */
  scale?: number;
  /** Background color (default white). */
  background?: string;
  /** Extra font files for machines without system fonts. */
  fontFiles?: string[];
  /** Family used for 'sans-serif' text (default: DejaVu Sans on Linux, Arial elsewhere). */
  fontFamily?: string;
}

const TRAIN_COLOR = '#1f77b4';
const VAL_COLOR = '#ff7f0e';
const FONT = 'sans-serif';

/** Options must be a plain object (checked without narrowing the declared type). */
function checkOptions(opts: unknown): void {
  if (!is.plainObject(opts)) throw new TypeError(expected('object', 'options', describe(opts)));
}

// ---------------------------------------------------------------------------------------------
// Loading vega / vega-lite

type Vega = {
  View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
  parse(spec: unknown): unknown;
};
type VegaLite = { compile(spec: unknown): { spec: unknown } };

// A real import() that tsc leaves alone (it would otherwise become require() in CommonJS).
const nativeImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
let libs: Promise<{ vega: Vega; vl: VegaLite }> | undefined;

/**
 * Imports an ES module from CommonJS. Plain Node: the native import() above, resolved from this
 * file. Inside a vm context without an import hook (vitest runs TS that way) that throws, and
 * the module's own import() — handled by the test runner — is used instead.
 */
async function importEsm(name: string): Promise<unknown> {
  try {
    return await nativeImport(pathToFileURL(createRequire(__filename).resolve(name)).href);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' && !/dynamic import callback/i.test(String(e))) throw e;
    return import(name);
  }
}

function loadVega(): Promise<{ vega: Vega; vl: VegaLite }> {
  if (!libs) {
    libs = Promise.all([importEsm('vega'), importEsm('vega-lite')])
      .then(([vega, vl]) => ({ vega: vega as Vega, vl: vl as VegaLite }));
    libs.catch(() => { libs = undefined; });
  }
  return libs;
}

/** Compiles a vega-lite spec and renders it to an SVG string. */
export async function renderVegaLite(spec: object): Promise<string> {
  const { vega, vl } = await loadVega();
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// ---------------------------------------------------------------------------------------------
// History curves

function checkHistory(h: unknown): HistoryLike {
  if (typeof h !== 'object' || h === null || !Array.isArray((h as HistoryLike).epoch) ||
    typeof (h as HistoryLike).history !== 'object' || (h as HistoryLike).history === null) {
    throw new TypeError(expected('object with epoch (number[]) and history (Record<string, number[]>)', 'history', describe(h)));
  }
  const hist = h as HistoryLike;
  for (const [k, v] of Object.entries(hist.history)) {
    if (!Array.isArray(v)) throw new TypeError(expected('array of numbers', `history.${k}`, describe(v)));
  }
  return hist;
}

/** Base metric names in display order: loss first, then as recorded; 'val_x' joins 'x'. */
export function historyMetrics(h: HistoryLike): string[] {
  const out: string[] = [];
  for (const k of Object.keys(h.history)) {
    const base = k.startsWith('val_') ? k.slice(4) : k;
    if (!out.includes(base)) out.push(base);
  }
  out.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  return out;
}

/** Long-format rows { metric, split, epoch (1-based), value } for the curves (non-finite values dropped). */
function historyRows(h: HistoryLike, metrics: string[]): object[] {
  const rows: object[] = [];
  for (const m of metrics) {
    for (const [key, split] of [[m, 'train'], [`val_${m}`, 'validation']] as const) {
      const vals = h.history[key];
      if (!vals) continue;
      for (let i = 0; i < vals.length && i < h.epoch.length; i++) {
        if (Number.isFinite(vals[i])) rows.push({ metric: m, split, epoch: h.epoch[i] + 1, value: vals[i] });
      }
    }
  }
  return rows;
}

/** The vega-lite spec of the curves (exposed for custom rendering). */
export function historySpec(hIn: HistoryLike, opts: HistoryPlotOptions = {}): object {
  const h = checkHistory(hIn);
  checkOptions(opts);
  const all = historyMetrics(h);
  const metrics = opts.metrics ?? all;
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw new TypeError(expected('non-empty array of metric names', 'metrics', describe(metrics)));
  }
  for (const m of metrics) {
    if (!all.includes(m)) {
      throw new RangeError(expected(`one of ${all.map((s) => `'${s}'`).join(', ')}`, 'metrics', describe(m)));
    }
  }
  if (h.epoch.length === 0) throw new RangeError(expected('at least one epoch', 'history', '0 epochs'));
  const splits = (['train', 'validation'] as const).filter((s) =>
    metrics.some((m) => h.history[s === 'train' ? m : `val_${m}`] !== undefined));
  const panel = {
    width: opts.width ?? 320,
    height: opts.height ?? 200,
    mark: { type: 'line', point: { size: 30 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { nice: false } },
      y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false }, axis: { format: '~g' } },
      color: {
        field: 'split', type: 'nominal', title: null,
        scale: { domain: splits, range: splits.map((s) => (s === 'train' ? TRAIN_COLOR : VAL_COLOR)) },
        legend: { orient: 'top', labelFontSize: 12, symbolStrokeWidth: 3 },
      },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title !== undefined ? { title: { text: String(opts.title), fontSize: 16 } } : {}),
    background: 'white',
    padding: 12,
    data: { values: historyRows(h, metrics) },
    facet: {
      field: 'metric', type: 'nominal', sort: metrics, title: null,
      header: { labelFontSize: 14, labelFontWeight: 'bold', labelPadding: 6 },
    },
    columns: Math.min(metrics.length, 2),
    spec: panel,
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent', y: 'independent' } },
    config: { font: FONT, view: { stroke: '#ddd' } },
  };
}

/** Loss and metric curves, one panel per metric with train and validation lines, as SVG. */
export async function historyToSvg(h: HistoryLike, opts: HistoryPlotOptions = {}): Promise<string> {
  return renderVegaLite(historySpec(h, opts));
}

/** Writes the curves to `path` (.svg or .png) and returns the path. */
export async function plotHistory(h: HistoryLike, path: string, opts: HistoryPlotOptions = {}): Promise<string> {
  const kind = imageKind(path);
  const svg = await historyToSvg(h, opts);
  return writeImage(path, kind, svg);
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix

function checkMatrix(cm: unknown): number[][] {
  const bad = (): never => { throw new TypeError(expected('square matrix (number[][]) of non-negative counts', 'confusionMatrix', describe(cm))); };
  if (!Array.isArray(cm) || cm.length === 0) bad();
  const rows = cm as unknown[];
  for (const r of rows) {
    if (!Array.isArray(r) || r.length !== rows.length) bad();
    for (const v of r as unknown[]) if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad();
  }
  return rows as number[][];
}

/** The n class names shown on a confusion-matrix plot: distinct strings (default '0'..'n-1'). */
function checkDisplayLabels(labels: unknown, n: number): string[] {
  if (labels === undefined) return Array.from({ length: n }, (_, i) => String(i));
  if (!Array.isArray(labels) || labels.length !== n) {
    throw new TypeError(expected(`array of ${n} labels`, 'labels', describe(labels)));
  }
  const out = labels.map(String);
  if (new Set(out).size !== n) throw new RangeError(expected('distinct labels', 'labels', `[${out.join(', ')}]`));
  return out;
}

/** The vega-lite spec of the heatmap (exposed for custom rendering). */
export function confusionMatrixSpec(cmIn: number[][], labelsIn?: string[], opts: ConfusionPlotOptions = {}): object {
  const cm = checkMatrix(cmIn);
  const n = cm.length;
  const labels = checkDisplayLabels(labelsIn, n);
  checkOptions(opts);
  const cell = opts.cellSize ?? Math.max(22, Math.min(60, Math.floor(420 / n)));
  const values: object[] = [];
  let max = 0;
  for (let i = 0; i < n; i++) {
    const rowSum = cm[i].reduce((a, b) => a + b, 0);
    for (let j = 0; j < n; j++) {
      const count = cm[i][j];
      const v = opts.normalize ? (rowSum === 0 ? 0 : count / rowSum) : count;
      max = Math.max(max, v);
      values.push({ actual: labels[i], predicted: labels[j], count, v });
    }
  }
  const axis = { labelFontSize: 12, titleFontSize: 13, labelAngle: 0, domain: false, ticks: false };
  const x = { field: 'predicted', type: 'ordinal', sort: labels, title: 'Predicted label', axis: { ...axis, orient: 'bottom' } };
  const y = { field: 'actual', type: 'ordinal', sort: labels, title: 'True label', axis };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title !== undefined ? { title: { text: String(opts.title), fontSize: 16 } } : {}),
    background: 'white',
    padding: 12,
    width: cell * n,
    height: cell * n,
    data: { values },
    encoding: { x, y },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'v', type: 'quantitative', scale: { scheme: 'blues', domain: [0, Math.max(max, 1e-12)] },
            title: opts.normalize ? 'rate' : 'count', legend: { gradientLength: Math.max(120, cell * n - 20) },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: Math.max(9, Math.min(14, Math.floor(cell / 3))), baseline: 'middle' },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: 'd' },
          color: { condition: { test: `datum.v > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { font: FONT, view: { stroke: null } },
  };
}

/** Heatmap of a confusion matrix (rows true, columns predicted) with counts in the cells. */
export async function confusionMatrixSvg(cm: number[][], labels?: string[], opts: ConfusionPlotOptions = {}): Promise<string> {
  return renderVegaLite(confusionMatrixSpec(cm, labels, opts));
}

/** Writes the heatmap to `path` (.svg or .png) and returns the path. */
export async function plotConfusionMatrix(cm: number[][], path: string, labels?: string[],
  opts: ConfusionPlotOptions = {}): Promise<string> {
  const kind = imageKind(path);
  return writeImage(path, kind, await confusionMatrixSvg(cm, labels, opts));
}

// ---------------------------------------------------------------------------------------------
// Output

/** Rasterizes an SVG string to PNG bytes with resvg. */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Buffer> {
  assertString(svg, 'svg');
  checkOptions(opts);
  const scale = opts.scale ?? 2;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(expected('positive number', 'scale', describe(scale)));
  }
  const { Resvg } = await import('@resvg/resvg-js');
  const family = opts.fontFamily ?? (process.platform === 'linux' ? 'DejaVu Sans' : 'Arial');
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: opts.background ?? 'white',
    font: {
      loadSystemFonts: true,
      fontFiles: opts.fontFiles ?? [],
      defaultFontFamily: family,
      sansSerifFamily: family,
    },
  });
  return r.render().asPng();
}

function imageKind(path: unknown): 'svg' | 'png' {
  assertString(path, 'path');
  const ext = extname(path).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new RangeError(expected('path ending in .svg or .png', 'path', describe(path)));
  }
  return ext === '.svg' ? 'svg' : 'png';
}

async function writeImage(path: string, kind: 'svg' | 'png', svg: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, kind === 'svg' ? svg : await svgToPng(svg));
  return path;
}

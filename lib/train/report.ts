/**
 * Training reports: one self-contained HTML file per run (inline CSS and SVG plots, no
 * external requests) and plain-text tables for the terminal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertString, describe, expected, is } from '../core/validate';
import type { ClassReport } from './metrics';
import { confusionMatrixSvg, historyMetrics, historyToSvg, type HistoryLike } from './plots';
import { formatNumber } from './progress';

export { formatNumber };

export interface ReportEvaluation {
  /** Final metrics, e.g. { loss: 0.08, accuracy: 0.97 }. */
  metrics: Record<string, number>;
  /** Rows true, columns predicted. */
  confusionMatrix?: number[][];
  /** From classificationReport(). */
  classReport?: ClassReport;
  /** Class names for the confusion matrix (default 0..C-1). */
  labels?: string[];
}

export interface ReportData {
  title: string;
  /** Run configuration (model, optimizer, data, ...), shown as JSON. */
  config: object;
  history: HistoryLike;
  evaluation: ReportEvaluation;
  /** Files written by the run, by description: { model: 'out/model.safetensors' }. */
  files?: Record<string, string>;
  /** Timestamp shown in the header (default: now). */
  date?: Date;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Prefixes every id in an SVG (and the url(#id) / href="#id" references to them), so several
 * vega SVGs can be inlined in one HTML page without their clip paths and gradients colliding.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_all, a: string, id: string) => `${a}${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : all))
    .replace(/(href=")#([^"]+)"/g, (all, a: string, id: string) => (ids.has(id) ? `${a}#${prefix}${id}"` : all));
}

/** JSON for display: survives bigint, typed arrays (summarized), functions and cycles. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function') return `[function ${(v as { name?: string }).name || 'anonymous'}]`;
    if (ArrayBuffer.isView(v)) return `[${describe(v)}]`;
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  }, 2) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// Plain-text tables

function pad(s: string, w: number, right = true): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

/** The confusion matrix as an aligned text table (rows true, columns predicted). */
export function formatConfusionMatrix(cm: number[][], labels?: string[]): string {
  if (!Array.isArray(cm) || cm.some((r) => !Array.isArray(r) || r.length !== cm.length)) {
    throw new TypeError(expected('square matrix (number[][])', 'confusionMatrix', describe(cm)));
  }
  const n = cm.length;
  const names = labels ?? cm.map((_, i) => String(i));
  if (!Array.isArray(names) || names.length !== n) {
    throw new TypeError(expected(`array of ${n} labels`, 'labels', describe(labels)));
  }
  const corner = 'true \\ pred';
  const first = Math.max(corner.length, ...names.map((s) => String(s).length));
  const w = Math.max(3, ...names.map((s) => String(s).length), ...cm.flat().map((v) => formatCount(v).length));
  const lines = [pad(corner, first, false) + names.map((s) => ' ' + pad(String(s), w)).join('')];
  for (let i = 0; i < n; i++) {
    lines.push(pad(String(names[i]), first, false) + cm[i].map((v) => ' ' + pad(formatCount(v), w)).join(''));
  }
  return lines.join('\n');
}

/** Counts (integers above 1, e.g. a number of samples) print as integers, the rest like formatNumber. */
function formatMetric(v: number): string {
  return Number.isInteger(v) && Math.abs(v) > 1 && Math.abs(v) < 1e15 ? String(v) : formatNumber(v);
}

function formatCount(v: number): string {
  return Number.isInteger(v) ? String(v) : formatNumber(v);
}

/** A classification report as a text table in the layout of scikit-learn's. */
export function formatClassReport(report: ClassReport, digits = 4): string {
  if (typeof report !== 'object' || report === null || !Array.isArray(report.classes)) {
    throw new TypeError(expected('class report (from classificationReport)', 'report', describe(report)));
  }
  const names = report.classes.map((c) => c.name);
  const first = Math.max('weighted avg'.length, ...names.map((s) => s.length));
  const w = Math.max(9, digits + 3);
  const f = (v: number): string => pad(Number.isFinite(v) ? v.toFixed(digits) : 'nan', w);
  const header = pad('', first) + ['precision', 'recall', 'f1-score', 'support'].map((h) => ' ' + pad(h, w)).join('');
  const row = (name: string, p: number, r: number, f1: number, s: number): string =>
    pad(name, first) + ' ' + f(p) + ' ' + f(r) + ' ' + f(f1) + ' ' + pad(String(s), w);
  const support = report.macro.support;
  const lines = [header, ''];
  for (const c of report.classes) lines.push(row(c.name, c.precision, c.recall, c.f1, c.support));
  lines.push('');
  lines.push(pad('accuracy', first) + ' ' + pad('', w) + ' ' + pad('', w) + ' ' + f(report.accuracy) + ' ' + pad(String(support), w));
  lines.push(row('macro avg', report.macro.precision, report.macro.recall, report.macro.f1, report.macro.support));
  lines.push(row('weighted avg', report.weighted.precision, report.weighted.recall, report.weighted.f1, report.weighted.support));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// HTML

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #222;
  max-width: 1100px; margin: 2em auto; padding: 0 1.5em; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3em 0.9em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #ccc; }
tr.avg td { background: #f7f7f7; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 0.8em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 1em; min-width: 8em; }
.card .k { color: #666; font-size: 0.85em; }
.card .v { font-size: 1.4em; font-weight: 600; }
.plot svg { max-width: 100%; height: auto; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 6px; padding: 1em; overflow: auto; font-size: 13px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.note { color: #777; font-style: italic; }
`;

function table(head: string[], rows: string[][], rowClass: (i: number) => string = () => ''): string {
  const h = `<thead><tr>${head.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const b = rows.map((r, i) => {
    const cls = rowClass(i);
    return `<tr${cls ? ` class="${cls}"` : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  }).join('\n');
  return `<table>${h}<tbody>\n${b}\n</tbody></table>`;
}

function classReportTable(r: ClassReport, labels?: string[]): string {
  // Default names ('0', '1', ...) give way to the evaluation's class labels.
  const name = (c: ClassReport['classes'][number]): string =>
    (labels && c.name === String(c.label) && labels[c.label] !== undefined ? String(labels[c.label]) : c.name);
  const rows = r.classes.map((c) => [name(c), c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]);
  rows.push(['accuracy', '', '', r.accuracy.toFixed(4), String(r.macro.support)]);
  for (const [name, a] of [['macro avg', r.macro], ['weighted avg', r.weighted]] as const) {
    rows.push([name, a.precision.toFixed(4), a.recall.toFixed(4), a.f1.toFixed(4), String(a.support)]);
  }
  return table(['class', 'precision', 'recall', 'f1-score', 'support'], rows, (i) => (i >= r.classes.length ? 'avg' : ''));
}

function checkReport(data: unknown): ReportData {
  if (!is.plainObject(data)) throw new TypeError(expected('object', 'report', describe(data)));
  const d = data as unknown as ReportData;
  assertString(d.title, 'title');
  if (!is.plainObject(d.evaluation) || !is.plainObject(d.evaluation.metrics)) {
    throw new TypeError(expected('object with metrics', 'evaluation', describe(d.evaluation)));
  }
  if (typeof d.history !== 'object' || d.history === null || !Array.isArray(d.history.epoch) ||
    typeof d.history.history !== 'object' || d.history.history === null) {
    throw new TypeError(expected('object with epoch (number[]) and history (Record<string, number[]>)', 'history', describe(d.history)));
  }
  if (d.files !== undefined && !is.plainObject(d.files)) throw new TypeError(expected('object', 'files', describe(d.files)));
  return d;
}

/** Builds the HTML of a report (what writeReport writes). */
export async function reportHtml(data: ReportData): Promise<string> {
  const d = checkReport(data);
  const ev = d.evaluation;
  const date = d.date ?? new Date();
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(d.title)}</h1>`);
  parts.push(`<p class="meta">Generated ${escapeHtml(date.toISOString())} by nodegrad</p>`);

  parts.push('<h2>Evaluation</h2>');
  const metricEntries = Object.entries(ev.metrics);
  parts.push(metricEntries.length === 0 ? '<p class="note">No metrics.</p>' : `<div class="cards">${metricEntries.map(([k, v]) =>
    `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(formatMetric(v))}</div></div>`).join('')}</div>`);

  if (ev.classReport) {
    parts.push('<h2>Per-class metrics</h2>', classReportTable(ev.classReport, ev.labels));
  }
  if (ev.confusionMatrix) {
    const svg = await confusionMatrixSvg(ev.confusionMatrix, ev.labels, {});
    parts.push('<h2>Confusion matrix</h2>', '<p class="meta">Rows: true class, columns: predicted class.</p>',
      `<div class="plot">${namespaceSvgIds(svg, 'cm-')}</div>`);
  }

  parts.push('<h2>Training curves</h2>');
  const h = d.history;
  const hasCurves = h.epoch.length > 0 && Object.values(h.history).some((v) => Array.isArray(v) && v.length > 0);
  if (hasCurves) {
    const svg = await historyToSvg(h);
    parts.push(`<div class="plot">${namespaceSvgIds(svg, 'hist-')}</div>`);
    const metrics = historyMetrics(h);
    const last = h.epoch.length - 1;
    const at = (k: string): string => (h.history[k]?.[last] === undefined ? '' : formatNumber(h.history[k][last]));
    parts.push(`<p class="meta">Last epoch (epoch ${escapeHtml(String(h.epoch[last] + 1))}, ${h.epoch.length} recorded):</p>`,
      table(['metric', 'train', 'validation'], metrics.map((m) => [m, at(m), at(`val_${m}`)])));
  } else {
    parts.push('<p class="note">No epochs recorded.</p>');
  }

  parts.push('<h2>Configuration</h2>', `<pre><code>${escapeHtml(safeJson(d.config))}</code></pre>`);
  if (d.files && Object.keys(d.files).length > 0) {
    parts.push('<h2>Files</h2>', table(['file', 'path'], Object.entries(d.files).map(([k, v]) => [k, String(v)])));
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(d.title)}</title>
<style>${CSS}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}

/** Writes one self-contained HTML report (inline CSS and SVG) and returns its path. */
export async function writeReport(path: string, data: ReportData): Promise<string> {
  assertString(path, 'path');
  const html = await reportHtml(data);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html, 'utf8');
  return path;
}

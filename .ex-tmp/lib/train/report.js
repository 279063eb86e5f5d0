"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.formatNumber = void 0;
exports.escapeHtml = escapeHtml;
exports.namespaceSvgIds = namespaceSvgIds;
exports.formatConfusionMatrix = formatConfusionMatrix;
exports.formatClassReport = formatClassReport;
exports.reportHtml = reportHtml;
exports.writeReport = writeReport;
/**
 * Training reports: one self-contained HTML file per run (inline CSS and SVG plots, no
 * external requests) and plain-text tables for the terminal.
 */
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const validate_1 = require("../core/validate");
const plots_1 = require("./plots");
const progress_1 = require("./progress");
Object.defineProperty(exports, "formatNumber", { enumerable: true, get: function () { return progress_1.formatNumber; } });
/** Escapes text for HTML element content and attribute values. */
function escapeHtml(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
/**
 * Prefixes every id in an SVG (and the url(#id) / href="#id" references to them), so several
 * vega SVGs can be inlined in one HTML page without their clip paths and gradients colliding.
 */
function namespaceSvgIds(svg, prefix) {
    const ids = new Set();
    for (const m of svg.matchAll(/\sid="([^"]+)"/g))
        ids.add(m[1]);
    if (ids.size === 0)
        return svg;
    return svg
        .replace(/(\sid=")([^"]+)"/g, (_all, a, id) => `${a}${prefix}${id}"`)
        .replace(/url\(#([^)]+)\)/g, (all, id) => (ids.has(id) ? `url(#${prefix}${id})` : all))
        .replace(/(href=")#([^"]+)"/g, (all, a, id) => (ids.has(id) ? `${a}#${prefix}${id}"` : all));
}
/** JSON for display: survives bigint, typed arrays (summarized), functions and cycles. */
function safeJson(value) {
    const seen = new WeakSet();
    return JSON.stringify(value, (_k, v) => {
        if (typeof v === 'bigint')
            return v.toString();
        if (typeof v === 'function')
            return `[function ${v.name || 'anonymous'}]`;
        if (ArrayBuffer.isView(v))
            return `[${(0, validate_1.describe)(v)}]`;
        if (typeof v === 'object' && v !== null) {
            if (seen.has(v))
                return '[circular]';
            seen.add(v);
        }
        return v;
    }, 2) ?? 'null';
}
// ---------------------------------------------------------------------------------------------
// Plain-text tables
function pad(s, w, right = true) {
    return right ? s.padStart(w) : s.padEnd(w);
}
/** The confusion matrix as an aligned text table (rows true, columns predicted). */
function formatConfusionMatrix(cm, labels) {
    if (!Array.isArray(cm) || cm.some((r) => !Array.isArray(r) || r.length !== cm.length)) {
        throw new TypeError((0, validate_1.expected)('square matrix (number[][])', 'confusionMatrix', (0, validate_1.describe)(cm)));
    }
    const n = cm.length;
    const names = labels ?? cm.map((_, i) => String(i));
    if (!Array.isArray(names) || names.length !== n) {
        throw new TypeError((0, validate_1.expected)(`array of ${n} labels`, 'labels', (0, validate_1.describe)(labels)));
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
function formatMetric(v) {
    return Number.isInteger(v) && Math.abs(v) > 1 && Math.abs(v) < 1e15 ? String(v) : (0, progress_1.formatNumber)(v);
}
function formatCount(v) {
    return Number.isInteger(v) ? String(v) : (0, progress_1.formatNumber)(v);
}
/** A classification report as a text table in the layout of scikit-learn's. */
function formatClassReport(report, digits = 4) {
    if (typeof report !== 'object' || report === null || !Array.isArray(report.classes)) {
        throw new TypeError((0, validate_1.expected)('class report (from classificationReport)', 'report', (0, validate_1.describe)(report)));
    }
    const names = report.classes.map((c) => c.name);
    const first = Math.max('weighted avg'.length, ...names.map((s) => s.length));
    const w = Math.max(9, digits + 3);
    const f = (v) => pad(Number.isFinite(v) ? v.toFixed(digits) : 'nan', w);
    const header = pad('', first) + ['precision', 'recall', 'f1-score', 'support'].map((h) => ' ' + pad(h, w)).join('');
    const row = (name, p, r, f1, s) => pad(name, first) + ' ' + f(p) + ' ' + f(r) + ' ' + f(f1) + ' ' + pad(String(s), w);
    const support = report.macro.support;
    const lines = [header, ''];
    for (const c of report.classes)
        lines.push(row(c.name, c.precision, c.recall, c.f1, c.support));
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
function table(head, rows, rowClass = () => '') {
    const h = `<thead><tr>${head.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
    const b = rows.map((r, i) => {
        const cls = rowClass(i);
        return `<tr${cls ? ` class="${cls}"` : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    }).join('\n');
    return `<table>${h}<tbody>\n${b}\n</tbody></table>`;
}
function classReportTable(r, labels) {
    // Default names ('0', '1', ...) give way to the evaluation's class labels.
    const name = (c) => (labels && c.name === String(c.label) && labels[c.label] !== undefined ? String(labels[c.label]) : c.name);
    const rows = r.classes.map((c) => [name(c), c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]);
    rows.push(['accuracy', '', '', r.accuracy.toFixed(4), String(r.macro.support)]);
    for (const [name, a] of [['macro avg', r.macro], ['weighted avg', r.weighted]]) {
        rows.push([name, a.precision.toFixed(4), a.recall.toFixed(4), a.f1.toFixed(4), String(a.support)]);
    }
    return table(['class', 'precision', 'recall', 'f1-score', 'support'], rows, (i) => (i >= r.classes.length ? 'avg' : ''));
}
function checkReport(data) {
    if (!validate_1.is.plainObject(data))
        throw new TypeError((0, validate_1.expected)('object', 'report', (0, validate_1.describe)(data)));
    const d = data;
    (0, validate_1.assertString)(d.title, 'title');
    if (!validate_1.is.plainObject(d.evaluation) || !validate_1.is.plainObject(d.evaluation.metrics)) {
        throw new TypeError((0, validate_1.expected)('object with metrics', 'evaluation', (0, validate_1.describe)(d.evaluation)));
    }
    if (typeof d.history !== 'object' || d.history === null || !Array.isArray(d.history.epoch) ||
        typeof d.history.history !== 'object' || d.history.history === null) {
        throw new TypeError((0, validate_1.expected)('object with epoch (number[]) and history (Record<string, number[]>)', 'history', (0, validate_1.describe)(d.history)));
    }
    if (d.files !== undefined && !validate_1.is.plainObject(d.files))
        throw new TypeError((0, validate_1.expected)('object', 'files', (0, validate_1.describe)(d.files)));
    return d;
}
/** Builds the HTML of a report (what writeReport writes). */
async function reportHtml(data) {
    const d = checkReport(data);
    const ev = d.evaluation;
    const date = d.date ?? new Date();
    const parts = [];
    parts.push(`<h1>${escapeHtml(d.title)}</h1>`);
    parts.push(`<p class="meta">Generated ${escapeHtml(date.toISOString())} by nodegrad</p>`);
    parts.push('<h2>Evaluation</h2>');
    const metricEntries = Object.entries(ev.metrics);
    parts.push(metricEntries.length === 0 ? '<p class="note">No metrics.</p>' : `<div class="cards">${metricEntries.map(([k, v]) => `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(formatMetric(v))}</div></div>`).join('')}</div>`);
    if (ev.classReport) {
        parts.push('<h2>Per-class metrics</h2>', classReportTable(ev.classReport, ev.labels));
    }
    if (ev.confusionMatrix) {
        const svg = await (0, plots_1.confusionMatrixSvg)(ev.confusionMatrix, ev.labels, {});
        parts.push('<h2>Confusion matrix</h2>', '<p class="meta">Rows: true class, columns: predicted class.</p>', `<div class="plot">${namespaceSvgIds(svg, 'cm-')}</div>`);
    }
    parts.push('<h2>Training curves</h2>');
    const h = d.history;
    const hasCurves = h.epoch.length > 0 && Object.values(h.history).some((v) => Array.isArray(v) && v.length > 0);
    if (hasCurves) {
        const svg = await (0, plots_1.historyToSvg)(h);
        parts.push(`<div class="plot">${namespaceSvgIds(svg, 'hist-')}</div>`);
        const metrics = (0, plots_1.historyMetrics)(h);
        const last = h.epoch.length - 1;
        const at = (k) => (h.history[k]?.[last] === undefined ? '' : (0, progress_1.formatNumber)(h.history[k][last]));
        parts.push(`<p class="meta">Last epoch (${escapeHtml(String(h.epoch[last]))} of ${h.epoch.length} recorded):</p>`, table(['metric', 'train', 'validation'], metrics.map((m) => [m, at(m), at(`val_${m}`)])));
    }
    else {
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
async function writeReport(path, data) {
    (0, validate_1.assertString)(path, 'path');
    const html = await reportHtml(data);
    await (0, promises_1.mkdir)((0, node_path_1.dirname)(path), { recursive: true });
    await (0, promises_1.writeFile)(path, html, 'utf8');
    return path;
}

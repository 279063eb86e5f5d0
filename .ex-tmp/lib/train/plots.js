"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.renderVegaLite = renderVegaLite;
exports.historyMetrics = historyMetrics;
exports.historySpec = historySpec;
exports.historyToSvg = historyToSvg;
exports.plotHistory = plotHistory;
exports.confusionMatrixSpec = confusionMatrixSpec;
exports.confusionMatrixSvg = confusionMatrixSvg;
exports.plotConfusionMatrix = plotConfusionMatrix;
exports.svgToPng = svgToPng;
/**
 * Training plots: loss/metric curves (train vs validation, one panel per metric) and the
 * confusion-matrix heatmap, described in vega-lite, rendered to SVG by vega's headless
 * renderer and to PNG by resvg.
 *
 * vega and vega-lite are ES modules with top-level await, so CommonJS cannot require() them;
 * they are loaded on first use with a real dynamic import (kept out of tsc's reach, which
 * would turn `import()` into `require()` in the CommonJS build).
 */
const promises_1 = require("node:fs/promises");
const node_module_1 = require("node:module");
const node_path_1 = require("node:path");
const node_url_1 = require("node:url");
const validate_1 = require("../core/validate");
const TRAIN_COLOR = '#1f77b4';
const VAL_COLOR = '#ff7f0e';
const FONT = 'sans-serif';
/** Options must be a plain object (checked without narrowing the declared type). */
function checkOptions(opts) {
    if (!validate_1.is.plainObject(opts))
        throw new TypeError((0, validate_1.expected)('object', 'options', (0, validate_1.describe)(opts)));
}
// A real import() that tsc leaves alone (it would otherwise become require() in CommonJS).
const nativeImport = new Function('specifier', 'return import(specifier)');
let libs;
/**
 * Imports an ES module from CommonJS. Plain Node: the native import() above, resolved from this
 * file. Inside a vm context without an import hook (vitest runs TS that way) that throws, and
 * the module's own import() — handled by the test runner — is used instead.
 */
async function importEsm(name) {
    try {
        return await nativeImport((0, node_url_1.pathToFileURL)((0, node_module_1.createRequire)(__filename).resolve(name)).href);
    }
    catch (e) {
        const code = e.code;
        if (code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' && !/dynamic import callback/i.test(String(e)))
            throw e;
        return Promise.resolve(`${name}`).then(s => __importStar(require(s)));
    }
}
function loadVega() {
    if (!libs) {
        libs = Promise.all([importEsm('vega'), importEsm('vega-lite')])
            .then(([vega, vl]) => ({ vega: vega, vl: vl }));
        libs.catch(() => { libs = undefined; });
    }
    return libs;
}
/** Compiles a vega-lite spec and renders it to an SVG string. */
async function renderVegaLite(spec) {
    const { vega, vl } = await loadVega();
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
    try {
        return await view.toSVG();
    }
    finally {
        view.finalize();
    }
}
// ---------------------------------------------------------------------------------------------
// History curves
function checkHistory(h) {
    if (typeof h !== 'object' || h === null || !Array.isArray(h.epoch) ||
        typeof h.history !== 'object' || h.history === null) {
        throw new TypeError((0, validate_1.expected)('object with epoch (number[]) and history (Record<string, number[]>)', 'history', (0, validate_1.describe)(h)));
    }
    const hist = h;
    for (const [k, v] of Object.entries(hist.history)) {
        if (!Array.isArray(v))
            throw new TypeError((0, validate_1.expected)('array of numbers', `history.${k}`, (0, validate_1.describe)(v)));
    }
    return hist;
}
/** Base metric names in display order: loss first, then as recorded; 'val_x' joins 'x'. */
function historyMetrics(h) {
    const out = [];
    for (const k of Object.keys(h.history)) {
        const base = k.startsWith('val_') ? k.slice(4) : k;
        if (!out.includes(base))
            out.push(base);
    }
    out.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
    return out;
}
/** Long-format rows { metric, split, epoch, value } for the curves (non-finite values dropped). */
function historyRows(h, metrics) {
    const rows = [];
    for (const m of metrics) {
        for (const [key, split] of [[m, 'train'], [`val_${m}`, 'validation']]) {
            const vals = h.history[key];
            if (!vals)
                continue;
            for (let i = 0; i < vals.length && i < h.epoch.length; i++) {
                if (Number.isFinite(vals[i]))
                    rows.push({ metric: m, split, epoch: h.epoch[i], value: vals[i] });
            }
        }
    }
    return rows;
}
/** The vega-lite spec of the curves (exposed for custom rendering). */
function historySpec(hIn, opts = {}) {
    const h = checkHistory(hIn);
    checkOptions(opts);
    const all = historyMetrics(h);
    const metrics = opts.metrics ?? all;
    if (!Array.isArray(metrics) || metrics.length === 0) {
        throw new TypeError((0, validate_1.expected)('non-empty array of metric names', 'metrics', (0, validate_1.describe)(metrics)));
    }
    for (const m of metrics) {
        if (!all.includes(m)) {
            throw new RangeError((0, validate_1.expected)(`one of ${all.map((s) => `'${s}'`).join(', ')}`, 'metrics', (0, validate_1.describe)(m)));
        }
    }
    if (h.epoch.length === 0)
        throw new RangeError((0, validate_1.expected)('at least one epoch', 'history', '0 epochs'));
    const splits = ['train', 'validation'].filter((s) => metrics.some((m) => h.history[s === 'train' ? m : `val_${m}`] !== undefined));
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
async function historyToSvg(h, opts = {}) {
    return renderVegaLite(historySpec(h, opts));
}
/** Writes the curves to `path` (.svg or .png) and returns the path. */
async function plotHistory(h, path, opts = {}) {
    const kind = imageKind(path);
    const svg = await historyToSvg(h, opts);
    return writeImage(path, kind, svg);
}
// ---------------------------------------------------------------------------------------------
// Confusion matrix
function checkMatrix(cm) {
    const bad = () => { throw new TypeError((0, validate_1.expected)('square matrix (number[][]) of non-negative counts', 'confusionMatrix', (0, validate_1.describe)(cm))); };
    if (!Array.isArray(cm) || cm.length === 0)
        bad();
    const rows = cm;
    for (const r of rows) {
        if (!Array.isArray(r) || r.length !== rows.length)
            bad();
        for (const v of r)
            if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
                bad();
    }
    return rows;
}
function checkLabels(labels, n) {
    if (labels === undefined)
        return Array.from({ length: n }, (_, i) => String(i));
    if (!Array.isArray(labels) || labels.length !== n) {
        throw new TypeError((0, validate_1.expected)(`array of ${n} labels`, 'labels', (0, validate_1.describe)(labels)));
    }
    const out = labels.map(String);
    if (new Set(out).size !== n)
        throw new RangeError((0, validate_1.expected)('distinct labels', 'labels', `[${out.join(', ')}]`));
    return out;
}
/** The vega-lite spec of the heatmap (exposed for custom rendering). */
function confusionMatrixSpec(cmIn, labelsIn, opts = {}) {
    const cm = checkMatrix(cmIn);
    const n = cm.length;
    const labels = checkLabels(labelsIn, n);
    checkOptions(opts);
    const cell = opts.cellSize ?? Math.max(22, Math.min(60, Math.floor(420 / n)));
    const values = [];
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
async function confusionMatrixSvg(cm, labels, opts = {}) {
    return renderVegaLite(confusionMatrixSpec(cm, labels, opts));
}
/** Writes the heatmap to `path` (.svg or .png) and returns the path. */
async function plotConfusionMatrix(cm, path, labels, opts = {}) {
    const kind = imageKind(path);
    return writeImage(path, kind, await confusionMatrixSvg(cm, labels, opts));
}
// ---------------------------------------------------------------------------------------------
// Output
/** Rasterizes an SVG string to PNG bytes with resvg. */
async function svgToPng(svg, opts = {}) {
    (0, validate_1.assertString)(svg, 'svg');
    checkOptions(opts);
    const scale = opts.scale ?? 2;
    if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) {
        throw new RangeError((0, validate_1.expected)('positive number', 'scale', (0, validate_1.describe)(scale)));
    }
    const { Resvg } = await Promise.resolve().then(() => __importStar(require('@resvg/resvg-js')));
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
function imageKind(path) {
    (0, validate_1.assertString)(path, 'path');
    const ext = (0, node_path_1.extname)(path).toLowerCase();
    if (ext !== '.svg' && ext !== '.png') {
        throw new RangeError((0, validate_1.expected)('path ending in .svg or .png', 'path', (0, validate_1.describe)(path)));
    }
    return ext === '.svg' ? 'svg' : 'png';
}
async function writeImage(path, kind, svg) {
    await (0, promises_1.mkdir)((0, node_path_1.dirname)(path), { recursive: true });
    await (0, promises_1.writeFile)(path, kind === 'svg' ? svg : await svgToPng(svg));
    return path;
}

"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.CsvDataset = void 0;
exports.fromCsv = fromCsv;
exports.fromCsvStream = fromCsvStream;
/**
 * CSV datasets, read with csv-parse's streaming parser (a file path or any Readable).
 *
 *   const ds = await fromCsv('houses.csv', { target: 'price', categorical: ['city'], missing: 'keep' });
 *
 * Feature columns become float32 x (N, D); categorical feature columns are one-hot encoded
 * (categories sorted, names "city=Paris"). The target becomes float32 y (N, 1), or int32 labels
 * (N,) when it is categorical (classes sorted, in ds.classes) or when targetType is 'label'.
 * Missing cells (empty, NA, N/A, NaN, nan, null, NULL by default) are an error unless
 * { missing: 'keep' }, which stores NaN (for a SimpleImputer) and all-zero one-hot blocks.
 * Every bad cell is reported with the file, the row (1-based line number in the file, header
 * included) and the column name.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_stream_1 = require("node:stream");
const csv_parse_1 = require("csv-parse");
const validate_1 = require("../core/validate");
const errors_1 = require("./errors");
const dataset_1 = require("./dataset");
const tensor_api_1 = require("./tensor-api");
/** A dataset read from CSV, with what is needed to encode new rows the same way. */
class CsvDataset extends dataset_1.TensorDataset {
    /** Source columns used as features, in order. */
    columns = [];
    /** Categories of each categorical feature column. */
    categories = {};
    /** Target column name (if any). */
    targetName;
    /** Class names of a categorical target (label k is classes[k]). */
    classes;
}
exports.CsvDataset = CsvDataset;
const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];
/** Reads a CSV file (path) or stream into a dataset. */
async function fromCsv(source, opts = {}) {
    let file;
    let input;
    if (typeof source === 'string') {
        file = source;
        (0, validate_1.assertPlainObject)(opts, 'options');
        checkOptions(opts);
        await node_fs_1.default.promises.access(source, node_fs_1.default.constants.R_OK);
        input = node_fs_1.default.createReadStream(source);
    }
    else if (source instanceof node_stream_1.Readable || (typeof source === 'object' && source !== null && typeof source.pipe === 'function')) {
        (0, validate_1.assertPlainObject)(opts, 'options');
        checkOptions(opts);
        file = opts.name ?? '<stream>';
        input = source;
    }
    else {
        (0, validate_1.typeError)('file path or Readable stream', 'source', source);
    }
    return readCsv(input, file, opts);
}
/** Same as fromCsv(stream, opts); `name` labels the stream in error messages. */
function fromCsvStream(stream, opts = {}) {
    return fromCsv(stream, opts);
}
function checkOptions(o) {
    if (o.target !== undefined && typeof o.target !== 'string' && !Number.isInteger(o.target)) {
        (0, validate_1.typeError)('column name or index', 'target', o.target);
    }
    for (const key of ['columns', 'categorical']) {
        const v = o[key];
        if (v !== undefined && (!Array.isArray(v) || v.some((c) => typeof c !== 'string' && !Number.isInteger(c)))) {
            (0, validate_1.typeError)('array of column names or indices', key, v);
        }
    }
    if (o.header !== undefined)
        (0, validate_1.assertBoolean)(o.header, 'header');
    if (o.delimiter !== undefined) {
        (0, validate_1.assertString)(o.delimiter, 'delimiter');
        if (o.delimiter.length !== 1)
            throw new RangeError((0, validate_1.expected)('one character', 'delimiter', (0, validate_1.describe)(o.delimiter)));
    }
    if (o.missing !== undefined)
        (0, validate_1.assertOneOf)(o.missing, 'missing', ['error', 'keep']);
    if (o.naValues !== undefined && (!Array.isArray(o.naValues) || o.naValues.some((s) => typeof s !== 'string'))) {
        (0, validate_1.typeError)('array of strings', 'naValues', o.naValues);
    }
    if (o.targetType !== undefined)
        (0, validate_1.assertOneOf)(o.targetType, 'targetType', ['float', 'label']);
    if (o.numClasses !== undefined)
        (0, validate_1.assertPositiveInteger)(o.numClasses, 'numClasses');
    if (o.name !== undefined)
        (0, validate_1.assertString)(o.name, 'name');
}
async function readCsv(input, file, opts) {
    const header = opts.header ?? true;
    const missing = opts.missing ?? 'error';
    const na = new Set(opts.naValues ?? DEFAULT_NA);
    const parser = (0, csv_parse_1.parse)({
        delimiter: opts.delimiter ?? ',',
        relax_column_count: true,
        skip_empty_lines: true,
        bom: true,
        info: true,
    });
    input.on('error', (e) => parser.destroy(e));
    input.pipe(parser);
    let names = null;
    let width = -1;
    let plan = null;
    // Growing column stores: numbers for numeric columns, strings for categorical ones.
    let numeric = [];
    let cats = [];
    let targetNum = [];
    let targetCat = [];
    let rows = 0;
    let sawHeader = false;
    const targetIsLabel = () => opts.targetType === 'label' || (plan?.target?.categorical ?? false);
    try {
        for await (const item of parser) {
            const { record, info } = item;
            const line = info.lines;
            if (names === null) {
                width = record.length;
                if (header) {
                    names = record.map((s) => s.trim());
                    sawHeader = true;
                    plan = makePlan(names, opts, file);
                    numeric = plan.features.map(() => []);
                    cats = plan.features.map(() => []);
                    continue;
                }
                names = record.map((_, i) => String(i));
                plan = makePlan(names, opts, file);
                numeric = plan.features.map(() => []);
                cats = plan.features.map(() => []);
            }
            if (record.length !== width) {
                (0, errors_1.dataError)(`${width} fields`, { file, row: line }, `${record.length} field${record.length === 1 ? '' : 's'}`);
            }
            const p = plan;
            for (let f = 0; f < p.features.length; f++) {
                const col = p.features[f];
                const raw = record[col.index].trim();
                const isNa = na.has(raw);
                if (isNa && missing === 'error')
                    missingError(file, line, col.name, raw);
                if (col.categorical)
                    cats[f].push(isNa ? null : raw);
                else
                    numeric[f].push(isNa ? NaN : parseNumber(raw, file, line, col.name));
            }
            if (p.target) {
                const raw = record[p.target.index].trim();
                if (na.has(raw))
                    (0, errors_1.dataError)('a target value', { file, row: line, column: p.target.name }, cellDesc(raw));
                if (p.target.categorical) {
                    targetCat.push(raw);
                }
                else {
                    const v = parseNumber(raw, file, line, p.target.name);
                    if (opts.targetType === 'label') {
                        const ok = Number.isInteger(v) && v >= 0 && (opts.numClasses === undefined || v < opts.numClasses);
                        if (!ok) {
                            const what = opts.numClasses !== undefined ? `integer label in [0, ${opts.numClasses - 1}]` : 'non-negative integer label';
                            (0, errors_1.dataError)(what, { file, row: line, column: p.target.name }, (0, validate_1.describe)(raw));
                        }
                    }
                    targetNum.push(v);
                }
            }
            rows++;
        }
    }
    catch (e) {
        input.unpipe(parser);
        if (typeof input.destroy === 'function')
            input.destroy();
        if (e instanceof errors_1.DataError || e instanceof TypeError || e instanceof RangeError)
            throw e;
        const err = e;
        // csv-parse errors (e.g. an unclosed quote) carry the line number.
        throw new errors_1.DataError((0, validate_1.expected)('well-formed CSV', `${file}${err.lines ? ` row ${err.lines}` : ''}`, `a parse error: ${err.message ?? String(e)}`), { file, row: err.lines });
    }
    if (names === null)
        throw new errors_1.DataError((0, validate_1.expected)('CSV data', file, 'an empty file'), { file });
    if (rows === 0 && sawHeader)
        throw new errors_1.DataError((0, validate_1.expected)('at least one data row', file, 'only a header'), { file });
    const p = plan;
    // Categories, sorted; one-hot columns.
    const categories = {};
    const featureNames = [];
    const blocks = [];
    p.features.forEach((col, f) => {
        if (col.categorical) {
            const c = [...new Set(cats[f].filter((v) => v !== null))].sort();
            categories[col.name] = c;
            for (const v of c)
                featureNames.push(`${col.name}=${v}`);
            blocks.push({ f, index: new Map(c.map((v, k) => [v, k])), width: c.length });
        }
        else {
            featureNames.push(col.name);
            blocks.push({ f, width: 1 });
        }
    });
    const d = featureNames.length;
    const x = new Float32Array(rows * d);
    let off = 0;
    for (const b of blocks) {
        if (b.index) {
            const col = cats[b.f];
            for (let i = 0; i < rows; i++) {
                const v = col[i];
                if (v !== null)
                    x[i * d + off + b.index.get(v)] = 1;
            }
        }
        else {
            const col = numeric[b.f];
            for (let i = 0; i < rows; i++)
                x[i * d + off] = col[i];
        }
        off += b.width;
    }
    numeric = [];
    cats = [];
    let y;
    let numClasses;
    let classes;
    if (p.target) {
        if (p.target.categorical) {
            classes = [...new Set(targetCat)].sort();
            const index = new Map(classes.map((c, k) => [c, k]));
            numClasses = classes.length;
            if (opts.numClasses !== undefined && opts.numClasses < numClasses) {
                throw new errors_1.DataError((0, validate_1.expected)(`at most ${opts.numClasses} classes (numClasses)`, `${file} column "${p.target.name}"`, `${numClasses} classes`), { file, column: p.target.name });
            }
            numClasses = opts.numClasses ?? numClasses;
            y = (0, tensor_api_1.fromArray)(Int32Array.from(targetCat, (c) => index.get(c)), [rows]);
        }
        else if (targetIsLabel()) {
            numClasses = opts.numClasses ?? targetNum.reduce((a, b) => Math.max(a, b), -1) + 1;
            y = (0, tensor_api_1.fromArray)(Int32Array.from(targetNum), [rows]);
        }
        else {
            y = (0, tensor_api_1.fromArray)(Float32Array.from(targetNum), [rows, 1]);
        }
    }
    targetNum = [];
    targetCat = [];
    const ds = new CsvDataset((0, tensor_api_1.fromArray)(x, [rows, d]), y, { numClasses, featureNames });
    ds.columns = p.features.map((c) => c.name);
    ds.categories = categories;
    ds.targetName = p.target?.name;
    ds.classes = classes;
    return ds;
}
function cellDesc(raw) {
    return raw === '' ? 'an empty cell' : `${(0, validate_1.describe)(raw)} (a missing-value marker)`;
}
function missingError(file, row, column, raw) {
    throw new errors_1.DataError(`${(0, validate_1.expected)('a value', `${file} row ${row} column "${column}"`, cellDesc(raw))}; pass { missing: 'keep' } and impute it (SimpleImputer)`, { file, row, column });
}
function parseNumber(raw, file, row, column) {
    const v = Number(raw);
    if (Number.isNaN(v) || raw === '')
        (0, errors_1.dataError)('number', { file, row, column }, (0, validate_1.describe)(raw));
    return v;
}
function makePlan(names, opts, file) {
    const resolve = (c, name) => {
        if (typeof c === 'number') {
            if (c < 0 || c >= names.length) {
                throw new RangeError((0, validate_1.expected)(`column index in [0, ${names.length - 1}] (${file} has ${names.length} columns)`, name, (0, validate_1.describe)(c)));
            }
            return c;
        }
        const i = names.indexOf(c);
        if (i < 0) {
            const list = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
            throw new RangeError((0, validate_1.expected)(`a column of ${file} (${list})`, name, (0, validate_1.describe)(c)));
        }
        return i;
    };
    const categorical = new Set((opts.categorical ?? []).map((c) => resolve(c, 'categorical')));
    const targetIndex = opts.target === undefined ? -1 : resolve(opts.target, 'target');
    const featureIdx = opts.columns
        ? opts.columns.map((c, k) => resolve(c, `columns[${k}]`))
        : names.map((_, i) => i).filter((i) => i !== targetIndex);
    if (featureIdx.includes(targetIndex)) {
        throw new RangeError((0, validate_1.expected)('feature columns without the target', 'columns', `the target column "${names[targetIndex]}"`));
    }
    if (featureIdx.length === 0)
        throw new RangeError((0, validate_1.expected)('at least one feature column', 'columns', `none in ${file}`));
    return {
        features: featureIdx.map((i) => ({ name: names[i], index: i, categorical: categorical.has(i) })),
        target: targetIndex < 0 ? null : { name: names[targetIndex], index: targetIndex, categorical: categorical.has(targetIndex) },
    };
}

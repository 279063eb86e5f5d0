"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LabelEncoder = exports.OneHotEncoder = void 0;
/**
 * Categorical encoders matching scikit-learn 1.2: OneHotEncoder (per column, categories sorted,
 * missing values NaN/null as their own last category) and LabelEncoder (target labels -> 0..K-1).
 */
const validate_1 = require("../../core/validate");
const matrix_1 = require("../matrix");
const tensor_api_1 = require("../tensor-api");
const base_1 = require("./base");
function norm(v) {
    if (v === undefined || v === null)
        return null;
    if (typeof v === 'number')
        return Number.isNaN(v) ? null : v;
    return v;
}
function key(v) {
    return v === null ? 'null' : typeof v === 'number' ? `n:${v}` : `s:${v}`;
}
/** numpy order: numbers ascending, then strings by code unit; missing last. */
function compareCategories(a, b) {
    if (a === null)
        return b === null ? 0 : 1;
    if (b === null)
        return -1;
    if (typeof a === 'number' && typeof b === 'number')
        return a - b;
    if (typeof a === 'number')
        return -1;
    if (typeof b === 'number')
        return 1;
    return a < b ? -1 : a > b ? 1 : 0;
}
/** Reads categorical rows: Tensor (N, D) of numeric codes or nested arrays of strings/numbers/null. */
function readRows(x, name) {
    if ((0, matrix_1.isTensor)(x)) {
        if (x.shape.length !== 2)
            throw new RangeError((0, validate_1.expected)('2-D tensor (samples, features)', name, (0, validate_1.describe)(x)));
        const [n, d] = x.shape;
        const rows = [];
        for (let i = 0; i < n; i++)
            rows.push(Array.from(x.data.subarray(i * d, (i + 1) * d), (v) => norm(v)));
        return { rows, cols: d };
    }
    if (!Array.isArray(x))
        (0, validate_1.typeError)('2-D array (samples, features) or Tensor', name, x);
    if (x.length === 0)
        throw new RangeError((0, validate_1.expected)('at least one row', name, 'an array of length 0'));
    if (!Array.isArray(x[0]))
        (0, validate_1.typeError)('array', `${name}[0]`, x[0]);
    const cols = x[0].length;
    const rows = [];
    for (let i = 0; i < x.length; i++) {
        const r = x[i];
        if (!Array.isArray(r))
            (0, validate_1.typeError)('array', `${name}[${i}]`, r);
        if (r.length !== cols)
            throw new RangeError((0, validate_1.expected)(`row of length ${cols}`, `${name}[${i}]`, (0, validate_1.describe)(r)));
        rows.push(r.map((v, j) => {
            if (v !== null && v !== undefined && typeof v !== 'number' && typeof v !== 'string') {
                (0, validate_1.typeError)('string, number or null', `${name}[${i}][${j}]`, v);
            }
            return norm(v);
        }));
    }
    return { rows, cols };
}
class OneHotEncoder extends base_1.Preprocessor {
    type = 'OneHotEncoder';
    handleUnknown;
    fixed;
    /** Sorted categories of each input column (after fit). */
    categories = null;
    index = [];
    constructor(opts = {}) {
        super();
        (0, validate_1.assertPlainObject)(opts, 'options');
        const hu = opts.handleUnknown ?? 'error';
        (0, validate_1.assertOneOf)(hu, 'handleUnknown', ['error', 'ignore']);
        this.handleUnknown = hu;
        const cats = opts.categories ?? 'auto';
        if (cats !== 'auto' && (!Array.isArray(cats) || !cats.every(Array.isArray))) {
            (0, validate_1.typeError)("'auto' or an array of category arrays", 'categories', cats);
        }
        this.fixed = cats === 'auto' ? null : cats.map((c) => c.map(norm));
    }
    get fitted() { return this.categories !== null; }
    /** Total number of output columns. */
    get nOutputs() { return this.categories ? this.categories.reduce((a, c) => a + c.length, 0) : 0; }
    setCategories(cats) {
        this.categories = cats;
        this.index = cats.map((c) => new Map(c.map((v, k) => [key(v), k])));
    }
    fit(x) {
        const { rows, cols } = readRows(x, 'x');
        if (this.fixed) {
            if (this.fixed.length !== cols) {
                throw new RangeError((0, validate_1.expected)(`${this.fixed.length} columns (as in categories)`, 'x', `${cols} columns`));
            }
            this.setCategories(this.fixed.map((c) => [...c]));
            // Values outside fixed categories are unknown: checked like transform does.
            if (this.handleUnknown === 'error')
                this.encode(rows);
            return this;
        }
        const cats = [];
        for (let j = 0; j < cols; j++) {
            const seen = new Map();
            for (const r of rows)
                seen.set(key(r[j]), r[j]);
            cats.push([...seen.values()].sort(compareCategories));
        }
        this.setCategories(cats);
        return this;
    }
    encode(rows) {
        const cats = this.categories;
        const width = this.nOutputs;
        const out = new Float64Array(rows.length * width);
        for (let i = 0; i < rows.length; i++) {
            let off = 0;
            for (let j = 0; j < cats.length; j++) {
                const k = this.index[j].get(key(rows[i][j]));
                if (k === undefined) {
                    if (this.handleUnknown === 'error') {
                        throw new RangeError((0, validate_1.expected)(`a category seen during fit (${cats[j].map((c) => JSON.stringify(c)).join(', ')})`, `x[${i}][${j}]`, (0, validate_1.describe)(rows[i][j] === null ? NaN : rows[i][j])));
                    }
                }
                else {
                    out[i * width + off + k] = 1;
                }
                off += cats[j].length;
            }
        }
        return out;
    }
    transform(x) {
        this.assertFitted();
        const { rows, cols } = readRows(x, 'x');
        if (cols !== this.categories.length) {
            throw new RangeError((0, validate_1.expected)(`${this.categories.length} features (as fitted by ${this.type})`, 'x', `${cols} features`));
        }
        return (0, matrix_1.outputLike)(x, this.encode(rows), rows.length, this.nOutputs);
    }
    fitTransform(x) {
        return this.fit(x).transform(x);
    }
    /** Back to categories: each block's argmax; an all-zero block (ignored unknown) gives null. */
    inverseTransform(x) {
        this.assertFitted();
        const width = this.nOutputs;
        let data;
        let n;
        if ((0, matrix_1.isTensor)(x)) {
            if (x.shape.length !== 2 || x.shape[1] !== width)
                throw new RangeError((0, validate_1.expected)(`shape [*, ${width}]`, 'x', (0, validate_1.describe)(x)));
            data = x.data;
            n = x.shape[0];
        }
        else {
            if (!Array.isArray(x))
                (0, validate_1.typeError)('2-D array or Tensor', 'x', x);
            n = x.length;
            const flat = new Float64Array(n * width);
            x.forEach((r, i) => {
                if (!Array.isArray(r) || r.length !== width)
                    throw new RangeError((0, validate_1.expected)(`row of length ${width}`, `x[${i}]`, (0, validate_1.describe)(r)));
                flat.set(r, i * width);
            });
            data = flat;
        }
        const out = [];
        for (let i = 0; i < n; i++) {
            const row = [];
            let off = 0;
            for (const c of this.categories) {
                let best = -1, bv = 0;
                for (let k = 0; k < c.length; k++) {
                    const v = data[i * width + off + k];
                    if (v > bv) {
                        bv = v;
                        best = k;
                    }
                }
                row.push(best < 0 ? null : c[best]);
                off += c.length;
            }
            out.push(row);
        }
        return out;
    }
    /** Output column names, sklearn style: `${inputName}_${category}` (input names default x0, x1, ...). */
    featureNames(inputNames) {
        this.assertFitted();
        const names = [];
        this.categories.forEach((c, j) => {
            const base = inputNames?.[j] ?? `x${j}`;
            for (const v of c)
                names.push(`${base}_${v === null ? 'nan' : String(v)}`);
        });
        return names;
    }
    toJSON() {
        return {
            type: this.type, version: 1,
            config: { handleUnknown: this.handleUnknown, categories: this.fixed ?? 'auto' },
            state: this.categories ? { categories: this.categories } : null,
        };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'OneHotEncoder');
        const e = new OneHotEncoder(j.config);
        if (j.state)
            e.setCategories(j.state.categories.map((c) => c.map(norm)));
        return e;
    }
}
exports.OneHotEncoder = OneHotEncoder;
function readLabels(y, name) {
    if ((0, matrix_1.isTensor)(y)) {
        if (y.shape.length !== 1)
            throw new RangeError((0, validate_1.expected)('1-D tensor of labels', name, (0, validate_1.describe)(y)));
        return Array.from(y.data);
    }
    if (y instanceof Int32Array)
        return Array.from(y);
    if (!Array.isArray(y))
        (0, validate_1.typeError)('array of labels or Tensor', name, y);
    return y.map((v, i) => {
        if ((typeof v !== 'number' || Number.isNaN(v)) && typeof v !== 'string')
            (0, validate_1.typeError)('string or number', `${name}[${i}]`, v);
        return v;
    });
}
/** Maps labels to 0..K-1 in sorted order of the classes seen in fit. */
class LabelEncoder extends base_1.Preprocessor {
    type = 'LabelEncoder';
    classes = null;
    index = new Map();
    get fitted() { return this.classes !== null; }
    get numClasses() { return this.classes ? this.classes.length : 0; }
    setClasses(c) {
        this.classes = c;
        this.index = new Map(c.map((v, k) => [key(v), k]));
    }
    fit(y) {
        const seen = new Map();
        for (const v of readLabels(y, 'y'))
            seen.set(key(v), v);
        this.setClasses([...seen.values()].sort(compareCategories));
        return this;
    }
    transform(y) {
        this.assertFitted();
        const labels = readLabels(y, 'y');
        const codes = new Int32Array(labels.length);
        labels.forEach((v, i) => {
            const k = this.index.get(key(v));
            if (k === undefined) {
                throw new RangeError((0, validate_1.expected)(`a label seen during fit (${this.classes.map((c) => JSON.stringify(c)).join(', ')})`, `y[${i}]`, (0, validate_1.describe)(v)));
            }
            codes[i] = k;
        });
        if ((0, matrix_1.isTensor)(y))
            return (0, tensor_api_1.fromArray)(codes, [codes.length]);
        if (y instanceof Int32Array)
            return codes;
        return Array.from(codes);
    }
    fitTransform(y) {
        return this.fit(y).transform(y);
    }
    /** Codes back to the original labels. */
    inverseTransform(codes) {
        this.assertFitted();
        const c = (0, matrix_1.isTensor)(codes) ? Array.from(codes.data) : Array.from(codes);
        return c.map((k, i) => {
            if (!Number.isInteger(k) || k < 0 || k >= this.numClasses) {
                throw new RangeError((0, validate_1.expected)(`integer code in [0, ${this.numClasses - 1}]`, `codes[${i}]`, (0, validate_1.describe)(k)));
            }
            return this.classes[k];
        });
    }
    toJSON() {
        return { type: this.type, version: 1, config: {}, state: this.classes ? { classes: this.classes } : null };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'LabelEncoder');
        const e = new LabelEncoder();
        if (j.state)
            e.setClasses(j.state.classes);
        return e;
    }
}
exports.LabelEncoder = LabelEncoder;

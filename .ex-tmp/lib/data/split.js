"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.trainTestSplitIndices = trainTestSplitIndices;
exports.trainTestSplit = trainTestSplit;
exports.kFold = kFold;
exports.stratifiedKFold = stratifiedKFold;
/**
 * Splits: trainTestSplit (seeded, optionally stratified), kFold and stratifiedKFold with the
 * fold layout of scikit-learn's KFold / StratifiedKFold (identical folds when shuffle is off).
 */
const validate_1 = require("../core/validate");
const random_1 = require("../core/random");
const dataset_1 = require("./dataset");
const labels_1 = require("./labels");
function rngFor(seed) {
    return seed !== undefined ? new random_1.Rng(seed) : random_1.globalRng.fork();
}
function testCount(n, testSize) {
    if (typeof testSize !== 'number')
        (0, validate_1.typeError)('fraction in (0, 1) or positive integer count', 'testSize', testSize);
    let t;
    if (testSize > 0 && testSize < 1)
        t = Math.ceil(testSize * n);
    else if (Number.isInteger(testSize) && testSize >= 1)
        t = testSize;
    else
        throw new RangeError((0, validate_1.expected)('fraction in (0, 1) or positive integer count', 'testSize', (0, validate_1.describe)(testSize)));
    if (t >= n) {
        throw new RangeError((0, validate_1.expected)(`fewer than ${n} test samples (so that training keeps one)`, 'testSize', (0, validate_1.describe)(testSize)));
    }
    return t;
}
/** Index split of n samples. */
function trainTestSplitIndices(n, opts = {}, labels) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    const shuffle = opts.shuffle ?? true;
    (0, validate_1.assertBoolean)(shuffle, 'shuffle');
    const nTest = testCount(n, opts.testSize ?? 0.25);
    const nTrain = n - nTest;
    if (!labels) {
        if (!shuffle) {
            return { train: Int32Array.from({ length: nTrain }, (_, i) => i), test: Int32Array.from({ length: nTest }, (_, i) => nTrain + i) };
        }
        const perm = rngFor(opts.seed).permutation(n);
        return { train: perm.slice(nTest), test: perm.slice(0, nTest) };
    }
    if (!shuffle)
        throw new TypeError((0, validate_1.expected)('shuffle true when stratify is set', 'shuffle', 'false of type boolean'));
    if (labels.length !== n)
        throw new RangeError((0, validate_1.expected)(`${n} labels (one per sample)`, 'stratify', `${labels.length} labels`));
    const counts = (0, labels_1.bincount)(labels);
    const present = Array.from(counts).filter((c) => c > 0).length;
    if (nTest < present || nTrain < present) {
        throw new RangeError((0, validate_1.expected)(`a split with at least ${present} samples (one per class) on each side`, 'testSize', `${nTest} test and ${nTrain} train samples`));
    }
    // Test samples per class: proportional, rounded by largest remainder.
    const k = counts.length;
    const want = new Int32Array(k);
    const rem = [];
    let given = 0;
    for (let c = 0; c < k; c++) {
        const exact = (counts[c] * nTest) / n;
        want[c] = Math.floor(exact);
        given += want[c];
        rem.push({ c, r: exact - want[c] });
    }
    rem.sort((a, b) => b.r - a.r || a.c - b.c);
    for (let i = 0; given < nTest; i++) {
        const c = rem[i % k].c;
        if (want[c] < counts[c]) {
            want[c]++;
            given++;
        }
    }
    const rng = rngFor(opts.seed);
    const byClass = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++)
        byClass[labels[i]].push(i);
    const train = [];
    const test = [];
    for (let c = 0; c < k; c++) {
        const idx = rng.shuffle(byClass[c]);
        for (let i = 0; i < idx.length; i++)
            (i < want[c] ? test : train).push(idx[i]);
    }
    return { train: rng.shuffle(Int32Array.from(train)), test: rng.shuffle(Int32Array.from(test)) };
}
function trainTestSplit(ds, opts = {}) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    let labels;
    if (opts.stratify !== undefined && opts.stratify !== false) {
        if (opts.stratify === true) {
            if (typeof ds === 'number')
                throw new TypeError((0, validate_1.expected)('labels (not true) when splitting a count', 'stratify', 'true of type boolean'));
            labels = (0, labels_1.readLabels)(ds, 'stratify');
        }
        else {
            labels = (0, labels_1.readLabels)(opts.stratify, 'stratify');
        }
    }
    if (typeof ds === 'number') {
        if (!Number.isInteger(ds) || ds < 2)
            throw new RangeError((0, validate_1.expected)('integer >= 2 (number of samples)', 'n', (0, validate_1.describe)(ds)));
        return trainTestSplitIndices(ds, opts, labels);
    }
    if (typeof ds !== 'object' || ds === null || !('x' in ds))
        (0, validate_1.typeError)('Dataset or sample count', 'dataset', ds);
    const split = trainTestSplitIndices(ds.length, opts, labels);
    return { train: (0, dataset_1.subset)(ds, split.train), test: (0, dataset_1.subset)(ds, split.test) };
}
function foldOptions(opts, n) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    const k = opts.k ?? 5;
    if (typeof k !== 'number')
        (0, validate_1.typeError)('integer >= 2', 'k', k);
    if (!Number.isInteger(k) || k < 2)
        throw new RangeError((0, validate_1.expected)('integer >= 2', 'k', (0, validate_1.describe)(k)));
    if (k > n)
        throw new RangeError((0, validate_1.expected)(`at most ${n} folds (one sample each)`, 'k', (0, validate_1.describe)(k)));
    const shuffle = opts.shuffle ?? false;
    (0, validate_1.assertBoolean)(shuffle, 'shuffle');
    return { k, shuffle };
}
function foldsFromAssignment(fold, k) {
    const out = [];
    for (let f = 0; f < k; f++) {
        const train = [];
        const test = [];
        for (let i = 0; i < fold.length; i++)
            (fold[i] === f ? test : train).push(i);
        out.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
    }
    return out;
}
function sampleCount(v) {
    if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 2)
            throw new RangeError((0, validate_1.expected)('integer >= 2 (number of samples)', 'n', (0, validate_1.describe)(v)));
        return v;
    }
    if (typeof v === 'object' && v !== null && typeof v.length === 'number' && 'x' in v)
        return v.length;
    (0, validate_1.typeError)('sample count or Dataset', 'n', v);
}
/** k folds of n samples (or of a dataset's rows): the first n % k folds get one extra sample. */
function kFold(n, opts = {}) {
    const count = sampleCount(n);
    const { k, shuffle } = foldOptions(opts, count);
    const order = shuffle ? rngFor(opts.seed).permutation(count) : Int32Array.from({ length: count }, (_, i) => i);
    const fold = new Int32Array(count);
    let start = 0;
    for (let f = 0; f < k; f++) {
        const size = Math.floor(count / k) + (f < count % k ? 1 : 0);
        for (let i = start; i < start + size; i++)
            fold[order[i]] = f;
        start += size;
    }
    return foldsFromAssignment(fold, k);
}
/** k folds keeping class proportions (scikit-learn's StratifiedKFold allocation). */
function stratifiedKFold(labels, opts = {}) {
    const y = (0, labels_1.readLabels)(labels, 'labels');
    const { k, shuffle } = foldOptions(opts, y.length);
    // Classes numbered by first appearance, as scikit-learn does.
    const firstSeen = new Map();
    const enc = new Int32Array(y.length);
    for (let i = 0; i < y.length; i++) {
        if (!firstSeen.has(y[i]))
            firstSeen.set(y[i], firstSeen.size);
        enc[i] = firstSeen.get(y[i]);
    }
    const nc = firstSeen.size;
    const counts = (0, labels_1.bincount)(enc, nc);
    if (counts.every((c) => k > c)) {
        throw new RangeError((0, validate_1.expected)(`at most ${Math.max(...counts)} folds (the size of the largest class)`, 'k', (0, validate_1.describe)(k)));
    }
    const sorted = Int32Array.from(enc).sort();
    const alloc = [];
    for (let f = 0; f < k; f++) {
        const a = new Int32Array(nc);
        for (let i = f; i < sorted.length; i += k)
            a[sorted[i]]++;
        alloc.push(a);
    }
    const rng = shuffle ? rngFor(opts.seed) : null;
    const fold = new Int32Array(y.length);
    for (let c = 0; c < nc; c++) {
        const folds = [];
        for (let f = 0; f < k; f++)
            for (let r = 0; r < alloc[f][c]; r++)
                folds.push(f);
        if (rng)
            rng.shuffle(folds);
        let j = 0;
        for (let i = 0; i < y.length; i++)
            if (enc[i] === c)
                fold[i] = folds[j++];
    }
    return foldsFromAssignment(fold, k);
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DataLoader = void 0;
/**
 * DataLoader: batches of a dataset, reshuffled each epoch by a seeded generator, assembled with
 * the native row gather (one call per tensor per batch, no per-element JS).
 *
 *   const loader = new DataLoader(train, { batchSize: 128, shuffle: true, seed: 1 });
 *   for (const { x, y } of loader) { ... }          // sync: each batch assembled on demand
 *   for await (const { x, y } of loader) { ... }    // async: batch i+1 assembled (setImmediate)
 *                                                   // while the consumer works on batch i
 *
 * Ownership: the loader owns its batches. A batch is disposed when the next one is requested
 * and when the loop ends (break, return and throw included), so a training loop holds at most
 * two batches (the current one and the prefetched one). Copy or clone what must outlive the
 * step, or pass { keep: true } to take ownership (then the consumer disposes every batch).
 *
 * Augmentation: `transform(batch, ctx)` runs on each assembled batch with ctx.training (false
 * after loader.eval(); augmentations then do nothing) and a seeded generator ctx.rng. A transform
 * may change the batch tensors in place (they are fresh copies) or return new ones; tensors it
 * replaces are disposed by the loader.
 */
const validate_1 = require("../core/validate");
const random_1 = require("../core/random");
const tensor_api_1 = require("./tensor-api");
const matrix_1 = require("./matrix");
class DataLoader {
    dataset;
    batchSize;
    shuffle;
    dropLast;
    keep;
    sampler;
    transform;
    training;
    /** Epochs started so far. */
    epoch = 0;
    rng;
    augRng;
    constructor(dataset, opts = {}) {
        if (typeof dataset !== 'object' || dataset === null || !(0, matrix_1.isTensor)(dataset.x)) {
            (0, validate_1.typeError)('Dataset ({ length, x, y? })', 'dataset', dataset);
        }
        (0, validate_1.assertPlainObject)(opts, 'options');
        const batchSize = opts.batchSize ?? 32;
        (0, validate_1.assertPositiveInteger)(batchSize, 'batchSize');
        const shuffle = opts.shuffle ?? false;
        const dropLast = opts.dropLast ?? false;
        const keep = opts.keep ?? false;
        const training = opts.training ?? true;
        (0, validate_1.assertBoolean)(shuffle, 'shuffle');
        (0, validate_1.assertBoolean)(dropLast, 'dropLast');
        (0, validate_1.assertBoolean)(keep, 'keep');
        (0, validate_1.assertBoolean)(training, 'training');
        if (opts.transform !== undefined)
            (0, validate_1.assertFunction)(opts.transform, 'transform');
        if (opts.sampler !== undefined) {
            const s = opts.sampler;
            if (typeof s !== 'object' || s === null || typeof s.indices !== 'function')
                (0, validate_1.typeError)('Sampler (with indices())', 'sampler', s);
            if (shuffle)
                throw new TypeError((0, validate_1.expected)('shuffle false (a sampler decides the order)', 'shuffle', 'true of type boolean'));
            if (s.sourceLength !== undefined && s.sourceLength !== dataset.length) {
                throw new RangeError((0, validate_1.expected)(`sampler over ${dataset.length} samples (the dataset's length)`, 'sampler', `a sampler over ${s.sourceLength} samples`));
            }
        }
        const n = dataset.length;
        if (dataset.y && dataset.y.shape[0] !== n) {
            throw new RangeError((0, validate_1.expected)(`y with ${n} rows (like x)`, 'dataset.y', (0, validate_1.describe)(dataset.y)));
        }
        if (dropLast && batchSize > n && !opts.sampler) {
            throw new RangeError((0, validate_1.expected)(`batchSize <= ${n} (dataset length) with dropLast`, 'batchSize', (0, validate_1.describe)(batchSize)));
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.keep = keep;
        this.training = training;
        this.sampler = opts.sampler;
        this.transform = opts.transform;
        this.rng = opts.seed !== undefined ? new random_1.Rng(opts.seed) : random_1.globalRng.fork();
        this.augRng = this.rng.fork();
    }
    /** Samples per epoch. */
    get numSamples() {
        return this.sampler ? this.sampler.length : this.dataset.length;
    }
    /** Batches per epoch. */
    get length() {
        const n = this.numSamples;
        return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    /** Transforms run in training mode (augmentation on). */
    train() { this.training = true; return this; }
    /** Transforms run in evaluation mode (augmentation off). */
    eval() { this.training = false; return this; }
    /** Starts an epoch: its sample order. */
    startEpoch() {
        this.epoch++;
        if (this.sampler) {
            const idx = this.sampler.indices();
            const n = this.dataset.length;
            for (let i = 0; i < idx.length; i++) {
                if (!(idx[i] >= 0 && idx[i] < n)) {
                    throw new RangeError((0, validate_1.expected)(`sampler index in [0, ${n - 1}]`, `sampler.indices()[${i}]`, (0, validate_1.describe)(idx[i])));
                }
            }
            return idx;
        }
        if (this.shuffle)
            return this.rng.permutation(this.dataset.length);
        return Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    }
    /** Assembles batch b of an epoch's order (gather + transform). */
    assemble(order, b) {
        const start = b * this.batchSize;
        const indices = order.subarray(start, Math.min(start + this.batchSize, order.length));
        const x = (0, tensor_api_1.gatherRows)(this.dataset.x, indices);
        let y;
        try {
            y = this.dataset.y ? (0, tensor_api_1.gatherRows)(this.dataset.y, indices) : undefined;
        }
        catch (e) {
            x.dispose();
            throw e;
        }
        let batch = { x, y, indices };
        if (this.transform) {
            const ctx = { training: this.training, rng: this.augRng, epoch: this.epoch, batchIndex: b };
            let out;
            try {
                out = this.transform(batch, ctx);
            }
            catch (e) {
                disposeBatch(batch);
                throw e;
            }
            if (typeof out !== 'object' || out === null || !(0, matrix_1.isTensor)(out.x)) {
                disposeBatch(batch);
                (0, validate_1.typeError)('batch { x, y? } returned by transform', 'transform', out);
            }
            if (out.x !== x)
                x.dispose();
            if (y && out.y !== y)
                y.dispose();
            batch = { x: out.x, y: out.y, indices };
        }
        return batch;
    }
    *[Symbol.iterator]() {
        const order = this.startEpoch();
        const nb = this.length;
        let cur = null;
        try {
            for (let b = 0; b < nb; b++) {
                cur = this.assemble(order, b);
                yield cur;
                if (!this.keep)
                    disposeBatch(cur);
                cur = null;
            }
        }
        finally {
            if (cur && !this.keep)
                disposeBatch(cur);
        }
    }
    async *[Symbol.asyncIterator]() {
        const order = this.startEpoch();
        const nb = this.length;
        let cur = null;
        let pending = null;
        try {
            let next = nb > 0 ? this.assemble(order, 0) : null;
            for (let b = 0; b < nb; b++) {
                cur = next;
                next = null;
                if (b + 1 < nb) {
                    // Prefetch: assemble the next batch on the next event-loop turn, while the consumer
                    // works on (and awaits inside) this one.
                    pending = new Promise((resolve, reject) => {
                        setImmediate(() => {
                            try {
                                resolve(this.assemble(order, b + 1));
                            }
                            catch (e) {
                                reject(e);
                            }
                        });
                    });
                    pending.catch(() => undefined); // a failure surfaces at the await below, never as unhandled
                }
                yield cur;
                if (!this.keep)
                    disposeBatch(cur);
                cur = null;
                if (pending) {
                    const p = pending;
                    pending = null;
                    next = await p;
                }
            }
        }
        finally {
            if (cur && !this.keep)
                disposeBatch(cur);
            // A prefetched batch the consumer never saw is always the loader's to free.
            if (pending)
                pending.then(disposeBatch, () => undefined);
        }
    }
    /** State for checkpoints: epoch and the generators' positions. */
    getState() {
        return { epoch: this.epoch, rng: this.rng.getState(), augRng: this.augRng.getState() };
    }
    setState(state) {
        (0, validate_1.assertPlainObject)(state, 'state');
        this.epoch = state.epoch;
        this.rng.setState(state.rng);
        this.augRng.setState(state.augRng);
    }
}
exports.DataLoader = DataLoader;
function disposeBatch(b) {
    b.x.dispose();
    b.y?.dispose();
}

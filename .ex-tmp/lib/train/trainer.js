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
exports._empty = exports.Trainer = void 0;
/**
 * Trainer: Keras-style fit/evaluate/predict over any Module.
 *
 * Each training step runs inside ng.tidy, so it owns and frees its intermediates; the native
 * bytes in use return to the model's (plus optimizer state's) size after every step. fit()
 * yields to the event loop between steps (at least every `yieldMs`, default 2 ms), so a
 * server keeps answering while it trains, and stops early on an AbortSignal.
 */
const module_1 = require("../nn/module");
const tensor_1 = require("../tensor/tensor");
const scope_1 = require("../tensor/scope");
const create_1 = require("../tensor/create");
Object.defineProperty(exports, "_empty", { enumerable: true, get: function () { return create_1.empty; } });
const node_1 = require("../autograd/node");
const shape_1 = require("../ops/shape");
const losses = __importStar(require("../losses"));
const optimizer_1 = require("../optim/optimizer");
const clip_1 = require("../optim/clip");
const stateful_1 = require("./metrics/stateful");
const history_1 = require("./history");
const progress_1 = require("./progress");
const loader_1 = require("../data/loader");
const dataset_1 = require("../data/dataset");
const check_1 = require("../tensor/check");
const checkpoint_1 = require("../io/checkpoint");
const seed_1 = require("../core/seed");
const validate_1 = require("../core/validate");
const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];
function isDataset(d) {
    return typeof d === 'object' && d !== null && d.x instanceof tensor_1.Tensor;
}
class Trainer {
    model;
    optimizer;
    lossFn;
    lossName;
    metricNames;
    /** Set by callbacks (early stopping) to end fit() after the current epoch. */
    stopTraining = false;
    /** Fitted preprocessing state (any JSON) stored in checkpoints and saved models. */
    preprocessing = undefined;
    run = null;
    spec;
    clipNorm;
    clipValue;
    constructor(opts) {
        (0, validate_1.assertPlainObject)(opts, 'options');
        if (!(opts.model instanceof module_1.Module))
            throw new TypeError((0, validate_1.expected)('Module', 'model', (0, validate_1.describe)(opts.model)));
        this.model = opts.model;
        if (typeof opts.loss === 'function') {
            this.lossFn = opts.loss;
            this.lossName = opts.loss.name || 'custom';
        }
        else {
            this.lossFn = losses.get(opts.loss);
            this.lossName = opts.loss;
        }
        this.optimizer = this.makeOptimizer(opts.optimizer ?? 'adam', opts.lr);
        this.spec = { loss: typeof opts.loss === 'string' ? opts.loss : null,
            optimizer: opts.optimizer instanceof optimizer_1.Optimizer ? null : (opts.optimizer ?? 'adam'), lr: opts.lr };
        this.metricNames = opts.metrics ?? [];
        if (!Array.isArray(this.metricNames))
            throw new TypeError((0, validate_1.expected)('array of metric names', 'metrics', (0, validate_1.describe)(opts.metrics)));
        (0, stateful_1.createMetrics)(this.metricNames); // validates names now rather than at the first epoch
        if (opts.clipGradNorm !== undefined)
            (0, validate_1.assertNumberInRange)(opts.clipGradNorm, 'clipGradNorm', 0, Infinity, { loOpen: true });
        if (opts.clipGradValue !== undefined)
            (0, validate_1.assertNumberInRange)(opts.clipGradValue, 'clipGradValue', 0, Infinity, { loOpen: true });
        this.clipNorm = opts.clipGradNorm;
        this.clipValue = opts.clipGradValue;
    }
    makeOptimizer(spec, lr) {
        if (spec instanceof optimizer_1.Optimizer)
            return spec;
        const params = this.model.parameters();
        let name = spec;
        let rest = {};
        if (typeof spec === 'object' && spec !== null) {
            ({ type: name, ...rest } = spec);
        }
        (0, validate_1.assertOneOf)(name, 'optimizer', OPTIMIZERS);
        const o = lr === undefined ? rest : { ...rest, lr };
        switch (name) {
            case 'sgd': return new optimizer_1.SGD(params, o);
            case 'adam': return new optimizer_1.Adam(params, o);
            case 'adamw': return new optimizer_1.AdamW(params, o);
            case 'rmsprop': return new optimizer_1.RMSprop(params, o);
            case 'adagrad': return new optimizer_1.Adagrad(params, o);
        }
        throw new Error('unreachable');
    }
    /** Metric options derived from the loss (logit outputs use threshold 0). */
    metricOptions() {
        return { logits: this.lossName === 'bceWithLogits' };
    }
    /** One optimization step on a batch; returns the loss value. Frees every intermediate. */
    trainStep(x, y, metrics = []) {
        return (0, scope_1.tidy)(() => {
            this.optimizer.zeroGrad();
            const pred = this.model.forward(x);
            const loss = this.lossFn(pred, y);
            if (loss.size !== 1) {
                throw new RangeError(`Expected a scalar loss from the loss function but received shape ${(0, validate_1.fmtShape)(loss.shape)}`);
            }
            loss.backward();
            if (this.clipNorm !== undefined)
                (0, clip_1.clipGradNorm)(this.optimizer.params, this.clipNorm);
            if (this.clipValue !== undefined)
                (0, clip_1.clipGradValue)(this.optimizer.params, this.clipValue);
            this.optimizer.step();
            for (const m of metrics)
                m.update(pred, y);
            return loss.item();
        });
    }
    toDataset(d, name) {
        if (Array.isArray(d) && d.length === 2) {
            (0, check_1.assertTensor)(d[0], `${name}[0]`);
            (0, check_1.assertTensor)(d[1], `${name}[1]`);
            return (0, dataset_1.fromTensors)(d[0], d[1]);
        }
        if (!isDataset(d))
            throw new TypeError((0, validate_1.expected)('Dataset, DataLoader or [x, y] tensors', name, (0, validate_1.describe)(d)));
        if (!d.y)
            throw new TypeError((0, validate_1.expected)('dataset with targets (y)', name, 'a dataset without y'));
        return d;
    }
    /**
     * Trains for `epochs` and resolves with the History. Validation loss and metrics (prefixed
     * val_) are computed after each epoch when validationData or validationSplit is given.
     */
    async fit(data, opts = {}) {
        (0, validate_1.assertPlainObject)(opts, 'options');
        const epochs = opts.epochs ?? 1;
        (0, validate_1.assertPositiveInteger)(epochs, 'epochs');
        const batchSize = opts.batchSize ?? 32;
        (0, validate_1.assertPositiveInteger)(batchSize, 'batchSize');
        const shuffle = opts.shuffle ?? true;
        (0, validate_1.assertBoolean)(shuffle, 'shuffle');
        const verbose = opts.verbose ?? 1;
        (0, validate_1.assertOneOf)(verbose, 'verbose', [0, 1, 2]);
        const yieldMs = opts.yieldMs ?? 2;
        (0, validate_1.assertNumberInRange)(yieldMs, 'yieldMs', 0, Infinity);
        const callbacks = opts.callbacks ?? [];
        if (!Array.isArray(callbacks))
            throw new TypeError((0, validate_1.expected)('array of callbacks', 'callbacks', (0, validate_1.describe)(callbacks)));
        let loader;
        let valSet = null;
        if (data instanceof loader_1.DataLoader) {
            loader = data;
        }
        else {
            let train = this.toDataset(data, 'data');
            if (opts.validationSplit !== undefined) {
                (0, validate_1.assertNumberInRange)(opts.validationSplit, 'validationSplit', 0, 1, { hiOpen: true });
                const nVal = Math.floor(train.length * opts.validationSplit);
                if (nVal > 0) {
                    const nTrain = train.length - nVal;
                    const idx = (a, b) => Int32Array.from({ length: b - a }, (_, i) => a + i);
                    valSet = (0, dataset_1.subset)(train, idx(nTrain, train.length));
                    train = (0, dataset_1.subset)(train, idx(0, nTrain));
                }
            }
            loader = new loader_1.DataLoader(train, { batchSize, shuffle, seed: opts.seed });
        }
        if (opts.validationData !== undefined)
            valSet = this.toDataset(opts.validationData, 'validationData');
        if (opts.worker) {
            if (this.spec.loss === null || this.spec.optimizer === null || this.metricNames.some((m) => typeof m !== 'string')) {
                throw new TypeError('Expected a loss, optimizer and metrics given by name for fit({ worker: true }) but received ' +
                    'a function or an object (they cannot be sent to another thread)');
            }
            if (opts.resumeFrom !== undefined)
                throw new TypeError('Expected no resumeFrom with fit({ worker: true }) but received one');
            const { fitInWorker } = await Promise.resolve().then(() => __importStar(require('./worker')));
            return fitInWorker(this, loader.dataset, valSet, opts, { loss: this.spec.loss, optimizer: this.spec.optimizer,
                lr: this.spec.lr, metrics: this.metricNames, clipGradNorm: this.clipNorm, clipGradValue: this.clipValue });
        }
        let history = new history_1.History();
        let startEpoch = 0;
        if (opts.resumeFrom !== undefined) {
            const ck = await (0, checkpoint_1.readCheckpoint)(opts.resumeFrom);
            this.model.loadStateDict(ck.weights);
            this.optimizer.loadStateDict(ck.optimizer);
            if (ck.loader)
                loader.setState(ck.loader);
            if (ck.history) {
                history = new history_1.History();
                ck.history.epoch.forEach((e, i) => history.append(e, Object.fromEntries(Object.entries(ck.history.history).map(([k, v]) => [k, v[i] ?? NaN]))));
            }
            (ck.schedulers ?? []).forEach((st, i) => {
                const cb = callbacks[i];
                if (st && cb && typeof cb.loadStateDict === 'function')
                    cb.loadStateDict(st);
            });
            if (ck.preprocessing !== undefined)
                this.preprocessing = ck.preprocessing;
            (0, seed_1.setRngState)(ck.rng);
            startEpoch = ck.epoch;
        }
        const progress = new progress_1.ProgressLogger({ verbose: verbose, totalEpochs: epochs, stepsPerEpoch: loader.length,
            stream: opts.stream });
        const metrics = (0, stateful_1.createMetrics)(this.metricNames, this.metricOptions());
        for (const cb of callbacks)
            cb.setTrainer?.(this);
        this.stopTraining = false;
        this.model.train();
        const signal = opts.signal;
        const aborted = () => signal?.aborted === true;
        this.run = { epoch: startEpoch, loader, history, callbacks };
        await this.call(callbacks, 'onTrainBegin', {});
        let lastYield = performance.now();
        try {
            for (let epoch = startEpoch; epoch < epochs && !this.stopTraining && !aborted(); epoch++) {
                this.run.epoch = epoch;
                progress.onEpochBegin(epoch);
                await this.call(callbacks, 'onEpochBegin', epoch, {});
                for (const m of metrics)
                    m.reset();
                let lossSum = 0;
                let seen = 0;
                let step = 0;
                for (const batch of loader) {
                    if (aborted())
                        break;
                    await this.call(callbacks, 'onBatchBegin', step, {});
                    const n = batch.x.shape[0];
                    const loss = this.trainStep(batch.x, batch.y, metrics);
                    lossSum += loss * n;
                    seen += n;
                    const logs = { loss };
                    progress.onBatchEnd(step, { loss: lossSum / seen });
                    await this.call(callbacks, 'onBatchEnd', step, logs);
                    step++;
                    if (performance.now() - lastYield >= yieldMs) {
                        await new Promise((r) => setImmediate(r));
                        lastYield = performance.now();
                    }
                }
                if (seen === 0)
                    break;
                const logs = { loss: lossSum / seen };
                for (const m of metrics)
                    logs[m.name] = m.result();
                if (valSet) {
                    const v = this.evaluateSync(valSet, batchSize);
                    for (const [k, val] of Object.entries(v))
                        logs[`val_${k}`] = val;
                    this.model.train();
                }
                logs.lr = this.optimizer.lr;
                history.append(epoch, logs);
                this.run.epoch = epoch + 1;
                await this.call(callbacks, 'onEpochEnd', epoch, logs);
                progress.onEpochEnd(epoch, logs);
                await new Promise((r) => setImmediate(r));
                lastYield = performance.now();
            }
        }
        finally {
            progress.onTrainEnd();
            this.run = null;
        }
        await this.call(callbacks, 'onTrainEnd', {});
        this.model.eval();
        return history;
    }
    /**
     * Writes a checkpoint of the training state (call from a callback during fit, e.g.
     * ng.callbacks.checkpoint, or after fit for the final state).
     */
    async saveCheckpoint(path) {
        const run = this.run;
        await (0, checkpoint_1.writeCheckpoint)(path, this.model, this.optimizer, {
            epoch: run ? run.epoch : 0,
            rng: (0, seed_1.getRngState)(),
            loader: run ? run.loader.getState() : undefined,
            history: run ? run.history.toJSON() : undefined,
            schedulers: run ? run.callbacks.map((cb) => {
                const c = cb;
                return typeof c.stateDict === 'function' ? c.stateDict() : {};
            }) : [],
            preprocessing: this.preprocessing,
        });
    }
    async call(callbacks, hook, ...args) {
        for (const cb of callbacks) {
            const fn = cb[hook];
            if (typeof fn === 'function')
                await fn.apply(cb, args);
        }
    }
    /** Loss and metrics over a dataset, in eval mode, without gradients. */
    evaluateSync(data, batchSize = 256) {
        const ds = data instanceof loader_1.DataLoader ? data.dataset : this.toDataset(data, 'data');
        (0, validate_1.assertPositiveInteger)(batchSize, 'batchSize');
        const wasTraining = this.model.training;
        this.model.eval();
        const metrics = (0, stateful_1.createMetrics)(this.metricNames, this.metricOptions());
        let lossSum = 0;
        let seen = 0;
        const loader = new loader_1.DataLoader(ds, { batchSize, shuffle: false, training: false });
        (0, node_1.noGrad)(() => {
            for (const batch of loader) {
                (0, scope_1.tidy)(() => {
                    const pred = this.model.forward(batch.x);
                    const n = batch.x.shape[0];
                    lossSum += this.lossFn(pred, batch.y).item() * n;
                    seen += n;
                    for (const m of metrics)
                        m.update(pred, batch.y);
                });
            }
        });
        this.model.train(wasTraining);
        const out = { loss: seen ? lossSum / seen : NaN };
        for (const m of metrics)
            out[m.name] = m.result();
        return out;
    }
    /** Like evaluateSync, but yields to the event loop first. */
    async evaluate(data, opts = {}) {
        await new Promise((r) => setImmediate(r));
        return this.evaluateSync(data, opts.batchSize ?? 256);
    }
    /** Model outputs for x (batched, eval mode, no gradients). The caller owns the result. */
    predict(x, opts = {}) {
        const input = x instanceof tensor_1.Tensor ? x : isDataset(x) ? x.x : null;
        if (!input)
            throw new TypeError((0, validate_1.expected)('Tensor or Dataset', 'x', (0, validate_1.describe)(x)));
        (0, check_1.assertTensor)(input, 'x');
        const batchSize = opts.batchSize ?? 1024;
        (0, validate_1.assertPositiveInteger)(batchSize, 'batchSize');
        const wasTraining = this.model.training;
        this.model.eval();
        try {
            return (0, node_1.noGrad)(() => (0, scope_1.tidy)(() => {
                const n = input.shape[0];
                if (n <= batchSize)
                    return this.model.forward(input);
                const parts = [];
                for (let i = 0; i < n; i += batchSize)
                    parts.push(this.model.forward(input.slice(i, Math.min(n, i + batchSize))));
                return (0, shape_1.concat)(parts, 0);
            }));
        }
        finally {
            this.model.train(wasTraining);
        }
    }
}
exports.Trainer = Trainer;

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
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.NanGuard = exports.NonFiniteLossError = exports.CsvLogger = exports.CheckpointCallback = exports.LRSchedulerCallback = exports.ModelCheckpoint = exports.EarlyStopping = void 0;
exports.earlyStopping = earlyStopping;
exports.modelCheckpoint = modelCheckpoint;
exports.lrScheduler = lrScheduler;
exports.checkpoint = checkpoint;
exports.csvLogger = csvLogger;
exports.nanGuard = nanGuard;
exports.lambda = lambda;
/**
 * Callbacks for Trainer.fit (Keras-style hooks; each may be async):
 * earlyStopping, modelCheckpoint, lrScheduler, csvLogger, nanGuard, and plain objects with
 * any of the on* methods. Epochs and steps are 0-based.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const validate_1 = require("../core/validate");
function resolveMode(mode, monitor) {
    if (mode !== 'auto')
        return mode;
    return /acc|f1|precision|recall|auc|ap$|map|r2/.test(monitor) ? 'max' : 'min';
}
/** Stops training when the monitored value has not improved by minDelta for `patience` epochs. */
class EarlyStopping {
    monitor;
    mode;
    patience;
    minDelta;
    restoreBestWeights;
    startFromEpoch;
    best = NaN;
    bestEpoch = -1;
    stoppedEpoch = -1;
    wait = 0;
    bestWeights = null;
    trainer = null;
    constructor(opts = {}) {
        (0, validate_1.assertPlainObject)(opts, 'options');
        this.monitor = opts.monitor ?? 'val_loss';
        (0, validate_1.assertString)(this.monitor, 'monitor');
        const mode = opts.mode ?? 'auto';
        (0, validate_1.assertOneOf)(mode, 'mode', ['min', 'max', 'auto']);
        this.mode = resolveMode(mode, this.monitor);
        this.patience = opts.patience ?? 0;
        (0, validate_1.assertNonNegativeInteger)(this.patience, 'patience');
        this.minDelta = Math.abs(opts.minDelta ?? 0);
        (0, validate_1.assertFinite)(this.minDelta, 'minDelta');
        this.restoreBestWeights = opts.restoreBestWeights ?? false;
        this.startFromEpoch = opts.startFromEpoch ?? 0;
        (0, validate_1.assertNonNegativeInteger)(this.startFromEpoch, 'startFromEpoch');
    }
    setTrainer(t) {
        this.trainer = t;
    }
    onTrainBegin() {
        this.best = NaN;
        this.bestEpoch = -1;
        this.stoppedEpoch = -1;
        this.wait = 0;
        this.bestWeights = null;
    }
    improved(v) {
        if (Number.isNaN(this.best))
            return true;
        return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    }
    onEpochEnd(epoch, logs) {
        if (epoch < this.startFromEpoch)
            return;
        const v = logs[this.monitor];
        if (v === undefined) {
            throw new Error(`Expected the monitored value '${this.monitor}' in the epoch logs for earlyStopping but received ` +
                `only ${Object.keys(logs).join(', ')} (validation metrics need validationData or validationSplit)`);
        }
        if (this.improved(v)) {
            this.best = v;
            this.bestEpoch = epoch;
            this.wait = 0;
            if (this.restoreBestWeights && this.trainer) {
                this.bestWeights = this.trainer.model.parameters().map((p) => p.data.slice());
            }
            return;
        }
        this.wait++;
        if (this.wait > this.patience && this.trainer) {
            this.stoppedEpoch = epoch;
            this.trainer.stopTraining = true;
        }
    }
    onTrainEnd() {
        if (this.restoreBestWeights && this.bestWeights && this.trainer && this.stoppedEpoch >= 0) {
            this.trainer.model.parameters().forEach((p, i) => p.data.set(this.bestWeights[i]));
        }
    }
}
exports.EarlyStopping = EarlyStopping;
function earlyStopping(opts = {}) {
    return new EarlyStopping(opts);
}
/**
 * Saves the model (safetensors with its config) after each epoch, or when the monitored value
 * improves. The path may contain {epoch} (1-based). Writes are atomic.
 */
class ModelCheckpoint {
    filePath;
    monitor;
    mode;
    saveBestOnly;
    best = NaN;
    /** Paths written so far. */
    saved = [];
    trainer = null;
    constructor(filePath, opts = {}) {
        this.filePath = filePath;
        (0, validate_1.assertString)(filePath, 'path');
        (0, validate_1.assertPlainObject)(opts, 'options');
        this.monitor = opts.monitor ?? 'val_loss';
        this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
        this.saveBestOnly = opts.saveBestOnly ?? true;
    }
    setTrainer(t) {
        this.trainer = t;
    }
    async onEpochEnd(epoch, logs) {
        if (!this.trainer)
            return;
        if (this.saveBestOnly) {
            const v = logs[this.monitor] ?? logs[this.monitor.replace(/^val_/, '')];
            if (v === undefined)
                return;
            const better = Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best);
            if (!better)
                return;
            this.best = v;
        }
        const target = this.filePath.replace('{epoch}', String(epoch + 1));
        node_fs_1.default.mkdirSync(node_path_1.default.dirname(node_path_1.default.resolve(target)), { recursive: true });
        const io = await Promise.resolve().then(() => __importStar(require('../io/model')));
        await io.save(this.trainer.model, target, { metadata: { epoch: String(epoch + 1), ...Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, String(v)])) } });
        this.saved.push(target);
    }
}
exports.ModelCheckpoint = ModelCheckpoint;
function modelCheckpoint(filePath, opts = {}) {
    return new ModelCheckpoint(filePath, opts);
}
/**
 * Steps a learning-rate scheduler at the end of each epoch: an LRScheduler, a
 * ReduceLROnPlateau (fed `monitor`, default val_loss, else loss), or fn(epoch, lr) -> lr.
 */
class LRSchedulerCallback {
    scheduler;
    monitor;
    trainer = null;
    constructor(scheduler, monitor = 'val_loss') {
        this.scheduler = scheduler;
        this.monitor = monitor;
        if (typeof scheduler !== 'function' && (typeof scheduler !== 'object' || scheduler === null ||
            typeof scheduler.step !== 'function')) {
            throw new TypeError((0, validate_1.expected)('LR scheduler or function (epoch, lr) => lr', 'scheduler', (0, validate_1.describe)(scheduler)));
        }
    }
    setTrainer(t) {
        this.trainer = t;
    }
    stateDict() {
        const s = this.scheduler;
        return typeof s.stateDict === 'function' ? s.stateDict() : {};
    }
    loadStateDict(state) {
        const s = this.scheduler;
        if (typeof s.loadStateDict === 'function')
            s.loadStateDict(state);
    }
    onEpochEnd(epoch, logs) {
        const s = this.scheduler;
        if (typeof s === 'function') {
            if (!this.trainer)
                return;
            const lr = s(epoch + 1, this.trainer.optimizer.lr);
            (0, validate_1.assertFinite)(lr, 'scheduled lr');
            this.trainer.optimizer.lr = lr;
        }
        else if ('patience' in s && 'factor' in s) {
            const v = logs[this.monitor] ?? logs.loss;
            s.step(v);
        }
        else {
            s.step();
        }
    }
}
exports.LRSchedulerCallback = LRSchedulerCallback;
function lrScheduler(scheduler, opts = {}) {
    return new LRSchedulerCallback(scheduler, opts.monitor);
}
/**
 * Writes a training checkpoint (weights, optimizer, epoch, random and shuffle state,
 * schedulers, history) every `every` epochs; resume with fit(data, { resumeFrom: path }).
 * The path may contain {epoch} (1-based).
 */
class CheckpointCallback {
    filePath;
    every;
    trainer = null;
    /** Paths written so far. */
    saved = [];
    constructor(filePath, every = 1) {
        this.filePath = filePath;
        this.every = every;
        (0, validate_1.assertString)(filePath, 'path');
        (0, validate_1.assertNonNegativeInteger)(every, 'every');
    }
    setTrainer(t) {
        this.trainer = t;
    }
    async onEpochEnd(epoch) {
        if (!this.trainer || this.every === 0 || (epoch + 1) % this.every !== 0)
            return;
        const target = this.filePath.replace('{epoch}', String(epoch + 1));
        node_fs_1.default.mkdirSync(node_path_1.default.dirname(node_path_1.default.resolve(target)), { recursive: true });
        await this.trainer.saveCheckpoint(target);
        this.saved.push(target);
    }
}
exports.CheckpointCallback = CheckpointCallback;
function checkpoint(filePath, opts = {}) {
    return new CheckpointCallback(filePath, opts.every ?? 1);
}
/** Appends one CSV row per epoch (header from the first epoch's keys). */
class CsvLogger {
    filePath;
    opts;
    keys = null;
    constructor(filePath, opts = {}) {
        this.filePath = filePath;
        this.opts = opts;
        (0, validate_1.assertString)(filePath, 'path');
    }
    onTrainBegin() {
        node_fs_1.default.mkdirSync(node_path_1.default.dirname(node_path_1.default.resolve(this.filePath)), { recursive: true });
        if (!this.opts.append)
            node_fs_1.default.writeFileSync(this.filePath, '');
        this.keys = null;
    }
    onEpochEnd(epoch, logs) {
        if (!this.keys) {
            this.keys = Object.keys(logs);
            if (!this.opts.append || node_fs_1.default.statSync(this.filePath).size === 0) {
                node_fs_1.default.appendFileSync(this.filePath, ['epoch', ...this.keys].join(',') + '\n');
            }
        }
        node_fs_1.default.appendFileSync(this.filePath, [epoch + 1, ...this.keys.map((k) => logs[k] ?? '')].join(',') + '\n');
    }
}
exports.CsvLogger = CsvLogger;
function csvLogger(filePath, opts = {}) {
    return new CsvLogger(filePath, opts);
}
/** Thrown by the NaN guard. */
class NonFiniteLossError extends Error {
    epoch;
    step;
    value;
    constructor(epoch, step, value) {
        super(`Training stopped: the loss became ${value} at epoch ${epoch + 1}, step ${step + 1} ` +
            '(try a lower learning rate, gradient clipping, or check the data for NaN)');
        this.epoch = epoch;
        this.step = step;
        this.value = value;
        this.name = 'NonFiniteLossError';
    }
}
exports.NonFiniteLossError = NonFiniteLossError;
/** Stops training with an error naming the step when the loss is NaN or infinite. */
class NanGuard {
    epoch = 0;
    onEpochBegin(epoch) {
        this.epoch = epoch;
    }
    onBatchEnd(step, logs) {
        if (!Number.isFinite(logs.loss))
            throw new NonFiniteLossError(this.epoch, step, logs.loss);
    }
}
exports.NanGuard = NanGuard;
function nanGuard() {
    return new NanGuard();
}
/** A callback from plain functions: lambda({ onEpochEnd: (epoch, logs) => ... }). */
function lambda(hooks) {
    (0, validate_1.assertPlainObject)(hooks, 'hooks');
    for (const [k, v] of Object.entries(hooks)) {
        if (!/^on(Train|Epoch|Batch)(Begin|End)$/.test(k)) {
            throw new TypeError((0, validate_1.expected)('callback hook name (onTrainBegin, onEpochEnd, onBatchEnd, ...)', 'hooks', `"${k}"`));
        }
        (0, validate_1.assertFunction)(v, k);
    }
    return hooks;
}

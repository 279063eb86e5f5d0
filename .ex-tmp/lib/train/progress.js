"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ProgressLogger = void 0;
exports.formatNumber = formatNumber;
exports.formatLogs = formatLogs;
/**
 * Training progress for the Trainer: a cli-progress bar per epoch on an interactive terminal,
 * and one plain line per epoch otherwise (pipes, log files, CI), e.g.
 *   Epoch 3/10 - 1.2s - loss: 0.1234 - accuracy: 0.9612 - val_loss: 0.1500 - val_accuracy: 0.9550
 *
 * verbose 0: silent. 1 (default): bar on a TTY outside CI, lines elsewhere. 2: lines always.
 * On a TTY the bar of an epoch is replaced by that epoch's line when the epoch ends.
 * Epochs and steps are 0-based indices (Keras-style callbacks) unless `epochBase: 1` is set;
 * output always counts from 1.
 */
const cli_progress_1 = require("cli-progress");
const validate_1 = require("../core/validate");
/** Formats a metric value: 4 decimals in the usual range, exponent notation outside it. */
function formatNumber(v) {
    if (typeof v !== 'number')
        return String(v);
    if (Number.isNaN(v))
        return 'nan';
    if (!Number.isFinite(v))
        return v > 0 ? 'inf' : '-inf';
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}
function isCi() {
    const v = process.env.CI;
    return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}
/** "loss: 0.1234 - accuracy: 0.9612 - val_loss: ..." with training keys before validation keys. */
function formatLogs(logs) {
    const keys = Object.keys(logs);
    const ordered = [...keys.filter((k) => !k.startsWith('val_')), ...keys.filter((k) => k.startsWith('val_'))];
    return ordered.map((k) => `${k}: ${formatNumber(logs[k])}`).join(' - ');
}
function formatSeconds(ms) {
    const s = ms / 1000;
    if (s < 60)
        return `${s.toFixed(1)}s`;
    const m = Math.floor(s / 60);
    return `${m}m${Math.round(s - m * 60).toString().padStart(2, '0')}s`;
}
class ProgressLogger {
    mode;
    stream;
    totalEpochs;
    steps;
    base;
    bar;
    epochStart = 0;
    epoch = 0;
    constructor(opts) {
        if (!validate_1.is.plainObject(opts))
            throw new TypeError((0, validate_1.expected)('object', 'options', (0, validate_1.describe)(opts)));
        const { verbose = 1, totalEpochs, stepsPerEpoch, epochBase = 0 } = opts;
        if (!validate_1.is.oneOf(verbose, [0, 1, 2]))
            throw new RangeError((0, validate_1.expected)('0, 1 or 2', 'verbose', (0, validate_1.describe)(verbose)));
        if (typeof totalEpochs !== 'number' || !Number.isInteger(totalEpochs) || totalEpochs < 1) {
            throw new RangeError((0, validate_1.expected)('positive integer', 'totalEpochs', (0, validate_1.describe)(totalEpochs)));
        }
        if (typeof stepsPerEpoch !== 'number' || !Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 0) {
            throw new RangeError((0, validate_1.expected)('non-negative integer', 'stepsPerEpoch', (0, validate_1.describe)(stepsPerEpoch)));
        }
        if (!validate_1.is.oneOf(epochBase, [0, 1]))
            throw new RangeError((0, validate_1.expected)('0 or 1', 'epochBase', (0, validate_1.describe)(epochBase)));
        const stream = opts.stream ?? process.stdout;
        if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') {
            throw new TypeError((0, validate_1.expected)('writable stream', 'stream', (0, validate_1.describe)(stream)));
        }
        this.stream = stream;
        this.totalEpochs = totalEpochs;
        this.steps = stepsPerEpoch;
        this.base = epochBase;
        const tty = stream.isTTY === true && !(opts.ci ?? isCi());
        this.mode = verbose === 0 ? 'silent' : verbose === 1 && tty && stepsPerEpoch > 0 ? 'bar' : 'lines';
    }
    /** 1-based epoch number for display. */
    shown(epoch) {
        return epoch - this.base + 1;
    }
    prefix() {
        return `Epoch ${this.shown(this.epoch)}/${this.totalEpochs}`;
    }
    onEpochBegin(epoch) {
        this.stopBar();
        this.epoch = epoch;
        this.epochStart = performance.now();
        if (this.mode !== 'bar')
            return;
        this.bar = new cli_progress_1.SingleBar({
            stream: this.stream,
            format: '{prefix} |{bar}| {value}/{total} [{elapsed}] {metrics}',
            barCompleteChar: '\u2588',
            barIncompleteChar: '\u2591',
            barsize: 25,
            hideCursor: false,
            clearOnComplete: true,
            stopOnComplete: false,
            linewrap: false,
            fps: 10,
            autopadding: true,
        });
        this.bar.start(this.steps, 0, { prefix: this.prefix(), elapsed: '0.0s', metrics: '' });
    }
    onBatchEnd(step, logs = {}) {
        if (!this.bar)
            return;
        const done = Math.min(step - this.base + 1, this.steps);
        this.bar.update(done, { elapsed: formatSeconds(performance.now() - this.epochStart), metrics: formatLogs(logs) });
    }
    onEpochEnd(epoch, logs = {}) {
        this.epoch = epoch;
        const elapsed = formatSeconds(performance.now() - this.epochStart);
        // The bar is cleared at the end of the epoch and replaced by the full line (a bar line is
        // cut at the terminal's width, which would hide the validation metrics).
        this.stopBar();
        if (this.mode !== 'silent') {
            const metrics = formatLogs(logs);
            this.stream.write(`${this.prefix()} - ${elapsed}${metrics ? ' - ' + metrics : ''}\n`);
        }
    }
    /** Writes a message on its own line (after any bar of the current epoch). */
    log(message) {
        if (this.mode === 'silent')
            return;
        this.stopBar();
        this.stream.write(`${message}\n`);
    }
    onTrainEnd() {
        this.stopBar();
    }
    stopBar() {
        if (this.bar) {
            const bar = this.bar;
            this.bar = undefined;
            bar.stop();
        }
    }
}
exports.ProgressLogger = ProgressLogger;

"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.fitInWorker = fitInWorker;
/**
 * Trainer.fit({ worker: true }): the same training on a worker thread, so the main thread's
 * event loop never runs a kernel. The model travels as config + weights, the data as copies;
 * epoch logs come back as messages (onEpochEnd callbacks and the progress logger run on the
 * main thread), and the trained weights are loaded into the caller's model at the end.
 * Memory of the worker is freed when it exits; the caller manages nothing.
 */
const node_path_1 = __importDefault(require("node:path"));
const node_fs_1 = __importDefault(require("node:fs"));
const node_worker_threads_1 = require("node:worker_threads");
const history_1 = require("./history");
const callbacks_1 = require("./callbacks");
const progress_1 = require("./progress");
const runtime_1 = require("../core/runtime");
const random_1 = require("../core/random");
function workerScript() {
    const candidates = [node_path_1.default.join(__dirname, 'worker-entry.js'), node_path_1.default.join(__dirname, '..', '..', 'dist', 'train', 'worker-entry.js')];
    const found = candidates.find((p) => node_fs_1.default.existsSync(p));
    if (!found)
        throw new Error('Expected the compiled worker entry (dist/train/worker-entry.js) for fit({ worker: true }) but it is missing: run npm run build:ts');
    return found;
}
const raw = (t) => ({ shape: t.shape.slice(), data: t.data.slice() });
async function fitInWorker(trainer, train, val, opts, spec) {
    const callbacks = opts.callbacks ?? [];
    let earlyStopping;
    const local = [];
    for (const cb of callbacks) {
        if (cb instanceof callbacks_1.EarlyStopping) {
            earlyStopping = { monitor: cb.monitor, mode: cb.mode, patience: cb.patience, minDelta: cb.minDelta,
                restoreBestWeights: cb.restoreBestWeights, startFromEpoch: cb.startFromEpoch };
        }
        else if (cb.onBatchBegin || cb.onBatchEnd || cb.setTrainer) {
            throw new TypeError('Expected callbacks that only use onTrainBegin/onEpochBegin/onEpochEnd/onTrainEnd (or earlyStopping) ' +
                `with fit({ worker: true }) but received ${cb.constructor?.name ?? 'a callback'} with batch hooks or trainer access`);
        }
        else {
            local.push(cb);
        }
    }
    const model = trainer.model;
    const weights = {};
    for (const [k, t] of Object.entries(model.stateDict()))
        weights[k] = { shape: t.shape.slice(), data: t.data.slice() };
    const job = {
        config: model.getConfig(),
        weights,
        x: raw(train.x),
        y: raw(train.y),
        val: val ? { x: raw(val.x), y: raw(val.y) } : undefined,
        trainer: spec,
        fit: { epochs: opts.epochs ?? 1, batchSize: opts.batchSize ?? 32, shuffle: opts.shuffle ?? true, seed: opts.seed, yieldMs: opts.yieldMs },
        seed: random_1.globalRng.nextSeed(),
        threads: (0, runtime_1.getNumThreads)(),
        earlyStopping,
    };
    const epochs = opts.epochs ?? 1;
    const progress = new progress_1.ProgressLogger({ verbose: (opts.verbose ?? 1), totalEpochs: epochs, stepsPerEpoch: 0,
        stream: opts.stream });
    const history = new history_1.History();
    for (const cb of local)
        await cb.onTrainBegin?.({});
    const worker = new node_worker_threads_1.Worker(workerScript(), { workerData: job });
    const onAbort = () => worker.postMessage({ type: 'abort' });
    opts.signal?.addEventListener('abort', onAbort);
    try {
        const result = await new Promise((resolve, reject) => {
            let chain = Promise.resolve();
            worker.on('message', (m) => {
                chain = chain.then(async () => {
                    if (m.type === 'epoch') {
                        progress.onEpochBegin(m.epoch);
                        for (const cb of local)
                            await cb.onEpochEnd?.(m.epoch, m.logs);
                        progress.onEpochEnd(m.epoch, m.logs);
                    }
                    else if (m.type === 'done') {
                        resolve(m);
                    }
                    else if (m.type === 'error') {
                        reject(new Error(m.message));
                    }
                }).catch(reject);
            });
            worker.on('error', reject);
            worker.on('exit', (code) => { if (code !== 0)
                reject(new Error(`Training worker exited with code ${code}`)); });
        });
        model.loadStateDict(result.weights);
        result.history.epoch.forEach((e, i) => history.append(e, Object.fromEntries(Object.entries(result.history.history).map(([k, v]) => [k, v[i]]))));
    }
    finally {
        opts.signal?.removeEventListener('abort', onAbort);
        progress.onTrainEnd();
        await worker.terminate();
    }
    for (const cb of local)
        await cb.onTrainEnd?.({});
    model.eval();
    return history;
}

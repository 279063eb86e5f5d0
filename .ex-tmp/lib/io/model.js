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
exports.FORMAT = void 0;
exports.rawStateDict = rawStateDict;
exports.save = save;
exports.loadWithInfo = loadWithInfo;
exports.load = load;
exports.loadStateDict = loadStateDict;
exports.onnxLayers = onnxLayers;
exports.exportOnnx = exportOnnx;
/**
 * Model persistence: weights + architecture in one safetensors file (config in __metadata__),
 * loading with no code, PyTorch state dicts, and ONNX export of Sequential models.
 */
const module_1 = require("../nn/module");
const registry_1 = require("../nn/registry");
const sequential_1 = require("../nn/sequential");
const L = __importStar(require("../nn/layers"));
const safetensors_1 = require("./safetensors");
const onnx_1 = require("./onnx");
const validate_1 = require("../core/validate");
exports.FORMAT = 'nodegrad';
const CONFIG_KEY = 'nodegrad.config';
const VERSION_KEY = 'nodegrad.version';
const PREPROCESSING_KEY = 'nodegrad.preprocessing';
function version() {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('../../package.json').version;
}
/** The model's parameters and buffers as raw tensors (copies are not made). */
function rawStateDict(model) {
    const out = {};
    for (const [k, t] of Object.entries(model.stateDict())) {
        out[k] = { dtype: 'float32', shape: t.shape.slice(), data: t.data };
    }
    return out;
}
/** Saves weights and architecture (atomic write). */
async function save(model, path, opts = {}) {
    if (!(model instanceof module_1.Module))
        throw new TypeError((0, validate_1.expected)('Module', 'model', (0, validate_1.describe)(model)));
    (0, validate_1.assertString)(path, 'path');
    (0, validate_1.assertPlainObject)(opts, 'options');
    const metadata = {
        format: exports.FORMAT,
        [VERSION_KEY]: version(),
        [CONFIG_KEY]: JSON.stringify(model.getConfig()),
        ...(opts.metadata ?? {}),
    };
    if (opts.preprocessing !== undefined)
        metadata[PREPROCESSING_KEY] = JSON.stringify(opts.preprocessing);
    await (0, safetensors_1.writeSafetensors)(path, rawStateDict(model), metadata, { dtype: opts.dtype ?? 'F32' });
}
/** Loads a model saved by save(): rebuilds the architecture and fills the weights. */
async function loadWithInfo(path) {
    (0, validate_1.assertString)(path, 'path');
    const { tensors, metadata } = await (0, safetensors_1.readSafetensors)(path);
    const cfgText = metadata[CONFIG_KEY];
    if (cfgText === undefined) {
        throw new Error(`Expected a nodegrad model file (with '${CONFIG_KEY}' metadata) for ${path} but received a ` +
            'safetensors file without an architecture; build the model in code and use ng.io.loadStateDict(model, path)');
    }
    let config;
    try {
        config = JSON.parse(cfgText);
    }
    catch (e) {
        throw new Error(`Expected valid JSON in the '${CONFIG_KEY}' metadata of ${path} but received: ${e.message}`);
    }
    const model = (0, registry_1.fromConfig)(config);
    model.loadStateDict(tensors);
    model.eval();
    let preprocessing;
    if (metadata[PREPROCESSING_KEY] !== undefined)
        preprocessing = JSON.parse(metadata[PREPROCESSING_KEY]);
    return { model, metadata, preprocessing };
}
async function load(path) {
    return (await loadWithInfo(path)).model;
}
const TORCH_NAMES = { running_mean: 'runningMean', running_var: 'runningVar' };
/**
 * Loads weights from a safetensors file into an existing model: nodegrad files, or a PyTorch
 * state_dict saved with safetensors (nn.Linear's (out, in) layout maps directly; BatchNorm's
 * running_mean/running_var are renamed; num_batches_tracked is ignored).
 */
async function loadStateDict(model, path, opts = {}) {
    if (!(model instanceof module_1.Module))
        throw new TypeError((0, validate_1.expected)('Module', 'model', (0, validate_1.describe)(model)));
    const { tensors } = await (0, safetensors_1.readSafetensors)(path);
    const mapped = {};
    for (const [k, t] of Object.entries(tensors)) {
        if (k.endsWith('num_batches_tracked'))
            continue;
        const parts = k.split('.');
        const last = parts[parts.length - 1];
        parts[parts.length - 1] = TORCH_NAMES[last] ?? last;
        mapped[parts.join('.')] = t;
    }
    return model.loadStateDict(mapped, opts);
}
/** Converts a Sequential model into ONNX layer descriptions. */
function onnxLayers(model) {
    const layers = model instanceof sequential_1.Sequential ? model.layers : [model];
    const f = (t) => t.data.slice();
    return layers.map((m, i) => {
        if (m instanceof L.Linear) {
            return { type: 'linear', weight: f(m.weight), inFeatures: m.inFeatures, outFeatures: m.outFeatures,
                ...(m.bias ? { bias: f(m.bias) } : {}) };
        }
        if (m instanceof L.ReLU)
            return { type: 'relu' };
        if (m instanceof L.Sigmoid)
            return { type: 'sigmoid' };
        if (m instanceof L.Tanh)
            return { type: 'tanh' };
        if (m instanceof L.GELU && m.approximate === 'none')
            return { type: 'gelu' };
        if (m instanceof L.SiLU)
            return { type: 'silu' };
        if (m instanceof L.SELU)
            return { type: 'selu' };
        if (m instanceof L.Softplus && m.beta === 1)
            return { type: 'softplus' };
        if (m instanceof L.LeakyReLU)
            return { type: 'leakyRelu', alpha: m.negativeSlope };
        if (m instanceof L.ELU)
            return { type: 'elu', alpha: m.alpha };
        if (m instanceof L.Softmax && (m.axis === -1))
            return { type: 'softmax' };
        if (m instanceof L.LogSoftmax && (m.axis === -1))
            return { type: 'logSoftmax' };
        if (m instanceof L.Identity)
            return { type: 'identity' };
        if (m instanceof L.Dropout)
            return { type: 'dropout' };
        if (m instanceof L.Flatten && m.startDim === 1)
            return { type: 'flatten' };
        if (m instanceof L.LayerNorm)
            return { type: 'layerNorm', weight: f(m.weight), bias: f(m.bias), eps: m.eps, size: m.normalizedShape };
        if (m instanceof L.BatchNorm1d) {
            return { type: 'batchNorm', weight: f(m.weight), bias: f(m.bias), runningMean: f(m.runningMean),
                runningVar: f(m.runningVar), eps: m.eps, size: m.numFeatures };
        }
        if (m instanceof L.Embedding)
            return { type: 'embedding', weight: f(m.weight), numEmbeddings: m.numEmbeddings, dim: m.embeddingDim };
        throw new TypeError(`Expected a layer ONNX export supports for layers[${i}] but received ${m.constructor.name}` +
            ' (supported: Linear, activations, Softmax/LogSoftmax over the last axis, Dropout, Flatten, LayerNorm, BatchNorm1d, Embedding)');
    });
}
/** Exports a Sequential model to ONNX (verified against onnxruntime-node in the tests). */
async function exportOnnx(model, path, opts) {
    if (!(model instanceof module_1.Module))
        throw new TypeError((0, validate_1.expected)('Module', 'model', (0, validate_1.describe)(model)));
    (0, validate_1.assertString)(path, 'path');
    (0, validate_1.assertPlainObject)(opts, 'options');
    await (0, onnx_1.writeOnnx)(path, onnxLayers(model), { inputShape: opts.inputShape, opset: opts.opset, producerVersion: version() });
}

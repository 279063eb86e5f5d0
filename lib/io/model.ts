/**
 * Model persistence: weights + architecture in one safetensors file (config in __metadata__),
 * loading with no code, PyTorch state dicts, and ONNX export of Sequential models.
 */
import { Module, ModuleConfig } from '../nn/module';
import { fromConfig } from '../nn/registry';
import { Sequential } from '../nn/sequential';
import * as L from '../nn/layers';
import * as C from '../nn/conv';
import { Tensor } from '../tensor/tensor';
import { readSafetensors, writeSafetensors, RawTensor } from './safetensors';
import { writeOnnx, OnnxLayer } from './onnx';
import { assertString, assertPlainObject, describe, expected } from '../core/validate';

export const FORMAT = 'nodegrad';
const CONFIG_KEY = 'nodegrad.config';
const VERSION_KEY = 'nodegrad.version';
const PREPROCESSING_KEY = 'nodegrad.preprocessing';

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('../../package.json').version as string;
}

export interface SaveOptions {
  /** Extra string metadata stored in the file. */
  metadata?: Record<string, string>;
  /** Fitted preprocessing (scaler/imputer/encoder states, any JSON) saved with the model. */
  preprocessing?: unknown;
  /** Storage type for weights (default F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

/** The model's parameters and buffers as raw tensors (copies are not made). */
export function rawStateDict(model: Module): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) {
    out[k] = { dtype: 'float32', shape: t.shape.slice(), data: t.data as Float32Array };
  }
  return out;
}

/** Saves weights and architecture (atomic write). */
export async function save(model: Module, path: string, opts: SaveOptions = {}): Promise<void> {
  if (!(model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(model)));
  assertString(path, 'path');
  assertPlainObject(opts as unknown, 'options');
  const metadata: Record<string, string> = {
    ...(opts.metadata ?? {}),
    format: FORMAT,
    [VERSION_KEY]: version(),
    [CONFIG_KEY]: JSON.stringify(model.getConfig()),
  };
  delete metadata[PREPROCESSING_KEY];
  if (opts.preprocessing !== undefined) metadata[PREPROCESSING_KEY] = JSON.stringify(opts.preprocessing);
  await writeSafetensors(path, rawStateDict(model), metadata, { dtype: opts.dtype ?? 'F32' });
}

export interface LoadedModel {
  model: Module;
  metadata: Record<string, string>;
  preprocessing: unknown;
}

/** Loads a model saved by save(): rebuilds the architecture and fills the weights. */
export async function loadWithInfo(path: string): Promise<LoadedModel> {
  assertString(path, 'path');
  const { tensors, metadata } = await readSafetensors(path);
  const cfgText = metadata[CONFIG_KEY];
  if (cfgText === undefined) {
    throw new Error(`Expected a nodegrad model file (with '${CONFIG_KEY}' metadata) for ${path} but received a ` +
      'safetensors file without an architecture; build the model in code and use ng.io.loadStateDict(model, path)');
  }
  let config: ModuleConfig;
  try {
    config = JSON.parse(cfgText) as ModuleConfig;
  } catch (e) {
    throw new Error(`Expected valid JSON in the '${CONFIG_KEY}' metadata of ${path} but received: ${(e as Error).message}`);
  }
  const model = fromConfig(config);
  model.loadStateDict(tensors);
  model.eval();
  let preprocessing: unknown;
  if (metadata[PREPROCESSING_KEY] !== undefined) preprocessing = JSON.parse(metadata[PREPROCESSING_KEY]);
  return { model, metadata, preprocessing };
}

export async function load(path: string): Promise<Module> {
  return (await loadWithInfo(path)).model;
}

const TORCH_NAMES: Record<string, string> = { running_mean: 'runningMean', running_var: 'runningVar' };

/**
 * Loads weights from a safetensors file into an existing model: nodegrad files, or a PyTorch
 * state_dict saved with safetensors (nn.Linear's (out, in) layout maps directly; BatchNorm's
 * running_mean/running_var are renamed; num_batches_tracked is ignored).
 */
export async function loadStateDict(model: Module, path: string, opts: { strict?: boolean } = {}):
  Promise<{ missing: string[]; unexpected: string[] }> {
  if (!(model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(model)));
  const { tensors } = await readSafetensors(path);
  const mapped: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.endsWith('num_batches_tracked')) continue;
    const parts = k.split('.');
    const last = parts[parts.length - 1];
    parts[parts.length - 1] = TORCH_NAMES[last] ?? last;
    mapped[parts.join('.')] = t;
  }
  return model.loadStateDict(mapped, opts);
}

/** Converts a Sequential model into ONNX layer descriptions. */
export function onnxLayers(model: Module): OnnxLayer[] {
  const layers = model instanceof Sequential ? model.layers : [model];
  const f = (t: Tensor) => (t.data as Float32Array).slice();
  return layers.map((m, i): OnnxLayer => {
    if (m instanceof L.Linear) {
      return { type: 'linear', weight: f(m.weight), inFeatures: m.inFeatures, outFeatures: m.outFeatures,
        ...(m.bias ? { bias: f(m.bias) } : {}) };
    }
    if (m instanceof L.ReLU) return { type: 'relu' };
    if (m instanceof L.Sigmoid) return { type: 'sigmoid' };
    if (m instanceof L.Tanh) return { type: 'tanh' };
    if (m instanceof L.GELU && m.approximate === 'none') return { type: 'gelu' };
    if (m instanceof L.SiLU) return { type: 'silu' };
    if (m instanceof L.SELU) return { type: 'selu' };
    if (m instanceof L.Softplus && m.beta === 1 && m.threshold === 20) return { type: 'softplus' };
    if (m instanceof L.LeakyReLU) return { type: 'leakyRelu', alpha: m.negativeSlope };
    if (m instanceof L.ELU) return { type: 'elu', alpha: m.alpha };
    if (m instanceof L.Softmax && (m.axis === -1)) return { type: 'softmax' };
    if (m instanceof L.LogSoftmax && (m.axis === -1)) return { type: 'logSoftmax' };
    if (m instanceof L.Identity) return { type: 'identity' };
    if (m instanceof L.Dropout) return { type: 'dropout' };
    if (m instanceof L.Flatten && m.startDim === 1) return { type: 'flatten' };
    if (m instanceof L.LayerNorm) return { type: 'layerNorm', weight: f(m.weight), bias: f(m.bias), eps: m.eps, size: m.normalizedShape };
    if (m instanceof L.BatchNorm1d) {
      return { type: 'batchNorm', weight: f(m.weight), bias: f(m.bias), runningMean: f(m.runningMean),
        runningVar: f(m.runningVar), eps: m.eps, size: m.numFeatures };
    }
    if (m instanceof L.Embedding) return { type: 'embedding', weight: f(m.weight), numEmbeddings: m.numEmbeddings, dim: m.embeddingDim };
    const img = imageOnnxLayer(m);
    if (img) return img;
    throw new TypeError(`Expected a layer ONNX export supports for layers[${i}] but received ${m.constructor.name}` +
      ' (supported: Linear, activations, Softmax/LogSoftmax over the last axis, Dropout, Flatten, LayerNorm, BatchNorm1d, Embedding,' +
      ' Conv2d, Conv1d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d, Dropout2d, Upsample, Unflatten(1, sizes) on 2-D input)');
  });
}

/** ONNX descriptions of the image layers (lib/nn/conv.ts); null for other modules. */
function imageOnnxLayer(m: Module): OnnxLayer | null {
  const f = (t: Tensor) => (t.data as Float32Array).slice();
  if (m instanceof C.Conv2d) {
    const [kh, kw] = m.kernelSize;
    const [dh, dw] = m.dilation;
    const padding: [number, number] = m.padding === 'valid' ? [0, 0]
      : m.padding === 'same' ? [(dh * (kh - 1)) / 2, (dw * (kw - 1)) / 2] : m.padding;
    return { type: 'conv2d', weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}), inChannels: m.inChannels,
      outChannels: m.outChannels, kernelSize: m.kernelSize, stride: m.stride, padding, dilation: m.dilation, groups: m.groups };
  }
  if (m instanceof C.ConvTranspose2d) {
    return { type: 'convTranspose2d', weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}), inChannels: m.inChannels,
      outChannels: m.outChannels, kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, outputPadding: m.outputPadding,
      dilation: m.dilation, groups: m.groups };
  }
  if (m instanceof C.Conv1d) {
    const k = m.kernelSize;
    const padding = m.padding === 'valid' ? 0 : m.padding === 'same' ? (m.dilation * (k - 1)) / 2 : m.padding;
    return { type: 'conv1d', weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}), inChannels: m.inChannels,
      outChannels: m.outChannels, kernelSize: k, stride: m.stride, padding, dilation: m.dilation, groups: m.groups };
  }
  if (m instanceof C.MaxPool2d) {
    return { type: 'maxPool2d', kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, dilation: m.dilation, ceilMode: m.ceilMode };
  }
  if (m instanceof C.AvgPool2d) {
    return { type: 'avgPool2d', kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, ceilMode: m.ceilMode,
      countIncludePad: m.countIncludePad };
  }
  if (m instanceof C.AdaptiveAvgPool2d) return m.isGlobal ? { type: 'globalAvgPool' } : { type: 'adaptiveAvgPool2d', outputSize: m.outputSize };
  if (m instanceof C.BatchNorm2d) {
    const n = m.numFeatures;
    return { type: 'batchNorm', weight: m.weight ? f(m.weight) : new Float32Array(n).fill(1), bias: m.bias ? f(m.bias) : new Float32Array(n),
      runningMean: f(m.runningMean), runningVar: f(m.runningVar), eps: m.eps, size: n };
  }
  if (m instanceof C.Dropout2d) return { type: 'dropout' };
  if (m instanceof C.Upsample) return { type: 'upsample', scaleFactor: m.scaleFactor };
  if (m instanceof C.Unflatten && m.dim === 1) return { type: 'unflatten', sizes: m.sizes };
  return null;
}

/** Exports a Sequential model to ONNX (verified against onnxruntime-node in the tests). */
export async function exportOnnx(model: Module, path: string, opts: { inputShape: (number | null)[]; opset?: number }): Promise<void> {
  if (!(model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(model)));
  assertString(path, 'path');
  assertPlainObject(opts as unknown, 'options');
  await writeOnnx(path, onnxLayers(model), { inputShape: opts.inputShape, opset: opts.opset, producerVersion: version() });
}

/**
 * Module -> ONNX layer description registry. Each layer class registers how it exports
 * (registerOnnxExport(LayerClass, fn)), so a new layer adds its export next to its definition
 * instead of growing a central instanceof chain; onnxLayers() looks a module's class up (nearest
 * registered ancestor first) and writeOnnx (onnx.ts) turns the descriptions into a graph.
 * The built-in layers of nn/layers.ts register at the bottom of this file.
 */
import { Module } from '../nn/module';
import { Sequential } from '../nn/sequential';
import * as L from '../nn/layers';
import * as C from '../nn/conv';
import * as R from '../nn/recurrent';
import { Residual } from '../nn/residual';
import * as TR from '../nn/transformer';
import { Tensor } from '../tensor/tensor';
import { writeOnnx, type OnnxLayer } from './onnx';
import { libraryVersion } from './model';
import { assertFunction, assertString, assertPlainObject, describe, expected } from '../core/validate';

/**
 * Turns one module into its ONNX layer description, or returns null when this instance's
 * configuration has no ONNX mapping (e.g. Softmax over an axis other than the last).
 */
export type OnnxExportFn<M extends Module = Module> = (module: M) => OnnxLayer | null;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModuleClass<M extends Module> = abstract new (...args: any[]) => M;

const exporters = new Map<ModuleClass<Module>, OnnxExportFn>();
/** What the error message lists as supported; each registration may add a phrase. */
const supported: string[] = [];

/** Registers the ONNX export of a layer class (replacing an earlier registration of that class). */
export function registerOnnxExport<M extends Module>(layerClass: ModuleClass<M>, fn: OnnxExportFn<M>, describeAs?: string): void {
  if (typeof layerClass !== 'function' || !(layerClass.prototype instanceof Module)) {
    throw new TypeError(expected('a Module subclass', 'layerClass', describe(layerClass)));
  }
  assertFunction(fn, 'fn');
  if (!exporters.has(layerClass)) supported.push(describeAs ?? layerClass.name);
  exporters.set(layerClass, fn as OnnxExportFn);
}

/** The registered export of m's class or its nearest registered ancestor class. */
function exporterFor(m: Module): OnnxExportFn | undefined {
  for (let proto = Object.getPrototypeOf(m); proto && proto !== Module.prototype; proto = Object.getPrototypeOf(proto)) {
    const fn = exporters.get(proto.constructor as ModuleClass<Module>);
    if (fn) return fn;
  }
  return undefined;
}

/** Converts a Sequential model (or a single layer) into ONNX layer descriptions. */
export function onnxLayers(model: Module): OnnxLayer[] {
  const layers = model instanceof Sequential ? model.layers : [model];
  return layers.map((m, i): OnnxLayer => {
    const out = exporterFor(m)?.(m) ?? null;
    if (out === null) {
      throw new TypeError(`Expected a layer ONNX export supports for layers[${i}] but received ${m.constructor.name}` +
        ` (supported: ${supported.join(', ')})`);
    }
    return out;
  });
}

/** Exports a Sequential model to ONNX (verified against onnxruntime-node in the tests). */
export async function exportOnnx(model: Module, path: string, opts: { inputShape: (number | null)[]; opset?: number }): Promise<void> {
  if (!(model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(model)));
  assertString(path, 'path');
  assertPlainObject(opts as unknown, 'options');
  await writeOnnx(path, onnxLayers(model), { inputShape: opts.inputShape, opset: opts.opset, producerVersion: libraryVersion() });
}

// ---- built-in layers (nn/layers.ts) ----

const f = (t: Tensor): Float32Array => (t.data as Float32Array).slice();

registerOnnxExport(L.Linear, (m) => ({ type: 'linear', weight: f(m.weight), inFeatures: m.inFeatures, outFeatures: m.outFeatures,
  ...(m.bias ? { bias: f(m.bias) } : {}) }));
registerOnnxExport(L.ReLU, () => ({ type: 'relu' }));
registerOnnxExport(L.Sigmoid, () => ({ type: 'sigmoid' }));
registerOnnxExport(L.Tanh, () => ({ type: 'tanh' }));
registerOnnxExport(L.GELU, (m) => (m.approximate === 'none' ? { type: 'gelu' } : null), "GELU (approximate 'none')");
registerOnnxExport(L.SiLU, () => ({ type: 'silu' }));
registerOnnxExport(L.SELU, () => ({ type: 'selu' }));
registerOnnxExport(L.Softplus, (m) => (m.beta === 1 && m.threshold === 20 ? { type: 'softplus' } : null), 'Softplus (default beta, threshold)');
registerOnnxExport(L.LeakyReLU, (m) => ({ type: 'leakyRelu', alpha: m.negativeSlope }));
registerOnnxExport(L.ELU, (m) => ({ type: 'elu', alpha: m.alpha }));
registerOnnxExport(L.Softmax, (m) => (m.axis === -1 ? { type: 'softmax' } : null), 'Softmax (last axis)');
registerOnnxExport(L.LogSoftmax, (m) => (m.axis === -1 ? { type: 'logSoftmax' } : null), 'LogSoftmax (last axis)');
registerOnnxExport(L.Identity, () => ({ type: 'identity' }));
registerOnnxExport(L.Dropout, () => ({ type: 'dropout' }));
registerOnnxExport(L.Flatten, (m) => (m.startDim === 1 ? { type: 'flatten' } : null), 'Flatten (startDim 1)');
registerOnnxExport(L.LayerNorm, (m) => ({ type: 'layerNorm', weight: f(m.weight), bias: f(m.bias), eps: m.eps, size: m.normalizedShape }));
registerOnnxExport(L.BatchNorm1d, (m) => ({ type: 'batchNorm', weight: f(m.weight), bias: f(m.bias), runningMean: f(m.runningMean),
  runningVar: f(m.runningVar), eps: m.eps, size: m.numFeatures }));
registerOnnxExport(L.Embedding, (m) => ({ type: 'embedding', weight: f(m.weight), numEmbeddings: m.numEmbeddings, dim: m.embeddingDim }));

// ---- image layers (nn/conv.ts) ----

registerOnnxExport(C.Conv2d, (m) => {
  const [kh, kw] = m.kernelSize;
  const [dh, dw] = m.dilation;
  const padding: [number, number] = m.padding === 'valid' ? [0, 0]
    : m.padding === 'same' ? [(dh * (kh - 1)) / 2, (dw * (kw - 1)) / 2] : m.padding;
  return { type: 'conv2d', weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}), inChannels: m.inChannels,
    outChannels: m.outChannels, kernelSize: m.kernelSize, stride: m.stride, padding, dilation: m.dilation, groups: m.groups };
});
registerOnnxExport(C.ConvTranspose2d, (m) => ({ type: 'convTranspose2d', weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}),
  inChannels: m.inChannels, outChannels: m.outChannels, kernelSize: m.kernelSize, stride: m.stride, padding: m.padding,
  outputPadding: m.outputPadding, dilation: m.dilation, groups: m.groups }));
registerOnnxExport(C.Conv1d, (m) => {
  const k = m.kernelSize;
  const padding = m.padding === 'valid' ? 0 : m.padding === 'same' ? (m.dilation * (k - 1)) / 2 : m.padding;
  return { type: 'conv1d', weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}), inChannels: m.inChannels,
    outChannels: m.outChannels, kernelSize: k, stride: m.stride, padding, dilation: m.dilation, groups: m.groups };
});
registerOnnxExport(C.MaxPool2d, (m) => ({ type: 'maxPool2d', kernelSize: m.kernelSize, stride: m.stride, padding: m.padding,
  dilation: m.dilation, ceilMode: m.ceilMode }));
registerOnnxExport(C.AvgPool2d, (m) => ({ type: 'avgPool2d', kernelSize: m.kernelSize, stride: m.stride, padding: m.padding,
  ceilMode: m.ceilMode, countIncludePad: m.countIncludePad }));
registerOnnxExport(C.AdaptiveAvgPool2d, (m) => (m.isGlobal ? { type: 'globalAvgPool' } : { type: 'adaptiveAvgPool2d', outputSize: m.outputSize }));
registerOnnxExport(C.BatchNorm2d, (m) => {
  const n = m.numFeatures;
  return { type: 'batchNorm', weight: m.weight ? f(m.weight) : new Float32Array(n).fill(1), bias: m.bias ? f(m.bias) : new Float32Array(n),
    runningMean: f(m.runningMean), runningVar: f(m.runningVar), eps: m.eps, size: n };
});
registerOnnxExport(C.Dropout2d, () => ({ type: 'dropout' }));
registerOnnxExport(C.Upsample, (m) => ({ type: 'upsample', mode: m.mode, scaleFactor: m.scaleFactor, size: m.size, alignCorners: m.alignCorners }));
registerOnnxExport(C.Unflatten, (m) => (m.dim === 1 ? { type: 'unflatten', sizes: m.sizes } : null), 'Unflatten (dim 1)');

// ---- recurrent layers (nn/recurrent.ts, i14-rnn) ----

/**
 * PyTorch's gate blocks in ONNX order: LSTM i, f, g, o -> i, o, f, c; GRU r, z, n -> z, r, h
 * (with linear_before_reset = 1, which is PyTorch's GRU); RNN (tanh or relu) one block.
 */
const ONNX_GATE_ORDER = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnnTanh: [0], rnnRelu: [0] } as const;

function onnxGates(t: Tensor, order: readonly number[], H: number): Float32Array {
  const src = t.data as Float32Array;
  const block = H * (t.shape.length === 2 ? t.shape[1] : 1);
  const out = new Float32Array(src.length);
  order.forEach((from, to) => out.set(src.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

function concatF32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

registerOnnxExport(R.RNNBase, (m) => {
  if (m.projSize > 0) {
    throw new TypeError(expected('an LSTM without projSize (ONNX LSTM has no projection)', 'projSize', `${m.projSize}`));
  }
  const cell = m.mode;
  const order = ONNX_GATE_ORDER[cell];
  const H = m.hiddenSize;
  const layers = Array.from({ length: m.numLayers }, (_, l) => {
    const dirs = m.weightsOf(l);
    const W = concatF32(dirs.map((d) => onnxGates(d.weightIh, order, H)));
    const Rw = concatF32(dirs.map((d) => onnxGates(d.weightHh, order, H)));
    const B = m.bias
      ? concatF32(dirs.flatMap((d) => [onnxGates(d.biasIh as Tensor, order, H), onnxGates(d.biasHh as Tensor, order, H)]))
      : undefined;
    return { W, R: Rw, ...(B ? { B } : {}) };
  });
  return { type: 'recurrent', cell, inputSize: m.inputSize, hiddenSize: H, bidirectional: m.bidirectional,
    batchFirst: m.batchFirst, layers };
}, 'LSTM (without projSize), GRU, RNN');
registerOnnxExport(Residual, (m) => ({ type: 'residual', body: onnxLayers(m.body), shortcut: m.shortcut ? onnxLayers(m.shortcut) : [] }));
// ---- attention (nn/transformer.ts; issue 14, i14-gpt): self-attention as MatMul / Softmax subgraphs ----

const lin = (m: L.Linear) => ({ weight: f(m.weight), ...(m.bias ? { bias: f(m.bias) } : {}) });
const attentionOf = (m: TR.MultiheadAttention, causal: boolean) => (m.in_proj_weight === null ? null : {
  type: 'attention' as const, embedDim: m.embedDim, numHeads: m.numHeads, batchFirst: m.batchFirst, causal,
  inProj: { weight: f(m.in_proj_weight), ...(m.in_proj_bias ? { bias: f(m.in_proj_bias) } : {}) }, outProj: lin(m.out_proj),
});
const blockOf = (m: TR.TransformerEncoderLayer, causal: boolean) => {
  const a = attentionOf(m.self_attn, causal);
  return a && { ...a, batchFirst: m.batchFirst, block: { normFirst: m.normFirst, activation: m.activation, eps: m.layerNormEps,
    dimFeedforward: m.dimFeedforward, linear1: lin(m.linear1), linear2: lin(m.linear2),
    norm1: { weight: f(m.norm1.weight), bias: f(m.norm1.bias) }, norm2: { weight: f(m.norm2.weight), bias: f(m.norm2.bias) } } };
};
registerOnnxExport(TR.MultiheadAttention, (m) => attentionOf(m, false), 'MultiheadAttention (self-attention, kdim = vdim = embedDim)');
registerOnnxExport(TR.TransformerEncoderLayer, (m) => blockOf(m, false), 'TransformerEncoderLayer (no mask)');
registerOnnxExport(TR.GPTBlock, (m) => blockOf(m, true), 'GPTBlock (causal; fixed sequence length)');

/**
 * ONNX export of a sequential stack of layers, described as plain data (the nn classes turn
 * themselves into OnnxLayer lists; this file knows nothing about them).
 *
 * The protobuf is written by our own encoder (onnx-schema.ts over protobuf.ts; the tests decode
 * it with the official schema and run it in onnxruntime-node). Default opset 17 (LayerNormalization exists from 17); GELU is emitted as its erf
 * formula below opset 20 and as the Gelu op from 20 on. Shapes are tracked through the layers so
 * that a wrong size is reported at export time, naming the layer, instead of at inference time.
 *
 * Layer mapping (PyTorch semantics, eval mode):
 *   linear      Gemm(x, W, b, transB=1) for 2-D input; MatMul(x, W^T) + Add(b) otherwise
 *   relu, sigmoid, tanh, softplus, identity      the op of that name
 *   softmax, logSoftmax                          Softmax / LogSoftmax over the last axis
 *   gelu        x * 0.5 * (1 + erf(x / sqrt 2))  (exact GELU, like torch's default)
 *   silu        x * Sigmoid(x)
 *   selu        Selu with PyTorch's alpha and gamma;  leakyRelu, elu: with their alpha
 *   dropout     Identity (inference)
 *   flatten     Flatten(axis=1): (N, ...) -> (N, prod(...))  (torch.nn.Flatten defaults)
 *   layerNorm   LayerNormalization over the last axis
 *   batchNorm   BatchNormalization with the running statistics (input (N, C) or (N, C, L))
 *   embedding   Gather(weight, indices) on int64 indices; only as the first layer
 * Image layers (NCHW; emitImageLayer):
 *   conv2d      Conv (kernel_shape, strides, pads, dilations, group) + bias
 *   maxPool2d   MaxPool;  avgPool2d   AveragePool (count_include_pad, ceil_mode: onnxruntime
 *               drops a last window that starts in the right padding, like PyTorch; tested)
 *   globalAvgPool   GlobalAveragePool;  adaptiveAvgPool2d  AveragePool with kernel = stride =
 *               input / output when the input size is known and divisible (else an error)
 *   batchNorm on (N, C, H, W) is the same BatchNormalization; Dropout2d exports as dropout
 *   convTranspose2d  ConvTranspose (output_padding);  conv1d  Conv with 1-D attributes;
 *   unflatten   Reshape of the last dimension (flat pixel rows -> images)
 *   upsample    nearest: Resize (nearest, asymmetric, floor) by whole-number scales; bilinear:
 *               Resize (linear; half_pixel, or align_corners) by the scales, or to the size (the
 *               sizes input is Shape(x)[0:2] ++ [OH, OW], so N and C stay dynamic)
 */
import { writeFileAtomic } from './atomic';
import {
  encodeModelProto, OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo, ONNX_FLOAT as FLOAT,
  ONNX_INT64 as INT64, ATTR_FLOAT, ATTR_INT, ATTR_STRING, ATTR_INTS, ATTR_STRINGS,
} from './onnx-schema';
import {
  typeError, rangeError, expected, describe, assertPlainObject, assertOneOf, assertPositiveInteger,
  assertFinite, assertString, fmtShape,
} from '../core/validate';

export type OnnxLayer =
  | { type: 'linear'; weight: Float32Array; inFeatures: number; outFeatures: number; bias?: Float32Array }
  | { type: 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax' | 'gelu' | 'silu' | 'softplus' | 'selu' | 'identity' | 'flatten' }
  | { type: 'leakyRelu'; alpha: number }
  | { type: 'elu'; alpha: number }
  | { type: 'dropout' }
  | { type: 'layerNorm'; weight: Float32Array; bias: Float32Array; eps: number; size: number }
  | { type: 'batchNorm'; weight: Float32Array; bias: Float32Array; runningMean: Float32Array; runningVar: Float32Array; eps: number; size: number }
  | { type: 'embedding'; weight: Float32Array; numEmbeddings: number; dim: number }
  | OnnxRecurrentLayer
  /** body(x) + shortcut(x) (shortcut empty: x itself): Add of two sub-chains of layers. */
  | { type: 'residual'; body: OnnxLayer[]; shortcut: OnnxLayer[] }
  | OnnxAttentionLayer
  | OnnxImageLayer;

/**
 * A stack of recurrent layers (i14-rnn) as ONNX LSTM / GRU / RNN ops, one per layer. Weights are
 * already in ONNX's gate order (LSTM i, o, f, c; GRU z, r, h with linear_before_reset = 1; RNN
 * tanh, or relu as activations ["Relu"]): per layer W (D, G*H, in), R (D, G*H, H) and B (D, 2*G*H) = [W biases, R biases] or
 * absent. Input (seq, batch, inputSize), or (batch, seq, inputSize) with batchFirst; output the
 * full sequence (seq, batch, D*H) / (batch, seq, D*H) as PyTorch's output (no final states).
 */
export interface OnnxRecurrentLayer {
  type: 'recurrent';
  cell: 'lstm' | 'gru' | 'rnnTanh' | 'rnnRelu';
  inputSize: number;
  hiddenSize: number;
  bidirectional: boolean;
  batchFirst: boolean;
  layers: { W: Float32Array; R: Float32Array; B?: Float32Array }[];
}

type Pair = [number, number];
/** NCHW layers (see emitImageLayer); padding is explicit, symmetric zero (-inf for max) padding. */
export type OnnxImageLayer =
  | { type: 'conv2d'; weight: Float32Array; bias?: Float32Array; inChannels: number; outChannels: number; kernelSize: Pair;
      stride: Pair; padding: Pair; dilation: Pair; groups: number }
  | { type: 'maxPool2d'; kernelSize: Pair; stride: Pair; padding: Pair; dilation: Pair; ceilMode: boolean }
  | { type: 'avgPool2d'; kernelSize: Pair; stride: Pair; padding: Pair; ceilMode: boolean; countIncludePad: boolean }
  | { type: 'globalAvgPool' }
  | { type: 'adaptiveAvgPool2d'; outputSize: [number | null, number | null] }
  | { type: 'unflatten'; sizes: number[] }
  | { type: 'convTranspose2d'; weight: Float32Array; bias?: Float32Array; inChannels: number; outChannels: number;
      kernelSize: Pair; stride: Pair; padding: Pair; outputPadding: Pair; dilation: Pair; groups: number }
  | { type: 'upsample'; mode?: 'nearest' | 'bilinear'; scaleFactor?: [number, number] | null; size?: Pair | null;
      alignCorners?: boolean }
  | { type: 'conv1d'; weight: Float32Array; bias?: Float32Array; inChannels: number; outChannels: number; kernelSize: number;
      stride: number; padding: number; dilation: number; groups: number };

export type OnnxLayerType = OnnxLayer['type'];

export interface OnnxExportOptions {
  /** Input shape; null marks a dynamic dimension (the first becomes dim_param "batch"). */
  inputShape: (number | null)[];
  /** Graph input name (default "input"). */
  inputName?: string;
  /** Graph output name (default "output"). */
  outputName?: string;
  /** Written to ModelProto.producer_version. */
  producerVersion?: string;
  /** ONNX opset of the default domain, 17..21 (default 17). */
  opset?: number;
}

export const ONNX_LAYER_TYPES: readonly OnnxLayerType[] = [
  'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'gelu', 'silu', 'softplus', 'selu',
  'identity', 'flatten', 'leakyRelu', 'elu', 'dropout', 'layerNorm', 'batchNorm', 'embedding',
  'conv2d', 'maxPool2d', 'avgPool2d', 'globalAvgPool', 'adaptiveAvgPool2d', 'unflatten', 'conv1d', 'convTranspose2d', 'upsample',
  'recurrent',
  'residual',
  'attention',
];
export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 17;
export const MAX_OPSET = 21;

/** A protobuf message must stay under 2 GiB; leave room for the graph itself. */
const MAX_PROTO_WEIGHT_BYTES = 2 ** 31 - 2 ** 26;

/** PyTorch's SELU constants (torch.nn.functional.selu). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Where a layer sits: its index, or a path such as `3.body.1` inside a residual block. */
type LayerPath = number | string;

/** A dimension while tracing: a size, a named dynamic size, or unknown. */
type Dim = number | string | null;

const fmtDims = (s: readonly Dim[]): string => fmtShape(s.map((d) => (typeof d === 'number' ? d : null)));

function floatBytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i], true);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation

function checkArray(layer: Record<string, unknown>, key: string, length: number, where: string, what: string): void {
  const v = layer[key];
  if (!(v instanceof Float32Array)) typeError('Float32Array', `${where}.${key}`, v);
  if ((v as Float32Array).length !== length) {
    throw new RangeError(expected(`Float32Array of length ${length} (${what})`, `${where}.${key}`, describe(v)));
  }
}

function checkLayer(layer: unknown, i: LayerPath): OnnxLayer {
  const where = `layers[${i}]`;
  assertPlainObject(layer, where);
  const l = layer as Record<string, unknown>;
  assertOneOf(l.type, `${where}.type`, ONNX_LAYER_TYPES);
  switch (l.type as OnnxLayerType) {
    case 'linear':
      assertPositiveInteger(l.inFeatures, `${where}.inFeatures`);
      assertPositiveInteger(l.outFeatures, `${where}.outFeatures`);
      checkArray(l, 'weight', (l.outFeatures as number) * (l.inFeatures as number), where, 'outFeatures x inFeatures');
      if (l.bias !== undefined && l.bias !== null) checkArray(l, 'bias', l.outFeatures as number, where, 'outFeatures');
      break;
    case 'leakyRelu':
    case 'elu':
      assertFinite(l.alpha, `${where}.alpha`);
      break;
    case 'layerNorm':
    case 'batchNorm':
      assertPositiveInteger(l.size, `${where}.size`);
      assertFinite(l.eps, `${where}.eps`);
      if ((l.eps as number) < 0) rangeError('non-negative number', `${where}.eps`, l.eps);
      for (const key of l.type === 'layerNorm' ? ['weight', 'bias'] : ['weight', 'bias', 'runningMean', 'runningVar']) {
        checkArray(l, key, l.size as number, where, 'size');
      }
      break;
    case 'embedding':
      assertPositiveInteger(l.numEmbeddings, `${where}.numEmbeddings`);
      assertPositiveInteger(l.dim, `${where}.dim`);
      checkArray(l, 'weight', (l.numEmbeddings as number) * (l.dim as number), where, 'numEmbeddings x dim');
      if (i !== 0) rangeError('embedding only as the first layer (it reads int64 indices)', where, 'an embedding layer');
      break;
    case 'conv2d': case 'maxPool2d': case 'avgPool2d': case 'globalAvgPool': case 'adaptiveAvgPool2d': case 'unflatten':
      checkImageLayer(l, where);
      break;
    case 'residual':
      for (const key of ['body', 'shortcut'] as const) {
        if (!Array.isArray(l[key])) typeError('array of layers', `${where}.${key}`, l[key]);
        l[key] = (l[key] as unknown[]).map((c, j) => checkLayer(c, `${i}.${key}.${j}`));
      }
      break;
    case 'upsample':
      assertOneOf(l.mode ?? 'nearest', `${where}.mode`, ['nearest', 'bilinear']);
      if ((l.mode ?? 'nearest') === 'nearest') {
        checkPair(l, 'scaleFactor', where, 1);
        break;
      }
      if (l.alignCorners !== undefined && typeof l.alignCorners !== 'boolean') typeError('boolean', `${where}.alignCorners`, l.alignCorners);
      if (l.size !== undefined && l.size !== null) {
        checkPair(l, 'size', where, 1);
      } else if (!Array.isArray(l.scaleFactor) || l.scaleFactor.length !== 2
        || !l.scaleFactor.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) {
        throw new RangeError(expected('[positive number, positive number] (or a size)', `${where}.scaleFactor`, describe(l.scaleFactor)));
      }
      break;
    case 'convTranspose2d': {
      for (const key of ['inChannels', 'outChannels', 'groups']) assertPositiveInteger(l[key], `${where}.${key}`);
      for (const [key, lo] of [['kernelSize', 1], ['stride', 1], ['padding', 0], ['outputPadding', 0], ['dilation', 1]] as const) checkPair(l, key, where, lo);
      const [kh, kw] = l.kernelSize as Pair;
      checkArray(l, 'weight', (l.inChannels as number) * ((l.outChannels as number) / (l.groups as number)) * kh * kw,
        where, 'inChannels x outChannels / groups x KH x KW');
      if (l.bias !== undefined && l.bias !== null) checkArray(l, 'bias', l.outChannels as number, where, 'outChannels');
      break;
    }
    case 'conv1d':
      for (const key of ['inChannels', 'outChannels', 'kernelSize', 'stride', 'dilation', 'groups']) assertPositiveInteger(l[key], `${where}.${key}`);
      if (!Number.isInteger(l.padding) || (l.padding as number) < 0) rangeError('non-negative integer', `${where}.padding`, l.padding);
      checkArray(l, 'weight', (l.outChannels as number) * ((l.inChannels as number) / (l.groups as number)) * (l.kernelSize as number),
        where, 'outChannels x inChannels / groups x kernelSize');
      if (l.bias !== undefined && l.bias !== null) checkArray(l, 'bias', l.outChannels as number, where, 'outChannels');
      break;
    case 'recurrent':
      checkRecurrentLayer(l, where);
      break;
    case 'attention':
      checkAttentionLayer(l, where);
      break;
    default:
      break;
  }
  return l as unknown as OnnxLayer;
}

const RECURRENT_GATES = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 } as const;

function checkRecurrentLayer(l: Record<string, unknown>, where: string): void {
  assertOneOf(l.cell, `${where}.cell`, ['lstm', 'gru', 'rnnTanh', 'rnnRelu'] as const);
  assertPositiveInteger(l.inputSize, `${where}.inputSize`);
  assertPositiveInteger(l.hiddenSize, `${where}.hiddenSize`);
  for (const key of ['bidirectional', 'batchFirst']) if (typeof l[key] !== 'boolean') typeError('boolean', `${where}.${key}`, l[key]);
  if (!Array.isArray(l.layers) || l.layers.length === 0) typeError('non-empty array of layer weights', `${where}.layers`, l.layers);
  const D = l.bidirectional ? 2 : 1;
  const H = l.hiddenSize as number;
  const GH = RECURRENT_GATES[l.cell as OnnxRecurrentLayer['cell']] * H;
  (l.layers as unknown[]).forEach((w, k) => {
    const at = `${where}.layers[${k}]`;
    assertPlainObject(w, at);
    const lw = w as Record<string, unknown>;
    const inSize = k === 0 ? (l.inputSize as number) : D * H;
    checkArray(lw, 'W', D * GH * inSize, at, 'directions x gates*hiddenSize x input');
    checkArray(lw, 'R', D * GH * H, at, 'directions x gates*hiddenSize x hiddenSize');
    if (lw.B !== undefined && lw.B !== null) checkArray(lw, 'B', D * 2 * GH, at, 'directions x 2*gates*hiddenSize');
  });
}

function checkPair(l: Record<string, unknown>, key: string, where: string, lo: number): void {
  const v = l[key];
  const what = `[integer >= ${lo}, integer >= ${lo}]`;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= lo)) {
    throw new RangeError(expected(what, `${where}.${key}`, Array.isArray(v) ? `[${v.join(', ')}]` : describe(v)));
  }
}

function checkImageLayer(l: Record<string, unknown>, where: string): void {
  if (l.type === 'globalAvgPool') return;
  if (l.type === 'unflatten') {
    const v = l.sizes;
    if (!Array.isArray(v) || v.length === 0 || !v.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(expected('non-empty array of positive integers', `${where}.sizes`, describe(v)));
    }
    return;
  }
  if (l.type === 'adaptiveAvgPool2d') {
    const o = l.outputSize;
    if (!Array.isArray(o) || o.length !== 2 || !o.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
      throw new RangeError(expected('[positive integer or null, positive integer or null]', `${where}.outputSize`, describe(o)));
    }
    return;
  }
  checkPair(l, 'kernelSize', where, 1);
  checkPair(l, 'stride', where, 1);
  checkPair(l, 'padding', where, 0);
  if (l.type !== 'avgPool2d') checkPair(l, 'dilation', where, 1);
  if (l.type === 'conv2d') {
    assertPositiveInteger(l.inChannels, `${where}.inChannels`);
    assertPositiveInteger(l.outChannels, `${where}.outChannels`);
    assertPositiveInteger(l.groups, `${where}.groups`);
    const [kh, kw] = l.kernelSize as Pair;
    const g = l.groups as number;
    if ((l.inChannels as number) % g !== 0 || (l.outChannels as number) % g !== 0) {
      throw new RangeError(expected(`channels divisible by groups (${g})`, `${where}`, `inChannels ${l.inChannels}, outChannels ${l.outChannels}`));
    }
    checkArray(l, 'weight', (l.outChannels as number) * ((l.inChannels as number) / g) * kh * kw, where, 'outChannels x inChannels / groups x KH x KW');
    if (l.bias !== undefined && l.bias !== null) checkArray(l, 'bias', l.outChannels as number, where, 'outChannels');
  }
}

function checkOptions(opts: unknown): Required<Omit<OnnxExportOptions, 'producerVersion'>> & { producerVersion?: string } {
  assertPlainObject(opts, 'options');
  const o = opts as unknown as OnnxExportOptions;
  const shape = o.inputShape;
  const what = 'non-empty array of positive integers or null';
  if (!Array.isArray(shape)) typeError(what, 'options.inputShape', shape);
  if (shape.length === 0 || !shape.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0))) {
    throw new RangeError(expected(what, 'options.inputShape', `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`));
  }
  const inputName = o.inputName ?? 'input';
  const outputName = o.outputName ?? 'output';
  for (const [v, name] of [[inputName, 'options.inputName'], [outputName, 'options.outputName']] as const) {
    assertString(v, name);
    if (v.length === 0) typeError('non-empty string', name, v);
  }
  if (inputName === outputName) rangeError(`name different from options.inputName`, 'options.outputName', outputName);
  if (/^(layers\.|const\.)/.test(inputName)) rangeError('name not starting with "layers." or "const."', 'options.inputName', inputName);
  if (/^(layers\.|const\.)/.test(outputName)) rangeError('name not starting with "layers." or "const."', 'options.outputName', outputName);
  if (o.producerVersion !== undefined) assertString(o.producerVersion, 'options.producerVersion');
  const opset = o.opset ?? DEFAULT_OPSET;
  if (typeof opset !== 'number') typeError(`integer in [${MIN_OPSET}, ${MAX_OPSET}]`, 'options.opset', opset);
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) rangeError(`integer in [${MIN_OPSET}, ${MAX_OPSET}]`, 'options.opset', opset);
  return { inputShape: shape.slice(), inputName, outputName, producerVersion: o.producerVersion, opset };
}

/** IR version that goes with an opset (onnx/docs/Versioning.md). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

// ---------------------------------------------------------------------------------------------
// Graph building

interface Builder {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  constants: Map<number, string>;
  opset: number;
}

function attr(name: string, value: number, kind: 'float' | 'int'): OnnxAttribute {
  return kind === 'float' ? { name, type: ATTR_FLOAT, f: value } : { name, type: ATTR_INT, i: value };
}

function ints(name: string, values: number[]): OnnxAttribute {
  return { name, type: ATTR_INTS, ints: values };
}

function node(b: Builder, opType: string, inputs: string[], outputs: string[], name: string,
  attributes: OnnxAttribute[] = []): void {
  b.nodes.push({ opType, input: inputs, output: outputs, name, attribute: attributes, domain: '' });
}

function initializer(b: Builder, name: string, dims: number[], data: Float32Array): string {
  b.initializers.push({ name, dataType: FLOAT, dims, rawData: floatBytes(data) });
  return name;
}

/** A scalar float constant shared by the whole graph. */
function constant(b: Builder, value: number): string {
  let name = b.constants.get(value);
  if (name === undefined) {
    name = `const.${b.constants.size}`;
    b.constants.set(value, name);
    initializer(b, name, [], new Float32Array([value]));
  }
  return name;
}

function shapeMismatch(where: string, type: string, want: string, shape: readonly Dim[]): never {
  throw new RangeError(expected(`input ${want}`, `${where} (${type})`, `shape ${fmtDims(shape)}`));
}

/** Emits the nodes of layer i from `x` to `y`; returns the output shape. */
function emitLayer(b: Builder, layer: OnnxLayer, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const where = `layers[${i}]`;
  const needRank = (n: number): void => {
    if (shape.length < n) shapeMismatch(where, layer.type, `of rank >= ${n}`, shape);
  };
  const elementwise = (op: string, attributes: OnnxAttribute[] = []): Dim[] => {
    node(b, op, [x], [y], p, attributes);
    return shape;
  };
  switch (layer.type) {
    case 'linear': {
      const { inFeatures: inF, outFeatures: outF, weight, bias } = layer;
      needRank(1);
      const last = shape[shape.length - 1];
      if (typeof last === 'number' && last !== inF) shapeMismatch(where, 'linear', `with last dimension ${inF}`, shape);
      if (shape.length === 2) {
        const w = initializer(b, `${p}.weight`, [outF, inF], weight);
        const inputs = bias ? [x, w, initializer(b, `${p}.bias`, [outF], bias)] : [x, w];
        node(b, 'Gemm', inputs, [y], p, [attr('transB', 1, 'int')]);
      } else {
        const wt = new Float32Array(inF * outF); // (in, out) = W^T
        for (let o = 0; o < outF; o++) for (let k = 0; k < inF; k++) wt[k * outF + o] = weight[o * inF + k];
        const w = initializer(b, `${p}.weight_t`, [inF, outF], wt);
        if (bias) {
          node(b, 'MatMul', [x, w], [`${p}.matmul`], `${p}.matmul`);
          node(b, 'Add', [`${p}.matmul`, initializer(b, `${p}.bias`, [outF], bias)], [y], p);
        } else {
          node(b, 'MatMul', [x, w], [y], p);
        }
      }
      return [...shape.slice(0, -1), outF];
    }
    case 'relu': return elementwise('Relu');
    case 'sigmoid': return elementwise('Sigmoid');
    case 'tanh': return elementwise('Tanh');
    case 'softplus': return elementwise('Softplus');
    case 'identity':
    case 'dropout': return elementwise('Identity');
    case 'selu': return elementwise('Selu', [attr('alpha', SELU_ALPHA, 'float'), attr('gamma', SELU_GAMMA, 'float')]);
    case 'leakyRelu': return elementwise('LeakyRelu', [attr('alpha', layer.alpha, 'float')]);
    case 'elu': return elementwise('Elu', [attr('alpha', layer.alpha, 'float')]);
    case 'softmax':
    case 'logSoftmax':
      needRank(1);
      return elementwise(layer.type === 'softmax' ? 'Softmax' : 'LogSoftmax', [attr('axis', -1, 'int')]);
    case 'silu':
      node(b, 'Sigmoid', [x], [`${p}.sigmoid`], `${p}.sigmoid`);
      node(b, 'Mul', [x, `${p}.sigmoid`], [y], p);
      return shape;
    case 'gelu':
      if (b.opset >= 20) {
        b.nodes.push({ opType: 'Gelu', input: [x], output: [y], name: p, domain: '',
          attribute: [{ name: 'approximate', type: ATTR_STRING, s: new TextEncoder().encode('none') }] });
        return shape;
      }
      node(b, 'Div', [x, constant(b, Math.SQRT2)], [`${p}.scaled`], `${p}.scaled`);
      node(b, 'Erf', [`${p}.scaled`], [`${p}.erf`], `${p}.erf`);
      node(b, 'Add', [`${p}.erf`, constant(b, 1)], [`${p}.erf1`], `${p}.erf1`);
      node(b, 'Mul', [x, `${p}.erf1`], [`${p}.xerf1`], `${p}.xerf1`);
      node(b, 'Mul', [`${p}.xerf1`, constant(b, 0.5)], [y], p);
      return shape;
    case 'flatten': {
      needRank(2);
      const rest = shape.slice(1);
      const n = rest.every((d) => typeof d === 'number') ? (rest as number[]).reduce((a, c) => a * c, 1) : null;
      node(b, 'Flatten', [x], [y], p, [attr('axis', 1, 'int')]);
      return [shape[0], n];
    }
    case 'layerNorm': {
      needRank(1);
      const last = shape[shape.length - 1];
      if (typeof last === 'number' && last !== layer.size) shapeMismatch(where, 'layerNorm', `with last dimension ${layer.size}`, shape);
      node(b, 'LayerNormalization',
        [x, initializer(b, `${p}.weight`, [layer.size], layer.weight), initializer(b, `${p}.bias`, [layer.size], layer.bias)],
        [y], p, [attr('axis', -1, 'int'), attr('epsilon', layer.eps, 'float')]);
      return shape;
    }
    case 'batchNorm': {
      needRank(2);
      if (typeof shape[1] === 'number' && shape[1] !== layer.size) shapeMismatch(where, 'batchNorm', `with dimension 1 equal to ${layer.size}`, shape);
      node(b, 'BatchNormalization', [
        x,
        initializer(b, `${p}.weight`, [layer.size], layer.weight),
        initializer(b, `${p}.bias`, [layer.size], layer.bias),
        initializer(b, `${p}.running_mean`, [layer.size], layer.runningMean),
        initializer(b, `${p}.running_var`, [layer.size], layer.runningVar),
      ], [y], p, [attr('epsilon', layer.eps, 'float')]);
      return shape;
    }
    case 'conv2d': case 'maxPool2d': case 'avgPool2d': case 'globalAvgPool': case 'adaptiveAvgPool2d':
      return emitImageLayer(b, layer, i, x, y, shape);
    case 'unflatten': return emitUnflatten(b, layer, i, x, y, shape);
    case 'conv1d': return emitConv1d(b, layer, i, x, y, shape);
    case 'convTranspose2d': return emitConvTranspose2d(b, layer, i, x, y, shape);
    case 'upsample': return emitUpsample(b, layer, i, x, y, shape);
    case 'recurrent': return emitRecurrent(b, layer, i, x, y, shape);
    case 'residual': {
      const chain = (key: 'body' | 'shortcut'): [string, Dim[]] => {
        let [cx, cs] = [x, shape];
        layer[key].forEach((l, j) => {
          const cy = j === layer[key].length - 1 ? `${p}.${key}.out` : `${p}.${key}.${j}.out`;
          cs = emitLayer(b, l, `${i}.${key}.${j}`, cx, cy, cs);
          cx = cy;
        });
        return [cx, cs];
      };
      const [bx, bs] = chain('body');
      const [sx, ss] = chain('shortcut');
      if (bs.length !== ss.length || bs.some((d, k) => typeof d === 'number' && typeof ss[k] === 'number' && d !== ss[k])) {
        shapeMismatch(where, 'residual', `for which body and shortcut agree (body gives ${fmtDims(bs)}, shortcut ${fmtDims(ss)})`, shape);
      }
      node(b, 'Add', [bx, sx], [y], p);
      return bs.map((d, k) => (typeof d === 'number' ? d : ss[k]));
    }
    case 'attention': return emitAttention(b, layer, i, x, y, shape);
    case 'embedding':
      node(b, 'Gather', [initializer(b, `${p}.weight`, [layer.numEmbeddings, layer.dim], layer.weight), x], [y], p,
        [attr('axis', 0, 'int')]);
      return [...shape, layer.dim];
    default:
      throw new Error(`unreachable layer type ${(layer as { type: string }).type}`);
  }
}

/**
 * Recurrent stack: per layer one ONNX LSTM / GRU / RNN op (Y is (seq, D, batch, H)), then
 * Transpose to (seq, batch, D, H) and Reshape to (seq, batch, D*H), PyTorch's output layout;
 * batchFirst inputs / outputs are transposed around the stack.
 */
function emitRecurrent(b: Builder, layer: OnnxRecurrentLayer, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const where = `layers[${i}]`;
  const last = shape[shape.length - 1];
  if (shape.length !== 3 || (typeof last === 'number' && last !== layer.inputSize)) {
    shapeMismatch(where, 'recurrent', `of rank 3 with last dimension ${layer.inputSize}`, shape);
  }
  const D = layer.bidirectional ? 2 : 1;
  const H = layer.hiddenSize;
  const GH = RECURRENT_GATES[layer.cell] * H;
  const opType = layer.cell === 'lstm' ? 'LSTM' : layer.cell === 'gru' ? 'GRU' : 'RNN';
  const str = (name: string, v: string): OnnxAttribute => ({ name, type: ATTR_STRING, s: new TextEncoder().encode(v) });
  let cur = x;
  if (layer.batchFirst) {
    node(b, 'Transpose', [x], [`${p}.seqFirst`], `${p}.seqFirst`, [ints('perm', [1, 0, 2])]);
    cur = `${p}.seqFirst`;
  }
  const target = BigInt64Array.from([0, 0, -1], (v) => BigInt(v));
  b.initializers.push({ name: `${p}.shape`, dataType: INT64, dims: [3], rawData: new Uint8Array(target.buffer) });
  layer.layers.forEach((w, k) => {
    const q = `${p}.l${k}`;
    const inSize = k === 0 ? layer.inputSize : D * H;
    const inputs = [cur, initializer(b, `${q}.W`, [D, GH, inSize], w.W), initializer(b, `${q}.R`, [D, GH, H], w.R)];
    if (w.B) inputs.push(initializer(b, `${q}.B`, [D, 2 * GH], w.B));
    const attributes = [attr('hidden_size', H, 'int'), str('direction', D === 2 ? 'bidirectional' : 'forward')];
    if (layer.cell === 'gru') attributes.push(attr('linear_before_reset', 1, 'int'));
    if (layer.cell === 'rnnRelu') {  // one activation per direction (the default is Tanh)
      attributes.push({ name: 'activations', type: ATTR_STRINGS, strings: Array.from({ length: D }, () => new TextEncoder().encode('Relu')) });
    }
    node(b, opType, inputs, [`${q}.Y`], q, attributes);
    node(b, 'Transpose', [`${q}.Y`], [`${q}.Yt`], `${q}.Yt`, [ints('perm', [0, 2, 1, 3])]);
    const out = k === layer.layers.length - 1 && !layer.batchFirst ? y : `${q}.out`;
    node(b, 'Reshape', [`${q}.Yt`, `${p}.shape`], [out], `${q}.out`);
    cur = out;
  });
  if (layer.batchFirst) node(b, 'Transpose', [cur], [y], p, [ints('perm', [1, 0, 2])]);
  return [shape[0], shape[1], D * H];
}

/** Unflatten of the last dimension: Reshape to [0, ..., 0, ...sizes] (0 copies the input dim). */
function emitUnflatten(b: Builder, layer: { sizes: number[] }, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const n = layer.sizes.reduce((a, c) => a * c, 1);
  const last = shape[shape.length - 1];
  if (shape.length < 1 || (typeof last === 'number' && last !== n)) shapeMismatch(`layers[${i}]`, 'unflatten', `with last dimension ${n}`, shape);
  const target = BigInt64Array.from([...shape.slice(0, -1).map(() => 0), ...layer.sizes], (v) => BigInt(v));
  b.initializers.push({ name: `${p}.shape`, dataType: INT64, dims: [target.length], rawData: new Uint8Array(target.buffer) });
  node(b, 'Reshape', [x, `${p}.shape`], [y], p);
  return [...shape.slice(0, -1), ...layer.sizes];
}

/**
 * Upsampling as Resize. nearest (whole-number factors): asymmetric coordinates, floor, which is
 * PyTorch's 'nearest'. bilinear: mode linear with half_pixel (PyTorch's align_corners=False: the
 * source position clamped at 0, as onnxruntime does too) or align_corners coordinates; by the
 * scale factors (the output floor(H x s), coordinates from s as in PyTorch) or to a size.
 */
function emitUpsample(b: Builder, layer: Extract<OnnxLayer, { type: 'upsample' }>, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  if (shape.length !== 4) shapeMismatch(`layers[${i}]`, 'upsample', 'of rank 4 (N, C, H, W)', shape);
  const str = (name: string, v: string): OnnxAttribute => ({ name, type: ATTR_STRING, s: new TextEncoder().encode(v) });
  const [N, C, H, W] = shape;
  if ((layer.mode ?? 'nearest') === 'nearest') {
    const [sh, sw] = layer.scaleFactor as Pair;
    node(b, 'Resize', [x, '', initializer(b, `${p}.scales`, [4], Float32Array.of(1, 1, sh, sw))], [y], p,
      [str('mode', 'nearest'), str('coordinate_transformation_mode', 'asymmetric'), str('nearest_mode', 'floor')]);
    return [N, C, typeof H === 'number' ? H * sh : null, typeof W === 'number' ? W * sw : null];
  }
  const attrs = [str('mode', 'linear'), str('coordinate_transformation_mode', layer.alignCorners ? 'align_corners' : 'half_pixel')];
  if (layer.size) {
    const [OH, OW] = layer.size;
    node(b, 'Shape', [x], [`${p}.nc`], `${p}.nc`, [attr('start', 0, 'int'), attr('end', 2, 'int')]);
    const hw = BigInt64Array.of(BigInt(OH), BigInt(OW));
    b.initializers.push({ name: `${p}.hw`, dataType: INT64, dims: [2], rawData: new Uint8Array(hw.buffer) });
    node(b, 'Concat', [`${p}.nc`, `${p}.hw`], [`${p}.sizes`], `${p}.sizes`, [attr('axis', 0, 'int')]);
    node(b, 'Resize', [x, '', '', `${p}.sizes`], [y], p, attrs);
    return [N, C, OH, OW];
  }
  const [sh, sw] = layer.scaleFactor as [number, number];
  node(b, 'Resize', [x, '', initializer(b, `${p}.scales`, [4], Float32Array.of(1, 1, sh, sw))], [y], p, attrs);
  return [N, C, typeof H === 'number' ? Math.floor(H * Math.fround(sh)) : null, typeof W === 'number' ? Math.floor(W * Math.fround(sw)) : null];
}

/** ConvTranspose on (N, C, H, W); weight (C, OC / groups, KH, KW) as PyTorch. */
function emitConvTranspose2d(b: Builder, layer: Extract<OnnxLayer, { type: 'convTranspose2d' }>, i: LayerPath, x: string, y: string,
  shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const where = `layers[${i}]`;
  if (shape.length !== 4) shapeMismatch(where, 'convTranspose2d', 'of rank 4 (N, C, H, W)', shape);
  const [N, C, H, W] = shape;
  if (typeof C === 'number' && C !== layer.inChannels) shapeMismatch(where, 'convTranspose2d', `with dimension 1 equal to ${layer.inChannels}`, shape);
  const { kernelSize: [kh, kw], stride: [sh, sw], padding: [ph, pw], outputPadding: [oh, ow], dilation: [dh, dw] } = layer;
  const out = (d: Dim, s: number, pad: number, dil: number, k: number, op: number): Dim =>
    (typeof d === 'number' ? (d - 1) * s - 2 * pad + dil * (k - 1) + op + 1 : null);
  const wt = initializer(b, `${p}.weight`, [layer.inChannels, layer.outChannels / layer.groups, kh, kw], layer.weight);
  const inputs = layer.bias ? [x, wt, initializer(b, `${p}.bias`, [layer.outChannels], layer.bias)] : [x, wt];
  node(b, 'ConvTranspose', inputs, [y], p, [ints('kernel_shape', [kh, kw]), ints('strides', [sh, sw]),
    ints('pads', [ph, pw, ph, pw]), ints('output_padding', [oh, ow]), ints('dilations', [dh, dw]), attr('group', layer.groups, 'int')]);
  return [N, layer.outChannels, out(H, sh, ph, dh, kh, oh), out(W, sw, pw, dw, kw, ow)];
}

/** 1-D Conv on (N, C, L). */
function emitConv1d(b: Builder, layer: Extract<OnnxLayer, { type: 'conv1d' }>, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const where = `layers[${i}]`;
  if (shape.length !== 3) shapeMismatch(where, 'conv1d', 'of rank 3 (N, C, L)', shape);
  const [N, C, L] = shape;
  if (typeof C === 'number' && C !== layer.inChannels) shapeMismatch(where, 'conv1d', `with dimension 1 equal to ${layer.inChannels}`, shape);
  const { kernelSize: k, stride: s, padding: pad, dilation: d } = layer;
  const OL = spatialOut(L, k, s, pad, d, false);
  if (typeof OL === 'number' && OL < 1) shapeMismatch(where, 'conv1d', `longer than the kernel ${k}`, shape);
  const w = initializer(b, `${p}.weight`, [layer.outChannels, layer.inChannels / layer.groups, k], layer.weight);
  const inputs = layer.bias ? [x, w, initializer(b, `${p}.bias`, [layer.outChannels], layer.bias)] : [x, w];
  node(b, 'Conv', inputs, [y], p, [ints('kernel_shape', [k]), ints('strides', [s]), ints('pads', [pad, pad]),
    ints('dilations', [d]), attr('group', layer.groups, 'int')]);
  return [N, layer.outChannels, OL];
}

/** Spatial output size for one dim (PyTorch's rule); null when the input size is dynamic. */
function spatialOut(d: Dim, k: number, s: number, p: number, dil: number, ceil: boolean): Dim {
  if (typeof d !== 'number') return null;
  const span = d + 2 * p - dil * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= d + p) o--;
  return o;
}

/** Emits an NCHW layer (Conv, MaxPool, AveragePool, GlobalAveragePool); returns the output shape. */
function emitImageLayer(b: Builder, layer: Exclude<OnnxImageLayer, { type: 'unflatten' | 'conv1d' | 'convTranspose2d' | 'upsample' }>, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const where = `layers[${i}]`;
  if (shape.length !== 4) shapeMismatch(where, layer.type, 'of rank 4 (N, C, H, W)', shape);
  const [N, C, H, W] = shape;
  if (layer.type === 'globalAvgPool') {
    node(b, 'GlobalAveragePool', [x], [y], p);
    return [N, C, 1, 1];
  }
  if (layer.type === 'adaptiveAvgPool2d') {
    const [oh, ow] = [layer.outputSize[0] ?? H, layer.outputSize[1] ?? W];
    if (oh === 1 && ow === 1) {
      node(b, 'GlobalAveragePool', [x], [y], p);
      return [N, C, 1, 1];
    }
    if (typeof H !== 'number' || typeof W !== 'number' || typeof oh !== 'number' || typeof ow !== 'number' || H % oh !== 0 || W % ow !== 0) {
      shapeMismatch(where, layer.type, `with H, W known and divisible by the output size [${layer.outputSize.map((d) => d ?? '*').join(', ')}] (ONNX has no adaptive pooling)`, shape);
    }
    const k = [H / oh, W / ow];
    node(b, 'AveragePool', [x], [y], p, [ints('kernel_shape', k), ints('strides', k)]);
    return [N, C, oh, ow];
  }
  const { kernelSize: [kh, kw], stride: [sh, sw], padding: [ph, pw] } = layer;
  const [dh, dw] = layer.type === 'avgPool2d' ? [1, 1] : layer.dilation;
  const ceil = layer.type === 'conv2d' ? false : layer.ceilMode;
  const OH = spatialOut(H, kh, sh, ph, dh, ceil);
  const OW = spatialOut(W, kw, sw, pw, dw, ceil);
  if ((typeof OH === 'number' && OH < 1) || (typeof OW === 'number' && OW < 1)) shapeMismatch(where, layer.type, `larger than the kernel [${kh}, ${kw}]`, shape);
  const common = [ints('kernel_shape', [kh, kw]), ints('strides', [sh, sw]), ints('pads', [ph, pw, ph, pw])];
  if (layer.type === 'conv2d') {
    if (typeof C === 'number' && C !== layer.inChannels) shapeMismatch(where, 'conv2d', `with dimension 1 equal to ${layer.inChannels}`, shape);
    const w = initializer(b, `${p}.weight`, [layer.outChannels, layer.inChannels / layer.groups, kh, kw], layer.weight);
    const inputs = layer.bias ? [x, w, initializer(b, `${p}.bias`, [layer.outChannels], layer.bias)] : [x, w];
    node(b, 'Conv', inputs, [y], p, [...common, ints('dilations', [dh, dw]), attr('group', layer.groups, 'int')]);
    return [N, layer.outChannels, OH, OW];
  }
  const opAttrs = [...common, attr('ceil_mode', ceil ? 1 : 0, 'int')];
  if (layer.type === 'maxPool2d') node(b, 'MaxPool', [x], [y], p, [...opAttrs, ints('dilations', [dh, dw])]);
  else node(b, 'AveragePool', [x], [y], p, [...opAttrs, attr('count_include_pad', layer.countIncludePad ? 1 : 0, 'int')]);
  // ONNX's shape inference lacks PyTorch's ceil-mode correction that onnxruntime's kernels apply
  // (values are right, tested): where they disagree the declared size is left dynamic
  // (onnxruntime still logs a warning that its inferred size differs from the computed one).
  const inferred = (d: Dim, o: Dim, k: number, s: number, pad: number, dil: number): Dim =>
    (ceil && typeof d === 'number' && Math.ceil((d + 2 * pad - dil * (k - 1) - 1) / s) + 1 !== o ? null : o);
  return [N, C, inferred(H, OH, kh, sh, ph, dh), inferred(W, OW, kw, sw, pw, dw)];
}

function valueInfo(name: string, elemType: number, shape: readonly Dim[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
      },
    },
  };
}

/** Builds the ModelProto object (before encoding); exported for tests and tools. */
export function buildOnnxModel(layers: OnnxLayer[], opts: OnnxExportOptions): OnnxModel {
  if (!Array.isArray(layers)) typeError('array of layers', 'layers', layers);
  const checked = layers.map((l, i) => checkLayer(l, i));
  const o = checkOptions(opts);
  const b: Builder = { nodes: [], initializers: [], constants: new Map(), opset: o.opset };
  let shape: Dim[] = o.inputShape.map((d, i) => (d === null ? (i === 0 ? 'batch' : `dim${i}`) : d));
  const inputInfo = valueInfo(o.inputName, checked[0]?.type === 'embedding' ? INT64 : FLOAT, shape);
  let x = o.inputName;
  if (checked.length === 0) {
    node(b, 'Identity', [x], [o.outputName], 'identity');
  }
  checked.forEach((layer, i) => {
    const y = i === checked.length - 1 ? o.outputName : `layers.${i}.out`;
    shape = emitLayer(b, layer, i, x, y, shape);
    x = y;
  });
  const weightBytes = b.initializers.reduce((n, t) => n + t.rawData.length, 0);
  if (weightBytes > MAX_PROTO_WEIGHT_BYTES) {
    throw new RangeError(expected('model with under 2 GiB of weights (the protobuf limit; ONNX external data is not supported)',
      'layers', `${weightBytes} bytes of weights`));
  }
  return {
    irVersion: irVersionFor(o.opset),
    opsetImport: [{ domain: '', version: o.opset }],
    producerName: 'nodegrad',
    ...(o.producerVersion !== undefined ? { producerVersion: o.producerVersion } : {}),
    graph: {
      name: 'nodegrad',
      node: b.nodes,
      initializer: b.initializers,
      input: [inputInfo],
      output: [valueInfo(o.outputName, FLOAT, shape)],
    },
  };
}

/** Encodes a sequential model as ONNX protobuf bytes. */
export function encodeOnnx(layers: OnnxLayer[], opts: OnnxExportOptions): Uint8Array {
  return encodeModelProto(buildOnnxModel(layers, opts));
}

/** Writes an ONNX file atomically (temp file, fsync, rename, fsync folder). */
export async function writeOnnx(path: string, layers: OnnxLayer[], opts: OnnxExportOptions): Promise<void> {
  assertString(path, 'path');
  await writeFileAtomic(path, encodeOnnx(layers, opts));
}

// ---------------------------------------------------------------------------------------------
// Attention (issue 14, i14-gpt): MultiheadAttention self-attention, and the residual blocks of
// TransformerEncoderLayer / GPTBlock around it, as MatMul / Softmax subgraphs.

/** Weight (out, in) and optional bias of a linear map. */
export interface OnnxLinearWeights { weight: Float32Array; bias?: Float32Array }

/**
 * Self-attention over (batch, seq, E) (or (seq, batch, E) unless batchFirst): q, k, v projections
 * (inProjWeight (3E, E), PyTorch's packed layout), per head softmax(q k^T / sqrt(D) [+ causal
 * mask]) v, and the output projection. With `block`: the TransformerEncoderLayer around it
 * (post-LN: norm1(x + attn(x)), norm2(. + ff(.)); pre-LN: x + attn(norm1(x)), . + ff(norm2(.))).
 * A causal mask needs the sequence length fixed in inputShape (the mask is a constant).
 */
export interface OnnxAttentionLayer {
  type: 'attention';
  embedDim: number;
  numHeads: number;
  batchFirst: boolean;
  causal: boolean;
  inProj: OnnxLinearWeights;
  outProj: OnnxLinearWeights;
  block?: {
    normFirst: boolean;
    activation: 'relu' | 'gelu';
    eps: number;
    dimFeedforward: number;
    linear1: OnnxLinearWeights;
    linear2: OnnxLinearWeights;
    norm1: { weight: Float32Array; bias: Float32Array };
    norm2: { weight: Float32Array; bias: Float32Array };
  };
}

function checkLinearWeights(v: unknown, where: string, outF: number, inF: number): void {
  assertPlainObject(v, where);
  const l = v as Record<string, unknown>;
  checkArray(l, 'weight', outF * inF, where, `${outF} x ${inF}`);
  if (l.bias !== undefined && l.bias !== null) checkArray(l, 'bias', outF, where, `${outF}`);
}

function checkAttentionLayer(l: Record<string, unknown>, where: string): void {
  assertPositiveInteger(l.embedDim, `${where}.embedDim`);
  assertPositiveInteger(l.numHeads, `${where}.numHeads`);
  const E = l.embedDim as number;
  if (E % (l.numHeads as number) !== 0) {
    throw new RangeError(expected(`embedDim divisible by numHeads (${l.numHeads as number})`, `${where}.embedDim`, `${E}`));
  }
  for (const key of ['batchFirst', 'causal']) if (typeof l[key] !== 'boolean') typeError('boolean', `${where}.${key}`, l[key]);
  checkLinearWeights(l.inProj, `${where}.inProj`, 3 * E, E);
  checkLinearWeights(l.outProj, `${where}.outProj`, E, E);
  if (l.block === undefined) return;
  assertPlainObject(l.block, `${where}.block`);
  const k = l.block as Record<string, unknown>;
  if (typeof k.normFirst !== 'boolean') typeError('boolean', `${where}.block.normFirst`, k.normFirst);
  assertOneOf(k.activation, `${where}.block.activation`, ['relu', 'gelu'] as const);
  assertFinite(k.eps, `${where}.block.eps`);
  assertPositiveInteger(k.dimFeedforward, `${where}.block.dimFeedforward`);
  const F = k.dimFeedforward as number;
  checkLinearWeights(k.linear1, `${where}.block.linear1`, F, E);
  checkLinearWeights(k.linear2, `${where}.block.linear2`, E, F);
  for (const n of ['norm1', 'norm2']) {
    assertPlainObject(k[n], `${where}.block.${n}`);
    checkArray(k[n] as Record<string, unknown>, 'weight', E, `${where}.block.${n}`, `${E}`);
    checkArray(k[n] as Record<string, unknown>, 'bias', E, `${where}.block.${n}`, `${E}`);
  }
}

function int64Init(b: Builder, name: string, values: number[]): string {
  const t = BigInt64Array.from(values, (v) => BigInt(v));
  b.initializers.push({ name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(t.buffer) });
  return name;
}

function emitAttention(b: Builder, layer: OnnxAttentionLayer, i: LayerPath, x: string, y: string, shape: Dim[]): Dim[] {
  const p = `layers.${i}`;
  const E = layer.embedDim, H = layer.numHeads, D = E / H;
  const last = shape[shape.length - 1];
  if (shape.length !== 3 || (typeof last === 'number' && last !== E)) {
    shapeMismatch(`layers[${i}]`, 'attention', `of rank 3 with last dimension ${E}`, shape);
  }
  const T = layer.batchFirst ? shape[1] : shape[0];
  if (layer.causal && typeof T !== 'number') {
    throw new RangeError(expected('a fixed sequence length in inputShape (the causal mask is a constant)', `layers[${i}] (attention)`,
      `shape ${fmtDims(shape)}`));
  }
  let n = 0;
  const tmp = (what: string): string => `${p}.${what}${n++}`;
  const op = (type: string, inputs: string[], what: string, attributes: OnnxAttribute[] = []): string => {
    const out = tmp(what);
    node(b, type, inputs, [out], out, attributes);
    return out;
  };
  /** x W^T (+ b) over the last axis, W given as (out, in). */
  const linear = (inp: string, w: OnnxLinearWeights, rows: [number, number], cols: number, name: string): string => {
    const [r0, r1] = rows;
    const outF = r1 - r0;
    const wt = new Float32Array(cols * outF);
    for (let o = 0; o < outF; o++) for (let k = 0; k < cols; k++) wt[k * outF + o] = w.weight[(r0 + o) * cols + k];
    const mm = op('MatMul', [inp, initializer(b, `${p}.${name}.weight_t`, [cols, outF], wt)], `${name}.matmul`);
    if (!w.bias) return mm;
    return op('Add', [mm, initializer(b, `${p}.${name}.bias`, [outF], w.bias.slice(r0, r1))], `${name}.add`);
  };
  const heads = int64Init(b, `${p}.headsShape`, [0, 0, H, D]);
  const merged = int64Init(b, `${p}.mergedShape`, [0, 0, E]);
  const attend = (inp: string): string => {
    const split = (k: number, perm: number[]): string =>
      op('Transpose', [op('Reshape', [linear(inp, layer.inProj, [k * E, (k + 1) * E], E, `proj${k}`), heads], 'heads')], 'perm',
        [ints('perm', perm)]);
    const q = split(0, [0, 2, 1, 3]), kT = split(1, [0, 2, 3, 1]), v = split(2, [0, 2, 1, 3]);
    let s = op('Mul', [op('MatMul', [q, kT], 'scores'), constant(b, 1 / Math.sqrt(D))], 'scaled');
    if (layer.causal) {
      const t = T as number;
      const mask = new Float32Array(t * t);
      for (let r = 0; r < t; r++) for (let c = r + 1; c < t; c++) mask[r * t + c] = -Infinity;
      s = op('Add', [s, initializer(b, `${p}.causalMask`, [t, t], mask)], 'masked');
    }
    const w = op('Softmax', [s], 'weights', [attr('axis', -1, 'int')]);
    const o = op('Transpose', [op('MatMul', [w, v], 'context')], 'unperm', [ints('perm', [0, 2, 1, 3])]);
    return linear(op('Reshape', [o, merged], 'merged'), layer.outProj, [0, E], E, 'out_proj');
  };
  let cur = x;
  if (!layer.batchFirst) cur = op('Transpose', [x], 'batchFirst', [ints('perm', [1, 0, 2])]);
  let res: string;
  const k = layer.block;
  if (!k) {
    res = attend(cur);
  } else {
    const norm = (inp: string, w: { weight: Float32Array; bias: Float32Array }, name: string): string =>
      op('LayerNormalization', [inp, initializer(b, `${p}.${name}.weight`, [E], w.weight), initializer(b, `${p}.${name}.bias`, [E], w.bias)],
        name, [attr('axis', -1, 'int'), attr('epsilon', k.eps, 'float')]);
    const ff = (inp: string): string => {
      const h = linear(inp, k.linear1, [0, k.dimFeedforward], E, 'linear1');
      let a: string;
      if (k.activation === 'relu') a = op('Relu', [h], 'relu');
      else if (b.opset >= 20) {
        a = tmp('gelu');
        b.nodes.push({ opType: 'Gelu', input: [h], output: [a], name: a, domain: '',
          attribute: [{ name: 'approximate', type: ATTR_STRING, s: new TextEncoder().encode('none') }] });
      } else {
        const e = op('Add', [op('Erf', [op('Div', [h, constant(b, Math.SQRT2)], 'geluScaled')], 'erf'), constant(b, 1)], 'erf1');
        a = op('Mul', [op('Mul', [h, e], 'xerf1'), constant(b, 0.5)], 'gelu');
      }
      return linear(a, k.linear2, [0, E], k.dimFeedforward, 'linear2');
    };
    if (k.normFirst) {
      const a = op('Add', [cur, attend(norm(cur, k.norm1, 'norm1'))], 'residual1');
      res = op('Add', [a, ff(norm(a, k.norm2, 'norm2'))], 'residual2');
    } else {
      const a = norm(op('Add', [cur, attend(cur)], 'residual1'), k.norm1, 'norm1');
      res = norm(op('Add', [a, ff(a)], 'residual2'), k.norm2, 'norm2');
    }
  }
  node(b, layer.batchFirst ? 'Identity' : 'Transpose', [res], [y], p, layer.batchFirst ? [] : [ints('perm', [1, 0, 2])]);
  return shape;
}

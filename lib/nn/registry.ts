/** Rebuilds modules from their configs (used by ng.io.load to restore a model with no code). */
import { Module, ModuleConfig } from './module';
import * as L from './layers';
import { Sequential } from './sequential';
import * as C from './conv';
import * as R from './recurrent';
import { Residual } from './residual';
import { EmbeddingBag } from './embedding-bag';
import * as TR from './transformer';
import { GPT } from './gpt';
import { expected, describe } from '../core/validate';

type Factory = (args: Record<string, any>, children: Module[]) => Module;

const factories: Record<string, Factory> = {
  Sequential: (_a, ch) => new Sequential(...ch),
  Linear: (a) => new L.Linear(a.inFeatures, a.outFeatures, { bias: a.bias }),
  ReLU: () => new L.ReLU(),
  Sigmoid: () => new L.Sigmoid(),
  Tanh: () => new L.Tanh(),
  GELU: (a) => new L.GELU(a.approximate),
  LeakyReLU: (a) => new L.LeakyReLU(a.negativeSlope),
  ELU: (a) => new L.ELU(a.alpha),
  SELU: () => new L.SELU(),
  SiLU: () => new L.SiLU(),
  Softplus: (a) => new L.Softplus(a.beta, a.threshold),
  Softmax: (a) => new L.Softmax(a.axis),
  LogSoftmax: (a) => new L.LogSoftmax(a.axis),
  Identity: () => new L.Identity(),
  Dropout: (a) => new L.Dropout(a.p),
  Flatten: (a) => new L.Flatten(a.startDim),
  LayerNorm: (a) => new L.LayerNorm(a.normalizedShape, a.eps),
  BatchNorm1d: (a) => new L.BatchNorm1d(a.numFeatures, { eps: a.eps, momentum: a.momentum }),
  Conv2d: (a) => new C.Conv2d(a.inChannels, a.outChannels, a.kernelSize,
    { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups, bias: a.bias }),
  Conv1d: (a) => new C.Conv1d(a.inChannels, a.outChannels, a.kernelSize,
    { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups, bias: a.bias }),
  ConvTranspose2d: (a) => new C.ConvTranspose2d(a.inChannels, a.outChannels, a.kernelSize, { stride: a.stride, padding: a.padding,
    outputPadding: a.outputPadding, dilation: a.dilation, groups: a.groups, bias: a.bias }),
  MaxPool2d: (a) => new C.MaxPool2d(a.kernelSize, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode }),
  AvgPool2d: (a) => new C.AvgPool2d(a.kernelSize, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad }),
  AdaptiveAvgPool2d: (a) => new C.AdaptiveAvgPool2d(a.outputSize),
  BatchNorm2d: (a) => new C.BatchNorm2d(a.numFeatures, { eps: a.eps, momentum: a.momentum, affine: a.affine }),
  Dropout2d: (a) => new C.Dropout2d(a.p),
  Unflatten: (a) => new C.Unflatten(a.dim, a.sizes),
  Upsample: (a) => new C.Upsample({ scaleFactor: a.scaleFactor, size: a.size, mode: a.mode, alignCorners: a.alignCorners }),
  LSTM: (a) => new R.LSTM(a.inputSize, a.hiddenSize, a),
  GRU: (a) => new R.GRU(a.inputSize, a.hiddenSize, a),
  RNN: (a) => new R.RNN(a.inputSize, a.hiddenSize, a),
  LSTMCell: (a) => new R.LSTMCell(a.inputSize, a.hiddenSize, { bias: a.bias }),
  GRUCell: (a) => new R.GRUCell(a.inputSize, a.hiddenSize, { bias: a.bias }),
  RNNCell: (a) => new R.RNNCell(a.inputSize, a.hiddenSize, { bias: a.bias, nonlinearity: a.nonlinearity }),
  Residual: (_a, ch) => new Residual(ch[0], ch[1] ?? null),
  MultiheadAttention: (a) => new TR.MultiheadAttention(a.embedDim, a.numHeads,
    { batchFirst: a.batchFirst, bias: a.bias, dropout: a.dropout, kdim: a.kdim, vdim: a.vdim }),
  TransformerEncoderLayer: (a) => new TR.TransformerEncoderLayer(a.dModel, a.nhead, { dimFeedforward: a.dimFeedforward,
    dropout: a.dropout, activation: a.activation, layerNormEps: a.layerNormEps, batchFirst: a.batchFirst, normFirst: a.normFirst, bias: a.bias }),
  GPTBlock: (a) => new TR.GPTBlock(a.dModel, a.nhead, { dimFeedforward: a.dimFeedforward, dropout: a.dropout,
    activation: a.activation, layerNormEps: a.layerNormEps, normFirst: a.normFirst, bias: a.bias }),
  LearnedPositionalEmbedding: (a) => new TR.LearnedPositionalEmbedding(a.maxLen, a.dim),
  SinusoidalPositionalEmbedding: (a) => new TR.SinusoidalPositionalEmbedding(a.maxLen, a.dim),
  GPT: (a) => new GPT(a as never),
  Embedding: (a) => new L.Embedding(a.numEmbeddings, a.embeddingDim, a.paddingIdx === undefined ? {} : { paddingIdx: a.paddingIdx }),
  // text (issue 14)
  EmbeddingBag: (a) => new EmbeddingBag(a.numEmbeddings, a.embeddingDim,
    { mode: a.mode, paddingIdx: a.paddingIdx, includeLastOffset: a.includeLastOffset }),
};

/** Registers a custom module type so saved models using it can be loaded. */
export function registerModule(type: string, factory: Factory): void {
  factories[type] = factory;
}

export function fromConfig(config: ModuleConfig): Module {
  if (config === null || typeof config !== 'object' || typeof config.type !== 'string') {
    throw new TypeError(expected('module config { type, args }', 'config', describe(config)));
  }
  const f = factories[config.type];
  if (!f) {
    throw new TypeError(`Expected a known module type for config.type but received "${config.type}" ` +
      `(known: ${Object.keys(factories).join(', ')}; use ng.nn.registerModule for custom modules)`);
  }
  const children = (config.children ?? []).map(fromConfig);
  return f(config.args ?? {}, children);
}

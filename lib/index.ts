/**
 * nodegrad: neural-network training for Node.js with native kernels.
 * `import * as ng from 'nodegrad'` (ESM) or `const ng = require('nodegrad')` (CommonJS).
 */
import './methods';

export * from './tensor';
export { backend, setNumThreads, getNumThreads, buildInfo, setSeed } from './core/runtime';
export type { Backend, BuildInfo } from './core/runtime';
export { getRngState, setRngState } from './core/seed';
export { autocast, getPrecision, bf16Native } from './core/precision';
export type { Precision } from './core/precision';
export { Rng } from './core/random';
export { noGrad, isGradEnabled, setGradEnabled } from './autograd/node';
export { backward } from './autograd/engine';
export {
  add, sub, mul, div, pow, neg, exp, log, sqrt, abs, square, clamp, clone, sum, mean, max, argmax, relu, leakyRelu, elu,
  selu, gelu, silu, sigmoid, tanh, softplus, hardswish, softmax, logSoftmax, matmul, linear, reshape, flatten, transpose, concat,
  slice, gather, layerNorm, batchNorm, dropout, embedding, bmm, multiHeadAttention,
} from './ops';
export type { AttentionOptions } from './ops';
// masks, dtype casts and composed reductions / shape ops (PyTorch names)
export { eq, ne, lt, le, gt, ge, where, cast, min, argmin, variance, variance as var, std, unsqueeze, squeeze, stack, log1p, sin, cos, permute,
  logsumexp, split, chunk, maximum, minimum, tril, triu, maskedFill } from './ops';
export type { VarOptions } from './ops';
export { conv2d, conv1d, convTranspose2d, upsampleNearest2d, upsampleBilinear2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, batchNorm2d, dropout2d } from './ops';
export type { Conv2dOptions, Conv1dOptions, ConvTranspose2dOptions, MaxPool2dOptions, AvgPool2dOptions, UpsampleBilinear2dOptions, Size2 } from './ops';
export { rnnLayer } from './ops';  // recurrent layers (i14-rnn)
export type { RnnMode, RnnDirectionWeights } from './ops';
export * as nn from './nn';
export * as init from './nn/init';
export * as optim from './optim';
export * as losses from './losses';
export * as data from './data';
export * as text from './text';
export { embeddingBag } from './ops'; // text (issue 14)
export type { BagMode, EmbeddingBagOptions } from './ops';
export * as io from './io';
export * as dist from './dist';
export * as cuda from './cuda';
export { device } from './cuda';
export type { DeviceDescriptor, CudaStatus } from './cuda';
export { Trainer, History, callbacks, metrics, ProgressLogger, plotHistory, writeReport, trainCharGPT } from './train';
export type { TrainerOptions, FitOptions, Callback, TrainerContext, CharGPTOptions, CharGPTResult } from './train';

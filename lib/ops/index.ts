/** Differentiable ops (also available as Tensor methods). */
export { add, sub, mul, div, pow, neg, exp, log, sqrt, abs, square, clamp, clone, log1p, sin, cos } from './elementwise';
export { sum, mean, max, argmax, min, argmin, variance, std, logsumexp } from './reduce';
export type { VarOptions } from './reduce';
export { relu, leakyRelu, elu, selu, gelu, silu, sigmoid, tanh, softplus, hardswish, softmax, logSoftmax } from './activations';
export { matmul, linear, LINEAR_ACTS } from './matmul';
export { reshape, flatten, unsqueeze, squeeze, permute, transpose, concat, stack, split, chunk, slice, gather } from './shape';
export { eq, ne, lt, le, gt, ge, where, cast, maximum, minimum, tril, triu, maskedFill } from './compare'; // masks and dtype casts
export { layerNorm, batchNorm, batchNorm2d } from './norm';
export { conv2d, conv1d, convTranspose2d, upsampleNearest2d, upsampleBilinear2d, maxPool2d, avgPool2d, adaptiveAvgPool2d } from './conv';
export type { Conv2dOptions, Conv1dOptions, ConvTranspose2dOptions, MaxPool2dOptions, AvgPool2dOptions, UpsampleBilinear2dOptions, Size2 } from './conv';
export { dropout, dropout2d } from './dropout';
export { embedding } from './embedding';
export { rnnLayer } from './recurrent';
export type { RnnMode, RnnDirectionWeights } from './recurrent';
export { embeddingBag } from './embedding-bag'; // text (issue 14)
export type { BagMode, EmbeddingBagOptions } from './embedding-bag';
export { bmm, multiHeadAttention } from './attention';
export type { AttentionOptions } from './attention';

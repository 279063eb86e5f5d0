export { Module } from './module';
export type { ModuleConfig } from './module';
export {
  Linear, Activation, ReLU, Sigmoid, Tanh, GELU, LeakyReLU, ELU, SELU, SiLU, Softplus, Softmax, LogSoftmax, Identity,
  Dropout, Flatten, LayerNorm, BatchNorm1d, Embedding,
} from './layers';
export type { ActivationName, LinearOptions } from './layers';
export { Conv2d, Conv1d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d, Dropout2d, Unflatten, Upsample } from './conv';
export type { Conv2dOptions, Conv1dOptions, ConvTranspose2dOptions, MaxPool2dOptions, AvgPool2dOptions, BatchNorm2dOptions } from './conv';
export { LSTM, GRU, RNN, LSTMCell, GRUCell, RNNCell, RNNBase, RNNCellBase } from './recurrent';
export type { RNNOptions, ElmanRNNOptions, RNNForwardOptions, RnnMode } from './recurrent';
export { Sequential } from './sequential';
export { Residual } from './residual';
export { EmbeddingBag } from './embedding-bag'; // text (issue 14)
export type { EmbeddingBagLayerOptions } from './embedding-bag';
export { MultiheadAttention, TransformerEncoderLayer, GPTBlock, LearnedPositionalEmbedding, SinusoidalPositionalEmbedding } from './transformer';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions, TransformerEncoderLayerOptions,
  TransformerEncoderLayerForwardOptions, GPTBlockOptions } from './transformer';
export { GPT } from './gpt';
export type { GPTConfig, GenerateOptions } from './gpt';
export { fromConfig, registerModule } from './registry';
export { packParameters } from './flat';
export * as functional from '../ops';
export { DistributedDataParallel } from '../dist/ddp';
export type { DDPOptions } from '../dist/ddp';

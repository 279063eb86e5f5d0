/**
 * Layers: Linear, activation modules, Dropout, BatchNorm1d, LayerNorm, Embedding, Flatten.
 * Each forward is one call into lib/ops (one native kernel, or a fused one).
 */
import { Module, ModuleConfig } from './module';
import { Tensor } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { assertTensor } from '../tensor/check';
import * as F from '../ops';
import * as init from './init';
import type { Nonlinearity, InitName } from './init';
import type { ActivationName } from '../ops/codes';
import { assertPositiveInteger, assertBoolean, assertNumberInRange, assertFinite, assertOneOf, assertInteger,
  shapeError, assertInitName } from './layer-args';

export type { ActivationName };

export interface LinearOptions {
  bias?: boolean;
  /** Weight initializer; default: PyTorch's (U(-1/sqrt(in), 1/sqrt(in))); Sequential picks He for ReLU layers. */
  init?: InitName;
}

/** y = x W^T + b with W shaped (out, in) like PyTorch. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** @internal whether the initializer was chosen by the user (Sequential may pick one otherwise). */
  readonly _explicitInit: boolean;

  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly opts: LinearOptions = {}) {
    super();
    assertPositiveInteger(inFeatures, 'inFeatures');
    assertPositiveInteger(outFeatures, 'outFeatures');
    const useBias = opts.bias ?? true;
    assertBoolean(useBias, 'bias');
    assertInitName(opts.init);
    this._explicitInit = opts.init !== undefined;
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = useBias ? this.registerParameter('bias', empty([outFeatures])) : null;
    this.resetParameters(opts.init);
  }

  /** Re-initializes: PyTorch's default, or a named initializer (bias = 0 then). */
  resetParameters(name?: InitName, nonlinearity?: Nonlinearity): void {
    const bound = 1 / Math.sqrt(this.inFeatures);
    if (name === undefined) {
      init.uniform(this.weight, { low: -bound, high: bound });
      if (this.bias) init.uniform(this.bias, { low: -bound, high: bound });
    } else {
      init.byName(name, this.weight, nonlinearity);
      if (this.bias) init.zeros(this.bias);
    }
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, 'none');
  }

  /** Forward with a fused activation (used by Sequential for Linear + activation pairs). */
  forwardWith(x: Tensor, act: ActivationName): Tensor {
    assertTensor(x, 'input', 'float32');
    const last = x.shape[x.shape.length - 1];
    if (x.shape.length < 1 || last !== this.inFeatures) {
      shapeError([...x.shape.slice(0, -1).map(() => null), this.inFeatures], 'input', x.shape);
    }
    return F.linear(x, this.weight, this.bias, act);
  }

  getConfig(): ModuleConfig {
    return { type: 'Linear', args: { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null } };
  }

  protected override extraRepr(): string {
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Base of parameter-free elementwise activation modules. */
export abstract class Activation extends Module {
  /** The fused-linear activation this module corresponds to, if any. */
  readonly fusable: ActivationName | null = null;

  getConfig(): ModuleConfig {
    return { type: this.constructor.name, args: {} };
  }
}

export class ReLU extends Activation {
  override readonly fusable = 'relu' as const;
  forward(x: Tensor): Tensor { return F.relu(x); }
}

export class Sigmoid extends Activation {
  override readonly fusable = 'sigmoid' as const;
  forward(x: Tensor): Tensor { return F.sigmoid(x); }
}

export class Tanh extends Activation {
  override readonly fusable = 'tanh' as const;
  forward(x: Tensor): Tensor { return F.tanh(x); }
}

export class GELU extends Activation {
  override readonly fusable: ActivationName;
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    assertOneOf(approximate, 'approximate', ['none', 'tanh'] as const);
    this.fusable = approximate === 'tanh' ? 'geluTanh' : 'gelu';
  }
  forward(x: Tensor): Tensor { return F.gelu(x, { approximate: this.approximate }); }
  override getConfig(): ModuleConfig { return { type: 'GELU', args: { approximate: this.approximate } }; }
}

export class LeakyReLU extends Activation {
  constructor(readonly negativeSlope = 0.01) {
    super();
    assertFinite(negativeSlope, 'negativeSlope');
  }
  forward(x: Tensor): Tensor { return F.leakyRelu(x, this.negativeSlope); }
  override getConfig(): ModuleConfig { return { type: 'LeakyReLU', args: { negativeSlope: this.negativeSlope } }; }
}

export class ELU extends Activation {
  constructor(readonly alpha = 1) {
    super();
    assertFinite(alpha, 'alpha');
  }
  forward(x: Tensor): Tensor { return F.elu(x, this.alpha); }
  override getConfig(): ModuleConfig { return { type: 'ELU', args: { alpha: this.alpha } }; }
}

export class SELU extends Activation {
  forward(x: Tensor): Tensor { return F.selu(x); }
}

export class SiLU extends Activation {
  forward(x: Tensor): Tensor { return F.silu(x); }
}

export class Softplus extends Activation {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
    assertFinite(beta, 'beta');
    assertFinite(threshold, 'threshold');
  }
  forward(x: Tensor): Tensor { return F.softplus(x, this.beta, this.threshold); }
  override getConfig(): ModuleConfig { return { type: 'Softplus', args: { beta: this.beta, threshold: this.threshold } }; }
}

export class Softmax extends Activation {
  constructor(readonly axis = -1) {
    super();
    assertInteger(axis, 'axis');
  }
  forward(x: Tensor): Tensor { return F.softmax(x, this.axis); }
  override getConfig(): ModuleConfig { return { type: 'Softmax', args: { axis: this.axis } }; }
}

export class LogSoftmax extends Activation {
  constructor(readonly axis = -1) {
    super();
    assertInteger(axis, 'axis');
  }
  forward(x: Tensor): Tensor { return F.logSoftmax(x, this.axis); }
  override getConfig(): ModuleConfig { return { type: 'LogSoftmax', args: { axis: this.axis } }; }
}

export class Identity extends Activation {
  forward(x: Tensor): Tensor { return x; }
}

/** Inverted dropout: active in training mode only; mask from the seeded stream. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    assertNumberInRange(p, 'p', 0, 1, { hiOpen: true });
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
  getConfig(): ModuleConfig { return { type: 'Dropout', args: { p: this.p } }; }
  protected override extraRepr(): string { return `p=${this.p}`; }
}

/** Flattens all dimensions from startDim on: (N, a, b) -> (N, a*b). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
    assertInteger(startDim, 'startDim');
  }
  forward(x: Tensor): Tensor {
    return F.flatten(x, this.startDim);
  }
  getConfig(): ModuleConfig { return { type: 'Flatten', args: { startDim: this.startDim } }; }
}

/** Layer normalization over the last dimension. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(readonly normalizedShape: number, readonly eps = 1e-5) {
    super();
    assertPositiveInteger(normalizedShape, 'normalizedShape');
    assertNumberInRange(eps, 'eps', 0, Infinity, { loOpen: true });
    this.weight = this.registerParameter('weight', init.ones(empty([normalizedShape])));
    this.bias = this.registerParameter('bias', init.zeros(empty([normalizedShape])));
  }

  forward(x: Tensor): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape[x.shape.length - 1] !== this.normalizedShape) {
      shapeError([...x.shape.slice(0, -1).map(() => null), this.normalizedShape], 'input', x.shape);
    }
    return F.layerNorm(x, this.weight, this.bias, this.eps);
  }

  getConfig(): ModuleConfig { return { type: 'LayerNorm', args: { normalizedShape: this.normalizedShape, eps: this.eps } }; }
  protected override extraRepr(): string { return `${this.normalizedShape}, eps=${this.eps}`; }
}

/** Batch normalization over (N, C) or (N, C, L) with running statistics. */
export class BatchNorm1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(readonly numFeatures: number, readonly opts: { eps?: number; momentum?: number } = {}) {
    super();
    assertPositiveInteger(numFeatures, 'numFeatures');
    const eps = opts.eps ?? 1e-5;
    const momentum = opts.momentum ?? 0.1;
    assertNumberInRange(eps, 'eps', 0, Infinity, { loOpen: true });
    assertNumberInRange(momentum, 'momentum', 0, 1);
    this.weight = this.registerParameter('weight', init.ones(empty([numFeatures])));
    this.bias = this.registerParameter('bias', init.zeros(empty([numFeatures])));
    this.runningMean = this.registerBuffer('runningMean', init.zeros(empty([numFeatures])));
    this.runningVar = this.registerBuffer('runningVar', init.ones(empty([numFeatures])));
  }

  get eps(): number { return this.opts.eps ?? 1e-5; }
  get momentum(): number { return this.opts.momentum ?? 0.1; }

  forward(x: Tensor): Tensor {
    assertTensor(x, 'input', 'float32');
    if ((x.shape.length !== 2 && x.shape.length !== 3) || x.shape[1] !== this.numFeatures) {
      shapeError([null, this.numFeatures], 'input', x.shape);
    }
    return F.batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.training, this.momentum, this.eps);
  }

  getConfig(): ModuleConfig {
    return { type: 'BatchNorm1d', args: { numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum } };
  }
  protected override extraRepr(): string { return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`; }
}

/** Lookup table: int32 indices (any shape) -> rows of a (numEmbeddings, dim) weight. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, readonly opts: { paddingIdx?: number } = {}) {
    super();
    assertPositiveInteger(numEmbeddings, 'numEmbeddings');
    assertPositiveInteger(embeddingDim, 'embeddingDim');
    if (opts.paddingIdx !== undefined) {
      assertInteger(opts.paddingIdx, 'paddingIdx');
      assertNumberInRange(opts.paddingIdx, 'paddingIdx', 0, numEmbeddings - 1);
    }
    this.weight = this.registerParameter('weight', init.normal(empty([numEmbeddings, embeddingDim])));
    if (opts.paddingIdx !== undefined) {
      (this.weight.data as Float32Array).fill(0, opts.paddingIdx * embeddingDim, (opts.paddingIdx + 1) * embeddingDim);
    }
  }

  forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight, this.opts.paddingIdx ?? -1);
  }

  getConfig(): ModuleConfig {
    const args: Record<string, unknown> = { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim };
    if (this.opts.paddingIdx !== undefined) args.paddingIdx = this.opts.paddingIdx;
    return { type: 'Embedding', args };
  }
  protected override extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}`; }
}

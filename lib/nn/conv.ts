/**
 * Image layers (NCHW, PyTorch's names and defaults): Conv2d, MaxPool2d, AvgPool2d,
 * AdaptiveAvgPool2d, BatchNorm2d, Dropout2d. Options objects carry what PyTorch passes by
 * keyword: new MaxPool2d(2, { stride: 2 }).
 */
import { Module, ModuleConfig } from './module';
import { Tensor } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { assertTensor } from '../tensor/check';
import * as F from '../ops';
import { pair, bilinearTarget, conv2dAddInto, conv2dGeometry, conv2dMaxPool2, samePadding } from '../ops/conv';
import { batchNormAct, batchNormAddRelu } from '../ops/norm';
import type { Size2 } from '../ops/conv';
import * as init from './init';
import type { Nonlinearity, InitName } from './init';
import { assertPositiveInteger, assertBoolean, assertNumberInRange, shapeError, assertInitName } from './layer-args';
import { describe, expected } from '../core/validate';

export interface Conv2dOptions {
  /** Default 1. */
  stride?: Size2;
  /** Zero padding on each side (default 0), or 'same' / 'valid'. */
  padding?: Size2 | 'same' | 'valid';
  /** Default 1. */
  dilation?: Size2;
  /** Default 1; inChannels for a depthwise convolution. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Weight initializer; default PyTorch's (U(-1/sqrt(fanIn), 1/sqrt(fanIn))); Sequential picks He for ReLU layers. */
  init?: InitName;
}

function checkPadding(p: unknown): Size2 | 'same' | 'valid' {
  if (p === 'same' || p === 'valid') return p;
  if (typeof p === 'string') throw new RangeError(expected("non-negative integer, [h, w], 'same' or 'valid'", 'padding', describe(p)));
  return pair(p, 'padding', 0);
}

/**
 * What Conv1d, Conv2d and ConvTranspose2d share: channel and groups checks, the weight
 * (outChannels, inChannels / groups, ...kernel), or (inChannels, outChannels / groups, ...kernel)
 * when transposed, the optional bias, PyTorch's default initialization (bound 1/sqrt(fanIn)
 * with fanIn = weight dim 1 x kernel size, which is PyTorch's rule for both layouts).
 */
export abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly groups: number;
  /** @internal whether the initializer was chosen by the user (Sequential may pick one otherwise). */
  readonly _explicitInit: boolean;

  /** transposed: the weight is (inChannels, outChannels / groups, ...kernel) (ConvTranspose). */
  constructor(readonly inChannels: number, readonly outChannels: number, kernel: readonly number[],
    opts: { groups?: number; bias?: boolean; init?: InitName }, transposed = false) {
    super();
    assertPositiveInteger(inChannels, 'inChannels');
    assertPositiveInteger(outChannels, 'outChannels');
    this.groups = opts.groups ?? 1;
    assertPositiveInteger(this.groups, 'groups');
    for (const [v, name] of [[inChannels, 'inChannels'], [outChannels, 'outChannels']] as const) {
      if (v % this.groups !== 0) throw new RangeError(expected(`a multiple of groups (${this.groups})`, name, String(v)));
    }
    const useBias = opts.bias ?? true;
    assertBoolean(useBias, 'bias');
    assertInitName(opts.init);
    this._explicitInit = opts.init !== undefined;
    const wshape = transposed ? [inChannels, outChannels / this.groups, ...kernel] : [outChannels, inChannels / this.groups, ...kernel];
    this.weight = this.registerParameter('weight', empty(wshape));
    this.bias = useBias ? this.registerParameter('bias', empty([outChannels])) : null;
    this.resetParameters(opts.init);
  }

  /** Re-initializes: PyTorch's default, or a named initializer (bias = 0 then). */
  resetParameters(name?: InitName, nonlinearity?: Nonlinearity): void {
    init.layerDefault(this.weight, this.bias, name, nonlinearity);
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, 'none');
  }

  /** Forward with relu fused into the GEMM epilogue (used by Sequential for Conv + ReLU). */
  abstract forwardWith(x: Tensor, activation: 'none' | 'relu'): Tensor;
}

/** 2-D convolution over (N, C, H, W): weight (outChannels, inChannels / groups, KH, KW), bias (outChannels). */
export class Conv2d extends ConvNd {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, opts: Conv2dOptions = {}) {
    const k = pair(kernelSize, 'kernelSize', 1);
    super(inChannels, outChannels, k, opts);
    this.kernelSize = k;
    this.stride = pair(opts.stride ?? 1, 'stride', 1);
    this.dilation = pair(opts.dilation ?? 1, 'dilation', 1);
    const p = checkPadding(opts.padding ?? 0);
    this.padding = typeof p === 'string' ? p : pair(p, 'padding', 0);
    if (p === 'same') samePadding(k, this.stride, this.dilation);
  }

  forwardWith(x: Tensor, activation: 'none' | 'relu'): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) shapeError([null, this.inChannels, null, null], 'input', x.shape);
    return F.conv2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, activation,
    });
  }

  /**
   * @internal Inference (CPU, nothing recorded): MaxPool2d(2) of forwardWith(x, activation) as one
   * kernel (used by Sequential for Conv2d (+ ReLU) + MaxPool2d(2)).
   */
  forwardMaxPool2(x: Tensor, activation: 'none' | 'relu'): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) shapeError([null, this.inChannels, null, null], 'input', x.shape);
    return conv2dMaxPool2(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, activation,
    });
  }

  /** @internal The output shape of forward(x) (throws as forward does on a bad input). */
  outputShape(x: Tensor): number[] {
    return conv2dGeometry(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups,
    }).outShape;
  }

  /**
   * @internal Eval-mode Conv2d followed by BatchNorm2d as ONE convolution (used by Sequential when
   * nothing is recorded for autograd): the normalization by the running statistics is folded
   * into copies of the weight and bias, w * k and (b - mean) k + beta with
   * k = gamma / sqrt(runningVar + eps), and relu runs in the GEMM epilogue. The copies are made
   * per call (a few thousand multiplies), so they never go stale when parameters or statistics
   * change, and they are freed before returning. With `into` (inference, CPU): into =
   * activation(into + the folded convolution), in place (a residual block's last conv adding onto
   * its shortcut), and `into` is returned. With `maxPool2` (inference, CPU): MaxPool2d(2) of
   * the result, in the same kernel.
   */
  forwardFoldedBn(x: Tensor, bn: BatchNorm2d, activation: 'none' | 'relu', into: Tensor | null = null, maxPool2 = false): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) shapeError([null, this.inChannels, null, null], 'input', x.shape);
    if (bn.numFeatures !== this.outChannels) {
      throw new RangeError(expected(`a BatchNorm2d over ${this.outChannels} channels after this Conv2d`, 'bn', `BatchNorm2d(${bn.numFeatures})`));
    }
    const [wf, bf] = this.foldBn(bn);
    try {
      const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, activation };
      if (into) return conv2dAddInto(into, x, wf, bf, options);
      return maxPool2 ? conv2dMaxPool2(x, wf, bf, options) : F.conv2d(x, wf, bf, options);
    } finally {
      wf.dispose();
      bf.dispose();
    }
  }

  /** @internal The weight and bias of this convolution followed by `bn` in eval mode (new tensors: the caller disposes them). */
  foldBn(bn: BatchNorm2d): [Tensor, Tensor] {
    const OC = this.outChannels;
    const per = this.weight.size / OC;
    const wf = empty(this.weight.shape);
    const bf = empty([OC]);
    const w = this.weight.data as Float32Array;
    const b = this.bias ? (this.bias.data as Float32Array) : null;
    const mean = bn.runningMean.data as Float32Array;
    const rv = bn.runningVar.data as Float32Array;
    const gamma = bn.weight ? (bn.weight.data as Float32Array) : null;
    const beta = bn.bias ? (bn.bias.data as Float32Array) : null;
    const wo = wf.data as Float32Array;
    const bo = bf.data as Float32Array;
    const f = Math.fround;
    for (let o = 0; o < OC; o++) {
      // as the BatchNorm kernel rounds: rstd = 1 / sqrtf(var + eps), k = gamma * rstd
      const rstd = f(1 / f(Math.sqrt(f(rv[o] + bn.eps))));
      const k = gamma ? f(gamma[o] * rstd) : rstd;
      for (let i = o * per; i < (o + 1) * per; i++) wo[i] = w[i] * k;
      bo[o] = f((b ? b[o] : 0) - mean[o]) * k + (beta ? beta[o] : 0);
    }
    return [wf, bf];
  }

  /**
   * @internal For the residual block kernels: [radiusH, radiusW, stride] when the kernel is odd
   * ((2 radius + 1) wide), the padding is the radius, the stride is the same along H and W, with
   * dilation 1 and one group (the output is then ceil(H / stride) x ceil(W / stride)); else null.
   */
  blockGeometry(): [number, number, number] | null {
    const [KH, KW] = this.kernelSize;
    if (this.stride[0] !== this.stride[1] || this.dilation[0] !== 1 || this.dilation[1] !== 1 || this.groups !== 1 ||
      KH % 2 === 0 || KW % 2 === 0) return null;
    const r: [number, number, number] = [(KH - 1) / 2, (KW - 1) / 2, this.stride[0]];
    if (this.padding === 'same') return r[2] === 1 ? r : null;  // 'same' with a stride: conv2d's error
    if (this.padding === 'valid') return KH === 1 && KW === 1 ? r : null;
    return this.padding[0] === r[0] && this.padding[1] === r[1] ? r : null;
  }

  getConfig(): ModuleConfig {
    return {
      type: 'Conv2d',
      args: {
        inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
        padding: this.padding, dilation: this.dilation, groups: this.groups, bias: this.bias !== null,
      },
    };
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], ` +
      `padding=${typeof this.padding === 'string' ? this.padding : `[${this.padding}]`}` +
      (this.dilation[0] * this.dilation[1] > 1 ? `, dilation=[${this.dilation}]` : '') +
      (this.groups > 1 ? `, groups=${this.groups}` : '') + `, bias=${this.bias !== null}`;
  }
}

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
  ceilMode?: boolean;
}

function checkCeil(v: unknown): boolean {
  const c = v ?? false;
  assertBoolean(c, 'ceilMode');
  return c;
}

export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: Size2, opts: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = pair(kernelSize, 'kernelSize', 1);
    this.stride = opts.stride === undefined || opts.stride === null ? this.kernelSize : pair(opts.stride, 'stride', 1);
    this.padding = pair(opts.padding ?? 0, 'padding', 0);
    this.dilation = pair(opts.dilation ?? 1, 'dilation', 1);
    this.ceilMode = checkCeil(opts.ceilMode);
  }

  /** @internal MaxPool2d(2): 2x2 windows, stride 2, no padding or dilation, floor mode. */
  get plain2x2(): boolean {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    return kh === 2 && kw === 2 && sh === 2 && sw === 2 && this.padding[0] === 0 && this.padding[1] === 0 &&
      this.dilation[0] === 1 && this.dilation[1] === 1 && !this.ceilMode;
  }

  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  getConfig(): ModuleConfig {
    return { type: 'MaxPool2d', args: { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode } };
  }
  protected override extraRepr(): string {
    return `kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}], ceilMode=${this.ceilMode}`;
  }
}

export interface AvgPool2dOptions {
  stride?: Size2;
  padding?: Size2;
  ceilMode?: boolean;
  /** Default true (PyTorch). */
  countIncludePad?: boolean;
}

export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Size2, opts: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = pair(kernelSize, 'kernelSize', 1);
    this.stride = opts.stride === undefined || opts.stride === null ? this.kernelSize : pair(opts.stride, 'stride', 1);
    this.padding = pair(opts.padding ?? 0, 'padding', 0);
    this.ceilMode = checkCeil(opts.ceilMode);
    this.countIncludePad = opts.countIncludePad ?? true;
    assertBoolean(this.countIncludePad, 'countIncludePad');
  }

  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  getConfig(): ModuleConfig {
    return { type: 'AvgPool2d', args: { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad } };
  }
  protected override extraRepr(): string {
    return `kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}]`;
  }
}

/** Adaptive average pooling to a fixed output size (null keeps that input size); 1 is global average pooling. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number | null, number | null];

  constructor(outputSize: number | readonly [number | null, number | null]) {
    super();
    if (Array.isArray(outputSize)) {
      if (outputSize.length !== 2) throw new RangeError(expected('a number or [h, w]', 'outputSize', describe(outputSize)));
      outputSize.forEach((v, i) => { if (v !== null) pair(v, `outputSize[${i}]`, 1); });
    } else {
      pair(outputSize, 'outputSize', 1);
    }
    const o: [number | null, number | null] = Array.isArray(outputSize) ? [outputSize[0], outputSize[1]] : [outputSize as number, outputSize as number];
    this.outputSize = o;
  }

  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  /** True when this pools every plane to one value (ONNX GlobalAveragePool). */
  get isGlobal(): boolean {
    return this.outputSize[0] === 1 && this.outputSize[1] === 1;
  }

  getConfig(): ModuleConfig {
    return { type: 'AdaptiveAvgPool2d', args: { outputSize: this.outputSize } };
  }
  protected override extraRepr(): string {
    return `outputSize=[${this.outputSize.map((v) => (v === null ? 'null' : v))}]`;
  }
}

export interface BatchNorm2dOptions {
  eps?: number;
  momentum?: number;
  /** Learnable weight and bias (default true). */
  affine?: boolean;
}

/** Batch normalization of (N, C, H, W) per channel, with runningMean / runningVar buffers. */
export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, opts: BatchNorm2dOptions = {}) {
    super();
    assertPositiveInteger(numFeatures, 'numFeatures');
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    assertNumberInRange(this.eps, 'eps', 0, Infinity, { loOpen: true });
    assertNumberInRange(this.momentum, 'momentum', 0, 1);
    const affine = opts.affine ?? true;
    assertBoolean(affine, 'affine');
    this.weight = affine ? this.registerParameter('weight', init.ones(empty([numFeatures]))) : null;
    this.bias = affine ? this.registerParameter('bias', init.zeros(empty([numFeatures]))) : null;
    this.runningMean = this.registerBuffer('runningMean', init.zeros(empty([numFeatures])));
    this.runningVar = this.registerBuffer('runningVar', init.ones(empty([numFeatures])));
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, 'none');
  }

  /** BatchNorm2d then an activation: 'relu' runs both as one kernel (Sequential fuses BatchNorm2d + ReLU). */
  forwardWith(x: Tensor, activation: 'none' | 'relu'): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 4 || x.shape[1] !== this.numFeatures) shapeError([null, this.numFeatures, null, null], 'input', x.shape);
    return batchNormAct(x, this.runningMean, this.runningVar, this.weight, this.bias, this.training, this.momentum, this.eps,
      activation);
  }

  /** @internal max(this(x) + residual, 0) as one op (a residual block's join; see ops batchNormAddRelu). */
  forwardAddRelu(x: Tensor, residual: Tensor): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 4 || x.shape[1] !== this.numFeatures) shapeError([null, this.numFeatures, null, null], 'input', x.shape);
    assertTensor(residual, 'residual', 'float32');
    return batchNormAddRelu(x, residual, this.runningMean, this.runningVar, this.weight, this.bias, this.training,
      this.momentum, this.eps);
  }

  getConfig(): ModuleConfig {
    return { type: 'BatchNorm2d', args: { numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.weight !== null } };
  }
  protected override extraRepr(): string { return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}`; }
}

/** Channel dropout: zeroes whole (n, c) planes with probability p in training mode. */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    assertNumberInRange(p, 'p', 0, 1, { hiOpen: true });
  }
  forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }
  getConfig(): ModuleConfig { return { type: 'Dropout2d', args: { p: this.p } }; }
  protected override extraRepr(): string { return `p=${this.p}`; }
}

/**
 * Splits dimension `dim` into `sizes` (PyTorch's nn.Unflatten): new Unflatten(1, [1, 28, 28])
 * turns rows of 784 pixels into (N, 1, 28, 28) images. A view: no copy.
 */
export class Unflatten extends Module {
  readonly sizes: number[];

  constructor(readonly dim: number, sizes: readonly number[]) {
    super();
    if (!Number.isInteger(dim) || dim < 0) throw new RangeError(expected('non-negative integer', 'dim', describe(dim)));
    if (!Array.isArray(sizes) || sizes.length === 0) throw new TypeError(expected('non-empty array of positive integers', 'sizes', describe(sizes)));
    sizes.forEach((s, i) => assertPositiveInteger(s, `sizes[${i}]`));
    this.sizes = sizes.slice();
  }

  forward(x: Tensor): Tensor {
    assertTensor(x, 'input');
    const n = this.sizes.reduce((a, b) => a * b, 1);
    if (x.shape.length <= this.dim || x.shape[this.dim] !== n) {
      shapeError([...Array.from({ length: this.dim }, () => null), n], 'input', x.shape);
    }
    return F.reshape(x, [...x.shape.slice(0, this.dim), ...this.sizes, ...x.shape.slice(this.dim + 1)]);
  }

  getConfig(): ModuleConfig { return { type: 'Unflatten', args: { dim: this.dim, sizes: this.sizes } }; }
  protected override extraRepr(): string { return `dim=${this.dim}, sizes=[${this.sizes}]`; }
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  init?: InitName;
}

/** 1-D convolution over (N, C, L): weight (outChannels, inChannels / groups, kernelSize), bias (outChannels). */
export class Conv1d extends ConvNd {
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;

  constructor(inChannels: number, outChannels: number, readonly kernelSize: number, opts: Conv1dOptions = {}) {
    assertPositiveInteger(kernelSize, 'kernelSize');
    super(inChannels, outChannels, [kernelSize], opts);
    this.stride = opts.stride ?? 1;
    assertPositiveInteger(this.stride, 'stride');
    this.dilation = opts.dilation ?? 1;
    assertPositiveInteger(this.dilation, 'dilation');
    const p = opts.padding ?? 0;
    if (Array.isArray(p)) throw new TypeError(expected("a number, 'same' or 'valid'", 'padding', describe(p)));
    if (p !== 'same' && p !== 'valid') pair(p, 'padding', 0);
    if (p === 'same') samePadding([kernelSize], [this.stride], [this.dilation]);
    this.padding = p;
  }

  forwardWith(x: Tensor, activation: 'none' | 'relu'): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 3 || x.shape[1] !== this.inChannels) shapeError([null, this.inChannels, null], 'input', x.shape);
    return F.conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, activation });
  }

  getConfig(): ModuleConfig {
    return {
      type: 'Conv1d',
      args: { inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
        padding: this.padding, dilation: this.dilation, groups: this.groups, bias: this.bias !== null },
    };
  }
  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

export interface ConvTranspose2dOptions extends F.ConvTranspose2dOptions {
  /** Default true. */
  bias?: boolean;
  init?: InitName;
}

/**
 * Transposed 2-D convolution (upsampling by stride): weight (inChannels, outChannels / groups,
 * KH, KW) like PyTorch, bias (outChannels); PyTorch's default initialization.
 */
export class ConvTranspose2d extends ConvNd {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, opts: ConvTranspose2dOptions = {}) {
    const k = pair(kernelSize, 'kernelSize', 1);
    super(inChannels, outChannels, k, opts, true);
    this.kernelSize = k;
    this.stride = pair(opts.stride ?? 1, 'stride', 1);
    this.padding = pair(opts.padding ?? 0, 'padding', 0);
    this.outputPadding = pair(opts.outputPadding ?? 0, 'outputPadding', 0);
    this.dilation = pair(opts.dilation ?? 1, 'dilation', 1);
  }

  /** relu is applied after the transposed convolution (not fused: its output is a col2im sum). */
  forwardWith(x: Tensor, activation: 'none' | 'relu'): Tensor {
    const y = this.forwardTransposed(x);
    return activation === 'relu' ? F.relu(y) : y;
  }

  private forwardTransposed(x: Tensor): Tensor {
    assertTensor(x, 'input', 'float32');
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) shapeError([null, this.inChannels, null, null], 'input', x.shape);
    return F.convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding,
      outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups });
  }

  getConfig(): ModuleConfig {
    return {
      type: 'ConvTranspose2d',
      args: { inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
        padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups, bias: this.bias !== null },
    };
  }
  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}]`;
  }
}

/**
 * Upsampling of (N, C, H, W) images (PyTorch's nn.Upsample). mode 'nearest' (default): by
 * whole-number scale factors. mode 'bilinear': by positive scale factors (output floor(H x s)) or
 * to a given size, with alignCorners (default false, PyTorch's default) choosing half-pixel
 * centres or corner-aligned coordinates.
 */
export class Upsample extends Module {
  /** [sh, sw], or null when a size was given (bilinear only). */
  readonly scaleFactor: [number, number] | null;
  /** [OH, OW], or null when a scale factor was given. */
  readonly size: [number, number] | null;
  readonly mode: 'nearest' | 'bilinear';
  readonly alignCorners: boolean;

  constructor(opts: { scaleFactor?: number | readonly [number, number]; size?: Size2; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean }) {
    super();
    if (opts === null || typeof opts !== 'object') throw new TypeError(expected('{ scaleFactor | size, mode?, alignCorners? }', 'options', describe(opts)));
    const mode = opts.mode ?? 'nearest';
    if (mode !== 'nearest' && mode !== 'bilinear') throw new RangeError(expected("'nearest' or 'bilinear'", 'mode', describe(mode)));
    this.mode = mode;
    const align = opts.alignCorners ?? false;
    assertBoolean(align, 'alignCorners');
    if (mode === 'nearest') {
      if (opts.size !== undefined && opts.size !== null) {
        throw new RangeError(expected("scaleFactor (mode 'nearest' takes whole-number scale factors)", 'size', describe(opts.size)));
      }
      if (align) throw new RangeError(expected("alignCorners false with mode 'nearest' (as PyTorch)", 'alignCorners', describe(align)));
      this.scaleFactor = pair(opts.scaleFactor, 'scaleFactor', 1);
      this.size = null;
    } else {
      const t = bilinearTarget(opts);
      this.scaleFactor = t.scaleFactor;
      this.size = t.size;
    }
    this.alignCorners = align;
  }

  forward(x: Tensor): Tensor {
    if (this.mode === 'nearest') return F.upsampleNearest2d(x, this.scaleFactor as [number, number]);
    return F.upsampleBilinear2d(x, this.size ? { size: this.size, alignCorners: this.alignCorners }
      : { scaleFactor: this.scaleFactor as [number, number], alignCorners: this.alignCorners });
  }

  getConfig(): ModuleConfig {
    const args: Record<string, unknown> = { mode: this.mode };
    if (this.scaleFactor) args.scaleFactor = this.scaleFactor;
    if (this.size) args.size = this.size;
    if (this.mode === 'bilinear') args.alignCorners = this.alignCorners;
    return { type: 'Upsample', args };
  }

  protected override extraRepr(): string {
    const what = this.size ? `size=[${this.size}]` : `scaleFactor=[${this.scaleFactor}]`;
    return `${what}, mode=${this.mode}${this.mode === 'bilinear' ? `, alignCorners=${this.alignCorners}` : ''}`;
  }
}

/**
 * Tensor methods for the ops (x.add(y), x.matmul(w).relu(), loss.backward(), ...). Attached
 * here, above lib/ops and lib/autograd, so lib/tensor imports neither (no import cycle).
 */
import { Tensor } from './tensor/tensor';
import * as ops from './ops';
import { backward } from './autograd/engine';
import { assertBoolean } from './core/validate';

declare module './tensor/tensor' {
  interface Tensor {
    add(other: Tensor | number): Tensor;
    sub(other: Tensor | number): Tensor;
    mul(other: Tensor | number): Tensor;
    div(other: Tensor | number): Tensor;
    pow(exponent: number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    log1p(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    clamp(min?: number, max?: number): Tensor;
    sum(axis?: number | readonly number[], keepdim?: boolean): Tensor;
    mean(axis?: number | readonly number[], keepdim?: boolean): Tensor;
    max(axis?: number, keepdim?: boolean): Tensor;
    argmax(axis?: number, keepdim?: boolean): Tensor;
    min(axis?: number, keepdim?: boolean): Tensor;
    argmin(axis?: number, keepdim?: boolean): Tensor;
    /** Variance (unbiased by default: correction 1, as torch.var). */
    var(axis?: number, opts?: ops.VarOptions): Tensor;
    /** Standard deviation (unbiased by default, as torch.std). */
    std(axis?: number, opts?: ops.VarOptions): Tensor;
    /** Elementwise comparisons: float32 masks of 1 / 0 (pred.argmax(-1).eq(y).mean() is the accuracy). */
    eq(other: Tensor | number): Tensor;
    ne(other: Tensor | number): Tensor;
    lt(other: Tensor | number): Tensor;
    le(other: Tensor | number): Tensor;
    gt(other: Tensor | number): Tensor;
    ge(other: Tensor | number): Tensor;
    /** This tensor as float32: itself when it is float32 already (as in PyTorch), else a converted copy. */
    float(): Tensor;
    /** This tensor as int32 (toward zero): itself when it is int32 already, else a converted copy. */
    int(): Tensor;
    unsqueeze(axis: number): Tensor;
    squeeze(axis?: number): Tensor;
    /** Alias of reshape (a view, as torch.Tensor.view on a contiguous tensor). */
    view(shape: readonly number[]): Tensor;
    logsumexp(axis?: number, keepdim?: boolean): Tensor;
    split(sizes: number | readonly number[], axis?: number): Tensor[];
    chunk(chunks: number, axis?: number): Tensor[];
    maximum(other: Tensor | number): Tensor;
    minimum(other: Tensor | number): Tensor;
    /** value where mask is non-zero (as torch.Tensor.masked_fill). */
    maskedFill(mask: Tensor, value: number): Tensor;
    tril(diagonal?: number): Tensor;
    triu(diagonal?: number): Tensor;
    /** The number of elements (as torch.Tensor.numel(); also the `size` property). */
    numel(): number;
    /** The number of dimensions (as torch.Tensor.ndim; also `rank`). */
    readonly ndim: number;
    /** The number of dimensions (as torch.Tensor.dim()). */
    dim(): number;
    /** Alias of toArray() (as torch.Tensor.tolist()). */
    tolist(): any;
    matmul(other: Tensor): Tensor;
    relu(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    elu(alpha?: number): Tensor;
    selu(): Tensor;
    gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor;
    silu(): Tensor;
    hardswish(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softplus(beta?: number, threshold?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(startDim?: number): Tensor;
    /** Swaps two dimensions (the last two by default). */
    transpose(dim0?: number, dim1?: number): Tensor;
    /** Axes reordered: x.permute(0, 2, 1) or x.permute([0, 2, 1]) (as torch.Tensor.permute). */
    permute(...dims: number[] | [readonly number[]]): Tensor;
    /** Alias of transpose() for 2-D tensors. */
    readonly T: Tensor;
    slice(start: number, end?: number, axis?: number): Tensor;
    gather(indices: Tensor | Int32Array): Tensor;
    clone(): Tensor;
    /** A tensor sharing this data but cut from the graph (no grad). */
    detach(): Tensor;
    /** Sets requiresGrad in place and returns this tensor. */
    requiresGrad_(on?: boolean): Tensor;
    /** Backpropagates from this tensor (scalar, or with an explicit gradient). */
    backward(gradient?: Tensor): void;
  }
}

const P = Tensor.prototype;
P.add = function (o) { return ops.add(this, o); };
P.sub = function (o) { return ops.sub(this, o); };
P.mul = function (o) { return ops.mul(this, o); };
P.div = function (o) { return ops.div(this, o); };
P.pow = function (e) { return ops.pow(this, e); };
P.neg = function () { return ops.neg(this); };
P.exp = function () { return ops.exp(this); };
P.log = function () { return ops.log(this); };
P.sqrt = function () { return ops.sqrt(this); };
P.abs = function () { return ops.abs(this); };
P.square = function () { return ops.square(this); };
P.log1p = function () { return ops.log1p(this); };
P.sin = function () { return ops.sin(this); };
P.cos = function () { return ops.cos(this); };
P.clamp = function (min, max) { return ops.clamp(this, min, max); };
P.sum = function (axis, keepdim) { return ops.sum(this, axis, keepdim); };
P.mean = function (axis, keepdim) { return ops.mean(this, axis, keepdim); };
P.max = function (axis, keepdim) { return ops.max(this, axis, keepdim); };
P.argmax = function (axis, keepdim) { return ops.argmax(this, axis, keepdim); };
P.min = function (axis, keepdim) { return ops.min(this, axis, keepdim); };
P.argmin = function (axis, keepdim) { return ops.argmin(this, axis, keepdim); };
P.var = function (axis, opts) { return ops.variance(this, axis, opts); };
P.std = function (axis, opts) { return ops.std(this, axis, opts); };
P.eq = function (o) { return ops.eq(this, o); };
P.ne = function (o) { return ops.ne(this, o); };
P.lt = function (o) { return ops.lt(this, o); };
P.le = function (o) { return ops.le(this, o); };
P.gt = function (o) { return ops.gt(this, o); };
P.ge = function (o) { return ops.ge(this, o); };
P.float = function () { return this.dtype === 'float32' ? this : ops.cast(this, 'float32'); };
P.int = function () { return this.dtype === 'int32' ? this : ops.cast(this, 'int32'); };
P.unsqueeze = function (axis) { return ops.unsqueeze(this, axis); };
P.squeeze = function (axis) { return ops.squeeze(this, axis); };
P.view = function (shape) { return ops.reshape(this, shape); };
P.logsumexp = function (axis, keepdim) { return ops.logsumexp(this, axis, keepdim); };
P.split = function (sizes, axis) { return ops.split(this, sizes, axis); };
P.chunk = function (chunks, axis) { return ops.chunk(this, chunks, axis); };
P.maximum = function (o) { return ops.maximum(this, o); };
P.minimum = function (o) { return ops.minimum(this, o); };
P.maskedFill = function (mask, value) { return ops.maskedFill(this, mask, value); };
P.tril = function (d) { return ops.tril(this, d); };
P.triu = function (d) { return ops.triu(this, d); };
P.numel = function () { return this.size; };
Object.defineProperty(P, 'ndim', { get(this: Tensor) { return this.rank; }, configurable: true });
P.dim = function () { return this.rank; };
P.tolist = function () { return this.toArray(); };
P.matmul = function (o) { return ops.matmul(this, o); };
P.relu = function () { return ops.relu(this); };
P.leakyRelu = function (s) { return ops.leakyRelu(this, s); };
P.elu = function (a) { return ops.elu(this, a); };
P.selu = function () { return ops.selu(this); };
P.gelu = function (o) { return ops.gelu(this, o); };
P.silu = function () { return ops.silu(this); };
P.hardswish = function () { return ops.hardswish(this); };
P.sigmoid = function () { return ops.sigmoid(this); };
P.tanh = function () { return ops.tanh(this); };
P.softplus = function (b, t) { return ops.softplus(this, b, t); };
P.softmax = function (axis) { return ops.softmax(this, axis); };
P.logSoftmax = function (axis) { return ops.logSoftmax(this, axis); };
P.reshape = function (shape) { return ops.reshape(this, shape); };
P.flatten = function (startDim) { return ops.flatten(this, startDim); };
P.transpose = function (dim0, dim1) { return ops.transpose(this, dim0, dim1); };
P.permute = function (...dims) { return ops.permute(this, Array.isArray(dims[0]) ? dims[0] as readonly number[] : dims as number[]); };
Object.defineProperty(P, 'T', { get(this: Tensor) { return ops.transpose(this); }, configurable: true });
P.slice = function (start, end, axis) { return ops.slice(this, start, end, axis); };
P.gather = function (idx) { return ops.gather(this, idx); };
P.clone = function () { return ops.clone(this); };
P.detach = function () {
  const t = this._viewAs(this.shape);
  t.requiresGrad = false;
  return t;
};
P.requiresGrad_ = function (on = true) {
  assertBoolean(on, 'requiresGrad');
  if (on && this.dtype !== 'float32') throw new TypeError('Expected float32 Tensor for requiresGrad_ but received int32 Tensor');
  this.requiresGrad = on;
  return this;
};
P.backward = function (gradient) { backward(this, gradient); };

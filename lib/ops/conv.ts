/**
 * Convolution and pooling ops on NCHW tensors, with PyTorch's conventions (F.conv2d,
 * F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d): cross-correlation, zero padding on both
 * sides, output size floor((H + 2 pad - dilation (k - 1) - 1) / stride) + 1 (ceil in ceilMode).
 */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor, needsGrad } from './util';
import { reshape } from './shape';
import { add, mul } from './elementwise';
import { describe, expected, fmtShape, rangeError, typeError } from '../core/validate';

/** One size per spatial dim: a number (both) or [h, w]. */
export type Size2 = number | readonly [number, number];

export interface Conv2dOptions {
  /** Default 1. */
  stride?: Size2;
  /** Zero padding on each side (default 0); 'valid' is 0, 'same' keeps H x W (stride 1 only). */
  padding?: Size2 | 'same' | 'valid';
  /** Default 1. */
  dilation?: Size2;
  /** Input and output channels split into this many groups (default 1; C for depthwise). */
  groups?: number;
  /** Fused into the GEMM epilogue (default 'none'). */
  activation?: 'none' | 'relu';
}

/** [h, w] from a number or a pair of integers >= lo; names the argument on error. */
export function pair(v: unknown, name: string, lo: number): [number, number] {
  const what = lo === 0 ? 'non-negative integer' : 'positive integer';
  const one = (x: unknown, n: string): number => {
    if (typeof x !== 'number') typeError(`${what} or [${what}, ${what}]`, n, x);
    if (!Number.isInteger(x) || (x as number) < lo) rangeError(what, n, x);
    return x as number;
  };
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new RangeError(expected(`[${what}, ${what}]`, name, describe(v)));
    return [one(v[0], `${name}[0]`), one(v[1], `${name}[1]`)];
  }
  const x = one(v, name);
  return [x, x];
}

/** Checks a 4-D NCHW input and returns its dims. */
function nchw(x: Tensor, name: string): [number, number, number, number] {
  fin(x, name);
  if (x.shape.length !== 4) throw new RangeError(expected('4-D shape [N, C, H, W]', name, fmtShape(x.shape)));
  return x.shape as unknown as [number, number, number, number];
}

const outSize = (i: number, k: number, s: number, p: number, d: number): number => Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;

/** The dilated kernel must fit in the padded input (one output position at least). */
function checkFits(H: number, W: number, kh: number, kw: number, ph: number, pw: number, dh: number, dw: number,
  what: string): void {
  for (const [i, k, p, d, axis] of [[H, kh, ph, dh, 'height'], [W, kw, pw, dw, 'width']] as const) {
    const ext = d * (k - 1) + 1;
    if (ext > i + 2 * p) {
      throw new RangeError(expected(`${what} ${axis} <= the padded input ${axis} ${i + 2 * p}`, 'kernelSize',
        `${k}${d > 1 ? ` (dilation ${d}: extent ${ext})` : ''}`));
    }
  }
}

/**
 * 2-D convolution. input (N, C, H, W), weight (OC, C / groups, KH, KW), bias (OC) or null;
 * returns (N, OC, OH, OW).
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const { geom, outShape, actCode } = conv2dGeometry(input, weight, bias, options);
  const out = empty(outShape);
  const k = kernelsFor(input, weight, bias);
  k.conv2dForward(out.f32, input.f32, weight.f32, bias ? bias.f32 : null, ...geom, actCode);
  // init (a first write, CPU): the kernel writes the gradients instead of adding into them.
  return record(out, 'conv2d', [input, weight, bias], (g, [dx, dwt, db], init) => {
    (init ? k.conv2dBackwardInit : k.conv2dBackward)(dx ? dx.f32 : null, dwt ? dwt.f32 : null, db ? db.f32 : null,
      g.f32, input.f32, weight.f32, out.f32, ...geom, actCode);
  }, undefined, out.device === 'cpu');
}

/**
 * Inference only (CPU, nothing recorded): `into` = act(into + conv2d(input, weight, bias)), in
 * place, one pass: a residual block's last convolution adding onto its shortcut with the ReLU
 * after the sum in the kernel's epilogue. Returns `into`.
 * @internal
 */
export function conv2dAddInto(into: Tensor, input: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { geom, outShape, actCode } = conv2dGeometry(input, weight, bias, options);
  fin(into, 'into');
  if (into.shape.length !== 4 || into.shape.some((d, i) => d !== outShape[i])) {
    throw new RangeError(expected(`shape ${fmtShape(outShape)} (the convolution's output)`, 'into', fmtShape(into.shape)));
  }
  assertCpuInference('conv2dAddInto', 'writes in place', { into, input, weight, bias });
  kernelsFor(into, input, weight, bias).conv2dForwardAdd(into.f32, input.f32, weight.f32, bias ? bias.f32 : null, ...geom, actCode);
  return into;
}

/**
 * Inference only (CPU, nothing recorded): MaxPool2d(2) (2x2 windows, stride 2, floor) of
 * conv2d(input, weight, bias, options), one kernel: the convolution's output is pooled while it
 * is in cache and never written whole. The values of conv2d then maxPool2d(2).
 * @internal
 */
export function conv2dMaxPool2(input: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { geom, outShape, actCode } = conv2dGeometry(input, weight, bias, options);
  const [N, OC, OH, OW] = outShape;
  if (OH < 2 || OW < 2) {
    throw new RangeError(expected('a convolution output of at least 2 x 2 (2x2 max pooling)', 'input', fmtShape(outShape)));
  }
  assertCpuInference('conv2dMaxPool2', 'has no backward', { input, weight, bias });
  const out = empty([N, OC, Math.floor(OH / 2), Math.floor(OW / 2)]);
  kernelsFor(input, weight, bias).conv2dMaxPool2Forward(out.f32, input.f32, weight.f32, bias ? bias.f32 : null, ...geom, actCode);
  return out;
}

/** A residual block's convolution weight (cout, cin, KH, KW) with odd KH and KW: its radii. */
function blockRadii(w: Tensor, name: string, cout: number, cin: number): [number, number] {
  fin(w, name);
  if (w.shape.length !== 4 || w.shape[0] !== cout || w.shape[1] !== cin || w.shape[2] % 2 !== 1 || w.shape[3] % 2 !== 1) {
    throw new RangeError(expected(`shape [${cout}, ${cin}, KH, KW] with odd KH and KW`, name, fmtShape(w.shape)));
  }
  return [(w.shape[2] - 1) / 2, (w.shape[3] - 1) / 2];
}

/** A residual block's bias: null or shape [n]. */
function blockBias(b: Tensor | null, name: string, n: number): void {
  if (b === null) return;
  fin(b, name);
  if (b.shape.length !== 1 || b.shape[0] !== n) throw new RangeError(expected(`shape [${n}]`, name, fmtShape(b.shape)));
}

/**
 * Inference only (CPU, nothing recorded): an identity residual block with its BatchNorms folded
 * into the convolutions, relu(x + conv2d(relu(conv2d(x, w1, b1)), w2, b2)), in one kernel that
 * runs image by image (the hidden activation stays in cache). Both convolutions have odd
 * kernels, stride 1, dilation 1, one group and padding (kernel - 1) / 2, so they keep the input's
 * height and width; w1 maps C to `mid` channels and w2 `mid` back to C. `into`: where the result
 * goes, x itself (x is then overwritten) or a tensor of x's shape. The values of conv2d (relu),
 * then conv2dAddInto.
 * @internal
 */
export function conv2dResidualBlock(into: Tensor, x: Tensor, w1: Tensor, b1: Tensor | null, w2: Tensor, b2: Tensor | null): Tensor {
  const [N, C, H, W] = nchw(x, 'x');
  fin(w1, 'w1');
  const mid = w1.shape[0];
  const r1 = blockRadii(w1, 'w1', mid, C);
  const r2 = blockRadii(w2, 'w2', C, mid);
  blockBias(b1, 'b1', mid);
  blockBias(b2, 'b2', C);
  fin(into, 'into');
  if (into.shape.length !== 4 || into.shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(expected(`shape ${fmtShape(x.shape)} (the block's input)`, 'into', fmtShape(into.shape)));
  }
  assertCpuInference('conv2dResidualBlock', 'has no backward', { into, x, w1, b1, w2, b2 });
  kernelsFor(into, x, w1, w2).conv2dResidualBlockForward(into.f32, x.f32, w1.f32, b1 ? b1.f32 : null, w2.f32,
    b2 ? b2.f32 : null, N, C, H, W, mid, r1[0], r1[1], r2[0], r2[1]);
  return into;
}

/**
 * Inference only (CPU, nothing recorded): a residual block with a projection shortcut and its
 * BatchNorms folded, relu(conv2d(x, wp, bp) + conv2d(relu(conv2d(x, w1, b1)), w2, b2)), in one
 * kernel that runs image by image. conv1 (C -> mid) and the projection (C -> OC) run at `stride`,
 * conv2 (mid -> OC) at stride 1; every kernel is odd with padding (kernel - 1) / 2, dilation 1,
 * one group. Returns a new tensor (N, OC, ceil(H / stride), ceil(W / stride)). The values of the
 * projection (conv2d), conv2d (relu), then conv2dAddInto onto the projection.
 * @internal
 */
export function conv2dProjectionBlock(x: Tensor, w1: Tensor, b1: Tensor | null, w2: Tensor, b2: Tensor | null,
  wp: Tensor, bp: Tensor | null, stride: number): Tensor {
  const [N, C, H, W] = nchw(x, 'x');
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(expected('an integer >= 1', 'stride', describe(stride)));
  fin(w1, 'w1');
  fin(w2, 'w2');
  const [mid, OC] = [w1.shape[0], w2.shape[0]];
  const r1 = blockRadii(w1, 'w1', mid, C);
  const r2 = blockRadii(w2, 'w2', OC, mid);
  const rp = blockRadii(wp, 'wp', OC, C);
  blockBias(b1, 'b1', mid);
  blockBias(b2, 'b2', OC);
  blockBias(bp, 'bp', OC);
  assertCpuInference('conv2dProjectionBlock', 'has no backward', { x, w1, b1, w2, b2, wp, bp });
  const out = empty([N, OC, Math.ceil(H / stride), Math.ceil(W / stride)]);
  kernelsFor(x, w1, w2, wp).conv2dProjectionBlockForward(out.f32, x.f32, w1.f32, b1 ? b1.f32 : null, w2.f32,
    b2 ? b2.f32 : null, wp.f32, bp ? bp.f32 : null, N, C, H, W, mid, OC, stride, r1[0], r1[1], r2[0], r2[1], rp[0], rp[1]);
  return out;
}

/** The tensors of a CPU inference kernel (`op`) are on cpu and record nothing for autograd (it `why`). */
function assertCpuInference(op: string, why: string, tensors: Record<string, Tensor | null>): void {
  const names = Object.keys(tensors).join('/');
  const list = Object.values(tensors);
  if (list.some((t) => t !== null && t.device !== 'cpu')) {
    throw new TypeError(expected(`tensors on cpu (${op} is a CPU inference kernel)`, names,
      list.map((t) => (t ? t.device : 'null')).join(', ')));
  }
  if (needsGrad(...list)) {
    throw new TypeError(expected(`tensors that record nothing for autograd (${op} ${why})`, names, 'a tensor that requires grad'));
  }
}

/** Argument checks of conv2d: its kernel geometry, output shape and activation code. @internal */
export function conv2dGeometry(input: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions):
{ geom: number[]; outShape: number[]; actCode: number } {
  const [N, C, H, W] = nchw(input, 'input');
  fin(weight, 'weight');
  if (weight.shape.length !== 4) {
    throw new RangeError(expected('4-D shape [outChannels, inChannels / groups, KH, KW]', 'weight', fmtShape(weight.shape)));
  }
  const [OC, Cg, KH, KW] = weight.shape;
  const groups = options.groups ?? 1;
  if (typeof groups !== 'number') typeError('positive integer', 'groups', groups);
  if (!Number.isInteger(groups) || groups < 1) rangeError('positive integer', 'groups', groups);
  if (C % groups !== 0) {
    throw new RangeError(expected(`in channels divisible by groups (${groups})`, 'input', `${C} channels (shape ${fmtShape(input.shape)})`));
  }
  if (OC % groups !== 0) {
    throw new RangeError(expected(`out channels divisible by groups (${groups})`, 'weight', `${OC} out channels (shape ${fmtShape(weight.shape)})`));
  }
  if (Cg * groups !== C) {
    throw new RangeError(expected(`shape [N, ${Cg * groups}, H, W] (NCHW: weight has ${Cg} channels per group x ${groups} groups)`,
      'input', fmtShape(input.shape)));
  }
  if (bias !== null) {
    fin(bias, 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== OC) throw new RangeError(expected(`shape [${OC}]`, 'bias', fmtShape(bias.shape)));
  }
  const [sh, sw] = pair(options.stride ?? 1, 'stride', 1);
  const [dh, dw] = pair(options.dilation ?? 1, 'dilation', 1);
  let ph: number;
  let pw: number;
  const padding = options.padding ?? 0;
  if (padding === 'valid') {
    ph = pw = 0;
  } else if (padding === 'same') {
    [ph, pw] = samePadding([KH, KW], [sh, sw], [dh, dw]);
  } else {
    if (typeof padding === 'string') {
      throw new RangeError(expected("non-negative integer, [h, w], 'same' or 'valid'", 'padding', describe(padding)));
    }
    [ph, pw] = pair(padding, 'padding', 0);
  }
  const act = options.activation ?? 'none';
  if (act !== 'none' && act !== 'relu') throw new RangeError(expected("'none' or 'relu'", 'activation', describe(act)));
  const actCode = act === 'relu' ? 1 : 0;
  checkFits(H, W, KH, KW, ph, pw, dh, dw, 'kernel');
  const geom = [N, C, H, W, OC, KH, KW, sh, sw, ph, pw, dh, dw, groups];
  return { geom, outShape: [N, OC, outSize(H, KH, sh, ph, dh), outSize(W, KW, sw, pw, dw)], actCode };
}

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  /** Implicit -inf padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
  /** Default 1. */
  dilation?: Size2;
  /** Ceil instead of floor in the output size (default false). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Size2;
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
  ceilMode?: boolean;
  /** Count the padding zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

interface PoolGeom { geom: number[]; OH: number; OW: number }

function poolGeom(x: Tensor, kernelSize: unknown, o: { stride?: Size2; padding?: Size2; dilation?: Size2; ceilMode?: boolean }): PoolGeom & { ceil: boolean; dil: [number, number] } {
  const [N, C, H, W] = nchw(x, 'input');
  const [kh, kw] = pair(kernelSize, 'kernelSize', 1);
  const [sh, sw] = o.stride === undefined || o.stride === null ? [kh, kw] : pair(o.stride, 'stride', 1);
  const [ph, pw] = pair(o.padding ?? 0, 'padding', 0);
  const dil = pair(o.dilation ?? 1, 'dilation', 1);
  const ceil = o.ceilMode ?? false;
  if (typeof ceil !== 'boolean') typeError('boolean', 'ceilMode', ceil);
  for (const [p, k, d] of [[ph, kh, dil[0]], [pw, kw, dil[1]]]) {
    const half = Math.floor((d * (k - 1) + 1) / 2);
    if (p > half) throw new RangeError(expected(`padding at most half the kernel (${half})`, 'padding', `${p}`));
  }
  checkFits(H, W, kh, kw, ph, pw, dil[0], dil[1], 'pooling window');
  const size = (i: number, k: number, s: number, p: number, d: number): number => {
    const span = i + 2 * p - d * (k - 1) - 1;
    let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (out - 1) * s >= i + p) out--;
    return out;
  };
  return { geom: [N, C, H, W, kh, kw, sh, sw, ph, pw], OH: size(H, kh, sh, ph, dil[0]), OW: size(W, kw, sw, pw, dil[1]), ceil, dil };
}

/** 2-D max pooling of (N, C, H, W); the gradient flows to the first maximum of each window. */
export function maxPool2d(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  const g = poolGeom(input, kernelSize, options);
  const [N, C] = input.shape;
  const out = empty([N, C, g.OH, g.OW]);
  const [n, c, h, w, kh, kw, sh, sw, ph, pw] = g.geom;
  const k = kernelsFor(input);
  if (!needsGrad(input) && input.device === 'cpu') {
    // nothing to record: no argmax indices (inference)
    k.maxPool2dForward(out.f32, null, input.f32, n, c, h, w, kh, kw, sh, sw, ph, pw, g.dil[0], g.dil[1], g.ceil);
    return out;
  }
  const idx = empty(out.shape, 'int32');
  k.maxPool2dForward(out.f32, idx.i32, input.f32, n, c, h, w, kh, kw, sh, sw, ph, pw, g.dil[0], g.dil[1], g.ceil);
  // init (a first write, CPU): dx is written instead of added into.
  return record(out, 'maxPool2d', [input], (gr, [dx], init) => {
    if (dx) {
      (init ? k.maxPool2dBackwardInit : k.maxPool2dBackward)(dx.f32, gr.f32, idx.i32, n, c, h, w, kh, kw, sh, sw, ph, pw,
        g.dil[0], g.dil[1], g.ceil);
    }
  }, () => idx.dispose(), out.device === 'cpu');
}

/** 2-D average pooling of (N, C, H, W). */
export function avgPool2d(input: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  if ((options as MaxPool2dOptions).dilation !== undefined) {
    throw new RangeError(expected('no dilation (average pooling has none)', 'options.dilation', describe((options as MaxPool2dOptions).dilation)));
  }
  const g = poolGeom(input, kernelSize, options);
  const includePad = options.countIncludePad ?? true;
  if (typeof includePad !== 'boolean') typeError('boolean', 'countIncludePad', includePad);
  const [N, C] = input.shape;
  const out = empty([N, C, g.OH, g.OW]);
  const [n, c, h, w, kh, kw, sh, sw, ph, pw] = g.geom;
  const k = kernelsFor(input);
  k.avgPool2dForward(out.f32, input.f32, n, c, h, w, kh, kw, sh, sw, ph, pw, g.ceil, includePad);
  return record(out, 'avgPool2d', [input], (gr, [dx]) => {
    if (dx) k.avgPool2dBackward(dx.f32, gr.f32, n, c, h, w, kh, kw, sh, sw, ph, pw, g.ceil, includePad);
  });
}

/**
 * Adaptive average pooling of (N, C, H, W) to (N, C, OH, OW): cell i averages input rows
 * [floor(i H / OH), ceil((i + 1) H / OH)). outputSize: a number, [OH, OW], or null entries to
 * keep that input size. Global average pooling is outputSize 1.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const [N, C, H, W] = nchw(input, 'input');
  const raw = Array.isArray(outputSize) ? [outputSize[0] ?? H, outputSize[1] ?? W] : outputSize;
  const [OH, OW] = pair(raw, 'outputSize', 1);
  const out = empty([N, C, OH, OW]);
  const k = kernelsFor(input);
  k.adaptiveAvgPool2dForward(out.f32, input.f32, N, C, H, W, OH, OW);
  // init (a first write, CPU): dx is written instead of added into.
  return record(out, 'adaptiveAvgPool2d', [input], (gr, [dx], init) => {
    if (dx) (init ? k.adaptiveAvgPool2dBackwardInit : k.adaptiveAvgPool2dBackward)(dx.f32, gr.f32, N, C, H, W, OH, OW);
  }, undefined, out.device === 'cpu');
}

/**
 * padding 'same': the zero padding per side that keeps the spatial size (PyTorch's rule: stride 1,
 * symmetric padding, so an odd dilated kernel extent). Conv1d / Conv2d also call it in their
 * constructors, so that a layer that cannot pad 'same' fails where it is made, as in PyTorch.
 */
export function samePadding(kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): number[] {
  if (stride.some((s) => s !== 1)) throw new RangeError(expected("stride 1 with padding 'same'", 'stride', fmtShape(stride)));
  const extent = kernel.map((k, i) => dilation[i] * (k - 1));
  if (extent.some((t) => t % 2 !== 0)) {
    throw new RangeError(expected("an odd (dilated) kernel extent with padding 'same' (symmetric padding)", 'kernelSize', fmtShape(kernel)));
  }
  return extent.map((t) => t / 2);
}

export interface Conv1dOptions {
  /** Default 1. */
  stride?: number;
  /** Zero padding on each side (default 0); 'valid' is 0, 'same' keeps L (stride 1 only). */
  padding?: number | 'same' | 'valid';
  /** Default 1. */
  dilation?: number;
  /** Default 1; C for depthwise. */
  groups?: number;
  /** Fused into the GEMM epilogue (default 'none'). */
  activation?: 'none' | 'relu';
}

/**
 * 1-D convolution (PyTorch's F.conv1d). input (N, C, L), weight (OC, C / groups, K), bias (OC) or
 * null; returns (N, OC, OL). Runs as conv2d on (N, C, 1, L) views (no copies).
 */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  fin(input, 'input');
  fin(weight, 'weight');
  if (input.shape.length !== 3) throw new RangeError(expected('3-D shape [N, C, L]', 'input', fmtShape(input.shape)));
  if (weight.shape.length !== 3) {
    throw new RangeError(expected('3-D shape [outChannels, inChannels / groups, K]', 'weight', fmtShape(weight.shape)));
  }
  const one = (v: unknown, name: string, lo: number): number => pair(v, name, lo)[0];
  if (Array.isArray(options.stride) || Array.isArray(options.dilation) || Array.isArray(options.padding)) {
    const [name, v] = Array.isArray(options.stride) ? ['stride', options.stride] : Array.isArray(options.dilation)
      ? ['dilation', options.dilation] : ['padding', options.padding];
    throw new TypeError(expected('a number (conv1d has one spatial dim)', name, describe(v)));
  }
  const padding = options.padding ?? 0;
  const [N, C, L] = input.shape;
  const [OC, Cg, K] = weight.shape;
  const groups = options.groups ?? 1;
  if (typeof groups === 'number' && Number.isInteger(groups) && groups >= 1 && C % groups === 0 && Cg * groups !== C) {
    throw new RangeError(expected(`shape [N, ${Cg * groups}, L] (NCL: weight has ${Cg} channels per group x ${groups} groups)`,
      'input', fmtShape(input.shape)));
  }
  const x4 = reshape(input, [N, C, 1, L]);
  const w4 = reshape(weight, [OC, Cg, 1, K]);
  const y = conv2d(x4, w4, bias, {
    stride: [1, one(options.stride ?? 1, 'stride', 1)],
    padding: typeof padding === 'string' ? padding : [0, one(padding, 'padding', 0)],
    dilation: [1, one(options.dilation ?? 1, 'dilation', 1)],
    groups,
    activation: options.activation,
  });
  return reshape(y, [N, y.shape[1], y.shape[3]]);
}

export interface ConvTranspose2dOptions {
  /** Default 1. */
  stride?: Size2;
  /** Removed from each side of the output (default 0). */
  padding?: Size2;
  /** Added to one side of each output dim (default 0; below the stride or the dilation). */
  outputPadding?: Size2;
  /** Default 1. */
  dilation?: Size2;
  /** Default 1. */
  groups?: number;
}

/**
 * Transposed 2-D convolution (PyTorch's F.conv_transpose2d): the gradient of conv2d with respect
 * to its input. input (N, C, H, W), weight (C, OC / groups, KH, KW), bias (OC) or null; returns
 * (N, OC, OH, OW) with OH = (H - 1) stride - 2 padding + dilation (KH - 1) + outputPadding + 1.
 * Runs on the conv2d kernels: forward is conv2d's input-gradient pass, the input gradient is a
 * conv2d forward, the weight gradient conv2d's weight-gradient pass with the roles swapped.
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {}): Tensor {
  const [N, C, H, W] = nchw(input, 'input');
  fin(weight, 'weight');
  if (weight.shape.length !== 4) {
    throw new RangeError(expected('4-D shape [inChannels, outChannels / groups, KH, KW]', 'weight', fmtShape(weight.shape)));
  }
  const [WC, OCg, KH, KW] = weight.shape;
  const groups = options.groups ?? 1;
  if (typeof groups !== 'number') typeError('positive integer', 'groups', groups);
  if (!Number.isInteger(groups) || groups < 1) rangeError('positive integer', 'groups', groups);
  if (WC !== C) {
    throw new RangeError(expected(`shape [N, ${WC}, H, W] (NCHW: weight has ${WC} input channels)`, 'input', fmtShape(input.shape)));
  }
  if (C % groups !== 0) {
    throw new RangeError(expected(`in channels divisible by groups (${groups})`, 'input', `${C} channels (shape ${fmtShape(input.shape)})`));
  }
  const OC = OCg * groups;
  if (bias !== null) {
    fin(bias, 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== OC) throw new RangeError(expected(`shape [${OC}]`, 'bias', fmtShape(bias.shape)));
  }
  const [sh, sw] = pair(options.stride ?? 1, 'stride', 1);
  const [ph, pw] = pair(options.padding ?? 0, 'padding', 0);
  const [dh, dw] = pair(options.dilation ?? 1, 'dilation', 1);
  const [oph, opw] = pair(options.outputPadding ?? 0, 'outputPadding', 0);
  if ((oph >= sh && oph >= dh) || (opw >= sw && opw >= dw)) {
    throw new RangeError(expected('outputPadding smaller than stride or dilation', 'outputPadding', fmtShape([oph, opw])));
  }
  const OH = (H - 1) * sh - 2 * ph + dh * (KH - 1) + oph + 1;
  const OW = (W - 1) * sw - 2 * pw + dw * (KW - 1) + opw + 1;
  if (OH < 1 || OW < 1) {
    throw new RangeError(expected('padding that leaves an output of at least 1 x 1', 'padding', `${fmtShape([ph, pw])} (output ${OH} x ${OW})`));
  }
  // The conv2d whose input gradient this is: input (N, OC, OH, OW) -> output (N, C, H, W).
  const geom = [N, OC, OH, OW, C, KH, KW, sh, sw, ph, pw, dh, dw, groups];
  const k = kernelsFor(input, weight, bias);
  const out = empty([N, OC, OH, OW]);
  k.fillF32(out.f32, out.size, 0);
  k.conv2dBackward(out.f32, null, null, input.f32, out.f32, weight.f32, null, ...geom, 0);
  const y = record(out, 'convTranspose2d', [input, weight], (g, [dx, dwt]) => {
    if (dx) {
      const t = empty(input.shape);
      k.conv2dForward(t.f32, g.f32, weight.f32, null, ...geom, 0);
      k.addInto(dx.f32, t.f32, t.size);
      t.dispose();
    }
    if (dwt) k.conv2dBackward(null, dwt.f32, null, input.f32, g.f32, weight.f32, null, ...geom, 0);
  });
  return bias === null ? y : add(y, reshape(bias, [1, OC, 1, 1]));
}

/**
 * Nearest-neighbour upsampling of (N, C, H, W) by whole-number factors (PyTorch's
 * F.interpolate(mode='nearest', scale_factor=s)): out[n, c, i, j] = x[n, c, floor(i / sh), floor(j / sw)].
 * Built from a broadcasting multiply and views, so the gradient (the sum over each block) comes
 * from their autograd rules.
 */
export function upsampleNearest2d(input: Tensor, scaleFactor: Size2): Tensor {
  const [N, C, H, W] = nchw(input, 'input');
  const [sh, sw] = pair(scaleFactor, 'scaleFactor', 1);
  const ones = empty([1, sh, 1, sw]);
  kernelsFor(input).fillF32(ones.f32, ones.size, 1);
  const rows = reshape(input, [N * C * H, 1, W, 1]);
  // `ones` stays alive: mul's backward reads it (freed with the step's intermediates, like any).
  return reshape(mul(rows, ones), [N, C, H * sh, W * sw]);
}

export interface UpsampleBilinear2dOptions {
  /** Output size = floor(input size x scaleFactor); positive numbers (not necessarily whole). */
  scaleFactor?: number | readonly [number, number];
  /** Output size [OH, OW] (or one number for both); give exactly one of size and scaleFactor. */
  size?: Size2;
  /** Map the corner pixels of input and output onto each other (default false: half-pixel centres). */
  alignCorners?: boolean;
}

/** [h, w] positive finite scale factors from a number or a pair; names the argument on error. */
function scalePair(v: unknown, name: string): [number, number] {
  const one = (x: unknown, n: string): number => {
    if (typeof x !== 'number') typeError('positive number or [positive number, positive number]', n, x);
    if (!Number.isFinite(x) || (x as number) <= 0) rangeError('positive finite number', n, x);
    return x as number;
  };
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new RangeError(expected('[positive number, positive number]', name, describe(v)));
    return [one(v[0], `${name}[0]`), one(v[1], `${name}[1]`)];
  }
  const x = one(v, name);
  return [x, x];
}

/** The checked target of a bilinear resize: exactly one of size and scaleFactor. */
export function bilinearTarget(o: UpsampleBilinear2dOptions): { size: [number, number] | null; scaleFactor: [number, number] | null } {
  if (o === null || typeof o !== 'object') throw new TypeError(expected('{ scaleFactor } or { size }', 'options', describe(o)));
  const hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
  const hasSize = o.size !== undefined && o.size !== null;
  if (hasScale === hasSize) {
    throw new RangeError(expected('exactly one of size and scaleFactor', 'options', hasScale ? 'both' : 'neither'));
  }
  return hasSize ? { size: pair(o.size, 'size', 1), scaleFactor: null } : { size: null, scaleFactor: scalePair(o.scaleFactor, 'scaleFactor') };
}

/** Output size and the scale factors the kernel uses for coordinates (0 when the size was given). */
function bilinearGeometry(H: number, W: number, o: UpsampleBilinear2dOptions): { OH: number; OW: number; sh: number; sw: number } {
  const t = bilinearTarget(o);
  if (t.size) return { OH: t.size[0], OW: t.size[1], sh: 0, sw: 0 };
  const [sh, sw] = t.scaleFactor as [number, number];
  const OH = Math.floor(H * sh);
  const OW = Math.floor(W * sw);
  if (OH < 1 || OW < 1) {
    throw new RangeError(expected('a scale factor that leaves an output of at least 1 x 1', 'scaleFactor',
      `${fmtShape([sh, sw])} (input ${H} x ${W}, output ${OH} x ${OW})`));
  }
  return { OH, OW, sh, sw };
}

/**
 * Bilinear upsampling (or downsampling) of (N, C, H, W), PyTorch's F.interpolate(mode='bilinear'):
 * output pixel i reads the source position (i + 0.5) / scale - 0.5 clamped at 0 (alignCorners
 * false; scale is the given scaleFactor, or OH / H when a size was given), or i (H - 1) / (OH - 1)
 * with alignCorners, and interpolates its two neighbours in each axis.
 */
export function upsampleBilinear2d(input: Tensor, options: UpsampleBilinear2dOptions): Tensor {
  const [N, C, H, W] = nchw(input, 'input');
  const { OH, OW, sh, sw } = bilinearGeometry(H, W, options);
  const align = options.alignCorners ?? false;
  if (typeof align !== 'boolean') typeError('boolean', 'alignCorners', align);
  const out = empty([N, C, OH, OW]);
  const k = kernelsFor(input);
  k.upsampleBilinear2dForward(out.f32, input.f32, N, C, H, W, OH, OW, align, sh, sw);
  return record(out, 'upsampleBilinear2d', [input], (g, [dx]) => {
    if (dx) k.upsampleBilinear2dBackward(dx.f32, g.f32, N, C, H, W, OH, OW, align, sh, sw);
  });
}

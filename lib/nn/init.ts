/**
 * Initializers (ng.init), in place on a tensor, seeded by ng.setSeed. Fans follow PyTorch:
 * a weight shaped (out, in, ...rest) has fanIn = in * prod(rest), fanOut = out * prod(rest).
 */
import { Tensor } from '../tensor/tensor';
import { assertTensor } from '../tensor/check';
import { kernels } from '../native';
import { takeNativeStream } from '../core/seed';
import { globalRng } from '../core/random';
import { assertFinite, assertOneOf, expected, describe, fmtShape } from '../core/validate';

export type Nonlinearity = 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu' | 'gelu' | 'silu';
const NONLINEARITIES: readonly Nonlinearity[] = ['linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu', 'gelu', 'silu'];

/** Recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  assertOneOf(nonlinearity, 'nonlinearity', NONLINEARITIES);
  switch (nonlinearity) {
    case 'tanh': return 5 / 3;
    case 'relu': case 'gelu': case 'silu': return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: return 1;
  }
}

function target(t: unknown, name = 'tensor'): Tensor {
  assertTensor(t, name, 'float32');
  t._written(); // filled in place below
  return t;
}

/** fanIn and fanOut of a weight tensor (rank >= 2). */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.shape.length < 2) {
    throw new RangeError(expected('tensor with at least 2 dimensions (fan in/out are undefined for fewer)', 'tensor', `shape ${fmtShape(t.shape)}`));
  }
  let receptive = 1;
  for (let i = 2; i < t.shape.length; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

export function constant(t: Tensor, value: number): Tensor {
  target(t);
  assertFinite(value, 'value');
  kernels(t.device).fillF32(t.f32, t.size, value);
  return t;
}

export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

export function uniform(t: Tensor, opts: { low?: number; high?: number } = {}): Tensor {
  target(t);
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  assertFinite(low, 'low');
  assertFinite(high, 'high');
  if (!(high >= low)) throw new RangeError(expected(`number >= low (${low})`, 'high', describe(high)));
  const s = takeNativeStream(t.size);
  kernels(t.device).rngUniform(t.f32, t.size, s.hi, s.lo, s.offset, low, high);
  return t;
}

export function normal(t: Tensor, opts: { mean?: number; std?: number } = {}): Tensor {
  target(t);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  assertFinite(mean, 'mean');
  assertFinite(std, 'std');
  if (std < 0) throw new RangeError(expected('non-negative number', 'std', describe(std)));
  const s = takeNativeStream(t.size);
  kernels(t.device).rngNormal(t.f32, t.size, s.hi, s.lo, s.offset, mean, std);
  return t;
}

/** Normal(mean, std) redrawn until inside [a, b] (defaults: mean -/+ 2 std). */
export function truncatedNormal(t: Tensor, opts: { mean?: number; std?: number; a?: number; b?: number } = {}): Tensor {
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  const a = opts.a ?? mean - 2 * std;
  const b = opts.b ?? mean + 2 * std;
  assertFinite(a, 'a');
  assertFinite(b, 'b');
  if (!(b > a)) throw new RangeError(expected(`number > a (${a})`, 'b', describe(b)));
  normal(t, { mean, std });
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) {
    let v = d[i];
    let tries = 0;
    while ((v < a || v > b) && tries++ < 1000) v = mean + std * globalRng.normal();
    d[i] = v < a || v > b ? Math.min(b, Math.max(a, v)) : v;
  }
  return t;
}

export function xavierUniform(t: Tensor, opts: { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(target(t));
  const gain = opts.gain ?? 1;
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, { low: -bound, high: bound });
}

export function xavierNormal(t: Tensor, opts: { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(target(t));
  const gain = opts.gain ?? 1;
  return normal(t, { std: gain * Math.sqrt(2 / (fanIn + fanOut)) });
}

export interface KaimingOptions { a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity }

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const mode = opts.mode ?? 'fanIn';
  assertOneOf(mode, 'mode', ['fanIn', 'fanOut'] as const);
  const nl = opts.nonlinearity ?? 'relu';
  const { fanIn, fanOut } = fans(target(t));
  const gain = calculateGain(nl, opts.a ?? 0);
  return gain / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/** He/Kaiming uniform: U(-b, b), b = gain * sqrt(3 / fan). */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform(t, { low: -bound, high: bound });
}

/** He/Kaiming normal: N(0, gain / sqrt(fan)). */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal(t, { std: kaimingStd(t, opts) });
}

/** LeCun uniform: U(-b, b), b = sqrt(3 / fanIn). */
export function lecunUniform(t: Tensor): Tensor {
  const { fanIn } = fans(target(t));
  const bound = Math.sqrt(3 / fanIn);
  return uniform(t, { low: -bound, high: bound });
}

/** LeCun normal: N(0, 1 / sqrt(fanIn)). */
export function lecunNormal(t: Tensor): Tensor {
  const { fanIn } = fans(target(t));
  return normal(t, { std: 1 / Math.sqrt(fanIn) });
}

/** (Semi-)orthogonal matrix scaled by gain: Gram-Schmidt on a seeded normal matrix. */
export function orthogonal(t: Tensor, opts: { gain?: number } = {}): Tensor {
  target(t);
  if (t.shape.length < 2) {
    throw new RangeError(expected('tensor with at least 2 dimensions', 'tensor', `shape ${fmtShape(t.shape)}`));
  }
  const gain = opts.gain ?? 1;
  const rows = t.shape[0];
  const cols = t.size / rows;
  // Orthonormalize the vectors along the longer side: work on (k, len) with k <= len.
  const transposed = rows > cols;
  const k = transposed ? cols : rows;
  const len = transposed ? rows : cols;
  normal(t);
  const src = t.data as Float32Array;
  const q = new Float64Array(k * len);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < len; j++) q[i * len + j] = transposed ? src[j * cols + i] : src[i * cols + j];
  }
  for (let i = 0; i < k; i++) {
    for (let p = 0; p < i; p++) {
      let dot = 0;
      for (let j = 0; j < len; j++) dot += q[i * len + j] * q[p * len + j];
      for (let j = 0; j < len; j++) q[i * len + j] -= dot * q[p * len + j];
    }
    let norm = 0;
    for (let j = 0; j < len; j++) norm += q[i * len + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < len; j++) q[i * len + j] /= norm;
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < len; j++) {
      const v = gain * q[i * len + j];
      if (transposed) src[j * cols + i] = v;
      else src[i * cols + j] = v;
    }
  }
  return t;
}

export type InitName = 'zeros' | 'ones' | 'uniform' | 'normal' | 'truncatedNormal' | 'xavierUniform' | 'xavierNormal' |
  'glorotUniform' | 'glorotNormal' | 'kaimingUniform' | 'kaimingNormal' | 'heUniform' | 'heNormal' |
  'lecunUniform' | 'lecunNormal' | 'orthogonal';
export const INIT_NAMES: readonly InitName[] = ['zeros', 'ones', 'uniform', 'normal', 'truncatedNormal', 'xavierUniform',
  'xavierNormal', 'glorotUniform', 'glorotNormal', 'kaimingUniform', 'kaimingNormal', 'heUniform', 'heNormal',
  'lecunUniform', 'lecunNormal', 'orthogonal'];

/** Applies an initializer by name (Keras-style aliases glorot* and he* included). */
export function byName(name: InitName, t: Tensor, nonlinearity?: Nonlinearity): Tensor {
  assertOneOf(name, 'init', INIT_NAMES);
  const isHe = name === 'kaimingUniform' || name === 'kaimingNormal' || name === 'heUniform' || name === 'heNormal';
  // He initializers assume ReLU by default; the others use gain 1 unless a nonlinearity is given.
  nonlinearity = nonlinearity ?? (isHe ? 'relu' : 'linear');
  switch (name) {
    case 'zeros': return zeros(t);
    case 'ones': return ones(t);
    case 'uniform': return uniform(t, { low: -0.05, high: 0.05 });
    case 'normal': return normal(t, { std: 0.05 });
    case 'truncatedNormal': return truncatedNormal(t, { std: 0.05 });
    case 'xavierUniform': case 'glorotUniform': return xavierUniform(t, { gain: calculateGain(nonlinearity) });
    case 'xavierNormal': case 'glorotNormal': return xavierNormal(t, { gain: calculateGain(nonlinearity) });
    case 'kaimingUniform': case 'heUniform': return kaimingUniform(t, { nonlinearity });
    case 'kaimingNormal': case 'heNormal': return kaimingNormal(t, { nonlinearity });
    case 'lecunUniform': return lecunUniform(t);
    case 'lecunNormal': return lecunNormal(t);
    case 'orthogonal': return orthogonal(t, { gain: calculateGain(nonlinearity) });
  }
}

/**
 * Initializes a layer's weight and bias: PyTorch's default for Linear / Conv (both
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn))) when no name is given, else the named initializer for the
 * weight and zeros for the bias.
 */
export function layerDefault(weight: Tensor, bias: Tensor | null, name?: InitName, nonlinearity?: Nonlinearity): void {
  if (name === undefined) {
    const bound = 1 / Math.sqrt(fans(weight).fanIn);
    uniform(weight, { low: -bound, high: bound });
    if (bias) uniform(bias, { low: -bound, high: bound });
  } else {
    byName(name, weight, nonlinearity);
    if (bias) zeros(bias);
  }
}

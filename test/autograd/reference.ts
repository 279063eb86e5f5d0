// Naive double-precision reference implementations for the op table (test/autograd/op_table.ts).
//
// Plain loops over Float64Array, written from the mathematical definitions (and PyTorch's
// documented conventions for losses), never calling nodegrad. They are the ground truth for the
// forward tests and the functions that central finite differences are taken of, so they must be
// smooth wherever the op is differentiable and exact to double precision.

export type F64 = Float64Array;
export interface Ref { shape: number[]; data: F64 }

export const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

// ---------------------------------------------------------------- seeded inputs

/** mulberry32: small seeded generator (the tests never use Math.random). */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  int(n: number): number { return Math.floor(this.next() * n); }
}

// ---------------------------------------------------------------- scalar math

/** erf to ~1 ulp: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)) (all terms positive). */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a > 6) return Math.sign(x);
  let term = a;
  let s = a;
  for (let n = 1; n < 300; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    s += term;
    if (term < s * 1e-17) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * s;
  return x < 0 ? -r : r;
}

export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log(1 + exp(x)) without overflow. */
export const log1pExp = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
export const elu = (x: number, alpha: number): number => (x > 0 ? x : alpha * Math.expm1(x));
export const softplus = (x: number, beta: number, threshold: number): number =>
  (x * beta > threshold ? x : log1pExp(beta * x) / beta);

export type Act = 'none' | 'relu' | 'sigmoid' | 'tanh' | 'gelu' | 'geluTanh';
export function act(name: Act, z: number): number {
  switch (name) {
    case 'none': return z;
    case 'relu': return z > 0 ? z : 0;
    case 'sigmoid': return sigmoid(z);
    case 'tanh': return Math.tanh(z);
    case 'gelu': return gelu(z);
    case 'geluTanh': return geluTanh(z);
  }
}

// ---------------------------------------------------------------- generic shapes

export function map(x: F64, f: (v: number) => number): F64 {
  const o = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = f(x[i]);
  return o;
}

/** NumPy broadcasting of a and b (any rank). */
export function broadcast(a: F64, sa: number[], b: F64, sb: number[], f: (x: number, y: number) => number): Ref {
  const r = Math.max(sa.length, sb.length);
  const pa = [...Array(r - sa.length).fill(1), ...sa];
  const pb = [...Array(r - sb.length).fill(1), ...sb];
  const so = pa.map((d, i) => Math.max(d, pb[i]));
  const n = size(so);
  const o = new Float64Array(n);
  const idx = new Array(r).fill(0);
  for (let k = 0; k < n; k++) {
    let rem = k;
    for (let i = r - 1; i >= 0; i--) { idx[i] = rem % so[i]; rem = Math.floor(rem / so[i]); }
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < r; i++) {
      ia = ia * pa[i] + (pa[i] === 1 ? 0 : idx[i]);
      ib = ib * pb[i] + (pb[i] === 1 ? 0 : idx[i]);
    }
    o[k] = f(a[ia], b[ib]);
  }
  return { shape: so, data: o };
}

function view(shape: number[], axis: number): { outer: number; dim: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, dim: shape[axis], inner };
}

function reducedShape(shape: number[], axis: number | undefined, keepdim: boolean): number[] {
  if (axis === undefined) return keepdim ? shape.map(() => 1) : [];
  const s = shape.slice();
  if (keepdim) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

export type Reducer = 'sum' | 'mean' | 'max' | 'argmax' | 'min' | 'argmin' | 'var0' | 'var1';
/**
 * sum / mean / max / argmax / min / argmin, and the variance with correction 0 or 1 (var0, var1:
 * two passes in double), over one axis (or all elements when axis is undefined).
 */
export function reduce(kind: Reducer, x: F64, shape: number[], axis: number | undefined, keepdim: boolean): Ref {
  const ax = axis === undefined ? undefined : axis < 0 ? axis + shape.length : axis;
  const v = ax === undefined ? { outer: 1, dim: x.length, inner: 1 } : view(shape, ax);
  const o = new Float64Array(v.outer * v.inner);
  for (let a = 0; a < v.outer; a++) {
    for (let c = 0; c < v.inner; c++) {
      let s = 0;
      let m = -Infinity;
      let mi = 0;
      let lo = Infinity;
      let li = 0;
      for (let d = 0; d < v.dim; d++) {
        const val = x[(a * v.dim + d) * v.inner + c];
        s += val;
        if (val > m) { m = val; mi = d; }
        if (val < lo) { lo = val; li = d; }
      }
      let ss = 0;
      for (let d = 0; d < v.dim; d++) ss += (x[(a * v.dim + d) * v.inner + c] - s / v.dim) ** 2;
      const byKind: Record<Reducer, number> = {
        sum: s, mean: s / v.dim, max: m, argmax: mi, min: lo, argmin: li, var0: ss / v.dim, var1: ss / (v.dim - 1),
      };
      o[a * v.inner + c] = byKind[kind];
    }
  }
  return { shape: reducedShape(shape, ax, keepdim), data: o };
}

/** Axes reordered: output axis k is input axis perm[k] (the definition, index by index). */
export function permute(x: F64, shape: number[], perm: number[]): Ref {
  const r = shape.length;
  const os = perm.map((p) => shape[p]);
  const stride = shape.map((_, k) => size(shape.slice(k + 1)));
  const o = new Float64Array(x.length);
  const idx = new Array(r).fill(0);
  for (let i = 0; i < o.length; i++) {
    let rem = i;
    for (let k = r - 1; k >= 0; k--) { idx[k] = rem % os[k]; rem = Math.floor(rem / os[k]); }
    let src = 0;
    for (let k = 0; k < r; k++) src += idx[k] * stride[perm[k]];
    o[i] = x[src];
  }
  return { shape: os, data: o };
}

/** where(cond, a, b) with the three broadcast together (cond != 0 picks a). */
export function where(c: F64, sc: number[], a: F64, sa: number[], b: F64, sb: number[]): Ref {
  // Pick a's value where cond holds, NaN elsewhere (inputs here are never NaN), then fill from b.
  const pa = broadcast(c, sc, a, sa, (cv, av) => (cv !== 0 ? av : NaN));
  return broadcast(pa.data, pa.shape, b, sb, (p, bv) => (Number.isNaN(p) ? bv : p));
}

/** Row-wise map over the last axis: f(row) -> row of the same length. */
export function rows(x: F64, C: number, f: (row: F64) => F64): F64 {
  const o = new Float64Array(x.length);
  for (let r = 0; r * C < x.length; r++) o.set(f(x.subarray(r * C, (r + 1) * C)), r * C);
  return o;
}

export function softmaxRow(r: F64): F64 {
  let m = -Infinity;
  for (const v of r) m = Math.max(m, v);
  let s = 0;
  for (const v of r) s += Math.exp(v - m);
  return map(r, (v) => Math.exp(v - m) / s);
}

export function logSoftmaxRow(r: F64): F64 {
  let m = -Infinity;
  for (const v of r) m = Math.max(m, v);
  let s = 0;
  for (const v of r) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return map(r, (v) => v - lse);
}

/** a (..., M, K) @ b (K, N); a 1-D a is one row and drops that dimension. */
export function matmul(a: F64, sa: number[], b: F64, sb: number[]): Ref {
  const K = sa[sa.length - 1];
  const N = sb[1];
  const M = a.length / K;
  const o = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      o[i * N + j] = s;
    }
  }
  return { shape: sa.length === 1 ? [N] : [...sa.slice(0, -1), N], data: o };
}

/** act(x W^T + b), W: (OC, C). */
export function linear(x: F64, sx: number[], w: F64, sw: number[], b: F64 | null, a: Act): Ref {
  const [OC, C] = sw;
  const B = x.length / C;
  const o = new Float64Array(B * OC);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < OC; j++) {
      let s = b ? b[j] : 0;
      for (let k = 0; k < C; k++) s += x[i * C + k] * w[j * C + k];
      o[i * OC + j] = act(a, s);
    }
  }
  return { shape: [...sx.slice(0, -1), OC], data: o };
}

/** Pre-activations x W^T + b (used to keep fused ReLU away from its kink). */
export function preActivations(x: F64, sx: number[], w: F64, sw: number[], b: F64 | null): F64 {
  return linear(x, sx, w, sw, b, 'none').data;
}

/** Swaps the last two dimensions. */
export function transpose(x: F64, shape: number[]): Ref {
  const R = shape[shape.length - 2];
  const C = shape[shape.length - 1];
  const B = x.length / (R * C);
  const o = new Float64Array(x.length);
  for (let b = 0; b < B; b++) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) o[b * R * C + j * R + i] = x[b * R * C + i * C + j];
  return { shape: [...shape.slice(0, -2), C, R], data: o };
}

export function concat(xs: F64[], shapes: number[][], axis: number): Ref {
  const ax = axis < 0 ? axis + shapes[0].length : axis;
  const { outer, inner } = view(shapes[0], ax);
  const dims = shapes.map((s) => s[ax]);
  const total = dims.reduce((p, d) => p + d, 0);
  const o = new Float64Array(outer * total * inner);
  for (let a = 0; a < outer; a++) {
    let off = 0;
    xs.forEach((x, t) => {
      const len = dims[t] * inner;
      for (let k = 0; k < len; k++) o[a * total * inner + off + k] = x[a * len + k];
      off += len;
    });
  }
  const shape = shapes[0].slice();
  shape[ax] = total;
  return { shape, data: o };
}

export function slice(x: F64, shape: number[], start: number, end: number, axis: number): Ref {
  const ax = axis < 0 ? axis + shape.length : axis;
  const v = view(shape, ax);
  const len = end - start;
  const o = new Float64Array(v.outer * len * v.inner);
  for (let a = 0; a < v.outer; a++) {
    for (let d = 0; d < len; d++) {
      for (let c = 0; c < v.inner; c++) o[(a * len + d) * v.inner + c] = x[(a * v.dim + start + d) * v.inner + c];
    }
  }
  const s = shape.slice();
  s[ax] = len;
  return { shape: s, data: o };
}

/** Rows of x (N, ...) picked by idx. */
export function gatherRows(x: F64, shape: number[], idx: F64): Ref {
  const D = x.length / shape[0];
  const o = new Float64Array(idx.length * D);
  idx.forEach((r, i) => { for (let k = 0; k < D; k++) o[i * D + k] = x[r * D + k]; });
  return { shape: [idx.length, ...shape.slice(1)], data: o };
}

export function layerNorm(x: F64, shape: number[], w: F64 | null, b: F64 | null, eps: number): Ref {
  const C = shape[shape.length - 1];
  const data = rows(x, C, (r) => {
    let m = 0;
    for (const v of r) m += v;
    m /= C;
    let q = 0;
    for (const v of r) q += (v - m) * (v - m);
    const rstd = 1 / Math.sqrt(q / C + eps);
    return map(r, (v) => v).map((v, j) => (v - m) * rstd * (w ? w[j] : 1) + (b ? b[j] : 0));
  });
  return { shape, data };
}

/** Batch norm of (N, C) or (N, C, L): batch statistics (biased variance) or the running ones. */
export function batchNorm(x: F64, shape: number[], rm: F64, rv: F64, w: F64 | null, b: F64 | null,
  training: boolean, eps: number): Ref {
  const [N, C] = shape;
  const L = size(shape.slice(2));
  const o = new Float64Array(x.length);
  for (let c = 0; c < C; c++) {
    let m = 0;
    let v = 0;
    if (training) {
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) m += x[(n * C + c) * L + l];
      m /= N * L;
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) v += (x[(n * C + c) * L + l] - m) ** 2;
      v /= N * L;
    } else {
      m = rm[c];
      v = rv[c];
    }
    const rstd = 1 / Math.sqrt(v + eps);
    for (let n = 0; n < N; n++) {
      for (let l = 0; l < L; l++) {
        const i = (n * C + c) * L + l;
        o[i] = (x[i] - m) * rstd * (w ? w[c] : 1) + (b ? b[c] : 0);
      }
    }
  }
  return { shape, data: o };
}

/** Running statistics after one training batch: (1-m) r + m batch (unbiased variance), like PyTorch. */
export function batchNormRunning(x: F64, shape: number[], rm: F64, rv: F64, momentum: number): { mean: F64; var: F64 } {
  const [N, C] = shape;
  const L = size(shape.slice(2));
  const n = N * L;
  const mean = new Float64Array(C);
  const vr = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let k = 0; k < N; k++) for (let l = 0; l < L; l++) m += x[(k * C + c) * L + l];
    m /= n;
    let v = 0;
    for (let k = 0; k < N; k++) for (let l = 0; l < L; l++) v += (x[(k * C + c) * L + l] - m) ** 2;
    mean[c] = (1 - momentum) * rm[c] + momentum * m;
    vr[c] = (1 - momentum) * rv[c] + momentum * (v / (n - 1));
  }
  return { mean, var: vr };
}

// ---------------------------------------------------------------- convolution and pooling (NCHW)

type Num = ArrayLike<number>;

/** Conv2d geometry: input (N, C, H, W), weight (OC, C / groups, KH, KW). */
export interface ConvGeom {
  N: number; C: number; H: number; W: number; OC: number; KH: number; KW: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number;
}
export const convOutSize = (i: number, k: number, s: number, p: number, d: number): number =>
  Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;

/** Cross-correlation with zero padding, dilation and groups, + bias, optionally relu. */
export function conv2d(x: Num, w: Num, b: Num | null, g: ConvGeom, relu = false): Ref {
  const OH = convOutSize(g.H, g.KH, g.sh, g.ph, g.dh);
  const OW = convOutSize(g.W, g.KW, g.sw, g.pw, g.dw);
  const Cg = g.C / g.groups;
  const OCg = g.OC / g.groups;
  const o = new Float64Array(g.N * g.OC * OH * OW);
  let k = 0;
  for (let n = 0; n < g.N; n++)
    for (let oc = 0; oc < g.OC; oc++) {
      const grp = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b[oc] : 0;
          for (let ci = 0; ci < Cg; ci++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.sh - g.ph + kh * g.dh;
                const iw = ow * g.sw - g.pw + kw * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += x[((n * g.C + grp * Cg + ci) * g.H + ih) * g.W + iw] * w[((oc * Cg + ci) * g.KH + kh) * g.KW + kw];
              }
          o[k++] = relu ? Math.max(s, 0) : s;
        }
    }
  return { shape: [g.N, g.OC, OH, OW], data: o };
}

/**
 * Transposed convolution from its definition: every input pixel scatters x * w into the output
 * window it maps to. x (N, C, H, W), w (C, OC / groups, KH, KW); g.sh.. as for conv2d; op: output padding.
 */
export function convTranspose2d(x: Num, w: Num, b: Num | null, N: number, C: number, H: number, W: number, OCg: number,
  KH: number, KW: number, g: { sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number; oph: number; opw: number }): Ref {
  const OC = OCg * g.groups;
  const Cg = C / g.groups;
  const OH = (H - 1) * g.sh - 2 * g.ph + g.dh * (KH - 1) + g.oph + 1;
  const OW = (W - 1) * g.sw - 2 * g.pw + g.dw * (KW - 1) + g.opw + 1;
  const o = new Float64Array(N * OC * OH * OW);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const grp = Math.floor(c / Cg);
      for (let h = 0; h < H; h++)
        for (let wi = 0; wi < W; wi++) {
          const v = x[((n * C + c) * H + h) * W + wi];
          for (let oc = 0; oc < OCg; oc++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const oh = h * g.sh - g.ph + kh * g.dh;
                const ow = wi * g.sw - g.pw + kw * g.dw;
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                o[((n * OC + grp * OCg + oc) * OH + oh) * OW + ow] += v * w[((c * OCg + oc) * KH + kh) * KW + kw];
              }
        }
    }
  if (b) for (let i = 0; i < o.length; i++) o[i] += b[Math.floor(i / (OH * OW)) % OC];
  return { shape: [N, OC, OH, OW], data: o };
}

/** Pooling geometry over (N, C, H, W); dilation is 1 for average pooling. */
export interface PoolGeom {
  N: number; C: number; H: number; W: number; KH: number; KW: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; ceil: boolean;
}
/** PyTorch's pooling output size: in ceil mode the last window must start inside the input or its left padding. */
export function poolOutSize(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = i + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}

/** Max pooling: values and the flat in-plane index of the first maximum of each window. */
export function maxPool2d(x: Num, g: PoolGeom): Ref & { idx: number[] } {
  const OH = poolOutSize(g.H, g.KH, g.sh, g.ph, g.dh, g.ceil);
  const OW = poolOutSize(g.W, g.KW, g.sw, g.pw, g.dw, g.ceil);
  const o = new Float64Array(g.N * g.C * OH * OW);
  const idx: number[] = [];
  let k = 0;
  for (let pl = 0; pl < g.N * g.C; pl++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        let arg = -1;
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++) {
            const ih = oh * g.sh - g.ph + kh * g.dh;
            const iw = ow * g.sw - g.pw + kw * g.dw;
            if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
            const v = x[pl * g.H * g.W + ih * g.W + iw];
            if (arg < 0 || v > best) { best = v; arg = ih * g.W + iw; }
          }
        o[k++] = best;
        idx.push(arg);
      }
  return { shape: [g.N, g.C, OH, OW], data: o, idx };
}

/** Average pooling from PyTorch's divisor rule: with countIncludePad, the window positions inside the padded input. */
export function avgPool2d(x: Num, g: PoolGeom, includePad: boolean): Ref {
  const OH = poolOutSize(g.H, g.KH, g.sh, g.ph, 1, g.ceil);
  const OW = poolOutSize(g.W, g.KW, g.sw, g.pw, 1, g.ceil);
  const o = new Float64Array(g.N * g.C * OH * OW);
  let k = 0;
  for (let pl = 0; pl < g.N * g.C; pl++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        let real = 0;
        let padded = 0;
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++) {
            const ih = oh * g.sh - g.ph + kh;
            const iw = ow * g.sw - g.pw + kw;
            if (ih < g.H + g.ph && iw < g.W + g.pw) padded++;
            if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
            s += x[pl * g.H * g.W + ih * g.W + iw];
            real++;
          }
        o[k++] = s / (includePad ? padded : real);
      }
  return { shape: [g.N, g.C, OH, OW], data: o };
}

/** Adaptive average pooling: cell i averages [floor(i H / OH), ceil((i + 1) H / OH)). */
export function adaptiveAvgPool2d(x: Num, N: number, C: number, H: number, W: number, OH: number, OW: number): Ref {
  const o = new Float64Array(N * C * OH * OW);
  let k = 0;
  for (let pl = 0; pl < N * C; pl++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const h0 = Math.floor((i * H) / OH);
        const h1 = Math.ceil(((i + 1) * H) / OH);
        const w0 = Math.floor((j * W) / OW);
        const w1 = Math.ceil(((j + 1) * W) / OW);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[pl * H * W + h * W + w];
        o[k++] = s / ((h1 - h0) * (w1 - w0));
      }
  return { shape: [N, C, OH, OW], data: o };
}

/**
 * Bilinear resize, PyTorch's coordinates, as a sum of hat weights (not the two-tap form of the
 * kernel): output i reads src = i (in - 1) / (out - 1) (alignCorners; 0 for one output) or
 * (i + 0.5) / s - 0.5 with s the scale factor (out / in when sf is 0), clamped to [0, in - 1];
 * input h weighs max(0, 1 - |src - h|).
 */
export function upsampleBilinear2d(x: Num, N: number, C: number, H: number, W: number, OH: number, OW: number,
  alignCorners: boolean, sfh: number, sfw: number): Ref {
  const weights = (inp: number, out: number, sf: number): F64[] => Array.from({ length: out }, (_, i) => {
    let src = alignCorners ? (out > 1 ? (i * (inp - 1)) / (out - 1) : 0) : (i + 0.5) / (sf > 0 ? sf : out / inp) - 0.5;
    src = Math.min(Math.max(src, 0), inp - 1);
    return Float64Array.from({ length: inp }, (_, h) => Math.max(0, 1 - Math.abs(src - h)));
  });
  const wh = weights(H, OH, sfh);
  const ww = weights(W, OW, sfw);
  const o = new Float64Array(N * C * OH * OW);
  for (let pl = 0; pl < N * C; pl++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        let s = 0;
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) s += wh[i][h] * ww[j][w] * x[pl * H * W + h * W + w];
        o[(pl * OH + i) * OW + j] = s;
      }
  return { shape: [N, C, OH, OW], data: o };
}

// ---------------------------------------------------------------- losses

export type Red = 'mean' | 'sum' | 'none' | 'batchmean';

function reduceLoss(per: F64, shape: number[], red: Red, denom = per.length): Ref {
  if (red === 'none') return { shape, data: per };
  let s = 0;
  for (const v of per) s += v;
  return { shape: [], data: Float64Array.of(red === 'sum' ? s : s / denom) };
}

export function pairLoss(kind: 'mse' | 'l1' | 'huber', x: F64, y: F64, shape: number[], red: Red, delta = 1): Ref {
  const per = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    const a = Math.abs(d);
    per[i] = kind === 'mse' ? d * d : kind === 'l1' ? a : a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }
  return reduceLoss(per, shape, red);
}

/** Binary cross-entropy on probabilities; each log clamped at -100 like PyTorch. */
export function bce(x: F64, t: F64, shape: number[], red: Red): Ref {
  const per = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    per[i] = -(t[i] * Math.max(Math.log(x[i]), -100) + (1 - t[i]) * Math.max(Math.log(1 - x[i]), -100));
  }
  return reduceLoss(per, shape, red);
}

/** -(pw t log sigma(x) + (1 - t) log(1 - sigma(x))), pw per last-axis column. */
export function bceWithLogits(x: F64, t: F64, shape: number[], pw: F64 | null, red: Red): Ref {
  const C = shape.length ? shape[shape.length - 1] : 1;
  const per = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = pw ? pw[i % C] : 1;
    // log sigma(x) = -log1pExp(-x), log(1 - sigma(x)) = -log1pExp(x)
    per[i] = p * t[i] * log1pExp(-x[i]) + (1 - t[i]) * log1pExp(x[i]);
  }
  return reduceLoss(per, shape, red);
}

/**
 * Cross-entropy from logits (N, C). Labels: PyTorch's rule with class weights w, label
 * smoothing e and ignoreIndex: loss_i = (1-e) w[y] (-logp[y]) + e/C sum_c w[c] (-logp[c]);
 * 'mean' divides by the sum of w[y_i] over non-ignored rows. Dense probabilities:
 * loss_i = -sum_c w[c] t'[c] logp[c] with t' = (1-e) t + e/C; 'mean' divides by N.
 */
export function crossEntropy(x: F64, N: number, C: number, target: F64, dense: boolean, w: F64 | null, eps: number,
  red: Red, ignore = -100): Ref {
  const per = new Float64Array(N);
  let denom = 0;
  for (let i = 0; i < N; i++) {
    const lp = logSoftmaxRow(x.subarray(i * C, (i + 1) * C));
    if (dense) {
      let s = 0;
      for (let c = 0; c < C; c++) s -= (w ? w[c] : 1) * ((1 - eps) * target[i * C + c] + eps / C) * lp[c];
      per[i] = s;
      denom += 1;
    } else {
      const y = target[i];
      if (y === ignore) continue;
      let smooth = 0;
      for (let c = 0; c < C; c++) smooth -= (w ? w[c] : 1) * lp[c];
      per[i] = (1 - eps) * (w ? w[y] : 1) * -lp[y] + (eps / C) * smooth;
      denom += w ? w[y] : 1;
    }
  }
  return reduceLoss(per, [N], red, denom);
}

/** -w[y] x[i, y]; 'mean' divides by the sum of w[y_i] over non-ignored rows. */
export function nll(x: F64, N: number, C: number, labels: F64, w: F64 | null, red: Red, ignore = -100): Ref {
  const per = new Float64Array(N);
  let denom = 0;
  for (let i = 0; i < N; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    const wy = w ? w[y] : 1;
    per[i] = -wy * x[i * C + y];
    denom += wy;
  }
  return reduceLoss(per, [N], red, denom);
}

/** KL(p || q) with input = log q: p (log p - input), 0 where p == 0; logTarget: exp(t) (t - input). */
export function klDiv(x: F64, t: F64, shape: number[], red: Red, logTarget: boolean): Ref {
  const per = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (logTarget) per[i] = Math.exp(t[i]) * (t[i] - x[i]);
    else per[i] = t[i] > 0 ? t[i] * (Math.log(t[i]) - x[i]) : 0;
  }
  const batch = shape.length ? shape[0] : 1;
  if (red === 'batchmean') return reduceLoss(per, shape, 'mean', batch);
  return reduceLoss(per, shape, red);
}

export function hinge(x: F64, y: F64, shape: number[], red: Red, margin = 1): Ref {
  return reduceLoss(map(x, (v) => v).map((v, i) => Math.max(0, margin - y[i] * v)), shape, red);
}

// ---- text (issue 14): EmbeddingBag ----------------------------------------------------------

/**
 * PyTorch's embedding_bag from the definition: bag b = idx[bounds[b], bounds[b + 1]), padding
 * entries left out; sum (optionally weighted), mean over the rows kept, or the per-column max
 * (first maximum wins); an empty bag is zeros.
 */
export function embeddingBag(w: F64, V: number, D: number, idx: F64, bounds: readonly number[], mode: 'sum' | 'mean' | 'max',
  psw: F64 | null, pad: number): Ref {
  const B = bounds.length - 1;
  const o = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    const rows: number[] = [];
    const scales: number[] = [];
    for (let k = bounds[b]; k < bounds[b + 1]; k++) {
      if (idx[k] === pad) continue;
      rows.push(idx[k]);
      scales.push(psw ? psw[k] : 1);
    }
    for (let d = 0; d < D; d++) {
      if (rows.length === 0) continue;
      if (mode === 'max') {
        let m = -Infinity;
        for (const r of rows) m = Math.max(m, w[r * D + d]);
        o[b * D + d] = m;
      } else {
        let s = 0;
        rows.forEach((r, j) => { s += scales[j] * w[r * D + d]; });
        o[b * D + d] = mode === 'mean' ? s / rows.length : s;
      }
    }
  }
  void V;
  return { shape: [B, D], data: o };
}

/** Smallest gap between a bag's column maximum and the runner-up from another row (max's kink). */
export function embeddingBagMaxGap(w: F64, D: number, idx: F64, bounds: readonly number[], pad: number): number {
  let gap = Infinity;
  for (let b = 0; b + 1 < bounds.length; b++) {
    const rows = [...new Set(Array.from(idx.subarray(bounds[b], bounds[b + 1])).filter((r) => r !== pad))];
    for (let d = 0; d < D; d++) {
      const vals = rows.map((r) => w[r * D + d]).sort((p, q) => q - p);
      if (vals.length > 1) gap = Math.min(gap, vals[0] - vals[1]);
    }
  }
  return gap;
}

/** Batched a (..., M, K) @ b (..., K, N) with optional transposes (issue 14). */
export function bmm(a: F64, sa: number[], b: F64, sb: number[], tA: boolean, tB: boolean): Ref {
  const r = sa.length;
  const [M, K] = tA ? [sa[r - 1], sa[r - 2]] : [sa[r - 2], sa[r - 1]];
  const N = tB ? sb[r - 2] : sb[r - 1];
  const batch = a.length / (M * K);
  const o = new Float64Array(batch * M * N);
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = tA ? a[n * M * K + k * M + i] : a[n * M * K + i * K + k];
          const bv = tB ? b[n * K * N + j * K + k] : b[n * K * N + k * N + j];
          s += av * bv;
        }
        o[n * M * N + i * N + j] = s;
      }
  return { shape: [...sa.slice(0, -2), M, N], data: o };
}

/** Multi-head attention on (B, Tq, E) / (B, Tk, E) with heads side by side; causal: key j <= query i. */
export function multiHeadAttention(q: F64, k: F64, v: F64, B: number, Tq: number, Tk: number, E: number, H: number,
  causal: boolean): Ref {
  const D = E / H;
  const o = new Float64Array(B * Tq * E);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const s = new Float64Array(Tk);
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          let t = 0;
          for (let d = 0; d < D; d++) t += q[(b * Tq + i) * E + h * D + d] * k[(b * Tk + j) * E + h * D + d];
          s[j] = causal && j > i ? -Infinity : t / Math.sqrt(D);
          mx = Math.max(mx, s[j]);
        }
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += Math.exp(s[j] - mx);
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j < Tk; j++) acc += (Math.exp(s[j] - mx) / sum) * v[(b * Tk + j) * E + h * D + d];
          o[(b * Tq + i) * E + h * D + d] = acc;
        }
      }
  return { shape: [B, Tq, E], data: o };
}

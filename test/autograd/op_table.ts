// THE op table (in the style of ggml's test-backend-ops): one entry per op configuration drives
//   forward.test.ts    nodegrad forward vs the naive double reference in ./reference.ts
//   gradcheck.test.ts  nodegrad backward vs central finite differences of that reference (double)
//   determinism.test.ts  large entries rerun bit-identically (same seed and thread count)
// and coverage.test.ts fails when a function exported from lib/ops/index.ts or
// lib/losses/index.ts has no entry here, so a new op cannot land without its tests.
// Large entries ('large/...', above the kernels' OpenMP threshold) run forward with 1 and 2
// threads. (Performance mode lives in bench/, not here.)
//
// HOW TO ADD AN OP
//   1. Write its double-precision reference in ./reference.ts (plain loops over Float64Array,
//      from the definition; smooth wherever the op is differentiable).
//   2. Add one or more entries to ENTRIES below:
//        name    unique, 'op/variant/shape' (shapes awkward on purpose: 1, 3, 17, 33, 255 - never
//                multiples of the SIMD width, so vector tails are exercised)
//        fn      the export it covers, 'ops.<name>' or 'losses.<name>'
//        inputs  [{ name, shape, gen, grad?, int? }]: gen draws the values from a seeded Rng (values
//                are rounded to float32 before use, so nodegrad and the reference see the same
//                numbers); grad: true marks the inputs gradcheck differentiates; int: int32 input
//        run     the nodegrad call on tensors made from those inputs (same order)
//        ref     the reference on Float64Arrays (same order); ctx.out is nodegrad's output, for
//                stochastic ops (dropout) whose reference needs the drawn mask, and for values
//                that must act as constants (embedding's padding row) (usesOutput: true)
//        reduce  the longest sum that feeds one output element (matmul: K, softmax: C, ...);
//                tolerances scale with it
//        fdSample  large entries: finite differences on this many sampled coordinates per input
//                (each costs two full reference evaluations; a coordinate straddling a kink is
//                detected by comparing steps h and h/2 and skipped)
//        kink    distance from the inputs to the nearest non-differentiable point (ReLU at 0,
//                L1 at input == target, max ties, clamp bounds, ...). Generators already keep
//                away from kinks; gradcheck regenerates with the next seed while the distance
//                is below 100 finite-difference steps, and fails if it never gets clear.
//   3. `npx vitest run test/autograd` - coverage, forward and gradcheck pick the entry up.
import * as ng from '../../lib';
import type { Tensor } from '../../lib';
import * as R from './reference';
import { F64, Ref, Rng, size } from './reference';
import { rnnReference, RNN_GATES } from '../helpers/rnn-reference';

export type Gen = (rng: Rng, n: number, prev: F64[]) => F64;

export interface InputSpec {
  name: string;
  shape: number[];
  gen: Gen;
  /** Differentiable input: gradcheck compares its gradient. */
  grad?: boolean;
  /** int32 tensor (labels, indices). */
  int?: boolean;
}

export interface RefCtx {
  /** nodegrad's forward output (only stochastic ops read it). */
  out: F64;
}

export interface OpEntry {
  name: string;
  fn: string;
  inputs: InputSpec[];
  run: (xs: Tensor[]) => Tensor;
  ref: (xs: F64[], ctx: RefCtx) => Ref;
  reduce?: number;
  kink?: (xs: F64[]) => number;
  usesOutput?: boolean;
  /** Large entries (above the kernels' OpenMP threshold): gradcheck this many sampled coordinates per input. */
  fdSample?: number;
}

// ---------------------------------------------------------------- generators

const gen = (f: (rng: Rng) => number): Gen => (rng, n) => {
  const o = new Float64Array(n);
  for (let i = 0; i < n; i++) o[i] = f(rng);
  return o;
};
/** Normal(0, s). */
export const N = (s = 1): Gen => gen((r) => s * r.normal());
/** Uniform [lo, hi). */
export const U = (lo: number, hi: number): Gen => gen((r) => r.uniform(lo, hi));
/** Uniform magnitude in [lo, hi) with a random sign (keeps |x| >= lo: away from 0). */
export const PM = (lo: number, hi: number): Gen => gen((r) => (r.next() < 0.5 ? -1 : 1) * r.uniform(lo, hi));
/** Resamples values closer than `margin` to any of `points`. */
export const away = (g: Gen, points: number[], margin: number): Gen => (rng, n, prev) => {
  const o = g(rng, n, prev);
  for (let i = 0; i < n; i++) {
    while (points.some((p) => Math.abs(o[i] - p) < margin)) o[i] = g(rng, 1, prev)[0];
  }
  return o;
};
/** Distinct values (a shuffled grid plus jitter): no ties for max, gaps >> the FD step. */
export const distinct = (spread = 4): Gen => (rng, n) => {
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
  const step = spread / Math.max(n, 1);
  return Float64Array.from(perm, (p) => (p - n / 2) * step + rng.uniform(0, 0.4 * step));
};
/** Integers in [0, k). */
export const INT = (k: number): Gen => gen((r) => r.int(k));
/** prev[k] + an offset of magnitude in [lo, hi) and random sign (L1/Huber away from their kinks). */
export const OFFSET = (k: number, lo: number, hi: number): Gen => (rng, n, prev) =>
  Float64Array.from(prev[k], (v) => v + (rng.next() < 0.5 ? -1 : 1) * rng.uniform(lo, hi));
/** Rows of C probabilities summing to 1 (softmax of normals); `zeros` puts exact zeros in. */
export const PROBS = (C: number, zeros = false): Gen => (rng, n) => {
  const o = new Float64Array(n);
  for (let r = 0; r < n / C; r++) {
    const row = R.softmaxRow(Float64Array.from({ length: C }, () => rng.normal()));
    if (zeros) row[rng.int(C)] = 0;
    o.set(row, r * C);
  }
  return o;
};
/** Integers in [0, k) with `v` forced at positions 0 and n-1 (so the special value surely occurs). */
export const INT_WITH = (k: number, v: number): Gen => (rng, n, prev) => {
  const o = INT(k)(rng, n, prev);
  o[0] = v;
  o[n - 1] = v;
  return o;
};
/** -1 or +1. */
export const SIGN: Gen = gen((r) => (r.next() < 0.5 ? -1 : 1));

/** Inputs rounded to float32 so nodegrad and the reference see the same values. */
export function makeInputs(e: OpEntry, seed: number): F64[] {
  const rng = new Rng(seed);
  const xs: F64[] = [];
  for (const s of e.inputs) xs.push(Float64Array.from(s.gen(rng, size(s.shape), xs), (v) => Math.fround(v)));
  return xs;
}

/** nodegrad tensors for the inputs (differentiable ones require grad). */
export function toTensors(e: OpEntry, xs: F64[]): Tensor[] {
  return e.inputs.map((s, i) => (s.int
    ? ng.fromArray(Int32Array.from(xs[i]), s.shape)
    : ng.fromArray(Float32Array.from(xs[i]), s.shape, { requiresGrad: !!s.grad })));
}

export const isDifferentiable = (e: OpEntry): boolean => e.inputs.some((s) => s.grad);

// ---------------------------------------------------------------- helpers for entries

const x1 = (shape: number[], g: Gen = N(), grad = true): InputSpec[] => [{ name: 'x', shape, gen: g, grad }];
const nameOf = (s: number[]): string => (s.length ? s.join('x') : 'scalar');
/** Distance of any value to any of the points. */
const distTo = (x: F64, pts: number[]): number => {
  let m = Infinity;
  for (const v of x) for (const p of pts) m = Math.min(m, Math.abs(v - p));
  return m;
};
/** Smallest gap between the largest and second largest value along an axis (max/argmax ties). */
function topGap(x: F64, shape: number[], axis: number | undefined): number {
  const ax = axis === undefined ? undefined : axis < 0 ? axis + shape.length : axis;
  let outer = 1;
  let inner = 1;
  let dim = x.length;
  if (ax !== undefined) {
    dim = shape[ax];
    for (let i = 0; i < ax; i++) outer *= shape[i];
    for (let i = ax + 1; i < shape.length; i++) inner *= shape[i];
  }
  let gap = Infinity;
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      let m1 = -Infinity;
      let m2 = -Infinity;
      for (let d = 0; d < dim; d++) {
        const v = x[(a * dim + d) * inner + c];
        if (v > m1) { m2 = m1; m1 = v; } else if (v > m2) m2 = v;
      }
      if (dim > 1) gap = Math.min(gap, m1 - m2);
    }
  }
  return gap;
}

const ENTRIES: OpEntry[] = [];
const add = (e: OpEntry): void => { ENTRIES.push(e); };

// ---------------------------------------------------------------- elementwise binary (broadcasting)

type Bin = 'add' | 'sub' | 'mul' | 'div';
const BIN: Record<Bin, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
};
const BCAST: [string, number[], number[]][] = [
  ['same', [3, 17], [3, 17]], ['same', [2, 255], [2, 255]], ['same', [1, 1], [1, 1]],
  ['row', [5, 33], [1, 33]], ['vec', [5, 33], [33]], ['col', [5, 33], [5, 1]], ['scalar', [3, 17], []],
  ['scalarA', [], [3, 17]], ['outer', [5, 1], [1, 7]], ['rank3', [2, 3, 17], [3, 1]], ['rank4', [2, 1, 3, 5], [3, 1]],
];
for (const op of ['add', 'sub', 'mul', 'div'] as Bin[]) {
  for (const [kind, sa, sb] of BCAST) {
    add({
      name: `${op}/${kind}/${nameOf(sa)}+${nameOf(sb)}`, fn: `ops.${op}`,
      inputs: [{ name: 'a', shape: sa, gen: N(), grad: true },
        { name: 'b', shape: sb, gen: op === 'div' ? PM(0.5, 2) : N(), grad: true }],
      run: ([a, b]) => ng[op](a, b),
      ref: ([a, b]) => R.broadcast(a, sa, b, sb, BIN[op]),
      reduce: (size(sa) + size(sb)), // broadcast backward sums the gradient over the broadcast dims
    });
  }
}
// Tensor-number forms (separate kernels: addScalar, mulScalar, rdivScalar; s - x is neg + addScalar).
const SCALAR_FORMS: [string, Bin, (x: Tensor) => Tensor, (v: number) => number, Gen][] = [
  ['add/number/x+2.5', 'add', (x) => ng.add(x, 2.5), (v) => v + 2.5, N()],
  ['add/number/2.5+x', 'add', (x) => ng.add(2.5, x), (v) => 2.5 + v, N()],
  ['sub/number/x-3', 'sub', (x) => ng.sub(x, 3), (v) => v - 3, N()],
  ['sub/number/3-x', 'sub', (x) => ng.sub(3, x), (v) => 3 - v, N()],
  ['mul/number/x*-1.5', 'mul', (x) => ng.mul(x, -1.5), (v) => v * -1.5, N()],
  ['mul/number/2*x', 'mul', (x) => ng.mul(2, x), (v) => 2 * v, N()],
  ['div/number/x/4', 'div', (x) => ng.div(x, 4), (v) => v / 4, N()],
  ['div/number/x/3', 'div', (x) => ng.div(x, 3), (v) => v / 3, N()],
  ['div/number/3/x', 'div', (x) => ng.div(3, x), (v) => 3 / v, PM(0.5, 2)],
];
for (const [name, op, run, f, g] of SCALAR_FORMS) {
  add({ name: `${name}/3x17`, fn: `ops.${op}`, inputs: x1([3, 17], g), run: ([x]) => run(x), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, f) }) });
}

// ---------------------------------------------------------------- elementwise unary

const UNARY: [string, (x: Tensor) => Tensor, (v: number) => number, Gen, number[]?][] = [
  ['neg', ng.neg, (v) => -v, N()],
  ['exp', ng.exp, Math.exp, U(-5, 5)],
  ['log', ng.log, Math.log, U(0.05, 5)],
  ['sqrt', ng.sqrt, Math.sqrt, U(0.05, 5)],
  ['abs', ng.abs, Math.abs, PM(0.01, 3), [0]],
  ['square', ng.square, (v) => v * v, N(2)],
  ['log1p', ng.log1p, Math.log1p, U(-0.9, 5)],
  ['sin', ng.sin, Math.sin, U(-7, 7)],
  ['cos', ng.cos, Math.cos, U(-7, 7)],
  ['clone', ng.clone, (v) => v, N()],
  ['relu', ng.relu, (v) => (v > 0 ? v : 0), PM(0.01, 3), [0]],
  ['selu', ng.selu, (v) => R.SELU_SCALE * R.elu(v, R.SELU_ALPHA), PM(0.01, 4), [0]],
  ['silu', ng.silu, (v) => v * R.sigmoid(v), U(-8, 8)],
  ['hardswish', ng.hardswish, (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6, U(-5, 5), [-3, 3]],
  ['sigmoid', ng.sigmoid, R.sigmoid, U(-8, 8)],
  ['tanh', ng.tanh, Math.tanh, U(-4, 4)],
];
for (const [op, run, f, g, kinks] of UNARY) {
  for (const shape of [[1, 1], [3, 17], [2, 255], [17]]) {
    add({
      name: `${op}/${nameOf(shape)}`, fn: `ops.${op}`, inputs: x1(shape, g), run: ([x]) => run(x),
      ref: ([x]) => ({ shape, data: R.map(x, f) }), kink: kinks ? ([x]) => distTo(x, kinks) : undefined,
    });
  }
}
for (const [variant, g] of [['wide', U(-30, 30)]] as [string, Gen][]) {
  add({ name: `sigmoid/${variant}/3x17`, fn: 'ops.sigmoid', inputs: x1([3, 17], g), run: ([x]) => ng.sigmoid(x), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, R.sigmoid) }) });
  add({ name: `tanh/${variant}/3x17`, fn: 'ops.tanh', inputs: x1([3, 17], g), run: ([x]) => ng.tanh(x), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, Math.tanh) }) });
  add({ name: `silu/${variant}/3x17`, fn: 'ops.silu', inputs: x1([3, 17], g), run: ([x]) => ng.silu(x), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => v * R.sigmoid(v)) }) });
}
for (const p of [2, 3, 0.5, -1.5, 1]) {
  const g = Number.isInteger(p) ? N() : U(0.1, 4);
  add({ name: `pow/p${p}/3x17`, fn: 'ops.pow', inputs: x1([3, 17], g), run: ([x]) => ng.pow(x, p), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => v ** p) }) });
}
for (const [lo, hi] of [[-0.5, 0.7], [-Infinity, 0.3], [-0.2, Infinity]]) {
  const pts = [lo, hi].filter(Number.isFinite);
  add({
    name: `clamp/${lo},${hi}/2x255`, fn: 'ops.clamp', inputs: x1([2, 255], away(N(), pts, 0.01)),
    run: ([x]) => ng.clamp(x, lo, hi), ref: ([x]) => ({ shape: [2, 255], data: R.map(x, (v) => Math.min(Math.max(v, lo), hi)) }),
    kink: ([x]) => distTo(x, pts),
  });
}
for (const slope of [0.01, 0.2]) {
  for (const shape of [[3, 17], [2, 255]]) {
    add({
      name: `leakyRelu/slope${slope}/${nameOf(shape)}`, fn: 'ops.leakyRelu', inputs: x1(shape, PM(0.01, 3)),
      run: ([x]) => ng.leakyRelu(x, slope), ref: ([x]) => ({ shape, data: R.map(x, (v) => (v > 0 ? v : slope * v)) }),
      kink: ([x]) => distTo(x, [0]),
    });
  }
}
for (const alpha of [1, 0.5]) {
  add({
    name: `elu/alpha${alpha}/2x255`, fn: 'ops.elu', inputs: x1([2, 255], PM(0.01, 4)),
    run: ([x]) => ng.elu(x, alpha), ref: ([x]) => ({ shape: [2, 255], data: R.map(x, (v) => R.elu(v, alpha)) }),
    kink: alpha === 1 ? undefined : ([x]) => distTo(x, [0]), // alpha = 1: C1 at 0
  });
}
for (const [approx, f] of [['none', R.gelu], ['tanh', R.geluTanh]] as const) {
  for (const shape of [[3, 17], [2, 255]]) {
    add({
      name: `gelu/${approx}/${nameOf(shape)}`, fn: 'ops.gelu', inputs: x1(shape, U(-6, 6)),
      run: ([x]) => ng.gelu(x, { approximate: approx }), ref: ([x]) => ({ shape, data: R.map(x, f) }),
    });
  }
}
for (const [beta, thr, g] of [[1, 20, U(-30, 30)], [2, 5, U(-6, 6)], [0.5, 20, U(-10, 10)]] as [number, number, Gen][]) {
  // The threshold switch (x * beta > threshold -> x) is a (tiny) discontinuity: keep away from it.
  add({
    name: `softplus/beta${beta}/thr${thr}/3x17`, fn: 'ops.softplus', inputs: x1([3, 17], away(g, [thr / beta], 0.05)),
    run: ([x]) => ng.softplus(x, beta, thr), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => R.softplus(v, beta, thr)) }),
    kink: ([x]) => distTo(x, [thr / beta]),
  });
}

// ---------------------------------------------------------------- reductions

const RED_CASES: [number[], number | undefined, boolean][] = [
  [[3, 17], undefined, false], [[3, 17], undefined, true], [[3, 17], 0, false], [[3, 17], 1, true],
  [[2, 255], 1, false], [[2, 255], -1, true], [[1, 1], 0, false], [[2, 3, 17], 1, false], [[2, 3, 17], -1, true],
  [[255], 0, false],
];
for (const kind of ['sum', 'mean', 'max'] as const) {
  for (const [shape, axis, keepdim] of RED_CASES) {
    const reduce = axis === undefined ? size(shape) : shape[axis < 0 ? axis + shape.length : axis];
    add({
      name: `${kind}/${axis === undefined ? 'all' : `axis${axis}`}${keepdim ? 'Keep' : ''}/${nameOf(shape)}`, fn: `ops.${kind}`,
      inputs: x1(shape, kind === 'max' ? distinct() : N()),
      run: ([x]) => ng[kind](x, axis, keepdim),
      ref: ([x]) => R.reduce(kind, x, shape, axis, keepdim),
      reduce,
      kink: kind === 'max' ? ([x]) => topGap(x, shape, axis) / 2 : undefined,
    });
  }
}
for (const [shape, axis, keepdim] of [[[3, 17], -1, false], [[3, 17], 0, true], [[2, 255], 1, false], [[2, 3, 17], 1, false], [[1], 0, false]] as [number[], number, boolean][]) {
  add({
    name: `argmax/axis${axis}${keepdim ? 'Keep' : ''}/${nameOf(shape)}`, fn: 'ops.argmax', inputs: x1(shape, distinct(), false),
    run: ([x]) => ng.argmax(x, axis, keepdim), ref: ([x]) => R.reduce('argmax', x, shape, axis, keepdim),
  });
}

// ---------------------------------------------------------------- softmax family

for (const shape of [[1, 1], [3, 17], [2, 255], [2, 3, 17], [17]]) {
  const C = shape[shape.length - 1];
  add({ name: `softmax/${nameOf(shape)}`, fn: 'ops.softmax', inputs: x1(shape, N(3)), run: ([x]) => ng.softmax(x), ref: ([x]) => ({ shape, data: R.rows(x, C, R.softmaxRow) }), reduce: C });
  add({ name: `logSoftmax/${nameOf(shape)}`, fn: 'ops.logSoftmax', inputs: x1(shape, N(3)), run: ([x]) => ng.logSoftmax(x, -1), ref: ([x]) => ({ shape, data: R.rows(x, C, R.logSoftmaxRow) }), reduce: C });
}

// ---------------------------------------------------------------- matmul and the fused linear layer

for (const [sa, sb] of [[[1, 1], [1, 1]], [[3, 17], [17, 5]], [[5, 33], [33, 7]], [[2, 255], [255, 3]], [[17, 3], [3, 33]],
  [[17], [17, 5]], [[2, 3, 17], [17, 5]]] as [number[], number[]][]) {
  add({
    name: `matmul/${nameOf(sa)}@${nameOf(sb)}`, fn: 'ops.matmul',
    inputs: [{ name: 'a', shape: sa, gen: N(), grad: true }, { name: 'b', shape: sb, gen: N(), grad: true }],
    run: ([a, b]) => ng.matmul(a, b), ref: ([a, b]) => R.matmul(a, sa, b, sb),
    reduce: Math.max(sa[sa.length - 1], size(sa) / sa[sa.length - 1]), // K for out and dA, rows for dB
  });
}
// matmul of batches (same leading dims): bmm's kernels
for (const [sa, sb] of [[[3, 4, 17], [3, 17, 5]], [[2, 3, 5, 7], [2, 3, 7, 1]], [[1, 1, 3], [1, 3, 17]]] as [number[], number[]][]) {
  add({
    name: `matmul/batched/${nameOf(sa)}@${nameOf(sb)}`, fn: 'ops.matmul',
    inputs: [{ name: 'a', shape: sa, gen: N(), grad: true }, { name: 'b', shape: sb, gen: N(), grad: true }],
    run: ([a, b]) => ng.matmul(a, b), ref: ([a, b]) => R.bmm(a, sa, b, sb, false, false),
    reduce: Math.max(sa[sa.length - 1], sa[sa.length - 2]),
  });
}
// bmm and multi-head attention (issue 14)
for (const [sa, sb, tA, tB] of [[[3, 4, 5], [3, 5, 2], false, false], [[2, 5, 3], [2, 5, 17], true, false],
  [[1, 1, 3], [1, 17, 3], false, true], [[2, 3, 5], [2, 4, 3], true, true]] as [number[], number[], boolean, boolean][]) {
  add({
    name: `bmm/${tA ? 'tA/' : ''}${tB ? 'tB/' : ''}${nameOf(sa)}@${nameOf(sb)}`, fn: 'ops.bmm',
    inputs: [{ name: 'a', shape: sa, gen: N(), grad: true }, { name: 'b', shape: sb, gen: N(), grad: true }],
    run: ([a, b]) => ng.bmm(a, b, { transA: tA, transB: tB }), ref: ([a, b]) => R.bmm(a, sa, b, sb, tA, tB),
    reduce: 17,
  });
}
for (const [B, Tq, Tk, E, H, causal] of [[2, 3, 5, 6, 2, false], [1, 1, 1, 3, 1, false], [2, 17, 17, 4, 2, true]] as
  [number, number, number, number, number, boolean][]) {
  add({
    name: `multiHeadAttention/${causal ? 'causal/' : ''}B${B}xTq${Tq}xTk${Tk}xE${E}/H${H}`, fn: 'ops.multiHeadAttention',
    inputs: [{ name: 'q', shape: [B, Tq, E], gen: N(), grad: true }, { name: 'k', shape: [B, Tk, E], gen: N(), grad: true },
      { name: 'v', shape: [B, Tk, E], gen: N(), grad: true }],
    run: ([q, k, v]) => ng.multiHeadAttention(q, k, v, { numHeads: H, isCausal: causal })[0],
    ref: ([q, k, v]) => R.multiHeadAttention(q, k, v, B, Tq, Tk, E, H, causal), reduce: Math.max(Tk, E),
  });
}
const ACTS: R.Act[] = ['none', 'relu', 'sigmoid', 'tanh', 'gelu', 'geluTanh'];
for (const a of ACTS) {
  for (const [sx, OC, bias] of [[[7, 20], 5, true], [[3, 33], 17, true], [[7, 20], 5, false], [[1, 1], 1, true], [[2, 255], 3, true], [[2, 3, 17], 9, true]] as [number[], number, boolean][]) {
    if ((a === 'sigmoid' || a === 'tanh' || a === 'gelu' || a === 'geluTanh') && sx[1] === 255) continue;
    const C = sx[sx.length - 1];
    const sw = [OC, C];
    const inputs: InputSpec[] = [{ name: 'x', shape: sx, gen: N(), grad: true },
      { name: 'weight', shape: sw, gen: N(1 / Math.sqrt(C)), grad: true }];
    if (bias) inputs.push({ name: 'bias', shape: [OC], gen: N(0.5), grad: true });
    add({
      name: `linear/${a}${bias ? '' : '/noBias'}/${nameOf(sx)}x${OC}`, fn: 'ops.linear', inputs,
      run: ([x, w, b]) => ng.linear(x, w, bias ? b : null, a),
      ref: ([x, w, b]) => R.linear(x, sx, w, sw, bias ? b : null, a),
      reduce: Math.max(C, size(sx) / C, OC),
      kink: a === 'relu' ? ([x, w, b]) => distTo(R.preActivations(x, sx, w, sw, bias ? b : null), [0]) : undefined,
    });
  }
}

for (const a of ['none', 'relu', 'geluTanh'] as R.Act[]) {
  // 1-D input: one sample, output [OC]
  add({
    name: `linear/${a}/1d/17x5`, fn: 'ops.linear',
    inputs: [{ name: 'x', shape: [17], gen: N(), grad: true }, { name: 'weight', shape: [5, 17], gen: N(0.25), grad: true }, { name: 'bias', shape: [5], gen: N(0.5), grad: true }],
    run: ([x, w, b]) => ng.linear(x, w, b, a), ref: ([x, w, b]) => R.linear(x, [17], w, [5, 17], b, a), reduce: 17,
    kink: a === 'relu' ? ([x, w, b]) => distTo(R.preActivations(x, [17], w, [5, 17], b), [0]) : undefined,
  });
}
add({
  name: 'layerNorm/1d/17', fn: 'ops.layerNorm',
  inputs: [{ name: 'x', shape: [17], gen: N(2), grad: true }, { name: 'weight', shape: [17], gen: N(), grad: true }, { name: 'bias', shape: [17], gen: N(), grad: true }],
  run: ([x, w, b]) => ng.layerNorm(x, w, b), ref: ([x, w, b]) => R.layerNorm(x, [17], w, b, 1e-5), reduce: 17,
});

// ---------------------------------------------------------------- shape and data movement

for (const [sx, shape] of [[[3, 17], [17, 3]], [[3, 17], [51]], [[5, 33], [3, 5, 11]], [[2, 255], [-1, 34]], [[1, 1], [1]]] as [number[], number[]][]) {
  const out = shape.includes(-1) ? shape.map((d) => (d === -1 ? size(sx) / -size(shape) : d)) : shape;
  add({ name: `reshape/${nameOf(sx)}->${shape.join('x')}`, fn: 'ops.reshape', inputs: x1(sx), run: ([x]) => ng.reshape(x, shape), ref: ([x]) => ({ shape: out, data: x.slice() }) });
}
for (const [sx, sd] of [[[2, 3, 5], 1], [[2, 3, 5], 0], [[3, 17], -1], [[2, 3, 5, 7], 2]] as [number[], number][]) {
  const s = sd < 0 ? sd + sx.length : sd;
  const out = [...sx.slice(0, s), size(sx.slice(s))];
  add({ name: `flatten/start${sd}/${nameOf(sx)}`, fn: 'ops.flatten', inputs: x1(sx), run: ([x]) => ng.flatten(x, sd), ref: ([x]) => ({ shape: out, data: x.slice() }) });
}
for (const sx of [[1, 1], [3, 17], [2, 255], [2, 3, 5], [17, 33]]) {
  add({ name: `transpose/${nameOf(sx)}`, fn: 'ops.transpose', inputs: x1(sx), run: ([x]) => ng.transpose(x), ref: ([x]) => R.transpose(x, sx) });
}
for (const [axis, shapes] of [[0, [[3, 17], [2, 17], [1, 17]]], [1, [[2, 255], [2, 1], [2, 7]]], [0, [[1, 1], [1, 1]]],
  [-1, [[2, 3, 5], [2, 3, 1]]], [1, [[2, 3, 5], [2, 17, 5]]]] as [number, number[][]][]) {
  add({
    name: `concat/axis${axis}/${shapes.map(nameOf).join('+')}`, fn: 'ops.concat',
    inputs: shapes.map((s, i) => ({ name: `x${i}`, shape: s, gen: N(), grad: true })),
    run: (xs) => ng.concat(xs, axis), ref: (xs) => R.concat(xs, shapes, axis),
  });
}
for (const [sx, start, end, axis] of [[[5, 33], 1, 4, 0], [[3, 17], 0, 1, 0], [[2, 255], 3, 250, 1], [[2, 3, 17], 1, 3, 1],
  [[2, 3, 17], 5, 17, -1], [[7, 3], 2, undefined, 0]] as [number[], number, number | undefined, number][]) {
  const ax = axis < 0 ? axis + sx.length : axis;
  add({
    name: `slice/axis${axis}/${start}-${end ?? 'end'}/${nameOf(sx)}`, fn: 'ops.slice', inputs: x1(sx),
    run: ([x]) => ng.slice(x, start, end, axis), ref: ([x]) => R.slice(x, sx, start, end ?? sx[ax], axis),
  });
}
for (const [sx, n] of [[[5, 33], 7], [[3, 17], 1], [[1, 1], 3], [[10, 3], 12], [[4, 3, 5], 6]] as [number[], number][]) {
  add({
    name: `gather/${nameOf(sx)}/idx${n}`, fn: 'ops.gather',
    inputs: [{ name: 'x', shape: sx, gen: N(), grad: true }, { name: 'indices', shape: [n], gen: INT(sx[0]), int: true }],
    run: ([x, idx]) => ng.gather(x, idx), ref: ([x, idx]) => R.gatherRows(x, sx, idx),
    reduce: n, // repeated indices scatter-add in backward
  });
}

// ---------------------------------------------------------------- normalization

for (const [sx, affine] of [[[3, 17], true], [[5, 33], true], [[2, 255], true], [[2, 3, 17], true], [[4, 1], true], [[5, 33], false]] as [number[], boolean][]) {
  const C = sx[sx.length - 1];
  const inputs: InputSpec[] = [{ name: 'x', shape: sx, gen: N(2), grad: true }];
  if (affine) inputs.push({ name: 'weight', shape: [C], gen: N(), grad: true }, { name: 'bias', shape: [C], gen: N(), grad: true });
  add({
    name: `layerNorm/${affine ? '' : 'noAffine/'}${nameOf(sx)}`, fn: 'ops.layerNorm', inputs,
    run: ([x, w, b]) => ng.layerNorm(x, affine ? w : null, affine ? b : null, 1e-5),
    ref: ([x, w, b]) => R.layerNorm(x, sx, affine ? w : null, affine ? b : null, 1e-5),
    reduce: Math.max(C, size(sx) / C),
  });
}
for (const training of [true, false]) {
  // Training with N*L = 2 normalizes every channel to exactly +-1, so dx is only what eps leaves
  // (ill-conditioned: O(1) float32 terms cancel to O(1e-2)); train uses N*L >= 3 (the PyTorch
  // fixtures in torch.test.ts still cover batchNorm1d/train/2x33).
  for (const sx of training ? [[7, 5], [3, 17], [5, 33], [4, 3, 5]] : [[7, 5], [3, 17], [2, 33], [4, 3, 5]]) {
    const C = sx[1];
    add({
      name: `batchNorm/${training ? 'train' : 'eval'}/${nameOf(sx)}`, fn: 'ops.batchNorm',
      inputs: [{ name: 'x', shape: sx, gen: N(2), grad: true }, { name: 'weight', shape: [C], gen: N(), grad: true },
        { name: 'bias', shape: [C], gen: N(), grad: true }, { name: 'runningMean', shape: [C], gen: N() },
        { name: 'runningVar', shape: [C], gen: U(0.5, 2) }],
      run: ([x, w, b, rm, rv]) => ng.batchNorm(x, rm, rv, w, b, training, 0.1, 1e-5),
      ref: ([x, w, b, rm, rv]) => R.batchNorm(x, sx, rm, rv, w, b, training, 1e-5),
      reduce: size(sx) / C,
    });
  }
}

// ---------------------------------------------------------------- convolution, pooling, batchNorm2d (NCHW)

export const cg = (o: Partial<R.ConvGeom> & Pick<R.ConvGeom, 'N' | 'C' | 'H' | 'W' | 'OC' | 'KH' | 'KW'>): R.ConvGeom =>
  ({ sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, ...o });
/** conv2d entries: geometry, options passed to ng.conv2d (padding 'same' included), bias, relu. */
export const CONV_CASES: Array<[string, R.ConvGeom, ng.Conv2dOptions, boolean]> = [
  ['1x1', cg({ N: 2, C: 3, H: 5, W: 4, OC: 4, KH: 1, KW: 1 }), {}, true],
  ['1x1/s2', cg({ N: 2, C: 3, H: 5, W: 6, OC: 2, KH: 1, KW: 1, sh: 2, sw: 2 }), { stride: 2 }, true],
  ['7x7/s2p3/batch1', cg({ N: 1, C: 2, H: 9, W: 11, OC: 3, KH: 7, KW: 7, sh: 2, sw: 2, ph: 3, pw: 3 }), { stride: 2, padding: 3 }, true],
  ['3x3/s3/pad2', cg({ N: 2, C: 3, H: 7, W: 8, OC: 2, KH: 3, KW: 3, sh: 3, sw: 3, ph: 2, pw: 2 }), { stride: 3, padding: 2 }, true],
  ['3x3/dil2/pad1x2', cg({ N: 3, C: 2, H: 9, W: 7, OC: 3, KH: 3, KW: 3, dh: 2, dw: 2, ph: 1, pw: 2 }), { dilation: 2, padding: [1, 2] }, true],
  ['depthwise', cg({ N: 2, C: 4, H: 6, W: 5, OC: 8, KH: 3, KW: 3, ph: 1, pw: 1, groups: 4 }), { padding: 'same', groups: 4 }, true],
  ['groups2/2x3/s2x1/relu', cg({ N: 2, C: 4, H: 7, W: 6, OC: 6, KH: 2, KW: 3, sh: 2, groups: 2 }), { stride: [2, 1], groups: 2, activation: 'relu' }, true],
  ['5x5/same/relu/noBias', cg({ N: 3, C: 2, H: 8, W: 8, OC: 3, KH: 5, KW: 5, ph: 2, pw: 2 }), { padding: 'same', activation: 'relu' }, false],
  ['valid/3x2', cg({ N: 2, C: 3, H: 5, W: 4, OC: 2, KH: 3, KW: 2 }), { padding: 'valid' }, true],
  ['5x5/p2/relu/noBias/batch9', cg({ N: 9, C: 2, H: 8, W: 8, OC: 3, KH: 5, KW: 5, ph: 2, pw: 2 }), { padding: 2, activation: 'relu' }, false],
  ['kernel=paddedInput', cg({ N: 2, C: 2, H: 3, W: 4, OC: 2, KH: 5, KW: 4, ph: 1 }), { padding: [1, 0] }, true],
];
const convEntry = (tag: string, g: R.ConvGeom, o: ng.Conv2dOptions, bias: boolean): Omit<OpEntry, 'name' | 'fn'> => {
  const Cg = g.C / g.groups;
  const relu = o.activation === 'relu';
  const inputs: InputSpec[] = [{ name: 'x', shape: [g.N, g.C, g.H, g.W], gen: N(), grad: true },
    { name: 'weight', shape: [g.OC, Cg, g.KH, g.KW], gen: N(1 / Math.sqrt(Cg * g.KH * g.KW)), grad: true }];
  if (bias) inputs.push({ name: 'bias', shape: [g.OC], gen: N(0.5), grad: true });
  return {
    inputs,
    run: ([x, w, b]) => ng.conv2d(x, w, bias ? b : null, o),
    ref: ([x, w, b]) => R.conv2d(x, w, bias ? b : null, g, relu),
    reduce: Cg * g.KH * g.KW,
    kink: relu ? ([x, w, b]) => distTo(R.conv2d(x, w, bias ? b : null, g).data, [0]) : undefined,
  };
};
for (const [tag, g, o, bias] of CONV_CASES) {
  add({ name: `conv2d/${tag}/${nameOf([g.N, g.C, g.H, g.W])}->${g.OC}`, fn: 'ops.conv2d', ...convEntry(tag, g, o, bias) });
}

// conv1d: [tag, (N, C, L), OC, K, options, bias]
const N_ = N; // the generator (N is the batch size below)
for (const [tag, [N, C, L], OC, K, o, bias] of [
  ['k3/p1', [2, 3, 9], 4, 3, { padding: 1 }, true],
  ['k5/s2/d2/relu', [3, 2, 17], 3, 5, { stride: 2, dilation: 2, activation: 'relu' }, true],
  ['depthwise/same/noBias', [1, 4, 7], 8, 3, { groups: 4, padding: 'same' }, false],
] as Array<[string, number[], number, number, ng.Conv1dOptions, boolean]>) {
  const groups = o.groups ?? 1;
  const pad = o.padding === 'same' ? ((o.dilation ?? 1) * (K - 1)) / 2 : typeof o.padding === 'number' ? o.padding : 0;
  const g = cg({ N, C, H: 1, W: L, OC, KH: 1, KW: K, sw: o.stride ?? 1, pw: pad, dw: o.dilation ?? 1, groups });
  const Cg = C / groups;
  const relu = o.activation === 'relu';
  const inputs: InputSpec[] = [{ name: 'x', shape: [N, C, L], gen: N_(), grad: true },
    { name: 'weight', shape: [OC, Cg, K], gen: N_(1 / Math.sqrt(Cg * K)), grad: true }];
  if (bias) inputs.push({ name: 'bias', shape: [OC], gen: N_(0.5), grad: true });
  const ref = (x: F64, w: F64, b: F64 | null, act: boolean): Ref => {
    const r = R.conv2d(x, w, b, g, act);
    return { shape: [N, OC, r.shape[3]], data: r.data };
  };
  add({
    name: `conv1d/${tag}/${nameOf([N, C, L])}->${OC}`, fn: 'ops.conv1d', inputs,
    run: ([x, w, b]) => ng.conv1d(x, w, bias ? b : null, o),
    ref: ([x, w, b]) => ref(x, w, bias ? b : null, relu),
    reduce: Cg * K,
    kink: relu ? ([x, w, b]) => distTo(ref(x, w, bias ? b : null, false).data, [0]) : undefined,
  });
}

// convTranspose2d: [tag, (N, C, H, W), OC / groups, [KH, KW], geometry, bias]
for (const [tag, [N, C, H, W], OCg, [KH, KW], t, bias] of [
  ['k3/s2/p1/op1', [2, 3, 4, 5], 2, [3, 3], { sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1, oph: 1, opw: 1 }, true],
  ['k2x3/s1x2/dil2/groups2/noBias', [1, 4, 3, 4], 3, [2, 3], { sh: 1, sw: 2, ph: 0, pw: 1, dh: 2, dw: 1, groups: 2, oph: 0, opw: 1 }, false],
  ['k4/s3/batch3', [3, 2, 3, 3], 3, [4, 4], { sh: 3, sw: 3, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, oph: 0, opw: 0 }, true],
] as Array<[string, number[], number, number[], { sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number; oph: number; opw: number }, boolean]>) {
  const inputs: InputSpec[] = [{ name: 'x', shape: [N, C, H, W], gen: N_(), grad: true },
    { name: 'weight', shape: [C, OCg, KH, KW], gen: N_(1 / Math.sqrt(OCg * KH * KW)), grad: true }];
  if (bias) inputs.push({ name: 'bias', shape: [OCg * t.groups], gen: N_(0.5), grad: true });
  add({
    name: `convTranspose2d/${tag}/${nameOf([N, C, H, W])}`, fn: 'ops.convTranspose2d', inputs,
    run: ([x, w, b]) => ng.convTranspose2d(x, w, bias ? b : null, { stride: [t.sh, t.sw], padding: [t.ph, t.pw],
      dilation: [t.dh, t.dw], groups: t.groups, outputPadding: [t.oph, t.opw] }),
    ref: ([x, w, b]) => R.convTranspose2d(x, w, bias ? b : null, N, C, H, W, OCg, KH, KW, t),
    reduce: C * KH * KW,
  });
}

/** upsampleBilinear2d: [tag, (N, C, H, W), options]: whole and fractional scale factors, sizes up in
 * one axis and down in the other, alignCorners, a 1 x 1 input, outputs of one row / column. */
export const BILINEAR_CASES: Array<[string, number[], ng.UpsampleBilinear2dOptions]> = [
  ['x2', [2, 3, 4, 5], { scaleFactor: 2 }],
  ['x1.5x2.25/batch1', [1, 2, 3, 5], { scaleFactor: [1.5, 2.25] }],
  ['size7x3', [2, 1, 5, 4], { size: [7, 3] }],
  ['x2/alignCorners', [1, 2, 4, 3], { scaleFactor: 2, alignCorners: true }],
  ['size1x4/alignCorners/batch3', [3, 1, 5, 6], { size: [1, 4], alignCorners: true }],
  ['1x1->size3x2', [1, 1, 1, 1], { size: [3, 2] }],
  ['down/size3x4', [1, 2, 7, 9], { size: [3, 4] }],
  ['x0.5->1x1', [2, 2, 3, 3], { scaleFactor: 0.5 }],
  ['x1.7/alignCorners', [1, 1, 3, 4], { scaleFactor: [1.7, 3], alignCorners: true }],
];
/** Output size and the kernel's scale arguments of a BILINEAR_CASES entry. */
export const bilinearDims = ([, , H, W]: number[], o: ng.UpsampleBilinear2dOptions): [number, number, number, number] => {
  if (o.size !== undefined) {
    const [OH, OW] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
    return [OH, OW, 0, 0];
  }
  const [sh, sw] = typeof o.scaleFactor === 'number' ? [o.scaleFactor, o.scaleFactor] : o.scaleFactor as [number, number];
  return [Math.floor(H * sh), Math.floor(W * sw), sh, sw];
};
for (const [tag, sx, o] of BILINEAR_CASES) {
  const [N, C, H, W] = sx;
  const [OH, OW, sh, sw] = bilinearDims(sx, o);
  add({
    name: `upsampleBilinear2d/${tag}/${nameOf(sx)}`, fn: 'ops.upsampleBilinear2d', inputs: x1(sx),
    run: ([x]) => ng.upsampleBilinear2d(x, o),
    ref: ([x]) => R.upsampleBilinear2d(x, N, C, H, W, OH, OW, o.alignCorners ?? false, sh, sw),
    reduce: 4 * Math.ceil(OH / H + 1) * Math.ceil(OW / W + 1),
  });
}

for (const [sx, sf] of [[[2, 3, 4, 5], 2], [[1, 2, 3, 3], [3, 2]], [[3, 1, 1, 7], [2, 1]]] as Array<[number[], number | [number, number]]>) {
  const [sh, sw] = typeof sf === 'number' ? [sf, sf] : sf;
  const [N, C, H, W] = sx;
  add({
    name: `upsampleNearest2d/x${sh}x${sw}/${nameOf(sx)}`, fn: 'ops.upsampleNearest2d', inputs: x1(sx),
    run: ([x]) => ng.upsampleNearest2d(x, sf),
    ref: ([x]) => {
      const o = new Float64Array(N * C * H * sh * W * sw);
      for (let p = 0; p < N * C; p++)
        for (let i = 0; i < H * sh; i++)
          for (let j = 0; j < W * sw; j++) o[(p * H * sh + i) * W * sw + j] = x[(p * H + Math.floor(i / sh)) * W + Math.floor(j / sw)];
      return { shape: [N, C, H * sh, W * sw], data: o };
    },
    reduce: sh * sw,
  });
}

export const pg = (o: Partial<R.PoolGeom> & Pick<R.PoolGeom, 'N' | 'C' | 'H' | 'W' | 'KH' | 'KW'>): R.PoolGeom =>
  ({ sh: o.KH, sw: o.KW, ph: 0, pw: 0, dh: 1, dw: 1, ceil: false, ...o });
const poolOpts = (g: R.PoolGeom) => ({ stride: [g.sh, g.sw] as [number, number], padding: [g.ph, g.pw] as [number, number], ceilMode: g.ceil });
export const POOL_CASES: Array<[string, R.PoolGeom]> = [
  ['2x2', pg({ N: 2, C: 3, H: 8, W: 6, KH: 2, KW: 2 })],
  ['3x3/s2p1/batch1', pg({ N: 1, C: 2, H: 7, W: 9, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['3x3/s2p1/ceil', pg({ N: 2, C: 2, H: 8, W: 7, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, ceil: true })],
  ['2x2/ceil/odd', pg({ N: 1, C: 3, H: 5, W: 7, KH: 2, KW: 2, ceil: true })],
  ['7x7/s3p3', pg({ N: 2, C: 1, H: 11, W: 9, KH: 7, KW: 7, sh: 3, sw: 3, ph: 3, pw: 3 })],
  ['3x1/s1x2/p1x0', pg({ N: 3, C: 2, H: 5, W: 6, KH: 3, KW: 1, sh: 1, sw: 2, ph: 1 })],
  ['1x1/s3', pg({ N: 1, C: 2, H: 7, W: 7, KH: 1, KW: 1, sh: 3, sw: 3 })],
];
for (const [tag, g] of [...POOL_CASES, ['3x3/dil2/p2x1', pg({ N: 2, C: 2, H: 9, W: 8, KH: 3, KW: 3, sh: 1, sw: 2, ph: 2, pw: 1, dh: 2, dw: 2 })]] as Array<[string, R.PoolGeom]>) {
  const sx = [g.N, g.C, g.H, g.W];
  add({
    name: `maxPool2d/${tag}/${nameOf(sx)}`, fn: 'ops.maxPool2d', inputs: x1(sx, distinct(size(sx) / 10)),
    run: ([x]) => ng.maxPool2d(x, [g.KH, g.KW], { ...poolOpts(g), dilation: [g.dh, g.dw] }),
    ref: ([x]) => R.maxPool2d(x, g),
  });
}
for (const [tag, g] of POOL_CASES) {
  for (const includePad of [true, false]) {
    const sx = [g.N, g.C, g.H, g.W];
    add({
      name: `avgPool2d/${tag}${includePad ? '' : '/excludePad'}/${nameOf(sx)}`, fn: 'ops.avgPool2d', inputs: x1(sx),
      run: ([x]) => ng.avgPool2d(x, [g.KH, g.KW], { ...poolOpts(g), countIncludePad: includePad }),
      ref: ([x]) => R.avgPool2d(x, g, includePad), reduce: g.KH * g.KW,
    });
  }
}
for (const [sx, os] of [[[2, 3, 7, 5], [3, 2]], [[1, 2, 9, 9], 1], [[2, 2, 4, 6], [4, 6]], [[1, 3, 5, 3], [7, 4]],
  [[3, 1, 10, 13], [3, null]]] as Array<[number[], number | [number, number | null]]>) {
  const [OH, OW] = typeof os === 'number' ? [os, os] : [os[0], os[1] ?? sx[3]];
  add({
    name: `adaptiveAvgPool2d/${nameOf(sx)}->${OH}x${OW}`, fn: 'ops.adaptiveAvgPool2d', inputs: x1(sx),
    run: ([x]) => ng.adaptiveAvgPool2d(x, os), ref: ([x]) => R.adaptiveAvgPool2d(x, sx[0], sx[1], sx[2], sx[3], OH, OW),
    reduce: Math.ceil(sx[2] / OH + 1) * Math.ceil(sx[3] / OW + 1),
  });
}
for (const training of [true, false]) {
  for (const sx of [[2, 3, 5, 7], [1, 4, 3, 3]]) {
    const C = sx[1];
    add({
      name: `batchNorm2d/${training ? 'train' : 'eval'}/${nameOf(sx)}`, fn: 'ops.batchNorm2d',
      inputs: [{ name: 'x', shape: sx, gen: N(2), grad: true }, { name: 'weight', shape: [C], gen: N(), grad: true },
        { name: 'bias', shape: [C], gen: N(), grad: true }, { name: 'runningMean', shape: [C], gen: N() },
        { name: 'runningVar', shape: [C], gen: U(0.5, 2) }],
      run: ([x, w, b, rm, rv]) => ng.batchNorm2d(x, rm, rv, w, b, training),
      ref: ([x, w, b, rm, rv]) => R.batchNorm(x, sx, rm, rv, w, b, training, 1e-5), reduce: size(sx) / C,
    });
  }
}

// ---------------------------------------------------------------- dropout, embedding

for (const [p, sx] of [[0.3, [3, 17]], [0.5, [2, 255]], [0.9, [17]]] as [number, number[]][]) {
  // The mask is random: the reference reads which elements nodegrad kept from its output (inputs
  // are away from 0, so a kept element is never 0) and applies the inverted scaling 1/(1-p).
  add({
    name: `dropout/p${p}/${nameOf(sx)}`, fn: 'ops.dropout', inputs: x1(sx, PM(0.1, 3)), usesOutput: true,
    run: ([x]) => ng.dropout(x, p, true),
    ref: ([x], { out }) => ({ shape: sx, data: R.map(x, (v) => v).map((v, i) => (out[i] === 0 ? 0 : v / (1 - p))) }),
  });
}
for (const [p, sx] of [[0.3, [3, 4, 5, 2]], [0.5, [2, 17, 3]]] as [number, number[]][]) {
  // Whole (n, c) channels are kept or dropped: the reference reads which from nodegrad's output
  // (inputs are away from 0) and checks every channel is all kept or all zero.
  add({
    name: `dropout2d/p${p}/${nameOf(sx)}`, fn: 'ops.dropout2d', inputs: x1(sx, PM(0.1, 3)), usesOutput: true,
    run: ([x]) => ng.dropout2d(x, p, true),
    ref: ([x], { out }) => {
      const L = size(sx.slice(2));
      const data = new Float64Array(x.length);
      for (let ch = 0; ch < sx[0] * sx[1]; ch++) {
        const kept = out[ch * L] !== 0;
        for (let l = 0; l < L; l++) data[ch * L + l] = kept ? x[ch * L + l] / (1 - p) : 0;
      }
      return { shape: sx, data };
    },
  });
}
for (const [V, D, si] of [[10, 6, [2, 5]], [7, 3, [8]], [1, 1, [3]], [50, 17, [4]]] as [number, number, number[]][]) {
  add({
    name: `embedding/${V}x${D}/idx${nameOf(si)}`, fn: 'ops.embedding',
    inputs: [{ name: 'indices', shape: si, gen: INT(V), int: true }, { name: 'weight', shape: [V, D], gen: N(), grad: true }],
    run: ([idx, w]) => ng.embedding(idx, w),
    ref: ([idx, w]) => ({ shape: [...si, D], data: R.gatherRows(w, [V, D], idx).data }),
    reduce: size(si),
  });
}

/**
 * embedding with paddingIdx: the padding row is looked up but gets no gradient. The reference
 * reads those output rows from nodegrad's output (ctx.out) - constants under perturbation, so
 * finite differences give the padding row a zero gradient, as the op promises.
 */
function embeddingPaddingRef(si: number[], V: number, D: number, pad: number): OpEntry['ref'] {
  return ([idx, w], { out }) => {
    const r = R.gatherRows(w, [V, D], idx).data;
    idx.forEach((v, n) => { if (v === pad) for (let k = 0; k < D; k++) r[n * D + k] = out[n * D + k]; });
    return { shape: [...si, D], data: r };
  };
}
for (const [V, D, si, pad] of [[10, 6, [2, 5], 0], [7, 3, [17], 6]] as [number, number, number[], number][]) {
  add({
    name: `embedding/padding${pad}/${V}x${D}/idx${nameOf(si)}`, fn: 'ops.embedding', usesOutput: true,
    inputs: [{ name: 'indices', shape: si, gen: INT_WITH(V, pad), int: true }, { name: 'weight', shape: [V, D], gen: N(), grad: true }],
    run: ([idx, w]) => ng.embedding(idx, w, pad), ref: embeddingPaddingRef(si, V, D, pad), reduce: size(si),
  });
}

// ---------------------------------------------------------------- masks, casts, composed reductions and shape ops

/** Values on a coarse grid (-1, -0.5, 0, 0.5, 1): ties, so eq / le / ge hold somewhere. */
const GRID: Gen = gen((r) => (r.int(5) - 2) / 2);
const CMP: Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', (a: number, b: number) => number> = {
  eq: (a, b) => +(a === b), ne: (a, b) => +(a !== b), lt: (a, b) => +(a < b), le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b), ge: (a, b) => +(a >= b),
};
for (const op of Object.keys(CMP) as (keyof typeof CMP)[]) {
  for (const [kind, sa, sb] of BCAST) {
    add({
      name: `${op}/${kind}/${nameOf(sa)}+${nameOf(sb)}`, fn: `ops.${op}`,
      inputs: [{ name: 'a', shape: sa, gen: GRID }, { name: 'b', shape: sb, gen: GRID }],
      run: ([a, b]) => ng[op](a, b), ref: ([a, b]) => R.broadcast(a, sa, b, sb, CMP[op]),
    });
  }
  // int32 (labels, argmax indices) against int32, against float32, and tensor-number forms
  add({
    name: `${op}/int32/4x9+9`, fn: `ops.${op}`,
    inputs: [{ name: 'a', shape: [4, 9], gen: INT(4), int: true }, { name: 'b', shape: [9], gen: INT(4), int: true }],
    run: ([a, b]) => ng[op](a, b), ref: ([a, b]) => R.broadcast(a, [4, 9], b, [9], CMP[op]),
  });
  add({
    name: `${op}/int32+float32/4x9+4x1`, fn: `ops.${op}`,
    inputs: [{ name: 'a', shape: [4, 9], gen: INT(4), int: true }, { name: 'b', shape: [4, 1], gen: GRID }],
    run: ([a, b]) => ng[op](a, b), ref: ([a, b]) => R.broadcast(a, [4, 9], b, [4, 1], CMP[op]),
  });
  for (const [s, form] of [[0.5, 'x,0.5'], [1, 'x,1']] as [number, string][]) {
    add({ name: `${op}/number/${form}/3x17`, fn: `ops.${op}`, inputs: x1([3, 17], GRID, false), run: ([x]) => ng[op](x, s),
      ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => CMP[op](v, s)) }) });
    add({ name: `${op}/number/int32/${form}/17`, fn: `ops.${op}`, inputs: [{ name: 'x', shape: [17], gen: INT(3), int: true }],
      run: ([x]) => ng[op](x, s), ref: ([x]) => ({ shape: [17], data: R.map(x, (v) => CMP[op](v, s)) }) });
  }
  add({ name: `${op}/number/2,x/3x17`, fn: `ops.${op}`, inputs: x1([3, 17], GRID, false), run: ([x]) => ng[op](0, x),
    ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => CMP[op](0, v)) }) });
}
const WHERE_SHAPES: [number[], number[], number[]][] = [
  [[3, 17], [3, 17], [3, 17]], [[1, 1], [1, 1], [1, 1]], [[3, 1], [3, 17], [17]], [[2, 1, 5], [3, 1], [2, 3, 5]],
  [[1, 255], [2, 255], [2, 1]], [[2, 1, 3, 5], [3, 1], [5]],
];
for (const [sc, sa, sb] of WHERE_SHAPES) {
  add({
    name: `where/${nameOf(sc)}/${nameOf(sa)}/${nameOf(sb)}`, fn: 'ops.where',
    inputs: [{ name: 'cond', shape: sc, gen: INT(2) }, { name: 'a', shape: sa, gen: N(), grad: true }, { name: 'b', shape: sb, gen: N(), grad: true }],
    run: ([c, a, b]) => ng.where(c, a, b), ref: ([c, a, b]) => R.where(c, sc, a, sa, b, sb),
    reduce: 255,
  });
}
add({
  name: 'where/int32cond/numbers/3x17', fn: 'ops.where', inputs: [{ name: 'cond', shape: [3, 17], gen: INT(3), int: true }],
  run: ([c]) => ng.where(c, 2.5, -1), ref: ([c]) => ({ shape: [3, 17], data: R.map(c, (v) => (v !== 0 ? 2.5 : -1)) }),
});
add({
  name: 'where/a,number/3x17', fn: 'ops.where',
  inputs: [{ name: 'cond', shape: [3, 17], gen: INT(2) }, { name: 'a', shape: [3, 17], gen: N(), grad: true }],
  run: ([c, a]) => ng.where(c, a, 0), ref: ([c, a]) => R.where(c, [3, 17], a, [3, 17], new Float64Array(1), []),
});
add({ name: 'cast/int32->float32/2x255', fn: 'ops.cast', inputs: [{ name: 'x', shape: [2, 255], gen: INT(1 << 20), int: true }],
  run: ([x]) => ng.cast(x, 'float32'), ref: ([x]) => ({ shape: [2, 255], data: x.slice() }) });
add({ name: 'cast/float32->int32/3x17', fn: 'ops.cast', inputs: x1([3, 17], U(-100, 100), false),
  run: ([x]) => ng.cast(x, 'int32'), ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => Math.trunc(v) + 0) }) });
add({ name: 'cast/float32->float32/3x17', fn: 'ops.cast', inputs: x1([3, 17]),
  run: ([x]) => ng.cast(x, 'float32'), ref: ([x]) => ({ shape: [3, 17], data: x.slice() }) });
/** Smallest gap between the smallest and second smallest value along an axis (min/argmin ties). */
const bottomGap = (x: F64, shape: number[], axis: number | undefined): number => topGap(R.map(x, (v) => -v), shape, axis);
for (const [shape, axis, keepdim] of RED_CASES) {
  const reduce = axis === undefined ? size(shape) : shape[axis < 0 ? axis + shape.length : axis];
  const tag = `${axis === undefined ? 'all' : `axis${axis}`}${keepdim ? 'Keep' : ''}/${nameOf(shape)}`;
  add({
    name: `min/${tag}`, fn: 'ops.min', inputs: x1(shape, distinct()), run: ([x]) => ng.min(x, axis, keepdim),
    ref: ([x]) => R.reduce('min', x, shape, axis, keepdim), reduce, kink: ([x]) => bottomGap(x, shape, axis) / 2,
  });
  if (reduce < 2) continue;  // one element: no sample variance (NaN, as in PyTorch: tested in masks.test.ts)
  for (const correction of [0, 1] as const) {
    for (const op of ['variance', 'std'] as const) {
      add({
        name: `${op}/c${correction}/${tag}`, fn: `ops.${op}`, inputs: x1(shape, N(2)),
        run: ([x]) => ng[op](x, axis, { correction, keepdim }),
        ref: ([x]) => {
          const v = R.reduce(correction ? 'var1' : 'var0', x, shape, axis, keepdim);
          return op === 'std' ? { shape: v.shape, data: R.map(v.data, Math.sqrt) } : v;
        },
        reduce,
      });
    }
  }
}
for (const [shape, axis, keepdim] of [[[3, 17], -1, false], [[3, 17], 0, true], [[2, 255], 1, false], [[2, 3, 17], 1, false], [[1], 0, false]] as [number[], number, boolean][]) {
  add({
    name: `argmin/axis${axis}${keepdim ? 'Keep' : ''}/${nameOf(shape)}`, fn: 'ops.argmin', inputs: x1(shape, distinct(), false),
    run: ([x]) => ng.argmin(x, axis, keepdim), ref: ([x]) => R.reduce('argmin', x, shape, axis, keepdim),
  });
}
for (const [sx, axis] of [[[3, 17], 0], [[3, 17], 2], [[3, 17], -1], [[2, 3, 5], 1], [[17], 0], [[1, 1], 1]] as [number[], number][]) {
  const out = sx.slice();
  out.splice(axis < 0 ? axis + sx.length + 1 : axis, 0, 1);
  add({ name: `unsqueeze/axis${axis}/${nameOf(sx)}`, fn: 'ops.unsqueeze', inputs: x1(sx), run: ([x]) => ng.unsqueeze(x, axis),
    ref: ([x]) => ({ shape: out, data: x.slice() }) });
}
for (const [sx, axis] of [[[1, 3, 1, 17], undefined], [[3, 1, 17], 1], [[1, 5], 0], [[3, 17, 1], -1], [[1, 1], undefined]] as [number[], number | undefined][]) {
  const out = axis === undefined ? sx.filter((d) => d !== 1) : sx.filter((_, i) => i !== (axis < 0 ? axis + sx.length : axis));
  add({ name: `squeeze/${axis === undefined ? 'all' : `axis${axis}`}/${nameOf(sx)}`, fn: 'ops.squeeze', inputs: x1(sx),
    run: ([x]) => ng.squeeze(x, axis), ref: ([x]) => ({ shape: out, data: x.slice() }) });
}
for (const [sx, sm, v] of [[[3, 17], [3, 17], -100], [[2, 3, 17], [3, 1], 0], [[5, 33], [33], 2.5]] as [number[], number[], number][]) {
  add({
    name: `maskedFill/${nameOf(sx)}/${nameOf(sm)}`, fn: 'ops.maskedFill',
    inputs: [{ name: 'x', shape: sx, gen: N(), grad: true }, { name: 'mask', shape: sm, gen: INT(2) }],
    run: ([x, m]) => ng.maskedFill(x, m, v), ref: ([x, m]) => R.broadcast(x, sx, m, sm, (xv, mv) => (mv !== 0 ? v : xv)),
  });
}
// sum / mean over several axes
for (const kind of ['sum', 'mean'] as const) {
  for (const [shape, axes, keepdim] of [[[2, 3, 17], [0, 2], false], [[2, 3, 17], [-1, 0], true], [[2, 3, 5, 7], [1, 2, 3], false],
    [[3, 17], [], false], [[3, 17], [0, 1], true], [[255, 2], [1], false]] as [number[], number[], boolean][]) {
    const ax = axes.map((a) => (a < 0 ? a + shape.length : a));
    add({
      name: `${kind}/axes${axes.join(',') || 'none'}${keepdim ? 'Keep' : ''}/${nameOf(shape)}`, fn: `ops.${kind}`, inputs: x1(shape),
      run: ([x]) => ng[kind](x, axes, keepdim),
      ref: ([x]) => {
        // one axis at a time in double (exact order does not matter at double precision); none: every element
        if (ax.length === 0) return R.reduce(kind, x, shape, undefined, keepdim);
        let cur: Ref = { shape, data: x };
        for (const a of [...ax].sort((p, q) => q - p)) cur = R.reduce(kind, cur.data, cur.shape, a, true);
        return { shape: keepdim ? cur.shape : shape.filter((_, i) => !ax.includes(i)), data: cur.data };
      },
      reduce: ax.length ? ax.reduce((p, a) => p * shape[a], 1) : size(shape),
    });
  }
}
// maximum / minimum: distinct values (no ties: the gradient's split differs from PyTorch's there)
for (const op of ['maximum', 'minimum'] as const) {
  const f = op === 'maximum' ? Math.max : Math.min;
  for (const [kind, sa, sb] of BCAST) {
    add({
      name: `${op}/${kind}/${nameOf(sa)}+${nameOf(sb)}`, fn: `ops.${op}`,
      inputs: [{ name: 'a', shape: sa, gen: distinct(8), grad: true }, { name: 'b', shape: sb, gen: distinct(7), grad: true }],
      run: ([a, b]) => ng[op](a, b), ref: ([a, b]) => R.broadcast(a, sa, b, sb, f),
      reduce: size(sa) + size(sb),
      kink: ([a, b]) => { let m = Infinity; R.broadcast(a, sa, b, sb, (x, y) => (m = Math.min(m, Math.abs(x - y)), 0)); return m; },
    });
  }
  add({ name: `${op}/number/3x17`, fn: `ops.${op}`, inputs: x1([3, 17], away(N(), [0.25], 0.01)), run: ([x]) => ng[op](x, 0.25),
    ref: ([x]) => ({ shape: [3, 17], data: R.map(x, (v) => f(v, 0.25)) }), kink: ([x]) => distTo(x, [0.25]) });
}
for (const [sx, d] of [[[3, 17], 0], [[17, 3], 1], [[5, 5], -1], [[2, 3, 5, 7], 2], [[1, 1], 0], [[4, 6], -3]] as [number[], number][]) {
  for (const which of ['tril', 'triu'] as const) {
    const [Rr, C] = sx.slice(-2);
    add({
      name: `${which}/d${d}/${nameOf(sx)}`, fn: `ops.${which}`, inputs: x1(sx), run: ([x]) => ng[which](x, d),
      ref: ([x]) => ({ shape: sx, data: R.map(x, (v) => v).map((v, i) => {
        const r = Math.floor(i / C) % Rr, c = i % C;
        return (which === 'tril' ? c - r <= d : c - r >= d) ? v : 0;
      }) }),
    });
  }
}
for (const [shape, axis, keepdim] of RED_CASES) {
  const reduce = axis === undefined ? size(shape) : shape[axis < 0 ? axis + shape.length : axis];
  add({
    name: `logsumexp/${axis === undefined ? 'all' : `axis${axis}`}${keepdim ? 'Keep' : ''}/${nameOf(shape)}`, fn: 'ops.logsumexp',
    inputs: x1(shape, N(3)), run: ([x]) => ng.logsumexp(x, axis, keepdim),
    ref: ([x]) => {
      const ax = axis === undefined ? undefined : axis < 0 ? axis + shape.length : axis;
      const m = R.reduce('max', x, shape, ax, true);
      const e = R.broadcast(x, shape, m.data, m.shape, (v, mv) => Math.exp(v - mv));
      const s = R.reduce('sum', e.data, shape, ax, keepdim);
      return { shape: s.shape, data: s.data.map((v, i) => Math.log(v) + m.data[i]) };
    },
    reduce,
  });
}
add({ name: 'logsumexp/large/2x17', fn: 'ops.logsumexp', inputs: x1([2, 17], U(900, 1000)), run: ([x]) => ng.logsumexp(x, 1),
  ref: ([x]) => ({ shape: [2], data: Float64Array.from([0, 1], (r) => {
    const row = x.subarray(r * 17, (r + 1) * 17), m = Math.max(...row);
    return m + Math.log(row.reduce((p, v) => p + Math.exp(v - m), 0));
  }) }), reduce: 17 });
for (const [sx, sizes, axis, pick] of [[[7, 3], 3, 0, 0], [[7, 3], 3, 0, 2], [[3, 17], [5, 12], 1, 1], [[2, 3, 5], [1, 0, 2], 1, 2],
  [[2, 255], 100, -1, 2]] as [number[], number | number[], number, number][]) {
  const ax = axis < 0 ? axis + sx.length : axis;
  const parts = typeof sizes === 'number' ? Array.from({ length: Math.ceil(sx[ax] / sizes) }, (_, i) => Math.min(sizes, sx[ax] - i * sizes)) : sizes;
  const start = parts.slice(0, pick).reduce((p, v) => p + v, 0);
  add({ name: `split/${Array.isArray(sizes) ? sizes.join(',') : sizes}/axis${axis}/piece${pick}/${nameOf(sx)}`, fn: 'ops.split', inputs: x1(sx),
    run: ([x]) => ng.split(x, sizes, axis)[pick], ref: ([x]) => R.slice(x, sx, start, start + parts[pick], ax) });
}
for (const [sx, n, axis, pick] of [[[7, 3], 3, 0, 2], [[3, 17], 4, 1, 3], [[5, 2], 7, 0, 4]] as [number[], number, number, number][]) {
  const per = Math.ceil(sx[axis] / n);
  add({ name: `chunk/${n}/axis${axis}/piece${pick}/${nameOf(sx)}`, fn: 'ops.chunk', inputs: x1(sx),
    run: ([x]) => ng.chunk(x, n, axis)[pick], ref: ([x]) => R.slice(x, sx, pick * per, Math.min(sx[axis], (pick + 1) * per), axis) });
}
const PERMS: [number[], number[]][] = [
  [[3, 17], [1, 0]], [[2, 3, 17], [0, 2, 1]], [[2, 3, 17], [2, 0, 1]], [[2, 3, 17], [1, 0, 2]], [[2, 3, 5, 7], [0, 2, 1, 3]],
  [[2, 3, 5, 7], [3, 1, 2, 0]], [[1, 17, 1, 3], [2, 3, 0, 1]], [[2, 1, 3, 1, 5, 2], [5, 4, 3, 2, 1, 0]],
  [[2, 2, 1, 3, 2, 1, 2, 3], [7, 0, 6, 1, 5, 2, 4, 3]], [[255], [0]], [[3, 17], [-1, -2]],
];
for (const [sx, perm] of PERMS) {
  const p = perm.map((d) => (d < 0 ? d + sx.length : d));
  add({ name: `permute/${perm.join(',')}/${nameOf(sx)}`, fn: 'ops.permute', inputs: x1(sx), run: ([x]) => ng.permute(x, perm),
    ref: ([x]) => R.permute(x, sx, p) });
}
for (const [sx, d0, d1] of [[[2, 3, 17], 0, 1], [[2, 3, 17], 0, -1], [[2, 3, 5, 7], 1, 2], [[2, 3, 17], -1, -2]] as [number[], number, number][]) {
  const a = d0 < 0 ? d0 + sx.length : d0, b = d1 < 0 ? d1 + sx.length : d1;
  const p = sx.map((_, i) => (i === a ? b : i === b ? a : i));
  add({ name: `transpose/${d0},${d1}/${nameOf(sx)}`, fn: 'ops.transpose', inputs: x1(sx), run: ([x]) => ng.transpose(x, d0, d1),
    ref: ([x]) => R.permute(x, sx, p) });
}
for (const [sx, axis, count] of [[[3, 17], 0, 2], [[3, 17], 1, 3], [[3, 17], -1, 2], [[2, 3, 5], 2, 2], [[17], 0, 4], [[1, 1], 1, 1]] as [number[], number, number][]) {
  const ax = axis < 0 ? axis + sx.length + 1 : axis;
  const ushape = sx.slice();
  ushape.splice(ax, 0, 1);
  add({
    name: `stack/axis${axis}/${count}x${nameOf(sx)}`, fn: 'ops.stack',
    inputs: Array.from({ length: count }, (_, i) => ({ name: `x${i}`, shape: sx, gen: N(), grad: true })),
    run: (xs) => ng.stack(xs, axis), ref: (xs) => R.concat(xs, xs.map(() => ushape), ax),
  });
}

// ---------------------------------------------------------------- recurrent layers (i14-rnn)

/**
 * rnnLayer: one LSTM / GRU / RNN layer, packed result [output | hN | cN]. Inputs: x, h0, c0
 * (LSTM), then per direction weightIh, weightHh, biasIh, biasHh. lengths are fixed per entry.
 */
const RNN_MODES = ['lstm', 'gru', 'rnnTanh'] as const;
for (const [mode, T, B, I, H, D, lengths, bias] of [
  ['lstm', 4, 3, 5, 3, 2, [2, 4, 1], true], ['lstm', 1, 1, 3, 1, 1, null, false], ['gru', 4, 3, 5, 3, 2, [3, 1, 4], true],
  ['gru', 3, 2, 17, 3, 1, null, false], ['rnnTanh', 5, 2, 3, 17, 2, [5, 2], true], ['rnnTanh', 1, 3, 1, 3, 1, null, true],
] as [typeof RNN_MODES[number], number, number, number, number, number, number[] | null, boolean][]) {
  const G = RNN_GATES[RNN_MODES.indexOf(mode)];
  const lstm = mode === 'lstm';
  const w = 1 / Math.sqrt(H);
  const inputs: InputSpec[] = [{ name: 'x', shape: [T, B, I], gen: N(), grad: true },
    { name: 'h0', shape: [D, B, H], gen: N(0.5), grad: true }];
  if (lstm) inputs.push({ name: 'c0', shape: [D, B, H], gen: N(0.5), grad: true });
  for (let d = 0; d < D; d++) {
    inputs.push({ name: `weightIh${d}`, shape: [G * H, I], gen: U(-w, w), grad: true },
      { name: `weightHh${d}`, shape: [G * H, H], gen: U(-w, w), grad: true });
    if (bias) inputs.push({ name: `biasIh${d}`, shape: [G * H], gen: U(-w, w), grad: true }, { name: `biasHh${d}`, shape: [G * H], gen: U(-w, w), grad: true });
  }
  const per = bias ? 4 : 2;
  const first = lstm ? 3 : 2;
  const lens = lengths ? Int32Array.from(lengths) : null;
  add({
    name: `rnnLayer/${mode}/${D === 2 ? 'bidirectional/' : ''}${lengths ? 'lengths/' : ''}${bias ? '' : 'noBias/'}T${T}xB${B}xI${I}xH${H}`,
    fn: 'ops.rnnLayer', inputs, reduce: (I + H) * T,
    run: (xs) => ng.rnnLayer(mode, xs[0], Array.from({ length: D }, (_, d) => {
      const k = first + per * d;
      return { weightIh: xs[k], weightHh: xs[k + 1], biasIh: bias ? xs[k + 2] : null, biasHh: bias ? xs[k + 3] : null };
    }), xs[1], lstm ? xs[2] : null, lens),
    ref: (xs) => {
      const dirs = Array.from({ length: D }, (_, d) => {
        const k = first + per * d;
        return { wih: xs[k], whh: xs[k + 1], bih: bias ? xs[k + 2] : null, bhh: bias ? xs[k + 3] : null };
      });
      const r = rnnReference({ mode: RNN_MODES.indexOf(mode), T, B, I, H, x: xs[0], dirs, h0: xs[1], c0: lstm ? xs[2] : null, lengths: lens });
      const data = new Float64Array(r.out.length + r.hN.length * (lstm ? 2 : 1));
      data.set(r.out);
      data.set(r.hN, r.out.length);
      if (lstm) data.set(r.cN, r.out.length + r.hN.length);
      return { shape: [data.length], data };
    },
  });
}

// LSTM with a projection (proj_size P): per direction weightIh, weightHh (4H, P), biasIh, biasHh, weightHr (P, H).
for (const [T, B, I, H, P, D, lengths] of [[3, 2, 4, 5, 2, 2, [3, 1]], [1, 3, 2, 3, 1, 1, null]] as
  [number, number, number, number, number, number, number[] | null][]) {
  const w = 1 / Math.sqrt(H);
  const inputs: InputSpec[] = [{ name: 'x', shape: [T, B, I], gen: N(), grad: true },
    { name: 'h0', shape: [D, B, P], gen: N(0.5), grad: true }, { name: 'c0', shape: [D, B, H], gen: N(0.5), grad: true }];
  for (let d = 0; d < D; d++) {
    inputs.push({ name: `weightIh${d}`, shape: [4 * H, I], gen: U(-w, w), grad: true },
      { name: `weightHh${d}`, shape: [4 * H, P], gen: U(-w, w), grad: true },
      { name: `biasIh${d}`, shape: [4 * H], gen: U(-w, w), grad: true }, { name: `biasHh${d}`, shape: [4 * H], gen: U(-w, w), grad: true },
      { name: `weightHr${d}`, shape: [P, H], gen: U(-w, w), grad: true });
  }
  const lens = lengths ? Int32Array.from(lengths) : null;
  const dirsOf = <Tn>(xs: Tn[]) => Array.from({ length: D }, (_, d) => xs.slice(3 + 5 * d, 8 + 5 * d));
  add({
    name: `rnnLayer/lstm/projection/${D === 2 ? 'bidirectional/' : ''}${lengths ? 'lengths/' : ''}T${T}xB${B}xI${I}xH${H}xP${P}`,
    fn: 'ops.rnnLayer', inputs, reduce: (I + H) * T,
    run: (xs) => ng.rnnLayer('lstm', xs[0], dirsOf(xs).map(([wi, wh, bi, bh, wr]) => ({ weightIh: wi, weightHh: wh, biasIh: bi,
      biasHh: bh, weightHr: wr })), xs[1], xs[2], lens),
    ref: (xs) => {
      const dirs = dirsOf(xs).map(([wih, whh, bih, bhh, whr]) => ({ wih, whh, bih, bhh, whr }));
      const r = rnnReference({ mode: 0, T, B, I, H, x: xs[0], dirs, h0: xs[1], c0: xs[2], lengths: lens, P });
      const data = new Float64Array(r.out.length + r.hN.length + r.cN.length);
      data.set(r.out);
      data.set(r.hN, r.out.length);
      data.set(r.cN, r.out.length + r.hN.length);
      return { shape: [data.length], data };
    },
  });
}

// ---------------------------------------------------------------- losses

const L = ng.losses;
const REDS = ['mean', 'sum', 'none'] as const;
for (const red of REDS) {
  for (const shape of red === 'mean' ? [[3, 17], [7], [1, 1], [2, 255]] : [[3, 17]]) {
    const n = size(shape);
    const pairIn = (lo: number, hi: number): InputSpec[] => [
      { name: 'target', shape, gen: N(), grad: true }, { name: 'input', shape, gen: OFFSET(0, lo, hi), grad: true }];
    // inputs are listed target-first (input is generated from it); run/ref swap them back
    add({ name: `mse/${red}/${nameOf(shape)}`, fn: 'losses.mse', inputs: pairIn(0, 2), reduce: n,
      run: ([t, x]) => L.mse(x, t, { reduction: red }), ref: ([t, x]) => R.pairLoss('mse', x, t, shape, red) });
    add({ name: `l1/${red}/${nameOf(shape)}`, fn: 'losses.l1', inputs: pairIn(0.01, 2), reduce: n,
      run: ([t, x]) => L.l1(x, t, { reduction: red }), ref: ([t, x]) => R.pairLoss('l1', x, t, shape, red),
      kink: ([t, x]) => distTo(R.map(x, (v) => v).map((v, i) => v - t[i]), [0]) });
    for (const delta of [1, 0.5]) {
      const kink = ([t, x]: F64[]): number => distTo(R.map(x, (v) => v).map((v, i) => Math.abs(v - t[i])), [delta]);
      const g: Gen = (rng, k, prev) => OFFSET(0, 0, 2.5)(rng, k, prev).map((v, i) => {
        const d = v - prev[0][i];
        return Math.abs(Math.abs(d) - delta) < 0.01 ? prev[0][i] + Math.sign(d) * (delta + 0.05) : v;
      });
      const inputs: InputSpec[] = [{ name: 'target', shape, gen: N(), grad: true }, { name: 'input', shape, gen: g, grad: true }];
      add({ name: `huber/delta${delta}/${red}/${nameOf(shape)}`, fn: 'losses.huber', inputs, reduce: n, kink,
        run: ([t, x]) => L.huber(x, t, { reduction: red, delta }), ref: ([t, x]) => R.pairLoss('huber', x, t, shape, red, delta) });
      add({ name: `smoothL1/beta${delta}/${red}/${nameOf(shape)}`, fn: 'losses.smoothL1', inputs, reduce: n, kink,
        run: ([t, x]) => L.smoothL1(x, t, { reduction: red, beta: delta }),
        ref: ([t, x]) => { const h = R.pairLoss('huber', x, t, shape, red, delta); return { shape: h.shape, data: R.map(h.data, (v) => v / delta) }; } });
    }
    add({ name: `bce/${red}/${nameOf(shape)}`, fn: 'losses.bce', reduce: n,
      inputs: [{ name: 'input', shape, gen: U(0.05, 0.95), grad: true }, { name: 'target', shape, gen: U(0, 1) }],
      run: ([x, t]) => L.bce(x, t, { reduction: red }), ref: ([x, t]) => R.bce(x, t, shape, red) });
    for (const pw of [false, true]) {
      const C = shape.length ? shape[shape.length - 1] : 1;
      const inputs: InputSpec[] = [{ name: 'input', shape, gen: N(3), grad: true }, { name: 'target', shape, gen: U(0, 1) }];
      if (pw) inputs.push({ name: 'posWeight', shape: [C], gen: U(0.2, 3) });
      add({ name: `bceWithLogits/${pw ? 'posWeight/' : ''}${red}/${nameOf(shape)}`, fn: 'losses.bceWithLogits', inputs, reduce: n,
        run: ([x, t, w]) => L.bceWithLogits(x, t, pw ? { reduction: red, posWeight: w } : { reduction: red }),
        ref: ([x, t, w]) => R.bceWithLogits(x, t, shape, pw ? w : null, red) });
    }
    add({ name: `hinge/${red}/${nameOf(shape)}`, fn: 'losses.hinge', reduce: n,
      inputs: [{ name: 'input', shape, gen: away(N(1.5), [1, -1], 0.01), grad: true }, { name: 'target', shape, gen: SIGN }],
      run: ([x, y]) => L.hinge(x, y, { reduction: red }), ref: ([x, y]) => R.hinge(x, y, shape, red),
      kink: ([x]) => distTo(x, [1, -1]) });
    add({ name: `hinge/margin0.5/${red}/${nameOf(shape)}`, fn: 'losses.hinge', reduce: n,
      inputs: [{ name: 'input', shape, gen: away(N(1.5), [0.5, -0.5], 0.01), grad: true }, { name: 'target', shape, gen: SIGN }],
      run: ([x, y]) => L.hinge(x, y, { reduction: red, margin: 0.5 }), ref: ([x, y]) => R.hinge(x, y, shape, red, 0.5),
      kink: ([x]) => distTo(x, [0.5, -0.5]) });
  }
}
type CeVariant = { tag: string; weight?: boolean; ls?: number; ignore?: number; dense?: boolean };
const CE: [CeVariant, number, number, readonly string[]][] = [
  [{ tag: 'labels' }, 7, 5, REDS], [{ tag: 'labels/weight', weight: true }, 7, 5, REDS],
  [{ tag: 'labels/smoothing0.1', ls: 0.1 }, 7, 5, REDS], [{ tag: 'labels/weight+smoothing0.2', weight: true, ls: 0.2 }, 7, 5, REDS],
  [{ tag: 'labels/ignore2', ignore: 2 }, 17, 3, REDS], [{ tag: 'labels/weight+ignore0+smoothing0.1', weight: true, ignore: 0, ls: 0.1 }, 17, 3, ['mean']],
  [{ tag: 'labels' }, 2, 255, ['mean']], [{ tag: 'labels' }, 1, 1, ['mean', 'sum']], [{ tag: 'labels' }, 1, 3, ['mean']],
  [{ tag: 'probs', dense: true }, 7, 5, REDS], [{ tag: 'probs/weight', dense: true, weight: true }, 7, 5, ['mean', 'sum']],
  [{ tag: 'probs/smoothing0.1', dense: true, ls: 0.1 }, 3, 17, ['mean', 'none']],
];
for (const [v, Nn, C, reds] of CE) {
  for (const red of reds) {
    const inputs: InputSpec[] = [{ name: 'logits', shape: [Nn, C], gen: N(2), grad: true },
      v.dense ? { name: 'target', shape: [Nn, C], gen: PROBS(C) }
        : { name: 'target', shape: [Nn], gen: v.ignore !== undefined ? INT_WITH(C, v.ignore) : INT(C), int: true }];
    if (v.weight) inputs.push({ name: 'weight', shape: [C], gen: U(0.2, 2) });
    add({
      name: `crossEntropy/${v.tag}/${red}/${Nn}x${C}`, fn: 'losses.crossEntropy', inputs, reduce: Nn * C,
      run: ([x, t, w]) => L.crossEntropy(x, t, { reduction: red as 'mean', weight: v.weight ? w : undefined, labelSmoothing: v.ls ?? 0,
        ...(v.ignore !== undefined ? { ignoreIndex: v.ignore } : {}) }),
      ref: ([x, t, w]) => R.crossEntropy(x, Nn, C, t, !!v.dense, v.weight ? w : null, v.ls ?? 0, red as R.Red, v.ignore ?? -100),
    });
  }
}
for (const red of REDS) {
  // the default ignoreIndex is -100 (PyTorch): such rows contribute nothing, also to the mean's divisor
  add({
    name: `crossEntropy/labels/defaultIgnore-100/${red}/5x4`, fn: 'losses.crossEntropy', reduce: 20,
    inputs: [{ name: 'logits', shape: [5, 4], gen: N(2), grad: true }, { name: 'target', shape: [5], gen: INT_WITH(4, -100), int: true }],
    run: ([x, t]) => L.crossEntropy(x, t, { reduction: red }), ref: ([x, t]) => R.crossEntropy(x, 5, 4, t, false, null, 0, red),
  });
}
for (const [tag, weight, ignore] of [['plain', false, undefined], ['weight', true, undefined], ['ignore1', false, 1], ['weight+ignore1', true, 1]] as [string, boolean, number | undefined][]) {
  for (const red of REDS) {
    const inputs: InputSpec[] = [{ name: 'input', shape: [7, 5], gen: N(), grad: true },
      { name: 'target', shape: [7], gen: ignore !== undefined ? INT_WITH(5, ignore) : INT(5), int: true }];
    if (weight) inputs.push({ name: 'weight', shape: [5], gen: U(0.2, 2) });
    add({
      name: `nll/${tag}/${red}/7x5`, fn: 'losses.nll', inputs, reduce: 35,
      run: ([x, t, w]) => L.nll(x, t, { reduction: red, weight: weight ? w : undefined, ...(ignore !== undefined ? { ignoreIndex: ignore } : {}) }),
      ref: ([x, t, w]) => R.nll(x, 7, 5, t, weight ? w : null, red, ignore ?? -100),
    });
  }
}
for (const red of ['batchmean', 'sum', 'mean', 'none'] as const) {
  for (const [logTarget, zeros] of [[false, false], [false, true], [true, false]]) {
    const shape = [4, 6];
    add({
      name: `klDiv/${logTarget ? 'logTarget/' : zeros ? 'zeroTargets/' : ''}${red}/4x6`, fn: 'losses.klDiv', reduce: 24,
      inputs: [{ name: 'input', shape, gen: (rng, n) => R.rows(N(1)(rng, n, []), 6, R.logSoftmaxRow), grad: true },
        { name: 'target', shape, gen: logTarget ? (rng, n) => R.rows(N(1)(rng, n, []), 6, R.logSoftmaxRow) : PROBS(6, zeros) }],
      run: ([x, t]) => L.klDiv(x, t, { reduction: red, logTarget }), ref: ([x, t]) => R.klDiv(x, t, shape, red, logTarget),
    });
  }
}

// ---------------------------------------------------------------- partial gradients, missing affine
// Kernels take null for gradients nobody needs (a first layer's dx, a frozen weight) and for
// absent weight/bias; those are separate code paths. Variants of entries above where only some
// inputs require grad (gradcheck also asserts the others get no .grad).

function partial(base: string, needGrad: string[]): void {
  const e = ENTRIES.find((k) => k.name === base);
  if (!e) throw new Error(`op_table: no entry ${base}`);
  add({ ...e, name: `${base}/grad(${needGrad.join(',')})`, inputs: e.inputs.map((s) => ({ ...s, grad: !!s.grad && needGrad.includes(s.name) })) });
}
partial('matmul/3x17@17x5', ['a']);
partial('matmul/3x17@17x5', ['b']);
partial('matmul/2x3x17@17x5', ['b']);
for (const a of ACTS) {
  partial(`linear/${a}/7x20x5`, ['weight', 'bias']);
  partial(`linear/${a}/7x20x5`, ['x']);
  partial(`linear/${a}/noBias/7x20x5`, ['weight']);
}
partial('linear/relu/3x33x17', ['bias']);
for (const op of ['add', 'sub', 'mul', 'div']) {
  partial(`${op}/row/5x33+1x33`, ['a']);
  partial(`${op}/row/5x33+1x33`, ['b']);
  partial(`${op}/outer/5x1+1x7`, ['b']);
}
partial('layerNorm/3x17', ['weight', 'bias']);
partial('layerNorm/3x17', ['x']);
partial('layerNorm/2x255', ['bias']);
partial('batchNorm/train/7x5', ['weight', 'bias']);
partial('batchNorm/train/7x5', ['x']);
partial('batchNorm/eval/4x3x5', ['x', 'weight']);
partial('batchNorm/train/4x3x5', ['bias']);
partial('concat/axis0/3x17+2x17+1x17', ['x0', 'x2']);
partial('mse/mean/3x17', ['input']);
partial('l1/sum/3x17', ['target']);
partial('huber/delta0.5/none/3x17', ['input']);
for (const [sx, wb] of [[[3, 17], 'weight'], [[3, 17], 'bias'], [[2, 3, 17], 'weight']] as [number[], string][]) {
  const C = sx[sx.length - 1];
  add({
    name: `layerNorm/only-${wb}/${nameOf(sx)}`, fn: 'ops.layerNorm',
    inputs: [{ name: 'x', shape: sx, gen: N(2), grad: true }, { name: wb, shape: [C], gen: N(), grad: true }],
    run: ([x, p]) => ng.layerNorm(x, wb === 'weight' ? p : null, wb === 'bias' ? p : null),
    ref: ([x, p]) => R.layerNorm(x, sx, wb === 'weight' ? p : null, wb === 'bias' ? p : null, 1e-5), reduce: C,
  });
}
for (const training of [true, false]) {
  for (const sx of [[7, 5], [4, 3, 5]]) {
    const C = sx[1];
    add({
      name: `batchNorm/${training ? 'train' : 'eval'}/noAffine/${nameOf(sx)}`, fn: 'ops.batchNorm',
      inputs: [{ name: 'x', shape: sx, gen: N(2), grad: true }, { name: 'runningMean', shape: [C], gen: N() }, { name: 'runningVar', shape: [C], gen: U(0.5, 2) }],
      run: ([x, rm, rv]) => ng.batchNorm(x, rm, rv, null, null, training),
      ref: ([x, rm, rv]) => R.batchNorm(x, sx, rm, rv, null, null, training, 1e-5), reduce: size(sx) / C,
    });
  }
  add({
    name: `batchNorm/${training ? 'train' : 'eval'}/noRunningStats/7x5`, fn: 'ops.batchNorm',
    inputs: [{ name: 'x', shape: [7, 5], gen: N(2), grad: true }, { name: 'weight', shape: [5], gen: N(), grad: true }],
    run: ([x, w]) => (training ? ng.batchNorm(x, null, null, w, null, true) : ng.batchNorm(x, ng.zeros([5]), ng.ones([5]), w, null, false)),
    ref: ([x, w]) => R.batchNorm(x, [7, 5], new Float64Array(5), new Float64Array(5).fill(1), w, null, training, 1e-5), reduce: 7,
  });
}

// ---------------------------------------------------------------- large: the OpenMP paths
// Kernels go parallel above kParallelMin = 32768 elements (native/cpu/ops/common.h) and SIMD
// paths have tails; the entries above are all below that, these are above it (129 x 257 = 33153)
// so both the serial and the parallel code of every kernel family is compared.

const BIG = [129, 257];
const big = (name: string, fn: string, e: Omit<OpEntry, 'name' | 'fn'>): void => add({ name: `large/${name}`, fn, fdSample: 10, ...e });
big('gt/129x257+257', 'ops.gt', { inputs: [{ name: 'a', shape: BIG, gen: GRID }, { name: 'b', shape: [257], gen: GRID }],
  run: ([a, b]) => ng.gt(a, b), ref: ([a, b]) => R.broadcast(a, BIG, b, [257], CMP.gt) });
big('eq/int32/129x257', 'ops.eq', { inputs: [{ name: 'a', shape: BIG, gen: INT(3), int: true }, { name: 'b', shape: BIG, gen: INT(3), int: true }],
  run: ([a, b]) => ng.eq(a, b), ref: ([a, b]) => R.broadcast(a, BIG, b, BIG, CMP.eq) });
big('permute/1,0/129x257', 'ops.permute', { inputs: x1(BIG), run: ([x]) => ng.permute(x, [1, 0]), ref: ([x]) => R.permute(x, BIG, [1, 0]) });
big('permute/2,0,1/3x43x257', 'ops.permute', { inputs: x1([3, 43, 257]), run: ([x]) => ng.permute(x, [2, 0, 1]),
  ref: ([x]) => R.permute(x, [3, 43, 257], [2, 0, 1]) });
big('where/129x257', 'ops.where', {
  inputs: [{ name: 'cond', shape: BIG, gen: INT(2) }, { name: 'a', shape: BIG, gen: N(), grad: true }, { name: 'b', shape: BIG, gen: N(), grad: true }],
  run: ([c, a, b]) => ng.where(c, a, b), ref: ([c, a, b]) => R.where(c, BIG, a, BIG, b, BIG),
});
big('cast/float32->int32/129x257', 'ops.cast', { inputs: x1(BIG, U(-1000, 1000), false), run: ([x]) => ng.cast(x, 'int32'),
  ref: ([x]) => ({ shape: BIG, data: R.map(x, (v) => Math.trunc(v) + 0) }) });  // + 0: int32 has no -0
big('cast/int32->float32/129x257', 'ops.cast', { inputs: [{ name: 'x', shape: BIG, gen: INT(1 << 24), int: true }],
  run: ([x]) => ng.cast(x, 'float32'), ref: ([x]) => ({ shape: BIG, data: x.slice() }) });
for (const [op, run, f, g, kinks] of UNARY.filter(([op]) => ['exp', 'relu', 'sigmoid', 'tanh', 'silu', 'selu', 'sqrt'].includes(op))) {
  big(`${op}/${nameOf(BIG)}`, `ops.${op}`, { inputs: x1(BIG, g), run: ([x]) => run(x), ref: ([x]) => ({ shape: BIG, data: R.map(x, f) }),
    kink: kinks ? ([x]) => distTo(x, kinks) : undefined });
}
big('gelu/none/129x257', 'ops.gelu', { inputs: x1(BIG, U(-6, 6)), run: ([x]) => ng.gelu(x), ref: ([x]) => ({ shape: BIG, data: R.map(x, R.gelu) }) });
big('gelu/tanh/129x257', 'ops.gelu', { inputs: x1(BIG, U(-6, 6)), run: ([x]) => ng.gelu(x, { approximate: 'tanh' }), ref: ([x]) => ({ shape: BIG, data: R.map(x, R.geluTanh) }) });
big('leakyRelu/129x257', 'ops.leakyRelu', { inputs: x1(BIG, PM(0.01, 3)), run: ([x]) => ng.leakyRelu(x, 0.1), ref: ([x]) => ({ shape: BIG, data: R.map(x, (v) => (v > 0 ? v : 0.1 * v)) }), kink: ([x]) => distTo(x, [0]) });
big('softplus/129x257', 'ops.softplus', { inputs: x1(BIG, away(U(-30, 30), [20], 0.05)), run: ([x]) => ng.softplus(x), ref: ([x]) => ({ shape: BIG, data: R.map(x, (v) => R.softplus(v, 1, 20)) }), kink: ([x]) => distTo(x, [20]) });
big('elu/129x257', 'ops.elu', { inputs: x1(BIG, PM(0.01, 4)), run: ([x]) => ng.elu(x, 0.7), ref: ([x]) => ({ shape: BIG, data: R.map(x, (v) => R.elu(v, 0.7)) }), kink: ([x]) => distTo(x, [0]) });
for (const [kind, sb] of [['same', BIG], ['row', [1, 257]], ['col', [129, 1]]] as [string, number[]][]) {
  for (const op of ['add', 'mul', 'div'] as Bin[]) {
    big(`${op}/${kind}/129x257+${nameOf(sb)}`, `ops.${op}`, {
      inputs: [{ name: 'a', shape: BIG, gen: N(), grad: true }, { name: 'b', shape: sb, gen: op === 'div' ? PM(0.5, 2) : N(), grad: true }],
      run: ([a, b]) => ng[op](a, b), ref: ([a, b]) => R.broadcast(a, BIG, b, sb, BIN[op]), reduce: size(BIG) / size(sb),
    });
  }
}
big('mul/number/129x257', 'ops.mul', { inputs: x1(BIG), run: ([x]) => ng.mul(x, 0.3), ref: ([x]) => ({ shape: BIG, data: R.map(x, (v) => v * 0.3) }) });
for (const kind of ['sum', 'mean', 'max'] as const) {
  for (const axis of [0, 1, undefined]) {
    big(`${kind}/${axis === undefined ? 'all' : `axis${axis}`}/129x257`, `ops.${kind}`, {
      inputs: x1(BIG, kind === 'max' ? distinct(100) : N()), run: ([x]) => ng[kind](x, axis), ref: ([x]) => R.reduce(kind, x, BIG, axis, false),
      reduce: axis === undefined ? size(BIG) : BIG[axis], kink: kind === 'max' ? ([x]) => topGap(x, BIG, axis) / 2 : undefined,
    });
  }
}
big('argmax/axis0/129x257', 'ops.argmax', { inputs: x1(BIG, distinct(40), false), run: ([x]) => ng.argmax(x, 0), ref: ([x]) => R.reduce('argmax', x, BIG, 0, false) });
big('softmax/129x257', 'ops.softmax', { inputs: x1(BIG, N(3)), run: ([x]) => ng.softmax(x), ref: ([x]) => ({ shape: BIG, data: R.rows(x, 257, R.softmaxRow) }), reduce: 257 });
big('logSoftmax/129x257', 'ops.logSoftmax', { inputs: x1(BIG, N(3)), run: ([x]) => ng.logSoftmax(x), ref: ([x]) => ({ shape: BIG, data: R.rows(x, 257, R.logSoftmaxRow) }), reduce: 257 });
big('layerNorm/129x257', 'ops.layerNorm', {
  inputs: [{ name: 'x', shape: BIG, gen: N(2), grad: true }, { name: 'weight', shape: [257], gen: N(), grad: true }, { name: 'bias', shape: [257], gen: N(), grad: true }],
  run: ([x, w, b]) => ng.layerNorm(x, w, b), ref: ([x, w, b]) => R.layerNorm(x, BIG, w, b, 1e-5), reduce: 257,
});
for (const training of [true, false]) {
  big(`batchNorm/${training ? 'train' : 'eval'}/257x129`, 'ops.batchNorm', {
    inputs: [{ name: 'x', shape: [257, 129], gen: N(2), grad: true }, { name: 'weight', shape: [129], gen: N(), grad: true },
      { name: 'bias', shape: [129], gen: N(), grad: true }, { name: 'runningMean', shape: [129], gen: N() }, { name: 'runningVar', shape: [129], gen: U(0.5, 2) }],
    run: ([x, w, b, rm, rv]) => ng.batchNorm(x, rm, rv, w, b, training), ref: ([x, w, b, rm, rv]) => R.batchNorm(x, [257, 129], rm, rv, w, b, training, 1e-5),
    reduce: 257,
  });
}
big('batchNorm/train/3d/65x3x171', 'ops.batchNorm', {
  inputs: [{ name: 'x', shape: [65, 3, 171], gen: N(2), grad: true }, { name: 'weight', shape: [3], gen: N(), grad: true },
    { name: 'bias', shape: [3], gen: N(), grad: true }, { name: 'runningMean', shape: [3], gen: N() }, { name: 'runningVar', shape: [3], gen: U(0.5, 2) }],
  run: ([x, w, b, rm, rv]) => ng.batchNorm(x, rm, rv, w, b, true), ref: ([x, w, b, rm, rv]) => R.batchNorm(x, [65, 3, 171], rm, rv, w, b, true, 1e-5),
  reduce: 65 * 171,
});
big('conv2d/relu/16x8x20x19->12', 'ops.conv2d', {
  ...convEntry('large', cg({ N: 16, C: 8, H: 20, W: 19, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1 }), { padding: 1, activation: 'relu' }, true),
  // 36480 pre-activations cannot all be kept clear of ReLU's kink; gradcheck's two-step test
  // skips the sampled coordinates whose finite difference straddles one.
  kink: undefined, fdSample: 4,
});
big('conv2d/groups2/9x6x17x17->8', 'ops.conv2d', {
  ...convEntry('large', cg({ N: 9, C: 6, H: 17, W: 17, OC: 8, KH: 3, KW: 3, sh: 2, sw: 2, groups: 2 }), { stride: 2, groups: 2 }, true),
  fdSample: 4,
});
for (const kind of ['max', 'avg'] as const) {
  const g = pg({ N: 8, C: 16, H: 17, W: 17, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, ceil: true });
  const sx = [8, 16, 17, 17];
  big(`${kind}Pool2d/3x3/s2p1/ceil/${nameOf(sx)}`, `ops.${kind}Pool2d`, {
    inputs: x1(sx, kind === 'max' ? distinct(size(sx) / 10) : N()),
    run: ([x]) => (kind === 'max' ? ng.maxPool2d(x, 3, poolOpts(g)) : ng.avgPool2d(x, 3, poolOpts(g))),
    ref: ([x]) => (kind === 'max' ? R.maxPool2d(x, g) : R.avgPool2d(x, g, true)), reduce: 9,
  });
}
big('adaptiveAvgPool2d/8x16x17x17->1x1', 'ops.adaptiveAvgPool2d', {
  inputs: x1([8, 16, 17, 17]), run: ([x]) => ng.adaptiveAvgPool2d(x, 1), ref: ([x]) => R.adaptiveAvgPool2d(x, 8, 16, 17, 17, 1, 1), reduce: 289,
});
big('batchNorm2d/train/8x16x17x17', 'ops.batchNorm2d', {
  inputs: [{ name: 'x', shape: [8, 16, 17, 17], gen: N(2), grad: true }, { name: 'weight', shape: [16], gen: N(), grad: true },
    { name: 'bias', shape: [16], gen: N(), grad: true }, { name: 'runningMean', shape: [16], gen: N() }, { name: 'runningVar', shape: [16], gen: U(0.5, 2) }],
  run: ([x, w, b, rm, rv]) => ng.batchNorm2d(x, rm, rv, w, b, true),
  ref: ([x, w, b, rm, rv]) => R.batchNorm(x, [8, 16, 17, 17], rm, rv, w, b, true, 1e-5), reduce: 8 * 289,
});
for (const a of ['none', 'relu', 'gelu', 'sigmoid'] as R.Act[]) {
  const sx = [515, 67];
  const sw = [65, 67];
  big(`linear/${a}/515x67x65`, 'ops.linear', {
    inputs: [{ name: 'x', shape: sx, gen: N(), grad: true }, { name: 'weight', shape: sw, gen: N(1 / Math.sqrt(67)), grad: true },
      { name: 'bias', shape: [65], gen: N(0.5), grad: true }],
    // 33475 pre-activations cannot all be kept clear of ReLU's kink; gradcheck's two-step test
    // skips the sampled coordinates whose finite difference straddles one.
    run: ([x, w, b]) => ng.linear(x, w, b, a), ref: ([x, w, b]) => R.linear(x, sx, w, sw, b, a), reduce: 515, fdSample: 4,
  });
}
big('matmul/129x257@257x67', 'ops.matmul', {
  inputs: [{ name: 'a', shape: BIG, gen: N(), grad: true }, { name: 'b', shape: [257, 67], gen: N(), grad: true }],
  run: ([a, b]) => ng.matmul(a, b), ref: ([a, b]) => R.matmul(a, BIG, b, [257, 67]), reduce: 257, fdSample: 4,
});
big('transpose/129x257', 'ops.transpose', { inputs: x1(BIG), run: ([x]) => ng.transpose(x), ref: ([x]) => R.transpose(x, BIG) });
big('concat/axis1/129x257+129x3', 'ops.concat', {
  inputs: [{ name: 'x0', shape: BIG, gen: N(), grad: true }, { name: 'x1', shape: [129, 3], gen: N(), grad: true }],
  run: (xs) => ng.concat(xs, 1), ref: (xs) => R.concat(xs, [BIG, [129, 3]], 1),
});
big('slice/axis1/129x257', 'ops.slice', { inputs: x1(BIG), run: ([x]) => ng.slice(x, 3, 256, 1), ref: ([x]) => R.slice(x, BIG, 3, 256, 1) });
big('gather/129x257/idx200', 'ops.gather', {
  inputs: [{ name: 'x', shape: BIG, gen: N(), grad: true }, { name: 'indices', shape: [200], gen: INT(129), int: true }],
  run: ([x, i]) => ng.gather(x, i), ref: ([x, i]) => R.gatherRows(x, BIG, i), reduce: 200,
});
big('embedding/50x33/idx1031', 'ops.embedding', {
  inputs: [{ name: 'indices', shape: [1031], gen: INT(50), int: true }, { name: 'weight', shape: [50, 33], gen: N(), grad: true }],
  run: ([i, w]) => ng.embedding(i, w), ref: ([i, w]) => ({ shape: [1031, 33], data: R.gatherRows(w, [50, 33], i).data }), reduce: 1031,
});
// D > 64: embedding backward goes parallel over 64-column blocks only then.
big('embedding/20x67/idx500', 'ops.embedding', {
  inputs: [{ name: 'indices', shape: [500], gen: INT(20), int: true }, { name: 'weight', shape: [20, 67], gen: N(), grad: true }],
  run: ([i, w]) => ng.embedding(i, w), ref: ([i, w]) => ({ shape: [500, 67], data: R.gatherRows(w, [20, 67], i).data }), reduce: 500,
});
big('embedding/padding3/20x67/idx500', 'ops.embedding', {
  inputs: [{ name: 'indices', shape: [500], gen: INT_WITH(20, 3), int: true }, { name: 'weight', shape: [20, 67], gen: N(), grad: true }],
  run: ([i, w]) => ng.embedding(i, w, 3), ref: embeddingPaddingRef([500], 20, 67, 3), reduce: 500, usesOutput: true,
});
// C > 32: batchNorm goes parallel over 32-channel blocks only then.
big('batchNorm/train/3d/17x65x31', 'ops.batchNorm', {
  inputs: [{ name: 'x', shape: [17, 65, 31], gen: N(2), grad: true }, { name: 'weight', shape: [65], gen: N(), grad: true },
    { name: 'bias', shape: [65], gen: N(), grad: true }, { name: 'runningMean', shape: [65], gen: N() }, { name: 'runningVar', shape: [65], gen: U(0.5, 2) }],
  run: ([x, w, b, rm, rv]) => ng.batchNorm(x, rm, rv, w, b, true), ref: ([x, w, b, rm, rv]) => R.batchNorm(x, [17, 65, 31], rm, rv, w, b, true, 1e-5),
  reduce: 17 * 31,
});
big('dropout/p0.4/129x257', 'ops.dropout', {
  inputs: x1(BIG, PM(0.1, 3)), usesOutput: true, run: ([x]) => ng.dropout(x, 0.4),
  ref: ([x], { out }) => ({ shape: BIG, data: R.map(x, (v) => v).map((v, i) => (out[i] === 0 ? 0 : v / 0.6)) }),
});
big('crossEntropy/labels/smoothing0.1/mean/257x129', 'losses.crossEntropy', {
  inputs: [{ name: 'logits', shape: [257, 129], gen: N(2), grad: true }, { name: 'target', shape: [257], gen: INT(129), int: true }],
  run: ([x, t]) => L.crossEntropy(x, t, { labelSmoothing: 0.1 }), ref: ([x, t]) => R.crossEntropy(x, 257, 129, t, false, null, 0.1, 'mean'), reduce: 257 * 129,
});
big('crossEntropy/probs/sum/257x129', 'losses.crossEntropy', {
  inputs: [{ name: 'logits', shape: [257, 129], gen: N(2), grad: true }, { name: 'target', shape: [257, 129], gen: PROBS(129) }],
  run: ([x, t]) => L.crossEntropy(x, t, { reduction: 'sum' }), ref: ([x, t]) => R.crossEntropy(x, 257, 129, t, true, null, 0, 'sum'), reduce: 257 * 129,
});
big('mse/mean/129x257', 'losses.mse', {
  inputs: [{ name: 'target', shape: BIG, gen: N(), grad: true }, { name: 'input', shape: BIG, gen: OFFSET(0, 0, 2), grad: true }],
  run: ([t, x]) => L.mse(x, t), ref: ([t, x]) => R.pairLoss('mse', x, t, BIG, 'mean'), reduce: size(BIG),
});
big('bceWithLogits/posWeight/none/129x257', 'losses.bceWithLogits', {
  inputs: [{ name: 'input', shape: BIG, gen: N(3), grad: true }, { name: 'target', shape: BIG, gen: U(0, 1) }, { name: 'posWeight', shape: [257], gen: U(0.2, 3) }],
  run: ([x, t, w]) => L.bceWithLogits(x, t, { reduction: 'none', posWeight: w }), ref: ([x, t, w]) => R.bceWithLogits(x, t, BIG, w, 'none'),
});
big('bce/sum/129x257', 'losses.bce', {
  inputs: [{ name: 'input', shape: BIG, gen: U(0.05, 0.95), grad: true }, { name: 'target', shape: BIG, gen: U(0, 1) }],
  run: ([x, t]) => L.bce(x, t, { reduction: 'sum' }), ref: ([x, t]) => R.bce(x, t, BIG, 'sum'), reduce: size(BIG),
});
big('hinge/mean/129x257', 'losses.hinge', {
  inputs: [{ name: 'input', shape: BIG, gen: away(N(1.5), [1, -1], 0.01), grad: true }, { name: 'target', shape: BIG, gen: SIGN }],
  run: ([x, y]) => L.hinge(x, y), ref: ([x, y]) => R.hinge(x, y, BIG, 'mean'), reduce: size(BIG), kink: ([x]) => distTo(x, [1, -1]),
});
big('klDiv/batchmean/129x257', 'losses.klDiv', {
  inputs: [{ name: 'input', shape: BIG, gen: (rng, n) => R.rows(N(1)(rng, n, []), 257, R.logSoftmaxRow), grad: true }, { name: 'target', shape: BIG, gen: PROBS(257, true) }],
  run: ([x, t]) => L.klDiv(x, t), ref: ([x, t]) => R.klDiv(x, t, BIG, 'batchmean', false), reduce: size(BIG),
});
big('nll/weight/mean/257x129', 'losses.nll', {
  inputs: [{ name: 'input', shape: [257, 129], gen: N(), grad: true }, { name: 'target', shape: [257], gen: INT(129), int: true }, { name: 'weight', shape: [129], gen: U(0.2, 2) }],
  run: ([x, t, w]) => L.nll(x, t, { weight: w }), ref: ([x, t, w]) => R.nll(x, 257, 129, t, w, 'mean'), reduce: 257,
});
big('huber/delta0.5/sum/129x257', 'losses.huber', {
  inputs: [{ name: 'target', shape: BIG, gen: N(), grad: true }, { name: 'input', shape: BIG, gen: (rng, k, prev) => OFFSET(0, 0, 2)(rng, k, prev).map((v, i) => {
    const d = v - prev[0][i];
    return Math.abs(Math.abs(d) - 0.5) < 0.01 ? prev[0][i] + Math.sign(d) * 0.55 : v;
  }), grad: true }],
  run: ([t, x]) => L.huber(x, t, { reduction: 'sum', delta: 0.5 }), ref: ([t, x]) => R.pairLoss('huber', x, t, BIG, 'sum', 0.5), reduce: size(BIG),
  kink: ([t, x]) => distTo(R.map(x, (v) => v).map((v, i) => Math.abs(v - t[i])), [0.5]),
});
big('l1/mean/129x257', 'losses.l1', {
  inputs: [{ name: 'target', shape: BIG, gen: N(), grad: true }, { name: 'input', shape: BIG, gen: OFFSET(0, 0.01, 2), grad: true }],
  run: ([t, x]) => L.l1(x, t), ref: ([t, x]) => R.pairLoss('l1', x, t, BIG, 'mean'), reduce: size(BIG),
  kink: ([t, x]) => distTo(R.map(x, (v) => v).map((v, i) => v - t[i]), [0]),
});

// ---------------------------------------------------------------- text (issue 14): embeddingBag

{
  const rowsBounds = (B: number, L: number): number[] => Array.from({ length: B + 1 }, (_, b) => b * L);
  const bagModes = ['sum', 'mean', 'max'] as const;
  // [V, D, input shape, offsets (1-D input) or null, paddingIdx or null]
  const bagCases: [number, number, number[], number[] | null, number | null][] = [
    [10, 6, [3, 5], null, null],
    [12, 5, [7], [0, 2, 2, 7], null], // an empty bag in the middle
    [8, 3, [4, 3], null, 0], // padding entries left out (and out of the mean's count)
    [9, 67, [8], [0, 3, 3], 2], // D past one 64-column block; empty bag
    [1, 1, [2, 1], null, null],
  ];
  for (const mode of bagModes) {
    for (const [V, D, si, offs, pad] of bagCases) {
      const n = size(si);
      const bounds = offs ? [...offs, n] : rowsBounds(si[0], si[1]);
      const p = pad ?? -1;
      add({
        name: `embeddingBag/${mode}${offs ? '/offsets' : ''}${pad !== null ? `/padding${pad}` : ''}/${V}x${D}/idx${nameOf(si)}`,
        fn: 'ops.embeddingBag',
        inputs: [{ name: 'input', shape: si, gen: pad !== null ? INT_WITH(V, pad) : INT(V), int: true },
          { name: 'weight', shape: [V, D], gen: mode === 'max' ? distinct(8) : N(), grad: true }],
        run: ([i, w]) => ng.embeddingBag(i, w, { mode, offsets: offs ?? undefined, paddingIdx: pad }),
        ref: ([i, w]) => R.embeddingBag(w, V, D, i, bounds, mode, null, p),
        reduce: n,
        kink: mode === 'max' ? ([i, w]) => R.embeddingBagMaxGap(w, D, i, bounds, p) : undefined,
      });
    }
  }
  // per-sample weights (sum): gradients for both the weight and the per-sample weights.
  for (const [V, D, si, offs, pad] of [[7, 6, [2, 4], null, null], [7, 6, [6], [0, 3, 3], null], [6, 4, [5], [0, 2], 5]] as
    [number, number, number[], number[] | null, number | null][]) {
    const n = size(si);
    const bounds = offs ? [...offs, n] : rowsBounds(si[0], si[1]);
    add({
      name: `embeddingBag/sum/perSampleWeights${offs ? '/offsets' : ''}${pad !== null ? `/padding${pad}` : ''}/${V}x${D}/idx${nameOf(si)}`,
      fn: 'ops.embeddingBag',
      inputs: [{ name: 'input', shape: si, gen: pad !== null ? INT_WITH(V, pad) : INT(V), int: true },
        { name: 'weight', shape: [V, D], gen: N(), grad: true }, { name: 'perSampleWeights', shape: si, gen: N(), grad: true }],
      run: ([i, w, psw]) => ng.embeddingBag(i, w, { mode: 'sum', offsets: offs ?? undefined, perSampleWeights: psw, paddingIdx: pad }),
      ref: ([i, w, psw]) => R.embeddingBag(w, V, D, i, bounds, 'sum', psw, pad ?? -1),
      reduce: n,
    });
  }
  // Large (above the OpenMP threshold, D > 64): determinism across thread counts too.
  for (const mode of bagModes) {
    const bounds = rowsBounds(60, 25);
    big(`embeddingBag/${mode}/40x67/idx60x25`, 'ops.embeddingBag', {
      inputs: [{ name: 'input', shape: [60, 25], gen: INT(40), int: true },
        { name: 'weight', shape: [40, 67], gen: mode === 'max' ? distinct(8) : N(), grad: true }],
      run: ([i, w]) => ng.embeddingBag(i, w, { mode }), ref: ([i, w]) => R.embeddingBag(w, 40, 67, i, bounds, mode, null, -1),
      reduce: 25, kink: mode === 'max' ? ([i, w]) => R.embeddingBagMaxGap(w, 67, i, bounds, -1) : undefined,
    });
  }
}

/** Every entry, in table order. */
export const OP_TABLE: readonly OpEntry[] = ENTRIES;

/** Exports that are deliberately not ops: helpers and constants (aliases are detected by identity). */
export const NOT_OPS: Record<string, readonly string[]> = {
  ops: ['LINEAR_ACTS'],
  losses: ['get', 'LOSS_NAMES'],
};

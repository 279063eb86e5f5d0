// Kernel tests for softmax / log-softmax and every loss (native/cpu/ops/softmax.cc, losses.cc):
// double-precision references, finite-difference gradients for reductions none | mean | sum,
// logits of +-1e4, argument errors, and the PyTorch fixtures in test/fixtures/torch.
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { asFloat, asInt, loadFixture, type OpCase } from '../fixtures/fixtures';

import { Arr, rng, randF32, expectClose, numGrad, dot, added } from '../helpers/kernels';

const NONE = 0;
const MEAN = 1;
const SUM = 2;
const BATCHMEAN = 3;
const RED_NAMES = ['none', 'mean', 'sum', 'batchmean'];

function logSoftmaxRow(x: Arr, off: number, C: number): number[] {
  let m = -Infinity;
  for (let c = 0; c < C; c++) m = Math.max(m, x[off + c]);
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(x[off + c] - m);
  const lse = m + Math.log(s);
  const out: number[] = [];
  for (let c = 0; c < C; c++) out.push(x[off + c] - lse);
  return out;
}

/** Applies a reduction to per-element losses; mean divides by `denom` (default: count). */
function reduce(l: number[], red: number, denom = l.length): number[] {
  if (red === NONE) return l;
  const s = l.reduce((p, q) => p + q, 0);
  return [red === SUM ? s : s / denom];
}

interface Spec {
  name: string;
  x: Float32Array; // the differentiable input
  outLen: number; // per-element loss count (reduction none)
  ref: (x: Arr, red: number) => number[];
  fwd: (loss: Float32Array, red: number) => number;
  bwd: (dx: Float32Array, dout: Float32Array, red: number) => void;
  reds?: number[];
  rtol?: number;
}

function checkSpec(s: Spec): void {
  for (const red of s.reds ?? [NONE, MEAN, SUM]) {
    const want = s.ref(s.x, red);
    const loss = new Float32Array(red === NONE ? s.outLen : 1);
    const ret = s.fwd(loss, red);
    expectClose(loss, want, s.rtol ?? 1e-5, 1e-6, `${s.name} ${RED_NAMES[red]} forward`);
    if (red !== NONE) expect(Math.abs(ret - want[0])).toBeLessThanOrEqual(1e-5 * Math.abs(want[0]) + 1e-6);
    const dout = red === NONE ? randF32(s.outLen, rng(3), -1, 1) : new Float32Array([0.7]);
    const got = added(s.x.length, (dx) => s.bwd(dx, dout, red));
    const fd = numGrad((xd) => dot(dout, s.ref(xd, red)), s.x);
    expectClose(got, fd, 1e-4, 1e-5, `${s.name} ${RED_NAMES[red]} backward`);
  }
}

describe('softmax and logSoftmax', () => {
  for (const [N, C] of [[1, 1], [3, 17], [2, 255], [5, 3]]) {
    it(`forward and backward (${N}x${C})`, () => {
      const x = randF32(N * C, rng(N * C), -5, 5);
      const refLs = (xd: Arr): number[] => {
        const o: number[] = [];
        for (let n = 0; n < N; n++) o.push(...logSoftmaxRow(xd, n * C, C));
        return o;
      };
      const out = new Float32Array(N * C);
      native.logSoftmaxForward(out, x, N, C);
      expectClose(out, refLs(x), 1e-5, 1e-6, 'logSoftmax');
      const dout = randF32(N * C, rng(1), -1, 1);
      let got = added(N * C, (dx) => native.logSoftmaxBackward(dx, out, dout, N, C));
      expectClose(got, numGrad((xd) => dot(dout, refLs(xd)), x), 1e-4, 1e-5, 'logSoftmax backward');
      const refS = (xd: Arr): number[] => refLs(xd).map(Math.exp);
      native.softmaxForward(out, x, N, C);
      expectClose(out, refS(x), 1e-5, 1e-7, 'softmax');
      got = added(N * C, (dx) => native.softmaxBackward(dx, out, dout, N, C));
      expectClose(got, numGrad((xd) => dot(dout, refS(xd)), x), 1e-4, 1e-5, 'softmax backward');
    });
  }

  it('is finite for logits of +-1e4', () => {
    const x = new Float32Array([1e4, -1e4, 0, -1e4, -1e4, -1e4]);
    const out = new Float32Array(6);
    native.softmaxForward(out, x, 2, 3);
    expectClose(out, [1, 0, 0, 1 / 3, 1 / 3, 1 / 3], 1e-6, 0, 'softmax extreme');
    native.logSoftmaxForward(out, x, 2, 3);
    expectClose(out, [0, -2e4, -1e4, -Math.log(3), -Math.log(3), -Math.log(3)], 1e-6, 0, 'logSoftmax extreme');
  });
});

describe('cross-entropy from logits', () => {
  const mk = (N: number, C: number, opts: { weight?: boolean; ls?: number; ignore?: number; seed?: number }): Spec => {
    const r = rng(opts.seed ?? N * 100 + C);
    const x = randF32(N * C, r, -3, 3);
    const labels = Int32Array.from({ length: N }, () => Math.floor(r() * C));
    const ignore = opts.ignore ?? -100;
    if (opts.ignore !== undefined && N > 1) labels[1] = ignore;
    const weight = opts.weight ? randF32(C, r, 0.2, 2) : null;
    const ls = opts.ls ?? 0;
    const w = (c: number): number => (weight ? weight[c] : 1);
    const ref = (xd: Arr, red: number): number[] => {
      const l: number[] = [];
      let wsum = 0;
      for (let n = 0; n < N; n++) {
        const y = labels[n];
        if (y === ignore) {
          l.push(0);
          continue;
        }
        const lp = logSoftmaxRow(xd, n * C, C);
        let smooth = 0;
        for (let c = 0; c < C; c++) smooth -= w(c) * lp[c];
        l.push((1 - ls) * -w(y) * lp[y] + (ls / C) * smooth);
        wsum += w(y);
      }
      return reduce(l, red, wsum);
    };
    const probs = new Float32Array(N * C);
    return {
      name: `CE ${N}x${C} ${JSON.stringify(opts)}`,
      x,
      outLen: N,
      ref,
      fwd: (loss, red) => native.crossEntropyForward(loss, probs, x, labels, weight, N, C, ls, red, ignore),
      bwd: (dx, dout, red) => {
        native.crossEntropyForward(new Float32Array(N), probs, x, labels, weight, N, C, ls, NONE, ignore);
        native.crossEntropyBackward(dx, probs, labels, weight, dout, N, C, ls, red, ignore);
      },
    };
  };
  const cases: Array<[number, number, Parameters<typeof mk>[2]]> = [
    [1, 1, {}],
    [1, 3, {}],
    [7, 5, {}],
    [3, 17, { weight: true }],
    [5, 4, { ls: 0.1 }],
    [6, 5, { weight: true, ls: 0.2 }],
    [4, 3, { ignore: -100 }],
    [5, 3, { ignore: 2, weight: true, ls: 0.1 }],
    [2, 255, {}],
  ];
  for (const [N, C, o] of cases) it(`labels ${N}x${C} ${JSON.stringify(o)}`, () => checkSpec(mk(N, C, o)));

  const mkDense = (N: number, C: number, opts: { weight?: boolean; ls?: number }): Spec => {
    const r = rng(N * 7 + C);
    const x = randF32(N * C, r, -3, 3);
    const t = new Float32Array(N * C);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += t[n * C + c] = r();
      for (let c = 0; c < C; c++) t[n * C + c] /= s;
    }
    const weight = opts.weight ? randF32(C, r, 0.2, 2) : null;
    const ls = opts.ls ?? 0;
    const ref = (xd: Arr, red: number): number[] => {
      const l: number[] = [];
      for (let n = 0; n < N; n++) {
        const lp = logSoftmaxRow(xd, n * C, C);
        let s = 0;
        for (let c = 0; c < C; c++) s -= (weight ? weight[c] : 1) * ((1 - ls) * t[n * C + c] + ls / C) * lp[c];
        l.push(s);
      }
      return reduce(l, red, N);
    };
    const probs = new Float32Array(N * C);
    return {
      name: `CE dense ${N}x${C}`,
      x,
      outLen: N,
      ref,
      fwd: (loss, red) => native.crossEntropyDenseForward(loss, probs, x, t, weight, N, C, ls, red),
      bwd: (dx, dout, red) => {
        native.crossEntropyDenseForward(new Float32Array(N), probs, x, t, weight, N, C, ls, NONE);
        native.crossEntropyDenseBackward(dx, probs, t, weight, dout, N, C, ls, red);
      },
    };
  };
  for (const [N, C, o] of [
    [1, 1, {}],
    [7, 5, {}],
    [3, 17, { weight: true }],
    [4, 6, { weight: true, ls: 0.1 }],
  ] as Array<[number, number, { weight?: boolean; ls?: number }]>) {
    it(`dense targets ${N}x${C} ${JSON.stringify(o)}`, () => checkSpec(mkDense(N, C, o)));
  }

  it('gives finite loss and gradient for logits of +-1e4', () => {
    const x = new Float32Array([1e4, -1e4, 0, -1e4, 1e4, 0]);
    const labels = new Int32Array([1, 1]);
    const probs = new Float32Array(6);
    const loss = new Float32Array(1);
    const v = native.crossEntropyForward(loss, probs, x, labels, null, 2, 3, 0, MEAN, -100);
    expect(v).toBeCloseTo(1e4, 2);
    const dx = new Float32Array(6);
    native.crossEntropyBackward(dx, probs, labels, null, new Float32Array([1]), 2, 3, 0, MEAN, -100);
    expectClose(dx, [0.5, -0.5, 0, 0, 0, 0], 0, 1e-6, 'extreme CE grad');
  });

  it('backward never indexes with an out-of-range label (labels are checked once, in forward)', () => {
    const probs = new Float32Array([0.2, 0.3, 0.5, 0.1, 0.1, 0.8]);
    const d = new Float32Array(6);
    native.crossEntropyBackward(d, probs, new Int32Array([7, -5]), null, new Float32Array([1, 1]), 2, 3, 0, NONE, -100);
    expect(Array.from(d)).toEqual([0, 0, 0, 0, 0, 0]);
    native.nllBackward(d, new Int32Array([3, 1]), null, new Float32Array([1, 1]), 2, 3, NONE, -100);
    expect(Array.from(d)).toEqual([0, 0, 0, 0, -1, 0]);
  });

  it('rejects labels out of range, naming the position', () => {
    const x = new Float32Array(6);
    expect(() =>
      native.crossEntropyForward(new Float32Array(1), x, x, new Int32Array([0, 3]), null, 2, 3, 0, MEAN, -100),
    ).toThrow(new RangeError('Expected integer in [0, 3) or -100 for labels[1] but received 3'));
    expect(() =>
      native.crossEntropyForward(new Float32Array(1), x, x, new Int32Array([0, 1]), null, 2, 3, 0, 4, -100),
    ).toThrow(new RangeError('Expected 0 (none), 1 (mean) or 2 (sum) for reduction but received 4 of type number'));
    expect(() =>
      native.crossEntropyForward(new Float32Array(1), x, x, new Int32Array([0, 1]), null, 2, 3, 0, NONE, -100),
    ).toThrow(new RangeError('Expected Float32Array of length >= 2 for loss but received Float32Array of length 1'));
    expect(() =>
      native.crossEntropyBackward(x, x, new Int32Array([0, 1]), null, new Float32Array(1), 2, 3, 0, NONE, -100),
    ).toThrow(new RangeError('Expected Float32Array of length >= 2 for dout but received Float32Array of length 1'));
    expect(() =>
      native.crossEntropyForward(new Float32Array(1), x, x, new Int32Array([0, 1]), [1, 1, 1], 2, 3, 0, MEAN, -100),
    ).toThrow(new TypeError('Expected Float32Array or null for weight but received an array of length 3'));
  });
});

describe('other losses', () => {
  const n = 23;
  const r = rng(77);
  const x = randF32(n, r, -2, 2);
  const y = randF32(n, r, -2, 2);
  for (let i = 0; i < n; i++) if (Math.abs(x[i] - y[i]) < 0.02) x[i] += 0.05; // away from |d| = 0 kinks
  const pointwise = (f: (a: number, b: number) => number) => (xd: Arr, red: number): number[] =>
    reduce(Array.from(xd, (v, i) => f(v, y[i])), red);
  const reg = (name: string, f: (a: number, b: number) => number, extra: number[] = []): Spec => ({
    name,
    x,
    outLen: n,
    ref: pointwise(f),
    fwd: (loss, red) => native[`${name}Forward`](loss, x, y, n, ...extra, red),
    bwd: (dx, dout, red) => native[`${name}Backward`](dx, null, x, y, dout, n, ...extra, red),
  });
  it('mse', () => checkSpec(reg('mse', (a, b) => (a - b) ** 2)));
  it('l1', () => checkSpec(reg('l1', (a, b) => Math.abs(a - b))));
  for (const delta of [1, 0.5]) {
    it(`huber (delta ${delta})`, () => {
      for (let i = 0; i < n; i++) if (Math.abs(Math.abs(x[i] - y[i]) - delta) < 0.02) x[i] += 0.05;
      checkSpec(reg('huber', (a, b) => {
        const d = Math.abs(a - b);
        return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
      }, [delta]));
    });
  }
  it('regression losses also give dy = -dx', () => {
    const dx = new Float32Array(n);
    const dy = new Float32Array(n);
    native.mseBackward(dx, dy, x, y, new Float32Array([1]), n, MEAN);
    for (let i = 0; i < n; i++) expect(dy[i]).toBe(-dx[i]);
  });

  const labels01 = Float32Array.from({ length: n }, () => (r() < 0.5 ? 0 : 1));
  for (const C of [1, 23]) {
    it(`bceWithLogits ${C === 1 ? 'without' : 'with'} posWeight`, () => {
      const pw = C === 1 ? null : randF32(C, r, 0.3, 3);
      const xl = randF32(n, r, -6, 6);
      const f = (a: number, i: number): number => {
        const L = pw ? 1 + (pw[i % C] - 1) * labels01[i] : 1;
        return (1 - labels01[i]) * a + L * (Math.log1p(Math.exp(-Math.abs(a))) + Math.max(-a, 0));
      };
      checkSpec({
        name: 'bceWithLogits',
        x: xl,
        outLen: n,
        ref: (xd, red) => reduce(Array.from(xd, f), red),
        fwd: (loss, red) => native.bceWithLogitsForward(loss, xl, labels01, pw, n, C, red),
        bwd: (dx, dout, red) => native.bceWithLogitsBackward(dx, xl, labels01, pw, dout, n, C, red),
      });
    });
  }
  it('bceWithLogits is finite at +-1e4', () => {
    const xl = new Float32Array([1e4, -1e4, 1e4, -1e4]);
    const t = new Float32Array([1, 0, 0, 1]);
    const loss = new Float32Array(4);
    native.bceWithLogitsForward(loss, xl, t, null, 4, 1, NONE);
    expect(Array.from(loss)).toEqual([0, 0, 1e4, 1e4]);
    const dx = new Float32Array(4);
    native.bceWithLogitsBackward(dx, xl, t, null, new Float32Array([1, 1, 1, 1]), 4, 1, NONE);
    expect(Array.from(dx)).toEqual([0, 0, 1, -1]);
  });
  it('bce on probabilities (log clamped at -100)', () => {
    const p = randF32(n, r, 0.05, 0.95);
    const yt = randF32(n, r, 0, 1);
    checkSpec({
      name: 'bce',
      x: p,
      outLen: n,
      ref: (xd, red) =>
        reduce(Array.from(xd, (v, i) => -(yt[i] * Math.log(v) + (1 - yt[i]) * Math.log(1 - v))), red),
      fwd: (loss, red) => native.bceForward(loss, p, yt, n, red),
      bwd: (dx, dout, red) => native.bceBackward(dx, null, p, yt, dout, n, red),
    });
    const loss = new Float32Array(2);
    native.bceForward(loss, new Float32Array([0, 1]), new Float32Array([1, 0]), 2, NONE);
    expect(Array.from(loss)).toEqual([100, 100]);
  });
  it('nll', () => {
    const [N, C] = [6, 4];
    const lp = randF32(N * C, r, -4, 0);
    const lab = new Int32Array([0, 3, 2, 2, 1, 3]);
    const w = randF32(C, r, 0.5, 2);
    checkSpec({
      name: 'nll',
      x: lp,
      outLen: N,
      ref: (xd, red) => {
        const l = Array.from(lab, (yv, i) => -w[yv] * xd[i * C + yv]);
        return reduce(l, red, Array.from(lab, (yv) => w[yv]).reduce((a, b) => a + b, 0));
      },
      fwd: (loss, red) => native.nllForward(loss, lp, lab, w, N, C, red, -100),
      bwd: (dx, dout, red) => native.nllBackward(dx, lab, w, dout, N, C, red, -100),
    });
  });
  for (const logTarget of [false, true]) {
    it(`klDiv (logTarget ${logTarget}) incl. batchmean and zero targets`, () => {
      const [N, C] = [4, 6];
      const inp = randF32(N * C, r, -3, -0.1);
      const t = randF32(N * C, r, 0, 1);
      t[3] = 0;
      if (logTarget) for (let i = 0; i < t.length; i++) t[i] = Math.log(t[i] + 0.01);
      const f = (v: number, i: number): number =>
        logTarget ? Math.exp(t[i]) * (t[i] - v) : t[i] === 0 ? 0 : t[i] * (Math.log(t[i]) - v);
      checkSpec({
        name: 'klDiv',
        x: inp,
        outLen: N * C,
        reds: [NONE, MEAN, SUM, BATCHMEAN],
        ref: (xd, red) => (red === BATCHMEAN ? [reduce(Array.from(xd, f), SUM)[0] / N] : reduce(Array.from(xd, f), red)),
        fwd: (loss, red) => native.klDivForward(loss, inp, t, N * C, N, logTarget, red),
        bwd: (dx, dout, red) => native.klDivBackward(dx, t, dout, N * C, N, logTarget, red),
      });
    });
  }
  it('hinge', () => {
    const yt = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
    const xh = randF32(n, r, -2, 2);
    for (let i = 0; i < n; i++) if (Math.abs(1 - yt[i] * xh[i]) < 0.02) xh[i] += 0.05 * yt[i];
    checkSpec({
      name: 'hinge',
      x: xh,
      outLen: n,
      ref: (xd, red) => reduce(Array.from(xd, (v, i) => Math.max(0, 1 - yt[i] * v)), red),
      fwd: (loss, red) => native.hingeForward(loss, xh, yt, n, 1, red),
      bwd: (dx, dout, red) => native.hingeBackward(dx, null, xh, yt, dout, n, 1, red),
    });
  });
  it('rejects bad reductions and sizes', () => {
    const a = new Float32Array(4);
    expect(() => native.mseForward(a, a, a, 4, 3)).toThrow(
      new RangeError('Expected 0 (none), 1 (mean) or 2 (sum) for reduction but received 3 of type number'),
    );
    expect(() => native.klDivForward(a, a, a, 4, 2, false, 'mean')).toThrow(
      new TypeError('Expected 0 (none), 1 (mean), 2 (sum) or 3 (batchmean) for reduction but received "mean" of type string'),
    );
    expect(() => native.huberForward(a, a, a, 4, '1', MEAN)).toThrow(
      new TypeError('Expected number for delta but received "1" of type string'),
    );
    expect(() => native.bceWithLogitsForward(a, a, a, new Float32Array(3), 4, 3, MEAN)).toThrow(
      new RangeError('Expected n that is a multiple of C = 3 for n but received 4'),
    );
  });
});

// ---- PyTorch fixtures (test/fixtures/torch/losses.json, ops.json softmax cases) ----
function f32(t: unknown): Float32Array {
  return Float32Array.from(asFloat(t as never).data);
}
const REDS: Record<string, number> = { none: NONE, mean: MEAN, sum: SUM, batchmean: BATCHMEAN };

/** Runs one fixture loss case natively: returns the loss output and the input gradient. */
function runLossCase(c: OpCase): { out: Float32Array; grad: Float32Array } | null {
  const a = c.attrs as Record<string, unknown>;
  const red = REDS[String(a.reduction)];
  const x = f32(c.inputs.input);
  const n = x.length;
  const outLen = red === NONE ? asFloat(c.output).data.length : 1;
  const out = new Float32Array(outLen);
  const grad = new Float32Array(n);
  const dout = c.gradOutput ? f32(c.gradOutput) : new Float32Array([1]);
  const tgt = c.inputs.target;
  const shape = asFloat(c.inputs.input).shape;
  const C = shape[shape.length - 1];
  const N = n / C;
  switch (c.op) {
    case 'mse':
    case 'l1':
    case 'hinge': {
      const y = f32(tgt);
      if (c.op === 'hinge') {
        native.hingeForward(out, x, y, n, 1, red);
        native.hingeBackward(grad, null, x, y, dout, n, 1, red);
      } else {
        native[`${c.op}Forward`](out, x, y, n, red);
        native[`${c.op}Backward`](grad, null, x, y, dout, n, red);
      }
      break;
    }
    case 'huber':
    case 'smoothL1': {
      const y = f32(tgt);
      const d = Number(c.op === 'huber' ? a.delta : a.beta);
      native.huberForward(out, x, y, n, d, red);
      native.huberBackward(grad, null, x, y, dout, n, d, red);
      if (c.op === 'smoothL1') {
        for (let i = 0; i < out.length; i++) out[i] /= d;
        for (let i = 0; i < n; i++) grad[i] /= d;
      }
      break;
    }
    case 'bce': {
      const y = f32(tgt);
      native.bceForward(out, x, y, n, red);
      native.bceBackward(grad, null, x, y, dout, n, red);
      break;
    }
    case 'bceWithLogits': {
      const y = f32(tgt);
      const pw = c.inputs.posWeight ? f32(c.inputs.posWeight) : null;
      native.bceWithLogitsForward(out, x, y, pw, n, C, red);
      native.bceWithLogitsBackward(grad, x, y, pw, dout, n, C, red);
      break;
    }
    case 'crossEntropy': {
      const w = c.inputs.weight ? f32(c.inputs.weight) : null;
      const ls = Number(a.labelSmoothing ?? 0);
      const probs = new Float32Array(n);
      if (a.targetType === 'labels') {
        const lab = Int32Array.from(asInt(tgt).data);
        native.crossEntropyForward(out, probs, x, lab, w, N, C, ls, red, -100);
        native.crossEntropyBackward(grad, probs, lab, w, dout, N, C, ls, red, -100);
      } else {
        const t = f32(tgt);
        native.crossEntropyDenseForward(out, probs, x, t, w, N, C, ls, red);
        native.crossEntropyDenseBackward(grad, probs, t, w, dout, N, C, ls, red);
      }
      break;
    }
    case 'nll': {
      const w = c.inputs.weight ? f32(c.inputs.weight) : null;
      const lab = Int32Array.from(asInt(tgt).data);
      native.nllForward(out, x, lab, w, N, C, red, -100);
      native.nllBackward(grad, lab, w, dout, N, C, red, -100);
      break;
    }
    case 'klDiv': {
      const t = f32(tgt);
      const batch = shape[0];
      native.klDivForward(out, x, t, n, batch, Boolean(a.logTarget), red);
      native.klDivBackward(grad, t, dout, n, batch, Boolean(a.logTarget), red);
      break;
    }
    default:
      return null;
  }
  return { out, grad };
}

describe('PyTorch fixtures: losses', () => {
  const file = loadFixture('losses');
  for (const c of file.cases) {
    it(c.name, () => {
      const res = runLossCase(c);
      expect(res, `no native mapping for ${c.op}`).not.toBeNull();
      if (!res) return;
      // Float32 kernels vs a float64 reference rounded once: a few ulps, more for sums.
      expectClose(res.out, asFloat(c.output).data, 2e-5, 1e-6, `${c.name} loss`);
      expectClose(res.grad, asFloat(c.grads?.input).data, 2e-5, 1e-6, `${c.name} grad`);
    });
  }
});

describe('PyTorch fixtures: softmax / logSoftmax', () => {
  const file = loadFixture('ops');
  for (const c of file.cases.filter((k) => k.op === 'softmax' || k.op === 'logSoftmax')) {
    it(c.name, () => {
      const x = f32(c.inputs.x);
      const shape = asFloat(c.inputs.x).shape;
      const C = shape[shape.length - 1];
      const N = x.length / C;
      const out = new Float32Array(x.length);
      native[`${c.op}Forward`](out, x, N, C);
      expectClose(out, asFloat(c.output).data, 1e-5, 1e-7, `${c.name} forward`);
      const dx = new Float32Array(x.length);
      native[`${c.op}Backward`](dx, out, f32(c.gradOutput), N, C);
      expectClose(dx, asFloat(c.grads?.x).data, 1e-4, 1e-6, `${c.name} backward`);
    });
  }
});

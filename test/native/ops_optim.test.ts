// Kernel tests for the fused optimizer updates and gradient utilities
// (native/cpu/ops/optimizers.cc, clip.cc): against straightforward JS versions of the torch.optim
// formulas (several steps, awkward sizes), against the PyTorch fixtures, and argument errors.
import { afterAll, describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { asFloat, loadFixture, type OptimizerCase } from '../fixtures/fixtures';

import { rng, randF32, expectClose } from '../helpers/kernels';

/** State of a JS reference optimizer over flat arrays (double precision). */
type Step = (p: Float64Array, g: Float64Array, t: number) => void;

function sgdRef(lr: number, momentum: number, dampening: number, nesterov: boolean, wd: number): Step {
  let buf: Float64Array | null = null;
  return (p, g0, t) => {
    const g = g0.map((v, i) => v + wd * p[i]);
    if (momentum !== 0) {
      if (t === 1 || !buf) buf = Float64Array.from(g);
      else for (let i = 0; i < g.length; i++) buf[i] = momentum * buf[i] + (1 - dampening) * g[i];
      for (let i = 0; i < g.length; i++) g[i] = nesterov ? g[i] + momentum * buf[i] : buf[i];
    }
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
  };
}

function adamRef(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, amsgrad: boolean): Step {
  let m: Float64Array, v: Float64Array, vmax: Float64Array;
  return (p, g0, t) => {
    if (t === 1) {
      m = new Float64Array(p.length);
      v = new Float64Array(p.length);
      vmax = new Float64Array(p.length);
    }
    if (decoupled) for (let i = 0; i < p.length; i++) p[i] *= 1 - lr * wd;
    const g = g0.map((x, i) => (decoupled ? x : x + wd * p[i]));
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      vmax[i] = Math.max(vmax[i], v[i]);
      const denom = Math.sqrt(amsgrad ? vmax[i] : v[i]) / Math.sqrt(bc2) + eps;
      p[i] -= (lr / bc1) * (m[i] / denom);
    }
  };
}

function rmspropRef(lr: number, alpha: number, eps: number, wd: number, momentum: number, centered: boolean): Step {
  let sq: Float64Array, ga: Float64Array, buf: Float64Array;
  return (p, g0, t) => {
    if (t === 1) {
      sq = new Float64Array(p.length);
      ga = new Float64Array(p.length);
      buf = new Float64Array(p.length);
    }
    for (let i = 0; i < p.length; i++) {
      const g = g0[i] + wd * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
      let avg: number;
      if (centered) {
        ga[i] = alpha * ga[i] + (1 - alpha) * g;
        avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
      } else avg = Math.sqrt(sq[i]) + eps;
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + g / avg;
        p[i] -= lr * buf[i];
      } else p[i] -= (lr * g) / avg;
    }
  };
}

function adagradRef(lr: number, lrDecay: number, wd: number, eps: number, init: number): Step {
  let s: Float64Array;
  return (p, g0, t) => {
    if (t === 1) s = new Float64Array(p.length).fill(init);
    const clr = lr / (1 + (t - 1) * lrDecay);
    for (let i = 0; i < p.length; i++) {
      const g = g0[i] + wd * p[i];
      s[i] += g * g;
      p[i] -= (clr * g) / (Math.sqrt(s[i]) + eps);
    }
  };
}

/** Native optimizer with its own state buffers. */
type NativeStep = (p: Float32Array, g: Float32Array, t: number) => void;

function makeNative(kind: string, n: number, h: Record<string, number | boolean>): NativeStep {
  const s1 = new Float32Array(n);
  const s2 = new Float32Array(n);
  const s3 = new Float32Array(n);
  switch (kind) {
    case 'sgd':
      return (p, g, t) => native.sgdUpdate(p, g, h.momentum ? s1 : null, n, h.lr, h.momentum, h.dampening,
        h.nesterov, h.weightDecay, t === 1);
    case 'adam':
    case 'adamw':
      return (p, g, t) => native.adamUpdate(p, g, s1, s2, h.amsgrad ? s3 : null, n, h.lr, h.beta1, h.beta2, h.eps,
        h.weightDecay, t, kind === 'adamw', h.amsgrad);
    case 'rmsprop':
      return (p, g) => native.rmspropUpdate(p, g, s1, h.centered ? s2 : null, (h.momentum as number) > 0 ? s3 : null,
        n, h.lr, h.alpha, h.eps, h.weightDecay, h.momentum, h.centered);
    case 'adagrad':
      s1.fill(h.initialAccumulatorValue as number);
      return (p, g, t) => native.adagradUpdate(p, g, s1, n, h.lr, h.lrDecay, h.weightDecay, h.eps, t);
    default:
      throw new Error(kind);
  }
}

function makeRef(kind: string, h: Record<string, number | boolean>): Step {
  const H = h as Record<string, number> & Record<string, boolean>;
  switch (kind) {
    case 'sgd':
      return sgdRef(H.lr, H.momentum, H.dampening, H.nesterov, H.weightDecay);
    case 'adam':
    case 'adamw':
      return adamRef(H.lr, H.beta1, H.beta2, H.eps, H.weightDecay, kind === 'adamw', H.amsgrad);
    case 'rmsprop':
      return rmspropRef(H.lr, H.alpha, H.eps, H.weightDecay, H.momentum, H.centered);
    default:
      return adagradRef(H.lr, H.lrDecay, H.weightDecay, H.eps, H.initialAccumulatorValue);
  }
}

const CONFIGS: Array<[string, Record<string, number | boolean>]> = [
  ['sgd', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
  ['sgd', { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }],
  ['sgd', { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.01 }],
  ['sgd', { lr: 0.1, momentum: 0.8, dampening: 0.3, nesterov: false, weightDecay: 0.1 }],
  ['adam', { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false }],
  ['adam', { lr: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.05, amsgrad: true }],
  ['adamw', { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, amsgrad: false }],
  ['adamw', { lr: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, amsgrad: true }],
  ['rmsprop', { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }],
  ['rmsprop', { lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true }],
  ['rmsprop', { lr: 0.02, alpha: 0.95, eps: 1e-6, weightDecay: 0, momentum: 0.5, centered: false }],
  ['adagrad', { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 }],
  ['adagrad', { lr: 0.1, lrDecay: 0.01, weightDecay: 0.1, eps: 1e-10, initialAccumulatorValue: 0.1 }],
];

describe('optimizer kernels vs JS torch.optim formulas', () => {
  for (const [kind, h] of CONFIGS) {
    for (const n of [1, 17, 255]) {
      it(`${kind} ${JSON.stringify(h)} n = ${n}: 6 steps`, () => {
        const r = rng(n + kind.length);
        const p = randF32(n, r, -1, 1);
        const pr = Float64Array.from(p);
        const step = makeNative(kind, n, h);
        const ref = makeRef(kind, h);
        for (let t = 1; t <= 6; t++) {
          const g = randF32(n, r, -1, 1);
          step(p, g, t);
          ref(pr, Float64Array.from(g), t);
          expectClose(p, pr, 1e-5, 2e-6, `${kind} step ${t}`);
        }
      });
    }
  }

  it('large buffers (parallel path) give the same result as the reference', () => {
    const n = (1 << 16) + 5;
    const r = rng(1);
    const p = randF32(n, r);
    const pr = Float64Array.from(p);
    // AdamW + amsgrad (Adam's L2 term can cancel the gradient to ~1e-9 for some elements,
    // where float32 rounding legitimately dominates).
    const h = CONFIGS[7][1];
    const step = makeNative('adamw', n, h);
    const ref = makeRef('adamw', h);
    for (let t = 1; t <= 2; t++) {
      const g = randF32(n, r);
      step(p, g, t);
      ref(pr, Float64Array.from(g), t);
    }
    expectClose(p, pr, 1e-5, 2e-6, 'adam large');
  });
});

describe('optimizer kernels: every ISA gives the same bits', () => {
  // The updates run per-ISA builds of one loop (AVX-512 / AVX2 / baseline, no FMA contraction):
  // each ISA the CPU has must give exactly the baseline's result, remainder lanes included.
  const ISAS = ['generic', 'avx2', 'avx512'];
  const rank = (i: string) => ISAS.indexOf(i);
  const original: string = native.getIsa();
  afterAll(() => native.setIsa(original));
  const supported = ISAS.filter((i) => rank(i) <= rank(native.detectIsa()));
  for (const [kind, h] of CONFIGS) {
    for (const n of [1, 3, 17, 255, (1 << 15) + 3]) {
      it(`${kind} ${JSON.stringify(h)} n = ${n}`, () => {
        const runs = supported.map((isa) => {
          native.setIsa(isa);
          const r = rng(n + 7);
          const p = randF32(n, r, -1, 1);
          const step = makeNative(kind, n, h);
          for (let t = 1; t <= 3; t++) step(p, randF32(n, r, -1, 1), t);
          return p;
        });
        native.setIsa(original);
        for (const p of runs.slice(1)) expect(Buffer.from(p.buffer).equals(Buffer.from(runs[0].buffer))).toBe(true);
      });
    }
  }
});

describe('gradient utilities', () => {
  for (const n of [0, 1, 3, 17, 255, 100003]) {
    it(`l2Norm accumulates in double (n = ${n})`, () => {
      const x = randF32(n, rng(n), -1, 1);
      let s = 0;
      for (const v of x) s += v * v;
      expect(Math.abs(native.l2Norm(x, n) - Math.sqrt(s))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.sqrt(s)));
    });
  }

  it('clipByNorm scales like clip_grad_norm_ and returns the norm before clipping', () => {
    const x = new Float32Array([3, 4]);
    expect(native.clipByNorm(x, 2, 1)).toBe(5);
    expectClose(x, [3 / (5 + 1e-6), 4 / (5 + 1e-6)], 1e-6, 0, 'clipped');
    const y = new Float32Array([0.3, 0.4]);
    native.clipByNorm(y, 2, 1);
    expect(Array.from(y)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });

  it('scaleInPlace, clipByValue, fillF32, allFinite', () => {
    const x = new Float32Array([1, -2, 3, -4, 5]);
    native.scaleInPlace(x, 5, 0.5);
    expect(Array.from(x)).toEqual([0.5, -1, 1.5, -2, 2.5]);
    native.clipByValue(x, 5, -1, 1);
    expect(Array.from(x)).toEqual([0.5, -1, 1, -1, 1]);
    expect(native.allFinite(x, 5)).toBe(true);
    const big = randF32(100003, rng(9));
    expect(native.allFinite(big, big.length)).toBe(true);
    big[99999] = NaN;
    expect(native.allFinite(big, big.length)).toBe(false);
    big[99999] = -Infinity;
    expect(native.allFinite(big, big.length)).toBe(false);
    expect(native.allFinite(big, 99999)).toBe(true);
    native.fillF32(x, 5, 0);
    expect(Array.from(x)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('optimizer argument errors', () => {
  const a = new Float32Array(4);
  it('requires the state buffers the options need', () => {
    expect(() => native.adamUpdate(a, a, a, a, null, 4, 0.1, 0.9, 0.999, 1e-8, 0, 1, false, true)).toThrow(
      new TypeError('Expected Float32Array for vmax but received null'),
    );
    expect(() => native.sgdUpdate(a, a, null, 4, 0.1, 0.9, 0, false, 0, true)).toThrow(
      new TypeError('Expected Float32Array for momentumBuf but received null'),
    );
    expect(() => native.rmspropUpdate(a, a, a, null, null, 4, 0.1, 0.9, 1e-8, 0, 0, true)).toThrow(
      new TypeError('Expected Float32Array for gradAvg but received null'),
    );
  });
  it('checks step, lengths and numbers', () => {
    expect(() => native.adamUpdate(a, a, a, a, null, 4, 0.1, 0.9, 0.999, 1e-8, 0, 0, false, false)).toThrow(
      new RangeError('Expected positive integer for step but received 0 of type number'),
    );
    expect(() => native.adagradUpdate(a, new Float32Array(3), a, 4, 0.1, 0, 0, 1e-10, 1)).toThrow(
      new RangeError('Expected Float32Array of length >= 4 for grads but received Float32Array of length 3'),
    );
    expect(() => native.sgdUpdate(a, a, null, 4, '0.1', 0, 0, false, 0, true)).toThrow(
      new TypeError('Expected finite number for lr but received "0.1" of type string'),
    );
    expect(() => native.sgdUpdate(a, a, null, 4, 0.1, 0, 0, 0, 0, true)).toThrow(
      new TypeError('Expected boolean for nesterov but received 0 of type number'),
    );
  });
});

// ---- PyTorch fixtures: loss = sum(0.5 a p^2 + b p) over two tensors p0, p1 laid out in one
// flat buffer (as the lead's optimizers will do) ----
describe('PyTorch fixtures: optimizers', () => {
  const file = loadFixture('optimizers');
  for (const c of file.cases as OptimizerCase[]) {
    it(c.name, () => {
      const keys = ['p0', 'p1'];
      const parts = keys.map((k) => asFloat(c.inputs[k]).data);
      const n = parts[0].length + parts[1].length;
      const cat = (xs: ArrayLike<number>[]): Float32Array => {
        const o = new Float32Array(n);
        o.set(Float32Array.from(xs[0]), 0);
        o.set(Float32Array.from(xs[1]), xs[0].length);
        return o;
      };
      const p = cat(parts);
      const A = cat(['a0', 'a1'].map((k) => asFloat(c.inputs[k]).data));
      const B = cat(['b0', 'b1'].map((k) => asFloat(c.inputs[k]).data));
      const step = makeNative(c.op, n, c.attrs as Record<string, number | boolean>);
      c.steps.forEach((s, i) => {
        const g = new Float32Array(n);
        for (let j = 0; j < n; j++) g[j] = A[j] * p[j] + B[j];
        expectClose(g, cat(keys.map((k) => asFloat(s.grads[k]).data)), 1e-5, 1e-6, `${c.name} grad ${i + 1}`);
        if (c.clip?.type === 'norm') {
          const total = native.clipByNorm(g, n, c.clip.maxNorm);
          expect(Math.abs(total - (s.totalNorm as number))).toBeLessThanOrEqual(1e-5 * total);
        } else if (c.clip?.type === 'value') {
          native.clipByValue(g, n, -c.clip.clipValue, c.clip.clipValue);
        }
        if (s.clippedGrads) {
          expectClose(g, cat(keys.map((k) => asFloat(s.clippedGrads![k]).data)), 1e-5, 1e-6, `${c.name} clipped ${i + 1}`);
        }
        step(p, g, i + 1);
        expectClose(p, cat(keys.map((k) => asFloat(s.params[k]).data)), 2e-5, 2e-6, `${c.name} params ${i + 1}`);
      });
    });
  }
});

// Kernel tests for native activations (native/cpu/ops/activations.cc): forward against a
// double-precision reference, backward against central finite differences of that reference,
// extreme inputs, and argument errors.
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { asFloat, loadFixture } from '../fixtures/fixtures';

import { rng, randF32, expectClose, numGrad, added, erf, SIZES } from '../helpers/kernels';

const SELU_A = 1.6732632423543772848170429916717;
const SELU_S = 1.0507009873554804934193349852946;
const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

interface Act {
  name: string;
  f: (x: number) => number;
  attrs?: number[];
  saved: 'x' | 'out';
  kinks?: number[]; // non-differentiable points to keep away from
  rtol?: number;
}

const ACTS: Act[] = [
  { name: 'relu', f: (x) => Math.max(x, 0), saved: 'x', kinks: [0] },
  { name: 'leakyRelu', f: (x) => (x > 0 ? x : 0.07 * x), attrs: [0.07], saved: 'x', kinks: [0] },
  { name: 'elu', f: (x) => (x > 0 ? x : 1.3 * Math.expm1(x)), attrs: [1.3], saved: 'x', kinks: [0] },
  { name: 'selu', f: (x) => SELU_S * (x > 0 ? x : SELU_A * Math.expm1(x)), saved: 'x', kinks: [0] },
  { name: 'gelu', f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), saved: 'x' },
  {
    name: 'geluTanh',
    f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
    saved: 'x',
  },
  { name: 'silu', f: (x) => x * sig(x), saved: 'x' },
  { name: 'hardswish', f: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6, saved: 'x', kinks: [-3, 3] },
  { name: 'sigmoid', f: sig, saved: 'out' },
  { name: 'tanh', f: Math.tanh, saved: 'out' },
  {
    name: 'softplus',
    f: (x) => (1.5 * x > 20 ? x : Math.log1p(Math.exp(1.5 * x)) / 1.5),
    attrs: [1.5, 20],
    saved: 'x',
    kinks: [20 / 1.5],
  },
];

function fwd(a: Act, x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  native[`${a.name}Forward`](out, x, x.length, ...(a.attrs ?? []));
  return out;
}

describe('activation kernels', () => {
  for (const a of ACTS) {
    describe(a.name, () => {
      for (const n of SIZES) {
        it(`forward matches the double reference (n = ${n})`, () => {
          const x = randF32(n, rng(n + 1), -4, 4);
          const want = Array.from(x, a.f);
          expectClose(fwd(a, x), want, 2e-6, 2e-7, `${a.name} forward`);
        });

        it(`backward matches finite differences (n = ${n})`, () => {
          const r = rng(100 + n);
          const x = randF32(n, r, -4, 4);
          for (let i = 0; i < n; i++) {
            for (const k of a.kinks ?? []) if (Math.abs(x[i] - k) < 1e-3) x[i] = k + 0.01;
          }
          const dout = randF32(n, r, -1, 1);
          const out = fwd(a, x);
          const saved = a.saved === 'x' ? x : out;
          const got = added(n, (dx) => native[`${a.name}Backward`](dx, saved, dout, n, ...(a.attrs ?? [])));
          const want = numGrad((xd) => {
            let s = 0;
            for (let i = 0; i < n; i++) s += dout[i] * a.f(xd[i]);
            return s;
          }, x);
          expectClose(got, want, 1e-4, 1e-5, `${a.name} backward`);
        });
      }

      it('stays finite and correct for extreme inputs', () => {
        const x = new Float32Array([1e4, -1e4, 100, -100, 88.8, -88.8, 30, -30, 0, 1e-30, -1e-30]);
        const out = fwd(a, x);
        for (const v of out) expect(Number.isFinite(v)).toBe(true);
        expectClose(out, Array.from(x, a.f), 2e-6, 1e-30, `${a.name} extreme forward`);
        const dout = new Float32Array(x.length).fill(1);
        const dx = new Float32Array(x.length);
        native[`${a.name}Backward`](dx, a.saved === 'x' ? x : out, dout, x.length, ...(a.attrs ?? []));
        for (const v of dx) expect(Number.isFinite(v)).toBe(true);
      });
    });
  }

  it('relu backward gives 0 at 0 and passes the gradient for x > 0', () => {
    const x = new Float32Array([0, 2, -2]);
    const dx = new Float32Array(3);
    native.reluBackward(dx, x, new Float32Array([5, 5, 5]), 3);
    expect(Array.from(dx)).toEqual([0, 5, 0]);
  });

  it('gelu keeps its relative accuracy in the lower tail (Phi from erfc, no 1 + erf cancellation)', () => {
    // Phi(x) = erfc(-x / sqrt 2) / 2 in double: continued fraction for the tail.
    const erfc = (z: number): number => {
      let f = 0;
      for (let k = 80; k >= 1; k--) f = k / 2 / (z + f);
      return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
    };
    const x = new Float32Array(401).map((_, i) => -3 - (6 * i) / 400); // [-9, -3]
    const out = fwd(ACTS[4], x);
    const dx = new Float32Array(x.length);
    native.geluBackward(dx, x, new Float32Array(x.length).fill(1), x.length);
    const cdf = Array.from(x, (v) => erfc(-v / Math.SQRT2) / 2);
    const pdf = Array.from(x, (v) => Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI));
    expectClose(out, Array.from(x, (v, i) => v * cdf[i]), 1e-5, 0, 'gelu lower tail');
    expectClose(dx, Array.from(x, (v, i) => cdf[i] + v * pdf[i]), 1e-4, 0, 'gelu grad lower tail');
  });

  it('gelu forward (run in blocks of 256 by stages): block edges, a partial last block and threads', () => {
    for (const n of [256, 257, 805, (1 << 16) + 3]) {
      const x = randF32(n, rng(n), -6, 6);
      x[0] = 0;
      x[n - 1] = -1e-7;
      const at = (t: number): Float32Array => {
        const before = native.getNumThreads();
        native.setNumThreads(t);
        try {
          return fwd(ACTS[4], x);
        } finally {
          native.setNumThreads(before);
        }
      };
      const one = at(1);
      expectClose(one, Array.from(x, ACTS[4].f), 2e-6, 2e-7, `gelu n = ${n}`);
      expect(at(2)).toEqual(one);
    }
  });

  it('uses several threads on large inputs with the same result as the reference', () => {
    const n = (1 << 16) + 3;
    const x = randF32(n, rng(7), -5, 5);
    const out = new Float32Array(n);
    native.siluForward(out, x, n);
    expectClose(out, Array.from(x, ACTS[6].f), 2e-6, 2e-7, 'silu large');
  });
});

describe('activation argument errors', () => {
  it('rejects a short output array', () => {
    expect(() => native.reluForward(new Float32Array(2), new Float32Array(3), 3)).toThrow(
      new RangeError('Expected Float32Array of length >= 3 for out but received Float32Array of length 2'),
    );
  });
  it('rejects a non-typed-array input', () => {
    expect(() => native.sigmoidForward(new Float32Array(3), [1, 2, 3], 3)).toThrow(
      new TypeError('Expected Float32Array for x but received an array of length 3'),
    );
  });
  it('rejects a Float64Array', () => {
    expect(() => native.tanhBackward(new Float32Array(3), new Float64Array(3), new Float32Array(3), 3)).toThrow(
      new TypeError('Expected Float32Array for out but received Float64Array of length 3'),
    );
  });
  it('rejects bad sizes and attributes', () => {
    const a = new Float32Array(3);
    expect(() => native.reluForward(a, a, -1)).toThrow(
      new RangeError('Expected non-negative integer for n but received -1 of type number'),
    );
    expect(() => native.reluForward(a, a, 1.5)).toThrow(
      new RangeError('Expected non-negative integer for n but received 1.5 of type number'),
    );
    // Attributes must be numbers; their ranges (finite, positive, ...) are the TypeScript
    // layer's check (docs/ARCHITECTURE.md, validation contract).
    expect(() => native.leakyReluForward(a, a, 3, null)).toThrow(
      new TypeError('Expected number for slope but received null'),
    );
    expect(() => native.softplusForward(a, a, 3, 1, 'big')).toThrow(
      new TypeError('Expected number for threshold but received "big" of type string'),
    );
  });
});

// ---- PyTorch fixtures (test/fixtures/torch/ops.json) ----
describe('PyTorch fixtures: activations', () => {
  const ops = loadFixture('ops');
  const names = new Set(['relu', 'leakyRelu', 'elu', 'selu', 'gelu', 'silu', 'sigmoid', 'tanh', 'softplus', 'hardswish']);
  for (const c of ops.cases.filter((k) => names.has(k.op))) {
    it(c.name, () => {
      const a = c.attrs as Record<string, unknown>;
      let name = c.op;
      let attrs: number[] = [];
      if (c.op === 'gelu' && a.approximate === 'tanh') name = 'geluTanh';
      if (c.op === 'leakyRelu') attrs = [Number(a.slope)];
      if (c.op === 'elu') attrs = [Number(a.alpha)];
      if (c.op === 'softplus') attrs = [Number(a.beta), Number(a.threshold)];
      const x = Float32Array.from(asFloat(c.inputs.x).data);
      const n = x.length;
      const out = new Float32Array(n);
      native[`${name}Forward`](out, x, n, ...attrs);
      expectClose(out, asFloat(c.output).data, 2e-6, 1e-7, `${c.name} forward`);
      const saved = name === 'sigmoid' || name === 'tanh' ? out : x;
      const dx = new Float32Array(n);
      native[`${name}Backward`](dx, saved, Float32Array.from(asFloat(c.gradOutput).data), n, ...attrs);
      expectClose(dx, asFloat(c.grads?.x).data, 1e-5, 1e-6, `${c.name} backward`);
    });
  }
});

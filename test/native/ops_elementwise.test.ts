// Kernel tests for elementwise ops with broadcasting, scalar and unary ops, and reductions
// (native/cpu/ops/elementwise.cc, reduce.cc): double-precision references, finite-difference
// gradients, argument errors.
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { asFloat, asInt, loadFixture } from '../fixtures/fixtures';

import { Arr, rng, randF32, expectClose, numGrad, dot, added, SIZES } from '../helpers/kernels';

function pad4(s: number[]): number[] {
  return [...Array(4 - s.length).fill(1), ...s];
}
const numel = (s: number[]): number => s.reduce((p, d) => p * d, 1);

/** Reference broadcast: calls f(a[ia], b[ib]) for every output element. */
function bcast(as: number[], bs: number[], f: (ia: number, ib: number, o: number) => void): number[] {
  const A = pad4(as);
  const B = pad4(bs);
  const O = A.map((d, k) => Math.max(d, B[k]));
  let o = 0;
  for (let i0 = 0; i0 < O[0]; i0++)
    for (let i1 = 0; i1 < O[1]; i1++)
      for (let i2 = 0; i2 < O[2]; i2++)
        for (let i3 = 0; i3 < O[3]; i3++) {
          const idx = (S: number[]): number =>
            (((S[0] === 1 ? 0 : i0) * S[1] + (S[1] === 1 ? 0 : i1)) * S[2] + (S[2] === 1 ? 0 : i2)) * S[3] +
            (S[3] === 1 ? 0 : i3);
          f(idx(A), idx(B), o++);
        }
  return O;
}

const OPS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

const SHAPES: Array<[number[], number[]]> = [
  [[3, 4], [3, 4]],
  [[17], [17]],
  [[3, 4], [4]],
  [[3, 4], [3, 1]],
  [[3, 4], []],
  [[], [3, 4]],
  [[1], [5]],
  [[4, 1], [1, 5]],
  [[2, 3, 4], [3, 1]],
  [[2, 1, 4], [1, 3, 1]],
  [[2, 3, 4, 5], [1, 3, 1, 5]],
  [[3, 1, 5, 1], [2, 1, 7]],
  [[255], [1]],
  [[1, 17], [255, 1]],
];

function operands(as: number[], bs: number[], seed: number): [Float32Array, Float32Array] {
  const r = rng(seed);
  const a = randF32(numel(as), r, -2, 2);
  const b = randF32(numel(bs), r, 0.5, 2);
  for (let i = 0; i < b.length; i++) if (r() < 0.5) b[i] = -b[i];
  return [a, b];
}

describe('binary ops with broadcasting', () => {
  for (const [op, f] of Object.entries(OPS)) {
    for (const [as, bs] of SHAPES) {
      it(`${op} [${as}] x [${bs}]: forward and backward`, () => {
        const [a, b] = operands(as, bs, as.length * 31 + bs.length + numel(as));
        const want: number[] = [];
        const O = bcast(as, bs, (ia, ib, o) => (want[o] = f(a[ia], b[ib])));
        const out = new Float32Array(numel(O));
        native[`${op}Forward`](out, a, as, b, bs);
        expectClose(out, want, 1e-6, 1e-7, `${op} forward`);

        const dout = randF32(out.length, rng(5), -1, 1);
        const loss = (ad: Arr, bd: Arr): number => {
          let s = 0;
          bcast(as, bs, (ia, ib, o) => (s += dout[o] * f(ad[ia], bd[ib])));
          return s;
        };
        const da = added(a.length, (g) => {
          const db = added(b.length, (h) => native[`${op}Backward`](g, h, dout, a, as, b, bs));
          expectClose(db, numGrad((bd) => loss(a, bd), b), 1e-4, 1e-4, `${op} db`);
        });
        expectClose(da, numGrad((ad) => loss(ad, b), a), 1e-4, 1e-4, `${op} da`);
      });
    }
  }

  it('add/sub backward need neither operand, and a null gradient is skipped', () => {
    const dout = new Float32Array([1, 2, 3, 4, 5, 6]);
    const db = new Float32Array(3);
    native.subBackward(null, db, dout, null, [2, 3], null, [3]);
    expect(Array.from(db)).toEqual([-5, -7, -9]);
    const da = new Float32Array(2);
    native.addBackward(da, null, dout, null, [2, 1], null, [3]);
    expect(Array.from(da)).toEqual([6, 15]);
  });

  it('handles large inputs on several threads (row-vector bias)', () => {
    const [M, N] = [300, 257];
    const [a, b] = operands([M, N], [N], 9);
    const out = new Float32Array(M * N);
    native.addForward(out, a, [M, N], b, [N]);
    for (const i of [0, 1, N, M * N - 1]) expect(out[i]).toBeCloseTo(a[i] + b[i % N], 6);
    const db = new Float32Array(N);
    native.addBackward(null, db, out.fill(1), null, [M, N], null, [N]);
    expect(db.every((v) => v === M)).toBe(true);
  });

  it('rejects shapes that do not broadcast and bad shape arrays', () => {
    const x = new Float32Array(12);
    expect(() => native.addForward(x, x, [3, 4], x, [3])).toThrow(
      new RangeError('Expected shapes that broadcast for aShape and bShape but received [1, 1, 3, 4] and [1, 1, 1, 3]'),
    );
    expect(() => native.mulForward(x, x, [1, 1, 1, 1, 12], x, [12])).toThrow(
      new RangeError('Expected array of at most 4 non-negative integers for aShape but received an array of length 5'),
    );
    expect(() => native.mulForward(x, x, [3, -4], x, [4])).toThrow(
      new RangeError(
        'Expected array of at most 4 non-negative integers for aShape but received an array with -4 of type number at position 1',
      ),
    );
    expect(() => native.addForward(x, x, 12, x, [12])).toThrow(
      new TypeError('Expected array of at most 4 non-negative integers for aShape but received 12 of type number'),
    );
    expect(() => native.addForward(new Float32Array(11), x, [3, 4], x, [4])).toThrow(
      new RangeError('Expected Float32Array of length >= 12 for out but received Float32Array of length 11'),
    );
    expect(() => native.mulBackward(x, x, x, null, [12], x, [12])).toThrow(
      new TypeError('Expected Float32Array for a but received null'),
    );
  });
});

describe('scalar and unary ops', () => {
  const S = 1.7;
  const cases: Array<{
    name: string;
    f: (x: number) => number;
    bwd: (dx: Float32Array, x: Float32Array, out: Float32Array, dout: Float32Array, n: number) => void;
    fwd: (out: Float32Array, x: Float32Array, n: number) => void;
    lo: number;
    hi: number;
    kinks?: number[];
  }> = [
    {
      name: 'addScalar', f: (x) => x + S, lo: -3, hi: 3,
      fwd: (o, x, n) => native.addScalarForward(o, x, n, S),
      bwd: (dx, _x, _o, g, n) => native.mulScalarBackward(dx, g, n, 1),
    },
    {
      name: 'mulScalar', f: (x) => x * S, lo: -3, hi: 3,
      fwd: (o, x, n) => native.mulScalarForward(o, x, n, S),
      bwd: (dx, _x, _o, g, n) => native.mulScalarBackward(dx, g, n, S),
    },
    {
      name: 'powScalar', f: (x) => Math.pow(x, S), lo: 0.2, hi: 3,
      fwd: (o, x, n) => native.powScalarForward(o, x, n, S),
      bwd: (dx, x, _o, g, n) => native.powScalarBackward(dx, x, g, n, S),
    },
    {
      name: 'rdivScalar', f: (x) => S / x, lo: 0.3, hi: 3,
      fwd: (o, x, n) => native.rdivScalarForward(o, x, n, S),
      bwd: (dx, x, _o, g, n) => native.rdivScalarBackward(dx, x, g, n, S),
    },
    { name: 'neg', f: (x) => -x, lo: -3, hi: 3, fwd: (o, x, n) => native.negForward(o, x, n), bwd: (dx, _x, _o, g, n) => native.negBackward(dx, g, n) },
    { name: 'exp', f: Math.exp, lo: -5, hi: 5, fwd: (o, x, n) => native.expForward(o, x, n), bwd: (dx, _x, o, g, n) => native.expBackward(dx, o, g, n) },
    { name: 'log', f: Math.log, lo: 0.1, hi: 5, fwd: (o, x, n) => native.logForward(o, x, n), bwd: (dx, x, _o, g, n) => native.logBackward(dx, x, g, n) },
    { name: 'sqrt', f: Math.sqrt, lo: 0.1, hi: 5, fwd: (o, x, n) => native.sqrtForward(o, x, n), bwd: (dx, _x, o, g, n) => native.sqrtBackward(dx, o, g, n) },
    { name: 'abs', f: Math.abs, lo: -3, hi: 3, kinks: [0], fwd: (o, x, n) => native.absForward(o, x, n), bwd: (dx, x, _o, g, n) => native.absBackward(dx, x, g, n) },
    { name: 'square', f: (x) => x * x, lo: -3, hi: 3, fwd: (o, x, n) => native.squareForward(o, x, n), bwd: (dx, x, _o, g, n) => native.squareBackward(dx, x, g, n) },
    {
      name: 'clamp', f: (x) => Math.min(Math.max(x, -0.5), 1), lo: -3, hi: 3, kinks: [-0.5, 1],
      fwd: (o, x, n) => native.clampForward(o, x, n, -0.5, 1),
      bwd: (dx, x, _o, g, n) => native.clampBackward(dx, x, g, n, -0.5, 1),
    },
  ];
  for (const c of cases) {
    for (const n of SIZES) {
      it(`${c.name} forward and backward (n = ${n})`, () => {
        const r = rng(n * 7 + c.name.length);
        const x = randF32(n, r, c.lo, c.hi);
        for (let i = 0; i < n; i++) for (const k of c.kinks ?? []) if (Math.abs(x[i] - k) < 1e-3) x[i] = k + 0.01;
        const out = new Float32Array(n);
        c.fwd(out, x, n);
        expectClose(out, Array.from(x, c.f), 2e-6, 1e-7, `${c.name} forward`);
        const dout = randF32(n, r, -1, 1);
        const got = added(n, (dx) => c.bwd(dx, x, out, dout, n));
        const want = numGrad((xd) => {
          let s = 0;
          for (let i = 0; i < n; i++) s += dout[i] * c.f(xd[i]);
          return s;
        }, x);
        expectClose(got, want, 1e-4, 1e-5, `${c.name} backward`);
      });
    }
  }

  it('clamp accepts infinite bounds; its gradient passes at the bounds (PyTorch)', () => {
    const x = new Float32Array([-2, 0, 2]);
    const out = new Float32Array(3);
    native.clampForward(out, x, 3, -Infinity, 0);
    expect(Array.from(out)).toEqual([-2, 0, 0]);
    const dx = new Float32Array(3);
    native.clampBackward(dx, x, new Float32Array([1, 1, 1]), 3, -1, 2);
    expect(Array.from(dx)).toEqual([0, 1, 1]);
  });

  it('abs backward is 0 at 0; copy and addInto', () => {
    const dx = new Float32Array(1);
    native.absBackward(dx, new Float32Array([0]), new Float32Array([3]), 1);
    expect(dx[0]).toBe(0);
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array(3);
    native.copy(b, a, 3);
    native.addInto(b, a, 3);
    expect(Array.from(b)).toEqual([2, 4, 6]);
  });
});

describe('reductions', () => {
  const shape = [2, 3, 5];
  const ref = (x: Arr, outer: number, dim: number, inner: number, f: (v: number[]) => number): number[] => {
    const out: number[] = [];
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const v: number[] = [];
        for (let d = 0; d < dim; d++) v.push(x[(o * dim + d) * inner + i]);
        out.push(f(v));
      }
    return out;
  };
  const axes = (s: number[], k: number): [number, number, number] => [
    numel(s.slice(0, k)),
    s[k],
    numel(s.slice(k + 1)),
  ];
  const sum = (v: number[]): number => v.reduce((p, q) => p + q, 0);

  for (const k of [0, 1, 2]) {
    it(`sum / mean over axis ${k} of [${shape}] with gradients`, () => {
      const [outer, dim, inner] = axes(shape, k);
      const x = randF32(numel(shape), rng(k + 3));
      for (const [name, f] of [
        ['sum', sum],
        ['mean', (v: number[]) => sum(v) / v.length],
      ] as const) {
        const out = new Float32Array(outer * inner);
        native[`${name}Forward`](out, x, outer, dim, inner);
        expectClose(out, ref(x, outer, dim, inner, f), 1e-6, 1e-6, `${name} forward`);
        const dout = randF32(out.length, rng(11));
        const got = added(x.length, (dx) => native[`${name}Backward`](dx, dout, outer, dim, inner));
        const want = numGrad((xd) => dot(dout, ref(xd, outer, dim, inner, f)), x);
        expectClose(got, want, 1e-5, 1e-6, `${name} backward`);
      }
    });

    it(`max / argmax over axis ${k} with the gradient routed to the argmax`, () => {
      const [outer, dim, inner] = axes(shape, k);
      const x = randF32(numel(shape), rng(k + 40));
      const out = new Float32Array(outer * inner);
      const idx = new Int32Array(outer * inner);
      native.maxForward(out, idx, x, outer, dim, inner);
      expectClose(out, ref(x, outer, dim, inner, (v) => Math.max(...v)), 0, 0, 'max');
      expect(Array.from(idx)).toEqual(ref(x, outer, dim, inner, (v) => v.indexOf(Math.max(...v))));
      const am = new Int32Array(outer * inner);
      native.argmax(am, x, outer, dim, inner);
      expect(Array.from(am)).toEqual(Array.from(idx));
      const dout = randF32(out.length, rng(12));
      const got = added(x.length, (dx) => native.maxBackward(dx, dout, idx, outer, dim, inner));
      const want = numGrad((xd) => dot(dout, ref(xd, outer, dim, inner, (v) => Math.max(...v))), x);
      expectClose(got, want, 1e-5, 1e-6, 'max backward');
    });
  }

  for (const n of [1, 3, 17, 255, 100003]) {
    it(`sum / mean of everything (n = ${n}) in double`, () => {
      const x = randF32(n, rng(n), 0, 1);
      const out = new Float32Array(1);
      native.sumForward(out, x, 1, n, 1);
      const s = sum(Array.from(x));
      expect(Math.abs(out[0] - s)).toBeLessThanOrEqual(1e-6 * s);
      native.meanForward(out, x, 1, n, 1);
      expect(Math.abs(out[0] - s / n)).toBeLessThanOrEqual(1e-6 * (s / n));
    });
  }

  it('wide inner blocks (inner = 130) and ties pick the first maximum; NaN wins', () => {
    const [outer, dim, inner] = [2, 3, 130];
    const x = randF32(outer * dim * inner, rng(2));
    const out = new Float32Array(outer * inner);
    native.sumForward(out, x, outer, dim, inner);
    expectClose(out, ref(x, outer, dim, inner, sum), 1e-6, 1e-6, 'wide sum');
    const t = new Float32Array([1, 3, 3, 2, NaN, 5]);
    const o = new Float32Array(2);
    const idx = new Int32Array(2);
    native.maxForward(o, idx, t, 2, 3, 1);
    expect(Array.from(idx)).toEqual([1, 1]);
    expect(o[1]).toBeNaN();
  });

  it('argument errors', () => {
    const x = new Float32Array(6);
    expect(() => native.maxForward(new Float32Array(2), new Int32Array(2), x, 2, 0, 1)).toThrow(
      new RangeError('Expected positive integer for dim but received 0 of type number'),
    );
    expect(() => native.maxForward(new Float32Array(2), new Float32Array(2), x, 2, 3, 1)).toThrow(
      new TypeError('Expected Int32Array for idx but received Float32Array of length 2'),
    );
    expect(() => native.maxBackward(x, new Float32Array(2), new Int32Array([0, 3]), 2, 3, 1)).toThrow(
      new RangeError('Expected integer in [0, 3) for idx[1] but received 3'),
    );
  });
});

// ---- PyTorch fixtures (test/fixtures/torch/ops.json: add/sub/mul/div, sum/mean/max) ----
describe('PyTorch fixtures: elementwise and reductions', () => {
  const ops = loadFixture('ops');
  const f32 = (t: unknown): Float32Array => Float32Array.from(asFloat(t as never).data);
  for (const c of ops.cases.filter((k) => ['add', 'sub', 'mul', 'div'].includes(k.op))) {
    it(c.name, () => {
      const as = asFloat(c.inputs.a).shape;
      const bs = asFloat(c.inputs.b).shape;
      const a = f32(c.inputs.a);
      const b = f32(c.inputs.b);
      const out = new Float32Array(asFloat(c.output).data.length);
      native[`${c.op}Forward`](out, a, as, b, bs);
      expectClose(out, asFloat(c.output).data, 1e-6, 1e-7, `${c.name} forward`);
      const da = new Float32Array(a.length);
      const db = new Float32Array(b.length);
      native[`${c.op}Backward`](da, db, f32(c.gradOutput), a, as, b, bs);
      expectClose(da, asFloat(c.grads?.a).data, 1e-5, 1e-6, `${c.name} da`);
      expectClose(db, asFloat(c.grads?.b).data, 1e-5, 1e-6, `${c.name} db`);
    });
  }
  for (const c of ops.cases.filter((k) => ['sum', 'mean', 'max'].includes(k.op))) {
    it(c.name, () => {
      const shape = asFloat(c.inputs.x).shape;
      const x = f32(c.inputs.x);
      const axis = (c.attrs as { axis: number | null }).axis;
      const [outer, dim, inner] =
        axis === null
          ? [1, x.length, 1]
          : [numel(shape.slice(0, axis)), shape[axis], numel(shape.slice(axis + 1))];
      const out = new Float32Array(outer * inner);
      const dout = f32(c.gradOutput);
      const dx = new Float32Array(x.length);
      if (c.op === 'max') {
        const idx = new Int32Array(outer * inner);
        native.maxForward(out, idx, x, outer, dim, inner);
        expect(Array.from(idx)).toEqual(asInt(c.outputs?.indices).data);
        native.maxBackward(dx, dout, idx, outer, dim, inner);
      } else {
        native[`${c.op}Forward`](out, x, outer, dim, inner);
        native[`${c.op}Backward`](dx, dout, outer, dim, inner);
      }
      expectClose(out, asFloat(c.output).data, 1e-6, 1e-7, `${c.name} forward`);
      expectClose(dx, asFloat(c.grads?.x).data, 1e-6, 1e-7, `${c.name} backward`);
    });
  }
});

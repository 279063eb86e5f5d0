// i13-ar: relu(a + b) as one op (addReluForward, addReluBackward and its first-write form
// addReluBackwardInit: a residual block's join in training) against the two ops run in turn
// (addForward + reluForward; reluBackward into zeros, then addBackward): the same bits (compared
// as integers, so -0 and +0 differ), full-shape and broadcast operands (a broadcast operand's
// gradient sums several outputs), empty shapes, NaN / -0 / infinite values, at 1 and 2 threads;
// then Sequential's Residual + ReLU in training against the unfused layers, and the gradient
// against finite differences.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { rng, randF32, expectClose, numGrad, dot } from '../helpers/kernels';
import * as ng from '../../lib';
import { addRelu } from '../../lib/ops/elementwise';
import { batchNormAddRelu } from '../../lib/ops/norm';
import { trainBits } from '../helpers/fusion';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);

const SHAPES: Array<[number[], number[]]> = [
  [[2, 3, 4, 5], [2, 3, 4, 5]], [[4, 16, 28, 28], [4, 16, 28, 28]], [[2, 3, 4, 5], [1, 3, 1, 1]],
  [[1, 1, 7, 1], [1, 5, 1, 9]], [[1, 1, 1, 1], [1, 3, 2, 17]], [[1, 1, 1, 6], [1, 1, 0, 6]], [[2, 1, 0, 1], [1, 3, 0, 4]],
];

/** Operands with zeros, -0, NaN and infinities among them, and an upstream gradient with -0 and NaN. */
function operands(as: number[], bs: number[]): { a: Float32Array; b: Float32Array; g: Float32Array; os: number[] } {
  const r = rng(as[3] * 7 + bs[1] + as[0]);
  const os = as.map((d, k) => (d === 1 ? bs[k] : d));
  const a = randF32(size(as), r, -1, 1);
  const b = randF32(size(bs), r, -1, 1);
  const g = randF32(size(os), r, -1, 1);
  const put = (t: Float32Array, i: number, v: number) => { if (i < t.length) t[i] = v; };
  put(a, 0, 0); put(b, 0, -0); put(a, 1, -0); put(b, 1, -0); put(a, 2, NaN); put(b, 3, Infinity); put(a, 4, -Infinity);
  if (b.length === a.length) put(b, 5, -(a[5] ?? 0)); // a + b exactly 0 at one place
  for (let i = 0; i < g.length; i += 5) g[i] = -0;
  put(g, 7, NaN);
  return { a, b, g, os };
}

describe('addRelu kernels equal add then ReLU, bit for bit', () => {
  for (const [as, bs] of SHAPES) {
    it(`[${as}] + [${bs}]: forward, backward into held values, first write, 1 and 2 threads`, () => {
      const { a, b, g, os } = operands(as, bs);
      const n = size(os);
      // forward
      const split = new Float32Array(n);
      native.addForward(split, a, as, b, bs);
      const sum = split.slice();
      native.reluForward(split, split, n);
      sameForThreads(() => {
        const fused = new Float32Array(n);
        native.addReluForward(fused, a, as, b, bs);
        expect(bits(fused)).toEqual(bits(split));
        return fused;
      });
      // backward, accumulating into held values: ReLU's backward into zeros, then add's
      const gSum = new Float32Array(n);
      native.reluBackward(gSum, sum, g, n);
      for (const on of [[true, true], [true, false], [false, true]]) {
        const held = (s: number[], v: number) => new Float32Array(size(s)).fill(v);
        const wantA = on[0] ? held(as, 0.5) : null;
        const wantB = on[1] ? held(bs, -0) : null;
        native.addBackward(wantA, wantB, gSum, null, as, null, bs);
        sameForThreads(() => {
          const gotA = on[0] ? held(as, 0.5) : null;
          const gotB = on[1] ? held(bs, -0) : null;
          native.addReluBackward(gotA, gotB, g, a, as, b, bs);
          expect(gotA ? bits(gotA) : []).toEqual(wantA ? bits(wantA) : []);
          expect(gotB ? bits(gotB) : []).toEqual(wantB ? bits(wantB) : []);
          return Float32Array.from([...(gotA ?? []), ...(gotB ?? [])]);
        });
        // first write: outputs that start as NaN (never read), the bits of accumulating into zeros
        const zerosA = on[0] ? held(as, 0) : null;
        const zerosB = on[1] ? held(bs, 0) : null;
        native.addReluBackward(zerosA, zerosB, g, a, as, b, bs);
        const nanA = on[0] ? held(as, NaN) : null;
        const nanB = on[1] ? held(bs, NaN) : null;
        native.addReluBackwardInit(nanA, nanB, g, a, as, b, bs);
        expect(nanA ? bits(nanA) : []).toEqual(zerosA ? bits(zerosA) : []);
        expect(nanB ? bits(nanB) : []).toEqual(zerosB ? bits(zerosB) : []);
      }
    });
  }

  it('the backward needs both operands (they give the mask), naming the missing one', () => {
    const f = (k: number) => new Float32Array(k);
    expect(() => native.addReluBackward(f(4), f(4), f(4), null, [4], f(4), [4])).toThrow(/\ba\b/);
    expect(() => native.addReluBackwardInit(f(4), f(4), f(4), f(4), [4], null, [4])).toThrow(/\bb\b/);
    expect(() => native.addReluForward(f(4), f(4), [4], f(3), [3])).toThrow(RangeError);
  });
});

describe('the addRelu op', () => {
  it('gradient against finite differences, broadcast operand included', () => {
    const r = rng(11);
    const as = [2, 3, 4], bs = [3, 1];
    // values kept away from a + b = 0, where ReLU has no derivative
    const a = randF32(size(as), r, -1, 1);
    const b = randF32(size(bs), r, -1, 1);
    const w = randF32(size(as), r, -1, 1);
    const L = (av: Float32Array | Float64Array, bv: Float32Array | Float64Array): number => {
      let s = 0;
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++)
          for (let k = 0; k < 4; k++) {
            const idx = (i * 3 + j) * 4 + k;
            s += w[idx] * Math.max(av[idx] + bv[j], 0);
          }
      return s;
    };
    const sums = Array.from(a, (v, i) => v + b[Math.floor(i / 4) % 3]);
    expect(Math.min(...sums.map(Math.abs))).toBeGreaterThan(1e-3);
    const ta = ng.fromArray(a, as);
    const tb = ng.fromArray(b, bs);
    ta.requiresGrad = true;
    tb.requiresGrad = true;
    const y = addRelu(ta, tb);
    const loss = ng.sum(ng.mul(y, ng.fromArray(w, as)));
    expect(loss.item()).toBeCloseTo(L(a, b), 4);
    loss.backward();
    expectClose(ta.grad!.data as Float32Array, numGrad((v) => L(v, b), a), 1e-3, 1e-4, 'da');
    expectClose(tb.grad!.data as Float32Array, numGrad((v) => L(a, v), b), 1e-3, 1e-4, 'db');
    expect(dot(y.data as Float32Array, w)).toBeCloseTo(L(a, b), 4);
  });
});

describe('Sequential runs Residual + ReLU as one join in training', () => {
  /** Outputs and gradients of a two-block ResNet-style stack, with or without the fused join. */
  function train(fused: boolean): number[][] {
    ng.setSeed(7);
    const nn = ng.nn;
    const block = (cin: number, cout: number, stride: number) => [
      new nn.Residual(
        new nn.Sequential(
          new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
          new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout),
        ),
        stride === 1 && cin === cout ? null : new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout)),
      ),
      new nn.ReLU(),
    ];
    const model = new nn.Sequential(...block(3, 8, 1), ...block(8, 16, 2), new nn.Flatten(), new nn.Linear(16 * 4 * 4, 3));
    // unfused: the same layers, each Residual and ReLU called one by one (add, then relu)
    return trainBits(model, ng.randn([4, 3, 8, 8]), [0, 1, 2, 1], fused);
  }

  it('training gives the bits of the unfused layers (bodies ending with BatchNorm2d: batchNormAddRelu)', () => {
    expect(train(true)).toEqual(train(false));
  });

  it('a body ending without BatchNorm2d joins with addRelu, the bits of the unfused layers', () => {
    const run = (fused: boolean): number[][] => {
      ng.setSeed(8);
      const nn = ng.nn;
      const model = new nn.Sequential(
        new nn.Residual(new nn.Sequential(new nn.Conv2d(3, 3, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(3, 3, 3, { padding: 1 }))),
        new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 6 * 6, 3));
      return trainBits(model, ng.randn([4, 3, 6, 6]), [0, 1, 2, 1], fused);
    };
    expect(run(true)).toEqual(run(false));
  });

  it('batchNormAddRelu: gradients of x, residual, weight and bias against finite differences', () => {
    const [N, C, H, W] = [3, 2, 2, 3];
    const n = N * C * H * W;
    const r = rng(21);
    const x = randF32(n, r, -2, 2);
    const res = randF32(n, r, -1, 1);
    const wt = randF32(C, r, 0.5, 1.5);
    const bs = randF32(C, r, -0.5, 0.5);
    const probe = randF32(n, r);
    const L = (xv: ArrayLike<number>, rv: ArrayLike<number>, wv: ArrayLike<number>, bv: ArrayLike<number>): number => {
      let s = 0;
      for (let c = 0; c < C; c++) {
        let m = 0;
        let v = 0;
        const at = (k: number, j: number) => (k * C + c) * H * W + j;
        for (let k = 0; k < N; k++) for (let j = 0; j < H * W; j++) m += xv[at(k, j)];
        m /= N * H * W;
        for (let k = 0; k < N; k++) for (let j = 0; j < H * W; j++) v += (xv[at(k, j)] - m) ** 2;
        v /= N * H * W;
        for (let k = 0; k < N; k++)
          for (let j = 0; j < H * W; j++) {
            const i = at(k, j);
            s += probe[i] * Math.max(((xv[i] - m) / Math.sqrt(v + 1e-5)) * wv[c] + bv[c] + rv[i], 0);
          }
      }
      return s;
    };
    const T = (a: Float32Array, shape: number[]) => {
      const t = ng.fromArray(a, shape);
      t.requiresGrad = true;
      return t;
    };
    const [tx, tr, tw, tb] = [T(x, [N, C, H, W]), T(res, [N, C, H, W]), T(wt, [C]), T(bs, [C])];
    const y = batchNormAddRelu(tx, tr, null, null, tw, tb, true);
    const loss = ng.sum(ng.mul(y, ng.fromArray(probe, [N, C, H, W])));
    expect(loss.item()).toBeCloseTo(L(x, res, wt, bs), 4);
    loss.backward();
    expectClose(tx.grad!.data as Float32Array, numGrad((v) => L(v, res, wt, bs), x), 1e-2, 1e-3, 'dx');
    expectClose(tr.grad!.data as Float32Array, numGrad((v) => L(x, v, wt, bs), res), 1e-2, 1e-3, 'dresidual');
    expectClose(tw.grad!.data as Float32Array, numGrad((v) => L(x, res, v, bs), wt), 1e-2, 1e-3, 'dweight');
    expectClose(tb.grad!.data as Float32Array, numGrad((v) => L(x, res, wt, v), bs), 1e-2, 1e-3, 'dbias');
  });

  it('batchNormAddRelu names a residual of another shape', () => {
    const x = ng.zeros([2, 3, 4, 4]);
    expect(() => batchNormAddRelu(x, ng.zeros([2, 3, 4, 5]), null, null, null, null, true)).toThrow(
      'Expected shape [2, 3, 4, 4] (the input\'s) for residual but received [2, 3, 4, 5]');
  });
});

// i13-inf: inference fusions of Sequential with nothing recorded, checked against the layers run
// one by one (unfused, unfolded). ResNet blocks: the shortcut is computed into the output buffer
// and the body's last conv (BatchNorm folded) adds onto it with the ReLU in its epilogue
// (conv2dForwardAdd), within 1e-5: identity and projection shortcuts, the bench's ResNet stack,
// the input left untouched, the forms that fall back, the shape error. Whole blocks in one kernel
// (conv2dResidualBlockForward, conv2dProjectionBlockForward): the bits of the per-layer fused path,
// kernel calls counted. Conv2d (+ ReLU) + MaxPool2d(2) as one kernel (conv2dMaxPool2Forward): the
// same bits, the bench's LeNet net.
import { describe, expect, it, onTestFinished } from 'vitest';
import { kernels } from '../../lib/native';
import * as ng from '../../lib';
import { ngConvModel } from '../../bench/cases/conv.mjs';

const nn = ng.nn;
type Seq = InstanceType<typeof nn.Sequential>;

/** Every layer's own forward, recursing into Sequential and Residual: no fusion, no folding. */
function unfused(m: ng.nn.Module, x: ng.Tensor): ng.Tensor {
  if (m instanceof nn.Sequential) return m.layers.reduce((t: ng.Tensor, l) => unfused(l, t), x);
  if (m instanceof nn.Residual) return ng.add(unfused(m.body, x), m.shortcut ? unfused(m.shortcut, x) : x);
  return m.forward(x) as ng.Tensor;
}

function close(got: ng.Tensor, want: ng.Tensor): void {
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  expect(got.shape).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(1e-5);
}

/** Running statistics and BatchNorm affine parameters away from their initial 0 / 1. */
function settle(model: Seq, shape: number[]): void {
  for (let i = 0; i < 3; i++) model.forward(ng.mul(ng.add(ng.randn(shape), 0.5), 1.5));
  model.eval();
}

describe('eval ResNet blocks: shortcut into the output, last conv accumulating with the ReLU', () => {
  it('identity and projection blocks (strided, odd sizes) match the layers run one by one; x is untouched', () => {
    ng.setSeed(21);
    const block = (cin: number, cout: number, stride: number, bias: boolean): ng.nn.Module[] => [
      new nn.Residual(
        new nn.Sequential(new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias }), new nn.BatchNorm2d(cout), new nn.ReLU(),
          new nn.Conv2d(cout, cout, 3, { padding: 1, bias }), new nn.BatchNorm2d(cout)),
        stride === 1 && cin === cout ? null
          : new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias }), new nn.BatchNorm2d(cout)),
      ),
      new nn.ReLU(),
    ];
    const model = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(),
      ...block(8, 8, 1, false), ...block(8, 12, 2, true), ...block(12, 12, 1, true), ...block(12, 4, 3, false));
    settle(model, [4, 3, 13, 11]);
    const x = ng.randn([3, 3, 13, 11]);
    const want = ng.noGrad(() => unfused(model, x));
    const h = ng.noGrad(() => (model.layers[1] as ng.nn.Module).forward((model.layers[0] as ng.nn.Module).forward(x) as ng.Tensor) as ng.Tensor);
    const hBefore = Array.from(h.data as Float32Array);
    const got = ng.noGrad(() => model.forward(x));
    close(got, want);
    const v = got.data as Float32Array;
    expect(v.some((e) => e === 0) && v.some((e) => e > 0)).toBe(true);
    // an identity block alone: its input (the shortcut) is copied, never written
    const one = new nn.Sequential(...block(8, 8, 1, true));
    settle(one, [2, 8, 6, 7]);
    const y = ng.noGrad(() => one.forward(h));
    expect(Array.from(h.data as Float32Array)).toEqual(hBefore);
    close(y, ng.noGrad(() => unfused(one, h)));
    // recorded for autograd: the unfused path (gradients reach the parameters)
    const r = model.forward(x);
    close(r, want);
    ng.sum(r).backward();
    expect(model.parameters()[0].grad).not.toBeNull();
  });

  it("the bench's ResNet stack (bench/cases/conv.mjs) matches the layers run one by one", () => {
    const model = ngConvModel(ng, 'resnet', 3) as Seq;
    settle(model, [8, 1, 28, 28]);
    const x = ng.randn([5, 1, 28, 28]);
    close(ng.noGrad(() => model.forward(x)), ng.noGrad(() => unfused(model, x)));
  });

  it('other forms fall back to the add + in-place ReLU; a mismatched body names it', () => {
    ng.setSeed(22);
    // a bare Conv2d shortcut, a body not ending in Conv2d + BatchNorm2d, a BatchNorm2d still training
    const models = [
      new nn.Sequential(new nn.Residual(new nn.Sequential(new nn.Conv2d(4, 6, 3, { padding: 1 }), new nn.BatchNorm2d(6)),
        new nn.Conv2d(4, 6, 1)), new nn.ReLU()),
      new nn.Sequential(new nn.Residual(new nn.Sequential(new nn.Conv2d(4, 4, 3, { padding: 1 }), new nn.ReLU())), new nn.ReLU()),
    ];
    for (const m of models) {
      settle(m, [2, 4, 5, 6]);
      const x = ng.randn([2, 4, 5, 6]);
      close(ng.noGrad(() => m.forward(x)), ng.noGrad(() => ng.relu(unfused(m.layers[0] as ng.nn.Module, x))));
    }
    // after a folded stem (its output is the loop's own buffer, overwritten in place by an identity
    // block) a body whose first layer returns its input (Dropout in eval): x is copied instead
    const stem = (): ng.nn.Module[] => [new nn.Conv2d(4, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU()];
    const alias = new nn.Sequential(...stem(), new nn.Residual(new nn.Sequential(new nn.Dropout(0.5), new nn.Conv2d(8, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8))), new nn.ReLU(), new nn.Residual(new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8))), new nn.ReLU());
    settle(alias, [2, 4, 9, 17]);
    const xa = ng.randn([2, 4, 9, 17]);
    close(ng.noGrad(() => alias.forward(xa)), ng.noGrad(() => unfused(alias, xa)));
    const bad = new nn.Sequential(new nn.Residual(new nn.Sequential(new nn.Conv2d(4, 5, 3, { padding: 1 }), new nn.BatchNorm2d(5))), new nn.ReLU());
    bad.eval();
    expect(() => ng.noGrad(() => bad.forward(ng.randn([1, 4, 5, 5])))).toThrow(
      new RangeError("Expected a body output shaped like the shortcut's [1, 4, 5, 5] for body but received [1, 5, 5, 5]"));
  });
});

/** Counts the calls of one CPU kernel for the rest of the test (the values alone would not tell a
 *  fused kernel from the per-layer path): returns the count so far. */
function countCalls(name: string): () => number {
  const k = kernels('cpu') as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = k[name];
  let calls = 0;
  k[name] = (...a: unknown[]) => { calls++; return original(...a); };
  onTestFinished(() => { k[name] = original; });
  return () => calls;
}

describe('eval ResNet blocks in one kernel (conv2dResidualBlockForward, conv2dProjectionBlockForward)', () => {
  it('give the bits of the per-layer fused path (folded conv + ReLU, then the last conv adding onto a copy of x), in place or not', () => {
    ng.setSeed(23);
    const calls = countCalls('conv2dResidualBlockForward');
    for (const [c, mid, k1, k2, shape] of [[16, 16, 3, 3, [3, 16, 12, 10]], [8, 12, 5, 3, [2, 8, 9, 7]], [8, 4, 3, 3, [2, 8, 6, 6]]] as const) {
      const body = new nn.Sequential(new nn.Conv2d(c, mid, k1, { padding: (k1 - 1) / 2, bias: false }), new nn.BatchNorm2d(mid), new nn.ReLU(),
        new nn.Conv2d(mid, c, k2, { padding: 'same' }), new nn.BatchNorm2d(c));
      const model = new nn.Sequential(new nn.Residual(body, null), new nn.ReLU());
      settle(model, [...shape]);
      const x = ng.randn([...shape]);
      const xBefore = Array.from(x.data as Float32Array);
      const [c1, n1, , c2, n2] = body.layers as [ng.nn.Conv2d, ng.nn.BatchNorm2d, ng.nn.Module, ng.nn.Conv2d, ng.nn.BatchNorm2d];
      const want = ng.noGrad(() => c2.forwardFoldedBn(c1.forwardFoldedBn(x, n1, 'relu'), n2, 'relu', ng.clone(x)));
      const got = ng.noGrad(() => model.forward(x));
      expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
      expect(Array.from(x.data as Float32Array)).toEqual(xBefore);  // not owned: x is only read
      // after a fused conv the block writes over that conv's output (owned)
      const stem = new nn.Conv2d(c, c, 3, { padding: 1 });
      const bn = new nn.BatchNorm2d(c);
      const net = new nn.Sequential(stem, bn, new nn.ReLU(), ...model.layers);
      settle(net, [...shape]);
      const h = ng.noGrad(() => stem.forwardFoldedBn(x, bn, 'relu'));
      const wantNet = ng.noGrad(() => c2.forwardFoldedBn(c1.forwardFoldedBn(h, n1, 'relu'), n2, 'relu', ng.clone(h)));
      expect(Array.from(ng.noGrad(() => net.forward(x)).data as Float32Array)).toEqual(Array.from(wantNet.data as Float32Array));
    }
    expect(calls()).toBe(6);
  });

  it('with a projection shortcut (strided, odd sizes; a 3x3 projection): the bits of the per-layer fused path', () => {
    ng.setSeed(24);
    const calls = countCalls('conv2dProjectionBlockForward');
    for (const [c, mid, oc, stride, kp, shape] of [[16, 32, 32, 2, 1, [3, 16, 28, 28]], [8, 16, 12, 2, 3, [2, 8, 13, 11]],
      [8, 12, 16, 1, 1, [2, 8, 7, 9]], [8, 4, 16, 3, 1, [2, 8, 10, 8]]] as const) {
      const body = new nn.Sequential(new nn.Conv2d(c, mid, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(mid), new nn.ReLU(),
        new nn.Conv2d(mid, oc, 3, { padding: 1 }), new nn.BatchNorm2d(oc));
      const sc = new nn.Sequential(new nn.Conv2d(c, oc, kp, { stride, padding: (kp - 1) / 2 }), new nn.BatchNorm2d(oc));
      const model = new nn.Sequential(new nn.Residual(body, sc), new nn.ReLU());
      settle(model, [...shape]);
      const x = ng.randn([...shape]);
      const [c1, n1, , c2, n2] = body.layers as [ng.nn.Conv2d, ng.nn.BatchNorm2d, ng.nn.Module, ng.nn.Conv2d, ng.nn.BatchNorm2d];
      const [cp, np] = sc.layers as [ng.nn.Conv2d, ng.nn.BatchNorm2d];
      const want = ng.noGrad(() => c2.forwardFoldedBn(c1.forwardFoldedBn(x, n1, 'relu'), n2, 'relu', cp.forwardFoldedBn(x, np, 'none')));
      const got = ng.noGrad(() => model.forward(x));
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
      close(got, ng.noGrad(() => unfused(model, x)));
    }
    expect(calls()).toBe(4);
  });

  it("blocks the kernels do not take run layer by layer: a wrong input keeps its message ('same' padding with a stride fails in the constructor)", () => {
    const block = (c1: ng.nn.Conv2d): Seq => new nn.Sequential(new nn.Residual(new nn.Sequential(c1, new nn.BatchNorm2d(8), new nn.ReLU(),
      new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8)), new nn.Sequential(new nn.Conv2d(4, 8, 1, { stride: 2 }), new nn.BatchNorm2d(8))),
    new nn.ReLU());
    expect(() => block(new nn.Conv2d(4, 8, 3, { stride: 2, padding: 'same' }))).toThrow(/stride 1 with padding 'same'/);
    const ok = block(new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1 }));
    ok.eval();
    expect(() => ng.noGrad(() => ok.forward(ng.randn([1, 3, 8, 8])))).toThrow(/input/);
    expect(() => ng.noGrad(() => ok.forward(ng.zeros([1, 4, 8, 8], { dtype: 'int32' })))).toThrow(/float32/);
  });
});

describe('Conv2d (+ ReLU) + MaxPool2d(2) as one kernel', () => {
  it("the bench's LeNet net and odd sizes give the bits of the layers run one by one; other pools are left alone", () => {
    const lenet = ngConvModel(ng, 'lenet', 4) as Seq;
    lenet.eval();
    const x = ng.randn([6, 1, 28, 28]);
    const got = ng.noGrad(() => lenet.forward(x));
    expect(Array.from(got.data)).toEqual(Array.from(ng.noGrad(() => unfused(lenet, x)).data));
    ng.setSeed(23);
    const models = [
      new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.MaxPool2d(2), new nn.Conv2d(8, 8, 3), new nn.ReLU(), new nn.MaxPool2d(2)),
      new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2, { ceilMode: true })),
      new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(3, { stride: 2 })),
      new nn.Sequential(new nn.Conv2d(3, 4, 3, { stride: 2 }), new nn.ReLU(), new nn.MaxPool2d(2)),
    ];
    for (const m of models) {
      const xi = ng.randn([2, 3, 13, 11]);
      const want = ng.noGrad(() => unfused(m, xi));
      const y = ng.noGrad(() => m.forward(xi));
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(y.data)).toEqual(Array.from(want.data));
      // recorded for autograd: the layers one by one, gradients reach the conv
      const z = m.forward(xi);
      ng.sum(z).backward();
      expect(m.parameters()[0].grad).not.toBeNull();
    }
    // with a BatchNorm2d folded in (Conv2d + BatchNorm2d (+ ReLU) + MaxPool2d(2)): within 1e-5
    const bnNet = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 12, 3, { padding: 1 }), new nn.BatchNorm2d(12), new nn.MaxPool2d(2), new nn.Flatten());
    settle(bnNet, [4, 3, 13, 11]);
    const xb = ng.randn([3, 3, 13, 11]);
    const yb = ng.noGrad(() => bnNet.forward(xb));
    close(yb, ng.noGrad(() => unfused(bnNet, xb)));
    expect(yb.shape).toEqual([3, 12 * 3 * 2]);
    // a conv output too small to pool: the pool's own error, as without the fusion
    const tiny = new nn.Sequential(new nn.Conv2d(1, 8, 3), new nn.ReLU(), new nn.MaxPool2d(2));
    const xt = ng.randn([1, 1, 3, 3]);
    let unfusedError = '';
    try { ng.noGrad(() => unfused(tiny, xt)); } catch (e) { unfusedError = String(e); }
    expect(unfusedError).not.toBe('');
    expect(() => ng.noGrad(() => tiny.forward(xt))).toThrow(unfusedError.replace(/^\w+: /, ''));
  });
});

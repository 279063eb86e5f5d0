// ONNX export of the image layers (Conv, MaxPool, AveragePool, GlobalAveragePool,
// BatchNormalization on NCHW, Flatten): each file runs in onnxruntime-node on random inputs and
// matches nodegrad's eval-mode forward within 1e-5 (ceil mode included, where PyTorch drops a last
// window that would start in the right padding); what ONNX cannot express (adaptive pooling to a
// size that does not divide the input) and wrong input shapes are refused at export time, naming
// the layer, and write nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ng from '../../lib';
import { tempDir, randomF32, rng, evalForward, errorOf, maxAbsDiff } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ort = require('onnxruntime-node');

const nn = ng.nn;
const TOL = 1e-5;
let dir: string;
beforeAll(() => { dir = tempDir('onnx-cnn'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

interface Case { name: string; build: () => ng.nn.Sequential; inputShape: (number | null)[]; runShapes: number[][] }

const CASES: Case[] = [
  {
    name: 'LeNet-style on flat pixel rows: Unflatten, Conv2d (padding) + ReLU, MaxPool2d, Conv2d, BatchNorm2d, ReLU, AvgPool2d, Flatten, Linear',
    build: () => new nn.Sequential(new nn.Unflatten(1, [1, 28, 28]), new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(6, 16, 5), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.AvgPool2d(2), new nn.Flatten(),
      new nn.Linear(16 * 5 * 5, 10)),
    inputShape: [null, 784],
    runShapes: [[3, 784], [1, 784]],
  },
  {
    name: "stride, dilation, groups, depthwise, no bias, 'same'; BatchNorm2d without affine; Dropout2d; GlobalAveragePool",
    build: () => new nn.Sequential(new nn.Conv2d(3, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], bias: false }),
      new nn.Conv2d(6, 6, 3, { groups: 6, padding: 'same' }), new nn.BatchNorm2d(6, { affine: false, eps: 1e-3 }),
      new nn.Dropout2d(0.3), new nn.Conv2d(6, 4, 1, { groups: 2 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(), new nn.Linear(4, 3)),
    inputShape: [null, 3, null, null],
    runShapes: [[2, 3, 11, 9], [1, 3, 8, 13]],
  },
  {
    name: 'MaxPool2d with padding, dilation and ceil mode; AvgPool2d without the padding in the divisor; divisible AdaptiveAvgPool2d',
    build: () => new nn.Sequential(new nn.Conv2d(2, 4, 3), new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
      new nn.MaxPool2d(2, { stride: 1, dilation: 2 }), new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      new nn.AvgPool2d(2, { stride: 1, padding: 1 }), new nn.AdaptiveAvgPool2d([null, 3]), new nn.Flatten()),
    inputShape: [null, 2, 16, 14],
    runShapes: [[2, 2, 16, 14]],
  },
  {
    name: "Conv1d on (N, C, L): padding, stride + dilation + ReLU (fused), depthwise 'same', Flatten, Linear",
    build: () => new nn.Sequential(new nn.Conv1d(3, 4, 3, { padding: 1 }), new nn.Conv1d(4, 4, 5, { stride: 2, dilation: 2 }), new nn.ReLU(),
      new nn.Conv1d(4, 8, 3, { groups: 4, padding: 'same', bias: false }), new nn.Flatten(), new nn.Linear(8 * 5, 2)),
    inputShape: [null, 3, 17],
    runShapes: [[2, 3, 17]],
  },
  {
    name: 'ConvTranspose2d (stride 2, padding, output padding, groups; dilation 2 without bias), nearest Upsample (Resize)',
    build: () => new nn.Sequential(new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), new nn.ReLU(),
      new nn.ConvTranspose2d(6, 2, [2, 3], { dilation: 2, bias: false }), new nn.Upsample({ scaleFactor: [2, 3] })),
    inputShape: [null, 4, 5, 6],
    runShapes: [[2, 4, 5, 6]],
  },
  {
    name: 'bilinear Upsample (Resize linear, half_pixel): fractional scale factors, then to a size (down in H, up in W)',
    build: () => new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.Upsample({ scaleFactor: [1.5, 2.25], mode: 'bilinear' }),
      new nn.ReLU(), new nn.Upsample({ size: [4, 17], mode: 'bilinear' })),
    inputShape: [null, 2, null, null],
    runShapes: [[2, 2, 5, 6], [1, 2, 7, 3]],
  },
  {
    name: 'bilinear Upsample (Resize linear, align_corners): by a scale factor and to a size with one output row',
    build: () => new nn.Sequential(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }), new nn.Conv2d(2, 2, 1),
      new nn.Upsample({ size: [1, 5], mode: 'bilinear', alignCorners: true })),
    inputShape: [null, 2, 6, 5],
    runShapes: [[3, 2, 6, 5]],
  },
  {
    name: 'ResNet-style blocks (Residual: identity and 1x1 stride-2 projection shortcuts, BatchNorm2d), global average pool',
    build: () => {
      const block = (cin: number, cout: number, stride: number): ng.nn.Module[] => [new nn.Residual(
        new nn.Sequential(new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
          new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout)),
        stride === 1 && cin === cout ? null : new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))),
      new nn.ReLU()];
      return new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), ...block(4, 4, 1), ...block(4, 8, 2),
        new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 3));
    },
    inputShape: [null, 1, 12, 12],
    runShapes: [[2, 1, 12, 12]],
  },
  {
    name: 'ceil mode where the last window would start in the right padding (PyTorch drops it)',
    build: () => new nn.Sequential(new nn.MaxPool2d(3, { stride: 3, padding: 1, ceilMode: true }), new nn.Conv2d(2, 2, 1),
      new nn.AvgPool2d(3, { stride: 3, padding: 1, ceilMode: true })),
    inputShape: [null, 2, 14, 14],
    runShapes: [[2, 2, 14, 14]],
  },
];

describe('exportOnnx (image layers) -> onnxruntime-node == nodegrad eval forward', () => {
  it('the cases cover every exportable image layer', () => {
    const covered = new Set(CASES.flatMap((c) => (c.build().getConfig().children ?? []).map((ch) => ch.type)));
    expect(['Conv2d', 'Conv1d', 'ConvTranspose2d', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'BatchNorm2d', 'Dropout2d', 'Flatten', 'Unflatten', 'Upsample', 'Residual'].filter((t) => !covered.has(t))).toEqual([]);
  });

  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      ng.setSeed(600 + ci);
      const model = c.build();
      // Default (fan-in scaled) weights keep activations O(1), so 1e-5 measures the export, not
      // float32 rounding of large sums; BatchNorm parameters and statistics are randomized.
      const bn = new Set(model.layers.map((m, i) => (m instanceof nn.BatchNorm2d ? `${i}.` : null)).filter((p) => p !== null));
      const r = rng(700 + ci);
      for (const [name, t] of Object.entries(model.stateDict())) {
        if (!bn.has(name.slice(0, name.indexOf('.') + 1))) continue;
        (t.data as Float32Array).set(randomF32(t.size, r, name.endsWith('runningVar') ? 0.5 : -1, name.endsWith('runningVar') ? 2 : 1));
      }
      model.train();
      ng.noGrad(() => ng.tidy(() => { for (let i = 0; i < 2; i++) model.forward(ng.randn(c.runShapes[0])); }));
      model.eval();
      const file = path.join(dir, `cnn${ci}.onnx`);
      await ng.io.exportOnnx(model, file, { inputShape: c.inputShape });
      const session = await ort.InferenceSession.create(file);
      for (const [si, shape] of c.runShapes.entries()) {
        const x = randomF32(shape.reduce((a, b) => a * b, 1), rng(800 + ci * 10 + si), -2, 2);
        const want = evalForward(model, ng.fromArray(x, shape));
        const got = (await session.run({ input: new ort.Tensor('float32', x.slice(), shape) })).output;
        expect(Array.from(got.dims as number[]), `shape for input ${shape}`).toEqual(want.shape);
        expect(maxAbsDiff(got.data as Float32Array, want.data), `max |ort - ng| for input ${shape}`).toBeLessThan(TOL);
      }
    });
  });

  it('refuses what ONNX cannot express like PyTorch, naming the layer, writing nothing', async () => {
    const cases: [ng.nn.Sequential, (number | null)[], string][] = [
      [new nn.Sequential(new nn.AdaptiveAvgPool2d(3)), [1, 2, 7, 7],
        'Expected input with H, W known and divisible by the output size [3, 3] (ONNX has no adaptive pooling) for layers[0] (adaptiveAvgPool2d) but received shape [1, 2, 7, 7]'],
      [new nn.Sequential(new nn.Conv2d(3, 4, 3)), [1, 4, 8, 8],
        'Expected input with dimension 1 equal to 3 for layers[0] (conv2d) but received shape [1, 4, 8, 8]'],
      [new nn.Sequential(new nn.Conv2d(3, 4, 3)), [1, 3, 8],
        'Expected input of rank 4 (N, C, H, W) for layers[0] (conv2d) but received shape [1, 3, 8]'],
    ];
    for (const [k, [model, inputShape, msg]] of cases.entries()) {
      const file = path.join(dir, `refused${k}.onnx`);
      const e = await errorOf(() => ng.io.exportOnnx(model, file, { inputShape }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe(msg);
      expect(fs.existsSync(file)).toBe(false);
    }
  });
});

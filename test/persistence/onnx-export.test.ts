// ng.io.exportOnnx for nodegrad Sequentials covering every exportable layer type: each file is
// run by onnxruntime-node and compared with nodegrad's own eval-mode forward within 1e-5;
// layers ONNX cannot express exactly give the clear error and write nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ng from '../../lib';
import { tempDir, randomizeState, randomF32, rng, evalForward, errorOf, maxAbsDiff } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ort = require('onnxruntime-node');

const nn = ng.nn;
const TOL = 1e-5;
let dir: string;
beforeAll(() => { dir = tempDir('onnx'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

interface Case {
  name: string;
  build: () => ng.nn.Sequential;
  /** Export inputShape (null = dynamic). */
  inputShape: (number | null)[];
  /** Concrete input shapes to run (several batch sizes for a dynamic batch). */
  runShapes: number[][];
  /** Integer (Embedding) input with this vocabulary size. */
  vocab?: number;
  opset?: number;
}

const CASES: Case[] = [
  {
    name: 'Linear (+/- bias) fused with ReLU, Sigmoid, Tanh (Gemm)',
    build: () => new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Linear(8, 8), new nn.Sigmoid(),
      new nn.Linear(8, 8, { bias: false }), new nn.Tanh(), new nn.Linear(8, 4)),
    inputShape: [null, 6],
    runShapes: [[5, 6], [1, 6]],
  },
  {
    name: 'GELU (erf), SiLU, SELU, LeakyReLU, ELU, Softplus, Identity, Dropout, Softmax',
    build: () => new nn.Sequential(new nn.Linear(6, 8), new nn.GELU(), new nn.Linear(8, 8), new nn.SiLU(), new nn.SELU(),
      new nn.LeakyReLU(0.2), new nn.ELU(0.7), new nn.Softplus(), new nn.Identity(), new nn.Dropout(0.3),
      new nn.Linear(8, 5), new nn.Softmax(-1)),
    inputShape: [null, 6],
    runShapes: [[7, 6], [2, 6]],
  },
  {
    name: 'the same activations at opset 21 (Gelu op)',
    build: () => new nn.Sequential(new nn.Linear(6, 8), new nn.GELU(), new nn.Linear(8, 5), new nn.LogSoftmax()),
    inputShape: [null, 6],
    runShapes: [[3, 6]],
    opset: 21,
  },
  {
    name: 'LayerNorm, BatchNorm1d (running statistics), LogSoftmax',
    build: () => new nn.Sequential(new nn.Linear(6, 8), new nn.LayerNorm(8, 1e-4), new nn.BatchNorm1d(8, { eps: 1e-3 }),
      new nn.ReLU(), new nn.Linear(8, 3), new nn.LogSoftmax(-1)),
    inputShape: [null, 6],
    runShapes: [[6, 6]],
  },
  {
    name: 'Embedding (Gather on int64 ids) -> Flatten -> Linear -> Tanh',
    build: () => new nn.Sequential(new nn.Embedding(10, 4, { paddingIdx: 0 }), new nn.Flatten(), new nn.Linear(12, 6), new nn.Tanh()),
    inputShape: [null, 3],
    runShapes: [[4, 3], [1, 3]],
    vocab: 10,
  },
  {
    name: 'Embedding -> Linear on (N, T, D) (MatMul + Add) -> GELU -> Flatten -> Linear',
    build: () => new nn.Sequential(new nn.Embedding(7, 5), new nn.Linear(5, 4), new nn.GELU(), new nn.Flatten(1), new nn.Linear(12, 2)),
    inputShape: [null, 3],
    runShapes: [[2, 3]],
    vocab: 7,
  },
  {
    name: '3-D float input: Linear without bias (MatMul), BatchNorm1d on (N, C, L), LayerNorm, Softmax, Flatten',
    build: () => new nn.Sequential(new nn.Linear(5, 4, { bias: false }), new nn.BatchNorm1d(3), new nn.LayerNorm(4), new nn.Softmax(),
      new nn.Flatten(), new nn.Linear(12, 3)),
    inputShape: [null, 3, 5],
    runShapes: [[2, 3, 5], [4, 3, 5]],
  },
];

function makeInput(c: Case, shape: number[], seed: number): { ngInput: ng.Tensor; ortInput: unknown } {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  if (c.vocab !== undefined) {
    const ids = Int32Array.from({ length: n }, () => Math.floor(r() * c.vocab!));
    return { ngInput: ng.fromArray(ids, shape), ortInput: new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), shape) };
  }
  const x = randomF32(n, r, -2, 2);
  return { ngInput: ng.fromArray(x, shape), ortInput: new ort.Tensor('float32', x.slice(), shape) };
}

/** Gives BatchNorm layers running statistics from a few training-mode batches. */
function trainStats(model: ng.nn.Sequential, c: Case): void {
  model.train();
  ng.noGrad(() => ng.tidy(() => {
    for (let i = 0; i < 3; i++) model.forward(makeInput(c, c.runShapes[0], 50 + i).ngInput);
  }));
  model.eval();
}

describe('exportOnnx -> onnxruntime-node == nodegrad eval forward', () => {
  it('the cases cover every layer type ONNX export supports', () => {
    const covered = new Set(CASES.flatMap((c) => (c.build().getConfig().children ?? []).map((ch) => ch.type)));
    const exportable = ['Linear', 'ReLU', 'Sigmoid', 'Tanh', 'GELU', 'SiLU', 'SELU', 'Softplus', 'LeakyReLU', 'ELU', 'Softmax',
      'LogSoftmax', 'Identity', 'Dropout', 'Flatten', 'LayerNorm', 'BatchNorm1d', 'Embedding'];
    expect(exportable.filter((t) => !covered.has(t))).toEqual([]);
  });

  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      ng.setSeed(300 + ci);
      const model = c.build();
      randomizeState(model, 400 + ci);
      trainStats(model, c);
      const file = path.join(dir, `case${ci}.onnx`);
      await ng.io.exportOnnx(model, file, { inputShape: c.inputShape, ...(c.opset ? { opset: c.opset } : {}) });
      const session = await ort.InferenceSession.create(file);
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['output']);
      for (const [si, shape] of c.runShapes.entries()) {
        const { ngInput, ortInput } = makeInput(c, shape, 500 + ci * 10 + si);
        const want = evalForward(model, ngInput);
        const got = (await session.run({ input: ortInput })).output;
        expect(Array.from(got.dims as number[]), `shape for input ${shape}`).toEqual(want.shape);
        expect(maxAbsDiff(got.data as Float32Array, want.data), `max |ort - ng| for input ${shape}`).toBeLessThan(TOL);
      }
    });
  });

  it('a model loaded with ng.io.load exports the same ONNX graph as the original', async () => {
    const c = CASES[3];
    ng.setSeed(77);
    const model = c.build();
    randomizeState(model, 78);
    trainStats(model, c);
    const saved = path.join(dir, 'saved.safetensors');
    await ng.io.save(model, saved);
    const loaded = await ng.io.load(saved);
    const a = path.join(dir, 'orig.onnx');
    const b = path.join(dir, 'loaded.onnx');
    await ng.io.exportOnnx(model, a, { inputShape: [null, 6] });
    await ng.io.exportOnnx(loaded, b, { inputShape: [null, 6] });
    expect(fs.readFileSync(b).equals(fs.readFileSync(a))).toBe(true);
  });

  it('Softplus with beta 1 but a threshold other than 20 matches nodegrad (or is refused)', async () => {
    // ONNX Softplus is log(1 + exp(x)) everywhere; nodegrad returns x above the threshold.
    const model = new nn.Sequential(new nn.Linear(1, 1), new nn.Softplus(1, 2));
    (model.layers[0] as ng.nn.Linear).weight.data.set([1]);
    (model.layers[0] as ng.nn.Linear).bias!.data.set([0]);
    const file = path.join(dir, 'softplus-threshold.onnx');
    let refused = false;
    try {
      await ng.io.exportOnnx(model, file, { inputShape: [null, 1] });
    } catch {
      refused = true;
    }
    if (!refused) {
      const session = await ort.InferenceSession.create(file);
      const x = new Float32Array([-1, 0, 1.5, 2.5, 4]);
      const got = (await session.run({ input: new ort.Tensor('float32', x, [5, 1]) })).output.data as Float32Array;
      const want = evalForward(model, ng.fromArray(x, [5, 1])).data;
      expect(maxAbsDiff(got, want)).toBeLessThan(TOL);
    }
  });
});

describe('exportOnnx: unsupported layers', () => {
  const SUPPORTED = " (supported: Linear, ReLU, Sigmoid, Tanh, GELU (approximate 'none'), SiLU, SELU, " +
    'Softplus (default beta, threshold), LeakyReLU, ELU, Softmax (last axis), LogSoftmax (last axis), Identity, Dropout, ' +
    'Flatten (startDim 1), LayerNorm, BatchNorm1d, Embedding, Conv2d, ConvTranspose2d, Conv1d, MaxPool2d, AvgPool2d, ' +
    'AdaptiveAvgPool2d, BatchNorm2d, Dropout2d, Upsample, Unflatten (dim 1), LSTM (without projSize), GRU, RNN, Residual, ' +
    'MultiheadAttention (self-attention, kdim = vdim = embedDim), TransformerEncoderLayer (no mask), GPTBlock (causal; fixed sequence length))';
  const cases: [string, () => ng.nn.Module, string][] = [
    ['GELU tanh approximation', () => new nn.Sequential(new nn.Linear(4, 4), new nn.GELU('tanh')), 'layers[1] but received GELU'],
    ['Softplus with beta 2', () => new nn.Sequential(new nn.Linear(4, 4), new nn.Softplus(2)), 'layers[1] but received Softplus'],
    ['Flatten from dim 2', () => new nn.Sequential(new nn.Flatten(2), new nn.Linear(4, 4)), 'layers[0] but received Flatten'],
    ['a nested Sequential', () => new nn.Sequential(new nn.Linear(4, 4), new nn.Sequential(new nn.ReLU())), 'layers[1] but received Sequential'],
  ];
  for (const [name, build, tail] of cases) {
    it(`${name} -> clear error naming the layer, no file written`, async () => {
      const file = path.join(dir, `bad-${name.replace(/\W+/g, '-')}.onnx`);
      const e = await errorOf(() => ng.io.exportOnnx(build(), file, { inputShape: [null, 4] }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe(`Expected a layer ONNX export supports for ${tail}${SUPPORTED}`);
      expect(fs.existsSync(file)).toBe(false);
    });
  }

  it('registerOnnxExport: a new layer class registers its export; subclasses use the nearest registered class', () => {
    class Scale2 extends nn.Module {
      forward(x: ng.Tensor): ng.Tensor { return x; }
    }
    class MyReLU extends nn.ReLU {}
    const model = new nn.Sequential(new nn.Linear(2, 2), new Scale2(), new MyReLU());
    expect(() => ng.io.onnxLayers(model)).toThrow(/layers\[1\] but received Scale2 \(supported: Linear, /);
    ng.io.registerOnnxExport(Scale2, () => ({ type: 'identity' }));
    expect(ng.io.onnxLayers(model).map((l) => l.type)).toEqual(['linear', 'identity', 'relu']);
    expect(() => ng.io.registerOnnxExport(Object as never, () => null)).toThrow(/Expected a Module subclass for layerClass/);
    expect(() => ng.io.registerOnnxExport(Scale2, 3 as never)).toThrow(/for fn/);
  });

  it('a wrong inputShape is reported at export time, naming the layer', async () => {
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
    const file = path.join(dir, 'bad-shape.onnx');
    const e = await errorOf(() => ng.io.exportOnnx(model, file, { inputShape: [null, 5] }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('Expected input with last dimension 4 for layers[0] (linear) but received shape [*, 5]');
    expect(fs.existsSync(file)).toBe(false);
  });
});

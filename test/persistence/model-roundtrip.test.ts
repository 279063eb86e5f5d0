// ng.io.save -> ng.io.load round trips for models that together hold every layer type:
// same config, same parameters and buffers bit for bit, same eval-mode outputs; F16/BF16
// storage within rounding; metadata and preprocessing through loadWithInfo; clear errors for
// files that are not nodegrad models, missing files and truncated files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ng from '../../lib';
import { f32ToF16, f16ToF32, f32ToBf16, bf16ToF32 } from '../../lib/io/half';
import { tempDir, randomizeState, randomF32, rng, bits, stateDiff, evalForward, errorOf } from './helpers';

const nn = ng.nn;
let dir: string;
beforeAll(() => { dir = tempDir('model'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

interface Case {
  name: string;
  build: () => ng.nn.Sequential;
  input: () => ng.Tensor;
}

const floatInput = (shape: number[], seed: number) => () => {
  const n = shape.reduce((a, b) => a * b, 1);
  return ng.fromArray(randomF32(n, rng(seed), -2, 2), shape);
};

// Every layer type of lib/nn, with non-default arguments wherever a layer has them.
const CASES: Case[] = [
  {
    name: 'mlp: Linear (+/- bias) with every activation, BatchNorm1d, LayerNorm, Dropout, Identity, Softmax',
    build: () => new nn.Sequential(
      new nn.Linear(6, 8), new nn.BatchNorm1d(8, { eps: 1e-3, momentum: 0.2 }), new nn.ReLU(), new nn.Dropout(0.25),
      new nn.Linear(8, 8), new nn.Sigmoid(),
      new nn.Linear(8, 8, { bias: false }), new nn.Tanh(),
      new nn.Linear(8, 8), new nn.GELU(),
      new nn.Linear(8, 8), new nn.GELU('tanh'),
      new nn.LeakyReLU(0.2), new nn.ELU(0.7), new nn.SELU(), new nn.SiLU(), new nn.Softplus(2, 10),
      new nn.LayerNorm(8, 1e-4), new nn.Identity(),
      new nn.Linear(8, 5), new nn.Softmax(-1),
    ),
    input: floatInput([7, 6], 1),
  },
  {
    name: 'embedding: Embedding (paddingIdx) -> Flatten -> Linear -> LogSoftmax',
    build: () => new nn.Sequential(new nn.Embedding(10, 4, { paddingIdx: 0 }), new nn.Flatten(1), new nn.Linear(12, 6),
      new nn.LogSoftmax(-1)),
    input: () => ng.fromArray(Int32Array.from([0, 3, 9, 1, 1, 0, 7, 2, 5, 8, 6, 4]), [4, 3]),
  },
  {
    name: 'sequence: BatchNorm1d on (N, C, L), Flatten, Softmax with a positive axis (1)',
    build: () => new nn.Sequential(new nn.BatchNorm1d(3), new nn.Flatten(1), new nn.Linear(15, 4), new nn.Softmax(1)),
    input: floatInput([5, 3, 5], 2),
  },
  {
    name: 'ids: Embedding (no padding) -> Linear on (N, T, D) -> Flatten(startDim 2 is a no-op on 3-D) -> Softplus',
    build: () => new nn.Sequential(new nn.Embedding(7, 5), new nn.Linear(5, 3), new nn.Flatten(2), new nn.Softplus()),
    input: () => ng.fromArray(Int32Array.from([6, 0, 2, 2, 5, 1]), [2, 3]),
  },
  {
    name: 'cnn: Conv2d (stride, padding, dilation, groups, no bias, same), pools, BatchNorm2d (+/- affine), Dropout2d, AdaptiveAvgPool2d',
    build: () => new nn.Sequential(
      new nn.Conv2d(2, 6, 3, { padding: 1 }), new nn.BatchNorm2d(6, { eps: 1e-3, momentum: 0.2 }), new nn.ReLU(),
      new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), new nn.Dropout2d(0.3),
      new nn.Conv2d(6, 6, [3, 2], { groups: 3, bias: false, dilation: [1, 2], stride: [1, 2] }), new nn.BatchNorm2d(6, { affine: false }),
      new nn.Conv2d(6, 4, 3, { padding: 'same' }), new nn.ReLU(),
      new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }), new nn.AdaptiveAvgPool2d([2, null]),
      new nn.Flatten(), new nn.Linear(4 * 2 * 3, 3)),
    input: floatInput([3, 2, 9, 10], 3),
  },
];

const layerTypes = (m: ng.nn.Module): string[] => {
  const c = m.getConfig();
  return (c.children ?? []).map((ch) => ch.type);
};

describe('save -> load round trip', () => {
  it('the cases cover every layer type of ng.nn', () => {
    const covered = new Set(CASES.flatMap((c) => layerTypes(c.build())));
    const all = ['Linear', 'ReLU', 'Sigmoid', 'Tanh', 'GELU', 'LeakyReLU', 'ELU', 'SELU', 'SiLU', 'Softplus', 'Softmax',
      'LogSoftmax', 'Identity', 'Dropout', 'Flatten', 'LayerNorm', 'BatchNorm1d', 'Embedding'];
    expect(all.filter((t) => !covered.has(t))).toEqual([]);
  });

  CASES.forEach((c, ci) => {
    it(`${c.name}: same config, bit-identical parameters and buffers, same eval outputs`, async () => {
      ng.setSeed(100 + ci);
      const model = c.build();
      randomizeState(model, 200 + ci);
      // Running statistics that came from training, not just the initial values.
      for (const m of model.layers) {
        if (m instanceof nn.BatchNorm1d) {
          m.train();
          const shape = ci === 2 ? [6, 3, 5] : [6, m.numFeatures];
          ng.tidy(() => { m.forward(ng.fromArray(randomF32(shape.reduce((a, b) => a * b, 1), rng(7), -3, 3), shape)); });
        }
      }
      const file = path.join(dir, `case${ci}.safetensors`);
      await ng.io.save(model, file);
      const loaded = await ng.io.load(path.resolve(file));

      expect(loaded).toBeInstanceOf(nn.Sequential);
      expect(loaded.getConfig()).toEqual(model.getConfig());
      expect(loaded.training).toBe(false); // load() returns the model ready for inference
      expect(Object.keys(loaded.stateDict())).toEqual(Object.keys(model.stateDict()));
      expect(stateDiff(model, loaded)).toEqual({});
      for (const [k, t] of Object.entries(loaded.stateDict())) expect(t.shape, k).toEqual(model.stateDict()[k].shape);
      // Layer classes and their own arguments come back (not only the config objects).
      (loaded as ng.nn.Sequential).layers.forEach((l, i) => expect(l.constructor, `layer ${i}`).toBe(model.layers[i].constructor));

      const x = c.input();
      const want = evalForward(model, x);
      const got = evalForward(loaded, x);
      expect(got.shape).toEqual(want.shape);
      expect(bits(got.data)).toEqual(bits(want.data));
    });
  });

  it('a loaded model trains like the original (parameters are live, not copies detached from the optimizer)', async () => {
    ng.setSeed(5);
    const model = new nn.Sequential(new nn.Linear(4, 6), new nn.Tanh(), new nn.Linear(6, 2));
    const file = path.join(dir, 'train.safetensors');
    await ng.io.save(model, file);
    const loaded = await ng.io.load(file);
    const x = ng.fromArray(randomF32(24, rng(3)), [6, 4]);
    const y = ng.fromArray(randomF32(12, rng(4)), [6, 2]);
    const ta = new ng.Trainer({ model, loss: 'mse', optimizer: 'sgd', lr: 0.1 });
    const tb = new ng.Trainer({ model: loaded, loss: 'mse', optimizer: 'sgd', lr: 0.1 });
    loaded.train();
    for (let i = 0; i < 3; i++) expect(tb.trainStep(x, y)).toBe(ta.trainStep(x, y));
    expect(stateDiff(model, loaded)).toEqual({});
  });
});

describe('half-precision storage', () => {
  const roundTrip = {
    F16: (a: Float32Array) => f16ToF32(f32ToF16(a)),
    BF16: (a: Float32Array) => bf16ToF32(f32ToBf16(a)),
  } as const;
  // Relative rounding error bound (half an ulp) of each format for normal values.
  const relTol = { F16: 2 ** -11, BF16: 2 ** -8 } as const;

  for (const dtype of ['F16', 'BF16'] as const) {
    it(`${dtype}: loads the rounded values exactly, within the format's rounding of the originals, file ~half size`, async () => {
      ng.setSeed(11);
      const model = CASES[0].build();
      randomizeState(model, 12);
      const f32File = path.join(dir, `full-${dtype}.safetensors`);
      const file = path.join(dir, `half-${dtype}.safetensors`);
      await ng.io.save(model, f32File);
      await ng.io.save(model, file, { dtype });
      const info = await ng.io.readSafetensorsInfo(file);
      for (const t of Object.values(info.tensors)) expect(t.dtype).toBe(dtype);

      const loaded = await ng.io.load(file);
      expect(loaded.getConfig()).toEqual(model.getConfig());
      for (const [k, t] of Object.entries(model.stateDict())) {
        const src = t.data as Float32Array;
        const got = loaded.stateDict()[k].data as Float32Array;
        expect(bits(got), k).toEqual(bits(roundTrip[dtype](src)));
        for (let i = 0; i < src.length; i++) {
          expect(Math.abs(got[i] - src[i]), `${k}[${i}]`).toBeLessThanOrEqual(Math.abs(src[i]) * relTol[dtype] + 1e-30);
        }
      }
      // The data area (not the header, which dominates for so small a model) is half as large.
      const dataBytes = (i: { tensors: Record<string, { dataOffsets: [number, number] }> }) =>
        Object.values(i.tensors).reduce((n, t) => n + t.dataOffsets[1] - t.dataOffsets[0], 0);
      expect(dataBytes(info) * 2).toBe(dataBytes(await ng.io.readSafetensorsInfo(f32File)));

      const x = CASES[0].input();
      const want = evalForward(model, x).data;
      const got = evalForward(loaded, x).data;
      // Softmax outputs in [0, 1]: the weight rounding moves them by far less than this.
      const tol = dtype === 'F16' ? 5e-3 : 5e-2;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(tol);
    });
  }
});

describe('metadata and preprocessing', () => {
  it('loadWithInfo returns the metadata (ours and the user\'s) and the preprocessing JSON', async () => {
    ng.setSeed(21);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const rows = [[1, 10, -3], [2, 20, -1], [4, 25, 0], [3, 5, 2]];
    const scaler = new ng.data.StandardScaler().fit(rows);
    const prep = { scaler: scaler.toJSON(), classes: ['cat', 'dog'], nested: { a: [1, 2.5, null], b: 'x' } };
    const file = path.join(dir, 'meta.safetensors');
    await ng.io.save(model, file, { metadata: { author: 'persistence test', dataset: 'toy' }, preprocessing: prep });

    const info = await ng.io.loadWithInfo(file);
    expect(info.metadata.author).toBe('persistence test');
    expect(info.metadata.dataset).toBe('toy');
    expect(info.metadata.format).toBe('nodegrad');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    expect(info.metadata['nodegrad.version']).toBe(require('../../package.json').version);
    expect(JSON.parse(info.metadata['nodegrad.config'])).toEqual(model.getConfig());
    expect(info.preprocessing).toEqual(prep);
    expect(stateDiff(model, info.model)).toEqual({});

    // The restored scaler transforms exactly like the fitted one.
    const restored = ng.data.preprocessorFromJSON((info.preprocessing as typeof prep).scaler);
    const a = scaler.transform(rows) as number[][];
    const b = restored.transform(rows) as number[][];
    expect(b).toEqual(a);
  });

  it('without preprocessing, loadWithInfo gives preprocessing undefined', async () => {
    const model = new nn.Sequential(new nn.Linear(2, 2));
    const file = path.join(dir, 'noprep.safetensors');
    await ng.io.save(model, file);
    const info = await ng.io.loadWithInfo(file);
    expect(info.preprocessing).toBeUndefined();
    expect(info.metadata['nodegrad.preprocessing']).toBeUndefined();
  });

  it('user metadata cannot replace the architecture or the format tag', async () => {
    ng.setSeed(22);
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.Tanh());
    const file = path.join(dir, 'reserved.safetensors');
    const other = JSON.stringify(new nn.Sequential(new nn.Linear(3, 2)).getConfig());
    // Either save() refuses the reserved keys, or the file still loads as the model that was saved.
    let refused = false;
    try {
      await ng.io.save(model, file, { metadata: { 'nodegrad.config': other, format: 'something-else' } });
    } catch {
      refused = true;
    }
    if (!refused) {
      const info = await ng.io.loadWithInfo(file);
      expect(info.model.getConfig()).toEqual(model.getConfig());
      expect(info.metadata.format).toBe('nodegrad');
    }
  });
});

describe('clear errors', () => {
  it('a safetensors file without a nodegrad config (PyTorch weights) -> error naming the file and loadStateDict', async () => {
    const file = path.join(__dirname, '..', 'fixtures', 'pytorch_mlp.safetensors');
    const e = await errorOf(() => ng.io.load(file));
    expect(e.message).toBe(`Expected a nodegrad model file (with 'nodegrad.config' metadata) for ${file} but received a ` +
      'safetensors file without an architecture; build the model in code and use ng.io.loadStateDict(model, path)');
    const e2 = await errorOf(() => ng.io.loadWithInfo(file));
    expect(e2.message).toBe(e.message);
  });

  it('a file that does not exist -> ENOENT error naming the path', async () => {
    const file = path.join(dir, 'does-not-exist.safetensors');
    const e = await errorOf(() => ng.io.load(file));
    expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(e.message).toContain(file);
  });

  it('a truncated model file -> SafetensorsError naming the file (at every cut point class)', async () => {
    ng.setSeed(31);
    const model = CASES[0].build();
    const file = path.join(dir, 'whole.safetensors');
    await ng.io.save(model, file);
    const whole = fs.readFileSync(file);
    const headerLen = Number(whole.readBigUInt64LE(0));
    const cuts = {
      'inside the length prefix': 5,
      'inside the header': 8 + Math.floor(headerLen / 2),
      'right after the header': 8 + headerLen,
      'inside the data': 8 + headerLen + Math.floor((whole.length - 8 - headerLen) / 2),
      'one byte short': whole.length - 1,
    };
    for (const [what, n] of Object.entries(cuts)) {
      const cut = path.join(dir, `cut-${n}.safetensors`);
      fs.writeFileSync(cut, whole.subarray(0, n));
      const e = await errorOf(() => ng.io.load(cut));
      expect(e, what).toBeInstanceOf(ng.io.SafetensorsError);
      expect(e.message, what).toContain(JSON.stringify(cut));
      expect(e.message, what).toMatch(/^Invalid safetensors file /);
    }
  });

  it('a corrupt config (valid file, broken JSON in nodegrad.config) -> error naming the key and the file', async () => {
    const file = path.join(dir, 'badconfig.safetensors');
    await ng.io.writeSafetensors(file, { w: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } },
      { format: 'nodegrad', 'nodegrad.config': '{"type": "Sequential", ' });
    const e = await errorOf(() => ng.io.load(file));
    expect(e.message).toMatch(new RegExp(`^Expected valid JSON in the 'nodegrad.config' metadata of ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} but received: `));
  });

  it('weights that do not match the config -> error listing the keys', async () => {
    const model = new nn.Sequential(new nn.Linear(3, 2));
    const file = path.join(dir, 'mismatch.safetensors');
    await ng.io.writeSafetensors(file, { '0.weight': { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) } },
      { format: 'nodegrad', 'nodegrad.config': JSON.stringify(model.getConfig()) });
    const e = await errorOf(() => ng.io.load(file));
    expect(e.message).toBe('Expected state dict keys matching the model for state but received missing keys: 0.bias');
  });
});

// ONNX export: every layer type, alone and in sequences, is run by onnxruntime-node and compared
// with a plain-JS float64 reference forward (below) within 1e-5.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import { encodeOnnx, writeOnnx, buildOnnxModel, type OnnxLayer, type OnnxExportOptions } from '../../lib/io/onnx';
import { ProtoWriter } from '../../lib/io/protobuf';
import { rng, randn, randomF32, tempDir } from './util';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ort = require('onnxruntime-node');

const TOL = 1e-5;

// ---------------------------------------------------------------- reference forward (float64)
interface T { shape: number[]; data: Float64Array }

/** erf, Abramowitz & Stegun 7.1.26 refined by one Newton-free series step: |error| < 1.5e-7. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const map = (x: T, f: (v: number) => number): T => ({ shape: x.shape, data: x.data.map(f) });

function lastAxis(x: T, f: (row: Float64Array) => Float64Array): T {
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / n; r++) out.set(f(x.data.subarray(r * n, (r + 1) * n)), r * n);
  return { shape: x.shape, data: out };
}

function reference(layers: OnnxLayer[], input: T): T {
  let x = input;
  for (const l of layers) {
    switch (l.type) {
      case 'linear': {
        const rows = x.data.length / l.inFeatures;
        const out = new Float64Array(rows * l.outFeatures);
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < l.outFeatures; o++) {
            let s = l.bias ? l.bias[o] : 0;
            for (let k = 0; k < l.inFeatures; k++) s += x.data[r * l.inFeatures + k] * l.weight[o * l.inFeatures + k];
            out[r * l.outFeatures + o] = s;
          }
        }
        x = { shape: [...x.shape.slice(0, -1), l.outFeatures], data: out };
        break;
      }
      case 'relu': x = map(x, (v) => Math.max(0, v)); break;
      case 'sigmoid': x = map(x, (v) => 1 / (1 + Math.exp(-v))); break;
      case 'tanh': x = map(x, Math.tanh); break;
      case 'gelu': x = map(x, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))); break;
      case 'silu': x = map(x, (v) => v / (1 + Math.exp(-v))); break;
      case 'softplus': x = map(x, (v) => (v > 20 ? v : Math.log1p(Math.exp(v)))); break;
      case 'selu': x = map(x, (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v))); break;
      case 'leakyRelu': { const a = l.alpha; x = map(x, (v) => (v > 0 ? v : a * v)); break; }
      case 'elu': { const a = l.alpha; x = map(x, (v) => (v > 0 ? v : a * Math.expm1(v))); break; }
      case 'identity': case 'dropout': break;
      case 'softmax':
      case 'logSoftmax': {
        const log = l.type === 'logSoftmax';
        x = lastAxis(x, (row) => {
          const m = Math.max(...row);
          const e = row.map((v) => Math.exp(v - m));
          const s = e.reduce((a, b) => a + b, 0);
          return log ? row.map((v) => v - m - Math.log(s)) : e.map((v) => v / s);
        });
        break;
      }
      case 'flatten': x = { shape: [x.shape[0], x.data.length / x.shape[0]], data: x.data }; break;
      case 'layerNorm': {
        const { weight, bias, eps } = l;
        x = lastAxis(x, (row) => {
          const mean = row.reduce((a, b) => a + b, 0) / row.length;
          const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
          return row.map((val, i) => ((val - mean) / Math.sqrt(v + eps)) * weight[i] + bias[i]);
        });
        break;
      }
      case 'batchNorm': {
        const C = x.shape[1];
        const inner = x.data.length / (x.shape[0] * C);
        const out = new Float64Array(x.data.length);
        for (let i = 0; i < x.data.length; i++) {
          const c = Math.floor(i / inner) % C;
          out[i] = ((x.data[i] - l.runningMean[c]) / Math.sqrt(l.runningVar[c] + l.eps)) * l.weight[c] + l.bias[c];
        }
        x = { shape: x.shape, data: out };
        break;
      }
      case 'embedding': {
        const out = new Float64Array(x.data.length * l.dim);
        x.data.forEach((idx, i) => { for (let d = 0; d < l.dim; d++) out[i * l.dim + d] = l.weight[idx * l.dim + d]; });
        x = { shape: [...x.shape, l.dim], data: out };
        break;
      }
    }
  }
  return x;
}

// ---------------------------------------------------------------- helpers

async function runOrt(bytes: Uint8Array, input: T, int64 = false): Promise<{ dims: number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  const tensor = int64
    ? new ort.Tensor('int64', BigInt64Array.from(input.data, (v) => BigInt(v)), input.shape)
    : new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
  const out = await session.run({ [session.inputNames[0]]: tensor });
  const y = out[session.outputNames[0]];
  return { dims: Array.from(y.dims as number[]), data: y.data as Float32Array };
}

/** Exports, runs with onnxruntime and compares with the reference; returns the largest difference. */
async function check(layers: OnnxLayer[], opts: OnnxExportOptions, input: T, int64 = false): Promise<number> {
  const bytes = encodeOnnx(layers, opts);
  const got = await runOrt(bytes, input, int64);
  // the reference sees the float32 input the runtime sees
  const want = reference(layers, int64 ? input : { shape: input.shape, data: Float64Array.from(Float32Array.from(input.data)) });
  expect(got.dims).toEqual(want.shape);
  let maxDiff = 0;
  for (let i = 0; i < want.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - want.data[i]));
  expect(maxDiff).toBeLessThanOrEqual(TOL);
  return maxDiff;
}

const input = (shape: number[], r: () => number, scale = 1.5): T =>
  ({ shape, data: Float64Array.from(randn(shape.reduce((a, b) => a * b, 1), r, scale)) });

function linear(inF: number, outF: number, r: () => number, bias = true): OnnxLayer {
  const s = 1 / Math.sqrt(inF);
  return { type: 'linear', inFeatures: inF, outFeatures: outF, weight: randomF32(inF * outF, r, -s, s), ...(bias ? { bias: randomF32(outF, r, -s, s) } : {}) };
}
const layerNorm = (n: number, r: () => number): OnnxLayer =>
  ({ type: 'layerNorm', size: n, eps: 1e-5, weight: randomF32(n, r, 0.5, 1.5), bias: randomF32(n, r, -0.5, 0.5) });
const batchNorm = (n: number, r: () => number): OnnxLayer => ({
  type: 'batchNorm', size: n, eps: 1e-5, weight: randomF32(n, r, 0.5, 1.5), bias: randomF32(n, r, -0.5, 0.5),
  runningMean: randomF32(n, r, -1, 1), runningVar: randomF32(n, r, 0.2, 2),
});

/** The fields the tests read (the generated classes type every field as nullable). */
interface ValueInfo { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: unknown; dimParam?: string }[] } } } }
interface DecodedModel {
  producerName: string; producerVersion: string; irVersion: unknown;
  opsetImport: { domain: string; version: unknown }[];
  graph: {
    node: { opType: string; attribute: { name: string; i: unknown }[] }[];
    initializer: { name: string; dims: unknown[]; rawData: Uint8Array }[];
    input: ValueInfo[]; output: ValueInfo[];
  };
}
function decode(bytes: Uint8Array): DecodedModel {
  return onnx.ModelProto.decode(bytes) as unknown as DecodedModel;
}

// ---------------------------------------------------------------- tests

describe('ONNX export checked by onnxruntime-node', () => {
  const F = 6;
  const simple: OnnxLayer[] = [
    { type: 'relu' }, { type: 'sigmoid' }, { type: 'tanh' }, { type: 'softmax' }, { type: 'logSoftmax' },
    { type: 'gelu' }, { type: 'silu' }, { type: 'softplus' }, { type: 'selu' }, { type: 'identity' },
    { type: 'dropout' }, { type: 'leakyRelu', alpha: 0.07 }, { type: 'elu', alpha: 0.8 },
  ];
  for (const layer of simple) {
    it(`${layer.type} alone (input [null, ${F}], batch 5)`, async () => {
      const r = rng(10);
      await check([layer], { inputShape: [null, F] }, input([5, F], r, 3));
    });
  }

  it('linear with bias (Gemm), without bias, and on rank-3 input (MatMul + Add)', async () => {
    const r = rng(11);
    for (const bias of [true, false]) {
      const l = linear(7, 4, r, bias);
      await check([l], { inputShape: [null, 7] }, input([3, 7], r));
      await check([l], { inputShape: [null, 5, 7] }, input([2, 5, 7], r));
      await check([l], { inputShape: [7] }, input([7], r));
    }
    const model = decode(encodeOnnx([linear(7, 4, r)], { inputShape: [null, 7] }));
    expect(model.graph!.node.map((n) => n.opType)).toEqual(['Gemm']);
    expect(model.graph!.node[0].attribute.map((a) => [a.name, Number(a.i)])).toEqual([['transB', 1]]);
    expect(decode(encodeOnnx([linear(7, 4, r)], { inputShape: [2, 5, 7] })).graph!.node.map((n) => n.opType)).toEqual(['MatMul', 'Add']);
  });

  it('flatten (rank 3 -> 2), layerNorm and batchNorm (N, C) and (N, C, L) alone', async () => {
    const r = rng(12);
    await check([{ type: 'flatten' }], { inputShape: [null, 3, 4] }, input([2, 3, 4], r));
    await check([layerNorm(F, r)], { inputShape: [null, F] }, input([5, F], r));
    await check([layerNorm(4, r)], { inputShape: [null, 3, 4] }, input([2, 3, 4], r));
    await check([batchNorm(F, r)], { inputShape: [null, F] }, input([5, F], r));
    await check([batchNorm(3, r)], { inputShape: [null, 3, 4] }, input([2, 3, 4], r));
  });

  it('embedding (int64 indices -> Gather) alone', async () => {
    const r = rng(13);
    const emb: OnnxLayer = { type: 'embedding', numEmbeddings: 10, dim: 4, weight: randn(40, r) };
    const idx: T = { shape: [3, 5], data: Float64Array.from({ length: 15 }, () => Math.floor(r() * 10)) };
    await check([emb], { inputShape: [null, 5] }, idx, true);
    const model = decode(encodeOnnx([emb], { inputShape: [null, 5] }));
    expect(model.graph!.input[0].type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.INT64);
  });

  it('MLP: Linear-ReLU-Linear-Softmax', async () => {
    const r = rng(20);
    const layers = [linear(16, 32, r), { type: 'relu' } as OnnxLayer, linear(32, 10, r), { type: 'softmax' } as OnnxLayer];
    await check(layers, { inputShape: [null, 16] }, input([8, 16], r));
  });

  it('Embedding-Flatten-Linear', async () => {
    const r = rng(21);
    const layers: OnnxLayer[] = [
      { type: 'embedding', numEmbeddings: 20, dim: 3, weight: randn(60, r) }, { type: 'flatten' }, linear(12, 5, r),
    ];
    const idx: T = { shape: [4, 4], data: Float64Array.from({ length: 16 }, () => Math.floor(r() * 20)) };
    await check(layers, { inputShape: [null, 4] }, idx, true);
  });

  it('Linear-LayerNorm-GELU-Linear-LogSoftmax and Linear-BatchNorm-ReLU-Dropout-Linear-SiLU', async () => {
    const r = rng(22);
    await check([linear(8, 12, r), layerNorm(12, r), { type: 'gelu' }, linear(12, 4, r), { type: 'logSoftmax' }],
      { inputShape: [null, 8] }, input([6, 8], r));
    await check([linear(8, 12, r), batchNorm(12, r), { type: 'relu' }, { type: 'dropout' }, linear(12, 3, r), { type: 'silu' }],
      { inputShape: [null, 8] }, input([6, 8], r));
    await check([linear(8, 8, r), { type: 'elu', alpha: 1 }, linear(8, 8, r), { type: 'selu' }, linear(8, 8, r),
      { type: 'leakyRelu', alpha: 0.01 }, { type: 'softplus' }, { type: 'tanh' }, { type: 'sigmoid' }],
    { inputShape: [null, 8] }, input([6, 8], r));
  });

  it('dynamic batch: one exported model runs with batch 1 and 9; the batch dim is dim_param "batch"', async () => {
    const r = rng(23);
    const layers = [linear(5, 3, r), { type: 'softmax' } as OnnxLayer];
    const opts = { inputShape: [null, 5], inputName: 'x', outputName: 'probs' };
    await check(layers, opts, input([1, 5], r));
    await check(layers, opts, input([9, 5], r));
    const g = decode(encodeOnnx(layers, opts)).graph!;
    expect(g.input[0].name).toBe('x');
    expect(g.input[0].type!.tensorType!.shape!.dim.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 5]);
    expect(g.output[0].name).toBe('probs');
    expect(g.output[0].type!.tensorType!.shape!.dim.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 3]);
    // a fixed batch size is fixed in the model
    const fixed = decode(encodeOnnx(layers, { inputShape: [4, 5] })).graph!;
    expect(fixed.input[0].type!.tensorType!.shape!.dim.map((d) => Number(d.dimValue))).toEqual([4, 5]);
  });

  it('opsets 17..21: GELU as the erf formula below 20, the Gelu op from 20', async () => {
    const r = rng(24);
    const layers = [linear(6, 6, r), { type: 'gelu' } as OnnxLayer, layerNorm(6, r)];
    for (const opset of [17, 18, 19, 20, 21]) {
      await check(layers, { inputShape: [null, 6], opset }, input([4, 6], r, 3));
      const m = decode(encodeOnnx(layers, { inputShape: [null, 6], opset }));
      expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', opset]]);
      expect(m.graph!.node.some((n) => n.opType === 'Gelu')).toBe(opset >= 20);
      expect(m.graph!.node.some((n) => n.opType === 'Erf')).toBe(opset < 20);
    }
  });

  it('model fields: producer, IR version, named initializers', () => {
    const r = rng(25);
    const m = decode(encodeOnnx([linear(3, 2, r), { type: 'relu' }, batchNorm(2, r)], { inputShape: [null, 3], producerVersion: '0.1.0' }));
    expect(m.producerName).toBe('nodegrad');
    expect(m.producerVersion).toBe('0.1.0');
    expect(Number(m.irVersion)).toBe(8);
    expect(m.graph!.initializer.map((t) => [t.name, t.dims.map(Number)])).toEqual([
      ['layers.0.weight', [2, 3]], ['layers.0.bias', [2]],
      ['layers.2.weight', [2]], ['layers.2.bias', [2]], ['layers.2.running_mean', [2]], ['layers.2.running_var', [2]],
    ]);
    expect(m.graph!.initializer[0].rawData.length).toBe(24);
  });

  const fixture = path.join(__dirname, '..', 'fixtures', 'pytorch_mlp.safetensors');
  const ioJson = path.join(__dirname, '..', 'fixtures', 'torch', 'pytorch_mlp_io.json');
  it.skipIf(!fs.existsSync(fixture) || !fs.existsSync(ioJson))('PyTorch weights (safetensors) exported to ONNX give PyTorch\'s outputs', async () => {
    const { readSafetensorsSync } = await import('../../lib/io/safetensors');
    const { tensors } = readSafetensorsSync(fixture);
    const c = JSON.parse(fs.readFileSync(ioJson, 'utf8')).cases[0];
    const lin = (k: string): OnnxLayer => ({
      type: 'linear', inFeatures: tensors[`${k}.weight`].shape[1], outFeatures: tensors[`${k}.weight`].shape[0],
      weight: tensors[`${k}.weight`].data as Float32Array, bias: tensors[`${k}.bias`].data as Float32Array,
    });
    const layers: OnnxLayer[] = [lin('0'), { type: 'relu' }, lin('2')]; // Linear(4, 8), ReLU(), Linear(8, 3)
    const x = c.inputs.x as { shape: number[]; data: number[] };
    const got = await runOrt(encodeOnnx(layers, { inputShape: [null, 4] }), { shape: x.shape, data: Float64Array.from(x.data) });
    expect(got.dims).toEqual(c.output.shape);
    const diff = Math.max(...(c.output.data as number[]).map((v, i) => Math.abs(v - got.data[i])));
    expect(diff).toBeLessThanOrEqual(TOL);
  });

  it('an empty layer list is the identity', async () => {
    const r = rng(26);
    await check([], { inputShape: [null, 3] }, input([2, 3], r));
  });

  describe('writeOnnx', () => {
    let tmp: { dir: string; cleanup: () => void };
    beforeAll(() => { tmp = tempDir(); });
    afterAll(() => tmp.cleanup());
    it('writes a file onnxruntime loads from its path', async () => {
      const r = rng(27);
      const file = path.join(tmp.dir, 'model.onnx');
      const layers = [linear(4, 2, r)];
      await writeOnnx(file, layers, { inputShape: [null, 4] });
      const session = await ort.InferenceSession.create(file);
      const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(4).fill(1), [1, 4]) });
      const want = reference(layers, { shape: [1, 4], data: new Float64Array(4).fill(1) });
      expect(Math.max(...Array.from(out.output.data as Float32Array, (v, i) => Math.abs(v - want.data[i])))).toBeLessThanOrEqual(TOL);
      expect(fs.readdirSync(tmp.dir)).toEqual(['model.onnx']);
    });
  });

  it('validates layers, shapes and options with the standard messages', () => {
    const r = rng(28);
    const o = { inputShape: [null, 4] };
    const t = (layers: unknown, opts: unknown = o) => () => buildOnnxModel(layers as OnnxLayer[], opts as OnnxExportOptions);
    expect(t('relu')).toThrow('Expected array of layers for layers but received "relu" of type string');
    expect(t([{ type: 'lstm' }])).toThrow(/^Expected one of 'linear', 'relu', .* for layers\[0\]\.type but received "lstm" of type string$/);
    expect(t([{ type: 'conv2d' }])).toThrow('Expected [integer >= 1, integer >= 1] for layers[0].kernelSize but received undefined');
    expect(t([{ type: 'linear', inFeatures: 4, outFeatures: 2, weight: new Float32Array(7) }]))
      .toThrow('Expected Float32Array of length 8 (outFeatures x inFeatures) for layers[0].weight but received Float32Array of length 7');
    expect(t([{ type: 'linear', inFeatures: 4, outFeatures: 0, weight: new Float32Array(0) }]))
      .toThrow('Expected positive integer for layers[0].outFeatures but received 0 of type number');
    expect(t([{ type: 'linear', inFeatures: 4, outFeatures: 2, weight: [1, 2] }]))
      .toThrow('Expected Float32Array for layers[0].weight but received an array of length 2');
    expect(t([{ type: 'leakyRelu' }])).toThrow('Expected finite number for layers[0].alpha but received undefined');
    expect(t([{ type: 'layerNorm', size: 4, eps: -1, weight: new Float32Array(4), bias: new Float32Array(4) }]))
      .toThrow('Expected non-negative number for layers[0].eps but received -1 of type number');
    expect(t([{ type: 'relu' }, { type: 'embedding', numEmbeddings: 2, dim: 2, weight: new Float32Array(4) }]))
      .toThrow('Expected embedding only as the first layer (it reads int64 indices) for layers[1] but received "an embedding layer" of type string');
    expect(t([linear(5, 2, r)])).toThrow('Expected input with last dimension 5 for layers[0] (linear) but received shape [*, 4]');
    expect(t([linear(4, 3, r), layerNorm(4, r)])).toThrow('Expected input with last dimension 4 for layers[1] (layerNorm) but received shape [*, 3]');
    expect(t([batchNorm(3, r)])).toThrow('Expected input with dimension 1 equal to 3 for layers[0] (batchNorm) but received shape [*, 4]');
    expect(t([{ type: 'flatten' }], { inputShape: [4] })).toThrow('Expected input of rank >= 2 for layers[0] (flatten) but received shape [4]');
    expect(t([], {})).toThrow('Expected non-empty array of positive integers or null for options.inputShape but received undefined');
    expect(t([], { inputShape: [null, 0] })).toThrow('Expected non-empty array of positive integers or null for options.inputShape but received [null, 0]');
    expect(t([], { inputShape: [2], opset: 13 })).toThrow('Expected integer in [17, 21] for options.opset but received 13 of type number');
    expect(t([], { inputShape: [2], outputName: 'input' })).toThrow('Expected name different from options.inputName for options.outputName but received "input" of type string');
    expect(t([], { inputShape: [2], inputName: '' })).toThrow('Expected non-empty string for options.inputName but received "" of type string');
  });

  it('our protobuf encoder writes the same bytes as the official schema compiled by protobufjs (onnx-proto)', () => {
    const r = rng(29);
    // every attribute kind (negative int, float, string), dynamic and fixed dims, int64 input, optional fields
    const cases: [OnnxLayer[], OnnxExportOptions][] = [
      [[linear(5, 4, r), { type: 'logSoftmax' }, { type: 'leakyRelu', alpha: 0.3 }, layerNorm(4, r), { type: 'gelu' }],
        { inputShape: [null, 5], opset: 20, producerVersion: '1.2.3' }],
      [[{ type: 'embedding', numEmbeddings: 9, dim: 3, weight: randn(27, r) }, { type: 'flatten' }, linear(12, 2, r, false), batchNorm(2, r)],
        { inputShape: [null, 4], inputName: 'ids', outputName: 'out' }],
      [[linear(3, 3, r), { type: 'gelu' }, { type: 'selu' }], { inputShape: [2, null, 3] }],
      [[], { inputShape: [1] }],
    ];
    for (const [layers, opts] of cases) {
      const model = buildOnnxModel(layers, opts);
      const official = onnx.ModelProto.encode(onnx.ModelProto.create(model as unknown as onnx.IModelProto)).finish();
      expect(Buffer.from(encodeOnnx(layers, opts)).equals(Buffer.from(official))).toBe(true);
    }
  });

  it('ProtoWriter: varints past 2^31 and 2^53-1, negative int64 (10 bytes), floats, nested messages', () => {
    const inner = new ProtoWriter().int(1, 2 ** 40).string(2, 'héllo');
    const w = new ProtoWriter().int(1, 300).int(3, -1).int(4, Number.MAX_SAFE_INTEGER).float(5, 0.1).message(7, inner)
      .packedInts(9, [0, 127, 128, -2]).packedInts(10, []);
    expect(Array.from(w.finish())).toEqual([
      0x08, 0xac, 0x02,                                                          // 1: 300
      0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,          // 3: -1
      0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f,                      // 4: 2^53 - 1
      0x2d, ...new Uint8Array(Float32Array.of(0.1).buffer),                      // 5: 0.1f
      0x3a, 15, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x12, 6, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, // 7: { 2^40, "héllo" }
      0x4a, 14, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // 9: packed
    ]);
    expect(() => new ProtoWriter().int(1, 0.5)).toThrow('protobuf varint: expected a safe integer but received 0.5');
  });
});

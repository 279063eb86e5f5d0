// ONNX export of MultiheadAttention (self-attention), TransformerEncoderLayer (pre/post-LN,
// ReLU/GELU, batch-first or not) and GPTBlock (causal) as MatMul / Softmax subgraphs: run in
// onnxruntime-node, the outputs must match nodegrad's within 1e-5.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import * as ng from '../../lib';
import { encodeOnnx } from '../../lib/io/onnx';
import { onnxLayers } from '../../lib/io/onnx-layers';
import { tempDir } from './util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');
const { nn } = ng;

async function compare(model: ng.nn.Module, x: ng.Tensor, inputShape: (number | null)[], opset?: number): Promise<number> {
  model.eval();
  const want = ng.noGrad(() => {
    const out = model.forward(x, ...(model instanceof nn.MultiheadAttention ? [x, x, { needWeights: false }] : []));
    return Array.isArray(out) ? out[0] : out;
  }) as ng.Tensor;
  const bytes = encodeOnnx(onnxLayers(model), { inputShape, opset });
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.data as Float32Array), x.shape) });
  const got = out[session.outputNames[0]];
  expect(Array.from(got.dims as number[])).toEqual(want.shape);
  let maxDiff = 0;
  const w = want.data as Float32Array;
  (got.data as Float32Array).forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - w[i])); });
  expect(maxDiff).toBeLessThanOrEqual(1e-5);
  return maxDiff;
}

describe('ONNX export of attention layers (onnxruntime-node within 1e-5)', () => {
  it('MultiheadAttention self-attention, batch first and sequence first, with and without bias', async () => {
    ng.setSeed(1);
    await compare(new nn.MultiheadAttention(12, 3, { batchFirst: true }), ng.randn([2, 7, 12]), [null, null, 12]);
    await compare(new nn.MultiheadAttention(8, 2, { bias: false }), ng.randn([5, 3, 8]), [null, null, 8]);
  });

  it('TransformerEncoderLayer: post-LN ReLU and pre-LN GELU (opsets 17 and 20)', async () => {
    ng.setSeed(2);
    const post = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    await compare(post, ng.randn([3, 6, 8]), [null, null, 8]);
    const pre = new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 12, activation: 'gelu', normFirst: true });
    await compare(pre, ng.randn([6, 2, 8]), [null, null, 8]);
    await compare(pre, ng.randn([6, 2, 8]), [null, null, 8], 20);
  });

  it('GPTBlock (causal mask as a constant) for a fixed sequence length; dynamic length is refused', async () => {
    ng.setSeed(3);
    const blk = new nn.GPTBlock(16, 4);
    await compare(blk, ng.randn([2, 9, 16]), [null, 9, 16]);
    expect(() => onnxLayers(blk) && encodeOnnx(onnxLayers(blk), { inputShape: [null, null, 16] }))
      .toThrow('Expected a fixed sequence length in inputShape (the causal mask is a constant) for layers[0] (attention) but received shape [*, *, 16]');
    expect(() => encodeOnnx(onnxLayers(blk), { inputShape: [null, 9, 12] }))
      .toThrow('Expected input of rank 3 with last dimension 16 for layers[0] (attention) but received shape [*, 9, 12]');
  });

  describe('exportOnnx', () => {
    let tmp: { dir: string; cleanup: () => void };
    beforeAll(() => { tmp = tempDir(); });
    afterAll(() => tmp.cleanup());
    it('writes a TransformerEncoderLayer that onnxruntime loads from its path; kdim != embedDim is refused', async () => {
      ng.setSeed(4);
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 8, batchFirst: true });
      const file = path.join(tmp.dir, 'encoder.onnx');
      await ng.io.exportOnnx(layer, file, { inputShape: [null, null, 8] });
      const session = await ort.InferenceSession.create(file);
      const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * 3 * 8).fill(0.5), [2, 3, 8]) });
      expect(Array.from(out.output.dims as number[])).toEqual([2, 3, 8]);
      expect(() => onnxLayers(new nn.MultiheadAttention(8, 2, { kdim: 4 })))
        .toThrow('Expected a layer ONNX export supports for layers[0] but received MultiheadAttention');
    });
  });
});

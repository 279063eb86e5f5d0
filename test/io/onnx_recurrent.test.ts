// ONNX export of the recurrent layers (LSTM, GRU, RNN tanh / relu) as ONNX LSTM / GRU / RNN ops (gate
// order converted: ONNX LSTM i,o,f,c vs PyTorch i,f,g,o; GRU z,r,h with linear_before_reset),
// run by onnxruntime-node and compared with nodegrad's forward (itself checked against PyTorch
// in test/nn/recurrent.test.ts) within 1e-5.
import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { onnxLayers } from '../../lib/io/onnx-layers';
import { encodeOnnx } from '../../lib/io/onnx';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ort = require('onnxruntime-node');

async function runOrt(bytes: Uint8Array, x: ng.Tensor): Promise<{ dims: number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.data as Float32Array), x.shape) });
  const y = out[session.outputNames[0]];
  return { dims: Array.from(y.dims as number[]), data: y.data as Float32Array };
}

async function check(model: ng.nn.Module, x: ng.Tensor, inputShape: (number | null)[]): Promise<void> {
  model.eval();
  const want = ng.noGrad(() => model.forward(x));
  const y = (Array.isArray(want) ? want[0] : want) as ng.Tensor;
  const got = await runOrt(encodeOnnx(onnxLayers(model), { inputShape }), x);
  expect(got.dims).toEqual(y.shape);
  let worst = 0;
  const w = y.data as Float32Array;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - w[i]));
  expect(worst).toBeLessThanOrEqual(1e-5);
}

describe('recurrent layers exported to ONNX match onnxruntime', () => {
  ng.setSeed(11);
  const cases: [string, () => ng.nn.Module, number[], (number | null)[]][] = [
    ['LSTM 1 layer', () => new ng.nn.LSTM(5, 7), [6, 3, 5], [6, null, 5]],
    ['LSTM 2 layers bidirectional batchFirst', () => new ng.nn.LSTM(5, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
      [3, 6, 5], [null, 6, 5]],
    ['LSTM without bias, T = 1, hidden 1', () => new ng.nn.LSTM(3, 1, { bias: false }), [1, 2, 3], [1, null, 3]],
    ['GRU 1 layer', () => new ng.nn.GRU(5, 7), [6, 3, 5], [6, null, 5]],
    ['GRU 3 layers bidirectional', () => new ng.nn.GRU(4, 17, { numLayers: 3, bidirectional: true, dropout: 0.3 }), [5, 2, 4], [null, null, 4]],
    ['GRU batchFirst without bias', () => new ng.nn.GRU(4, 3, { batchFirst: true, bias: false }), [2, 5, 4], [null, 5, 4]],
    ['RNN tanh 2 layers bidirectional', () => new ng.nn.RNN(4, 6, { numLayers: 2, bidirectional: true }), [5, 3, 4], [5, null, 4]],
    ['RNN relu 1 layer', () => new ng.nn.RNN(5, 7, { nonlinearity: 'relu' }), [6, 3, 5], [6, null, 5]],
    ['RNN relu 2 layers bidirectional batchFirst', () => new ng.nn.RNN(4, 6, { nonlinearity: 'relu', numLayers: 2, bidirectional: true,
      batchFirst: true }), [3, 5, 4], [null, 5, 4]],
    ['Sequential(LSTM, Linear) on the output sequence', () => new ng.nn.Sequential(new ng.nn.LSTM(4, 8, { batchFirst: true }),
      new ng.nn.Linear(8, 2)), [3, 5, 4], [null, 5, 4]],
  ];
  for (const [name, make, shape, inputShape] of cases) {
    it(name, async () => {
      const m = make();
      await check(m, ng.randn(shape), inputShape);
      m.dispose();
    });
  }

  it('a dynamic sequence length runs with other lengths', async () => {
    const m = new ng.nn.GRU(3, 4).eval();
    const bytes = encodeOnnx(onnxLayers(m), { inputShape: [null, null, 3] });
    for (const T of [1, 9]) {
      const x = ng.randn([T, 2, 3]);
      const got = await runOrt(bytes, x);
      const want = m.forward(x)[0].data as Float32Array;
      expect(got.dims).toEqual([T, 2, 4]);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got.data[i] - want[i])).toBeLessThanOrEqual(1e-5);
    }
  });

  it('RNN relu: the exported op says Relu for each direction, and relu outputs really hit 0', () => {
    const m = new ng.nn.RNN(3, 8, { nonlinearity: 'relu', bidirectional: true });
    const bytes = encodeOnnx(onnxLayers(m), { inputShape: [4, 2, 3] });
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.split('Relu').length - 1).toBe(2);
    const y = m.forward(ng.randn([4, 2, 3]))[0].data as Float32Array;
    expect(Array.from(y).some((v) => v === 0)).toBe(true);  // the case would pass with tanh otherwise
    m.dispose();
  });

  it('an LSTM with projSize has no ONNX mapping (ONNX LSTM has no projection): the error names projSize', () => {
    expect(() => onnxLayers(new ng.nn.LSTM(3, 4, { projSize: 2 })))
      .toThrow('Expected an LSTM without projSize (ONNX LSTM has no projection) for projSize but received 2');
  });

  it('rejects weights of the wrong size and a wrong input shape', () => {
    const layer = onnxLayers(new ng.nn.LSTM(3, 2))[0] as { layers: { W: Float32Array }[] };
    expect(() => encodeOnnx([{ ...layer, layers: [{ ...layer.layers[0], W: new Float32Array(5) }] } as never], { inputShape: [4, 2, 3] }))
      .toThrow('Expected Float32Array of length 24 (directions x gates*hiddenSize x input) for layers[0].layers[0].W');
    expect(() => encodeOnnx(onnxLayers(new ng.nn.LSTM(3, 2)), { inputShape: [4, 3] }))
      .toThrow('Expected input of rank 3 with last dimension 3 for layers[0] (recurrent) but received shape [4, 3]');
  });
});

// Recurrent layers (lib/nn/recurrent.ts): PyTorch agreement (test/fixtures/torch/recurrent.json,
// written by test/fixtures/gen_torch_recurrent.py: outputs, final states and every gradient with
// the same weights), parameter names / init, config and safetensors round trips, variable
// lengths, dropout between layers, and bad input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import type { Tensor } from '../../lib';
import { loadFixture, type FixtureFile, type FloatTensor, type IntTensor } from '../fixtures/fixtures';
import { expectClose } from '../helpers/kernels';

interface RecurrentCase {
  name: string;
  op: 'LSTM' | 'GRU' | 'RNN' | 'LSTMCell' | 'GRUCell' | 'RNNCell';
  attrs: { inputSize: number; hiddenSize: number; numLayers?: number; bias?: boolean; batchFirst?: boolean;
    bidirectional?: boolean; nonlinearity?: 'tanh' | 'relu'; projSize?: number };
  inputs: Record<string, FloatTensor | IntTensor>;
  outputs: Record<string, FloatTensor>;
  gradOutputs: Record<string, FloatTensor>;
  grads: Record<string, FloatTensor>;
}

const fixture = loadFixture('recurrent') as unknown as FixtureFile<RecurrentCase>;
const t = (f: FloatTensor | IntTensor): Tensor => ng.fromArray(Float32Array.from(f.data), f.shape);
const leaf = (f: FloatTensor): Tensor => {
  const x = t(f);
  x.requiresGrad = true;
  return x;
};

function build(c: RecurrentCase): ng.nn.Module {
  const a = c.attrs;
  switch (c.op) {
    case 'LSTM': return new ng.nn.LSTM(a.inputSize, a.hiddenSize, a);
    case 'GRU': return new ng.nn.GRU(a.inputSize, a.hiddenSize, a);
    case 'RNN': return new ng.nn.RNN(a.inputSize, a.hiddenSize, a);
    case 'LSTMCell': return new ng.nn.LSTMCell(a.inputSize, a.hiddenSize, a);
    case 'GRUCell': return new ng.nn.GRUCell(a.inputSize, a.hiddenSize, a);
    default: return new ng.nn.RNNCell(a.inputSize, a.hiddenSize, a);
  }
}

describe('recurrent layers agree with PyTorch', () => {
  expect(fixture.cases.length).toBeGreaterThan(30);
  for (const c of fixture.cases.filter((k) => k.op !== ('LSTMFile' as string))) {
    it(c.name, () => {
      ng.tidy(() => {
        const m = build(c);
        const state: Record<string, { shape: number[]; data: ArrayLike<number> }> = {};
        for (const [k] of m.namedParameters()) state[k] = c.inputs[k];
        m.loadStateDict(state);  // PyTorch's parameter names, strict
        const x = leaf(c.inputs.x as FloatTensor);
        const h0 = c.inputs.h0 ? leaf(c.inputs.h0 as FloatTensor) : null;
        const c0 = c.inputs.c0 ? leaf(c.inputs.c0 as FloatTensor) : null;
        const opts = c.inputs.lengths ? { lengths: (c.inputs.lengths as IntTensor).data } : undefined;
        const outs: Record<string, Tensor> = {};
        if (m instanceof ng.nn.LSTM) {
          const [y, [hN, cN]] = m.forward(x, h0 && c0 ? [h0, c0] : null, opts);
          Object.assign(outs, { output: y, hN, cN });
        } else if (m instanceof ng.nn.GRU || m instanceof ng.nn.RNN) {
          const [y, hN] = m.forward(x, h0, opts);
          Object.assign(outs, { output: y, hN });
        } else if (m instanceof ng.nn.LSTMCell) {
          const [h, cc] = m.forward(x, h0 && c0 ? [h0, c0] : null);
          Object.assign(outs, { hN: h, cN: cc });
        } else {
          outs.hN = (m as ng.nn.GRUCell).forward(x, h0);
        }
        expect(Object.keys(outs).sort()).toEqual(Object.keys(c.outputs).sort());
        let loss: Tensor | null = null;
        for (const [k, v] of Object.entries(outs)) {
          expect(v.shape, k).toEqual(c.outputs[k].shape);
          expectClose(v.data as Float32Array, c.outputs[k].data, 1e-5, 1e-5, `${c.name} ${k}`);
          const term = ng.sum(ng.mul(v, t(c.gradOutputs[k])));
          loss = loss ? ng.add(loss, term) : term;
        }
        loss!.backward();
        const grads: Record<string, Tensor | null> = { x: x.grad, h0: h0?.grad ?? null, c0: c0?.grad ?? null };
        for (const [k, p] of m.namedParameters()) grads[k] = p.grad;
        for (const [k, want] of Object.entries(c.grads)) {
          const g = grads[k];
          expect(g, `gradient of ${k}`).toBeTruthy();
          expectClose(g!.data as Float32Array, want.data, 1e-4, 2e-5, `${c.name} d${k}`);
        }
        m.dispose();
      });
    });
  }
});

describe('recurrent layer API', () => {
  it('loads a PyTorch LSTM state_dict saved with safetensors (ng.io.loadStateDict) and matches its output', async () => {
    const c = fixture.cases.find((k) => k.name === 'pytorch_lstm_file')!;
    const a = c.attrs as RecurrentCase['attrs'] & { file: string };
    const m = new ng.nn.LSTM(a.inputSize, a.hiddenSize, a);
    await ng.io.loadStateDict(m, path.join(__dirname, '..', 'fixtures', a.file));
    const [y, [hN, cN]] = m.forward(t(c.inputs.x));
    expectClose(y.data as Float32Array, c.outputs.output.data, 1e-5, 1e-6, 'output');
    expectClose(hN.data as Float32Array, c.outputs.hN.data, 1e-5, 1e-6, 'hN');
    expectClose(cN.data as Float32Array, c.outputs.cN.data, 1e-5, 1e-6, 'cN');
    m.dispose();
  });

  it('uses PyTorch parameter names, shapes and U(-1/sqrt(H), 1/sqrt(H)) init', () => {
    const m = new ng.nn.GRU(5, 4, { numLayers: 2, bidirectional: true });
    const names = m.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`);
    expect(names).toEqual([
      'weight_ih_l0:12x5', 'weight_hh_l0:12x4', 'bias_ih_l0:12', 'bias_hh_l0:12',
      'weight_ih_l0_reverse:12x5', 'weight_hh_l0_reverse:12x4', 'bias_ih_l0_reverse:12', 'bias_hh_l0_reverse:12',
      'weight_ih_l1:12x8', 'weight_hh_l1:12x4', 'bias_ih_l1:12', 'bias_hh_l1:12',
      'weight_ih_l1_reverse:12x8', 'weight_hh_l1_reverse:12x4', 'bias_ih_l1_reverse:12', 'bias_hh_l1_reverse:12',
    ]);
    let lo = Infinity, hi = -Infinity;
    for (const p of m.parameters()) for (const v of p.data as Float32Array) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeGreaterThanOrEqual(-0.5);
    expect(hi).toBeLessThanOrEqual(0.5);
    expect(hi - lo).toBeGreaterThan(0.9);
    expect(new ng.nn.LSTMCell(3, 2, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight_ih', 'weight_hh']);
    m.dispose();
  });

  it('LSTM projSize: PyTorch names and shapes (weight_hr), state and output sizes', () => {
    ng.tidy(() => {
      const m = new ng.nn.LSTM(5, 6, { numLayers: 2, bidirectional: true, projSize: 2 });
      expect(m.namedParameters().filter(([n]) => n.endsWith('_l1_reverse')).map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
        'weight_ih_l1_reverse:24x4', 'weight_hh_l1_reverse:24x2', 'bias_ih_l1_reverse:24', 'bias_hh_l1_reverse:24',
        'weight_hr_l1_reverse:2x6',
      ]);
      expect(m.namedParameters().map(([n]) => n)).toContain('weight_hr_l0');
      const [y, [hN, cN]] = m.forward(ng.randn([4, 3, 5]), [ng.zeros([4, 3, 2]), ng.zeros([4, 3, 6])]);
      expect([y.shape, hN.shape, cN.shape]).toEqual([[4, 3, 4], [4, 3, 2], [4, 3, 6]]);
      expect(m.toString()).toContain('projSize=2');
      m.dispose();
    });
  });

  it('rebuilds from its config and round-trips through safetensors (ng.io.save / load)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-rnn-'));
    try {
      for (const m of [new ng.nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true, dropout: 0.25 }),
        new ng.nn.RNN(3, 2, { nonlinearity: 'relu', bias: false }), new ng.nn.GRUCell(3, 5),
        new ng.nn.LSTM(3, 4, { projSize: 3, bidirectional: true })]) {
        const file = path.join(dir, 'm.safetensors');
        await ng.io.save(m, file);
        const back = await ng.io.load(file);
        expect(back.getConfig()).toEqual(m.getConfig());
        expect(back.constructor).toBe(m.constructor);
        const a = m.stateDict();
        const b = back.stateDict();
        expect(Object.keys(b)).toEqual(Object.keys(a));
        for (const k of Object.keys(a)) expect(Array.from(b[k].data)).toEqual(Array.from(a[k].data));
        const x = ng.randn([3, 3, 3]);
        m.eval();
        const ya = m instanceof ng.nn.GRUCell ? m.forward(x.reshape([9, 3])) : (m as ng.nn.LSTM).forward(x)[0];
        const yb = m instanceof ng.nn.GRUCell ? back.forward(x.reshape([9, 3])) : back.forward(x)[0];
        expect(Array.from(yb.data)).toEqual(Array.from(ya.data));
        m.dispose();
        back.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a packed batch equals running each sequence alone on its valid steps (both directions)', () => {
    ng.tidy(() => {
      const m = new ng.nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
      const x = ng.randn([3, 5, 3]);
      const lengths = [2, 5, 3];
      const [y, [hN, cN]] = m.forward(x, null, { lengths });
      // the same lengths as an int32 tensor or a typed array
      for (const l of [ng.fromArray(Int32Array.from(lengths), [3]), Int32Array.from(lengths)]) {
        expect(Array.from(m.forward(x, null, { lengths: l })[0].data)).toEqual(Array.from(y.data));
      }
      for (let b = 0; b < 3; b++) {
        const L = lengths[b];
        const xb = ng.slice(ng.slice(x, b, b + 1, 0), 0, L, 1);
        const [yb, [hb, cb]] = m.forward(xb);
        const row = ng.slice(y, b, b + 1, 0);
        expectClose(ng.slice(row, 0, L, 1).data as Float32Array, yb.data as Float32Array, 1e-6, 1e-7, 'output');
        expect(Array.from(ng.slice(row, L, 5, 1).data).every((v) => v === 0)).toBe(true);
        expectClose(ng.slice(hN, b, b + 1, 1).data as Float32Array, hb.data as Float32Array, 1e-6, 1e-7, 'hN');
        expectClose(ng.slice(cN, b, b + 1, 1).data as Float32Array, cb.data as Float32Array, 1e-6, 1e-7, 'cN');
      }
      m.dispose();
    });
  });

  it('a prefix mask [batch, seq] equals the lengths it encodes (any batchFirst, tensors or arrays, unbatched)', () => {
    ng.tidy(() => {
      for (const batchFirst of [false, true]) {
        const m = new ng.nn.GRU(3, 4, { bidirectional: true, batchFirst });
        const x = batchFirst ? ng.randn([3, 5, 3]) : ng.randn([5, 3, 3]);
        const lengths = [2, 5, 3];
        const rows = lengths.map((L) => Array.from({ length: 5 }, (_, t) => t < L));
        const [y, hN] = m.forward(x, null, { lengths });
        const flat = rows.flat().map(Number);
        for (const mask of [rows, rows.map((r) => r.map(Number)), ng.fromArray(Float32Array.from(flat), [3, 5]),
          ng.fromArray(Int32Array.from(flat), [3, 5])]) {
          const [ym, hm] = m.forward(x, null, { mask });
          expect(Array.from(ym.data)).toEqual(Array.from(y.data));
          expect(Array.from(hm.data)).toEqual(Array.from(hN.data));
        }
        m.dispose();
      }
      const u = new ng.nn.LSTM(3, 2);
      const xu = ng.randn([4, 3]);
      const [yu] = u.forward(xu, null, { mask: [1, 1, 0, 0] });
      expect(Array.from(yu.data)).toEqual(Array.from(u.forward(xu, null, { lengths: [2] })[0].data));
      u.dispose();
    });
  });

  it('applies dropout between layers only while training', () => {
    ng.tidy(() => {
      ng.setSeed(1);
      const m = new ng.nn.GRU(4, 6, { numLayers: 2, dropout: 0.5 });
      const x = ng.randn([5, 2, 4]);
      const a = m.forward(x)[0].data.slice();
      const b = m.forward(x)[0].data.slice();
      expect(Array.from(a)).not.toEqual(Array.from(b));
      m.eval();
      const c = m.forward(x)[0].data.slice();
      expect(Array.from(m.forward(x)[0].data)).toEqual(Array.from(c));
      const plain = new ng.nn.GRU(4, 6, { numLayers: 2 });
      plain.loadStateDict(m.stateDict());
      expect(Array.from(plain.forward(x)[0].data)).toEqual(Array.from(c));
      m.dispose();
      plain.dispose();
    });
  });

  it('trains: an LSTM learns to sum a sequence', () => {
    ng.setSeed(7);
    const lstm = new ng.nn.LSTM(1, 8, { batchFirst: true });
    const head = new ng.nn.Linear(8, 1);
    const opt = new ng.optim.Adam([...lstm.parameters(), ...head.parameters()], { lr: 0.02 });
    let first = 0, last = 0;
    for (let step = 0; step < 150; step++) {
      ng.tidy(() => {
        const x = ng.rand([16, 6, 1], { low: -1, high: 1 });
        const y = ng.sum(x, 1);
        const [, [hN]] = lstm.forward(x);
        const pred = head.forward(ng.reshape(hN, [16, 8]));
        const loss = ng.losses.mse(pred, y);
        if (step === 0) first = loss.item();
        last = loss.item();
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    expect(last).toBeLessThan(first * 0.1);
    lstm.dispose();
    head.dispose();
  });
});

describe('recurrent layers: bad input', () => {
  const m = new ng.nn.LSTM(3, 4, { numLayers: 2 });
  const x = ng.randn([5, 2, 3]);
  it('constructor arguments', () => {
    expect(() => new ng.nn.LSTM(3, 0)).toThrow('Expected positive integer for hiddenSize but received 0');
    expect(() => new ng.nn.GRU(2.5, 3)).toThrow(/for inputSize but received 2.5/);
    expect(() => new ng.nn.RNN(3, 3, { numLayers: 0 })).toThrow(/for numLayers but received 0/);
    expect(() => new ng.nn.RNN(3, 3, { dropout: 1 })).toThrow(/for dropout but received 1/);
    expect(() => new ng.nn.RNN(3, 3, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/for nonlinearity but received/);
    expect(() => new ng.nn.GRUCell(3, -1)).toThrow(/for hiddenSize but received -1/);
  });
  it('input rank and feature size', () => {
    expect(() => m.forward(ng.randn([5, 2, 4]))).toThrow('Expected shape [*, *, 3] for input but received [5, 2, 4]');
    expect(() => m.forward(ng.randn([5, 2, 3, 1]))).toThrow(/for input but received \[5, 2, 3, 1\]/);
    expect(() => m.forward('x' as unknown as Tensor)).toThrow(/for input/);
    expect(() => new ng.nn.GRUCell(3, 2).forward(ng.randn([2, 4]))).toThrow('Expected shape [*, 3] for input but received [2, 4]');
  });
  it('initial state shapes', () => {
    expect(() => m.forward(x, [ng.zeros([1, 2, 4]), ng.zeros([2, 2, 4])])).toThrow('Expected shape [2, 2, 4] for h0 but received [1, 2, 4]');
    expect(() => m.forward(x, [ng.zeros([2, 2, 4]), ng.zeros([2, 3, 4])])).toThrow('Expected shape [2, 2, 4] for c0 but received [2, 3, 4]');
    expect(() => m.forward(x, ng.zeros([2, 2, 4]) as unknown as [Tensor, Tensor])).toThrow(/for hx/);
    expect(() => new ng.nn.GRU(3, 4).forward(x, ng.zeros([1, 2, 5]))).toThrow('Expected shape [1, 2, 4] for h0 but received [1, 2, 5]');
  });
  it('projSize: LSTM only, an integer below hiddenSize; state shapes follow it', () => {
    expect(() => new ng.nn.LSTM(3, 4, { projSize: 4 })).toThrow('Expected integer in [0, 3] (below hiddenSize) for projSize but received 4 of type number');
    expect(() => new ng.nn.LSTM(3, 4, { projSize: 1.5 })).toThrow('Expected non-negative integer for projSize but received 1.5 of type number');
    expect(() => new ng.nn.LSTM(3, 4, { projSize: -1 })).toThrow(/for projSize but received -1/);
    expect(() => new ng.nn.GRU(3, 4, { projSize: 2 } as ng.nn.RNNOptions)).toThrow('Expected no projSize (projections are LSTM only) for projSize but received 2 of type number');
    const p = new ng.nn.LSTM(3, 4, { projSize: 2 });
    expect(() => p.forward(x, [ng.zeros([1, 2, 4]), ng.zeros([1, 2, 4])])).toThrow('Expected shape [1, 2, 2] for h0 but received [1, 2, 4]');
    expect(() => p.forward(x, [ng.zeros([1, 2, 2]), ng.zeros([1, 2, 2])])).toThrow('Expected shape [1, 2, 4] for c0 but received [1, 2, 2]');
    p.dispose();
  });
  it('lengths out of range, wrong count or not integers (unsorted is fine)', () => {
    expect(() => m.forward(x, null, { lengths: [6, 1] })).toThrow('Expected integer in [1, 5] (the sequence length) for lengths[0] but received 6');
    expect(() => m.forward(x, null, { lengths: [0, 1] })).toThrow(/for lengths\[0\] but received 0/);
    expect(() => m.forward(x, null, { lengths: [2, 1.5] })).toThrow(/for lengths\[1\] but received 1.5/);
    expect(() => m.forward(x, null, { lengths: [2] })).toThrow('Expected 2 lengths (one per sequence of the batch) for lengths but received 1');
    expect(() => m.forward(x, null, { lengths: 3 as unknown as number[] })).toThrow(/for lengths but received/);
    expect(m.forward(x, null, { lengths: [2, 5] })[0].shape).toEqual([5, 2, 4]);
  });
});

describe('recurrent layers: bad masks', () => {
  const m = new ng.nn.GRU(3, 4, { batchFirst: true });
  const x = ng.randn([2, 3, 3]);
  it('names the argument, expected vs got', () => {
    expect(() => m.forward(x, null, { mask: ng.ones([3, 2]) })).toThrow('Expected shape [2, 3] (batch, seq) for mask but received [3, 2]');
    expect(() => m.forward(x, null, { mask: [[1, 1, 1]] })).toThrow('Expected shape [2, 3] (batch, seq) for mask but received 1 rows');
    expect(() => m.forward(x, null, { mask: [[1, 1, 1], [1, 1]] })).toThrow('Expected shape [2, 3] (batch, seq) for mask but received 2 entries in mask[1]');
    expect(() => m.forward(x, null, { mask: [[1, 0, 1], [1, 1, 1]] })).toThrow('Expected a prefix mask (valid steps first, then padding) for mask[0] but received a valid step at 2 after padding at 1');
    expect(() => m.forward(x, null, { mask: [[1, 1, 1], [0, 0, 0]] })).toThrow('Expected at least one valid step for mask[1] but received no valid step');
    expect(() => m.forward(x, null, { mask: [[1, 0.5, 0], [1, 1, 1]] })).toThrow('Expected boolean or 0 / 1 for mask[0][1] but received 0.5 of type number');
    expect(() => m.forward(x, null, { mask: [[1, 1, 1], [1, 1, 1]], lengths: [3, 3] })).toThrow('Expected either lengths or mask, not both for options but received both');
    expect(() => m.forward(x, null, { mask: 'all' as unknown as number[] })).toThrow(/for mask but received "all" of type string/);
    expect(() => m.forward(x, null, { mask: [1, 1] as unknown as number[][] })).toThrow(/for mask\[0\] but received 1 of type number/);
    expect(() => new ng.nn.RNN(3, 2).forward(ng.randn([3, 3]), null, { mask: [1, 1] })).toThrow('Expected shape [3] (seq) for mask but received 2 entries');
  });
});

describe('ng.rnnLayer (functional): bad input', () => {
  const w = (G: number, H: number, I: number) => ({ weightIh: ng.zeros([G * H, I]), weightHh: ng.zeros([G * H, H]), biasIh: null, biasHh: null });
  const x = ng.randn([4, 2, 3]);
  it('names the argument, expected vs got', () => {
    expect(() => ng.rnnLayer('lstm', x, [w(4, 5, 3)], null, null, null)).not.toThrow();
    expect(() => ng.rnnLayer('lstn' as 'lstm', x, [w(4, 5, 3)], null, null, null)).toThrow(/for mode but received/);
    expect(() => ng.rnnLayer('lstm', x, [w(4, 5, 2)], null, null, null)).toThrow('Expected shape [20, 3] for weights[0].weightIh but received [20, 2]');
    expect(() => ng.rnnLayer('gru', x, [w(3, 5, 3), w(4, 5, 3)], null, null, null)).toThrow('Expected shape [15, 3] for weights[1].weightIh but received [20, 3]');
    expect(() => ng.rnnLayer('gru', x, [], null, null, null)).toThrow(/for weights but received/);
    expect(() => ng.rnnLayer('rnnTanh', x, [w(1, 5, 3)], ng.zeros([1, 2, 4]), null, null)).toThrow('Expected shape [1, 2, 5] for h0 but received [1, 2, 4]');
    expect(() => ng.rnnLayer('rnnTanh', x, [w(1, 5, 3)], null, null, Int32Array.from([1, 5]))).toThrow('Expected integer in [1, 4] for lengths[1] but received 5');
    expect(() => ng.rnnLayer('rnnTanh', x, [w(1, 5, 3)], null, null, [1, 2] as unknown as Int32Array)).toThrow(/Int32Array of 2 lengths for lengths/);
    const pw = { ...w(4, 5, 3), weightHh: ng.zeros([20, 2]), weightHr: ng.zeros([2, 5]) };
    expect(ng.rnnLayer('lstm', x, [pw], null, null, null).shape).toEqual([4 * 2 * 2 + 2 * 2 + 2 * 5]);
    expect(() => ng.rnnLayer('gru', x, [{ ...w(3, 5, 3), weightHr: ng.zeros([2, 5]) }], null, null, null)).toThrow('Expected no weightHr (projections are LSTM only) for weights[0].weightHr but received a projection on gru');
    expect(() => ng.rnnLayer('lstm', x, [{ ...pw, weightHr: ng.zeros([5, 5]) }], null, null, null)).toThrow('Expected projection size in [1, 4] (below the hidden size 5) for weights[0].weightHr but received shape [5, 5]');
    expect(() => ng.rnnLayer('lstm', x, [pw, { ...pw, weightHr: null }], null, null, null)).toThrow('Expected float32 Tensor for weights[1].weightHr but received null');
    expect(() => ng.rnnLayer('lstm', x, [pw, { ...pw, weightHr: ng.zeros([2, 4]) }], null, null, null)).toThrow('Expected shape [2, 5] for weights[1].weightHr but received [2, 4]');
  });
});

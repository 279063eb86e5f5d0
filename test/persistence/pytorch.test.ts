// PyTorch interop: a state_dict saved by PyTorch with safetensors (test/fixtures/pytorch_mlp.safetensors,
// written by test/fixtures/gen_torch.py) loads into the same architecture built in nodegrad and
// gives PyTorch's outputs; BatchNorm's torch names map to nodegrad's; mismatches are reported.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ng from '../../lib';
import { loadFixture, findCase, fixturePath, toFloat32 } from '../fixtures/fixtures';
import { tempDir, bits, evalForward, errorOf, maxAbsDiff, stateDiff, randomF32, rng } from './helpers';

const nn = ng.nn;
const FILE = path.join(__dirname, '..', 'fixtures', 'pytorch_mlp.safetensors');
let dir: string;
beforeAll(() => { dir = tempDir('torch'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

describe('PyTorch state_dict -> nodegrad', () => {
  const fx = findCase(loadFixture('pytorch_mlp_io'), 'pytorch_mlp');

  it('the fixture is the file the test reads', () => {
    expect(fixturePath(fx.attrs.file)).toBe(FILE);
    expect(fs.readFileSync(FILE).readBigUInt64LE(0)).toBe(BigInt(fx.attrs.headerLength));
  });

  it('Linear(4, 8) -> ReLU -> Linear(8, 3): weights load as-is and the outputs match PyTorch within 1e-5', async () => {
    ng.setSeed(1);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    const res = await ng.io.loadStateDict(model, FILE);
    expect(res).toEqual({ missing: [], unexpected: [] });
    // Exactly the fixture's values, in PyTorch's (out, in) layout.
    for (const [k, t] of Object.entries(fx.stateDict)) {
      const p = model.stateDict()[k];
      expect(p.shape, k).toEqual(t.shape);
      expect(bits(p.data as Float32Array), k).toEqual(bits(toFloat32(t)));
    }
    const x = ng.fromArray(toFloat32(fx.inputs.x), fx.inputs.x.shape);
    const y = evalForward(model, x);
    expect(y.shape).toEqual(fx.output.shape);
    expect(maxAbsDiff(y.data, fx.output.data)).toBeLessThan(1e-5);
    // Same in training mode (no dropout/batchnorm here), through the fused Linear+ReLU path.
    const yt = ng.noGrad(() => model.forward(x));
    expect(maxAbsDiff(yt.data as Float32Array, fx.output.data)).toBeLessThan(1e-5);
  });

  it('the loaded PyTorch weights save as a nodegrad model that loads without code and predicts the same', async () => {
    ng.setSeed(2);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    await ng.io.loadStateDict(model, FILE);
    const file = path.join(dir, 'from-torch.safetensors');
    await ng.io.save(model, file);
    const loaded = await ng.io.load(file);
    expect(stateDiff(model, loaded)).toEqual({});
    const x = ng.fromArray(toFloat32(fx.inputs.x), fx.inputs.x.shape);
    expect(maxAbsDiff(evalForward(loaded, x).data, fx.output.data)).toBeLessThan(1e-5);
  });

  it('wrong architecture: strict reports missing/unexpected keys, non-strict loads what matches, shapes always checked', async () => {
    const bigger = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3), new nn.Linear(3, 2));
    const e = await errorOf(() => ng.io.loadStateDict(bigger, FILE));
    expect(e.message).toBe('Expected state dict keys matching the model for state but received missing keys: 3.weight, 3.bias');
    const res = await ng.io.loadStateDict(bigger, FILE, { strict: false });
    expect(res).toEqual({ missing: ['3.weight', '3.bias'], unexpected: [] });
    expect(bits(bigger.stateDict()['2.bias'].data as Float32Array)).toEqual(bits(toFloat32(fx.stateDict['2.bias'])));

    const wide = new nn.Sequential(new nn.Linear(4, 9), new nn.ReLU(), new nn.Linear(9, 3));
    const e2 = await errorOf(() => ng.io.loadStateDict(wide, FILE, { strict: false }));
    expect(e2.message).toBe("Expected shape [9, 4] for state['0.weight'] but received [8, 4]");
  });

  it('BatchNorm1d: running_mean/running_var are renamed and num_batches_tracked (I64) is ignored', async () => {
    // The layout torch.save(safetensors) uses for nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).
    const r = rng(9);
    const sd = {
      '0.weight': randomF32(12, r), '0.bias': randomF32(4, r),
      '1.weight': randomF32(4, r), '1.bias': randomF32(4, r),
      '1.running_mean': randomF32(4, r), '1.running_var': randomF32(4, r, 0.5, 2),
    };
    const shapes: Record<string, number[]> = { '0.weight': [4, 3] };
    const header: Record<string, unknown> = {};
    const parts: Buffer[] = [];
    let off = 0;
    for (const [k, v] of Object.entries(sd)) {
      const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      header[k] = { dtype: 'F32', shape: shapes[k] ?? [v.length], data_offsets: [off, off + b.length] };
      parts.push(b);
      off += b.length;
    }
    const nbt = Buffer.alloc(8);
    nbt.writeBigInt64LE(17n);
    header['1.num_batches_tracked'] = { dtype: 'I64', shape: [], data_offsets: [off, off + 8] };
    parts.push(nbt);
    header.__metadata__ = { format: 'pt' };
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const file = path.join(dir, 'torch-bn.safetensors');
    fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...parts]));

    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4));
    expect(await ng.io.loadStateDict(model, file)).toEqual({ missing: [], unexpected: [] });
    const st = model.stateDict();
    expect(bits(st['1.runningMean'].data as Float32Array)).toEqual(bits(sd['1.running_mean']));
    expect(bits(st['1.runningVar'].data as Float32Array)).toEqual(bits(sd['1.running_var']));
    expect(bits(st['0.weight'].data as Float32Array)).toEqual(bits(sd['0.weight']));
  });
});

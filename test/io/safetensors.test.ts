import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  encodeSafetensors, decodeSafetensors, readSafetensors, readSafetensorsSync, writeSafetensors,
  writeSafetensorsSync, encodeSafetensorsChunks, readSafetensorsInfo, readSafetensorsInfoSync, decodeSafetensorsInfo,
  type RawTensor,
} from '../../lib/io/safetensors';
import { toF16Bits, fromF16Bits, toBf16Bits, fromBf16Bits } from '../../lib/io/half';
import { buildFile, leBytes, randn, rng, tempDir } from './util';

const f32 = (shape: number[], data: number[] | Float32Array): RawTensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });
const i32 = (shape: number[], data: number[]): RawTensor => ({ dtype: 'int32', shape, data: Int32Array.from(data) });

function header(buf: Uint8Array): Record<string, any> {
  const n = Number(Buffer.from(buf.buffer, buf.byteOffset, 8).readBigUInt64LE(0));
  return JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8'));
}

describe('safetensors round trips', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => { tmp = tempDir(); });
  afterAll(() => tmp.cleanup());

  it('F32 and I32 are bit exact, with metadata, odd names, scalars and empty tensors', () => {
    const r = rng(1);
    const tensors: Record<string, RawTensor> = {
      'layers.0.weight': { dtype: 'float32', shape: [3, 5], data: randn(15, r) },
      'layers.0.bias': f32([5], [NaN, -0, Infinity, -Infinity, 1e-45]),
      scalar: f32([], [42.5]),
      empty: f32([0, 7], []),
      steps: i32([2, 2], [-2147483648, 2147483647, 0, -1]),
      'ünïcødé 名前': i32([1], [7]),
    } as Record<string, RawTensor>;
    Object.defineProperty(tensors, '__proto__', { value: i32([1], [3]), enumerable: true });
    const meta = { format: 'pt', config: JSON.stringify({ layers: [784, 10] }), 'ключ': 'значение' };
    const buf = encodeSafetensors(tensors, meta);
    const { tensors: out, metadata } = decodeSafetensors(buf);
    expect(metadata).toEqual(meta);
    expect(Object.keys(out)).toEqual(Object.keys(tensors));
    for (const k of Object.keys(tensors)) {
      expect(out[k].dtype).toBe(tensors[k].dtype);
      expect(out[k].shape).toEqual(tensors[k].shape);
      expect(out[k].data.constructor).toBe(tensors[k].data.constructor);
      expect(Buffer.from(out[k].data.buffer, out[k].data.byteOffset, out[k].data.byteLength))
        .toEqual(Buffer.from(tensors[k].data.buffer, tensors[k].data.byteOffset, tensors[k].data.byteLength));
    }
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype); // "__proto__" stayed a plain key
    // header: padded with spaces to a multiple of 8, dtypes as the spec names them
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const h = header(buf);
    expect(h['layers.0.weight']).toEqual({ dtype: 'F32', shape: [3, 5], data_offsets: [0, 60] });
    expect(h.steps.dtype).toBe('I32');
    expect(h.__metadata__).toEqual(meta);
  });

  it('writes no __metadata__ when none is given and accepts an empty file', () => {
    const buf = encodeSafetensors({});
    expect(buf.length).toBe(16);
    expect(header(buf)).toEqual({});
    expect(decodeSafetensors(buf)).toEqual({ tensors: {}, metadata: {} });
  });

  it('F16 and BF16 storage round to nearest even and load as float32', () => {
    const r = rng(2);
    const data = randn(1000, r, 3);
    data[0] = 65520; data[1] = 1e-8; data[2] = -0; data[3] = NaN;
    for (const dtype of ['F16', 'BF16'] as const) {
      const buf = encodeSafetensors({ x: { dtype: 'float32', shape: [10, 100], data } }, undefined, { dtype });
      expect(buf.length).toBe(8 + Number(buf.readBigUInt64LE(0)) + 2000);
      expect(header(buf).x).toEqual({ dtype, shape: [10, 100], data_offsets: [0, 2000] });
      const out = decodeSafetensors(buf).tensors.x;
      expect(out.dtype).toBe('float32');
      const round = dtype === 'F16' ? (v: number) => fromF16Bits(toF16Bits(v)) : (v: number) => fromBf16Bits(toBf16Bits(v));
      const want = Array.from(data, round);
      expect(Array.from(out.data)).toEqual(want);
      expect(out.data[0]).toBe(dtype === 'F16' ? Infinity : 65536);
    }
    // int tensors stay I32 whatever the float storage type
    const buf = encodeSafetensors({ n: i32([1], [5]) }, undefined, { dtype: 'F16' });
    expect(header(buf).n.dtype).toBe('I32');
  });

  it('reads every other dtype from files written byte by byte', () => {
    const spec: [string, number[], Uint8Array, 'float32' | 'int32', number[]][] = [
      ['F64', [3], leBytes('f64', [1.5, -1e300, 0.1]), 'float32', [1.5, -Infinity, Math.fround(0.1)]],
      ['F16', [2], leBytes('u16', [0x3c00, 0xc000]), 'float32', [1, -2]],
      ['BF16', [2], leBytes('u16', [0x4049, 0x3f80]), 'float32', [3.140625, 1]],
      ['I64', [4], leBytes('i64', [-(2n ** 31n), 2n ** 31n - 1n, -1n, 0n]), 'int32', [-2147483648, 2147483647, -1, 0]],
      ['U64', [2], leBytes('u64', [0n, 2n ** 31n - 1n]), 'int32', [0, 2147483647]],
      ['I32', [2], leBytes('i32', [-5, 6]), 'int32', [-5, 6]],
      ['U32', [2], leBytes('u32', [0, 2147483647]), 'int32', [0, 2147483647]],
      ['I16', [3], leBytes('i16', [-32768, 32767, -1]), 'int32', [-32768, 32767, -1]],
      ['U16', [2], leBytes('u16', [65535, 1]), 'int32', [65535, 1]],
      ['I8', [3], leBytes('i8', [-128, 127, -1]), 'int32', [-128, 127, -1]],
      ['U8', [3], leBytes('u8', [0, 255, 7]), 'int32', [0, 255, 7]],
      ['BOOL', [4], leBytes('u8', [0, 1, 1, 0]), 'int32', [0, 1, 1, 0]],
    ];
    const hdr: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    const parts: Uint8Array[] = [];
    let off = 0;
    for (const [dtype, shape, bytes] of spec) {
      hdr[dtype] = { dtype, shape, data_offsets: [off, off + bytes.length] };
      parts.push(bytes);
      off += bytes.length;
    }
    const buf = buildFile(hdr, Buffer.concat(parts));
    const { tensors } = decodeSafetensors(buf);
    for (const [dtype, shape, , kind, values] of spec) {
      expect([dtype, tensors[dtype].dtype, tensors[dtype].shape, Array.from(tensors[dtype].data)]).toEqual([dtype, kind, shape, values]);
      expect(tensors[dtype].data).toBeInstanceOf(kind === 'float32' ? Float32Array : Int32Array);
    }
  });

  it('accepts tensors in any order in the data area, zero-size tensors and unaligned data', () => {
    // header of odd length (no padding): the F32 data starts at an odd file offset
    const data = Buffer.concat([leBytes('f32', [3, 4]), leBytes('u8', [9]), leBytes('f32', [1, 2])]);
    const buf = buildFile({
      late: { dtype: 'F32', shape: [2], data_offsets: [9, 17] },
      byte: { dtype: 'U8', shape: [1], data_offsets: [8, 9] },
      none: { dtype: 'F32', shape: [0, 3], data_offsets: [8, 8] },
      early: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
    }, data);
    const { tensors } = decodeSafetensors(buf);
    expect(Array.from(tensors.late.data)).toEqual([1, 2]);
    expect(Array.from(tensors.early.data)).toEqual([3, 4]);
    expect(Array.from(tensors.byte.data)).toEqual([9]);
    expect(tensors.none.shape).toEqual([0, 3]);
    expect(tensors.none.data.length).toBe(0);
    // a header padded with trailing spaces (as the reference writer does) is fine
    const padded = buildFile('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}      ', new Uint8Array([5]), { raw: true });
    expect(Array.from(decodeSafetensors(padded).tensors.a.data)).toEqual([5]);
  });

  it('decodes from a Buffer slice that does not start at offset 0', () => {
    const buf = encodeSafetensors({ w: f32([2], [1, 2]) });
    const big = Buffer.alloc(buf.length + 3);
    buf.copy(big, 3);
    expect(Array.from(decodeSafetensors(big.subarray(3)).tensors.w.data)).toEqual([1, 2]);
  });

  it('writes atomically and reads back from disk (async and sync)', async () => {
    const file = path.join(tmp.dir, 'model.safetensors');
    const r = rng(3);
    const tensors = { w: { dtype: 'float32', shape: [64, 33], data: randn(64 * 33, r) } as RawTensor, n: i32([3], [1, 2, 3]) };
    await writeSafetensors(file, tensors, { epoch: '3' });
    const a = await readSafetensors(file);
    const b = readSafetensorsSync(file);
    for (const got of [a, b]) {
      expect(got.metadata).toEqual({ epoch: '3' });
      expect(got.tensors.w.data).toEqual(tensors.w.data);
      expect(got.tensors.n.data).toEqual(tensors.n.data);
    }
    expect(fs.readFileSync(file)).toEqual(encodeSafetensors(tensors, { epoch: '3' }));
    writeSafetensorsSync(file, tensors, undefined, { dtype: 'BF16' });
    expect(readSafetensorsSync(file).tensors.w.data[0]).toBe(fromBf16Bits(toBf16Bits(tensors.w.data[0])));
    expect(fs.readdirSync(tmp.dir)).toEqual(['model.safetensors']); // no temp files left
  });

  it('reads the header alone (info) without the data', async () => {
    const file = path.join(tmp.dir, 'info.safetensors');
    const tensors = { w: f32([2, 3], [1, 2, 3, 4, 5, 6]), b: i32([3], [1, 2, 3]) };
    writeSafetensorsSync(file, tensors, { config: '{"a":1}' }, { dtype: 'BF16' });
    const want = {
      tensors: { w: { dtype: 'BF16', shape: [2, 3], dataOffsets: [0, 12] }, b: { dtype: 'I32', shape: [3], dataOffsets: [12, 24] } },
      metadata: { config: '{"a":1}' },
    };
    expect(readSafetensorsInfoSync(file)).toEqual(want);
    expect(await readSafetensorsInfo(file)).toEqual(want);
    expect(decodeSafetensorsInfo(fs.readFileSync(file))).toEqual(want);
    // the header is still fully validated
    const bad = fs.readFileSync(file).subarray(0, fs.statSync(file).size - 1);
    expect(() => decodeSafetensorsInfo(bad, { fileName: 'x' })).toThrow(
      'Invalid safetensors file "x": data_offsets [12, 24] of tensor "b" extend past the 23-byte data area');
  });

  it('encodes F32 data without copying it (chunks are views), or as a snapshot when asked', () => {
    const data = new Float32Array([1, 2, 3]);
    const chunks = encodeSafetensorsChunks({ w: { dtype: 'float32', shape: [3], data } });
    expect(chunks.length).toBe(2);
    expect(chunks[1].buffer).toBe(data.buffer);
    const snap = encodeSafetensorsChunks({ w: { dtype: 'float32', shape: [3], data } }, undefined, undefined, true);
    expect(snap[1].buffer).not.toBe(data.buffer);
    expect(Buffer.concat(snap)).toEqual(Buffer.concat(chunks));
  });

  it('writeSafetensors saves the values as of the call, even if they change while it writes', async () => {
    const file = path.join(tmp.dir, 'snapshot.safetensors');
    const data = new Float32Array(1 << 16).fill(1);
    const pending = writeSafetensors(file, { w: { dtype: 'float32', shape: [data.length], data } });
    data.fill(2); // training goes on
    await pending;
    expect(readSafetensorsSync(file).tensors.w.data.every((v) => v === 1)).toBe(true);
  });

  it('validates encoder arguments with the standard messages', () => {
    expect(() => encodeSafetensors(null as never)).toThrow('Expected object for tensors but received null');
    expect(() => encodeSafetensors({ w: { dtype: 'float64', shape: [1], data: new Float32Array(1) } } as never))
      .toThrow(`Expected one of 'float32', 'int32' for tensors["w"].dtype but received "float64" of type string`);
    expect(() => encodeSafetensors({ w: { dtype: 'float32', shape: [2, -1], data: new Float32Array(1) } }))
      .toThrow('Expected shape (array of non-negative integers) for tensors["w"].shape but received [2, -1] (dimension 1 is -1 of type number)');
    expect(() => encodeSafetensors({ w: { dtype: 'float32', shape: [2], data: new Int32Array(2) } }))
      .toThrow('Expected Float32Array for tensors["w"].data but received Int32Array of length 2');
    expect(() => encodeSafetensors({ w: { dtype: 'float32', shape: [2, 3], data: new Float32Array(5) } }))
      .toThrow('Expected Float32Array of length 6 (shape [2, 3]) for tensors["w"].data but received Float32Array of length 5');
    expect(() => encodeSafetensors({ __metadata__: f32([1], [1]) }))
      .toThrow('Expected tensor name other than "__metadata__" for tensors but received "__metadata__" of type string');
    expect(() => encodeSafetensors({}, { epoch: 3 } as never))
      .toThrow('Expected string for metadata["epoch"] but received 3 of type number');
    expect(() => encodeSafetensors({}, undefined, { dtype: 'F8' } as never))
      .toThrow(`Expected one of 'F32', 'F16', 'BF16' for options.dtype but received "F8" of type string`);
    expect(() => decodeSafetensors('abc' as never)).toThrow('Expected Uint8Array or Buffer for buf but received "abc" of type string');
    expect(() => decodeSafetensors(new Uint8Array(16), { maxTensors: 0 }))
      .toThrow('Expected positive integer for options.maxTensors but received 0 of type number');
  });

  // An independent reader (Python + numpy, as the reference implementation reads files) checks
  // the writer's byte layout: header length, offsets, little-endian F32/F16/BF16/I32 data.
  const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasNumpy)('files we write read correctly with Python + numpy', () => {
    const r = rng(4);
    const data = randn(37, r, 10);
    const file = path.join(tmp.dir, 'py.safetensors');
    const py = `
import json, sys, numpy as np
buf = open(sys.argv[1], 'rb').read()
n = int.from_bytes(buf[:8], 'little')
header = json.loads(buf[8:8 + n].decode('utf-8'))
meta = header.pop('__metadata__', {})
out = {'meta': meta, 'n': n, 'tensors': {}}
end = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
    s, e = info['data_offsets']
    assert s == end, (name, s, end)
    end = e
    raw = buf[8 + n + s:8 + n + e]
    dt = info['dtype']
    if dt == 'BF16':
        arr = (np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16).view(np.float32)
    else:
        arr = np.frombuffer(raw, dtype={'F32': '<f4', 'F16': '<f2', 'I32': '<i4'}[dt])
    arr = arr.reshape(info['shape'])
    out['tensors'][name] = {'dtype': dt, 'shape': list(arr.shape), 'data': [float(v) for v in arr.reshape(-1)]}
assert 8 + n + end == len(buf)
print(json.dumps(out))
`;
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      writeSafetensorsSync(file, { w: { dtype: 'float32', shape: [37], data }, idx: i32([2, 3], [1, -2, 3, -4, 5, 2147483647]) },
        { note: 'from nodegrad' }, { dtype });
      const res = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      const got = JSON.parse(res.stdout);
      expect(got.meta).toEqual({ note: 'from nodegrad' });
      expect(got.n % 8).toBe(0);
      expect(got.tensors.idx).toEqual({ dtype: 'I32', shape: [2, 3], data: [1, -2, 3, -4, 5, 2147483647] });
      const round = dtype === 'F32' ? Math.fround : dtype === 'F16' ? (v: number) => fromF16Bits(toF16Bits(v)) : (v: number) => fromBf16Bits(toBf16Bits(v));
      expect(got.tensors.w.dtype).toBe(dtype);
      expect(got.tensors.w.data).toEqual(Array.from(data, round));
    }
  });

  const fixture = path.join(__dirname, '..', 'fixtures', 'pytorch_mlp.safetensors');
  it.skipIf(!fs.existsSync(fixture))('decodes the file written by Python (test/fixtures/pytorch_mlp.safetensors)', async () => {
    const { tensors } = await readSafetensors(fixture);
    const names = Object.keys(tensors);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const t = tensors[name];
      expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      if (t.dtype === 'float32') expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    }
    // PyTorch Linear weights are (out, in); biases (out)
    for (const name of names.filter((n) => n.endsWith('.weight'))) {
      const bias = tensors[name.replace(/weight$/, 'bias')];
      if (bias && tensors[name].shape.length === 2) expect(bias.shape).toEqual([tensors[name].shape[0]]);
    }
    // the values are exactly PyTorch's state_dict as the generator recorded it
    const ioJson = path.join(__dirname, '..', 'fixtures', 'torch', 'pytorch_mlp_io.json');
    if (fs.existsSync(ioJson)) {
      const c = JSON.parse(fs.readFileSync(ioJson, 'utf8')).cases[0];
      expect(names.sort()).toEqual(Object.keys(c.stateDict).sort());
      for (const [k, v] of Object.entries(c.stateDict as Record<string, { shape: number[]; data: number[] }>)) {
        expect(tensors[k].shape).toEqual(v.shape);
        expect(Array.from(tensors[k].data)).toEqual(v.data.map(Math.fround));
      }
    }
    // re-encoding what we read and decoding it again gives the same tensors
    const again = decodeSafetensors(encodeSafetensors(tensors)).tensors;
    for (const name of names) expect(again[name].data).toEqual(tensors[name].data);
  });
});

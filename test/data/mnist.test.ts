import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { mnist, mnistIdx, readIdx, writeIdx, parseIdx, DataError } from '../../lib/data';
import { tmpDir } from './helpers';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('mnist() from the mnist package', () => {
  it('seeded split of the 10,000 digits', () => {
    const a = mnist({ trainSize: 300, testSize: 100, seed: 42 });
    const b = mnist({ trainSize: 300, testSize: 100, seed: 42, sampleShape: [1, 28, 28] });
    expect(a.train.x.shape).toEqual([300, 784]);
    expect(b.train.x.shape).toEqual([300, 1, 28, 28]);
    expect(a.test.length).toBe(100);
    expect(a.train.numClasses).toBe(10);
    expect(Array.from(a.train.y!.data)).toEqual(Array.from(b.train.y!.data));
    expect(Array.from(a.train.x.data.subarray(0, 784 * 3))).toEqual(Array.from(b.train.x.data.subarray(0, 784 * 3)));
    const x = a.train.x.data;
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < x.length; i++) { min = Math.min(min, x[i]); max = Math.max(max, x[i]); }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    // every digit shows up and labels are 0..9
    const counts = new Array(10).fill(0);
    for (const l of a.train.y!.data) counts[l]++;
    expect(counts.every((c) => c > 10)).toBe(true);
    const c = mnist({ trainSize: 300, testSize: 100, seed: 43 });
    expect(Array.from(c.train.y!.data)).not.toEqual(Array.from(a.train.y!.data));
    for (const d of [a.train, a.test, b.train, b.test, c.train, c.test]) d.dispose();
  });
  it('validates sizes', () => {
    expect(() => mnist({ trainSize: 9000, testSize: 2000 })).toThrow(
      'Expected trainSize + testSize <= 10000 for options but received 9000 + 2000 = 11000');
    expect(() => mnist({ sampleShape: [27, 28] })).toThrow('Expected sample shape of size 784 for sampleShape but received [27, 28]');
  });
});

describe('IDX files', () => {
  const images = new Uint8Array(3 * 4 * 5).map((_, i) => (i * 7) % 256);
  const imgFile = path.join(dir, 'images-idx3-ubyte');
  const lblFile = path.join(dir, 'labels-idx1-ubyte');
  fs.writeFileSync(imgFile, writeIdx({ dtype: 'uint8', shape: [3, 4, 5], data: images }));
  fs.writeFileSync(lblFile, writeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 0, 9]) }));

  it('reads ubyte images and labels (plain and gzipped)', () => {
    const raw = fs.readFileSync(imgFile);
    expect(Array.from(raw.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    expect(raw.readUInt32BE(4)).toBe(3);
    const idx = readIdx(imgFile);
    expect(idx.dtype).toBe('uint8');
    expect(idx.shape).toEqual([3, 4, 5]);
    expect(Array.from(idx.data)).toEqual(Array.from(images));
    const gz = path.join(dir, 'images.gz');
    fs.writeFileSync(gz, zlib.gzipSync(raw));
    expect(readIdx(gz).shape).toEqual([3, 4, 5]);
  });
  it('round-trips multi-byte big-endian types', () => {
    for (const [dtype, data] of [
      ['int16', Int16Array.from([-2, 300, 7, -32768])], ['int32', Int32Array.from([1, -70000, 2 ** 30, 5])],
      ['float32', Float32Array.from([1.5, -2.25, 3e10, 0])], ['float64', Float64Array.from([Math.PI, -1e-300, 2, 3])],
      ['int8', Int8Array.from([-128, 127, 0, 1])],
    ] as const) {
      const back = parseIdx(writeIdx({ dtype, shape: [2, 2], data }));
      expect(back.dtype).toBe(dtype);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });
  it('mnistIdx builds a dataset', () => {
    const ds = mnistIdx(imgFile, lblFile);
    expect(ds.x.shape).toEqual([3, 20]);
    expect(ds.x.data[1]).toBeCloseTo(7 / 255, 7);
    expect(Array.from(ds.y!.data)).toEqual([7, 0, 9]);
    ds.dispose();
    const img = mnistIdx(imgFile, lblFile, { sampleShape: [1, 4, 5], normalize: false });
    expect(img.x.shape).toEqual([3, 1, 4, 5]);
    expect(img.x.data[1]).toBe(7);
    img.dispose();
  });
  it('errors name the file', () => {
    const bad = (name: string, bytes: number[] | Uint8Array): string => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, Uint8Array.from(bytes));
      return p;
    };
    const expectErr = (fn: () => unknown, msg: string): void => {
      let err: unknown;
      try { fn(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toBe(msg);
    };
    const short = bad('short', [0, 0]);
    expectErr(() => readIdx(short), `Expected an IDX file (at least 4 bytes) for ${short} but received 2 bytes`);
    const magic = bad('magic', [0x12, 0x34, 8, 1, 0, 0, 0, 0]);
    expectErr(() => readIdx(magic), `Expected IDX magic number 0x00 0x00 <type> <rank> for ${magic} but received 0x12 0x34 0x08 0x01`);
    const type = bad('type', [0, 0, 7, 1, 0, 0, 0, 0]);
    expectErr(() => readIdx(type), `Expected IDX type code 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e for ${type} but received 0x07`);
    const trunc = bad('trunc', [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3]);
    expectErr(() => readIdx(trunc), `Expected 6 bytes of data (shape [2, 3], uint8) for ${trunc} but received 3 bytes`);
    const header = bad('header', [0, 0, 8, 3, 0, 0]);
    expectErr(() => readIdx(header), `Expected an IDX header of 16 bytes (rank 3) for ${header} but received 6 bytes`);
    const labels = bad('labels12', writeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([1, 12, 0]) }));
    expectErr(() => mnistIdx(imgFile, labels), `Expected integer label in [0, 9] for ${labels} row 2 but received 12 of type number`);
    const two = bad('labels2', writeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([1, 2]) }));
    expectErr(() => mnistIdx(imgFile, two), `Expected 3 labels (one per image in ${imgFile}) for ${two} but received 2 labels`);
    expectErr(() => mnistIdx(lblFile, lblFile), `Expected uint8 images of shape [N, rows, cols] for ${lblFile} but received uint8 data of shape [3]`);
  });
});

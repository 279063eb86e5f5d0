// The malformed safetensors corpus: each case is one distinct defect, the error code the reader
// must give, and the exact message (for a file named "bad.safetensors").
// To add a case: append { name, bytes, code, message }; safetensors-bad.test.ts runs it through
// decodeSafetensors, readSafetensorsSync and readSafetensors.
import { buildFile, leBytes } from './util';

export interface BadCase {
  name: string;
  bytes: Uint8Array;
  code: string;
  message: string;
  opts?: { maxTensors?: number };
}

const F = 'Invalid safetensors file "bad.safetensors": ';
const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
const eight = new Uint8Array(8);
const one = (info: unknown, data: Uint8Array = eight): Buffer => buildFile({ w: info }, data);
const DT = 'F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL';

function manyTensors(n: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  return buildFile(`{${parts.join(',')}}`, new Uint8Array(0), { raw: true });
}

export const badCases: BadCase[] = [
  { name: 'empty file', bytes: new Uint8Array(0), code: 'FILE_TOO_SHORT',
    message: `${F}expected at least 8 bytes (the header length) but the file has 0` },
  { name: 'file shorter than the length prefix', bytes: new Uint8Array([2, 0, 0, 0, 0]), code: 'FILE_TOO_SHORT',
    message: `${F}expected at least 8 bytes (the header length) but the file has 5` },
  { name: 'header length near 2^64', bytes: buildFile({}, eight, { headerLength: 0xffffffffffffff00n }), code: 'HEADER_TOO_LARGE',
    message: `${F}header length 18446744073709551360 exceeds the limit of 100000000 bytes` },
  { name: 'header length just over the 100 MB limit', bytes: buildFile({}, eight, { headerLength: 100_000_001 }), code: 'HEADER_TOO_LARGE',
    message: `${F}header length 100000001 exceeds the limit of 100000000 bytes` },
  { name: 'header length past the end of the file', bytes: buildFile('{}', new Uint8Array(0), { raw: true, headerLength: 40 }), code: 'HEADER_OUT_OF_BOUNDS',
    message: `${F}header length 40 exceeds the 2 bytes that follow the 8-byte length prefix` },
  { name: 'header is not UTF-8', bytes: buildFile(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), code: 'HEADER_UTF8',
    message: `${F}header is not valid UTF-8` },
  { name: 'header is truncated JSON', bytes: buildFile('{"w": {"dtype": "F32"', new Uint8Array(0), { raw: true }), code: 'HEADER_JSON',
    message: `${F}header is not valid JSON (${jsonError('{"w": {"dtype": "F32"')})` },
  { name: 'header of length zero', bytes: buildFile('', new Uint8Array(0), { raw: true }), code: 'HEADER_JSON',
    message: `${F}header is not valid JSON (${jsonError('')})` },
  { name: 'header is an array', bytes: buildFile('[1, 2]', new Uint8Array(0), { raw: true }), code: 'HEADER_NOT_OBJECT',
    message: `${F}expected the header to be a JSON object but got [1, 2]` },
  { name: 'header is null', bytes: buildFile('null', new Uint8Array(0), { raw: true }), code: 'HEADER_NOT_OBJECT',
    message: `${F}expected the header to be a JSON object but got null` },
  { name: 'duplicate tensor name', bytes: buildFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight, { raw: true }), code: 'DUPLICATE_KEY',
    message: `${F}key "w" appears more than once in the header` },
  { name: 'duplicate field in a tensor entry', bytes: buildFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"dtype":"I32"}}', eight, { raw: true }), code: 'DUPLICATE_KEY',
    message: `${F}key "dtype" appears more than once in the object under "w"` },
  { name: 'more tensors than maxTensors', bytes: manyTensors(3), opts: { maxTensors: 2 }, code: 'TOO_MANY_TENSORS',
    message: `${F}header lists 3 tensors but at most 2 are allowed (maxTensors)` },
  { name: 'more tensors than the default limit', bytes: manyTensors(100_001), code: 'TOO_MANY_TENSORS',
    message: `${F}header lists 100001 tensors but at most 100000 are allowed (maxTensors)` },
  { name: 'tensor entry is a number', bytes: one(3), code: 'TENSOR_INFO',
    message: `${F}expected an object with dtype, shape and data_offsets for tensor "w" but got 3 of type number` },
  { name: 'unknown dtype', bytes: one({ ...ok, dtype: 'Q4' }), code: 'UNKNOWN_DTYPE',
    message: `${F}expected dtype one of ${DT} for tensor "w" but got "Q4"` },
  { name: 'missing dtype', bytes: one({ shape: [2], data_offsets: [0, 8] }), code: 'UNKNOWN_DTYPE',
    message: `${F}expected dtype one of ${DT} for tensor "w" but got undefined` },
  { name: 'dtype of the spec that nodegrad cannot hold', bytes: one({ ...ok, dtype: 'F8_E4M3', shape: [8] }), code: 'UNSUPPORTED_DTYPE',
    message: `${F}dtype "F8_E4M3" of tensor "w" is not supported (supported: ${DT})` },
  { name: 'negative dimension', bytes: one({ ...ok, shape: [2, -1] }), code: 'BAD_SHAPE',
    message: `${F}expected shape to be an array of non-negative safe integers for tensor "w" but got [2, -1]` },
  { name: 'fractional dimension', bytes: one({ ...ok, shape: [1.5] }), code: 'BAD_SHAPE',
    message: `${F}expected shape to be an array of non-negative safe integers for tensor "w" but got [1.5]` },
  { name: 'shape is a string', bytes: one({ ...ok, shape: '2' }), code: 'BAD_SHAPE',
    message: `${F}expected shape to be an array of non-negative safe integers for tensor "w" but got "2"` },
  { name: 'dimension beyond 2^53', bytes: buildFile('{"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}', eight, { raw: true }), code: 'BAD_SHAPE',
    message: `${F}expected shape to be an array of non-negative safe integers for tensor "w" but got [18446744073709552000]` },
  { name: 'deeply nested shape (no stack overflow)', bytes: buildFile(`{"w":{"dtype":"F32","shape":[${'['.repeat(100_000)}${']'.repeat(100_000)}],"data_offsets":[0,8]}}`, eight, { raw: true }), code: 'BAD_SHAPE',
    message: `${F}expected shape to be an array of non-negative safe integers for tensor "w" but got [an array of length 1]` },
  { name: 'element count overflows', bytes: one({ ...ok, shape: [2 ** 30, 2 ** 30, 2 ** 30, 0] }), code: 'SHAPE_OVERFLOW',
    message: `${F}shape [1073741824, 1073741824, 1073741824, 0] of tensor "w" has more than 2^53 - 1 elements` },
  { name: 'data_offsets with one number', bytes: one({ ...ok, data_offsets: [0] }), code: 'BAD_OFFSETS',
    message: `${F}expected data_offsets to be [begin, end] (non-negative safe integers) for tensor "w" but got [0]` },
  { name: 'data_offsets as strings', bytes: one({ ...ok, data_offsets: ['0', '8'] }), code: 'BAD_OFFSETS',
    message: `${F}expected data_offsets to be [begin, end] (non-negative safe integers) for tensor "w" but got ["0", "8"]` },
  { name: 'negative offset', bytes: one({ ...ok, data_offsets: [-8, 0] }), code: 'BAD_OFFSETS',
    message: `${F}expected data_offsets to be [begin, end] (non-negative safe integers) for tensor "w" but got [-8, 0]` },
  { name: 'end before begin', bytes: one({ ...ok, data_offsets: [8, 0] }), code: 'OFFSETS_REVERSED',
    message: `${F}data_offsets [8, 0] of tensor "w" end before they begin` },
  { name: 'offsets past the data area', bytes: one({ ...ok, data_offsets: [0, 16], shape: [4] }), code: 'OFFSETS_OUT_OF_BOUNDS',
    message: `${F}data_offsets [0, 16] of tensor "w" extend past the 8-byte data area` },
  { name: 'huge tensor in a tiny file (no allocation)', bytes: one({ dtype: 'F32', shape: [1e9], data_offsets: [0, 4e9] }), code: 'OFFSETS_OUT_OF_BOUNDS',
    message: `${F}data_offsets [0, 4000000000] of tensor "w" extend past the 8-byte data area` },
  { name: 'shape does not match the byte span', bytes: one({ ...ok, shape: [3] }), code: 'SIZE_MISMATCH',
    message: `${F}expected 12 bytes for tensor "w" (shape [3], F32 is 4 bytes each) but data_offsets [0, 8] span 8` },
  { name: 'overlapping tensors', bytes: buildFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), code: 'OVERLAP',
    message: `${F}tensors "a" [0, 8] and "b" [4, 12] overlap` },
  { name: 'gap between tensors', bytes: buildFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)), code: 'GAP',
    message: `${F}bytes [4, 8] of the data area belong to no tensor (the tensors must cover it without gaps)` },
  { name: 'gap at the start', bytes: buildFile({ a: { dtype: 'U8', shape: [4], data_offsets: [4, 8] } }, eight), code: 'GAP',
    message: `${F}bytes [0, 4] of the data area belong to no tensor (the tensors must cover it without gaps)` },
  { name: 'trailing bytes after the last tensor', bytes: one(ok, new Uint8Array(12)), code: 'GAP',
    message: `${F}bytes [8, 12] of the data area belong to no tensor (the tensors must cover it without gaps)` },
  { name: '__metadata__ is an array', bytes: buildFile({ __metadata__: ['a'], w: ok }, eight), code: 'BAD_METADATA',
    message: `${F}expected __metadata__ to be an object of strings but got ["a"]` },
  { name: '__metadata__ value is a number', bytes: buildFile({ __metadata__: { epoch: 3 }, w: ok }, eight), code: 'BAD_METADATA',
    message: `${F}expected a string for __metadata__["epoch"] but got 3 of type number` },
  { name: '__metadata__ value is a deeply nested object', bytes: buildFile(`{"__metadata__":{"k":{"shape":${'['.repeat(100_000)}${']'.repeat(100_000)}}},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight, { raw: true }), code: 'BAD_METADATA',
    message: `${F}expected a string for __metadata__["k"] but got an object` },
  { name: 'I64 value outside int32', bytes: one({ dtype: 'I64', shape: [1], data_offsets: [0, 8] }, leBytes('i64', [2n ** 31n])), code: 'VALUE_OUT_OF_RANGE',
    message: `${F}tensor "w" (I64) holds 2147483648 at index 0, outside the int32 range [-2147483648, 2147483647] of nodegrad integer tensors` },
  { name: 'U32 value outside int32', bytes: one({ dtype: 'U32', shape: [2], data_offsets: [0, 8] }, leBytes('u32', [1, 4294967295])), code: 'VALUE_OUT_OF_RANGE',
    message: `${F}tensor "w" (U32) holds 4294967295 at index 1, outside the int32 range [-2147483648, 2147483647] of nodegrad integer tensors` },
];

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected invalid JSON');
}

// Shared helpers for the io tests: a seeded RNG and a raw safetensors file builder that can
// write anything, including malformed files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { rng, randomF32 } from '../helpers/random';

export { rng, randomF32 };

/** Standard normal (Box-Muller). */
export function randn(n: number, r: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - r();
    const v = r();
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

/**
 * Builds a safetensors file from a header (object, or raw string/bytes for malformed headers)
 * and a data area. `headerLength` overrides the length prefix (a bigint for huge values).
 */
export function buildFile(header: unknown, data: Uint8Array = new Uint8Array(0),
  opts: { headerLength?: number | bigint; raw?: boolean } = {}): Buffer {
  let hb: Buffer;
  if (header instanceof Uint8Array) hb = Buffer.from(header);
  else if (typeof header === 'string' && opts.raw) hb = Buffer.from(header, 'utf8');
  else hb = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(opts.headerLength ?? hb.length), 0);
  return Buffer.concat([prefix, hb, Buffer.from(data)]);
}

/** Little-endian bytes from a list of numbers written with a DataView setter. */
export function leBytes(kind: 'f64' | 'f32' | 'i64' | 'u64' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8',
  values: (number | bigint)[]): Uint8Array {
  const size = { f64: 8, f32: 4, i64: 8, u64: 8, i32: 4, u32: 4, i16: 2, u16: 2, i8: 1, u8: 1 }[kind];
  const out = new Uint8Array(size * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    switch (kind) {
      case 'f64': dv.setFloat64(o, Number(v), true); break;
      case 'f32': dv.setFloat32(o, Number(v), true); break;
      case 'i64': dv.setBigInt64(o, BigInt(v), true); break;
      case 'u64': dv.setBigUint64(o, BigInt(v), true); break;
      case 'i32': dv.setInt32(o, Number(v), true); break;
      case 'u32': dv.setUint32(o, Number(v), true); break;
      case 'i16': dv.setInt16(o, Number(v), true); break;
      case 'u16': dv.setUint16(o, Number(v), true); break;
      case 'i8': dv.setInt8(o, Number(v)); break;
      case 'u8': dv.setUint8(o, Number(v)); break;
    }
  });
  return out;
}

/** A fresh temporary folder, removed by the returned cleanup function. */
export function tempDir(prefix = 'nodegrad-io-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// Every file of the malformed corpus (test/io/badCorpus.ts) is rejected with its own code and
// exact message, from memory and from disk (sync and async readers).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeSafetensors, readSafetensors, readSafetensorsSync, SafetensorsError } from '../../lib/io/safetensors';
import { badCases } from './badCorpus';
import { tempDir } from './util';

function caught(fn: () => unknown): SafetensorsError {
  try {
    fn();
  } catch (e) {
    return e as SafetensorsError;
  }
  throw new Error('expected an error');
}

describe('malformed safetensors corpus', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => { tmp = tempDir(); });
  afterAll(() => tmp.cleanup());

  it('has many distinct defects', () => {
    expect(badCases.length).toBeGreaterThanOrEqual(15);
    expect(new Set(badCases.map((c) => c.code)).size).toBeGreaterThanOrEqual(15);
    expect(new Set(badCases.map((c) => c.message)).size).toBe(badCases.length);
  });

  for (const c of badCases) {
    it(`rejects: ${c.name}`, async () => {
      const e = caught(() => decodeSafetensors(c.bytes, { ...c.opts, fileName: 'bad.safetensors' }));
      expect(e).toBeInstanceOf(SafetensorsError);
      expect(e.message).toBe(c.message);
      expect(e.code).toBe(c.code);

      // the file readers name the path and give the same problem
      const file = path.join(tmp.dir, 'bad.safetensors');
      fs.writeFileSync(file, c.bytes);
      const want = c.message.replace('"bad.safetensors"', JSON.stringify(file));
      const e2 = caught(() => readSafetensorsSync(file, c.opts));
      expect([e2.code, e2.message]).toEqual([c.code, want]);
      const e3 = await readSafetensors(file, c.opts).then(() => null, (err: SafetensorsError) => err);
      expect([e3?.code, e3?.message]).toEqual([c.code, want]);
    });
  }

  it('names an in-memory buffer "buffer" when no file name is given', () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(
      'Invalid safetensors file buffer: expected at least 8 bytes (the header length) but the file has 3');
  });

  it('survives random corruption of a valid file without crashing', async () => {
    const { encodeSafetensors } = await import('../../lib/io/safetensors');
    const good = encodeSafetensors({
      a: { dtype: 'float32', shape: [3, 4], data: new Float32Array(12).fill(1) },
      b: { dtype: 'int32', shape: [5], data: new Int32Array(5) },
    }, { k: 'v' });
    let seed = 7;
    const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let rejected = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const bad = Uint8Array.from(good);
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) bad[Math.floor(next() * Math.min(bad.length, 8 + 200))] = Math.floor(next() * 256);
      const cut = next() < 0.2 ? Math.floor(next() * bad.length) : bad.length;
      try {
        decodeSafetensors(bad.subarray(0, cut));
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw e;
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

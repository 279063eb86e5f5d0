/**
 * The N-API fuzzer (scripts/fuzz.js): every addon export is covered, its out-of-bounds detector
 * works, a 10,000-call pass ends without a crash, and the findings it made stay fixed.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';
import { native as addon, ADDON_EXPORTS, OP_TABLE } from '../../lib/native';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fuzzer = require('../../scripts/fuzz/napi');
const ROOT = path.resolve(__dirname, '..', '..');

describe('N-API fuzzer', () => {
  const flat = fuzzer.flatten(addon) as Record<string, (...a: unknown[]) => unknown>;
  const expected = [...ADDON_EXPORTS.filter((k) => typeof (addon as any)[k] === 'function'), ...Object.keys(OP_TABLE)].sort();

  it('covers every runtime export and every op of the op table', () => {
    expect(Object.keys(flat).sort()).toEqual(expected);
  });

  it('learns a working call for every function', () => {
    const sigs = fuzzer.discoverAll(flat) as { name: string; ok: boolean; lastError: string | null }[];
    expect(sigs.map((s) => s.name).sort()).toEqual(expected);
    expect(sigs.filter((s) => !s.ok).map((s) => `${s.name}: ${s.lastError}`)).toEqual([]);
  });

  it('detects a write past the end of an argument (the guard zones can fail)', () => {
    const a = new fuzzer.Arena();
    const v = a.make(Float32Array, 4, () => 1);
    expect(a.check()).toBeNull();
    new Float32Array(v.buffer, v.byteOffset, 5)[4] = 0; // one element past the end
    expect(a.check()).toBe('after element 3 (guard 1)');
    const w = a.make(Int32Array, 2, () => 0);
    new Int32Array(w.buffer)[0] = 7; // the first element of the guard before it
    expect(a.check()).toContain('after element 3');
    a.reset();
    const u = a.make(Int32Array, 2, () => 0);
    new Int32Array(u.buffer)[15] = 7;
    expect(a.check()).toBe('before element 0 (guard 1)');
  });

  it('runs 10,000 calls in a child process without a crash, abort or bad error', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'fuzz.js'), '--calls', '10000', '--seed', '1', '--chunk', '5000'],
      { encoding: 'utf8', env: process.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`fuzz: seed 1: 10000 calls over ${expected.length} functions: \\d+ returned, \\d+ threw a JS error, 0 crashes`));
  });
});

describe('fuzzer findings (regressions)', () => {
  // Seed 1, call 5: layerNormForward with a Float32Array over a SharedArrayBuffer threw a bare
  // "Invalid argument" (node-addon-api's ArrayBuffer accessors refuse shared buffers).
  it('accepts typed arrays over a SharedArrayBuffer', () => {
    const x = new Float32Array(new SharedArrayBuffer(16)).fill(-1);
    x[1] = 2;
    const out = new Float32Array(new SharedArrayBuffer(4 * 8), 8, 4);
    native.reluForward(out, x, 4);
    expect(Array.from(out)).toEqual([0, 2, 0, 0]);
    const mask = new Uint8Array(new SharedArrayBuffer(4)).fill(1);
    const dx = new Float32Array(4);
    native.dropoutBackward(dx, new Float32Array([1, 2, 3, 4]), mask, 4, 0.5);
    expect(Array.from(dx)).toEqual([2, 4, 6, 8]);
    const a = new Float32Array(new SharedArrayBuffer(8)).fill(1);
    const b = new Float32Array(new SharedArrayBuffer(8)).fill(2);
    const cat = new Float32Array(4);
    native.concatForward(cat, [a, b], [2, 2], 1, 1);
    expect(Array.from(cat)).toEqual([1, 1, 2, 2]);
  });

  // UBSan (npm run test:sanitize): exp_fast shifted a negative exponent left for NaN input.
  it('NaN through the exp-based kernels gives NaN', () => {
    for (const f of ['expForward', 'tanhForward', 'sigmoidForward', 'siluForward', 'geluTanhForward', 'eluForward']) {
      const out = new Float32Array(3);
      const args = f === 'eluForward' ? [out, new Float32Array([NaN, 1, -2]), 3, 1] : [out, new Float32Array([NaN, 1, -2]), 3];
      native[f](...args);
      expect(out[0]).toBeNaN();
      expect(Number.isFinite(out[1])).toBe(true);
    }
  });

  // Seed 1, call 49500: subForward with bShape [2, 2^53 - 1, 4, 0] (no elements) walked the
  // other dimensions for ever.
  it('an empty broadcast result returns at once, forward and backward', () => {
    const a = new Float32Array(4).fill(1);
    native.subForward(new Float32Array(4), a, [0], a, [2, 2 ** 53 - 1, 4, 0]);
    const da = new Float32Array(4);
    native.subBackward(da, null, new Float32Array(4), null, [1], null, [2 ** 53 - 1, 0]);
    expect(Array.from(da)).toEqual([0, 0, 0, 0]); // nothing flows from an empty result
    expect(() => native.addForward(new Float32Array(4), a, [2 ** 52, 1, 0], a, [1, 2 ** 52, 1])).toThrow(RangeError);
  });

  // Seed 1, call 53302 (the 100,000-call run): logSoftmaxBackward with N = 2^53 - 1 and C = 0
  // (no elements) looped over 2^53 empty rows. A zero size now bounds the others (2^26).
  it('an empty row-wise op with a huge row count is refused, a modest one returns', () => {
    const buf = () => new Float32Array(64);
    expect(() => native.logSoftmaxBackward(buf(), buf(), buf(), 2 ** 53 - 1, 0)).toThrow(
      /Expected an empty tensor whose other sizes multiply to at most 2\^26 for out but received 9007199254740991 beside a zero size/);
    expect(() => native.softmaxForward(buf(), buf(), 0, 2 ** 40)).toThrow(RangeError);
    native.logSoftmaxBackward(buf(), buf(), buf(), 1000, 0);
    native.softmaxForward(buf(), buf(), 0, 17);
  });

  // Seed 1, call 5071 (once the first-write ops joined the table): attentionForward with H = 0 and
  // Tk = 2^31 (every array empty) sized a per-worker key buffer by Tk (16 GB, ~100 s of page faults).
  it('attention with no (batch, head) item returns at once, forward and backward', () => {
    const f = () => new Float32Array(64).fill(7);
    const geom = [2, 0, 2, 2 ** 31, 2, 4, 4, 4, 4, 0.5, false, 2, false] as const;
    const out = f();
    native.attentionForward(out, f(), f(), f(), f(), null, null, ...geom);
    const dq = f();
    native.attentionBackward(dq, f(), f(), f(), f(), f(), f(), f(), f(), null, null, ...geom);
    expect([out[0], dq[0]]).toEqual([7, 7]); // nothing written
  });

  // UBSan under the fuzzer (after the BatchNorm + ReLU ops joined the table): attention's binding
  // multiplied B * Tq in int64 (2^31 * (2^53 - 1)) before any size check.
  it('attention geometry whose products overflow: a RangeError naming them, no overflow', () => {
    const f = () => new Float32Array(64);
    const big = 2 ** 53 - 1;
    const geom = (B: number, H: number, Tq: number, Tk: number, D: number) => [B, H, Tq, Tk, D, 4, 4, 4, 4, 0.5, false, 0, false] as const;
    expect(() => native.attentionForward(f(), f(), f(), f(), f(), null, null, ...geom(2 ** 31, 1, big, 1, 1)))
      .toThrow(/sizes whose product fits in 2\^53 for B \* Tq/);
    expect(() => native.attentionForward(f(), f(), f(), f(), f(), null, null, ...geom(1, 2 ** 31, 1, 1, big)))
      .toThrow(/for H \* D/);
    expect(() => native.attentionBackward(f(), f(), f(), f(), f(), f(), f(), f(), f(), null, null, ...geom(1, 1, 2 ** 30, 2 ** 30, 1)))
      .toThrow(/for Tq \* Tk/);
  });

  it('still refuses detached buffers, in every argument helper, with the project message', () => {
    const dead = new Float32Array(4);
    structuredClone(dead.buffer, { transfer: [dead.buffer] });
    expect(() => native.reluForward(new Float32Array(4), dead, 4)).toThrow(
      'Expected attached Float32Array for x but received a detached buffer (disposed or transferred)');
    const deadMask = new Uint8Array(4);
    structuredClone(deadMask.buffer, { transfer: [deadMask.buffer] });
    expect(() => native.dropoutBackward(new Float32Array(4), new Float32Array(4), deadMask, 4, 0.5)).toThrow(
      'Expected attached Uint8Array for mask but received a detached buffer (disposed or transferred)');
    expect(() => native.concatForward(new Float32Array(4), [new Float32Array(2), dead], [2, 2], 1, 1)).toThrow(
      'Expected attached Float32Array for inputs[1] but received a detached buffer (disposed or transferred)');
  });
});

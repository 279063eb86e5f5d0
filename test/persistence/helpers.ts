// Shared helpers for the persistence integration tests: temp folders, bit-exact comparisons,
// and models with every parameter and buffer filled with distinct seeded values.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ng from '../../lib';

/** A fresh temp folder; remove it with fs.rmSync(dir, { recursive: true, force: true }). */
export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ng-persist-${tag}-`));
}

import { rng, randomF32 } from '../helpers/random';

export { rng, randomF32 };

/**
 * Overwrites every parameter and buffer with seeded values (variances positive), so that a
 * round trip that dropped or swapped any of them shows up.
 */
export function randomizeState(model: ng.nn.Module, seed: number): void {
  const r = rng(seed);
  for (const [name, t] of Object.entries(model.stateDict())) {
    const d = t.data as Float32Array;
    const v = name.endsWith('runningVar') ? randomF32(d.length, r, 0.5, 2) : randomF32(d.length, r, -1, 1);
    d.set(v);
  }
}

/** Bit patterns of a Float32Array (so that -0 vs 0 and NaN payloads count as differences). */
export function bits(a: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(a).buffer));
}

/** Names whose values differ in at least one bit, with the count of differing elements. */
export function stateDiff(a: ng.nn.Module, b: ng.nn.Module): Record<string, number> {
  const sa = a.stateDict();
  const sb = b.stateDict();
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
    if (!sa[k] || !sb[k]) {
      out[k] = -1;
      continue;
    }
    const x = bits(sa[k].data as Float32Array);
    const y = bits(sb[k].data as Float32Array);
    let n = x.length === y.length ? 0 : Math.max(x.length, y.length);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) n++;
    if (n > 0) out[k] = n;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Eval-mode forward without gradients; returns a copy of the output values and its shape. */
export function evalForward(model: ng.nn.Module, x: ng.Tensor): { shape: number[]; data: Float32Array } {
  const was = model.training;
  model.eval();
  try {
    return ng.noGrad(() => ng.tidy(() => {
      const y = model.forward(x);
      return { shape: y.shape.slice(), data: (y.data as Float32Array).slice() };
    }));
  } finally {
    model.train(was);
  }
}

/** The message of what fn throws (or of the rejection of what it returns). */
export async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

// The raw native addon, for kernel-level tests (no TypeScript layer in between).
import path from 'node:path';
import { expect } from 'vitest';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build');
export const native = load(path.join(__dirname, '..', '..'));

/** Runs f with 1 and with 2 OpenMP threads; the results must be bit-identical. */
export function sameForThreads(f: () => Float32Array | number[]): void {
  const before = native.getNumThreads();
  try {
    native.setNumThreads(1);
    const a = Array.from(f());
    native.setNumThreads(2);
    const b = Array.from(f());
    expect(b).toEqual(a);
  } finally {
    native.setNumThreads(before);
  }
}

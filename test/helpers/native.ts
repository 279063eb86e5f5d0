// The raw native addon for kernel-level tests (no TypeScript layer in between): the runtime
// functions plus the CPU backend's op kernels, typed by lib/native.ts.
import { expect } from 'vitest';
import { native as addon, cpuKernels, type NativeAddon, type OpKernels } from '../../lib/native';

export const native: NativeAddon & OpKernels = Object.assign(Object.create(null), addon, cpuKernels);

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

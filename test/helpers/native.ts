// The raw native addon for kernel-level tests (no TypeScript layer in between): the runtime
// functions plus the CPU backend's op kernels, typed by lib/native.ts.
import { native as addon, cpuKernels, type NativeAddon, type OpKernels } from '../../lib/native';

export const native: NativeAddon & OpKernels = Object.assign(Object.create(null), addon, cpuKernels);

/**
 * ng.cuda: the CUDA backend's runtime and kernels (native/cuda, a separate optional addon).
 *
 *   ng.cuda.status()            what is built and usable here (never throws)
 *   ng.device('cuda:0')         selects the GPU (throws naming what is missing) and describes it
 *   t.to('cuda') / t.to('cpu')  device copies of tensors (lib/tensor/tensor.ts)
 *   ng.cuda.kernels()           every op-table kernel of the CUDA backend, over device buffers
 *   ng.cuda.DeviceBuffer        typed device memory for kernel-level code
 *   ng.cuda.memoryStats()       the caching allocator's counters; trim() empties its cache
 */
import { cudaAddon, findAddon, requireDevice, tryAddon, BUILD_HINT } from './addon';
import type { CudaDeviceInfo, CudaMemoryStats, DeviceView, GemmPrecision } from './addon';
import type { KindSignatures, OpName, OP_TABLE } from '../native';

export { DeviceBuffer, DeviceStorage } from './buffer';
export type { DeviceView, CudaDeviceInfo, CudaMemoryStats, GemmPrecision } from './addon';

export interface CudaStatus {
  /** The CUDA addon (nodegrad_cuda.node) is built and loads. */
  built: boolean;
  /** built, an NVIDIA driver is loaded and at least one GPU is visible. */
  available: boolean;
  /** Why CUDA cannot be used ('' when it can). */
  reason: string;
  deviceCount: number;
  /** The addon file in use (null when not built). */
  addon: string | null;
  /** CUDA runtime / driver versions as 1000 * major + 10 * minor (0 when unknown). */
  runtimeVersion: number;
  driverVersion: number;
}

/** What CUDA support this install and machine have. Never throws. */
export function status(): CudaStatus {
  const file = findAddon();
  const a = tryAddon();
  if (!a) {
    let reason = 'this install has no CUDA build (nodegrad_cuda.node was not found)';
    if (file) {
      try {
        cudaAddon();
      } catch (e) {
        reason = (e as Error).message.split('\n')[0];
      }
    }
    return { built: false, available: false, reason, deviceCount: 0, addon: file, runtimeVersion: 0, driverVersion: 0 };
  }
  const p = a.available();
  return { built: true, available: p.available, reason: p.reason, deviceCount: p.deviceCount, addon: file,
    runtimeVersion: p.runtimeVersion, driverVersion: p.driverVersion };
}

export function isAvailable(): boolean {
  return status().available;
}

/** A device as ng.device() returns it. */
export interface DeviceDescriptor {
  type: 'cpu' | 'cuda';
  index: number;
  /** The GPU's name ('cpu' for the host). */
  name: string;
  toString(): string;
}

/**
 * Selects a device: 'cpu', 'cuda' or 'cuda:N'. For cuda this loads the CUDA addon, checks the
 * driver and the GPU and creates the device's stream; each missing piece is a thrown error
 * naming it (never a silent CPU fallback).
 */
export function device(spec: string = 'cpu'): DeviceDescriptor {
  if (spec === 'cpu') return { type: 'cpu', index: 0, name: 'cpu', toString: () => 'cpu' };
  const m = /^cuda(?::(\d+))?$/.exec(spec);
  if (typeof spec !== 'string' || !m) {
    throw new TypeError(`Expected 'cpu', 'cuda' or 'cuda:N' for device but received ${JSON.stringify(spec)} of type ${typeof spec}`);
  }
  const index = m[1] === undefined ? 0 : Number(m[1]);
  const a = requireDevice(index);
  const info = a.deviceInfo();
  return { type: 'cuda', index, name: info.name, toString: () => `cuda:${index}` };
}

/** Facts about the selected GPU (selects cuda:0 first if none is). */
export function deviceInfo(): CudaDeviceInfo {
  return requireDevice(0).deviceInfo();
}

/** The caching device allocator's counters. */
export function memoryStats(): CudaMemoryStats {
  return requireDevice(0).memoryStats();
}

/** Returns the allocator's cached blocks to the driver (after waiting for queued kernels). */
export function trim(): void {
  requireDevice(0).trim();
}

/** Waits for every kernel and copy queued on the device's stream. */
export function synchronize(): void {
  requireDevice(0).synchronize();
}

/**
 * The precision of the CUDA GEMM (gemm, linear): 'tf32' (default; tensor cores, 10-bit
 * mantissa inputs, fp32 accumulation), 'bf16' (tensor cores, 8-bit mantissa inputs, fp32
 * accumulation) or 'fp32' (SIMT, full precision).
 */
export function setGemmPrecision(p: GemmPrecision): void {
  if (p !== 'fp32' && p !== 'tf32' && p !== 'bf16') {
    throw new RangeError(`Expected 'fp32', 'tf32' or 'bf16' for precision but received ${JSON.stringify(p)}`);
  }
  requireDevice(0).setGemmPrecision(p);
}

export function getGemmPrecision(): GemmPrecision {
  return requireDevice(0).getGemmPrecision();
}

/** A kernel signature with its array arguments as device views. */
type OnDevice<F> = F extends (...args: infer A) => infer R
  ? (...args: { [K in keyof A]: A[K] extends Float32Array | Int32Array | Uint8Array
    ? DeviceView
    : A[K] extends Float32Array | Int32Array | null ? DeviceView | null : A[K] }) => R
  : never;

/** The CUDA backend's kernels: the op table's functions with device buffers for arrays. */
export type CudaKernels = { readonly [K in OpName]: OnDevice<KindSignatures[(typeof OP_TABLE)[K]['kind']]> };

/** The CUDA backend's kernels (selects cuda:0). Ops the backend lacks throw when called. */
export function kernels(): CudaKernels {
  return requireDevice(0).backends.cuda as unknown as CudaKernels;
}

/** The op-table names the CUDA backend implements (empty when the addon is not built). */
export function implementedOps(): string[] {
  const a = tryAddon();
  return a ? a.opTable().filter((r) => r.devices.includes('cuda')).map((r) => r.name) : [];
}

/** Benchmark helper: C = alpha op(A) op(B) + beta C with bf16 A and B in device memory. */
export function gemmBf16(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: DeviceView,
  lda: number, B: DeviceView, ldb: number, beta: number, C: DeviceView, ldc: number): void {
  requireDevice(0).gemmBf16(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/** The GEMM kernel the current precision selects (for reports). */
export function gemmKernel(): string {
  return requireDevice(0).gemmKernel();
}

export { BUILD_HINT };

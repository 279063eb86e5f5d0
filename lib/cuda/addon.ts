/**
 * Loads nodegrad_cuda.node, the optional CUDA addon (native/cuda), on first use of a cuda
 * device. The default build and the prebuilt binaries never contain CUDA; this addon is a
 * separate build (NODEGRAD_CUDA=1 npm install --build-from-source, or npm run build:cuda).
 * Requesting CUDA without that build, without an NVIDIA driver or without a GPU is an error that
 * names what is missing: there is never a silent CPU fallback.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** A block of device memory as the CUDA kernels take it (lib/cuda/buffer.ts makes these). */
export interface DeviceView {
  readonly ptr: number;
  readonly length: number;
  readonly dtype: 'float32' | 'int32' | 'bfloat16';
}

export interface CudaProbe {
  available: boolean;
  reason: string;
  deviceCount: number;
  runtimeVersion: number;
  driverVersion: number;
}

export interface CudaDeviceInfo {
  index: number;
  name: string;
  computeCapability: string;
  totalMemory: number;
  multiprocessors: number;
}

export interface CudaMemoryStats {
  /** Bytes of device blocks held by live buffers (rounded up to the allocator's buckets). */
  bytesInUse: number;
  /** Bytes of freed blocks kept for reuse (ng.cuda.trim() returns them to the driver). */
  bytesCached: number;
  peakBytesInUse: number;
  /** cudaMalloc calls so far (a steady training loop does not increase it). */
  deviceAllocations: number;
  cacheHits: number;
  liveBlocks: number;
}

export type GemmPrecision = 'fp32' | 'tf32' | 'bf16';

/** The raw CUDA addon. */
export interface CudaAddon {
  available(): CudaProbe;
  init(device: number): void;
  deviceInfo(): CudaDeviceInfo;
  alloc(bytes: number): number;
  free(ptr: number): void;
  upload(ptr: number, src: ArrayBufferView): void;
  download(ptr: number, dst: ArrayBufferView): void;
  downloadAsync<T extends ArrayBufferView>(ptr: number, dst: T): Promise<T>;
  copyDevice(dst: number, src: number, bytes: number): void;
  synchronize(): void;
  memoryStats(): CudaMemoryStats;
  trim(): void;
  setGemmPrecision(p: GemmPrecision): void;
  getGemmPrecision(): GemmPrecision;
  gemmKernel(): string;
  gemmBf16(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: DeviceView, lda: number,
    B: DeviceView, ldb: number, beta: number, C: DeviceView, ldc: number): void;
  /** Rows as the main addon's opTable() ({ name, kind, params, devices }). */
  opTable(): { name: string; kind: string; params: string; devices: string[] }[];
  /** The op functions (typed as OpKernels over device views in lib/cuda/index.ts). */
  readonly backends: { readonly cuda: Readonly<Record<string, (...args: never[]) => unknown>> };
}

/**
 * Where the CUDA addon is looked for, in order. NODEGRAD_CUDA_ADDON names the one file to use
 * (no other place is searched then).
 */
export function addonCandidates(): string[] {
  const out: string[] = [];
  if (process.env.NODEGRAD_CUDA_ADDON) return [path.resolve(process.env.NODEGRAD_CUDA_ADDON)];
  for (const dir of ['build-cuda/Release', 'build/Release', 'build-cuda', 'prebuilds-cuda/linux-x64']) {
    out.push(path.join(root, dir, 'nodegrad_cuda.node'));
  }
  return out;
}

export const BUILD_HINT = [
  'Build the CUDA variant (needs the CUDA toolkit 12 or 13 with nvcc; the default build has no CUDA):',
  '  NODEGRAD_CUDA=1 npm install nodegrad --build-from-source        (node-gyp: build/Release/nodegrad_cuda.node)',
  '  npm run build:cuda                                              (cmake-js, in the package folder: build-cuda/)',
  'See docs/CUDA.md.',
].join('\n');

/** The CUDA addon file, or null when none is built. */
export function findAddon(): string | null {
  for (const c of addonCandidates()) if (fs.existsSync(c)) return c;
  return null;
}

let cached: CudaAddon | null = null;
let loadError: Error | null = null;

/** The addon if it is built and loads, else null (never throws). */
export function tryAddon(): CudaAddon | null {
  if (cached) return cached;
  if (loadError) return null;
  try {
    return cudaAddon();
  } catch {
    return null;
  }
}

/** The raw CUDA addon; throws a how-to-fix error when it is missing or does not load. */
export function cudaAddon(): CudaAddon {
  if (cached) return cached;
  if (loadError) throw loadError;
  const file = findAddon();
  if (!file) {
    loadError = new Error('nodegrad: CUDA was requested but this install has no CUDA build (nodegrad_cuda.node was not ' +
      `found).\nLooked in: ${addonCandidates().join(', ')}\n${BUILD_HINT}`);
    throw loadError;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    cached = require(file) as CudaAddon;
  } catch (err) {
    loadError = new Error(`nodegrad: could not load the CUDA addon ${file}: ${(err as Error).message.split('\n')[0]}\n` +
      BUILD_HINT);
    (loadError as { cause?: unknown }).cause = err;
    throw loadError;
  }
  return cached;
}

/**
 * The addon with device `index` selected and its stream created; throws an error naming what is
 * missing (the CUDA build, the NVIDIA driver, a GPU, or that index).
 */
export function requireDevice(index = 0): CudaAddon {
  const a = cudaAddon();
  const p = a.available();
  if (!p.available) {
    throw new Error(`nodegrad: CUDA was requested (cuda:${index}) but ${p.reason}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= p.deviceCount) {
    throw new RangeError(`Expected a device index in [0, ${p.deviceCount}) for device but received cuda:${index}`);
  }
  a.init(index);
  return a;
}

/** Runtime controls: threads, backend (ISA) and build facts. */
import { native } from '../native';
import { assertPositiveInteger, rangeError } from './validate';
import { setSeed } from './seed';
import { status as cudaStatus } from '../cuda';

export type Backend = 'cpu-avx512' | 'cpu-avx512-bf16' | 'cpu-avx2' | 'cpu-generic' | 'cuda';

/**
 * The compute backend in use: the CPU instruction set chosen at load (NODEGRAD_ISA overrides),
 * with `-bf16` where bf16 GEMMs run natively (AVX512_BF16: see ng.autocast / fit's precision).
 * Whether CUDA can be used is in buildInfo() (cuda, cudaAvailable, cudaReason) and ng.cuda.status().
 */
export function backend(): Backend {
  return `cpu-${native.activeIsa()}${native.bf16Native() ? '-bf16' : ''}` as Backend;
}

/** Sets the number of threads kernels use (default: all cores). */
export function setNumThreads(n: number): void {
  assertPositiveInteger(n, 'threads');
  if (n > 1024) rangeError('integer in [1, 1024]', 'threads', n);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export interface BuildInfo {
  version: string;
  backend: Backend;
  detectedIsa: string;
  /** The CPU has AVX512_BF16 (bf16 GEMMs; NODEGRAD_BF16=0 hides it). */
  bf16: boolean;
  openmp: boolean;
  hardwareThreads: number;
  threads: number;
  /** The CUDA addon (nodegrad_cuda.node, a separate build) is present and loads. */
  cuda: boolean;
  /** CUDA is built and a driver and a GPU are present (tensors can move with .to('cuda')). */
  cudaAvailable: boolean;
  /** Why CUDA cannot be used here ('' when it can). */
  cudaReason: string;
  mpi: boolean;
  compiler: string;
  /**
   * How the addon set up glibc malloc at load ("glibc malloc: mmap threshold 32 MiB, trim threshold
   * 64 MiB": freed memory stays in the process for reuse), or why it left it alone ("off: ...":
   * NODEGRAD_MALLOC_TUNING=0, a MALLOC_*_ or GLIBC_TUNABLES variable set, not glibc).
   */
  mallocTuning: string;
}

export function buildInfo(): BuildInfo {
  const b = native.buildInfo();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const version = require('../../package.json').version as string;
  const c = cudaStatus();
  return { version, backend: backend(), threads: getNumThreads(), ...b, cuda: c.built, cudaAvailable: c.available,
    cudaReason: c.reason };
}

export { setSeed };

/** Runtime controls: threads, backend (ISA) and build facts. */
import { native } from '../native';
import { assertPositiveInteger, rangeError } from './validate';
import { setSeed } from './seed';

export type Backend = 'cpu-avx512' | 'cpu-avx512-bf16' | 'cpu-avx2' | 'cpu-generic' | 'cuda';

/**
 * The compute backend in use: the CPU instruction set chosen at load (NODEGRAD_ISA overrides),
 * with `-bf16` where bf16 GEMMs run natively (AVX512_BF16: see ng.autocast / fit's precision).
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
  cuda: boolean;
  mpi: boolean;
  compiler: string;
}

export function buildInfo(): BuildInfo {
  const b = native.buildInfo();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const version = require('../../package.json').version as string;
  return { version, backend: backend(), threads: getNumThreads(), ...b };
}

export { setSeed };

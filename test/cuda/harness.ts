/**
 * Shared by the GPU tests: a "target" runs op-table kernels on one backend with its own copies
 * of the arguments (host arrays for the CPU, device buffers for CUDA), so one case list runs on
 * both and the results are compared element by element.
 */
import * as ng from '../../lib';
import { native } from '../../lib/native';

export const cudaStatus = ng.cuda.status();
export const gpu = cudaStatus.available;
export const skipReason = gpu ? '' : `no usable GPU (${cudaStatus.reason}): the CUDA-vs-CPU tests are skipped`;

type Host = Float32Array | Int32Array;

export interface Target {
  name: string;
  k: Record<string, (...args: any[]) => any>;
  put(a: Host): unknown;
  get(b: unknown): Host;
  free(b: unknown): void;
}

export const cpuTarget: Target = {
  name: 'cpu',
  k: native.backends.cpu as any,
  put: (a) => a.slice(),
  get: (b) => b as Host,
  free: () => {},
};

export function cudaTarget(): Target {
  return {
    name: 'cuda',
    k: ng.cuda.kernels() as any,
    put: (a) => ng.cuda.DeviceBuffer.from(a),
    get: (b) => (b as ng.cuda.DeviceBuffer).toHost() as Host,
    free: (b) => (b as ng.cuda.DeviceBuffer).dispose(),
  };
}

/** Calls op on the target with copies of args; returns the return value and every array after the call. */
export function runOn(t: Target, op: string, args: readonly unknown[]): { ret: unknown; arrays: (Host | null)[] } {
  const put = args.map((a) => (a instanceof Float32Array || a instanceof Int32Array ? t.put(a) : a));
  try {
    const ret = t.k[op](...put);
    const arrays = args.map((a, i) => (a instanceof Float32Array || a instanceof Int32Array ? t.get(put[i]) : null));
    return { ret, arrays };
  } finally {
    args.forEach((a, i) => { if (a instanceof Float32Array || a instanceof Int32Array) t.free(put[i]); });
  }
}

/** Largest violation of |got - want| <= atol + rtol |want| (NaN must match NaN), with its index. */
export function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number):
  { worst: number; at: number; got: number; want: number } | null {
  if (got.length !== want.length) return { worst: Infinity, at: -1, got: got.length, want: want.length };
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) return { worst: Infinity, at: i, got: g, want: w };
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) return { worst: Infinity, at: i, got: g, want: w };
      continue;
    }
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (excess > worst) { worst = excess; at = i; }
  }
  return at < 0 ? null : { worst, at, got: got[at], want: want[at] };
}

/** Deterministic uniform values in [lo, hi). */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = lo + (hi - lo) * (s / 4294967296);
  }
  return out;
}

export function randInt(n: number, seed: number, hi: number): Int32Array {
  const r = rand(n, seed, 0, 1);
  return Int32Array.from(r, (v) => Math.min(hi - 1, Math.floor(v * hi)));
}

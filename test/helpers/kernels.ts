// Shared helpers for the kernel tests in test/native/ops_*.test.ts: seeded data, naive
// double-precision references support, finite differences and tolerances.
import { expect } from 'vitest';
import { rng } from './random';

export { rng };
export type Arr = ArrayLike<number>;
export function randF32(n: number, r: () => number, lo = -2, hi = 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}
/** Asserts |got - want| <= atol + rtol |want| everywhere (NaN matches NaN); names the worst element. */
export function expectClose(got: Arr, want: Arr, rtol = 1e-5, atol = 1e-6, what = 'value'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= 0) && (Number.isNaN(excess) || excess > worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} of ${want.length}: got ${got[worst]}, want ${want[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
/** Central finite differences (double precision) of a scalar function at x0. */
export function numGrad(f: (x: Float64Array) => number, x0: Arr, h = 1e-6): Float64Array {
  const x = Float64Array.from(x0);
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + h;
    const fp = f(x);
    x[i] = v - h;
    const fm = f(x);
    x[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
export function dot(a: Arr, b: Arr): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
/** Runs a backward kernel (which ADDS into its gradient) on a buffer pre-filled with 0.5 and
 * returns what it added, so every gradient test also checks accumulation. */
export function added(n: number, run: (g: Float32Array) => void): Float64Array {
  const g = new Float32Array(n).fill(0.5);
  run(g);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = g[i] - 0.5;
  return d;
}
/** erf in double precision: Taylor series below 3, continued fraction for erfc above. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 7) return Math.sign(x);
  // erfc(ax) = exp(-ax^2)/sqrt(pi) * 1 / (ax + (1/2) / (ax + 1 / (ax + (3/2) / (ax + ...))))
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}
export const SIZES = [1, 3, 17, 255];

// Shared comparison helpers for the autograd tests: tolerances that state their reason and
// failure messages that print the largest difference.

/** float32 unit roundoff (2^-24); float32 results are compared in multiples of it. */
export const EPS32 = 2 ** -24;

export interface Worst {
  index: number;
  got: number;
  want: number;
  diff: number;
  tol: number;
}

export interface Comparison {
  ok: boolean;
  /** Largest |got - want| over all elements. */
  maxDiff: number;
  /** The element that exceeds its tolerance by the largest factor (or the largest diff if none does). */
  worst: Worst | null;
}

/**
 * Compares element-wise with tol_i = rtol * (|want_i| + floor): a relative bound plus an
 * absolute floor that says what magnitude "small" is measured against.
 */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, floor: number): Comparison {
  if (got.length !== want.length) {
    return { ok: false, maxDiff: NaN, worst: { index: -1, got: got.length, want: want.length, diff: NaN, tol: 0 } };
  }
  let maxDiff = 0;
  let worst: Worst | null = null;
  let worstRatio = -1;
  let ok = true;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    const diff = g === w ? 0 : Math.abs(g - w); // handles equal infinities
    const tol = rtol * (Math.abs(w) + floor);
    const bad = !(diff <= tol); // NaN fails
    if (bad) ok = false;
    if (diff > maxDiff || Number.isNaN(diff)) maxDiff = Number.isNaN(diff) ? NaN : diff;
    const ratio = Number.isNaN(diff) ? Infinity : diff / (tol || 1e-300);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = { index: i, got: g, want: w, diff, tol };
    }
  }
  return { ok, maxDiff, worst };
}

/** A one-line report for a failed comparison. */
export function report(what: string, c: Comparison): string {
  const w = c.worst;
  if (!w) return `${what}: empty`;
  if (w.index < 0) return `${what}: length ${w.got} != ${w.want}`;
  return `${what}: max |diff| ${c.maxDiff.toExponential(3)}; worst element [${w.index}] got ${w.got} want ${w.want} ` +
    `(diff ${w.diff.toExponential(3)} > tol ${w.tol.toExponential(3)})`;
}

export function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return a.length ? Math.sqrt(s / a.length) : 0;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

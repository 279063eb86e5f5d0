/**
 * Seeded random numbers on the JS side (shuffling, sampling, augmentation) and the stream
 * positions handed to native counter-based generators (initializers, dropout).
 *
 * One global generator is reseeded by ng.setSeed(n); everything random in nodegrad draws from
 * it (or from a generator forked from it), so a seed fixes initialization, shuffling, dropout
 * and augmentation. The generator is xoshiro128** seeded through splitmix32.
 */
import { assertInteger } from './validate';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number = 0) {
    this.seed(seed);
  }

  /** Resets the generator to the stream of `seed` (any integer, including negative or > 2^32). */
  seed(seed: number): void {
    assertInteger(seed, 'seed');
    const st = { s: (seed >>> 0) ^ Math.floor(seed / 4294967296) * 0x27d4eb2d };
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(st);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spareNormal = null;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0) return 0;
    if (n <= 0x100000000) {
      // Rejection sampling removes modulo bias.
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u1 = this.uniform();
    while (u1 === 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    return this.shuffleSteps(arr, arr.length - 1, 0);
  }

  /**
   * The steps of shuffle(arr) from position `from` down to `to` (exclusive): a shuffle split as
   * shuffleSteps(arr, n - 1, k), shuffleSteps(arr, k, 0) draws the same numbers and gives the
   * same order as shuffle(arr).
   */
  shuffleSteps<T extends { length: number; [i: number]: any }>(arr: T, from: number, to: number): T {
    for (let i = from; i > to; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A 53-bit seed for a native counter-based stream (or a child generator). */
  nextSeed(): number {
    return (this.nextUint32() & 0x1fffff) * 4294967296 + this.nextUint32();
  }

  /** An independent generator derived from this one (advances this one). */
  fork(): Rng {
    return new Rng(this.nextSeed());
  }

  /** Serializable state (for checkpoints). */
  getState(): number[] {
    return [...this.s, this.spareNormal === null ? NaN : this.spareNormal];
  }

  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 5) {
      throw new TypeError(`Expected RNG state array of length 5 for state but received ${String(state)}`);
    }
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The global generator; ng.setSeed(n) reseeds it. Default seed: from the clock (not reproducible). */
export const globalRng = new Rng(Date.now() % 2147483647);


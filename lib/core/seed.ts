/**
 * ng.setSeed: one seed fixes every random stream in nodegrad.
 *  - the JS generator (shuffling, sampling, augmentation): lib/core/random.ts globalRng
 *  - the native counter-based stream (rand/randn/initializers/dropout): a (key, offset) pair;
 *    each native random call takes the current offset and advances it by the values drawn,
 *    so results depend only on the seed and the order of calls, never on the thread count.
 */
import { globalRng, Rng } from './random';
import { assertInteger } from './validate';

const stream = { hi: 0, lo: 0, offset: 0 };

function setStreamKey(seed: number): void {
  const r = new Rng(seed);
  stream.hi = r.nextUint32();
  stream.lo = r.nextUint32();
  stream.offset = 0;
}

setStreamKey(Date.now() % 2147483647);

/** Seeds all random number generation (JS and native). */
export function setSeed(seed: number): void {
  assertInteger(seed, 'seed');
  globalRng.seed(seed);
  setStreamKey(seed);
}

/** Reserves `n` positions of the native stream; returns the key and the first position. */
export function takeNativeStream(n: number): { hi: number; lo: number; offset: number } {
  const s = { hi: stream.hi, lo: stream.lo, offset: stream.offset };
  // Round up to a multiple of 4 so each call starts on a fresh Philox block.
  stream.offset += Math.ceil(n / 4) * 4;
  return s;
}

export interface RngState { js: number[]; native: [number, number, number] }

/** Full random state (for checkpoints that resume bit-identically). */
export function getRngState(): RngState {
  return { js: globalRng.getState(), native: [stream.hi, stream.lo, stream.offset] };
}

export function setRngState(state: RngState): void {
  globalRng.setState(state.js);
  [stream.hi, stream.lo, stream.offset] = state.native;
}

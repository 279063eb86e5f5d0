"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.setSeed = setSeed;
exports.takeNativeStream = takeNativeStream;
exports.getRngState = getRngState;
exports.setRngState = setRngState;
/**
 * ng.setSeed: one seed fixes every random stream in nodegrad.
 *  - the JS generator (shuffling, sampling, augmentation): lib/core/random.ts globalRng
 *  - the native counter-based stream (rand/randn/initializers/dropout): a (key, offset) pair;
 *    each native random call takes the current offset and advances it by the values drawn,
 *    so results depend only on the seed and the order of calls, never on the thread count.
 */
const random_1 = require("./random");
const validate_1 = require("./validate");
const stream = { hi: 0, lo: 0, offset: 0 };
function setStreamKey(seed) {
    const r = new random_1.Rng(seed);
    stream.hi = r.nextUint32();
    stream.lo = r.nextUint32();
    stream.offset = 0;
}
setStreamKey(Date.now() % 2147483647);
/** Seeds all random number generation (JS and native). */
function setSeed(seed) {
    (0, validate_1.assertInteger)(seed, 'seed');
    random_1.globalRng.seed(seed);
    setStreamKey(seed);
}
/** Reserves `n` positions of the native stream; returns the key and the first position. */
function takeNativeStream(n) {
    const s = { hi: stream.hi, lo: stream.lo, offset: stream.offset };
    // Round up to a multiple of 4 so each call starts on a fresh Philox block.
    stream.offset += Math.ceil(n / 4) * 4;
    return s;
}
/** Full random state (for checkpoints that resume bit-identically). */
function getRngState() {
    return { js: random_1.globalRng.getState(), native: [stream.hi, stream.lo, stream.offset] };
}
function setRngState(state) {
    random_1.globalRng.setState(state.js);
    [stream.hi, stream.lo, stream.offset] = state.native;
}

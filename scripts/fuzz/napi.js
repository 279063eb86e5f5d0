// N-API fuzzer for the raw addon: every exported function, called with random wrong and edge
// arguments. Each call must either return or throw a JS Error whose message follows the
// project's format; a crash or abort kills the process (the driver, scripts/fuzz.js, runs this
// in a child process and reports the seed). Out-of-bounds writes that do not crash are caught
// by guard zones: every typed array the fuzzer passes is a view into a larger buffer whose
// margins hold a sentinel pattern, checked after each call. Run under the ASan build
// (npm run test:sanitize) out-of-bounds reads are caught as well.
//
// Signatures: learned from the addon itself (discoverSignature): calling a function with
// undefined arguments throws "Expected <kind> for <name> ..."; the fuzzer finds which position
// takes that argument by supplying a valid value of that kind at each free position until the
// complaint moves on, and repeats until the call succeeds. The result (position -> kind) is
// the template each fuzz call starts from before mutating some of its arguments.
'use strict';

const GUARD = 16; // elements of sentinel on each side of every typed array
const SENTINEL_F32 = Math.fround(-7.25e-31);
const SENTINEL_I32 = -0x5a5a5a5b;
const MAX_ARITY = 32;
const MESSAGE = /Expected (.+?) for (\S+?),? but received/;
const MAX_LEN = 1 << 16; // longest valid array the fuzzer builds

// Small, fast, seeded PRNG (mulberry32).
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (a) => a[Math.floor(next() * a.length)],
    chance: (p) => next() < p,
  };
}

// A typed array view with guard margins; guarded arrays are remembered for checkGuards.
class Arena {
  constructor() { this.views = []; }
  make(Ctor, len, fill, opts = {}) {
    const sentinel = Ctor === Int32Array ? SENTINEL_I32 : SENTINEL_F32;
    const total = len + 2 * GUARD;
    const buf = opts.shared ? new SharedArrayBuffer(total * Ctor.BYTES_PER_ELEMENT) : new ArrayBuffer(total * Ctor.BYTES_PER_ELEMENT);
    const whole = new Ctor(buf);
    whole.fill(sentinel);
    const view = new Ctor(buf, GUARD * Ctor.BYTES_PER_ELEMENT, len);
    for (let i = 0; i < len; i++) view[i] = fill(i);
    this.views.push({ whole, len, sentinel });
    return view;
  }
  // Index of the first damaged guard element, or null.
  check() {
    for (const { whole, len, sentinel } of this.views) {
      if (whole.length === 0) continue; // detached on purpose
      for (let i = 0; i < GUARD; i++) {
        if (whole[i] !== sentinel) return `before element 0 (guard ${GUARD - i})`;
        if (whole[GUARD + len + i] !== sentinel) return `after element ${len - 1} (guard ${i + 1})`;
      }
    }
    return null;
  }
  reset() { this.views = []; }
}

function kindOf(what) {
  const w = what.replace(/^attached /, '');
  if (/^Float32Array or null/.test(w)) return 'f32n';
  if (/^Float32Array/.test(w)) return 'f32';
  if (/^Int32Array or null/.test(w)) return 'i32n';
  if (/^Int32Array/.test(w)) return 'i32';
  if (/^(ArrayBuffer|buffer allocated by nodegrad)/.test(w)) return 'ab';
  if (/^Uint8Array or Float32Array/.test(w)) return 'mask';
  if (/^(live )?captured program/.test(w)) return 'program';
  if (/^array of .*integers/.test(w)) return 'shape';
  if (/^permutation of 0\.\./.test(w)) return 'perm';
  if (/^array of \d+ Float32Arrays/.test(w)) return 'f32list';
  if (/^0 \(none\)/.test(w)) return 'int';
  if (/^at most .*\(\d+\)$/.test(w)) return 'int';
  if (/integer/.test(w)) return 'int';
  if (/number/.test(w)) return 'num';
  if (/^boolean/.test(w)) return 'bool';
  if (/string|one of|"/.test(w)) return 'str';
  return null;
}

function minLength(what) {
  const m = /of length >= (\d+)/.exec(what) || /of length (\d+)/.exec(what);
  return m ? Number(m[1]) : null;
}

function intRange(what) {
  const m = /integer in \[(-?\d+), (-?\d+)\]/.exec(what);
  if (m) return [Number(m[1]), Number(m[2])];
  if (/^0 \(none\)/.test(what)) return [0, /3 \(batchmean\)/.test(what) ? 3 : 2];
  if (/positive integer/.test(what)) return [1, Infinity];
  const most = /^at most .*\((\d+)\)$/.exec(what);
  if (most) return [0, Number(most[1])];
  const g = /integer >= (-?\d+)/.exec(what);
  if (g) return [Number(g[1]), Infinity];
  return [0, Infinity];
}

function stringChoices(what) {
  const out = [];
  const re = /"([^"]*)"/g;
  let m;
  while ((m = re.exec(what))) out.push(m[1]);
  return out;
}

function parse(err) {
  const m = err && typeof err.message === 'string' ? MESSAGE.exec(err.message) : null;
  return m ? { what: m[1], name: m[2] } : null;
}

// A valid value for an argument slot (sizes are kept small so arrays of 64 fit them).
function validValue(slot, native) {
  switch (slot.kind) {
    case 'f32': case 'f32n': return new Float32Array(slot.len ?? 64).fill(0.5);
    case 'i32': case 'i32n': return new Int32Array(slot.len ?? 64);
    case 'ab': return new ArrayBuffer(64);
    case 'mask': return new Float32Array(slot.len ?? 64).fill(1);
    case 'shape': return slot.value ?? [2, 2];
    case 'perm': return Array.from({ length: slot.n }, (_, i) => slot.n - 1 - i);  // the axes reversed
    case 'f32list': return Array.from({ length: slot.count }, () => new Float32Array(64).fill(0.5));
    case 'int': return slot.value ?? Math.max(slot.lo ?? 0, Math.min(2, slot.hi ?? 2));
    case 'num': return slot.value ?? 0.5;
    case 'bool': return false;
    case 'str': return slot.value ?? (slot.choices && slot.choices[0]) ?? 'generic';
    case 'program': return emptyProgram(native);
    default: return undefined;
  }
}

// A captured program with no ops (ng.compile's handle), from a recording of nothing. A capture
// the fuzz calls left open is dropped first: a program never holds ops recorded by fuzz calls
// (their buffers are not kept alive for a replay).
function emptyProgram(native) {
  if (native.captureCount() >= 0) native.captureAbort();
  native.captureBegin();
  return native.captureEnd().program;
}

/**
 * Learns fn's argument slots: [{ pos, name, kind, ... }] and whether the template call succeeds.
 * Functions that take no checked arguments come back with no slots.
 */
function discoverSignature(native, fnName) {
  const fn = native[fnName];
  const args = new Array(MAX_ARITY).fill(undefined);
  const slots = new Map(); // pos -> slot
  let ok = false;
  let lastError = null;
  for (let iter = 0; iter < 240; iter++) {
    const r = tryCall(fn, args);
    if (r.ok) { ok = true; break; }
    const p = parse(r.error);
    lastError = r.error && r.error.message;
    if (!p) break;
    const kind = kindOf(p.what);
    if (!kind) break;
    const known = [...slots.values()].find((s) => s.name === p.name);
    if (known) {
      // The argument is in place but its value is not accepted: adjust the value.
      const need = minLength(p.what);
      if (need !== null && (known.kind === 'f32' || known.kind === 'f32n' || known.kind === 'i32' || known.kind === 'i32n') && need <= MAX_LEN) {
        if ((known.len ?? 64) >= need) break;
        known.len = need;
      } else if (known.kind === 'int' && kind === 'int') {
        const [lo, hi] = intRange(p.what);
        const v = args[known.pos];
        if (lo <= v && v <= hi) break; // a constraint between arguments (e.g. index < size)
        known.lo = lo; known.hi = hi; known.value = Math.max(lo, Math.min(2, hi));
      } else if (kind === 'str' && known.kind === 'str') {
        const choices = stringChoices(p.what).filter((c) => c !== args[known.pos]);
        if (!choices.length) break;
        known.value = choices[0];
      } else if (known.kind === 'shape' && kind === 'shape' && Array.isArray(args[known.pos]) && args[known.pos].length > 1) {
        known.value = [2];
      } else if (kind === 'int' && known.kind === 'num') {
        known.kind = 'int';
      } else break;
      args[known.pos] = validValue(known, native);
      continue;
    }
    const slot = { name: p.name, kind };
    if (kind === 'int') [slot.lo, slot.hi] = intRange(p.what);
    if (kind === 'str') slot.choices = stringChoices(p.what);
    if (kind === 'f32list') slot.count = Number(/array of (\d+)/.exec(p.what)[1]);
    if (kind === 'perm') slot.n = Number(/permutation of 0\.\.(-?\d+)/.exec(p.what)[1]) + 1;
    const need = minLength(p.what);
    if (need !== null && need <= MAX_LEN) slot.len = Math.max(need, 64);
    const candidate = validValue(slot, native);
    let found = -1;
    for (let pos = 0; pos < MAX_ARITY && found < 0; pos++) {
      if (slots.has(pos)) continue;
      const trial = args.slice();
      trial[pos] = candidate;
      const t = tryCall(fn, trial);
      const tp = t.ok ? null : parse(t.error);
      // Found: the call passes this argument, or now complains about it differently (a string
      // of the wrong value instead of a missing string: 'generic' is not a precision).
      if (t.ok || !tp || tp.name !== p.name || tp.what !== p.what) found = pos;
    }
    if (found < 0) break;
    slot.pos = found;
    slots.set(found, slot);
    args[found] = candidate;
  }
  const list = [...slots.values()].sort((a, b) => a.pos - b.pos);
  return { name: fnName, slots: list, arity: list.length ? list[list.length - 1].pos + 1 : 0, ok, lastError };
}

function tryCall(fn, args) {
  try {
    const value = fn(...args);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
}

const HOSTILE_INTS = [0, 1, 2, 3, 4, 7, 63, 64, 65, 255, 4096, -1, -2, 0.5, 1.5, -0, NaN, Infinity, -Infinity,
  2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 33, 2 ** 34 + 64, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 62, 1e300, -(2 ** 31), Number.MIN_VALUE];
const HOSTILE_NUMS = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 3.4e38, 3.5e38, -3.5e38, 1e-45, 5e-324, 1e300, 2 ** 31];
const HOSTILE_FLOATS = [0, -0, 1, -1, NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-40, 1e30, -1e30];
const WRONG_TYPES = [undefined, null, true, '2', '', {}, [], [1, 2, 3], () => 1, Symbol('x'), 10n, new Float64Array(8),
  new Uint8Array(8), new Int16Array(8), new DataView(new ArrayBuffer(8)), new ArrayBuffer(16), new Date(0)];

function arrayLength(r, slot) {
  const base = slot.len ?? 64;
  return r.pick([0, 1, 2, 3, base - 1, base, base + 1, r.int(base * 2 + 2), r.int(300), 4097]).valueOf();
}

function fillValue(r) {
  if (r.chance(0.8)) return () => r.next() * 4 - 2;
  const special = r.pick(HOSTILE_FLOATS);
  return (i) => (i % 3 === 0 ? special : r.next() * 2 - 1);
}

function intFill(r) {
  if (r.chance(0.6)) return () => r.int(4);
  return () => r.pick([0, 1, 2, -1, -100, 2 ** 31 - 1, -(2 ** 31), r.int(100000)]);
}

// A detached ArrayBuffer view (structuredClone with transfer detaches the original).
function detached(Ctor) {
  const ab = new ArrayBuffer(64 * Ctor.BYTES_PER_ELEMENT);
  const view = new Ctor(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

// A view of a detached buffer (transferred away: its memory is gone).
function disposed(native, Ctor) {
  const ab = new ArrayBuffer(64 * Ctor.BYTES_PER_ELEMENT);
  const view = new Ctor(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

function mutateArray(r, slot, native, arena, args) {
  const Ctor = slot.kind.startsWith('i32') ? Int32Array : Float32Array;
  const choice = r.int(10);
  if (choice === 0) return detached(Ctor);
  if (choice === 1) return disposed(native, Ctor);
  if (choice === 2) {
    // aliasing: reuse another array argument of the same call
    const others = args.filter((a) => a instanceof Ctor);
    if (others.length) return r.pick(others);
  }
  if (choice === 3) return r.pick(WRONG_TYPES);
  const len = arrayLength(r, slot);
  const shared = choice === 4;
  return arena.make(Ctor, len, Ctor === Int32Array ? intFill(r) : fillValue(r), { shared });
}

function mutate(r, slot, native, arena, args) {
  if (r.chance(0.08)) return r.pick(WRONG_TYPES);
  switch (slot.kind) {
    case 'f32': case 'f32n': case 'i32': case 'i32n': return mutateArray(r, slot, native, arena, args);
    case 'ab': return r.pick([() => new ArrayBuffer(r.pick([0, 1, 64])), () => disposed(native, Uint8Array).buffer,
      () => new ArrayBuffer(64), () => new SharedArrayBuffer(64), () => r.pick(WRONG_TYPES)])();
    case 'int': return r.chance(0.7) ? r.pick(HOSTILE_INTS) : r.int(130);
    case 'num': return r.pick(HOSTILE_NUMS);
    case 'mask': return r.chance(0.5) ? mutateArray(r, { ...slot, kind: 'f32' }, native, arena, args)
      : new Uint8Array(arrayLength(r, slot)).map(() => r.int(3));
    case 'f32list': return Array.from({ length: r.chance(0.8) ? slot.count : r.int(5) },
      () => mutateArray(r, { kind: 'f32' }, native, arena, args));
    case 'shape': return Array.from({ length: r.pick([0, 1, 2, 3, 4, 5, 9]) }, () => (r.chance(0.8) ? r.int(5) : r.pick(HOSTILE_INTS)));
    case 'perm': return Array.from({ length: r.pick([0, 1, 2, 3, 8, 9]) }, () => (r.chance(0.8) ? r.int(3) : r.pick(HOSTILE_INTS)));
    case 'bool': return r.pick([true, false, 0, 1, 'true']);
    case 'program': {
      const p = emptyProgram(native);
      if (r.chance(0.5)) native.captureFree(p); // freed: must be refused
      return p;
    }
    case 'str': return r.pick(['', 'x', 'generic', 'avx2', 'avx512', 'AVX2', 'a'.repeat(10000), '\u0000', '\ud800', ...(slot.choices || [])]);
    default: return r.pick(WRONG_TYPES);
  }
}

// Arguments of one fuzz call: the template with a few slots mutated (sometimes none, sometimes
// all), and sometimes too few or too many arguments. Valid arrays are guarded too.
function makeArgs(r, sig, native, arena) {
  const args = new Array(sig.arity).fill(undefined);
  for (const s of sig.slots) {
    if (s.kind === 'f32' || s.kind === 'f32n' || s.kind.startsWith('i32')) {
      const Ctor = s.kind.startsWith('i32') ? Int32Array : Float32Array;
      args[s.pos] = arena.make(Ctor, s.len ?? 64, Ctor === Int32Array ? () => 0 : () => 0.5);
    } else {
      args[s.pos] = validValue(s, native);
    }
  }
  // Positions no check complained about (optional arrays): sometimes fill them in.
  const taken = new Set(sig.slots.map((s) => s.pos));
  for (let p = 0; p < sig.arity; p++) {
    if (!taken.has(p) && r.chance(0.3)) args[p] = mutateArray(r, { kind: r.chance(0.8) ? 'f32' : 'i32' }, native, arena, args);
  }
  const mode = r.int(10);
  const targets = mode === 0 ? [] : mode === 1 ? sig.slots : Array.from({ length: 1 + r.int(3) }, () => r.pick(sig.slots));
  for (const s of targets) if (s) args[s.pos] = mutate(r, s, native, arena, args);
  if (r.chance(0.05)) args.length = r.int(args.length + 1);
  if (r.chance(0.05)) args.push(...Array.from({ length: 1 + r.int(3) }, () => r.pick(WRONG_TYPES)));
  return args;
}

// Functions that change process-wide state: restored after each call so later calls stay fast
// and meaningful.
const STATE_SETTERS = new Set(['setNumThreads', 'setMaxAllocation', 'setIsa', 'setGemmPrecision']);

function restoreState(native, defaults) {
  native.setNumThreads(defaults.threads);
  native.setMaxAllocation(defaults.maxAllocation);
  if (defaults.isa !== null) native.setIsa(defaults.isa);
  if (defaults.precision !== null) native.setGemmPrecision(defaults.precision);
}

/**
 * Runs calls [from, to) of the fuzz stream for `seed`. Each call's arguments depend only on
 * (seed, call index), so one call can be replayed alone. Returns counters; throws (after
 * printing the call) on a guard violation or a thrown non-Error / badly formatted message.
 */
function fuzz(native, { seed, from, to, signatures, log = () => {} }) {
  const defaults = {
    threads: native.getNumThreads(),
    // The addon's default limit: sizes up to 16 GiB are really requested (virtual memory,
    // untouched) so the paths past Node's ArrayBuffer limit run too.
    maxAllocation: 16 * 2 ** 30,
    isa: typeof native.getIsa === 'function' ? native.getIsa() : null,
    precision: typeof native.getGemmPrecision === 'function' ? native.getGemmPrecision() : null,
  };
  restoreState(native, defaults);
  const stats = { calls: 0, ok: 0, threw: 0, byFunction: {} };
  const arena = new Arena();
  for (let i = from; i < to; i++) {
    const r = rng((seed * 1000003 + i) >>> 0);
    const sig = signatures[r.int(signatures.length)];
    arena.reset();
    const args = makeArgs(r, sig, native, arena);
    log(i, sig.name, args);
    const res = tryCall(native[sig.name], args);
    stats.calls++;
    const f = (stats.byFunction[sig.name] ||= { ok: 0, threw: 0 });
    if (res.ok) { stats.ok++; f.ok++; } else { stats.threw++; f.threw++; }
    if (!res.ok) {
      const e = res.error;
      if (!(e instanceof Error)) throw new Error(`call ${i} (${sig.name}): threw a non-Error ${String(e)}`);
      if (!/^Expected .+ but received|^Cannot allocate|^Expected/.test(e.message) && !(e instanceof TypeError && /Symbol|BigInt/.test(e.message))) {
        throw new Error(`call ${i} (${sig.name}): error message not in the project's format: ${e.constructor.name}: ${e.message}`);
      }
    }
    const damage = arena.check();
    if (damage) throw new Error(`call ${i} (${sig.name}): wrote out of bounds ${damage}`);
    if (STATE_SETTERS.has(sig.name)) restoreState(native, defaults);
  }
  return stats;
}

function describeArg(a) {
  if (ArrayBuffer.isView(a)) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
    return `${a.constructor.name}(${a.length}${a.buffer.byteLength === 0 ? ', detached' : ''}${shared ? ', shared' : ''})`;
  }
  if (a instanceof ArrayBuffer) return `ArrayBuffer(${a.byteLength})`;
  if (typeof a === 'string') return JSON.stringify(a.length > 20 ? a.slice(0, 20) + '...' : a);
  if (typeof a === 'number') return Object.is(a, -0) ? '-0' : String(a);
  if (typeof a === 'symbol' || typeof a === 'bigint') return String(a) + (typeof a === 'bigint' ? 'n' : '');
  if (typeof a === 'function') return 'function';
  if (Array.isArray(a)) return `[${a.join(',')}]`;
  if (a && typeof a === 'object') return a.constructor ? a.constructor.name : 'object';
  return String(a);
}

/**
 * Every function the addon offers as one flat object: the runtime exports plus, from the op
 * table (native/ops/op_table.h, addon.opTable()), each op of each device's backend
 * (addon.backends.<device>.<name>; CPU ops keep their plain name, others get "<device>.").
 */
function flatten(addon) {
  const out = {};
  for (const k of Object.keys(addon)) if (typeof addon[k] === 'function') out[k] = addon[k];
  if (typeof addon.opTable === 'function' && addon.backends) {
    for (const row of addon.opTable()) {
      for (const device of row.devices) {
        const fn = addon.backends[device] && addon.backends[device][row.name];
        if (typeof fn === 'function') out[device === 'cpu' ? row.name : `${device}.${row.name}`] = fn;
      }
    }
  }
  return out;
}

/** Signatures for every exported function (sorted by name). */
function discoverAll(native) {
  return Object.keys(native).filter((k) => typeof native[k] === 'function').sort().map((k) => discoverSignature(native, k));
}

module.exports = { discoverSignature, discoverAll, fuzz, describeArg, rng, Arena, flatten };

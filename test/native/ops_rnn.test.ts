// Kernel tests for the recurrent layers (native/cpu/ops/rnn.cc): LSTM, GRU and RNN (tanh / relu)
// forward against a naive double-precision reference, backward through time against central
// finite differences of that reference, variable lengths (unsorted), both directions, thread
// independence and argument errors; LSTM with a projection (P = proj_size > 0: h has R = P entries).
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { rng, randF32, expectClose, type Arr } from '../helpers/kernels';
import { rnnReference, RNN_GATES } from '../helpers/rnn-reference';

const MODES = ['lstm', 'gru', 'rnnTanh', 'rnnRelu'] as const;
const GATES = RNN_GATES;

interface Case {
  mode: number; T: number; B: number; I: number; H: number; D: number; dir: number;
  lengths: Int32Array | null; bias: boolean; init: boolean; P?: number;
}
interface Params { x: Arr; wih: Arr; whh: Arr; bih: Arr | null; bhh: Arr | null; h0: Arr | null; c0: Arr | null; whr: Arr | null }
const stateSize = (c: Case): number => (c.P ? c.P : c.H);

/** The reference for direction c.dir only (its columns of out; hN, cN (B, H)). */
function reference(c: Case, p: Params): { out: Float64Array; hN: Float64Array; cN: Float64Array } {
  const w = { wih: p.wih, whh: p.whh, bih: p.bih, bhh: p.bhh, whr: p.whr };
  const R = stateSize(c);
  const stateAt = (s: Arr | null, n: number): Arr | null => {
    if (!s) return null;
    const full = new Float64Array(c.D * c.B * n);
    full.set(Array.from(s), c.dir * c.B * n);
    return full;
  };
  const r = rnnReference({ mode: c.mode, T: c.T, B: c.B, I: c.I, H: c.H, x: p.x, dirs: Array(c.D).fill(w),
    h0: stateAt(p.h0, R), c0: stateAt(p.c0, c.H), lengths: c.lengths, only: [c.dir], P: c.P });
  const n = c.B * R, nc = c.B * c.H;
  return { out: r.out, hN: r.hN.slice(c.dir * n, (c.dir + 1) * n), cN: r.cN.slice(c.dir * nc, (c.dir + 1) * nc) };
}

function makeCase(c: Case, seed: number) {
  const r = rng(seed);
  const G = GATES[c.mode];
  const bound = 1 / Math.sqrt(c.H);
  const R = stateSize(c);
  const p = {
    x: randF32(c.T * c.B * c.I, r, -1, 1),
    wih: randF32(G * c.H * c.I, r, -bound, bound),
    whh: randF32(G * c.H * R, r, -bound, bound),
    bih: c.bias ? randF32(G * c.H, r, -bound, bound) : null,
    bhh: c.bias ? randF32(G * c.H, r, -bound, bound) : null,
    h0: c.init ? randF32(c.B * R, r, -1, 1) : null,
    c0: c.init && c.mode === 0 ? randF32(c.B * c.H, r, -1, 1) : null,
    whr: c.P ? randF32(c.P * c.H, r, -bound, bound) : null,
  };
  const gOut = randF32(c.T * c.B * c.D * R, r, -1, 1);
  const gh = randF32(c.B * R, r, -1, 1);
  const gc = randF32(c.B * c.H, r, -1, 1);
  return { p, gOut, gh, gc };
}

function wsFloats(c: Case): number {
  const G = GATES[c.mode];
  return c.T * c.B * (G * c.H + stateSize(c) + (c.mode === 0 ? (c.P ? 3 : 2) * c.H : c.mode === 1 ? c.H : 0));
}

function runForward(c: Case, p: typeof makeCase extends (...a: never[]) => infer R ? R extends { p: infer P } ? P : never : never) {
  const out = new Float32Array(c.T * c.B * c.D * stateSize(c)).fill(7);  // other direction's columns stay 7
  const hN = new Float32Array(c.B * stateSize(c));
  const cN = c.mode === 0 ? new Float32Array(c.B * c.H) : null;
  const ws = new Float32Array(wsFloats(c)).fill(NaN);  // the kernel must not read what it did not write
  if (c.P) {
    native.rnnForward(out, hN, cN, ws, p.x, p.wih, p.whh, p.bih, p.bhh, p.h0, p.c0, c.lengths, c.mode, c.T, c.B, c.I,
      c.H, c.D, c.dir, p.whr, c.P);
  } else {  // the projection arguments are optional
    native.rnnForward(out, hN, cN, ws, p.x, p.wih, p.whh, p.bih, p.bhh, p.h0, p.c0, c.lengths, c.mode, c.T, c.B, c.I,
      c.H, c.D, c.dir);
  }
  return { out, hN, cN, ws };
}

/** Loss of the reference: <out, gOut> (this direction's columns) + <hN, gh> + <cN, gc>. */
function refLoss(c: Case, p: Params, gOut: Arr, gh: Arr, gc: Arr): number {
  const { out, hN, cN } = reference(c, p);
  let s = 0;
  for (let k = 0; k < out.length; k++) if (Math.floor(k / stateSize(c)) % c.D === c.dir) s += out[k] * gOut[k];
  for (let k = 0; k < hN.length; k++) s += hN[k] * gh[k];
  if (c.mode === 0) for (let k = 0; k < cN.length; k++) s += cN[k] * gc[k];
  return s;
}

/** Central differences of refLoss w.r.t. entries `idx` of parameter `name`. */
function fdAt(c: Case, p: Params, name: keyof Params, idx: number[], gOut: Arr, gh: Arr, gc: Arr): number[] {
  const base = Float64Array.from(p[name] as Arr);
  const h = 1e-5;
  return idx.map((i) => {
    const v = base[i];
    base[i] = v + h;
    const fp = refLoss(c, { ...p, [name]: base }, gOut, gh, gc);
    base[i] = v - h;
    const fm = refLoss(c, { ...p, [name]: base }, gOut, gh, gc);
    base[i] = v;
    return (fp - fm) / (2 * h);
  });
}

function sample(n: number, k: number, r: () => number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, () => Math.floor(r() * n));
}

function check(c: Case, seed: number): void {
  const { p, gOut, gh, gc } = makeCase(c, seed);
  const { out, hN, cN, ws } = runForward(c, p);
  const ref = reference(c, p);
  const wantOut = Array.from(ref.out, (v, k) => (Math.floor(k / stateSize(c)) % c.D === c.dir ? v : 7));
  expectClose(out, wantOut, 1e-5, 2e-6, 'out');
  expectClose(hN, ref.hN, 1e-5, 2e-6, 'hN');
  if (cN) expectClose(cN, ref.cN, 1e-5, 2e-6, 'cN');

  const G = GATES[c.mode];
  const z = (n: number) => new Float32Array(n).fill(0.5);  // gradients accumulate onto 0.5
  const g = {
    x: z(p.x.length), wih: z(p.wih.length), whh: z(p.whh.length), bih: c.bias ? z(G * c.H) : null,
    bhh: c.bias ? z(G * c.H) : null, h0: z(c.B * stateSize(c)), c0: c.mode === 0 ? z(c.B * c.H) : null,
    whr: c.P ? z(c.P * c.H) : null,
  };
  const tail = c.P ? [g.whr, p.whr, c.P] : [];
  native.rnnBackward(g.x, g.wih, g.whh, g.bih, g.bhh, g.h0, g.c0, gOut, gh, c.mode === 0 ? gc : null, ws, p.x, p.wih,
    p.whh, c.lengths, c.mode, c.T, c.B, c.I, c.H, c.D, c.dir, ...tail);
  const r = rng(seed + 1);
  const pr: Params = { ...p, h0: p.h0 ?? new Float32Array(c.B * stateSize(c)), c0: p.c0 ?? new Float32Array(c.B * c.H) };
  for (const name of ['x', 'wih', 'whh', 'bih', 'bhh', 'h0', 'c0', 'whr'] as const) {
    const grad = g[name];
    if (!grad || (name === 'c0' && c.mode !== 0)) continue;
    const idx = sample(grad.length, 24, r);
    const want = fdAt(c, pr, name, idx, gOut, gh, gc);
    const got = idx.map((i) => grad[i] - 0.5);
    expectClose(got, want, 2e-3, 2e-4, `d${name}`);
  }
}

describe('rnn kernels against a double reference and finite differences', () => {
  const shapes: Array<[number, number, number, number]> = [
    [1, 1, 1, 1], [3, 2, 5, 3], [4, 3, 255, 17], [5, 1, 7, 17], [2, 4, 3, 1],
  ];
  for (let mode = 0; mode < 4; mode++) {
    for (const [T, B, I, H] of shapes) {
      for (const dir of [0, 1]) {
        it(`${MODES[mode]} T=${T} B=${B} I=${I} H=${H} dir=${dir}`, () => {
          check({ mode, T, B, I, H, D: dir + 1, dir, lengths: null, bias: true, init: true }, T * 100 + B * 10 + H + mode);
        });
      }
    }
    it(`${MODES[mode]} variable lengths (unsorted), both directions, no bias, zero initial state`, () => {
      const lengths = Int32Array.from([2, 5, 1, 5, 3]);
      for (const dir of [0, 1]) {
        check({ mode, T: 5, B: 5, I: 4, H: 3, D: 2, dir, lengths, bias: false, init: false }, 77 + mode + dir);
        check({ mode, T: 5, B: 5, I: 4, H: 3, D: 2, dir, lengths, bias: true, init: true }, 91 + mode + dir);
      }
    });
  }

  // LSTM with a projection: awkward sizes (P = 1, H = 17, I = 255), both directions, lengths.
  const projShapes: Array<[number, number, number, number, number]> = [
    [1, 1, 1, 2, 1], [3, 2, 5, 3, 2], [4, 3, 255, 17, 5], [5, 2, 7, 17, 1],
  ];
  for (const [T, B, I, H, P] of projShapes) {
    for (const dir of [0, 1]) {
      it(`lstm projection T=${T} B=${B} I=${I} H=${H} P=${P} dir=${dir}`, () => {
        check({ mode: 0, T, B, I, H, D: dir + 1, dir, lengths: null, bias: true, init: true, P }, 500 + T * 10 + H + P);
      });
    }
  }
  it('lstm projection with variable lengths (unsorted), both directions, with and without bias / initial state', () => {
    const lengths = Int32Array.from([2, 5, 1, 5, 3]);
    for (const dir of [0, 1]) {
      check({ mode: 0, T: 5, B: 5, I: 4, H: 6, D: 2, dir, lengths, bias: false, init: false, P: 2 }, 61 + dir);
      check({ mode: 0, T: 5, B: 5, I: 4, H: 6, D: 2, dir, lengths, bias: true, init: true, P: 4 }, 63 + dir);
    }
  });

  it('padded positions of out are 0 and the final state is the last valid step', () => {
    const c: Case = { mode: 0, T: 4, B: 2, I: 2, H: 2, D: 1, dir: 0, lengths: Int32Array.from([1, 4]), bias: true, init: true };
    const { p } = makeCase(c, 5);
    const { out, hN } = runForward(c, p);
    for (let t = 1; t < 4; t++) expect([out[(t * 2) * 2], out[(t * 2) * 2 + 1]]).toEqual([0, 0]);
    expect([hN[0], hN[1]]).toEqual([out[0], out[1]]);
  });
});

describe('rnn kernels: thread independence', () => {
  for (let mode = 0; mode < 4; mode++) {
    it(`${MODES[mode]} forward and backward are bit-identical for 1 and 2 threads`, () => {
      const c: Case = { mode, T: 6, B: 40, I: 33, H: 70, D: 2, dir: 1, lengths: null, bias: true, init: true };
      c.lengths = Int32Array.from({ length: c.B }, (_, b) => 1 + (b * 7) % c.T);
      const { p, gOut, gh, gc } = makeCase(c, 3 + mode);
      sameForThreads(() => {
        const f = runForward(c, p);
        const dx = new Float32Array(p.x.length);
        const dwih = new Float32Array(p.wih.length);
        const dwhh = new Float32Array(p.whh.length);
        const db = new Float32Array(GATES[mode] * c.H);
        const dh0 = new Float32Array(c.B * c.H);
        native.rnnBackward(dx, dwih, dwhh, db, db, dh0, null, gOut, gh, mode === 0 ? gc : null, f.ws, p.x, p.wih, p.whh,
          c.lengths, mode, c.T, c.B, c.I, c.H, c.D, c.dir);
        return [...f.out, ...f.hN, ...dx, ...dwih, ...dwhh, ...db, ...dh0];
      });
    });
  }
});

describe('rnn kernels: thread independence with a projection', () => {
  it('lstm projection forward and backward are bit-identical for 1 and 2 threads', () => {
    const c: Case = { mode: 0, T: 6, B: 40, I: 33, H: 70, D: 2, dir: 1, lengths: null, bias: true, init: true, P: 24 };
    c.lengths = Int32Array.from({ length: c.B }, (_, b) => 1 + (b * 7) % c.T);
    const { p, gOut, gh, gc } = makeCase(c, 9);
    sameForThreads(() => {
      const f = runForward(c, p);
      const dx = new Float32Array(p.x.length);
      const dwhh = new Float32Array(p.whh.length);
      const dwhr = new Float32Array(c.P! * c.H);
      const dh0 = new Float32Array(c.B * c.P!);
      native.rnnBackward(dx, null, dwhh, null, null, dh0, null, gOut, gh, gc, f.ws, p.x, p.wih, p.whh,
        c.lengths, 0, c.T, c.B, c.I, c.H, c.D, c.dir, dwhr, p.whr, c.P);
      return [...f.out, ...f.hN, ...f.cN!, ...dx, ...dwhh, ...dwhr, ...dh0];
    });
  });
});

describe('rnn kernels: argument errors', () => {
  const c: Case = { mode: 0, T: 3, B: 2, I: 2, H: 2, D: 1, dir: 0, lengths: null, bias: true, init: true };
  const { p } = makeCase(c, 1);
  const call = (over: Partial<{ lengths: Int32Array; mode: number; ws: Float32Array; dir: number; cN: Float32Array | null }>) => {
    const ws = over.ws ?? new Float32Array(wsFloats(c));
    const cN = 'cN' in over ? over.cN ?? null : new Float32Array(4);
    native.rnnForward(new Float32Array(12), new Float32Array(4), cN, ws, p.x, p.wih, p.whh, p.bih, p.bhh, null, null,
      over.lengths ?? null, over.mode ?? 0, 3, 2, 2, 2, 1, over.dir ?? 0);
  };
  it('names lengths out of range', () => {
    expect(() => call({ lengths: Int32Array.from([3, 4]) })).toThrow('Expected integer in [1, 3] for lengths[1] but received 4');
    expect(() => call({ lengths: Int32Array.from([0, 1]) })).toThrow('for lengths[0] but received 0');
  });
  it('names a bad mode, direction, short workspace and a missing LSTM cell state', () => {
    expect(() => call({ mode: 4 })).toThrow('Expected integer in [0, 3] for mode but received 4');
    expect(() => call({ dir: 1 })).toThrow('Expected integer in [0, 0] for dir but received 1');
    expect(() => call({ ws: new Float32Array(3) })).toThrow(/for ws/);
    expect(() => call({ cN: null })).toThrow(/for cN/);
  });
  it('names a projection size out of range, on a cell without projections, and a missing or short wHr', () => {
    const args = (mode: number, wHr: Float32Array | null, P: number, H = 2) => {
      const R = P || H;
      const G = [4, 3, 1, 1][mode];
      native.rnnForward(new Float32Array(3 * 2 * R), new Float32Array(2 * R), mode === 0 ? new Float32Array(2 * H) : null,
        new Float32Array(3 * 2 * (G * H + R + 3 * H)), p.x, new Float32Array(G * H * 2), new Float32Array(G * H * R), null, null,
        null, null, null, mode, 3, 2, 2, H, 1, 0, wHr, P);
    };
    expect(() => args(0, new Float32Array(4), 2)).toThrow('Expected integer in [0, 1] for P but received 2');
    expect(() => args(1, new Float32Array(2), 1)).toThrow('Expected integer in [0, 0] for P (LSTM only) but received 1');
    expect(() => args(0, null, 1)).toThrow(/for wHr/);
    expect(() => args(0, new Float32Array(1), 1)).toThrow(/for wHr/);
    expect(() => args(0, new Float32Array(3), 1, 3)).not.toThrow();
  });
});

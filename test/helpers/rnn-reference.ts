// Naive double-precision reference of one recurrent layer (LSTM / GRU / RNN tanh / relu, PyTorch
// equations and gate order) over a padded batch with per-sequence lengths, one or two
// directions, LSTM with an optional projection (proj_size). Shared by the kernel tests (test/native/ops_rnn.test.ts) and the op harness
// (test/autograd/op_table.ts).
type Arr = ArrayLike<number>;

/** 0 LSTM, 1 GRU, 2 RNN tanh, 3 RNN relu (the kernels' mode codes). */
export const RNN_GATES = [4, 3, 1, 1];

/** whh (G*H, R); whr (P, H) with a projection (R = P), else absent (R = H). */
export interface RnnRefDirection { wih: Arr; whh: Arr; bih: Arr | null; bhh: Arr | null; whr?: Arr | null }

export interface RnnRefArgs {
  mode: number; T: number; B: number; I: number; H: number;
  x: Arr;                       // (T, B, I)
  dirs: RnnRefDirection[];      // 1 or 2 directions; direction 1 runs in reverse
  h0: Arr | null;               // (D, B, R)
  c0: Arr | null;               // (D, B, H), LSTM
  /** LSTM projection size (0 / absent: none); R = P || H. */
  P?: number;
  lengths: Arr | null;          // (B) in [1, T]
  /** Only compute these directions (default all); the others' columns stay 0. */
  only?: number[];
}

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** out (T, B, D*R) zero past each length; hN (D, B, R), cN (D, B, H) after each sequence's last valid step. */
export function rnnReference(a: RnnRefArgs): { out: Float64Array; hN: Float64Array; cN: Float64Array } {
  const { mode, T, B, I, H, x } = a;
  const P = a.P ?? 0;
  const R = P > 0 ? P : H;
  const D = a.dirs.length;
  const G = RNN_GATES[mode];
  const out = new Float64Array(T * B * D * R);
  const hN = new Float64Array(D * B * R);
  const cN = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) {
    if (a.only && !a.only.includes(d)) continue;
    const w = a.dirs[d];
    for (let b = 0; b < B; b++) {
      const len = a.lengths ? a.lengths[b] : T;
      let h = Array.from({ length: R }, (_, j) => (a.h0 ? a.h0[(d * B + b) * R + j] : 0));
      let cs = Array.from({ length: H }, (_, j) => (a.c0 ? a.c0[(d * B + b) * H + j] : 0));
      for (let s = 0; s < len; s++) {
        const t = d === 1 ? len - 1 - s : s;
        const xi = new Float64Array(G * H);
        const hh = new Float64Array(G * H);
        for (let k = 0; k < G * H; k++) {
          let u = w.bih ? w.bih[k] : 0;
          for (let i = 0; i < I; i++) u += w.wih[k * I + i] * x[(t * B + b) * I + i];
          let e = w.bhh ? w.bhh[k] : 0;
          for (let i = 0; i < R; i++) e += w.whh[k * R + i] * h[i];
          xi[k] = u;
          hh[k] = e;
        }
        const hn = new Array<number>(H);
        const cn = new Array<number>(H);
        for (let j = 0; j < H; j++) {
          if (mode === 0) {
            const ig = sig(xi[j] + hh[j]), fg = sig(xi[H + j] + hh[H + j]);
            const gg = Math.tanh(xi[2 * H + j] + hh[2 * H + j]), og = sig(xi[3 * H + j] + hh[3 * H + j]);
            cn[j] = fg * cs[j] + ig * gg;
            hn[j] = og * Math.tanh(cn[j]);
          } else if (mode === 1) {
            const r = sig(xi[j] + hh[j]), z = sig(xi[H + j] + hh[H + j]);
            const n = Math.tanh(xi[2 * H + j] + r * hh[2 * H + j]);
            hn[j] = (1 - z) * n + z * h[j];
          } else {
            const u = xi[j] + hh[j];
            hn[j] = mode === 2 ? Math.tanh(u) : Math.max(u, 0);
          }
        }
        // projection: h = W_hr (o * tanh(c))
        h = P > 0 ? Array.from({ length: R }, (_, r) => hn.reduce((acc, v, j) => acc + (w.whr as Arr)[r * H + j] * v, 0)) : hn;
        if (mode === 0) cs = cn;
        for (let j = 0; j < R; j++) out[(t * B + b) * D * R + d * R + j] = h[j];
      }
      for (let j = 0; j < R; j++) hN[(d * B + b) * R + j] = h[j];
      for (let j = 0; j < H; j++) cN[(d * B + b) * H + j] = mode === 0 ? cs[j] : 0;
    }
  }
  return { out, hN, cN };
}

/**
 * The recurrent layer op: one LSTM / GRU / RNN layer (one or two directions) over a whole
 * sequence, on the native kernels rnnForward / rnnBackward (native/cpu/ops/rnn.cc). The layers
 * in lib/nn/recurrent.ts stack it. Its result is ONE packed tensor [output | hN | cN] so that a
 * single tape node carries every gradient; the caller slices the parts out (slice is
 * differentiable).
 */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { describe, expected, fmtShape } from '../core/validate';

/** The cell of a recurrent layer; the codes are the kernels' mode argument. */
export type RnnMode = 'lstm' | 'gru' | 'rnnTanh' | 'rnnRelu';
const MODE_CODE: Record<RnnMode, number> = { lstm: 0, gru: 1, rnnTanh: 2, rnnRelu: 3 };

/** Gates per cell: LSTM 4 (i, f, g, o), GRU 3 (r, z, n), RNN 1. */
export function gateCount(mode: RnnMode): number {
  return mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
}

/**
 * The weights of one direction: weightIh (G*H, I), weightHh (G*H, R), biases (G*H) or null;
 * weightHr (P, H): the LSTM projection (PyTorch's proj_size = P; then R = P, else R = H).
 */
export interface RnnDirectionWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
  weightHr?: Tensor | null;
}

/** Sizes of the packed result of rnnLayer (R = projSize || H). */
export interface RnnPacked {
  /** (T, B, D*R) floats at the start. */
  outputSize: number;
  /** D*B*R floats of hN after the output. */
  stateSize: number;
  /** (LSTM) D*B*H floats of cN after hN (0 otherwise). */
  cellSize: number;
}

export function rnnPackedSizes(mode: RnnMode, T: number, B: number, H: number, D: number, projSize = 0):
RnnPacked & { total: number } {
  const R = projSize > 0 ? projSize : H;
  const outputSize = T * B * D * R;
  const stateSize = D * B * R;
  const cellSize = mode === 'lstm' ? D * B * H : 0;
  return { outputSize, stateSize, cellSize, total: outputSize + stateSize + cellSize };
}

function workspaceFloats(mode: RnnMode, T: number, B: number, H: number, P: number): number {
  const extra = mode === 'lstm' ? (P > 0 ? 3 : 2) * H : mode === 'gru' ? H : 0;
  return T * B * (gateCount(mode) * H + (P > 0 ? P : H) + extra);
}

/**
 * One recurrent layer over x (T, B, I) with 1 or 2 directions (weights.length). h0 (D, B, R)
 * / c0 (D, B, H) or null (zeros; c0 only for LSTM); lengths (B) in [1, T] or null (every row T
 * steps, pack_padded_sequence semantics otherwise). An LSTM whose weights carry weightHr (P, H)
 * projects its hidden state: R = P (PyTorch's proj_size), else R = H. Returns the packed tensor
 * [output (T, B, D*R) | hN (D, B, R) | cN (D, B, H), LSTM only] as a flat tensor.
 * Checks every argument's shape (the layers in lib/nn/recurrent.ts check theirs first, with the
 * user's names).
 */
export function rnnLayer(mode: RnnMode, x: Tensor, weights: readonly RnnDirectionWeights[], h0: Tensor | null,
  c0: Tensor | null, lengths: Int32Array | null): Tensor {
  if (!(mode in MODE_CODE)) {
    throw new RangeError(expected(`one of ${Object.keys(MODE_CODE).join(', ')}`, 'mode', describe(mode)));
  }
  fin(x, 'input');
  if (x.shape.length !== 3) throw new RangeError(expected('shape [T, B, inputSize]', 'input', fmtShape(x.shape)));
  const [T, B, I] = x.shape;
  if (!Array.isArray(weights) || (weights.length !== 1 && weights.length !== 2)) {
    throw new TypeError(expected('array of 1 or 2 direction weights', 'weights', describe(weights)));
  }
  const D = weights.length;
  fin(weights[0]?.weightHh, 'weights[0].weightHh');
  const projected = weights[0].weightHr != null;
  if (projected) {
    fin(weights[0].weightHr, 'weights[0].weightHr');
    if (mode !== 'lstm') throw new TypeError(expected('no weightHr (projections are LSTM only)', 'weights[0].weightHr', `a projection on ${mode}`));
  }
  const P = projected ? (weights[0].weightHr as Tensor).shape[0] : 0;
  const H = projected ? (weights[0].weightHr as Tensor).shape[1] : weights[0].weightHh.shape[1];
  const R = projected ? P : H;
  const GH = gateCount(mode) * H;
  if (projected && !(P >= 1 && P < H)) {
    throw new RangeError(expected(`projection size in [1, ${H - 1}] (below the hidden size ${H})`, 'weights[0].weightHr',
      `shape ${fmtShape((weights[0].weightHr as Tensor).shape)}`));
  }
  const checkShape = (t: unknown, name: string, want: number[]): void => {
    fin(t, name);
    const s = (t as Tensor).shape;
    if (s.length !== want.length || s.some((d, i) => d !== want[i])) throw new RangeError(expected(`shape ${fmtShape(want)}`, name, fmtShape(s)));
  };
  weights.forEach((w, d) => {
    checkShape(w.weightIh, `weights[${d}].weightIh`, [GH, I]);
    checkShape(w.weightHh, `weights[${d}].weightHh`, [GH, R]);
    if (w.biasIh != null) checkShape(w.biasIh, `weights[${d}].biasIh`, [GH]);
    if (w.biasHh != null) checkShape(w.biasHh, `weights[${d}].biasHh`, [GH]);
    if (projected) checkShape(w.weightHr, `weights[${d}].weightHr`, [P, H]);
    else if (w.weightHr != null) throw new TypeError(expected('no weightHr (as weights[0])', `weights[${d}].weightHr`, describe(w.weightHr)));
  });
  if (h0 !== null) checkShape(h0, 'h0', [D, B, R]);
  if (c0 !== null) checkShape(c0, 'c0', [D, B, H]);
  if (lengths !== null) {
    if (!(lengths instanceof Int32Array) || lengths.length !== B) {
      throw new TypeError(expected(`Int32Array of ${B} lengths`, 'lengths', describe(lengths)));
    }
    lengths.forEach((v, b) => {
      if (v < 1 || v > T) throw new RangeError(expected(`integer in [1, ${T}]`, `lengths[${b}]`, String(v)));
    });
  }
  const lstm = mode === 'lstm';
  const code = MODE_CODE[mode];
  const sizes = rnnPackedSizes(mode, T, B, H, D, P);
  const all = empty([sizes.total]);
  const f = all.f32;
  const out = f.subarray(0, sizes.outputSize);
  const hAt = (d: number): number => sizes.outputSize + d * B * R;
  const cAt = (d: number): number => sizes.outputSize + sizes.stateSize + d * B * H;
  const part = (t: Tensor | null, d: number, n: number): Float32Array | null => (t ? t.f32.subarray(d * B * n, (d + 1) * B * n) : null);
  const k = kernelsFor(x, h0, c0, weights[0].weightIh, weights[0].weightHh);
  const ws: Tensor[] = [];
  for (let d = 0; d < D; d++) {
    const w = weights[d];
    const wsT = empty([workspaceFloats(mode, T, B, H, P)]);
    ws.push(wsT);
    k.rnnForward(out, f.subarray(hAt(d), hAt(d) + B * R), lstm ? f.subarray(cAt(d), cAt(d) + B * H) : null, wsT.f32, x.f32,
      w.weightIh.f32, w.weightHh.f32, w.biasIh ? w.biasIh.f32 : null, w.biasHh ? w.biasHh.f32 : null, part(h0, d, R),
      lstm ? part(c0, d, H) : null, lengths, code, T, B, I, H, D, d, projected ? (w.weightHr as Tensor).f32 : null, P);
  }
  const per = projected ? 5 : 4;
  const inputs: (Tensor | null)[] = [x, h0, lstm ? c0 : null];
  for (const w of weights) {
    inputs.push(w.weightIh, w.weightHh, w.biasIh ?? null, w.biasHh ?? null);
    if (projected) inputs.push(w.weightHr as Tensor);
  }
  return record(all, `rnn(${mode})`, inputs, (g, grads) => {
    const gf = g.f32;
    const dout = gf.subarray(0, sizes.outputSize);
    const [dx, dh0, dc0] = grads;
    for (let d = 0; d < D; d++) {
      const w = weights[d];
      const [dwIh, dwHh, dbIh, dbHh, dwHr] = grads.slice(3 + per * d, 3 + per * (d + 1));
      const dhN = gf.subarray(hAt(d), hAt(d) + B * R);
      const dcN = lstm ? gf.subarray(cAt(d), cAt(d) + B * H) : null;
      k.rnnBackward(dx ? dx.f32 : null, dwIh ? dwIh.f32 : null, dwHh ? dwHh.f32 : null, dbIh ? dbIh.f32 : null,
        dbHh ? dbHh.f32 : null, part(dh0, d, R), part(dc0, d, H), dout, dhN, dcN, ws[d].f32, x.f32, w.weightIh.f32,
        w.weightHh.f32, lengths, code, T, B, I, H, D, d, dwHr ? dwHr.f32 : null,
        projected ? (w.weightHr as Tensor).f32 : null, P);
    }
  }, () => {
    for (const t of ws) t.dispose();
  });
}

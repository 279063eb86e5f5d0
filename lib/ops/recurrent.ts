/**
 * The recurrent layer op: one LSTM / GRU / RNN layer (one or two directions) over a whole
 * sequence, on the native kernels rnnForward / rnnBackward (native/cpu/ops/rnn.cc). The layers
 * in lib/nn/recurrent.ts stack it. Its result is ONE packed tensor [output | hN | cN] so that a
 * single tape node carries every gradient; the caller slices the parts out (slice is
 * differentiable).
 */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { expected, fmtShape } from '../core/validate';

/** The cell of a recurrent layer; the codes are the kernels' mode argument. */
export type RnnMode = 'lstm' | 'gru' | 'rnnTanh' | 'rnnRelu';
const MODE_CODE: Record<RnnMode, number> = { lstm: 0, gru: 1, rnnTanh: 2, rnnRelu: 3 };

/** Gates per cell: LSTM 4 (i, f, g, o), GRU 3 (r, z, n), RNN 1. */
export function gateCount(mode: RnnMode): number {
  return mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
}

/** The weights of one direction: weightIh (G*H, I), weightHh (G*H, H), biases (G*H) or null. */
export interface RnnDirectionWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

/** Sizes of the packed result of rnnLayer. */
export interface RnnPacked {
  /** (T, B, D*H) floats at the start. */
  outputSize: number;
  /** D*B*H floats of hN after the output, then (LSTM) D*B*H floats of cN. */
  stateSize: number;
}

export function rnnPackedSizes(mode: RnnMode, T: number, B: number, H: number, D: number): RnnPacked & { total: number } {
  const outputSize = T * B * D * H;
  const stateSize = D * B * H;
  return { outputSize, stateSize, total: outputSize + stateSize * (mode === 'lstm' ? 2 : 1) };
}

function workspaceFloats(mode: RnnMode, T: number, B: number, H: number): number {
  const extra = mode === 'lstm' ? 2 * H : mode === 'gru' ? H : 0;
  return T * B * (gateCount(mode) * H + H + extra);
}

/**
 * One recurrent layer over x (T, B, I) with 1 or 2 directions (weights.length). h0 / c0 are
 * (D, B, H) or null (zeros; c0 only for LSTM); lengths (B) in [1, T] or null (every row T
 * steps, pack_padded_sequence semantics otherwise). Returns the packed tensor
 * [output (T, B, D*H) | hN (D, B, H) | cN (D, B, H), LSTM only] as a flat tensor.
 * Arguments are checked by the layers (lib/nn/recurrent.ts); this checks shapes only.
 */
export function rnnLayer(mode: RnnMode, x: Tensor, weights: readonly RnnDirectionWeights[], h0: Tensor | null,
  c0: Tensor | null, lengths: Int32Array | null): Tensor {
  fin(x, 'input');
  if (x.shape.length !== 3) throw new RangeError(expected('shape [T, B, inputSize]', 'input', fmtShape(x.shape)));
  const [T, B, I] = x.shape;
  const D = weights.length;
  const H = weights[0].weightHh.shape[1];
  const lstm = mode === 'lstm';
  const code = MODE_CODE[mode];
  const sizes = rnnPackedSizes(mode, T, B, H, D);
  const all = empty([sizes.total]);
  const f = all.f32;
  const out = f.subarray(0, sizes.outputSize);
  const state = (k: number, d: number): Float32Array => {
    const at = sizes.outputSize + k * sizes.stateSize + d * B * H;
    return f.subarray(at, at + B * H);
  };
  const part = (t: Tensor | null, d: number): Float32Array | null => (t ? t.f32.subarray(d * B * H, (d + 1) * B * H) : null);
  const k = kernelsFor(x, h0, c0, weights[0].weightIh, weights[0].weightHh);
  const ws: Tensor[] = [];
  for (let d = 0; d < D; d++) {
    const w = weights[d];
    const wsT = empty([workspaceFloats(mode, T, B, H)]);
    ws.push(wsT);
    k.rnnForward(out, state(0, d), lstm ? state(1, d) : null, wsT.f32, x.f32, w.weightIh.f32, w.weightHh.f32,
      w.biasIh ? w.biasIh.f32 : null, w.biasHh ? w.biasHh.f32 : null, part(h0, d), lstm ? part(c0, d) : null, lengths,
      code, T, B, I, H, D, d);
  }
  const inputs: (Tensor | null)[] = [x, h0, lstm ? c0 : null];
  for (const w of weights) inputs.push(w.weightIh, w.weightHh, w.biasIh, w.biasHh);
  return record(all, `rnn(${mode})`, inputs, (g, grads) => {
    const gf = g.f32;
    const dout = gf.subarray(0, sizes.outputSize);
    const [dx, dh0, dc0] = grads;
    for (let d = 0; d < D; d++) {
      const w = weights[d];
      const [dwIh, dwHh, dbIh, dbHh] = grads.slice(3 + 4 * d, 7 + 4 * d);
      const at = sizes.outputSize + d * B * H;
      const dhN = gf.subarray(at, at + B * H);
      const dcN = lstm ? gf.subarray(at + sizes.stateSize, at + sizes.stateSize + B * H) : null;
      k.rnnBackward(dx ? dx.f32 : null, dwIh ? dwIh.f32 : null, dwHh ? dwHh.f32 : null, dbIh ? dbIh.f32 : null,
        dbHh ? dbHh.f32 : null, part(dh0, d), part(dc0, d), dout, dhN, dcN, ws[d].f32, x.f32, w.weightIh.f32,
        w.weightHh.f32, lengths, code, T, B, I, H, D, d);
    }
  }, () => {
    for (const t of ws) t.dispose();
  });
}

/**
 * Attention ops: batched matmul and multi-head scaled-dot-product attention.
 *
 * Layout: queries, keys and values are (B, T, E) with the heads side by side in the last dim
 * (E = numHeads * headDim, head h at columns [h D, h D + D)), the layout a linear projection
 * produces, so no transposes are needed. The fused kernel (native/cpu/ops/attention.cc) never
 * materializes the T x T scores (online softmax, per-row logsumexp saved for backward); when
 * the attention weights are wanted (or attention dropout is on) the unfused path computes
 * scores -> softmax -> dropout -> weights @ v with strided batched GEMMs, and returns them.
 *
 * Masks (PyTorch's conventions): attnMask is (Tq, Tk) or (B * numHeads, Tq, Tk), float32
 * (added to the scores) or int32 (nonzero = may NOT attend, PyTorch's boolean True);
 * keyPaddingMask is (B, Tk), float32 (added) or int32 (nonzero = padding, ignored).
 * isCausal hides key j from query i when j > i + causalOffset (offset 0: PyTorch's top-left
 * aligned causal mask; Tk - Tq: the last query sees every key, as with a key/value cache).
 * A query row that may attend to no key at all gets output 0 (and no gradient) on both
 * paths, and weights of 0; PyTorch's math path gives NaN there.
 */
import { Tensor, shapeSize } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { assertTensor } from '../tensor/check';
import { add, mul } from './elementwise';
import { softmax } from './activations';
import { dropout } from './dropout';
import { assertBoolean, assertFinite, assertNumberInRange, assertPositiveInteger, expected, fmtShape } from '../core/validate';

/**
 * Batched matrix product: a (..., M, K) @ b (..., K, N) -> (..., M, N) over identical leading
 * dims (transA / transB: a is (..., K, M) / b is (..., N, K)). One native call for the whole
 * batch; the backward pass is two more.
 */
export function bmm(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  fin(a, 'a');
  fin(b, 'b');
  const tA = opts.transA ?? false;
  const tB = opts.transB ?? false;
  assertBoolean(tA, 'transA');
  assertBoolean(tB, 'transB');
  if (a.shape.length < 2 || b.shape.length !== a.shape.length || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) {
    throw new RangeError(expected('a: (..., M, K) and b: (..., K, N) with the same leading dims', 'bmm operands',
      `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`));
  }
  const r = a.shape.length;
  const [M, K] = tA ? [a.shape[r - 1], a.shape[r - 2]] : [a.shape[r - 2], a.shape[r - 1]];
  const [Kb, N] = tB ? [b.shape[r - 1], b.shape[r - 2]] : [b.shape[r - 2], b.shape[r - 1]];
  if (Kb !== K) {
    throw new RangeError(expected(`inner size ${K} (from a ${fmtShape(a.shape)}${tA ? ' transposed' : ''})`, 'b',
      `${fmtShape(b.shape)}${tB ? ' transposed' : ''}`));
  }
  const batch = shapeSize(a.shape.slice(0, -2));
  const out = empty([...a.shape.slice(0, -2), M, N]);
  const lda = Math.max(1, a.shape[r - 1]);
  const ldb = Math.max(1, b.shape[r - 1]);
  const ldc = Math.max(1, N);
  const sa = M * K, sb = K * N, sc = M * N;
  const k = kernelsFor(a, b);
  k.bmm(tA, tB, batch, 1, M, N, K, 1, a.f32, sa, 0, lda, b.f32, sb, 0, ldb, 0, out.f32, sc, 0, ldc);
  return record(out, 'bmm', [a, b], (g, [da, db]) => {
    if (da) {
      if (!tA) k.bmm(false, !tB, batch, 1, M, K, N, 1, g.f32, sc, 0, ldc, b.f32, sb, 0, ldb, 1, da.f32, sa, 0, lda);
      else k.bmm(tB, true, batch, 1, K, M, N, 1, b.f32, sb, 0, ldb, g.f32, sc, 0, ldc, 1, da.f32, sa, 0, lda);
    }
    if (db) {
      if (!tB) k.bmm(!tA, false, batch, 1, K, N, M, 1, a.f32, sa, 0, lda, g.f32, sc, 0, ldc, 1, db.f32, sb, 0, ldb);
      else k.bmm(true, tA, batch, 1, N, K, M, 1, g.f32, sc, 0, ldc, a.f32, sa, 0, lda, 1, db.f32, sb, 0, ldb);
    }
  });
}

/** @internal Rows of (B, T) positions inside a tensor: heads start `off` elements in, rows are `ld` apart. */
export interface HeadView {
  t: Tensor;
  off: number;
  ld: number;
}

/** @internal Masks in the kernels' form (additive float32). */
export interface PreparedMasks {
  mask: Float32Array | null;
  /** 0: one (Tq, Tk) mask for every (batch, head); Tq * Tk: one per (batch, head). */
  maskStride: number;
  kpm: Float32Array | null;
}

function additive(t: Tensor): Float32Array {
  if (t.dtype === 'float32') return (t.data as Float32Array).slice();
  const src = t.data as Int32Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? -Infinity : 0;
  return out;
}

/** @internal Checks attnMask / keyPaddingMask against the sizes and converts them to additive float32. */
export function prepareMasks(attnMask: Tensor | null | undefined, keyPaddingMask: Tensor | null | undefined,
  B: number, H: number, Tq: number, Tk: number): PreparedMasks {
  let mask: Float32Array | null = null;
  let maskStride = 0;
  let kpm: Float32Array | null = null;
  if (attnMask !== null && attnMask !== undefined) {
    assertTensor(attnMask, 'attnMask');
    const s = attnMask.shape;
    const ok2 = s.length === 2 && s[0] === Tq && s[1] === Tk;
    const ok3 = s.length === 3 && s[0] === B * H && s[1] === Tq && s[2] === Tk;
    if (!ok2 && !ok3) {
      throw new RangeError(expected(`shape [${Tq}, ${Tk}] or [${B * H}, ${Tq}, ${Tk}] (batch * numHeads, Tq, Tk)`, 'attnMask',
        fmtShape(s)));
    }
    mask = additive(attnMask);
    maskStride = ok3 ? Tq * Tk : 0;
  }
  if (keyPaddingMask !== null && keyPaddingMask !== undefined) {
    assertTensor(keyPaddingMask, 'keyPaddingMask');
    const s = keyPaddingMask.shape;
    if (s.length !== 2 || s[0] !== B || s[1] !== Tk) {
      throw new RangeError(expected(`shape [${B}, ${Tk}] (batch, Tk)`, 'keyPaddingMask', fmtShape(s)));
    }
    kpm = additive(keyPaddingMask);
  }
  return { mask, maskStride, kpm };
}

/** @internal Geometry of one attention call. */
export interface AttnShape {
  B: number;
  H: number;
  Tq: number;
  Tk: number;
  D: number;
  scale: number;
  causal: boolean;
  causalOffset: number;
}

/**
 * @internal Fused multi-head attention over head views; returns (B, Tq, H * D). q, k and v may
 * view the same tensor (a packed qkv projection): their gradients then add into one buffer.
 */
export function attentionFused(q: HeadView, k: HeadView, v: HeadView, s: AttnShape, m: PreparedMasks): Tensor {
  const { B, H, Tq, Tk, D } = s;
  const E = H * D;
  const out = empty([B, Tq, E]);
  const lse = empty([B, H, Tq]);
  const kn = kernelsFor(q.t, k.t, v.t);
  const qa = q.t.f32.subarray(q.off), ka = k.t.f32.subarray(k.off), va = v.t.f32.subarray(v.off);
  kn.attentionForward(out.f32, lse.f32, qa, ka, va, m.mask, m.kpm, B, H, Tq, Tk, D, q.ld, k.ld, v.ld, E, s.scale,
    s.causal, s.causalOffset, m.maskStride !== 0);
  return record(out, 'attention', [q.t, k.t, v.t], (g, [dq, dk, dv]) => {
    kn.attentionBackward(dq ? dq.f32.subarray(q.off) : null, dk ? dk.f32.subarray(k.off) : null,
      dv ? dv.f32.subarray(v.off) : null, g.f32, qa, ka, va, out.f32, lse.f32, m.mask, m.kpm, B, H, Tq, Tk, D,
      q.ld, k.ld, v.ld, E, s.scale, s.causal, s.causalOffset, m.maskStride !== 0);
  }, () => lse.dispose());
}

/** scale * q k^T per (batch, head) -> (B, H, Tq, Tk). */
function headScores(q: HeadView, k: HeadView, s: AttnShape): Tensor {
  const { B, H, Tq, Tk, D } = s;
  const out = empty([B, H, Tq, Tk]);
  const kn = kernelsFor(q.t, k.t);
  const qa = q.t.f32.subarray(q.off), ka = k.t.f32.subarray(k.off);
  const sS1 = H * Tq * Tk, sS2 = Tq * Tk, ldS = Math.max(Tk, 1);
  kn.bmm(false, true, B, H, Tq, Tk, D, s.scale, qa, Tq * q.ld, D, q.ld, ka, Tk * k.ld, D, k.ld, 0, out.f32, sS1, sS2, ldS);
  return record(out, 'attentionScores', [q.t, k.t], (g, [dq, dk]) => {
    if (dq) {
      kn.bmm(false, false, B, H, Tq, D, Tk, s.scale, g.f32, sS1, sS2, ldS, ka, Tk * k.ld, D, k.ld, 1,
        dq.f32.subarray(q.off), Tq * q.ld, D, q.ld);
    }
    if (dk) {
      kn.bmm(true, false, B, H, Tk, D, Tq, s.scale, g.f32, sS1, sS2, ldS, qa, Tq * q.ld, D, q.ld, 1,
        dk.f32.subarray(k.off), Tk * k.ld, D, k.ld);
    }
  });
}

/** weights (B, H, Tq, Tk) @ v per head -> (B, Tq, H * D). */
function headApply(p: Tensor, v: HeadView, s: AttnShape): Tensor {
  const { B, H, Tq, Tk, D } = s;
  const E = H * D;
  const out = empty([B, Tq, E]);
  const kn = kernelsFor(p, v.t);
  const va = v.t.f32.subarray(v.off);
  const sP1 = H * Tq * Tk, sP2 = Tq * Tk, ldP = Math.max(Tk, 1);
  kn.bmm(false, false, B, H, Tq, D, Tk, 1, p.f32, sP1, sP2, ldP, va, Tk * v.ld, D, v.ld, 0, out.f32, Tq * E, D, E);
  return record(out, 'attentionApply', [p, v.t], (g, [dp, dv]) => {
    if (dp) kn.bmm(false, true, B, H, Tq, Tk, D, 1, g.f32, Tq * E, D, E, va, Tk * v.ld, D, v.ld, 1, dp.f32, sP1, sP2, ldP);
    if (dv) {
      kn.bmm(true, false, B, H, Tk, D, Tq, 1, p.f32, sP1, sP2, ldP, g.f32, Tq * E, D, E, 1, dv.f32.subarray(v.off),
        Tk * v.ld, D, v.ld);
    }
  });
}

/**
 * @internal The unfused path: returns [output (B, Tq, E), weights (B, H, Tq, Tk)] with the
 * weights after dropout (what multiplies v), both differentiable.
 */
export function attentionUnfused(q: HeadView, k: HeadView, v: HeadView, s: AttnShape, m: PreparedMasks,
  dropoutP: number, training: boolean): [Tensor, Tensor] {
  const { B, H, Tq, Tk } = s;
  let scores = headScores(q, k, s);
  if (m.mask || m.kpm || s.causal) {
    // One additive mask over (B, H, Tq, Tk); rows that see no key are zeroed after the softmax.
    const full = new Float32Array(B * H * Tq * Tk);
    const keep = new Float32Array(B * H * Tq).fill(1);
    let anyDead = false;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const mBase = m.mask ? (b * H + h) * m.maskStride : 0;
        for (let i = 0; i < Tq; i++) {
          const row = ((b * H + h) * Tq + i) * Tk;
          let alive = false;
          for (let j = 0; j < Tk; j++) {
            let x = 0;
            if (m.mask) x += m.mask[mBase + i * Tk + j];
            if (m.kpm) x += m.kpm[b * Tk + j];
            if (s.causal && j > i + s.causalOffset) x = -Infinity;
            full[row + j] = x;
            if (x !== -Infinity) alive = true;
          }
          if (!alive) {
            full.fill(0, row, row + Tk);
            keep[(b * H + h) * Tq + i] = 0;
            anyDead = true;
          }
        }
      }
    }
    const maskT = empty([B, H, Tq, Tk]);
    maskT.f32.set(full);
    scores = add(scores, maskT);
    let w = softmax(scores);
    if (anyDead) {
      const keepT = empty([B, H, Tq, 1]);
      keepT.f32.set(keep);
      w = mul(w, keepT);
    }
    scores = w;
  } else {
    scores = softmax(scores);
  }
  const w = dropoutP > 0 && training ? dropout(scores, dropoutP, true) : scores;
  return [headApply(w, v, s), w];
}

export interface AttentionOptions {
  /** Heads side by side in the last dim (default 1). */
  numHeads?: number;
  attnMask?: Tensor | null;
  keyPaddingMask?: Tensor | null;
  isCausal?: boolean;
  /** Multiplies q . k; default 1 / sqrt(headDim). */
  scale?: number;
  /** Attention dropout probability (applied while training; uses the unfused path). */
  dropoutP?: number;
  training?: boolean;
  /** Also return the attention weights (B, numHeads, Tq, Tk) (unfused path). */
  needWeights?: boolean;
}

/**
 * Multi-head scaled-dot-product attention on (B, Tq, E) queries and (B, Tk, E) keys and
 * (B, Tk, E) values (heads side by side in E). Returns [output (B, Tq, E), weights or null].
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): [Tensor, Tensor | null] {
  fin(q, 'query');
  fin(k, 'key');
  fin(v, 'value');
  const H = opts.numHeads ?? 1;
  assertPositiveInteger(H, 'numHeads');
  if (q.shape.length !== 3) throw new RangeError(expected('shape [B, Tq, E]', 'query', fmtShape(q.shape)));
  const [B, Tq, E] = q.shape;
  if (E % H !== 0) throw new RangeError(expected(`embedding size divisible by numHeads (${H})`, 'query', `size ${E}`));
  if (k.shape.length !== 3 || k.shape[0] !== B || k.shape[2] !== E) {
    throw new RangeError(expected(`shape [${B}, Tk, ${E}]`, 'key', fmtShape(k.shape)));
  }
  const Tk = k.shape[1];
  if (v.shape.length !== 3 || v.shape[0] !== B || v.shape[1] !== Tk || v.shape[2] !== E) {
    throw new RangeError(expected(`shape [${B}, ${Tk}, ${E}]`, 'value', fmtShape(v.shape)));
  }
  const D = E / H;
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  assertFinite(scale, 'scale');
  const causal = opts.isCausal ?? false;
  assertBoolean(causal, 'isCausal');
  const p = opts.dropoutP ?? 0;
  assertNumberInRange(p, 'dropoutP', 0, 1, { hiOpen: true });
  const training = opts.training ?? true;
  assertBoolean(training, 'training');
  const needWeights = opts.needWeights ?? false;
  assertBoolean(needWeights, 'needWeights');
  const m = prepareMasks(opts.attnMask, opts.keyPaddingMask, B, H, Tq, Tk);
  const s: AttnShape = { B, H, Tq, Tk, D, scale, causal, causalOffset: 0 };
  const view = (t: Tensor): HeadView => ({ t, off: 0, ld: E });
  if (!needWeights && !(p > 0 && training)) return [attentionFused(view(q), view(k), view(v), s, m), null];
  return attentionUnfused(view(q), view(k), view(v), s, m, p, training);
}

/**
 * EmbeddingBag (PyTorch's F.embedding_bag): bags of rows of a (V, D) weight, each reduced by
 * sum, mean or max, without materializing the (N, D) lookups. Bags come from a 2-D input
 * (B, L) (one bag per row) or a 1-D input with offsets (bag b = input[offsets[b], offsets[b + 1])).
 * Entries equal to paddingIdx are left out of their bag (and of the mean's count); an empty bag
 * gives zeros. perSampleWeights (same shape as input, mode 'sum' only) scale each row.
 * Native kernels: embeddingBagForward / embeddingBagBackward (native/cpu/ops/embedding.cc).
 */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { assertTensor } from '../tensor/check';
import { assertBoolean, assertInteger, assertOneOf, assertPlainObject, describe, expected, fmtShape } from '../core/validate';

export type BagMode = 'sum' | 'mean' | 'max';
const BAG_MODES: readonly BagMode[] = ['sum', 'mean', 'max'];

export interface EmbeddingBagOptions {
  /** Start of each bag in a 1-D input (int32 tensor or array); not allowed with a 2-D input. */
  offsets?: Tensor | ArrayLike<number>;
  /** Reduction over each bag (default 'mean', as in PyTorch). */
  mode?: BagMode;
  /** Float32 weights, same shape as input, scaling each row (mode 'sum' only). */
  perSampleWeights?: Tensor | null;
  /** Entries equal to this id are left out of their bag (negative counts from the end). */
  paddingIdx?: number | null;
  /** offsets has B + 1 entries, the last equal to the input's length (default false). */
  includeLastOffset?: boolean;
}

function readOffsets(offsets: unknown): Int32Array {
  if (offsets instanceof Tensor) {
    assertTensor(offsets, 'offsets', 'int32');
    if (offsets.shape.length !== 1) throw new RangeError(expected('1-D int32 offsets', 'offsets', fmtShape(offsets.shape)));
    return Int32Array.from(offsets.data);
  }
  if (!Array.isArray(offsets) && !(ArrayBuffer.isView(offsets) && !(offsets instanceof DataView))) {
    throw new TypeError(expected('int32 Tensor or array of offsets', 'offsets', describe(offsets)));
  }
  const a = offsets as ArrayLike<number>;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isInteger(a[i]) || Math.abs(a[i]) > 0x7fffffff) {
      throw new RangeError(expected('integer offset', `offsets[${i}]`, describe(a[i])));
    }
    out[i] = a[i];
  }
  return out;
}

/** The B + 1 bag boundaries (0, non-decreasing, ending at N), checked with PyTorch's rules. */
function bagBounds(offsets: Int32Array, N: number, includeLast: boolean): Int32Array {
  const B = includeLast ? offsets.length - 1 : offsets.length;
  if (B < 1) {
    throw new RangeError(expected(`at least ${includeLast ? 2 : 1} offsets (one bag)`, 'offsets', `${offsets.length} offsets`));
  }
  const bounds = new Int32Array(B + 1);
  bounds.set(offsets.subarray(0, B));
  bounds[B] = N;
  if (bounds[0] !== 0) throw new RangeError(expected('0 (the first bag starts the input)', 'offsets[0]', describe(bounds[0])));
  for (let b = 1; b <= B; b++) {
    if (bounds[b] < bounds[b - 1] || bounds[b] > N) {
      const name = b === B && includeLast ? `offsets[${B}] (the last offset)` : `offsets[${b}]`;
      throw new RangeError(expected(`non-decreasing offsets in [${bounds[b - 1]}, ${N}]`, name, describe(bounds[b])));
    }
  }
  if (includeLast && offsets[B] !== N) {
    throw new RangeError(expected(`the input's length ${N} (includeLastOffset)`, `offsets[${B}]`, describe(offsets[B])));
  }
  return bounds;
}

/** Bags of rows of weight (V, D) reduced per bag -> (B, D). */
export function embeddingBag(input: Tensor, weight: Tensor, opts: EmbeddingBagOptions = {}): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(expected('int32 Tensor', 'input', describe(input)));
  assertTensor(input, 'input', 'int32');
  fin(weight, 'weight');
  assertPlainObject(opts as unknown, 'options');
  if (weight.shape.length !== 2) throw new RangeError(expected('2-D weight (num, dim)', 'weight', fmtShape(weight.shape)));
  const [V, D] = weight.shape;
  const mode = opts.mode ?? 'mean';
  assertOneOf(mode, 'mode', BAG_MODES);
  const includeLast = opts.includeLastOffset ?? false;
  assertBoolean(includeLast, 'includeLastOffset');
  let pad = -1;
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    assertInteger(opts.paddingIdx, 'paddingIdx');
    if (opts.paddingIdx < -V || opts.paddingIdx >= V) {
      throw new RangeError(expected(`integer in [${-V}, ${V - 1}]`, 'paddingIdx', describe(opts.paddingIdx)));
    }
    pad = opts.paddingIdx < 0 ? opts.paddingIdx + V : opts.paddingIdx;
  }

  const N = input.size;
  let bounds: Int32Array;
  if (input.shape.length === 2) {
    if (opts.offsets !== undefined && opts.offsets !== null) {
      throw new TypeError(expected('no offsets with a 2-D input (each row is a bag)', 'offsets', describe(opts.offsets)));
    }
    const [B, L] = input.shape;
    bounds = Int32Array.from({ length: B + 1 }, (_, b) => b * L);
  } else if (input.shape.length === 1) {
    if (opts.offsets === undefined || opts.offsets === null) {
      throw new TypeError(expected('offsets (one start per bag) with a 1-D input', 'offsets', describe(opts.offsets)));
    }
    bounds = bagBounds(readOffsets(opts.offsets), N, includeLast);
  } else {
    throw new RangeError(expected('1-D (with offsets) or 2-D (bags, length) int32 input', 'input', fmtShape(input.shape)));
  }
  const B = bounds.length - 1;

  const idx = (input.data as Int32Array).slice();
  for (let i = 0; i < N; i++) {
    if (idx[i] < 0 || idx[i] >= V) {
      throw new RangeError(expected(`index in [0, ${V - 1}] (numEmbeddings ${V})`, `input[${i}]`, describe(idx[i])));
    }
  }

  const psw = opts.perSampleWeights ?? null;
  if (psw !== null) {
    fin(psw, 'perSampleWeights');
    if (mode !== 'sum') {
      throw new TypeError(expected("mode 'sum' with perSampleWeights", 'mode', describe(mode)));
    }
    if (psw.shape.length !== input.shape.length || psw.shape.some((d, i) => d !== input.shape[i])) {
      throw new RangeError(expected(`shape ${fmtShape(input.shape)} (the input's)`, 'perSampleWeights', fmtShape(psw.shape)));
    }
  }
  const modeCode = BAG_MODES.indexOf(mode);
  const k = kernelsFor(weight, psw);
  const out = empty([B, D]);
  const maxIdx = mode === 'max' ? new Int32Array(B * D) : null;
  const pswData = psw ? psw.f32.slice() : null;
  const starts = bounds.subarray(0, B); // the kernels take the B bag starts; the last bag ends at N
  k.embeddingBagForward(out.f32, maxIdx, weight.f32, idx, starts, pswData, N, B, V, D, modeCode, pad);
  return record(out, 'embeddingBag', [weight, psw], (g, [dw, dpsw]) => {
    k.embeddingBagBackward(dw ? dw.f32 : null, dpsw ? dpsw.f32 : null, g.f32, weight.f32, idx, starts, pswData, maxIdx,
      N, B, V, D, modeCode, pad);
  });
}

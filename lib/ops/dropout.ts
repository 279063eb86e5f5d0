/** Inverted dropout and embedding lookup. */
import { Tensor } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record } from './util';
import { assertTensor } from '../tensor/check';
import { takeNativeStream } from '../core/seed';
import { assertNumberInRange, describe, expected, fmtShape } from '../core/validate';

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) while training;
 * the identity otherwise. The mask comes from the seeded counter stream (same result for any
 * thread count).
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  fin(x, 'input');
  assertNumberInRange(p, 'p', 0, 1, { hiOpen: true });
  if (!training || p === 0) return x;
  const out = empty(x.shape);
  const mask = new Uint8Array(x.size);
  const s = takeNativeStream(x.size);
  native.dropoutForward(out.data, mask, x.data, x.size, p, s.hi, s.lo, s.offset);
  return record(out, 'dropout', [x], (g, [dx]) => native.dropoutBackward(dx!.data, g.data, mask, x.size, p));
}

/** Rows of weight (V, D) selected by int32 indices of any shape -> (...indices.shape, D). */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx = -1): Tensor {
  if (!(indices instanceof Tensor)) throw new TypeError(expected('int32 Tensor', 'indices', describe(indices)));
  assertTensor(indices, 'indices', 'int32');
  fin(weight, 'weight');
  if (weight.shape.length !== 2) throw new RangeError(expected('2-D weight (num, dim)', 'weight', fmtShape(weight.shape)));
  const [V, D] = weight.shape;
  const N = indices.size;
  const out = empty([...indices.shape, D]);
  native.embeddingForward(out.data, weight.data, indices.data, N, V, D);
  const idx = (indices.data as Int32Array).slice();
  return record(out, 'embedding', [weight], (g, [dw]) => native.embeddingBackward(dw!.data, g.data, idx, N, V, D, paddingIdx));
}

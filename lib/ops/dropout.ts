/** Inverted dropout. */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { takeNativeStream } from '../core/seed';
import { assertNumberInRange } from '../core/validate';

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
  const k = kernelsFor(x);
  k.dropoutForward(out.f32, mask, x.f32, x.size, p, s.hi, s.lo, s.offset);
  return record(out, 'dropout', [x], (g, [dx]) => k.dropoutBackward(dx!.f32, g.f32, mask, x.size, p));
}

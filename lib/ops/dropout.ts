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

/**
 * Channel dropout (PyTorch's dropout2d) for (N, C, ...) inputs: each of the N * C channels is
 * zeroed with probability p and the rest scaled by 1/(1-p) while training; identity otherwise.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  fin(x, 'input');
  assertNumberInRange(p, 'p', 0, 1, { hiOpen: true });
  if (x.shape.length < 2) throw new RangeError(`Expected shape [N, C, ...] for input but received [${x.shape.join(', ')}]`);
  if (!training || p === 0) return x;
  const NC = x.shape[0] * x.shape[1];
  const L = NC === 0 ? 0 : x.size / NC;
  const keep = new Float32Array(NC); // per channel: 0 or 1/(1-p) (the Float32Array mask form)
  const ones = new Float32Array(NC).fill(1);
  const s = takeNativeStream(NC);
  const k = kernelsFor(x);
  k.dropoutForward(new Float32Array(NC), keep, ones, NC, p, s.hi, s.lo, s.offset);
  const out = empty(x.shape);
  k.mulForward(out.f32, x.f32, [NC, L], keep, [NC, 1]);
  return record(out, 'dropout2d', [x], (g, [dx]) => k.mulBackward(dx!.f32, null, g.f32, x.f32, [NC, L], keep, [NC, 1]));
}

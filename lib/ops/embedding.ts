/** Embedding lookup (backward: deterministic scatter-add into the weight gradient). */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { assertTensor } from '../tensor/check';
import { describe, expected, fmtShape } from '../core/validate';

/** Rows of weight (V, D) selected by int32 indices of any shape -> (...indices.shape, D). */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx = -1): Tensor {
  if (!(indices instanceof Tensor)) throw new TypeError(expected('int32 Tensor', 'indices', describe(indices)));
  assertTensor(indices, 'indices', 'int32');
  fin(weight, 'weight');
  if (weight.shape.length !== 2) throw new RangeError(expected('2-D weight (num, dim)', 'weight', fmtShape(weight.shape)));
  const [V, D] = weight.shape;
  const N = indices.size;
  const out = empty([...indices.shape, D]);
  const k = kernelsFor(weight);
  k.embeddingForward(out.f32, weight.f32, indices.i32, N, V, D);
  const idx = (indices.data as Int32Array).slice();
  return record(out, 'embedding', [weight], (g, [dw]) => k.embeddingBackward(dw!.f32, g.f32, idx, N, V, D, paddingIdx));
}

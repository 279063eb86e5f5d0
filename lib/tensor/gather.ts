/** Row gather without autograd, for data pipelines (batch assembly in native memory). */
import { Tensor, shapeSize } from './tensor';
import { empty } from './create';
import { assertTensor } from './check';
import { kernels } from '../native';
import { describe, expected } from '../core/validate';

/** Rows of src (N, ...) at the given indices -> (indices.length, ...). One native call. */
export function gatherRows(src: Tensor, indices: Int32Array): Tensor {
  assertTensor(src, 'src');
  if (!(indices instanceof Int32Array)) throw new TypeError(expected('Int32Array', 'indices', describe(indices)));
  if (src.shape.length < 1) throw new RangeError(expected('tensor with at least 1 dimension', 'src', 'shape []'));
  const N = src.shape[0];
  const D = shapeSize(src.shape.slice(1));
  const out = empty([indices.length, ...src.shape.slice(1)], src.dtype);
  const k = kernels(src.device);
  if (src.dtype === 'int32') k.gatherRowsI32(out.i32, src.i32, indices, indices.length, N, D);
  else k.gatherRows(out.f32, src.f32, indices, indices.length, N, D);
  return out;
}

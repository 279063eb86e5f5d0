/** Tensor argument checks shared by every op (messages in the project's one format). */
import { Tensor, DType } from './tensor';
import { describe, expected, fmtShape } from '../core/validate';

/** Throws unless `t` is a live Tensor (optionally of a dtype). */
export function assertTensor(t: unknown, name: string, dtype?: DType): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(expected(dtype ? `${dtype} Tensor` : 'Tensor', name, describe(t)));
  }
  if (t.isDisposed) throw new TypeError(expected('a live tensor', name, 'a disposed tensor'));
  if (dtype !== undefined && t.dtype !== dtype) {
    throw new TypeError(expected(`${dtype} Tensor`, name, `${t.dtype} Tensor of shape ${fmtShape(t.shape)}`));
  }
}

export function assertSameShape(a: Tensor, b: Tensor, nameA: string, nameB: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(expected(`shape ${fmtShape(a.shape)} (the shape of ${nameA})`, nameB, fmtShape(b.shape)));
  }
}

/** Normalizes an axis argument (negative counts from the end). */
export function normAxis(axis: unknown, rank: number, name = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(expected(`integer axis in [${-rank}, ${rank - 1}]`, name, describe(axis)));
  }
  return axis < 0 ? axis + rank : axis;
}

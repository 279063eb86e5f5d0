/** Reading class labels from the forms users hold them in. */
import { describe, expected, typeError } from '../core/validate';
import { Tensor } from './tensor-api';
import { isTensor } from './matrix';
import type { Dataset } from './dataset';

export type LabelsInput = Tensor | Int32Array | ReadonlyArray<number> | Dataset;

/** Labels as an Int32Array of non-negative integers; a Dataset gives its y. */
export function readLabels(v: unknown, name: string): Int32Array {
  if (typeof v === 'object' && v !== null && !isTensor(v) && 'x' in v && 'length' in v && !Array.isArray(v)) {
    const y = (v as Dataset).y;
    if (!y) throw new TypeError(expected('dataset with labels y', name, 'a dataset without y'));
    v = y;
  }
  let arr: ArrayLike<number>;
  if (isTensor(v)) {
    if (v.dtype !== 'int32' || v.shape.length !== 1) {
      throw new TypeError(expected('int32 labels of shape [N]', name, `${v.dtype} tensor of shape [${v.shape.join(', ')}]`));
    }
    return v.data as Int32Array;
  } else if (v instanceof Int32Array) {
    arr = v;
  } else if (Array.isArray(v)) {
    arr = v;
  } else {
    typeError('labels (array of integers, Int32Array or int32 Tensor)', name, v);
  }
  const out = new Int32Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (typeof x !== 'number') typeError('integer label', `${name}[${i}]`, x);
    if (!Number.isInteger(x) || x < 0) throw new RangeError(expected('non-negative integer label', `${name}[${i}]`, describe(x)));
    out[i] = x;
  }
  return out;
}

export function bincount(labels: Int32Array, minLength = 0): Int32Array {
  let k = minLength;
  for (let i = 0; i < labels.length; i++) if (labels[i] + 1 > k) k = labels[i] + 1;
  const c = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

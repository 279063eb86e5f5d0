/** Token id checks shared by the tokenizers and the window dataset. */
import { describe, expected, typeError } from '../core/validate';

/** Checks an array-like of integer ids in [0, vocabSize). */
export function checkIds(ids: unknown, name: string, vocabSize: number): asserts ids is ArrayLike<number> {
  const ok = Array.isArray(ids) || (ArrayBuffer.isView(ids) && !(ids instanceof DataView));
  if (!ok) typeError('array or typed array of token ids', name, ids);
  const a = ids as ArrayLike<number>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0 || v >= vocabSize) {
      throw new RangeError(expected(`token id in [0, ${vocabSize - 1}]`, `${name}[${i}]`, describe(v)));
    }
  }
}

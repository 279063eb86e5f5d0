/**
 * Next-token windows over one token stream, for language-model training: window i is
 *   x = ids[i * stride, i * stride + contextLength)
 *   y = ids[i * stride + 1, i * stride + contextLength + 1)      (x shifted by one)
 * Windows are cut on demand (gather), so stride 1 over a whole book costs no more memory than
 * the ids themselves. A DataLoader batches it like any dataset (seeded shuffle, or a sampler):
 *
 *   const ds = new ng.text.TokenWindowDataset(tok.encode(text), 128);
 *   const sampler = new ng.data.RandomSampler(ds, { numSamples: steps * 32, replacement: true, seed: 1 });
 *   for (const { x, y } of new ng.data.DataLoader(ds, { batchSize: 32, sampler })) { ... } // int32 [32, 128]
 */
import { assertPlainObject, assertPositiveInteger, describe, expected, fmtShape, typeError } from '../core/validate';
import { Tensor, empty } from '../tensor';
import type { BatchSource } from '../data/dataset';

export interface TokenWindowOptions {
  /** Tokens between the starts of consecutive windows (default 1: every position). */
  stride?: number;
  /** Ids must be < vocabSize (checked once here, so a model's embedding never sees a bad id). */
  vocabSize?: number;
}

function readIds(ids: unknown): Int32Array {
  if (ids instanceof Tensor) {
    if (ids.dtype !== 'int32' || ids.shape.length !== 1) {
      throw new TypeError(expected('int32 tensor of shape [N]', 'ids', `${ids.dtype} tensor of shape ${fmtShape(ids.shape)}`));
    }
    return Int32Array.from(ids.data);
  }
  const ok = Array.isArray(ids) || (ArrayBuffer.isView(ids) && !(ids instanceof DataView));
  if (!ok) typeError('Int32Array, array of token ids or int32 tensor', 'ids', ids);
  const a = ids as ArrayLike<number>;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(expected('non-negative integer token id', `ids[${i}]`, describe(v)));
    }
    out[i] = v;
  }
  return out;
}

export class TokenWindowDataset implements BatchSource {
  /** The token stream (a private copy). */
  readonly ids: Int32Array;
  readonly contextLength: number;
  readonly stride: number;
  /** Number of windows. */
  readonly length: number;

  constructor(ids: ArrayLike<number> | Tensor, contextLength: number, opts: TokenWindowOptions = {}) {
    assertPositiveInteger(contextLength, 'contextLength');
    assertPlainObject(opts as unknown, 'options');
    const stride = opts.stride ?? 1;
    assertPositiveInteger(stride, 'stride');
    const data = readIds(ids);
    if (opts.vocabSize !== undefined) {
      assertPositiveInteger(opts.vocabSize, 'vocabSize');
      for (let i = 0; i < data.length; i++) {
        if (data[i] >= opts.vocabSize) {
          throw new RangeError(expected(`token id in [0, ${opts.vocabSize - 1}]`, `ids[${i}]`, describe(data[i])));
        }
      }
    }
    if (data.length < contextLength + 1) {
      throw new RangeError(expected(`at least contextLength + 1 = ${contextLength + 1} tokens`, 'ids',
        `${data.length} tokens`));
    }
    this.ids = data;
    this.contextLength = contextLength;
    this.stride = stride;
    this.length = Math.floor((data.length - 1 - contextLength) / stride) + 1;
  }

  /** Window i as (x, y) id arrays (copies). */
  get(i: number): { x: Int32Array; y: Int32Array } {
    this.checkIndex(i, 'index');
    const s = i * this.stride;
    return { x: this.ids.slice(s, s + this.contextLength), y: this.ids.slice(s + 1, s + 1 + this.contextLength) };
  }

  /** Windows at these indices as int32 tensors x and y of shape [indices.length, contextLength] (caller owns them). */
  gather(indices: Int32Array | readonly number[]): { x: Tensor; y: Tensor } {
    if (!(indices instanceof Int32Array) && !Array.isArray(indices)) typeError('Int32Array or array of indices', 'indices', indices);
    for (let k = 0; k < indices.length; k++) this.checkIndex(indices[k], `indices[${k}]`);
    const T = this.contextLength;
    const x = empty([indices.length, T], 'int32');
    const y = empty([indices.length, T], 'int32');
    const xd = x.data as Int32Array;
    const yd = y.data as Int32Array;
    for (let k = 0; k < indices.length; k++) {
      const s = indices[k] * this.stride;
      xd.set(this.ids.subarray(s, s + T), k * T);
      yd.set(this.ids.subarray(s + 1, s + 1 + T), k * T);
    }
    return { x, y };
  }

  private checkIndex(i: unknown, name: string): void {
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= this.length) {
      throw new RangeError(expected(`window index in [0, ${this.length - 1}]`, name, describe(i)));
    }
  }
}

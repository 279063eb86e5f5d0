/**
 * Shared machinery for preprocessing transformers (scikit-learn semantics):
 *   fit(x) learns state, transform(x) applies it, fitTransform(x) does both,
 *   inverseTransform(x) undoes it where that is possible,
 *   toJSON() / Class.fromJSON(json) save and restore the state (saved beside a model).
 * Inputs are 2-D: a float32 Tensor (N, D) or nested arrays; results come back in the same kind.
 * Statistics are computed in float64 whatever the input precision.
 */
import { expected, describe } from '../../core/validate';
import type { MatrixInput } from '../matrix';

export interface PreprocessorJSON {
  type: string;
  version: 1;
  config: Record<string, unknown>;
  state: Record<string, unknown> | null;
}

export abstract class Preprocessor<In = unknown, Out = In> {
  abstract readonly type: string;

  abstract fit(x: In): this;
  abstract transform(x: In): Out;

  fitTransform(x: In): Out {
    return this.fit(x).transform(x);
  }

  abstract get fitted(): boolean;

  abstract toJSON(): PreprocessorJSON;

  protected assertFitted(): void {
    if (!this.fitted) {
      throw new Error(`${this.type} is not fitted yet: call fit(x) or fitTransform(x) before transform(x)`);
    }
  }
}

/**
 * A transformer of numeric 2-D data: transform/fitTransform/inverseTransform return the kind
 * they are given (Tensor -> Tensor, number[][] -> number[][]).
 */
export abstract class NumericPreprocessor extends Preprocessor<MatrixInput> {
  abstract override transform<T extends MatrixInput>(x: T): T;

  override fitTransform<T extends MatrixInput>(x: T): T {
    return this.fit(x).transform(x);
  }
}

/** Checks that a saved state is for `type` and returns it. */
export function checkJSON(json: unknown, type: string): PreprocessorJSON {
  const j = json as PreprocessorJSON;
  if (typeof json !== 'object' || json === null || j.type !== type) {
    const got = typeof json === 'object' && json !== null && typeof j.type === 'string'
      ? `state of type "${j.type}"` : describe(json);
    throw new TypeError(expected(`${type} state (from toJSON())`, 'json', got));
  }
  if (j.version !== 1) throw new RangeError(expected('state version 1', 'json.version', describe(j.version)));
  return j;
}

/** number[] <-> JSON: NaN/Infinity survive as strings. */
export function numsToJSON(a: ArrayLike<number> | null): (number | string)[] | null {
  if (a === null) return null;
  return Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
}

export function numsFromJSON(a: unknown): Float64Array | null {
  if (a === null || a === undefined) return null;
  return Float64Array.from(a as (number | string)[], (v) => Number(v));
}

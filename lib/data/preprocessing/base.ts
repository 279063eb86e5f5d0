/**
 * Shared machinery for preprocessing transformers (scikit-learn semantics):
 *   fit(x) learns state, transform(x) applies it, fitTransform(x) does both,
 *   inverseTransform(x) undoes it where that is possible,
 *   toJSON() / Class.fromJSON(json) save and restore the state (saved beside a model).
 * Inputs are 2-D: a float32 Tensor (N, D) or nested arrays; results come back in the same kind.
 * Statistics are computed in float64 whatever the input precision.
 */
import { expected, describe } from '../../core/validate';
import { toMatrix, allocOutput, checkCols, type Matrix, type MatrixInput } from '../matrix';

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

/**
 * A numeric transformer with an inverse: the one shared inverseTransform checks the input (fitted
 * when the inverse needs state, column count once fitted) and applies the subclass's invert().
 * Scalers invert their affine map; transforms that cannot be undone (imputation, clipping) keep
 * the default invert, a copy of x, so a Pipeline can invert the steps around them.
 */
export abstract class InvertiblePreprocessor extends NumericPreprocessor {
  /** Number of columns seen by fit (0 before). */
  abstract get nFeatures(): number;

  /** Whether inverseTransform needs the fitted state (false for the copy-returning default). */
  protected get inverseNeedsFit(): boolean {
    return true;
  }

  inverseTransform<T extends MatrixInput>(x: T): T {
    if (this.inverseNeedsFit) this.assertFitted();
    const m = toMatrix(x, 'x');
    if (this.fitted) checkCols(m, this.nFeatures, 'x', this.type);
    return this.invert(x, m);
  }

  /** The inverse map of checked input m (x's matrix view); default: a copy of x. */
  protected invert<T extends MatrixInput>(x: T, m: Matrix): T {
    const o = allocOutput(x, m.rows, m.cols);
    o.data.set(m.data);
    return o.result();
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

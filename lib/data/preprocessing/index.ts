/**
 * Preprocessing: scalers, encoders, imputation, clipping, and a Pipeline that chains them.
 * Every transformer saves its state with toJSON() and comes back with Class.fromJSON(json) or
 * the generic preprocessorFromJSON(json), which dispatches on json.type.
 */
import { describe, expected, typeError } from '../../core/validate';
import { MatrixInput } from '../matrix';
import { Preprocessor, NumericPreprocessor, PreprocessorJSON, checkJSON } from './base';
import { MinMaxScaler, StandardScaler, RobustScaler, Normalizer } from './scalers';
import { OneHotEncoder, LabelEncoder } from './encoders';
import { SimpleImputer } from './imputer';
import { Clipper } from './clipper';

export { Preprocessor } from './base';
export type { PreprocessorJSON } from './base';
export * from './scalers';
export * from './encoders';
export * from './imputer';
export * from './clipper';

type NumericStep = Preprocessor<MatrixInput> & { inverseTransform?: <T extends MatrixInput>(x: T) => T };

/** Applies numeric transformers in order (e.g. imputer, clipper, scaler); inverts in reverse. */
export class Pipeline extends NumericPreprocessor {
  readonly type = 'Pipeline';
  readonly steps: NumericStep[];

  constructor(steps: NumericStep[]) {
    super();
    if (!Array.isArray(steps)) typeError('array of transformers', 'steps', steps);
    steps.forEach((s, i) => {
      if (!(s instanceof Preprocessor)) typeError('preprocessing transformer', `steps[${i}]`, s);
    });
    this.steps = [...steps];
  }

  get fitted(): boolean { return this.steps.every((s) => s.fitted); }

  fit(x: MatrixInput): this {
    let cur: MatrixInput = x;
    this.steps.forEach((s, i) => {
      const next = s.fitTransform(cur) as MatrixInput;
      if (i > 0) disposeIfTensor(cur, x);
      cur = next;
    });
    disposeIfTensor(cur, x);
    return this;
  }

  transform<T extends MatrixInput>(x: T): T {
    let cur: MatrixInput = x;
    for (const s of this.steps) {
      const next = s.transform(cur) as MatrixInput;
      disposeIfTensor(cur, x);
      cur = next;
    }
    return cur as T;
  }

  override fitTransform<T extends MatrixInput>(x: T): T {
    let cur: MatrixInput = x;
    for (const s of this.steps) {
      const next = s.fitTransform(cur) as MatrixInput;
      disposeIfTensor(cur, x);
      cur = next;
    }
    return cur as T;
  }

  inverseTransform<T extends MatrixInput>(x: T): T {
    let cur: MatrixInput = x;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i];
      if (!s.inverseTransform) throw new Error(`${s.type} in a Pipeline has no inverseTransform`);
      const next = s.inverseTransform(cur);
      disposeIfTensor(cur, x);
      cur = next;
    }
    return cur as T;
  }

  toJSON(): PreprocessorJSON {
    return { type: this.type, version: 1, config: {}, state: { steps: this.steps.map((s) => s.toJSON()) } };
  }

  static fromJSON(json: unknown): Pipeline {
    const j = checkJSON(json, 'Pipeline');
    const steps = ((j.state?.steps ?? []) as unknown[]).map((s) => preprocessorFromJSON(s) as NumericStep);
    return new Pipeline(steps);
  }
}

/** Intermediate tensors made inside a pipeline are freed; the caller's input never is. */
function disposeIfTensor(v: unknown, input: unknown): void {
  if (v !== input && typeof v === 'object' && v !== null && typeof (v as { dispose?: unknown }).dispose === 'function') {
    (v as { dispose(): void }).dispose();
  }
}

const registry: Record<string, { fromJSON(json: unknown): Preprocessor<any, any> }> = {
  MinMaxScaler, StandardScaler, RobustScaler, Normalizer, OneHotEncoder, LabelEncoder, SimpleImputer, Clipper, Pipeline,
};

/** Restores any transformer saved with toJSON(). */
export function preprocessorFromJSON(json: unknown): Preprocessor<any, any> {
  const t = (json as { type?: unknown } | null)?.type;
  if (typeof t !== 'string' || !(t in registry)) {
    throw new TypeError(expected(`preprocessor state with type one of ${Object.keys(registry).join(', ')}`, 'json',
      typeof t === 'string' ? `type "${t}"` : describe(json)));
  }
  return registry[t].fromJSON(json);
}

/**
 * Losses. Each is one fused native kernel forward and backward, numerically stable
 * (log-sum-exp; logits of +-1e4 stay finite; probabilities are clamped like PyTorch).
 * reduction: 'mean' (default) | 'sum' | 'none' (per element, or per sample for CE/NLL).
 */
import { Tensor } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record } from '../ops/util';
import { mul } from '../ops/elementwise';
import { assertTensor, assertSameShape } from '../tensor/check';
import { assertOneOf, assertFinite, assertNumberInRange, assertPlainObject, expected, fmtShape, describe } from '../core/validate';

export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS = ['mean', 'sum', 'none'] as const;
const CODE: Record<string, number> = { none: 0, mean: 1, sum: 2, batchmean: 3 };

function reductionOf(opts: unknown, allowed: readonly string[] = REDUCTIONS): string {
  if (opts === undefined) return 'mean';
  assertPlainObject(opts, 'options');
  const r = (opts as { reduction?: string }).reduction ?? 'mean';
  assertOneOf(r, 'reduction', allowed as readonly string[]);
  return r;
}

function lossTensor(red: string, perShape: readonly number[]): Tensor {
  return empty(red === 'none' ? perShape : []);
}

/** Shared shape for elementwise (prediction, target) losses. */
function pair(input: Tensor, target: Tensor): void {
  fin(input, 'input');
  fin(target, 'target');
  assertSameShape(input, target, 'input', 'target');
}

type RegressionKind = 'mse' | 'l1' | 'huber';

function regression(kind: RegressionKind, input: Tensor, target: Tensor, red: string, attrs: number[]): Tensor {
  pair(input, target);
  const n = input.size;
  const out = lossTensor(red, input.shape);
  native[`${kind}Forward`](out.data, input.data, target.data, n, ...attrs, CODE[red]);
  return record(out, kind, [input, target], (g, [dx, dy]) => {
    native[`${kind}Backward`](dx ? dx.data : null, dy ? dy.data : null, input.data, target.data, g.data, n, ...attrs, CODE[red]);
  });
}

/** Mean squared error. */
export function mse(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  return regression('mse', input, target, reductionOf(opts), []);
}

/** Mean absolute error (L1). */
export function l1(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  return regression('l1', input, target, reductionOf(opts), []);
}
export const mae = l1;

/** Huber: quadratic below delta, linear above. */
export function huber(input: Tensor, target: Tensor, opts: { reduction?: Reduction; delta?: number } = {}): Tensor {
  const delta = opts.delta ?? 1;
  assertNumberInRange(delta, 'delta', 0, Infinity, { loOpen: true });
  return regression('huber', input, target, reductionOf(opts), [delta]);
}

/** Smooth L1 (PyTorch): huber(beta) / beta. */
export function smoothL1(input: Tensor, target: Tensor, opts: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const beta = opts.beta ?? 1;
  assertNumberInRange(beta, 'beta', 0, Infinity, { loOpen: true });
  const h = regression('huber', input, target, reductionOf(opts), [beta]);
  return beta === 1 ? h : mul(h, 1 / beta);
}

/** Binary cross-entropy on probabilities in [0, 1] (logs clamped at -100 like PyTorch). */
export function bce(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  const red = reductionOf(opts);
  pair(input, target);
  const n = input.size;
  const out = lossTensor(red, input.shape);
  native.bceForward(out.data, input.data, target.data, n, CODE[red]);
  return record(out, 'bce', [input], (g, [dx]) => native.bceBackward(dx!.data, input.data, target.data, g.data, n, CODE[red]));
}
export const binaryCrossEntropy = bce;

/** Sigmoid + binary cross-entropy in one stable kernel; posWeight (C) weighs positives per column. */
export function bceWithLogits(input: Tensor, target: Tensor, opts: { reduction?: Reduction; posWeight?: Tensor } = {}): Tensor {
  const red = reductionOf(opts);
  pair(input, target);
  const pw = opts.posWeight ?? null;
  const C = input.shape.length > 0 ? input.shape[input.shape.length - 1] : 1;
  if (pw !== null) {
    fin(pw, 'posWeight');
    if (pw.size !== C) throw new RangeError(expected(`shape [${C}]`, 'posWeight', fmtShape(pw.shape)));
  }
  const n = input.size;
  const out = lossTensor(red, input.shape);
  native.bceWithLogitsForward(out.data, input.data, target.data, pw ? pw.data : null, n, C, CODE[red]);
  return record(out, 'bceWithLogits', [input], (g, [dx]) =>
    native.bceWithLogitsBackward(dx!.data, input.data, target.data, pw ? pw.data : null, g.data, n, C, CODE[red]));
}

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Per-class weights (C). */
  weight?: Tensor;
  labelSmoothing?: number;
  /** Label value that contributes nothing (default -100, like PyTorch). */
  ignoreIndex?: number;
}

function classWeight(w: Tensor | undefined, C: number): Tensor | null {
  if (w === undefined || w === null) return null;
  fin(w, 'weight');
  if (w.size !== C) throw new RangeError(expected(`shape [${C}]`, 'weight', fmtShape(w.shape)));
  return w;
}

/**
 * Softmax + cross-entropy from logits (N, C), with int32 class labels (N) or dense target
 * probabilities (N, C). The gradient is softmax(x) - target in one fused pass.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const red = reductionOf(opts);
  fin(logits, 'logits');
  if (!(target instanceof Tensor)) throw new TypeError(expected('int32 labels (N) or float32 probabilities (N, C)', 'target', describe(target)));
  assertTensor(target, 'target');
  if (logits.shape.length !== 2) throw new RangeError(expected('shape [N, C]', 'logits', fmtShape(logits.shape)));
  const [N, C] = logits.shape;
  const ls = opts.labelSmoothing ?? 0;
  assertNumberInRange(ls, 'labelSmoothing', 0, 1);
  const w = classWeight(opts.weight, C);
  const out = lossTensor(red, [N]);
  const probs = empty([N, C]);
  if (target.dtype === 'int32') {
    if (target.shape.length !== 1 || target.shape[0] !== N) throw new RangeError(expected(`shape [${N}]`, 'target', fmtShape(target.shape)));
    const ignore = opts.ignoreIndex ?? -100;
    assertFinite(ignore, 'ignoreIndex');
    native.crossEntropyForward(out.data, probs.data, logits.data, target.data, w ? w.data : null, N, C, ls, CODE[red], ignore);
    return record(out, 'crossEntropy', [logits], (g, [dx]) =>
      native.crossEntropyBackward(dx!.data, probs.data, target.data, w ? w.data : null, g.data, N, C, ls, CODE[red], ignore),
    () => probs.dispose());
  }
  if (target.shape.length !== 2 || target.shape[0] !== N || target.shape[1] !== C) {
    // Most often float labels of shape [N] or [N, 1] (e.g. from a CSV or a Float32Array): say what works.
    const labelsLike = target.shape.length === 1 || (target.shape.length === 2 && target.shape[1] === 1);
    throw new RangeError(expected(`int32 class indices of shape [${N}] or float32 probabilities of shape [${N}, ${C}]`,
      'target', `float32 Tensor of shape ${fmtShape(target.shape)}` + (labelsLike ? ' (make class indices with ' +
      "ng.tensor(labels, { dtype: 'int32' }) or ng.fromArray(Int32Array.from(labels)))" : '')));
  }
  native.crossEntropyDenseForward(out.data, probs.data, logits.data, target.data, w ? w.data : null, N, C, ls, CODE[red]);
  return record(out, 'crossEntropy', [logits], (g, [dx]) =>
    native.crossEntropyDenseBackward(dx!.data, probs.data, target.data, w ? w.data : null, g.data, N, C, ls, CODE[red]),
  () => probs.dispose());
}
export const categoricalCrossEntropy = crossEntropy;

/** Negative log-likelihood on log-probabilities (N, C) with int32 labels (N). */
export function nll(logProbs: Tensor, labels: Tensor, opts: { reduction?: Reduction; weight?: Tensor; ignoreIndex?: number } = {}): Tensor {
  const red = reductionOf(opts);
  fin(logProbs, 'input');
  assertTensor(labels, 'target', 'int32');
  if (logProbs.shape.length !== 2) throw new RangeError(expected('shape [N, C]', 'input', fmtShape(logProbs.shape)));
  const [N, C] = logProbs.shape;
  if (labels.shape.length !== 1 || labels.shape[0] !== N) throw new RangeError(expected(`shape [${N}]`, 'target', fmtShape(labels.shape)));
  const w = classWeight(opts.weight, C);
  const ignore = opts.ignoreIndex ?? -100;
  const out = lossTensor(red, [N]);
  native.nllForward(out.data, logProbs.data, labels.data, w ? w.data : null, N, C, CODE[red], ignore);
  return record(out, 'nll', [logProbs], (g, [dx]) =>
    native.nllBackward(dx!.data, labels.data, w ? w.data : null, g.data, N, C, CODE[red], ignore));
}

/** KL divergence: input = log q, target = p (or log p with logTarget). Default reduction batchmean. */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  const red = opts.reduction === undefined ? 'batchmean' : reductionOf(opts, ['mean', 'sum', 'none', 'batchmean']);
  pair(input, target);
  const logTarget = opts.logTarget ?? false;
  const n = input.size;
  const batch = input.shape.length > 0 ? input.shape[0] : 1;
  const out = lossTensor(red, input.shape);
  native.klDivForward(out.data, input.data, target.data, n, batch, logTarget, CODE[red]);
  return record(out, 'klDiv', [input], (g, [dx]) =>
    native.klDivBackward(dx!.data, target.data, g.data, n, batch, logTarget, CODE[red]));
}

/** Hinge: max(0, margin - y x) with labels y in {-1, 1}. */
export function hinge(input: Tensor, target: Tensor, opts: { reduction?: Reduction; margin?: number } = {}): Tensor {
  const red = reductionOf(opts);
  pair(input, target);
  const margin = opts.margin ?? 1;
  assertFinite(margin, 'margin');
  const n = input.size;
  const out = lossTensor(red, input.shape);
  native.hingeForward(out.data, input.data, target.data, n, margin, CODE[red]);
  return record(out, 'hinge', [input], (g, [dx]) =>
    native.hingeBackward(dx!.data, input.data, target.data, g.data, n, margin, CODE[red]));
}

export type LossName = 'mse' | 'l1' | 'mae' | 'huber' | 'smoothL1' | 'bce' | 'binaryCrossEntropy' | 'bceWithLogits' |
  'crossEntropy' | 'categoricalCrossEntropy' | 'nll' | 'klDiv' | 'hinge';
export const LOSS_NAMES: readonly LossName[] = ['mse', 'l1', 'mae', 'huber', 'smoothL1', 'bce', 'binaryCrossEntropy',
  'bceWithLogits', 'crossEntropy', 'categoricalCrossEntropy', 'nll', 'klDiv', 'hinge'];

export type LossFn = (input: Tensor, target: Tensor) => Tensor;

/** A loss function by name. */
export function get(name: LossName): LossFn {
  assertOneOf(name, 'loss', LOSS_NAMES);
  const table: Record<LossName, LossFn> = {
    mse, l1, mae, huber, smoothL1, bce, binaryCrossEntropy: bce, bceWithLogits, crossEntropy,
    categoricalCrossEntropy: crossEntropy, nll, klDiv, hinge,
  };
  return table[name];
}

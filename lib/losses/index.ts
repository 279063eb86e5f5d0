/**
 * Losses. Each is one fused native kernel forward and backward, numerically stable
 * (log-sum-exp; logits of +-1e4 stay finite; probabilities are clamped like PyTorch).
 * reduction: 'mean' (default) | 'sum' | 'none' (per element, or per sample for CE/NLL).
 */
import { Tensor } from '../tensor/tensor';
import type { OpsOfKind } from '../native';
import { empty, fin, record, kernelsFor } from '../ops/util';
import { reductionCode, type ReductionCode } from '../ops/codes';
import { mul } from '../ops/elementwise';
import { assertTensor, assertSameShape } from '../tensor/check';
import { assertOneOf, assertFinite, assertNumberInRange, assertPlainObject, expected, fmtShape, describe } from '../core/validate';

export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS = ['mean', 'sum', 'none'] as const;
function reductionOf(opts: unknown, allowed: readonly ReductionCode[] = REDUCTIONS): ReductionCode {
  if (opts === undefined) return 'mean';
  assertPlainObject(opts, 'options');
  const r = (opts as { reduction?: ReductionCode }).reduction ?? 'mean';
  assertOneOf(r, 'reduction', allowed);
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

/** An elementwise (prediction, target) loss: its kernels and whether the target gets a gradient. */
interface PairLossSpec {
  name: string;
  fwd: OpsOfKind<'pair_loss'>;
  bwd: OpsOfKind<'pair_loss_bwd'>;
  targetGrad: boolean;
}

const MSE: PairLossSpec = { name: 'mse', fwd: 'mseForward', bwd: 'mseBackward', targetGrad: true };
const L1: PairLossSpec = { name: 'l1', fwd: 'l1Forward', bwd: 'l1Backward', targetGrad: true };
const HUBER: PairLossSpec = { name: 'huber', fwd: 'huberForward', bwd: 'huberBackward', targetGrad: true };
const BCE: PairLossSpec = { name: 'bce', fwd: 'bceForward', bwd: 'bceBackward', targetGrad: false };
const HINGE: PairLossSpec = { name: 'hinge', fwd: 'hingeForward', bwd: 'hingeBackward', targetGrad: false };

function pairLoss(op: PairLossSpec, input: Tensor, target: Tensor, red: ReductionCode, attrs: number[]): Tensor {
  pair(input, target);
  const k = kernelsFor(input, target);
  const n = input.size;
  const code = reductionCode(red);
  const out = lossTensor(red, input.shape);
  k[op.fwd](out.f32, input.f32, target.f32, n, ...attrs, code);
  return record(out, op.name, op.targetGrad ? [input, target] : [input], (g, [dx, dy]) => {
    k[op.bwd](dx ? dx.f32 : null, dy ? dy.f32 : null, input.f32, target.f32, g.f32, n, ...attrs, code);
  });
}

/** Mean squared error. */
export function mse(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  return pairLoss(MSE, input, target, reductionOf(opts), []);
}

/** Mean absolute error (L1). */
export function l1(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  return pairLoss(L1, input, target, reductionOf(opts), []);
}
export const mae = l1;

/** Huber: quadratic below delta, linear above. */
export function huber(input: Tensor, target: Tensor, opts: { reduction?: Reduction; delta?: number } = {}): Tensor {
  const delta = opts.delta ?? 1;
  assertNumberInRange(delta, 'delta', 0, Infinity, { loOpen: true });
  return pairLoss(HUBER, input, target, reductionOf(opts), [delta]);
}

/** Smooth L1 (PyTorch): huber(beta) / beta. */
export function smoothL1(input: Tensor, target: Tensor, opts: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const beta = opts.beta ?? 1;
  assertNumberInRange(beta, 'beta', 0, Infinity, { loOpen: true });
  const h = pairLoss(HUBER, input, target, reductionOf(opts), [beta]);
  return beta === 1 ? h : mul(h, 1 / beta);
}

/** Binary cross-entropy on probabilities in [0, 1] (logs clamped at -100 like PyTorch). */
export function bce(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  return pairLoss(BCE, input, target, reductionOf(opts), []);
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
  const k = kernelsFor(input, target, pw);
  k.bceWithLogitsForward(out.f32, input.f32, target.f32, pw ? pw.f32 : null, n, C, reductionCode(red));
  return record(out, 'bceWithLogits', [input], (g, [dx]) =>
    k.bceWithLogitsBackward(dx!.f32, input.f32, target.f32, pw ? pw.f32 : null, g.f32, n, C, reductionCode(red)));
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
    const k = kernelsFor(logits, target, w);
    k.crossEntropyForward(out.f32, probs.f32, logits.f32, target.i32, w ? w.f32 : null, N, C, ls, reductionCode(red), ignore);
    return record(out, 'crossEntropy', [logits], (g, [dx]) =>
      k.crossEntropyBackward(dx!.f32, probs.f32, target.i32, w ? w.f32 : null, g.f32, N, C, ls, reductionCode(red), ignore),
    () => probs.dispose());
  }
  assertSameShape(logits, target, 'logits', 'target');
  const k = kernelsFor(logits, target, w);
  k.crossEntropyDenseForward(out.f32, probs.f32, logits.f32, target.f32, w ? w.f32 : null, N, C, ls, reductionCode(red));
  return record(out, 'crossEntropy', [logits], (g, [dx]) =>
    k.crossEntropyDenseBackward(dx!.f32, probs.f32, target.f32, w ? w.f32 : null, g.f32, N, C, ls, reductionCode(red)),
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
  const k = kernelsFor(logProbs, labels, w);
  k.nllForward(out.f32, logProbs.f32, labels.i32, w ? w.f32 : null, N, C, reductionCode(red), ignore);
  return record(out, 'nll', [logProbs], (g, [dx]) =>
    k.nllBackward(dx!.f32, labels.i32, w ? w.f32 : null, g.f32, N, C, reductionCode(red), ignore));
}

/** KL divergence: input = log q, target = p (or log p with logTarget). Default reduction batchmean. */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  const red = opts.reduction === undefined ? 'batchmean' : reductionOf(opts, ['mean', 'sum', 'none', 'batchmean']);
  pair(input, target);
  const logTarget = opts.logTarget ?? false;
  const n = input.size;
  const batch = input.shape.length > 0 ? input.shape[0] : 1;
  const out = lossTensor(red, input.shape);
  const k = kernelsFor(input, target);
  k.klDivForward(out.f32, input.f32, target.f32, n, batch, logTarget, reductionCode(red));
  return record(out, 'klDiv', [input], (g, [dx]) =>
    k.klDivBackward(dx!.f32, target.f32, g.f32, n, batch, logTarget, reductionCode(red)));
}

/** Hinge: max(0, margin - y x) with labels y in {-1, 1}. */
export function hinge(input: Tensor, target: Tensor, opts: { reduction?: Reduction; margin?: number } = {}): Tensor {
  const red = reductionOf(opts);
  const margin = opts.margin ?? 1;
  assertFinite(margin, 'margin');
  return pairLoss(HINGE, input, target, red, [margin]);
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

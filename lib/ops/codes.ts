/**
 * Enumerations the ops layer shares with native code, in code order: the index of a name is
 * the number the kernels take. They mirror native/ops/kinds.h (LinearAct, Reduction, CompareOp);
 * test/native/op_table.test.ts compares them with the addon's `codes`.
 */

/** Activations fused into linear (GEMM's epilogue fuses the first two). */
export const LINEAR_ACTIVATIONS = ['none', 'relu', 'sigmoid', 'tanh', 'gelu', 'geluTanh'] as const;
export type ActivationName = (typeof LINEAR_ACTIVATIONS)[number];

/** Loss reductions (batchmean: KL divergence only). */
export const REDUCTION_CODES = ['none', 'mean', 'sum', 'batchmean'] as const;
export type ReductionCode = (typeof REDUCTION_CODES)[number];

/** Elementwise comparisons (lib/ops/compare.ts). */
export const COMPARE_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type CompareName = (typeof COMPARE_OPS)[number];

/** name -> code for the fused-linear activations. */
export const LINEAR_ACTS = Object.freeze(Object.fromEntries(LINEAR_ACTIVATIONS.map((n, i) => [n, i]))) as
  Readonly<Record<ActivationName, number>>;

const REDUCTION_CODE = Object.freeze(Object.fromEntries(REDUCTION_CODES.map((n, i) => [n, i]))) as
  Readonly<Record<ReductionCode, number>>;

/** The code of a reduction name. */
export function reductionCode(name: ReductionCode): number {
  return REDUCTION_CODE[name];
}

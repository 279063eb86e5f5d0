/**
 * Pointwise ops with one tensor input: the table of their kernels and the one autograd rule
 * they share (the backward kernel reads the saved input x or the output). A new pointwise op is
 * a row here (plus its two rows in native/ops/op_table.h and its kernels).
 */
import { Tensor } from '../tensor/tensor';
import type { OpsOfKind } from '../native';
import { empty, fin, record, kernelsFor } from './util';

export interface PointwiseSpec {
  /** Op name for autograd messages. */
  readonly name: string;
  readonly fwd: OpsOfKind<'pointwise'>;
  readonly bwd: OpsOfKind<'pointwise_bwd'>;
  /** A CPU variant of bwd that writes dx instead of adding (autograd's first write), if any. */
  readonly bwdInit?: OpsOfKind<'pointwise_bwd'>;
  /** What the backward kernel reads besides dout (the second name of its params). */
  readonly saved: 'x' | 'out';
}

export const UNARY = {
  relu: { name: 'relu', fwd: 'reluForward', bwd: 'reluBackward', bwdInit: 'reluBackwardInit', saved: 'x' },
  leakyRelu: { name: 'leakyRelu', fwd: 'leakyReluForward', bwd: 'leakyReluBackward', saved: 'x' },
  elu: { name: 'elu', fwd: 'eluForward', bwd: 'eluBackward', saved: 'x' },
  selu: { name: 'selu', fwd: 'seluForward', bwd: 'seluBackward', saved: 'x' },
  gelu: { name: 'gelu', fwd: 'geluForward', bwd: 'geluBackward', saved: 'x' },
  geluTanh: { name: 'geluTanh', fwd: 'geluTanhForward', bwd: 'geluTanhBackward', saved: 'x' },
  silu: { name: 'silu', fwd: 'siluForward', bwd: 'siluBackward', saved: 'x' },
  sigmoid: { name: 'sigmoid', fwd: 'sigmoidForward', bwd: 'sigmoidBackward', saved: 'out' },
  tanh: { name: 'tanh', fwd: 'tanhForward', bwd: 'tanhBackward', saved: 'out' },
  softplus: { name: 'softplus', fwd: 'softplusForward', bwd: 'softplusBackward', saved: 'x' },
  hardswish: { name: 'hardswish', fwd: 'hardswishForward', bwd: 'hardswishBackward', saved: 'x' },
  exp: { name: 'exp', fwd: 'expForward', bwd: 'expBackward', saved: 'out' },
  log: { name: 'log', fwd: 'logForward', bwd: 'logBackward', saved: 'x' },
  sqrt: { name: 'sqrt', fwd: 'sqrtForward', bwd: 'sqrtBackward', saved: 'out' },
  abs: { name: 'abs', fwd: 'absForward', bwd: 'absBackward', saved: 'x' },
  square: { name: 'square', fwd: 'squareForward', bwd: 'squareBackward', saved: 'x' },
  log1p: { name: 'log1p', fwd: 'log1pForward', bwd: 'log1pBackward', saved: 'x' },
  sin: { name: 'sin', fwd: 'sinForward', bwd: 'sinBackward', saved: 'x' },
  cos: { name: 'cos', fwd: 'cosForward', bwd: 'cosBackward', saved: 'x' },
  clamp: { name: 'clamp', fwd: 'clampForward', bwd: 'clampBackward', saved: 'x' },
} as const satisfies Record<string, PointwiseSpec>;

/** Runs op's forward kernel on x and records its backward (attrs go to both kernels). */
export function pointwise(op: PointwiseSpec, x: Tensor, attrs: readonly number[] = []): Tensor {
  fin(x, 'x');
  const k = kernelsFor(x);
  const out = empty(x.shape);
  // init (a first write, CPU, ops with a bwdInit kernel): dx is written instead of added into.
  const bwd = (init?: boolean) => k[init ? op.bwdInit! : op.bwd];
  const firstWrite = op.bwdInit !== undefined && out.device === 'cpu';
  if (attrs.length === 0) {
    k[op.fwd](out.f32, x.f32, x.size);
    return record(out, op.name, [x], (g, [dx], init) => bwd(init)(dx!.f32, op.saved === 'x' ? x.f32 : out.f32, g.f32, x.size),
      undefined, firstWrite);
  }
  k[op.fwd](out.f32, x.f32, x.size, ...attrs);
  return record(out, op.name, [x], (g, [dx], init) =>
    bwd(init)(dx!.f32, op.saved === 'x' ? x.f32 : out.f32, g.f32, x.size, ...attrs), undefined, firstWrite);
}

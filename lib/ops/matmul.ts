/** Matrix products: matmul (with autograd) and the fused linear layer. */
import { Tensor } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record } from './util';
import { expected, fmtShape } from '../core/validate';
import type { ActivationName } from '../nn/layers';

/**
 * a @ b for a: (..., M, K) (leading dims flattened into M) and b: (K, N). Both 2-D is the
 * common case; the fast GEMM does the work and the backward pass is two more GEMMs.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  fin(a, 'a');
  fin(b, 'b');
  if (a.shape.length < 1 || b.shape.length !== 2) {
    throw new RangeError(expected('a: (..., M, K) and b: (K, N)', 'matmul operands',
      `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`));
  }
  const K = a.shape[a.shape.length - 1];
  if (b.shape[0] !== K) {
    throw new RangeError(`Expected shape [${K}, *] for b (rows must match the ${K} columns of a) but received ${fmtShape(b.shape)}`);
  }
  const N = b.shape[1];
  const outShape = a.shape.length === 1 ? [N] : [...a.shape.slice(0, -1), N];
  const rows = a.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = empty(outShape);
  native.gemm(false, false, rows, N, K, 1, a.data, Math.max(K, 1), b.data, Math.max(N, 1), 0, out.data, Math.max(N, 1), null, 0);
  return record(out, 'matmul', [a, b], (g, [da, db]) => {
    // da (rows, K) += g (rows, N) * b^T ; db (K, N) += a^T (K, rows) * g (rows, N)
    if (da) native.gemm(false, true, rows, K, N, 1, g.data, Math.max(N, 1), b.data, Math.max(N, 1), 1, da.data, Math.max(K, 1), null, 0);
    if (db) native.gemm(true, false, K, N, rows, 1, a.data, Math.max(K, 1), g.data, Math.max(N, 1), 1, db.data, Math.max(N, 1), null, 0);
  });
}

export const LINEAR_ACTS: Record<ActivationName, number> = {
  none: 0, relu: 1, sigmoid: 2, tanh: 3, gelu: 4, geluTanh: 5,
};

/**
 * Fused linear layer: act(x W^T + b) with W: (out, in). One GEMM with the bias (and ReLU)
 * applied in its epilogue; the backward pass applies the activation derivative and reduces
 * the bias gradient in one pass, then two GEMMs give dx and dW.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, act: ActivationName = 'none'): Tensor {
  fin(x, 'input');
  fin(weight, 'weight');
  if (bias !== null) fin(bias, 'bias');
  const actCode = LINEAR_ACTS[act];
  if (actCode === undefined) throw new RangeError(expected(`one of ${Object.keys(LINEAR_ACTS).join(', ')}`, 'activation', String(act)));
  if (weight.shape.length !== 2) throw new RangeError(expected('2-D weight (out, in)', 'weight', `shape ${fmtShape(weight.shape)}`));
  const [OC, C] = weight.shape;
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== C) {
    throw new RangeError(expected(`shape ${fmtShape([...x.shape.slice(0, -1).map(() => null), C])}`, 'input', fmtShape(x.shape)));
  }
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== OC)) {
    throw new RangeError(expected(`shape [${OC}]`, 'bias', fmtShape(bias.shape)));
  }
  const B = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = empty([...x.shape.slice(0, -1), OC]);
  const needPre = act === 'gelu' || act === 'geluTanh';
  const pre = needPre ? empty(out.shape) : null;
  native.linearForward(out.data, x.data, weight.data, bias ? bias.data : null, B, C, OC, actCode, pre ? pre.data : null);
  return record(out, 'linear', [x, weight, bias], (g, [dx, dw, db]) => {
    native.linearBackward(dx ? dx.data : null, dw ? dw.data : null, db ? db.data : null, g.data, x.data, weight.data,
      out.data, pre ? pre.data : null, B, C, OC, actCode);
  }, pre ? () => pre.dispose() : undefined);
}

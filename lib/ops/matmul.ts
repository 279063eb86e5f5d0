/** Matrix products: matmul (with autograd) and the fused linear layer. */
import { Tensor } from '../tensor/tensor';
import { empty, fin, record, kernelsFor, needsGrad } from './util';
import { packedWeight } from './packed';
import { native } from '../native';
import { expected, fmtShape } from '../core/validate';
import { LINEAR_ACTS, type ActivationName } from './codes';
import { bmm } from './attention';

export { LINEAR_ACTS };

/**
 * a @ b for a: (..., M, K) (leading dims flattened into M) and b: (K, N), or a batch of products
 * a: (..., M, K) @ b: (..., K, N) with the same leading dims (ng.bmm). Both 2-D is the common
 * case; the fast GEMM does the work and the backward pass is two more GEMMs.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  fin(a, 'a');
  fin(b, 'b');
  if (b.shape.length >= 3 && a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i])) {
    return bmm(a, b);
  }
  if (a.shape.length < 1 || b.shape.length !== 2) {
    throw new RangeError(expected('a: (..., M, K) and b: (K, N), or a: (..., M, K) and b: (..., K, N) with the same leading dims',
      'matmul operands', `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`));
  }
  const K = a.shape[a.shape.length - 1];
  if (b.shape[0] !== K) {
    throw new RangeError(`Expected shape [${K}, *] for b (rows must match the ${K} columns of a) but received ${fmtShape(b.shape)}`);
  }
  const N = b.shape[1];
  const outShape = a.shape.length === 1 ? [N] : [...a.shape.slice(0, -1), N];
  const rows = a.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = empty(outShape);
  const k = kernelsFor(a, b);
  k.gemm(false, false, rows, N, K, 1, a.f32, Math.max(K, 1), b.f32, Math.max(N, 1), 0, out.f32, Math.max(N, 1), null, 0);
  return record(out, 'matmul', [a, b], (g, [da, db]) => {
    // da (rows, K) += g (rows, N) * b^T ; db (K, N) += a^T (K, rows) * g (rows, N)
    if (da) k.gemm(false, true, rows, K, N, 1, g.f32, Math.max(N, 1), b.f32, Math.max(N, 1), 1, da.f32, Math.max(K, 1), null, 0);
    if (db) k.gemm(true, false, K, N, rows, 1, a.f32, Math.max(K, 1), g.f32, Math.max(N, 1), 1, db.f32, Math.max(N, 1), null, 0);
  });
}

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
  const k = kernelsFor(x, weight, bias);
  // Inference inside withPackedWeights (lib/ops/packed.ts): the weight's GEMM panels packed once.
  const packed = needsGrad(x, weight, bias) ? null : packedWeight(weight, C, OC);
  if (packed === null || !native.linearPacked(out.f32, x.f32, packed.panels as Float32Array, packed.table,
    bias ? bias.f32 : null, B, C, OC, actCode, pre ? pre.f32 : null)) {
    k.linearForward(out.f32, x.f32, weight.f32, bias ? bias.f32 : null, B, C, OC, actCode, pre ? pre.f32 : null);
  }
  // init (a first write, CPU): the kernel writes the gradients instead of adding into them.
  return record(out, 'linear', [x, weight, bias], (g, [dx, dw, db], init) => {
    (init ? k.linearBackwardInit : k.linearBackward)(dx ? dx.f32 : null, dw ? dw.f32 : null, db ? db.f32 : null, g.f32,
      x.f32, weight.f32, out.f32, pre ? pre.f32 : null, B, C, OC, actCode);
  }, pre ? () => pre.dispose() : undefined, out.device === 'cpu');
}

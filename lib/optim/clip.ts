/** Gradient clipping over parameters' gradients (one native call when they share a flat buffer). */
import { Tensor, settlePendingGrads } from '../tensor/tensor';
import { kernelsForAll } from '../ops/util';
import { existingLayout } from '../nn/flat';
import { assertNumberInRange, describe, expected } from '../core/validate';

function grads(params: Tensor[]): Float32Array[] {
  if (!Array.isArray(params)) throw new TypeError(expected('array of parameter tensors', 'params', describe(params)));
  const layout = existingLayout(params);
  settlePendingGrads(); // zeros marked by Optimizer.zeroGrad() are read below
  if (layout) return [layout.grads.data as Float32Array];
  return params.filter((p) => p.grad && !p.grad.isDisposed).map((p) => p.grad!.data as Float32Array);
}

/** Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  assertNumberInRange(maxNorm, 'maxNorm', 0, Infinity, { loOpen: true });
  const gs = grads(params);
  const k = kernelsForAll(params);
  if (gs.length === 1) return k.clipByNorm(gs[0], gs[0].length, maxNorm);
  let sq = 0;
  for (const g of gs) sq += k.l2Norm(g, g.length) ** 2;
  const total = Math.sqrt(sq);
  const scale = maxNorm / (total + 1e-6);
  if (scale < 1) for (const g of gs) k.scaleInPlace(g, g.length, scale);
  return total;
}

/** Clamps every gradient element to [-clipValue, clipValue]. */
export function clipGradValue(params: Tensor[], clipValue: number): void {
  assertNumberInRange(clipValue, 'clipValue', 0, Infinity, { loOpen: true });
  const k = kernelsForAll(params);
  for (const g of grads(params)) k.clipByValue(g, g.length, -clipValue, clipValue);
}

/** True when every gradient is finite (used by the NaN guard). */
export function gradsFinite(params: Tensor[]): boolean {
  const k = kernelsForAll(params);
  for (const g of grads(params)) if (!k.allFinite(g, g.length)) return false;
  return true;
}

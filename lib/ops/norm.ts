/** Normalization ops: layerNorm and batchNorm (training and running statistics). */
import { Tensor, shapeSize } from '../tensor/tensor';
import { empty, fin, record, kernelsFor } from './util';
import { relu } from './activations';
import { addRelu } from './elementwise';
import { assertNumberInRange, expected, fmtShape } from '../core/validate';

/** Normalizes over the last dimension, then scales by weight and shifts by bias (either may be null). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  fin(x, 'input');
  assertNumberInRange(eps, 'eps', 0, Infinity, { loOpen: true });
  if (x.shape.length < 1) throw new RangeError(expected('tensor with at least 1 dimension', 'input', 'shape []'));
  const C = x.shape[x.shape.length - 1];
  const N = shapeSize(x.shape.slice(0, -1));
  for (const [t, name] of [[weight, 'weight'], [bias, 'bias']] as const) {
    if (t !== null) {
      fin(t, name);
      if (t.size !== C) throw new RangeError(expected(`shape [${C}]`, name, fmtShape(t.shape)));
    }
  }
  const out = empty(x.shape);
  const meanT = empty([N]);
  const rstdT = empty([N]);
  const k = kernelsFor(x, weight, bias);
  k.layerNormForward(out.f32, meanT.f32, rstdT.f32, x.f32, weight ? weight.f32 : null, bias ? bias.f32 : null, N, C, eps);
  return record(out, 'layerNorm', [x, weight, bias], (g, [dx, dw, db]) => {
    k.layerNormBackward(dx ? dx.f32 : null, dw ? dw.f32 : null, db ? db.f32 : null, g.f32, x.f32,
      weight ? weight.f32 : null, meanT.f32, rstdT.f32, N, C);
  }, () => {
    meanT.dispose();
    rstdT.dispose();
  });
}

/**
 * Batch normalization of (N, C), (N, C, L) or (N, C, H, W) (statistics per channel over every
 * other dim). Training: batch statistics, and the running
 * statistics are updated in place (momentum, unbiased variance, like PyTorch). Eval: the
 * running statistics normalize.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  bias: Tensor | null, training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  return batchNormAct(x, runningMean, runningVar, weight, bias, training, momentum, eps, 'none');
}

/**
 * @internal batchNorm followed by an activation: 'relu' runs BatchNorm and ReLU as one kernel
 * (CPU: batchNormReluForward/Backward, the bits of the two ops in turn, one pass less over the
 * activations each way); on other devices the ReLU runs after it.
 */
export function batchNormAct(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  bias: Tensor | null, training: boolean, momentum: number, eps: number, activation: 'none' | 'relu'): Tensor {
  const { N, C, L } = batchNormDims(x, runningMean, runningVar, weight, bias, training, momentum, eps);
  const out = empty(x.shape);
  const meanT = empty([C]);
  const rstdT = empty([C]);
  const k = kernelsFor(x, runningMean, runningVar, weight, bias);
  const fused = activation === 'relu' && out.device === 'cpu';
  (fused ? k.batchNormReluForward : k.batchNormForward)(out.f32, meanT.f32, rstdT.f32,
    runningMean ? runningMean.f32 : null, runningVar ? runningVar.f32 : null, x.f32, weight ? weight.f32 : null,
    bias ? bias.f32 : null, N, C, L, eps, momentum, training);
  // init (a first write, CPU): the kernel writes the gradients instead of adding into them.
  const y = record(out, fused ? 'batchNormRelu' : 'batchNorm', [x, weight, bias], (g, [dx, dw, db], init) => {
    const dxf = dx ? dx.f32 : null;
    const dwf = dw ? dw.f32 : null;
    const dbf = db ? db.f32 : null;
    const w = weight ? weight.f32 : null;
    if (fused) {
      (init ? k.batchNormReluBackwardInit : k.batchNormReluBackward)(dxf, dwf, dbf, g.f32, x.f32, w, meanT.f32, rstdT.f32,
        out.f32, N, C, L, training);
    } else {
      (init ? k.batchNormBackwardInit : k.batchNormBackward)(dxf, dwf, dbf, g.f32, x.f32, w, meanT.f32, rstdT.f32, N, C, L,
        training);
    }
  }, () => {
    meanT.dispose();
    rstdT.dispose();
  }, out.device === 'cpu');
  return activation === 'relu' && !fused ? relu(y) : y;
}

/**
 * @internal max(batchNorm(x) + residual, 0): a residual block's join after the block's last
 * BatchNorm (Sequential's Residual + ReLU in training). CPU: one kernel (batchNormAddReluForward)
 * writes the join where BatchNorm and addRelu write the normalized tensor and read it back; the
 * same bits. Its backward is BatchNorm's with the ReLU mask of the output (batchNormReluBackward)
 * for x, weight and bias, which also writes the residual's gradient (dout masked by the output,
 * as reluBackward) in the same pass; without dx, reluBackward gives it. Again the bits of the two
 * ops. Other devices: addRelu(batchNorm(x), residual).
 */
export function batchNormAddRelu(x: Tensor, residual: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight: Tensor | null, bias: Tensor | null, training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  const { N, C, L } = batchNormDims(x, runningMean, runningVar, weight, bias, training, momentum, eps);
  fin(residual, 'residual');
  if (residual.shape.length !== x.shape.length || residual.shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(expected(`shape ${fmtShape(x.shape)} (the input's)`, 'residual', fmtShape(residual.shape)));
  }
  if (x.device !== 'cpu' || residual.device !== 'cpu') {
    return addRelu(batchNormAct(x, runningMean, runningVar, weight, bias, training, momentum, eps, 'none'), residual);
  }
  const out = empty(x.shape);
  const meanT = empty([C]);
  const rstdT = empty([C]);
  const k = kernelsFor(x, runningMean, runningVar, weight, bias); // residual: on the CPU as x (above)
  k.batchNormAddReluForward(out.f32, meanT.f32, rstdT.f32, runningMean ? runningMean.f32 : null,
    runningVar ? runningVar.f32 : null, x.f32, residual.f32, weight ? weight.f32 : null, bias ? bias.f32 : null,
    N, C, L, eps, momentum, training);
  return record(out, 'batchNormAddRelu', [x, weight, bias, residual], (g, [dx, dw, db, dr], init) => {
    // with dx, the residual's gradient comes from the same pass (dresidual)
    if (dx || dw || db) {
      (init ? k.batchNormReluBackwardInit : k.batchNormReluBackward)(dx ? dx.f32 : null, dw ? dw.f32 : null,
        db ? db.f32 : null, g.f32, x.f32, weight ? weight.f32 : null, meanT.f32, rstdT.f32, out.f32, N, C, L, training,
        dx && dr ? dr.f32 : null);
    }
    if (dr && !dx) (init ? k.reluBackwardInit : k.reluBackward)(dr.f32, out.f32, g.f32, out.size);
  }, () => {
    meanT.dispose();
    rstdT.dispose();
  }, true);
}

/** Checks batchNorm's arguments; returns N, C and L (the product of the dims after C). */
function batchNormDims(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  bias: Tensor | null, training: boolean, momentum: number, eps: number): { N: number; C: number; L: number } {
  fin(x, 'input');
  assertNumberInRange(eps, 'eps', 0, Infinity, { loOpen: true });
  assertNumberInRange(momentum, 'momentum', 0, 1);
  if (x.shape.length < 2 || x.shape.length > 4) {
    throw new RangeError(expected('shape [N, C], [N, C, L] or [N, C, H, W]', 'input', fmtShape(x.shape)));
  }
  const [N, C] = x.shape;
  const L = shapeSize(x.shape.slice(2));
  for (const [t, name] of [[runningMean, 'runningMean'], [runningVar, 'runningVar'], [weight, 'weight'], [bias, 'bias']] as const) {
    if (t !== null) {
      fin(t, name);
      if (t.size !== C) throw new RangeError(expected(`shape [${C}]`, name, fmtShape(t.shape)));
    }
  }
  if (!training && (!runningMean || !runningVar)) {
    throw new TypeError(expected('running statistics (eval mode normalizes with them)', 'runningMean/runningVar', 'null'));
  }
  if (training && N * L < 2) {
    throw new RangeError(`Expected more than 1 value per channel when training for input but received shape ${fmtShape(x.shape)}`);
  }
  return { N, C, L };
}

/** Batch normalization of NCHW images (BatchNorm2d's functional form): batchNorm on a 4-D input. */
export function batchNorm2d(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  bias: Tensor | null, training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  fin(x, 'input');
  if (x.shape.length !== 4) throw new RangeError(expected('4-D shape [N, C, H, W]', 'input', fmtShape(x.shape)));
  return batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
}

/** Normalization ops: layerNorm and batchNorm (training and running statistics). */
import { Tensor, shapeSize } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record } from './util';
import { expected, fmtShape } from '../core/validate';

/** Normalizes over the last dimension, then scales by weight and shifts by bias (either may be null). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  fin(x, 'input');
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
  native.layerNormForward(out.data, meanT.data, rstdT.data, x.data, weight ? weight.data : null, bias ? bias.data : null, N, C, eps);
  return record(out, 'layerNorm', [x, weight, bias], (g, [dx, dw, db]) => {
    native.layerNormBackward(dx ? dx.data : null, dw ? dw.data : null, db ? db.data : null, g.data, x.data,
      weight ? weight.data : null, meanT.data, rstdT.data, N, C);
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
  fin(x, 'input');
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
  const out = empty(x.shape);
  const meanT = empty([C]);
  const rstdT = empty([C]);
  native.batchNormForward(out.data, meanT.data, rstdT.data, runningMean ? runningMean.data : null,
    runningVar ? runningVar.data : null, x.data, weight ? weight.data : null, bias ? bias.data : null,
    N, C, L, eps, momentum, training);
  return record(out, 'batchNorm', [x, weight, bias], (g, [dx, dw, db]) => {
    native.batchNormBackward(dx ? dx.data : null, dw ? dw.data : null, db ? db.data : null, g.data, x.data,
      weight ? weight.data : null, meanT.data, rstdT.data, N, C, L, training);
  }, () => {
    meanT.dispose();
    rstdT.dispose();
  });
}

/** Batch normalization of NCHW images (BatchNorm2d's functional form): batchNorm on a 4-D input. */
export function batchNorm2d(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  bias: Tensor | null, training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  fin(x, 'input');
  if (x.shape.length !== 4) throw new RangeError(expected('4-D shape [N, C, H, W]', 'input', fmtShape(x.shape)));
  return batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
}

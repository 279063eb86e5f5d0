// Sequential's fusions against the same layers run one by one: the bits of a few training steps.
import * as ng from '../../lib';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/**
 * Output, input gradient and parameter gradients (as bit arrays) of `steps` training steps of
 * the model on x (cross-entropy against labels); fused false: its layers called one by one, so
 * no Sequential fusion applies.
 */
export function trainBits(model: ng.nn.Sequential, x: ng.Tensor, labels: number[], fused: boolean, steps = 2): number[][] {
  if (!fused) {
    const L = model.layers;
    model.forward = (h: ng.Tensor) => L.reduce((t: ng.Tensor, m) => m.forward(t) as ng.Tensor, h);
  }
  model.train();
  x.requiresGrad = true;
  const out: number[][] = [];
  for (let step = 0; step < steps; step++) {
    const y = model.forward(x);
    const loss = ng.losses.crossEntropy(y, ng.fromArray(Int32Array.from(labels), [labels.length]));
    for (const p of model.parameters()) p.grad = null;
    x.grad = null;
    loss.backward();
    out.push(bits(y.data as Float32Array), bits(x.grad!.data as Float32Array),
      ...model.parameters().map((p) => bits(p.grad!.data as Float32Array)));
  }
  return out;
}

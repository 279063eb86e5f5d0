// The ESM entry (package.json exports "import" -> dist/esm/index.d.mts) has the same types.
import * as ng from 'nodegrad';
import ngDefault from 'nodegrad';

export async function esm(): Promise<ng.Tensor> {
  const model = new ng.nn.Sequential(new ng.nn.Linear(4, 2));
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['accuracy'], optimizer: { type: 'sgd', lr: 0.1 } });
  const x = ng.randn([8, 4]);
  const y = ng.tensor([0, 1, 0, 1, 0, 1, 0, 1], { dtype: 'int32' });
  await trainer.fit([x, y], { epochs: 1, verbose: 0 });
  await ng.io.exportOnnx(model, 'model.onnx', { inputShape: [null, 4] });
  // @ts-expect-error 'acc' is not a metric name
  new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['acc'] });
  // @ts-expect-error a shape is numbers
  ngDefault.zeros('abc');
  return trainer.predict(x);
}

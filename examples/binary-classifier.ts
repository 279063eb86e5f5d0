/**
 * A 2 -> 10 (tanh) -> 1 binary classifier on two noisy, seeded Gaussian blobs (100 samples),
 * trained twice: plain gradient descent with MSE, and BCE (from logits) with Adam.
 * Reports train and test accuracy.
 *
 *   npx tsx examples/binary-classifier.ts
 */
import * as ng from '../lib';

/** Two Gaussian blobs around (-1, -1) and (1, 1), labels 0/1, seeded. */
export function makeBlobs(n: number, seed: number, noise = 0.6) {
  const rng = new ng.Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const c = label === 1 ? 1 : -1;
    x[2 * i] = c + noise * rng.normal();
    x[2 * i + 1] = c + noise * rng.normal();
    y[i] = label;
  }
  return { x: ng.fromArray(x, [n, 2]), y: ng.fromArray(y, [n, 1]) };
}

function accuracy(model: ng.nn.Module, x: ng.Tensor, y: ng.Tensor, threshold: number): number {
  return ng.tidy(() => {
    const p = ng.noGrad(() => model.forward(x)).data;
    let ok = 0;
    for (let i = 0; i < p.length; i++) if ((p[i] >= threshold ? 1 : 0) === y.data[i]) ok++;
    return ok / p.length;
  });
}

export function run(opts: { log?: (s: string) => void; seed?: number } = {}) {
  const log = opts.log ?? ((s: string) => console.log(s));
  ng.setSeed(opts.seed ?? 7);
  const train = makeBlobs(100, 1);
  const test = makeBlobs(100, 2);
  const makeModel = (out: ng.nn.Module | null) => new ng.nn.Sequential(
    new ng.nn.Linear(2, 10), new ng.nn.Tanh(), new ng.nn.Linear(10, 1), ...(out ? [out] : []));

  // 1. Plain gradient descent on MSE, sigmoid output.
  const gd = makeModel(new ng.nn.Sigmoid());
  const sgd = new ng.optim.SGD(gd.parameters(), { lr: 0.5 });
  for (let step = 0; step < 500; step++) {
    ng.tidy(() => {
      sgd.zeroGrad();
      ng.losses.mse(gd.forward(train.x), train.y).backward();
      sgd.step();
    });
  }
  const gdResult = { train: accuracy(gd, train.x, train.y, 0.5), test: accuracy(gd, test.x, test.y, 0.5) };
  log(`gradient descent + MSE: train accuracy ${(gdResult.train * 100).toFixed(1)}%, test ${(gdResult.test * 100).toFixed(1)}%`);

  // 2. Adam on binary cross-entropy from logits (no sigmoid layer; threshold 0 on logits).
  const adamModel = makeModel(null);
  const adam = new ng.optim.Adam(adamModel.parameters(), { lr: 0.05 });
  for (let step = 0; step < 300; step++) {
    ng.tidy(() => {
      adam.zeroGrad();
      ng.losses.bceWithLogits(adamModel.forward(train.x), train.y).backward();
      adam.step();
    });
  }
  const adamResult = { train: accuracy(adamModel, train.x, train.y, 0), test: accuracy(adamModel, test.x, test.y, 0) };
  log(`Adam + BCE:             train accuracy ${(adamResult.train * 100).toFixed(1)}%, test ${(adamResult.test * 100).toFixed(1)}%`);
  return { gd: gdResult, adam: adamResult };
}

if (require.main === module) run();

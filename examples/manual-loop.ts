/**
 * A PyTorch-style training loop written by hand: DataLoader batches, forward, loss,
 * backward, optimizer step, an LR scheduler, evaluation in noGrad, and ng.tidy so every
 * step frees its intermediates. Regression of y = sin(x0) + x1^2 / 2 with a small MLP.
 *
 *   npx tsx examples/manual-loop.ts
 */
import * as ng from '../lib';

export function run(opts: { epochs?: number; log?: (s: string) => void; seed?: number } = {}) {
  const log = opts.log ?? ((s: string) => console.log(s));
  const epochs = opts.epochs ?? 30;
  ng.setSeed(opts.seed ?? 3);

  // Data: 2000 samples, 2 features in [-2, 2].
  const n = 2000;
  const x = ng.rand([n, 2], { low: -2, high: 2 });
  const y = ng.empty([n, 1]);
  for (let i = 0; i < n; i++) y.data[i] = Math.sin(x.data[2 * i]) + x.data[2 * i + 1] ** 2 / 2;
  const { train, test } = ng.data.trainTestSplit(ng.data.fromTensors(x, y), { testSize: 0.2, seed: 1 });
  const loader = new ng.data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 2 });

  const model = new ng.nn.Sequential(
    new ng.nn.Linear(2, 64), new ng.nn.Tanh(),
    new ng.nn.Linear(64, 64), new ng.nn.Tanh(),
    new ng.nn.Linear(64, 1),
  );
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-2 });
  const scheduler = new ng.optim.CosineAnnealingLR(opt, epochs, 1e-4);

  let testMse = NaN;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let sum = 0;
    let count = 0;
    for (const batch of loader) {
      sum += ng.tidy(() => {
        opt.zeroGrad();
        const loss = ng.losses.mse(model.forward(batch.x), batch.y as ng.Tensor);
        loss.backward();
        opt.step();
        return loss.item() * batch.x.shape[0];
      });
      count += batch.x.shape[0];
    }
    scheduler.step();
    model.eval();
    testMse = ng.noGrad(() => ng.tidy(() => ng.losses.mse(model.forward(test.x), test.y as ng.Tensor).item()));
    if (epoch % 5 === 0 || epoch === 1) {
      log(`epoch ${epoch}: train mse ${(sum / count).toFixed(5)}  test mse ${testMse.toFixed(5)}  lr ${opt.lr.toExponential(2)}`);
    }
  }
  return { testMse };
}

if (require.main === module) run();

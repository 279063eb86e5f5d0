/**
 * A variational autoencoder on the bundled MNIST digits, written as in PyTorch: the encoder's
 * output is chunked into mean and log-variance, z = mu + exp(logvar / 2) * eps (the
 * reparameterization trick), the loss is binary cross-entropy of the reconstruction plus the KL
 * divergence to N(0, I), and a hand-written loop steps Adam. Reports the loss per sample by epoch,
 * the held-out reconstruction error against a mean-image baseline, and how many latent units the
 * digits use.
 *
 *   npx tsx examples/mnist-vae.ts
 */
import * as ng from '../lib';

export interface VaeResult {
  /** Mean loss per sample (reconstruction + KL) of each epoch. */
  losses: number[];
  /** Mean absolute error of test reconstructions (pixels in [0, 1]), decoding the mean. */
  testError: number;
  /** Same for a model that predicts every test pixel as its training mean (the baseline). */
  baselineError: number;
  /** Latent units whose mean varies across test digits (std of mu > 0.1): the units in use. */
  activeUnits: number;
}

export function run(opts: { epochs?: number; latent?: number; log?: (s: string) => void; seed?: number } = {}): VaeResult {
  const log = opts.log ?? ((s: string) => console.log(s));
  const epochs = opts.epochs ?? 10;
  const L = opts.latent ?? 8;
  ng.setSeed(opts.seed ?? 0);
  const { train, test } = ng.data.mnist({ trainSize: 8000, testSize: 2000 });

  const encoder = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 2 * L));
  const decoder = new ng.nn.Sequential(new ng.nn.Linear(L, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 784));
  const opt = new ng.optim.Adam([...encoder.parameters(), ...decoder.parameters()], { lr: 1e-3 });
  const loader = new ng.data.DataLoader(train, { batchSize: 128, shuffle: true, seed: 1 });

  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    for (const { x } of loader) {
      total += ng.tidy(() => {
        opt.zeroGrad();
        const [mu, logvar] = encoder.forward(x).chunk(2, 1);
        const z = mu.add(logvar.mul(0.5).exp().mul(ng.randn(mu.shape)));
        const reconstruction = ng.losses.bceWithLogits(decoder.forward(z), x, { reduction: 'sum' });
        // KL(N(mu, exp(logvar)) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar))
        const kl = logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
        const loss = reconstruction.add(kl);
        loss.backward();
        opt.step();
        return loss.item();
      });
    }
    losses.push(total / train.length);
    log(`epoch ${epoch + 1}/${epochs}: loss per sample ${losses[epoch].toFixed(2)}`);
  }

  const r = ng.noGrad(() => ng.tidy(() => {
    const [mu] = encoder.forward(test.x).chunk(2, 1);
    const testError = decoder.forward(mu).sigmoid().sub(test.x).abs().mean().item();
    const baselineError = test.x.sub(train.x.mean(0)).abs().mean().item();
    const activeUnits = mu.std(0).gt(0.1).sum().item();
    return { testError, baselineError, activeUnits };
  }));
  log(`test reconstruction error ${r.testError.toFixed(4)} (mean-image baseline ${r.baselineError.toFixed(4)}), ` +
    `${r.activeUnits} of ${L} latent units in use`);
  return { losses, ...r };
}

if (require.main === module) run();

/**
 * XOR: the classic 4-sample problem that a linear model cannot solve.
 * A 2-8-8-1 sigmoid network, Adam lr 0.1, 1000 full-batch steps; loss printed every 100 steps.
 *
 *   npx tsx examples/xor.ts
 */
import * as ng from '../lib';

export function run(opts: { steps?: number; log?: (s: string) => void; seed?: number } = {}) {
  const steps = opts.steps ?? 1000;
  const log = opts.log ?? ((s: string) => console.log(s));
  ng.setSeed(opts.seed ?? 42);
  const x = ng.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = ng.tensor([[0], [1], [1], [0]]);
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(2, 8), new ng.nn.Sigmoid(),
    new ng.nn.Linear(8, 8), new ng.nn.Sigmoid(),
    new ng.nn.Linear(8, 1), new ng.nn.Sigmoid(),
  );
  const opt = new ng.optim.Adam(model.parameters(), { lr: 0.1 });
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const loss = ng.tidy(() => {
      opt.zeroGrad();
      const l = ng.losses.mse(model.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
    losses.push(loss);
    if (step % 100 === 0) log(`step ${step}: loss ${loss.toFixed(6)}`);
  }
  const pred = ng.noGrad(() => model.forward(x));
  const predictions = Array.from(pred.data);
  log(`predictions: ${predictions.map((p) => p.toFixed(3)).join(', ')} (targets 0, 1, 1, 0)`);
  pred.dispose();
  return { losses, predictions, targets: [0, 1, 1, 0] };
}

if (require.main === module) run();

// One seeded training job (an MLP, batch 64, Adam), run the same way on the main thread and in
// worker threads by scripts/stress-workers.js. Returns the last loss and a SHA-256 of the final
// weights, so runs can be compared bit for bit.
'use strict';
const crypto = require('crypto');

function trainJob(ng, seed, steps, onStep) {
  ng.setSeed(seed);
  const x = ng.randn([256, 16]);
  const y = ng.tensor(Int32Array.from({ length: 256 }, (_, i) => (i * 7 + seed) % 4), { dtype: 'int32' });
  const model = new ng.nn.Sequential(new ng.nn.Linear(16, 32), new ng.nn.ReLU(), new ng.nn.Linear(32, 4));
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-2 });
  const loader = new ng.data.DataLoader(ng.data.fromTensors(x, y), { batchSize: 64, shuffle: true, seed });
  let loss = NaN;
  let step = 0;
  while (step < steps) {
    for (const b of loader) {
      if (step >= steps) break;
      loss = ng.tidy(() => {
        opt.zeroGrad();
        const l = ng.losses.crossEntropy(model.forward(b.x), b.y);
        l.backward();
        opt.step();
        return l.item();
      });
      step++;
      if (onStep) onStep(step);
    }
  }
  const h = crypto.createHash('sha256');
  for (const p of model.parameters()) h.update(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  const out = { loss, weights: h.digest('hex') };
  model.dispose();
  x.dispose();
  y.dispose();
  return out;
}

module.exports = { trainJob };

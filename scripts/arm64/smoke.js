// Library-level smoke test for a cross-built addon (run by scripts/arm64-check.sh under qemu):
// training lowers the loss, save/load round-trips the weights exactly, predict matches the
// model, and fit() on a worker thread runs.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const assert = require('assert');
const ng = require('../../dist');
const { trainJob } = require('../stress/train-job');

async function main() {
  const first = trainJob(ng, 1, 1).loss;
  const last = trainJob(ng, 1, 200).loss;
  assert.ok(last < first * 0.6, `loss ${first} -> ${last} did not drop`);
  ng.setSeed(2);
  const model = new ng.nn.Sequential(new ng.nn.Linear(5, 7), new ng.nn.Tanh(), new ng.nn.Linear(7, 3));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-arm64-'));
  const file = path.join(dir, 'm.safetensors');
  await ng.io.save(model, file);
  const again = await ng.io.load(file);
  const x = ng.randn([9, 5]);
  const a = ng.noGrad(() => model.forward(x)).data;
  const b = ng.noGrad(() => again.forward(x)).data;
  assert.deepStrictEqual(Array.from(b), Array.from(a));
  const trainer = new ng.Trainer({ model, loss: 'mse', optimizer: 'adam', lr: 0.01 });
  const y = ng.randn([9, 3]);
  const h = await trainer.fit([x, y], { epochs: 3, batchSize: 4, verbose: 0, worker: true });
  assert.deepStrictEqual(h.epoch, [0, 1, 2]);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`${process.arch} ${ng.backend()}: training (loss ${first.toFixed(3)} -> ${last.toFixed(3)}), save/load, predict, worker fit: ok`);
}

main().catch((e) => { console.error(e); process.exit(1); });

// One MLP training step (784-512-256-10 ReLU, softmax-CE, Adam, ng.tidy) for one or more builds
// in one process: alternating rounds, best of rounds, process CPU time (on a shared machine
// wall time mostly measures the other jobs) and wall time beside it; then whether the builds
// ended with identical parameters.
//   node bench/kernels/mlp-step.cjs BATCH DIR [DIR ...]   (DIR: a checkout with dist/ and build/)
// env: T (threads, default 1), STEPS per round (20), ROUNDS (15).
// Under perf (where the step's time goes): perf record -e cpu-clock -o s.data node
// --perf-basic-prof bench/kernels/mlp-step.cjs 128 . (ROUNDS=60), and again with ROUNDS=0 to
// subtract start-up.
'use strict';
const path = require('path');
const B = +process.argv[2]; const dirs = process.argv.slice(3);
const steps = +(process.env.STEPS || 20), rounds = +(process.env.ROUNDS || 15);
const runs = dirs.map((d) => {
  const ng = require(path.resolve(d, 'dist'));
  ng.setSeed(1); ng.setNumThreads(+(process.env.T || 1));
  const model = new ng.nn.Sequential(new ng.nn.Linear(784, 512), new ng.nn.ReLU(), new ng.nn.Linear(512, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 10));
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = ng.rand([B, 784]), y = ng.tensor(Array.from({ length: B }, (_, i) => i % 10), { dtype: 'int32' });
  const step = () => ng.tidy(() => { const l = ng.losses.crossEntropy(model.forward(x), y); opt.zeroGrad(); l.backward(); opt.step(); });
  for (let i = 0; i < 3; i++) step();
  return { d, step, ng, model, bestc: Infinity, bestw: Infinity };
});
for (let r = 0; r < rounds; r++) for (const run of runs) {
  const c = process.cpuUsage(); const t = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) run.step();
  const cu = process.cpuUsage(c);
  run.bestw = Math.min(run.bestw, Number(process.hrtime.bigint() - t) / 1e9 / steps);
  run.bestc = Math.min(run.bestc, (cu.user + cu.system) / 1e6 / steps);
}
const fl = 6 * B * (784 * 512 + 512 * 256 + 256 * 10);
for (const run of runs) console.log(`${run.d} B=${B} T=${process.env.T || 1}: cpu ${(run.bestc * 1e6).toFixed(0)} us/step ${(B / run.bestc).toFixed(0)} samples/s ${(fl / run.bestc / 1e9).toFixed(1)} GF/s | wall ${(run.bestw * 1e6).toFixed(0)} us ${(B / run.bestw).toFixed(0)}/s`);
// same-results check: first param sums
const sums = runs.map((r) => r.model.parameters().map((p) => Array.from(p.data).reduce((a, b) => a + b, 0).toFixed(6)).join(','));
console.log('params identical across builds:', sums.every((s) => s === sums[0]));

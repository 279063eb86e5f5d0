// The conv case's nets (bench/cases/conv.mjs: LeNet-style and small ResNet-style) for one or
// more builds in one process: alternating rounds, best of rounds by process CPU time (on a
// shared machine wall time mostly measures the other jobs), wall time beside it.
//   node bench/kernels/conv-step.mjs WHAT DIR [DIR ...]
//   WHAT: lenet-train | resnet-train | lenet-infer | resnet-infer; DIR: a checkout with dist/
//   and build/ (an A/B: a copy of the old dist/ and build/Release/nodegrad.node next to the new).
// env: T (threads, default 1), STEPS per round (train 10, infer 2 passes of 2048), ROUNDS (9).
// Training also prints whether the builds ended with the same loss (bit-identical kernels).
// Under perf: perf record -e cpu-clock -g -o c.data node --perf-basic-prof bench/kernels/conv-step.mjs resnet-train .
import { createRequire } from 'node:module';
import path from 'node:path';
import { ngConvModel } from '../cases/conv.mjs';
import { mnistLike } from '../lib/util.mjs';

const require = createRequire(import.meta.url);
const [what, ...dirs] = process.argv.slice(2);
const [arch, mode] = what.split('-');
const T = +(process.env.T || 1);
const steps = +(process.env.STEPS || (mode === 'train' ? 10 : 1));
const rounds = +(process.env.ROUNDS || 9);
const batch = mode === 'train' ? 64 : 256;
const n = mode === 'train' ? 1024 : 2048;

const runs = dirs.map((d) => {
  const ng = require(path.resolve(d, 'dist'));
  ng.setNumThreads(T);
  const model = ngConvModel(ng, arch, 1);
  const { x, y } = mnistLike(n, 1);
  const bs = [];
  for (let i = 0; i + batch <= n; i += batch) {
    bs.push({ x: ng.fromArray(x.slice(i * 784, (i + batch) * 784), [batch, 1, 28, 28]), y: ng.fromArray(y.slice(i, i + batch), [batch]) });
  }
  let k = 0;
  let last = 0;
  let step;
  let per;
  if (mode === 'train') {
    model.train();
    const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
    per = batch;
    step = () => {
      const b = bs[k++ % bs.length];
      ng.tidy(() => {
        const loss = ng.losses.crossEntropy(model.forward(b.x), b.y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        last = loss.item();
      });
    };
  } else {
    ng.noGrad(() => ng.tidy(() => { for (const b of bs.slice(0, 4)) model.forward(b.x); }));
    model.eval();
    per = n;
    step = () => { for (const b of bs) ng.tidy(() => { last = ng.noGrad(() => model.forward(b.x)).data[0]; }); };
  }
  step();
  return { d, step, bestc: Infinity, bestw: Infinity, per, last: () => last };
});
for (let r = 0; r < rounds; r++) {
  for (const run of runs) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) run.step();
    const cu = process.cpuUsage(c);
    run.bestw = Math.min(run.bestw, Number(process.hrtime.bigint() - t) / 1e9 / steps);
    run.bestc = Math.min(run.bestc, (cu.user + cu.system) / 1e6 / steps);
  }
}
for (const run of runs) {
  console.log(`${run.d} ${what} T=${T}: cpu ${(run.bestc * 1e3).toFixed(2)} ms/step ${(run.per / run.bestc).toFixed(0)} samples/s (per cpu) | wall ${(run.bestw * 1e3).toFixed(2)} ms ${(run.per / run.bestw).toFixed(0)}/s | last ${run.last()}`);
}

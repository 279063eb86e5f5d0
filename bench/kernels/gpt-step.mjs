// The gpt case's training step (bench/cases/gpt.mjs: char-GPT, 4 pre-LN layers, d=128, 4 heads,
// context 128, batch 16, AdamW + clip) for one or more builds in one process: alternating
// rounds, best of rounds by process CPU time (on a shared machine wall time mostly measures the
// other jobs), wall time beside it.
//   node bench/kernels/gpt-step.mjs DIR [DIR ...]
//   DIR: a checkout with dist/ and build/ (an A/B: a copy of the old dist/ and
//   build/Release/nodegrad.node next to the new).
// env: T (threads, default 1), STEPS per round (default 4), ROUNDS (default 9).
// Prints each build's loss after the same steps: equal losses = the same numerics.
// Under perf: perf record -e cpu-clock -g -o g.data node --perf-basic-prof bench/kernels/gpt-step.mjs .
import { createRequire } from 'node:module';
import path from 'node:path';
import { ngGptRunner } from '../cases/gpt.mjs';

const require = createRequire(import.meta.url);
const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push('.');
const T = +(process.env.T || 1);
const steps = +(process.env.STEPS || 4);
const rounds = +(process.env.ROUNDS || 9);
const tokens = 16 * 128;

const runs = dirs.map((d) => {
  const ng = require(path.resolve(d, 'dist'));
  ng.setNumThreads(T);
  const r = ngGptRunner(ng);
  r.run(1); // warm-up (JIT, scratch pools)
  return { d, ng, r, bestc: Infinity, bestw: Infinity };
});
for (let i = 0; i < rounds; i++) {
  for (const run of runs) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    run.r.run(steps);
    const cu = process.cpuUsage(c);
    run.bestw = Math.min(run.bestw, Number(process.hrtime.bigint() - t) / 1e9 / steps);
    run.bestc = Math.min(run.bestc, (cu.user + cu.system) / 1e6 / steps);
  }
}
for (const run of runs) {
  // The same fixed batch for every build: its loss after the same number of steps.
  const { ng, r } = run;
  const x = ng.fromArray(Int32Array.from({ length: 2 * 128 }, (_, i) => (i * 7) % 82), [2, 128]);
  const y = ng.fromArray(Int32Array.from({ length: 2 * 128 }, (_, i) => (i * 11 + 3) % 82), [2, 128]);
  const loss = ng.noGrad(() => ng.tidy(() => r.model.loss(x, y).item()));
  console.log(`${run.d} gpt-train T=${T}: cpu ${(run.bestc * 1e3).toFixed(2)} ms/step ${(tokens / run.bestc).toFixed(0)} tokens/s (per cpu) | wall ${(run.bestw * 1e3).toFixed(2)} ms ${(tokens / run.bestw).toFixed(0)}/s | loss ${loss}`);
}

#!/usr/bin/env node
// bf16 vs fp32 in one process, A/B alternating, best of N (wall time and the process's CPU time,
// which other processes on a shared machine disturb much less): nodegrad's GEMM at 1024^3 and
// the MLP shapes in linear's orientation, then the MLP 784-512-256-10 Adam training step
// (bench/cases/mlp.mjs's runner with and without ng.autocast('bf16')). Needs dist/ (npm run
// build:ts) and a CPU with AVX512_BF16.
//   node bench/kernels/bf16-ab.mjs [--threads 1] [--batch 128] [--reps 9]
import { createRequire } from 'node:module';
import { ngMlpRunner, ngMnistTensors } from '../cases/mlp.mjs';

const require = createRequire(import.meta.url);
const ng = require('../../dist/index.js');
const { native } = require('../../dist/native.js');
const gemm = native.backends.cpu.gemm;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const threads = arg('threads', 1);
const batch = arg('batch', 128);
const reps = arg('reps', 9);
if (!ng.bf16Native()) {
  console.error(`bf16 is not native here (backend ${ng.backend()}): nothing to compare`);
  process.exit(1);
}
ng.setNumThreads(threads);

/** Runs f() for each precision, alternating, reps times; best seconds per call (wall, cpu). */
function ab(makeRun, calls) {
  const best = { fp32: [Infinity, Infinity], bf16: [Infinity, Infinity] };
  for (let r = 0; r < reps; r++) {
    for (const p of r % 2 ? ['bf16', 'fp32'] : ['fp32', 'bf16']) {
      const run = makeRun(p);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      run(calls);
      const wall = (performance.now() - t0) / 1e3 / calls;
      const c = process.cpuUsage(c0);
      best[p] = [Math.min(best[p][0], wall), Math.min(best[p][1], (c.user + c.system) / 1e6 / calls)];
    }
  }
  return best;
}
const x = (b, i) => (b.fp32[i] / b.bf16[i]).toFixed(2);

console.log(`nodegrad ${ng.backend()}, ${threads} thread(s), best of ${reps}; ratio = fp32 time / bf16 time`);
// [name, transA, transB, M, N, K]: linear forward Y = X W^T, dX = dY W, dW = dY^T X at batch 128
const shapes = [['square', false, false, 1024, 1024, 1024],
  ['fwd 784->512', false, true, 128, 512, 784], ['dW 784->512', true, false, 512, 784, 128],
  ['fwd 512->256', false, true, 128, 256, 512], ['dX 512->256', false, false, 128, 512, 256], ['dW 512->256', true, false, 256, 512, 128],
  ['fwd 256->10', false, true, 128, 10, 256], ['dX 256->10', false, false, 128, 256, 10], ['dW 256->10', true, false, 10, 256, 128]];
for (const [name, ta, tb, M, N, K] of shapes) {
  const A = Float32Array.from({ length: M * K }, () => Math.random() - 0.5);
  const B = Float32Array.from({ length: K * N }, () => Math.random() - 0.5);
  const C = new Float32Array(M * N);
  const calls = Math.max(3, Math.round(2e8 / (M * N * K)));
  const best = ab((p) => (n) => ng.autocast(p, () => {
    for (let i = 0; i < n; i++) gemm(ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, C, N, null, 0);
  }), calls);
  const gf = (t) => (2 * M * N * K / t / 1e9).toFixed(1);
  console.log(`gemm ${name} (${M}x${N}x${K}${ta ? ' A^T' : ''}${tb ? ' B^T' : ''}): fp32 ${gf(best.fp32[0])} GFLOP/s, bf16 ${gf(best.bf16[0])}: ` +
    `${x(best, 0)}x wall, ${x(best, 1)}x CPU time`);
}
const data = ngMnistTensors(ng);
const steps = Math.max(10, Math.round(6000 / batch));
const best = ab((p) => {
  const r = ngMlpRunner(ng, { batch, data, precision: p });
  r.run(3);
  return (n) => {
    r.run(n);
    r.dispose();
  };
}, steps);
const sps = (t) => Math.round(batch / t);
console.log(`MLP 784-512-256-10 Adam step, batch ${batch}: fp32 ${sps(best.fp32[0])} samples/s, bf16 ${sps(best.bf16[0])}: ` +
  `${x(best, 0)}x wall, ${x(best, 1)}x CPU time`);

// Kernels of the GPT training step (bench/cases/gpt.mjs shapes: batch 16 x 128 tokens, d 128,
// 4 heads, feed-forward 512) one at a time, for one or more builds in one process: alternating
// rounds, best of rounds by process CPU time (a shared machine inflates wall time). For A/B of a
// kernel change: copy the old dist/ and build/Release/nodegrad.node to a folder, pass it beside `.`.
//   node bench/kernels/gpt-ops.mjs DIR [DIR ...]       env: T (threads, 1), REPS (20), ROUNDS (9)
// Prints a checksum per kernel and build (equal checksums: the same bits).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push('.');
const T = +(process.env.T || 1);
const reps = +(process.env.REPS || 20);
const rounds = +(process.env.ROUNDS || 9);
const B = 16, Tt = 128, E = 128, H = 4, D = 32, F = 512, N = B * Tt;

function rand(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return a;
}
const sum = (a) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * ((i % 7) + 1); return s; };

const runs = dirs.map((d) => {
  const ng = require(path.resolve(d, 'dist'));
  const { kernels } = require(path.resolve(d, 'dist', 'native'));
  ng.setNumThreads(T);
  const k = kernels('cpu');
  const qkv = rand(N * 3 * E, 1), out = new Float32Array(N * E), lse = new Float32Array(B * H * Tt);
  const dout = rand(N * E, 2), dqkv = new Float32Array(N * 3 * E);
  const x = rand(N * E, 3), w1 = rand(F * E, 4).map((v) => v * 0.1), b1 = rand(F, 5), h = new Float32Array(N * F);
  const pre = new Float32Array(N * F), dh = rand(N * F, 6), dx = new Float32Array(N * E), dw1 = new Float32Array(F * E);
  const db1 = new Float32Array(F);
  const fwd = () => k.attentionForward(out, lse, qkv, qkv.subarray(E), qkv.subarray(2 * E), null, null, B, H, Tt, Tt, D,
    3 * E, 3 * E, 3 * E, E, 1 / Math.sqrt(D), true, 0, false);
  const ops = {
    'attention fwd': [fwd, () => sum(out)],
    'attention bwd': [() => { dqkv.fill(0); k.attentionBackward(dqkv, dqkv.subarray(E), dqkv.subarray(2 * E), dout, qkv,
      qkv.subarray(E), qkv.subarray(2 * E), out, lse, null, null, B, H, Tt, Tt, D, 3 * E, 3 * E, 3 * E, E, 1 / Math.sqrt(D),
      true, 0, false); }, () => sum(dqkv)],
    'linear1+gelu fwd': [() => k.linearForward(h, x, w1, b1, N, E, F, 4, pre), () => sum(h) + sum(pre)],
    'gelu+bias grads': [() => k.linearBackwardInit(null, null, db1, dh, x, w1, h, pre, N, E, F, 4), () => sum(db1)],
    'linear1+gelu bwd': [() => k.linearBackwardInit(dx, dw1, db1, dh, x, w1, h, pre, N, E, F, 4), () => sum(dx) + sum(dw1) + sum(db1)],
  };
  fwd();
  return { d, ops, best: Object.fromEntries(Object.keys(ops).map((n) => [n, Infinity])) };
});
for (let r = 0; r < rounds; r++) {
  for (const run of runs) {
    for (const [name, [f]] of Object.entries(run.ops)) {
      f();
      const c = process.cpuUsage();
      for (let i = 0; i < reps; i++) f();
      const cu = process.cpuUsage(c);
      run.best[name] = Math.min(run.best[name], (cu.user + cu.system) / 1e3 / reps);
    }
  }
}
for (const run of runs) {
  for (const [name, [, check]] of Object.entries(run.ops)) {
    console.log(`${run.d} T=${T} ${name.padEnd(18)} cpu ${run.best[name].toFixed(3)} ms  checksum ${check()}`);
  }
}

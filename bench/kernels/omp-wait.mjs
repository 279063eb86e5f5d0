#!/usr/bin/env node
// Chooses the OpenMP wait policy (issue 2): many back-to-back parallel kernels (a training step
// is a few dozen), interleaved with JS work, under each policy, each in a fresh process
// (libgomp reads its environment once, when the addon loads).
//   node bench/kernels/omp-wait.mjs
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');

if (process.argv[2] === '--child') {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const ng = require(path.join(root, 'dist', 'index.js'));
  ng.setNumThreads(2);
  const big = ng.randn([1 << 18]);          // above the parallel threshold: every call is a parallel region
  const w = ng.randn([256, 256]);
  const x = ng.randn([64, 256]);
  const run = () => {
    for (let i = 0; i < 20; i++) ng.tidy(() => { ng.relu(big); x.matmul(w); });
    let s = 0;
    for (let i = 0; i < 20000; i++) s += Math.sqrt(i); // JS work between kernels, like a training loop
    return s;
  };
  for (let i = 0; i < 5; i++) run();
  const times = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ median: times[7], best: times[0], worst: times[14] }));
  process.exit(0);
}

const policies = [
  { name: 'nodegrad default (OMP_WAIT_POLICY=passive)', env: {} },
  { name: 'GOMP_SPINCOUNT=10000', env: { GOMP_SPINCOUNT: '10000' } },
  { name: 'libgomp default (OMP_WAIT_POLICY unset, spin ~300k)', env: { GOMP_SPINCOUNT: '300000' } },
  { name: 'OMP_WAIT_POLICY=active', env: { OMP_WAIT_POLICY: 'active' } },
  { name: 'OMP_WAIT_POLICY=passive', env: { OMP_WAIT_POLICY: 'passive' } },
  { name: 'GOMP_SPINCOUNT=1000', env: { GOMP_SPINCOUNT: '1000' } },
  { name: 'GOMP_SPINCOUNT=100000', env: { GOMP_SPINCOUNT: '100000' } },
];
const rows = [];
for (let round = 0; round < 2; round++) {
  for (const p of policies) {
    const env = { ...process.env, ...p.env };
    if (!p.env.OMP_WAIT_POLICY) delete env.OMP_WAIT_POLICY;
    if (!p.env.GOMP_SPINCOUNT) delete env.GOMP_SPINCOUNT;
    const out = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { env }).toString());
    rows.push({ policy: p.name, round, ...out });
  }
}
console.log('| policy | round | median ms (20 x relu 256k + 64x256x256 matmul, with JS work) | best | worst |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.policy} | ${r.round} | ${r.median.toFixed(2)} | ${r.best.toFixed(2)} | ${r.worst.toFixed(2)} |`);

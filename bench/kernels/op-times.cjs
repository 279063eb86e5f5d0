// Where one MLP training step (784-512-256-10 ReLU, softmax-CE, Adam, ng.tidy) spends its time,
// per native kernel, at 1 and 2 threads: every function of the CPU kernel table is wrapped with a
// timer (wall time, and process CPU time = all threads), accumulated per step; each kernel's
// figure is its median over the measured steps (robust to other jobs on a shared machine); "JS
// and the rest" is the step's median wall / CPU time minus the kernels' sum: at 1 thread its CPU
// figure is the step's work outside the kernels (autograd, tensor objects, GC, storage, and the
// timers themselves, ~2-3 us per kernel call), all of it on the main thread. Per kernel, CPU /
// wall above 1 means the second thread worked; wall(1 thread) / wall(2 threads) is its speedup.
// On a shared machine only the CPU columns mean much.
//   node bench/kernels/op-times.cjs [BATCH] [DIR]      (DIR: a checkout with dist/ and build/)
// env: STEPS (measured steps per thread count, default 60).
'use strict';
const path = require('path');
const B = +(process.argv[2] || 512);
const dir = path.resolve(process.argv[3] || '.');
const steps = +(process.env.STEPS || 60);
const ng = require(path.join(dir, 'dist'));
const { kernels } = require(path.join(dir, 'dist', 'native'));
const k = kernels('cpu');

const acc = new Map(); // name -> { wall, cpu, calls } for the current step
const hr = process.hrtime.bigint;
for (const name of Object.keys(k)) {
  const f = k[name];
  if (typeof f !== 'function') continue;
  k[name] = function timed(...args) {
    const c0 = process.cpuUsage(), t0 = hr();
    try {
      return f.apply(this, args);
    } finally {
      const w = Number(hr() - t0) / 1e3, c = process.cpuUsage(c0);
      let a = acc.get(name);
      if (!a) acc.set(name, (a = { wall: 0, cpu: 0, calls: 0 }));
      a.wall += w;
      a.cpu += c.user + c.system;
      a.calls++;
    }
  };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] ?? 0; };

function measure(threads) {
  ng.setNumThreads(threads);
  ng.setSeed(1);
  const model = new ng.nn.Sequential(new ng.nn.Linear(784, 512), new ng.nn.ReLU(), new ng.nn.Linear(512, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 10));
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = ng.rand([B, 784]), y = ng.tensor(Array.from({ length: B }, (_, i) => i % 10), { dtype: 'int32' });
  const step = () => ng.tidy(() => { const l = ng.losses.crossEntropy(model.forward(x), y); opt.zeroGrad(); l.backward(); opt.step(); });
  for (let i = 0; i < 5; i++) step();
  const per = new Map(); // name -> { wall: [], cpu: [], calls }
  const walls = [], cpus = [];
  for (let s = 0; s < steps; s++) {
    acc.clear();
    const c0 = process.cpuUsage(), t0 = hr();
    step();
    walls.push(Number(hr() - t0) / 1e3);
    const c = process.cpuUsage(c0);
    cpus.push(c.user + c.system);
    for (const [name, a] of acc) {
      let p = per.get(name);
      if (!p) per.set(name, (p = { wall: [], cpu: [], calls: a.calls }));
      p.wall.push(a.wall);
      p.cpu.push(a.cpu);
    }
  }
  opt.dispose?.();
  model.dispose?.();
  const rows = new Map();
  for (const [name, p] of per) rows.set(name, { wall: median(p.wall), cpu: median(p.cpu), calls: p.calls });
  return { step: median(walls), stepCpu: median(cpus), rows };
}

const r1 = measure(1), r2 = measure(2);
const names = [...r1.rows.keys()].sort((a, b) => r1.rows.get(b).wall - r1.rows.get(a).wall);
const fmt = (v, w = 8) => v.toFixed(1).padStart(w);
console.log(`MLP step, batch ${B}: median of ${steps} steps per thread count (us; cpu = process CPU, all threads)`);
console.log(`${'kernel'.padEnd(22)} calls |  1T wall   1T cpu |  2T wall   2T cpu | speedup`);
let s1 = 0, s2 = 0, c1 = 0, c2 = 0;
for (const n of names) {
  const a = r1.rows.get(n), b = r2.rows.get(n) ?? { wall: 0, cpu: 0 };
  s1 += a.wall;
  s2 += b.wall;
  c1 += a.cpu;
  c2 += b.cpu;
  console.log(`${n.padEnd(22)} ${String(a.calls).padStart(5)} | ${fmt(a.wall)} ${fmt(a.cpu)} | ${fmt(b.wall)} ${fmt(b.cpu)} | ${(a.wall / Math.max(b.wall, 1e-9)).toFixed(2).padStart(6)}`);
}
console.log(`${'kernels (sum)'.padEnd(28)} | ${fmt(s1)} ${fmt(c1)} | ${fmt(s2)} ${fmt(c2)} | ${(s1 / s2).toFixed(2).padStart(6)}`);
console.log(`${'JS and the rest'.padEnd(28)} | ${fmt(r1.step - s1)} ${fmt(r1.stepCpu - c1)} | ${fmt(r2.step - s2)} ${fmt(r2.stepCpu - c2)} |`);
console.log(`${'step (median)'.padEnd(28)} | ${fmt(r1.step)} ${fmt(r1.stepCpu)} | ${fmt(r2.step)} ${fmt(r2.stepCpu)} | ${(r1.step / r2.step).toFixed(2).padStart(6)}`);

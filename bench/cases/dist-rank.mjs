// One process of the dist case (bench/cases/dist.mjs): trains the 784-512-256-10 MLP with Adam on
// random MNIST-shaped batches, either alone or as one rank of an MPI job with
// DistributedDataParallel, and prints one JSON line (rank 0) with its timings.
//   node bench/cases/dist-rank.mjs STEPS BATCH_PER_RANK THREADS [REPS]        (under mpirun or not)
import { loadNodegrad } from '../lib/nodegrad.mjs';
import { ngMlpModel } from './mlp.mjs';
import { mnistLike, threadCpu, cpuSince } from '../lib/util.mjs';

const [steps, batch, threads, reps = 3] = process.argv.slice(2).map(Number);
const { ng, error } = await loadNodegrad();
if (error) throw new Error(error);
const mpi = ng.dist.underLauncher();
const info = mpi ? ng.dist.init() : { rank: 0, worldSize: 1 };
ng.setNumThreads(threads);
const m = ngMlpModel(ng, 1);
const K = 8;
const { x, y } = mnistLike(K * batch, 11 + info.rank);
const xs = [], ys = [];
for (let k = 0; k < K; k++) {
  xs.push(ng.fromArray(x.subarray(k * batch * 784, (k + 1) * batch * 784), [batch, 784]));
  ys.push(ng.fromArray(y.subarray(k * batch, (k + 1) * batch), [batch]));
}
const step = (i) => ng.tidy(() => {
  m.opt.zeroGrad();
  ng.losses.crossEntropy(m.model.forward(xs[i % K]), ys[i % K]).backward();
  m.opt.step();
});
const sync = async () => { if (mpi) await ng.dist.barrier(); };
const slowest = async (v) => {
  if (!mpi) return v;
  const t = ng.fromArray(new Float32Array([v]), [1]);
  await ng.dist.allReduce(t, 'max');
  const r = t.data[0];
  t.dispose();
  return r;
};

// Times `steps` steps (with gradient sync, and without it: ddp.noSync) in alternating
// repetitions; the best repetition of each (the slowest rank's time) counts.
async function timed(run) {
  await sync();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) run(i);
  return (await slowest((performance.now() - t0) / 1000)) / steps;
}

const ddp = mpi ? new ng.nn.DistributedDataParallel(m.model) : null;
for (let i = 0; i < 5; i++) step(i);
let stepSec = Infinity;
let computeOnly = Infinity;
let comm = 0, exposed = 0, n = 0;
// CPU per step of the synchronized repetitions, per thread: the JS thread (compute), the MPI
// communication thread, the rest (OpenMP workers, V8, Open MPI's own threads).
const cpu = { main: 0, comm: 0, other: 0, wait: 0 };
let cpuSteps = 0;
for (let r = 0; r < reps; r++) {
  const s0 = ddp ? { ...ddp.stats } : null;
  const c0 = threadCpu();
  stepSec = Math.min(stepSec, await timed(step));
  const c = cpuSince(c0);
  if (c) {
    cpuSteps += steps;
    for (const [name, v] of Object.entries(c)) {
      cpu[name === 'main' ? 'main' : name === 'ng-mpi-comm' ? 'comm' : 'other'] += v.cpuMs;
      cpu.wait += v.waitMs;
    }
  }
  if (ddp) {
    n += ddp.stats.steps - s0.steps;
    comm += ddp.stats.commSeconds - s0.commSeconds;
    exposed += ddp.stats.exposedSeconds - s0.exposedSeconds;
    computeOnly = Math.min(computeOnly, await timed((i) => ddp.noSync(() => step(i))));
  }
}
const out = { worldSize: info.worldSize, threads, batch, stepSec, samplesPerSec: (info.worldSize * batch) / stepSec };
// Rank 0's figures; cpuMsPerStep.wait is the time its threads were runnable but had no core (a
// loaded machine). The timed loop includes the barrier and the max-reduction of the time.
if (cpuSteps) out.cpuMsPerStep = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / cpuSteps]));
if (ddp) {
  out.commSecPerStep = comm / n;
  out.waitSecPerStep = exposed / n;
  out.computeOnlyStepSec = computeOnly;
  out.bytesPerStep = ddp.stats.bytesPerStep;
  out.buckets = ddp.stats.buckets;
}
if (info.rank === 0) console.log('@@DIST@@ ' + JSON.stringify(out));

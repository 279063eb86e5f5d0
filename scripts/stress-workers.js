#!/usr/bin/env node
// Concurrency stress (npm run stress:workers): each round starts 4 worker threads that train
// seeded MLPs at the same time plus 2 more that are terminate()d mid-step (at a random step);
// the 4 results must be bit-identical to the same jobs run on the main thread with one compute
// thread (the workers use the default thread count),
// and the process must survive every termination.
//   node scripts/stress-workers.js [--rounds 200] [--steps 60]
// Uses dist/ (npm run build:ts).
'use strict';
const path = require('path');
const { Worker } = require('worker_threads');
const dist = path.join(__dirname, '..', 'dist');
const ng = require(dist);
const { trainJob } = require('./stress/train-job');

function opt(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const rounds = opt('rounds', 200);
const steps = opt('steps', 60);
const SEEDS = [1, 2, 3, 4];

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const ng = require(workerData.dist);
const { trainJob } = require(workerData.job);
const res = trainJob(ng, workerData.seed, workerData.steps, (s) => { if (s === workerData.reportAt) parentPort.postMessage({ step: s }); });
parentPort.postMessage({ done: true, ...res });
`;

function startWorker(seed, reportAt, jobSteps = steps) {
  return new Worker(workerSource, { eval: true, workerData: { dist, job: path.join(__dirname, 'stress', 'train-job.js'), seed, steps: jobSteps, reportAt } });
}

function finish(w) {
  return new Promise((resolve, reject) => {
    w.on('message', (m) => { if (m.done) resolve(m); });
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`worker exited with ${code}`)); });
  });
}

// A worker that is terminated once it reports reaching `at` (it is then inside its training loop).
async function terminatedMidStep(seed, at) {
  const w = startWorker(seed, at, 1e9); // trains until terminated (never finishes on its own)
  await new Promise((resolve, reject) => {
    w.on('message', (m) => { if (m.step === at) resolve(); });
    w.once('error', reject);
  });
  return w.terminate();
}

async function main() {
  // The reference: each job on the main thread with one compute thread.
  const threads = ng.getNumThreads();
  ng.setNumThreads(1);
  const reference = {};
  for (const s of SEEDS) reference[s] = trainJob(ng, s, steps);
  ng.setNumThreads(threads);
  let terminated = 0;
  let trained = 0;
  const t0 = Date.now();
  for (let r = 0; r < rounds; r++) {
    const jobs = SEEDS.map((s) => finish(startWorker(s, -1)));
    const kills = [terminatedMidStep(100 + r, 1 + (r % steps)), terminatedMidStep(200 + r, 1 + ((r * 7) % steps))];
    const [results, codes] = await Promise.all([Promise.all(jobs), Promise.all(kills)]);
    results.forEach((res, i) => {
      const want = reference[SEEDS[i]];
      if (res.weights !== want.weights || res.loss !== want.loss) {
        throw new Error(`round ${r}, seed ${SEEDS[i]}: worker result ${res.loss} ${res.weights} differs from the single-threaded run ${want.loss} ${want.weights}`);
      }
    });
    for (const c of codes) if (c !== 1) throw new Error(`round ${r}: terminate() resolved with ${c}, expected 1`);
    trained += results.length;
    terminated += codes.length;
  }
  // The main thread's addon still works after all of that, and gives the same result again.
  const again = trainJob(ng, SEEDS[0], steps);
  if (again.weights !== reference[SEEDS[0]].weights) throw new Error('main-thread result changed after the rounds');
  const summary = { rounds, workersTrained: trained, workersTerminatedMidStep: terminated, identicalToSingleThreaded: trained,
    seconds: Number(((Date.now() - t0) / 1000).toFixed(1)) };
  console.log(JSON.stringify(summary));
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

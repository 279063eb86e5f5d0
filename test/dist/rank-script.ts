/**
 * One rank of the MPI tests: test/dist/dist.test.ts spawns
 *   mpirun -np N node --import tsx rank-script.ts OUT_DIR SCENARIO[,ARG...] [SCENARIO[,ARG...] ...]
 * and each scenario writes OUT_DIR/<scenario_args>-<rank>.json. With PLAIN=1 (no launcher) it
 * runs the single-process reference without ng.dist.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ng from '../../lib';
import { rng, randomF32 } from '../helpers/random';

const [outDir, ...specs] = process.argv.slice(2);
let key = '';
let rest: string[] = [];
const plain = process.env.PLAIN === '1';
const info = plain ? { rank: 0, worldSize: 1 } : ng.dist.init({ timeoutMs: Number(process.env.TIMEOUT_MS ?? 20000) });
const { rank, worldSize } = info;

function write(obj: unknown): void {
  fs.writeFileSync(path.join(outDir, `${key}-${rank}.json`), JSON.stringify(obj));
}

const IN = 13, HID = 21, OUT = 5, G = 12;

/** Rows [a, b) of a fixed dataset (the same on every rank). */
function data(n: number): { x: ng.Tensor; y: ng.Tensor; labels: Int32Array } {
  const r = rng(7);
  const x = ng.fromArray(randomF32(n * IN, r), [n, IN]);
  const labels = Int32Array.from({ length: n }, () => Math.floor(r() * OUT));
  return { x, y: ng.fromArray(labels, [n], { dtype: 'int32' }), labels };
}

/** wide: a 730-unit hidden layer, so the flat gradient buffer (2.04 MiB) spans a huge page. */
function model(seed: number, wide = false): ng.nn.Module {
  ng.setSeed(seed);
  if (wide) {
    return new ng.nn.Sequential(new ng.nn.Linear(IN, HID), new ng.nn.ReLU(), new ng.nn.Linear(HID, 730), new ng.nn.Tanh(),
      new ng.nn.Linear(730, 730), new ng.nn.Tanh(), new ng.nn.Linear(730, OUT));
  }
  return new ng.nn.Sequential(new ng.nn.Linear(IN, HID), new ng.nn.ReLU(), new ng.nn.Linear(HID, HID), new ng.nn.Tanh(),
    new ng.nn.Linear(HID, OUT));
}

function makeOpt(name: string, m: ng.nn.Module): ng.optim.Optimizer {
  return name === 'adam' ? new ng.optim.Adam(m.parameters(), { lr: 0.01 })
    : new ng.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
}

async function manual(): Promise<void> {
  const [optName, mode, size] = rest;
  const wide = size === 'wide';
  const steps = wide ? 20 : 50;
  // Each rank starts from different weights: DDP must broadcast rank 0's.
  const m = model(1 + rank * 7, wide);
  // wide: the optimizer packs the parameters first, then DDP moves the gradient buffer onto huge pages.
  let opt = wide ? makeOpt(optName, m) : null;
  const ddp = plain ? null : new ng.nn.DistributedDataParallel(m, { bucketCapMB: wide ? 1 : 0.001 });
  opt ??= makeOpt(optName, m);
  if (ddp && mode === 'zero') ddp.shardOptimizerState(opt);
  const { x, labels } = data(G * 10);
  const B = G / worldSize;
  for (let s = 0; s < steps; s++) {
    const a = (s % 10) * G + rank * B;
    ng.tidy(() => {
      opt.zeroGrad();
      const xb = x.slice(a, a + B);
      const yb = ng.fromArray(labels.subarray(a, a + B), [B], { dtype: 'int32' });
      const loss = ng.losses.crossEntropy(m.forward(xb), yb);
      loss.backward();
      opt.step();
    });
  }
  write({ weights: Array.from(m.parameters().flatMap((p) => Array.from(p.data))), stats: ddp?.stats,
    stateBytes: opt.stateBytes, numel: opt.numel, state: Object.fromEntries(Object.entries(opt.stateDict().buffers).map(([k, v]) => [k, Array.from(v)])) });
  ddp?.dispose();
}

async function collectives(): Promise<void> {
  const n = 37;
  const mk = (f: (i: number) => number, len = n) => ng.fromArray(Float32Array.from({ length: len }, (_, i) => f(i)), [len]);
  const out: Record<string, number[]> = {};
  const t1 = mk((i) => i + rank * 100);
  await ng.dist.allReduce(t1, 'sum');
  out.sum = Array.from(t1.data);
  const t2 = mk((i) => i * (rank + 1));
  await ng.dist.allReduce(t2, 'mean');
  out.mean = Array.from(t2.data);
  const t3 = mk((i) => (i % 2 === rank % 2 ? rank : -rank));
  await ng.dist.allReduce(t3, 'max');
  out.max = Array.from(t3.data);
  const t4 = mk((i) => (rank === 1 ? i : -1));
  await ng.dist.broadcast(t4, 1 % worldSize);
  out.bcast = Array.from(t4.data);
  const t5 = ng.fromArray(Float32Array.from({ length: 6 }, (_, i) => rank * 10 + i), [3, 2]);
  const g = await ng.dist.allGather(t5);
  out.gather = Array.from(g.data);
  out.gatherShape = g.shape.slice();
  const t6 = ng.fromArray(Float32Array.from({ length: 4 * worldSize }, (_, i) => i + rank), [2 * worldSize, 2]);
  const rs = await ng.dist.reduceScatter(t6, 'sum');
  out.rs = Array.from(rs.data);
  out.rsShape = rs.shape.slice();
  const ti = ng.fromArray(Int32Array.from([rank, 5, -rank]), [3], { dtype: 'int32' });
  await ng.dist.allReduce(ti, 'min');
  out.imin = Array.from(ti.data);
  // The event loop runs while a collective is in flight.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  if (rank === 0) await new Promise((r) => setTimeout(r, 50));
  await ng.dist.barrier();
  clearInterval(timer);
  out.ticks = [ticks];
  write(out);
}

async function badInput(): Promise<void> {
  const errs: Record<string, string> = {};
  const t = ng.fromArray(new Float32Array(rank === 0 ? 10 : 12), [rank === 0 ? 10 : 12]);
  try { await ng.dist.allReduce(t); } catch (e) { errs.shapes = (e as Error).message; }
  try { await ng.dist.broadcast(ng.zeros([3]), worldSize + 3); } catch (e) { errs.root = (e as Error).message; }
  try { await ng.dist.allReduce(ng.zeros([3]), 'avg' as never); } catch (e) { errs.op = (e as Error).message; }
  try {
    if (rank === 0) await ng.dist.allReduce(ng.zeros([4]));
    else await ng.dist.broadcast(ng.zeros([4]), 0);
  } catch (e) { errs.kinds = (e as Error).message; }
  // Still usable afterwards.
  const ok = ng.fromArray(new Float32Array([1]), [1]);
  await ng.dist.allReduce(ok);
  errs.after = String(ok.data[0]);
  write(errs);
}

async function partial(): Promise<void> {
  // Only rank 0 calls the collective; rank 1 does something else for longer than the timeout.
  if (rank === 0) await ng.dist.allReduce(ng.zeros([10]));
  else await new Promise((r) => setTimeout(r, 60000));
}

async function fault(): Promise<void> {
  const [how] = rest;
  const m = model(1);
  const ddp = new ng.nn.DistributedDataParallel(m);
  const opt = makeOpt('sgd', m);
  const { x, labels } = data(G * 10);
  const y4 = ng.fromArray(labels.subarray(0, 4), [4], { dtype: 'int32' });
  for (let s = 0; s < 1000; s++) {
    if (rank === 1 && s === 3) {
      if (how === 'throw') throw new Error('boom in rank 1');
      if (how === 'kill') process.kill(process.pid, 'SIGKILL');
      if (how === 'exit') process.exit(7);
    }
    ng.tidy(() => {
      opt.zeroGrad();
      ng.losses.crossEntropy(ddp.forward(x.slice(0, 4)), y4).backward();
      opt.step();
    });
    await new Promise((r) => setImmediate(r));
  }
}

async function fit(): Promise<void> {
  // rest: optimizer, epochs, zero|plain, [resumeFrom], [checkpointPath]
  const [optName, epochsArg, mode, resume, ckpt] = rest;
  const m = model(1 + rank * 7);
  const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: optName as never, lr: optName === 'sgd' ? 0.1 : 0.01,
    metrics: ['accuracy'] });
  const { x, y, labels } = data(96);
  const xv = x.slice(0, 30), yv = ng.fromArray(labels.subarray(0, 30), [30], { dtype: 'int32' });
  const callbacks: ng.Callback[] = [ng.callbacks.csvLogger(path.join(outDir, `${key}-log-r${rank}.csv`))];
  if (ckpt && ckpt !== '-') callbacks.push(ng.callbacks.trainingCheckpoint(ckpt));
  const h = await trainer.fit([x, y], { epochs: Number(epochsArg), batchSize: G, seed: 3, verbose: 0, callbacks,
    validationData: [xv, yv],
    distributed: mode === 'zero' ? { shardOptimizerState: true } : true, resumeFrom: resume && resume !== '-' ? resume : undefined });
  write({ weights: Array.from(m.parameters().flatMap((p) => Array.from(p.data))), history: h.toJSON(),
    files: ckpt && ckpt !== '-' ? fs.existsSync(ckpt) : null });
}

const scenarios: Record<string, () => Promise<void>> = { manual, collectives, badInput, partial, fault, fit };
async function main(): Promise<void> {
  for (const spec of specs) {
    const [name, ...args] = spec.split(',');
    key = spec.replace(/[^A-Za-z0-9]+/g, '_');
    rest = args;
    await scenarios[name]();
  }
  if (!plain) ng.dist.finalize();
}
void main();

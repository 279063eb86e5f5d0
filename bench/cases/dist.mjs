// Case dist: data-parallel training over MPI ranks on this machine. The 784-512-256-10 MLP with
// Adam on random MNIST-shaped data, batch 128 per rank: 1 rank x 1 thread, 1 rank x 2 threads
// (batch 256, the same global batch as 2 ranks) and 2 ranks x 1 thread (mpirun, ng.dist's
// DistributedDataParallel), side by side with PyTorch DistributedDataParallel (gloo) in the
// same configurations. Also: time in gradient communication per step, the part of it not
// hidden behind backward, bytes all-reduced per step, and CPU time per step per rank (per thread;
// with the run-queue wait that shows how loaded the machine was) with the speed-up it predicts.
// Each configuration is a separate process group (bench/cases/dist-rank.mjs, bench/peers/torch_ddp.py).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { makeRow, ngUnavailable } from '../lib/case.mjs';
import { BENCH_DIR, ROOT, PYTHON, torchAvailable } from '../lib/peers.mjs';
import { errMsg, sig } from '../lib/util.mjs';

const RANK_SCRIPT = join(BENCH_DIR, 'cases', 'dist-rank.mjs');
const TORCH_SCRIPT = join(BENCH_DIR, 'peers', 'torch_ddp.py');
const TORCH_ENV = {
  OPENBLAS_CORETYPE: 'SkylakeX', MALLOC_TRIM_THRESHOLD_: '4000000000', MALLOC_MMAP_THRESHOLD_: '4000000000', OMP_WAIT_POLICY: 'PASSIVE',
};

// The launch docs/DISTRIBUTED.md ("Thread settings per rank") tells users: --bind-to none (Open
// MPI would otherwise pin each rank to one core), threads per rank through OMP_NUM_THREADS and
// ng.setNumThreads, --oversubscribe only where the ranks outnumber the cores.
function mpirunArgs(np) {
  const a = ['--bind-to', 'none', '-np', String(np)];
  if (np > availableParallelism()) a.unshift('--oversubscribe');
  if (process.getuid?.() === 0) a.unshift('--allow-run-as-root');
  return a;
}

// Runs the processes of one configuration at once; resolves with rank 0's '@@DIST@@' JSON.
function runGroup(procs, timeoutMs) {
  return new Promise((resolve, reject) => {
    let result = null;
    let log = '';
    let left = procs.length;
    const children = procs.map(([cmd, args, env]) => {
      const c = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout.on('data', (d) => {
        log += d;
        const m = String(log).match(/@@DIST@@ (.*)/);
        if (m && !result) result = JSON.parse(m[1]);
      });
      c.stderr.on('data', (d) => { log += d; });
      c.on('error', reject);
      c.on('close', (code) => {
        if (code !== 0) log += `\n(exit ${code})`;
        if (--left === 0) {
          clearTimeout(timer);
          if (result) resolve(result);
          else reject(new Error(log.trim().split('\n').slice(-3).join(' | ') || 'no result'));
        }
      });
      return c;
    });
    const timer = setTimeout(() => { for (const c of children) c.kill('SIGKILL'); }, timeoutMs);
  });
}

function ngRun(ranks, threads, batch, steps, reps) {
  const args = [RANK_SCRIPT, String(steps), String(batch), String(threads), String(reps)];
  const env = { OMP_NUM_THREADS: String(threads) };
  return ranks === 1 ? runGroup([[process.execPath, args, env]], 600_000)
    : runGroup([['mpirun', [...mpirunArgs(ranks), process.execPath, ...args], env]], 600_000);
}

let port = 29500 + Math.floor(Math.random() * 400);
function torchRun(ranks, threads, batch, steps, reps) {
  port++;
  const procs = [];
  for (let r = 0; r < ranks; r++) {
    procs.push([PYTHON, [TORCH_SCRIPT, String(steps), String(batch), String(threads), String(reps)],
      { ...TORCH_ENV, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), RANK: String(r),
        WORLD_SIZE: String(ranks), MASTER_PORT: String(port) }]);
  }
  return runGroup(procs, 600_000);
}

export async function run(ctx) {
  const { quick, ng, log } = ctx;
  const steps = quick ? 10 : 40;
  const reps = quick ? 2 : 5;
  const rows = [];
  const notes = ['Every rank and thread shares this machine\'s cores; 2 ranks x 1 thread need 2 free cores.'];
  const unavailable = ngUnavailable(ctx);
  const hasMpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status === 0;
  let ngOk = !unavailable;
  if (unavailable) notes.push(unavailable);
  else if (!hasMpirun) { notes.push('nodegrad: unavailable (mpirun not found: apt-get install openmpi-bin libopenmpi-dev)'); ngOk = false; }
  else if (!ng.dist.mpiAddonPath()) {
    notes.push('nodegrad: unavailable (no MPI build: npx cmake-js build --out build-mpi --CDNODEGRAD_MPI=ON --target nodegrad_mpi)');
    ngOk = false;
  }
  const torch = ctx.noPeers ? { ok: false, why: '--no-peers' } : torchAvailable();
  if (!torch.ok) notes.push(`PyTorch DDP skipped: ${torch.why}`);

  const configs = [
    { key: '1x1', ranks: 1, threads: 1, batch: 128, label: 'ranks=1 threads=1 batch=128' },
    { key: '1x2', ranks: 1, threads: 2, batch: 256, label: 'ranks=1 threads=2 batch=256' },
    { key: '2x1', ranks: 2, threads: 1, batch: 128, label: 'ranks=2 threads=1 batch=128/rank' },
  ];
  const res = { ng: {}, torch: {} };
  for (const c of configs) {
    log(`  dist ${c.label}`);
    if (ngOk) {
      try { res.ng[c.key] = await ngRun(c.ranks, c.threads, c.batch, steps, reps); } catch (e) { notes.push(`nodegrad failed at ${c.label}: ${errMsg(e)}`); }
    }
    if (torch.ok) {
      try { res.torch[c.key] = await torchRun(c.ranks, c.threads, c.batch, steps, reps); } catch (e) { notes.push(`PyTorch failed at ${c.label}: ${errMsg(e)}`); }
    }
  }
  const v = (side, key, f) => { const r = res[side][key]; const x = r ? f(r) : null; return Number.isFinite(x) ? x : undefined; };
  for (const c of configs) {
    rows.push(makeRow({ config: c.label, metric: 'training throughput (all ranks)', unit: 'samples/s', better: 'higher',
      nodegrad: v('ng', c.key, (r) => r.samplesPerSec), peers: { 'pytorch-ddp': v('torch', c.key, (r) => r.samplesPerSec) } }));
  }
  const speedup = (side) => v(side, '2x1', (r) => r.samplesPerSec / res[side]['1x1']?.samplesPerSec);
  const sp = makeRow({ config: '2 ranks vs 1 rank (1 thread each, batch 128 per rank)', metric: 'speed-up', unit: 'x',
    better: 'higher', nodegrad: speedup('ng'), peers: { 'pytorch-ddp': speedup('torch') }, extra: { target: 1.8 } });
  sp.headline = true;
  rows.push(sp);
  const exposed = (side) => v(side, '2x1', (r) => (r.stepSec - r.computeOnlyStepSec) * 1e3);
  rows.push(makeRow({ config: '2 ranks: step time minus the same step without gradient sync (no_sync)', metric: 'exposed communication',
    unit: 'ms/step', better: 'lower', nodegrad: exposed('ng'), peers: { 'pytorch-ddp': exposed('torch') } }));
  // CPU time per step per rank (rank 0's threads), and what it predicts where each rank has a
  // core of its own: on a machine with more runnable threads than cores wall-clock scaling says
  // little, CPU time still does. cpu(2 ranks) - cpu(1 rank) is the CPU cost of data parallelism.
  const cpuTotal = (r) => (r?.cpuMsPerStep ? r.cpuMsPerStep.main + (r.cpuMsPerStep.comm ?? 0) + r.cpuMsPerStep.other : undefined);
  const cpuOf = (side, key) => cpuTotal(res[side][key]);
  for (const key of ['1x1', '2x1']) {
    const c = configs.find((x) => x.key === key);
    rows.push(makeRow({ config: `${c.label}: CPU time per step per rank (all its threads)`, metric: 'CPU time', unit: 'ms/step',
      better: 'lower', nodegrad: cpuOf('ng', key), peers: { 'pytorch-ddp': cpuOf('torch', key) },
      extra: res.ng[key]?.cpuMsPerStep ? { nodegradThreads: Object.fromEntries(Object.entries(res.ng[key].cpuMsPerStep).map(([k, x]) => [k, sig(x, 3)])) } : undefined }));
  }
  const cpuSpeedup = (side) => {
    const a = cpuOf(side, '1x1'), b = cpuOf(side, '2x1');
    return Number.isFinite(a) && Number.isFinite(b) ? (2 * a) / b : undefined;
  };
  rows.push(makeRow({ config: '2 ranks vs 1 rank, from CPU time (each rank on a free core): 2 x CPU(1 rank) / CPU(2 ranks, per rank)',
    metric: 'CPU-time speed-up estimate', unit: 'x', better: 'higher', nodegrad: cpuSpeedup('ng'), peers: { 'pytorch-ddp': cpuSpeedup('torch') },
    extra: { target: 1.8 } }));
  const waits = [];
  for (const [side, name] of [['ng', 'nodegrad'], ['torch', 'PyTorch']]) {
    for (const key of ['1x1', '2x1']) {
      const w = res[side][key]?.cpuMsPerStep?.wait;
      if (Number.isFinite(w)) waits.push(`${name} ${key} ${w.toFixed(2)}`);
    }
  }
  if (waits.length) {
    notes.push(`Run-queue wait (rank 0's threads runnable but without a core), ms per step: ${waits.join(', ')}. ` +
      'Well above 0 means a loaded machine: judge scaling by the CPU-time rows then.');
  }
  const n2 = res.ng['2x1'];
  if (n2) {
    rows.push(makeRow({ config: '2 ranks: gradient all-reduce on the communication thread (nodegrad)', metric: 'communication time',
      unit: 'ms/step', better: 'lower', nodegrad: n2.commSecPerStep * 1e3,
      extra: { waitMsPerStep: sig(n2.waitSecPerStep * 1e3), hiddenFraction: sig(Math.max(0, 1 - n2.waitSecPerStep / n2.commSecPerStep), 3),
        buckets: n2.buckets, bytesPerStep: n2.bytesPerStep } }));
    notes.push(`nodegrad all-reduces ${(n2.bytesPerStep / 2 ** 20).toFixed(2)} MiB of gradients per step per rank in ${n2.buckets} buckets; ` +
      `the communication thread spent ${(n2.commSecPerStep * 1e3).toFixed(2)} ms/step in MPI and the JS thread waited ` +
      `${(n2.waitSecPerStep * 1e3).toFixed(2)} ms/step for it after backward (hidden: ${(100 * Math.max(0, 1 - n2.waitSecPerStep / n2.commSecPerStep)).toFixed(0)}%).`);
  }
  return { name: 'dist', rows, notes, raw: res };
}

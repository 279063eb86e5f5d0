/**
 * ng.dist over real MPI: each test spawns `mpirun` with test/dist/rank-script.ts in every rank
 * and compares what the ranks wrote. Skipped (with the reason) when mpirun or the MPI build
 * (nodegrad_mpi.node) is missing: `.ci/run` installs Open MPI and builds it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findAddon } from '../../lib/dist/addon';
import { CLI, ensureDist } from '../cli/ensure-dist';

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(__dirname, 'rank-script.ts');
const hasMpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status === 0;
const addon = findAddon();
const skipReason = !hasMpirun ? 'mpirun not found (apt-get install openmpi-bin libopenmpi-dev)'
  : !addon ? 'MPI build missing (npx cmake-js build --out build-mpi --CDNODEGRAD_MPI=ON --target nodegrad_mpi)' : '';
if (skipReason) console.warn(`test/dist/dist.test.ts skipped: ${skipReason}`);

interface Run { code: number | null; out: string; seconds: number }

function mpirun(np: number, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000,
  command = [process.execPath, '--import', 'tsx', SCRIPT]): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    // Under the sanitizers (npm run test:sanitize) the ASan runtime is preloaded: the ranks (node
    // with our instrumented addon) keep it through -x, mpirun itself runs without it (its own
    // PMIx server code is not ours to instrument, and ASan reports in it would not be ours).
    const { LD_PRELOAD: preload, ...rest } = { ...process.env, NO_COLOR: '1', ...env };
    const keep = preload ? ['-x', `LD_PRELOAD=${preload}`] : [];
    const child = spawn('mpirun', ['--allow-run-as-root', '--oversubscribe', '--bind-to', 'none', ...keep, '-np', String(np),
      ...command, ...args], {
      cwd: ROOT, env: rest, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

function plain(args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, PLAIN: '1' },
    encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reference run failed: ${r.stderr}`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-dist-'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = (spec: string, rank: number): any =>
  JSON.parse(fs.readFileSync(path.join(tmp, `${spec.replace(/[^A-Za-z0-9]+/g, '_')}-${rank}.json`), 'utf8'));

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.skipIf(!!skipReason)('ng.dist on MPI (2 ranks vs 1)', () => {
  const manual = ['manual,sgd,-', 'manual,adam,-', 'manual,sgd,zero', 'manual,adam,zero'];
  const fits = ['fit,sgd,2,-', 'fit,adam,2,-', 'fit,adam,2,zero'];
  const ck = path.join(tmp, 'ck.safetensors');
  let run2: Run;

  it('runs the 2-rank scenarios and the references', async () => {
    plain(['' + tmp, 'manual,sgd,-', 'manual,adam,-', 'manual,adam,-,wide']);
    const ref = await mpirun(1, [tmp, 'fit,sgd,2,-', 'fit,adam,2,-']);
    expect(ref.code, ref.out).toBe(0);
    run2 = await mpirun(2, [tmp, ...manual, 'manual,adam,-,wide', ...fits, 'fit,adam,1,zero,-,' + ck, 'collectives', 'badInput']);
    expect(run2.code, run2.out).toBe(0);
  }, 240_000);

  it('DistributedDataParallel: 2 ranks equal 1 rank with the same global batch after 50 steps (SGD, Adam, ZeRO-1)', () => {
    for (const spec of manual) {
      const opt = spec.split(',')[1];
      const ref = read(`manual,${opt},-`, 0).weights;
      const r0 = read(spec, 0);
      const r1 = read(spec, 1);
      expect(maxDiff(r0.weights, ref), spec).toBeLessThan(1e-5);
      expect(maxDiff(r0.weights, r1.weights), spec).toBe(0); // every rank holds the same weights
      expect(r0.stats.steps).toBe(50);
      expect(r0.stats.buckets).toBeGreaterThan(1);
      if (!spec.endsWith('zero')) {
        // Overlap: every bucket but the first layer's went out while backward was still running.
        expect(r0.stats.earlyBuckets).toBe(50 * (r0.stats.buckets - 1));
      }
      if (spec.endsWith('zero')) {
        // ZeRO-1: each rank keeps half the optimizer state, and the gathered state equals the unsharded one.
        expect(r0.stateBytes + r1.stateBytes).toBe(read(`manual,${opt},-`, 0).stateBytes);
        const full = read(`manual,${opt},-`, 0).state;
        for (const k of Object.keys(full)) expect(maxDiff(r0.state[k], full[k]), k).toBeLessThan(1e-5);
      }
    }
  });

  it('a gradient buffer of a huge page or more moves to 2 MiB aligned memory (THP advised) and training still equals 1 rank', () => {
    // The optimizer packed the parameters before DDP re-homed the gradients: its updates must see the new buffer.
    const ref = read('manual,adam,-,wide', 0).weights;
    const r0 = read('manual,adam,-,wide', 0);
    const r1 = read('manual,adam,-,wide', 1);
    expect(ref.length).toBeGreaterThan(512 * 1024);
    expect(maxDiff(r0.weights, ref)).toBeLessThan(1e-5);
    expect(maxDiff(r0.weights, r1.weights)).toBe(0);
    expect(r0.stats.steps).toBe(20);
    let thp = '[never]';
    try { thp = fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'); } catch { /* no THP */ }
    // 2 MiB advised where the kernel has THP (always or madvise), none where it is off.
    expect(r0.stats.hugePageBytes).toBe(process.platform === 'linux' && !thp.includes('[never]') ? 2 * 1024 * 1024 : 0);
  });

  it('Trainer.fit({ distributed }): 2 ranks equal 1 rank (weights and reduced history), also sharded', () => {
    for (const spec of fits) {
      const opt = spec.split(',')[1];
      const ref = read(`fit,${opt},2,-`, 0);
      const r0 = read(spec, 0);
      expect(maxDiff(r0.weights, ref.weights), spec).toBeLessThan(1e-5);
      expect(maxDiff(r0.weights, read(spec, 1).weights)).toBe(0);
      for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
        expect(maxDiff(r0.history.history[k], ref.history.history[k]), k).toBeLessThan(1e-5);
      }
      // File-writing callbacks run on rank 0 only.
      const log = (r: number) => path.join(tmp, `${spec.replace(/[^A-Za-z0-9]+/g, '_')}-log-r${r}.csv`);
      expect(fs.readFileSync(log(0), 'utf8').trim().split('\n')).toHaveLength(3); // header + 2 epochs
      expect(fs.existsSync(log(1))).toBe(false);
    }
  });

  it('a checkpoint of a 2-rank ZeRO-1 run resumes on 3 ranks (ZeRO-1, unequal shards) with the same global batch', async () => {
    expect(read(`fit,adam,1,zero,-,${ck}`, 0).files).toBe(true); // rank 0 wrote it
    const spec = `fit,adam,2,zero,${ck},${ck}.3`;
    const r = await mpirun(3, [tmp, spec]);
    expect(r.code, r.out).toBe(0);
    const resumed = read(spec, 0);
    expect(resumed.files).toBe(true); // the 3 unequal optimizer shards were gathered into a checkpoint
    expect(maxDiff(resumed.weights, read('fit,adam,2,-', 0).weights)).toBeLessThan(1e-5);
    expect(resumed.history.epoch).toEqual([0, 1]);
  }, 120_000);

  it('collectives: sum, mean, max, min, broadcast, allGather, reduceScatter, barrier; the event loop runs meanwhile', () => {
    const n = 37;
    for (const rank of [0, 1]) {
      const o = read('collectives', rank);
      expect(o.sum).toEqual(Array.from({ length: n }, (_, i) => 2 * i + 100));
      expect(o.mean).toEqual(Array.from({ length: n }, (_, i) => 1.5 * i));
      expect(o.max).toEqual(Array.from({ length: n }, (_, i) => (i % 2 === 1 ? 1 : 0)));
      expect(o.bcast).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(o.gather).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
      expect(o.gatherShape).toEqual([6, 2]);
      expect(o.rs).toEqual(rank === 0 ? [1, 3, 5, 7] : [9, 11, 13, 15]);
      expect(o.rsShape).toEqual([2, 2]);
      expect(o.imin).toEqual([0, 5, -1]);
    }
    // Rank 1 waited in barrier() while rank 0 slept 50 ms: its timers kept firing.
    expect(read('collectives', 1).ticks[0]).toBeGreaterThan(0);
  });

  it('bad input: mismatched shapes or collectives across ranks and an invalid root give errors on every rank', () => {
    for (const rank of [0, 1]) {
      const e = read('badInput', rank);
      expect(e.shapes).toMatch(/same collective call on every rank for allReduce .* differ in element count \(between 10 and 12/);
      expect(e.kinds).toMatch(/differ in collective \(between allReduce and broadcast/);
      expect(e.root).toBe('Expected integer rank in [0, 1] for root but received 5 of type number');
      expect(e.op).toMatch(/^Expected one of 'sum', 'mean', 'max', 'min' for op but received "avg"/);
      expect(e.after).toBe('2'); // the job still works afterwards
    }
  });
});

describe.skipIf(!!skipReason)('ng.dist faults end every rank with a clear error', () => {
  it('a rank that throws', async () => {
    const r = await mpirun(2, [tmp, 'fault,throw']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/nodegrad\.dist: rank 1 of 2 failed .*boom in rank 1/);
    expect(r.out).toContain('aborting all ranks');
  }, 120_000);

  it('a rank that is killed', async () => {
    const r = await mpirun(2, [tmp, 'fault,kill']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/rank 1 .*exited on signal 9/);
  }, 120_000);

  it('a rank that exits with an error code', async () => {
    const r = await mpirun(2, [tmp, 'fault,exit']);
    expect(r.code).toBe(7);
    expect(r.out).toContain('nodegrad.dist: rank 1 of 2 exited with code 7; aborting all ranks');
  }, 120_000);

  it('a collective called on only some ranks times out naming the collective', async () => {
    const r = await mpirun(2, [tmp, 'partial'], { TIMEOUT_MS: '1500' });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('nodegrad.dist: rank 0 of 2: allReduce of 10 float32 values (op sum) did not complete within 1500 ms');
  }, 120_000);
});

describe.skipIf(!!skipReason)('mpirun -np 2 nodegrad train', () => {
  it('trains data-parallel, says the ranks in its header, and only rank 0 prints and writes', async () => {
    ensureDist();
    const csv = path.join(tmp, 'two-class.csv');
    const lines = ['a,b,label'];
    for (let i = 0; i < 120; i++) lines.push(`${Math.sin(i)},${Math.cos(1.3 * i)},${Math.sin(i) + Math.cos(1.3 * i) > 0 ? 'yes' : 'no'}`);
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    const out = path.join(tmp, 'cli-out');
    const r = await mpirun(2, ['train', '--data', csv, '--target', 'label', '--epochs', '2', '--batch-size', '16', '--threads', '1',
      '--out', out], {}, 120_000, [process.execPath, CLI]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/threads 1 \| ranks 2 \(MPI data-parallel, Open MPI/);
    expect(r.out.match(/\| ranks 2/g)).toHaveLength(1);
    expect(r.out.match(/test accuracy/g)).toHaveLength(1);
    expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
    const state = (s: string) => Number(s.match(/optimizer state ([\d.]+) MiB per rank/)?.[1]);
    expect(r.out).toMatch(/2 ranks: gradients [\d.]+ MiB\/step per rank, [\d.]+ ms\/step in communication/);
    const sharded = await mpirun(2, ['train', '--data', csv, '--target', 'label', '--epochs', '1', '--batch-size', '16', '--threads', '1',
      '--out', out, '--shard-optimizer-state'], {}, 120_000, [process.execPath, CLI]);
    expect(sharded.code, sharded.out).toBe(0);
    expect(sharded.out).toContain('(sharded, ZeRO-1)');
    // Adam's m and v: half of them on each rank.
    expect(state(sharded.out)).toBeCloseTo(state(r.out) / 2, 2);
    const bad = await mpirun(2, ['train', '--data', csv, '--target', 'label', '--epochs', '1', '--batch-size', '15', '--out', out],
      {}, 120_000, [process.execPath, CLI]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('Expected a global batch divisible by the number of ranks (2) for batchSize but received 15');
  }, 180_000);
});

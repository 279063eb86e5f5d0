/**
 * DistributedSampler (no MPI needed: numReplicas and rank given) and ng.dist's errors when it
 * can not work (no launcher, no MPI build).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';

const { DistributedSampler } = ng.dist;

function shards(n: number, R: number, opts: { shuffle?: boolean; dropLast?: boolean; seed?: number } = {}, epoch = 0) {
  return Array.from({ length: R }, (_, rank) => {
    const s = new DistributedSampler(n, { numReplicas: R, rank, ...opts });
    s.setEpoch(epoch);
    return Array.from(s.indices());
  });
}

describe('DistributedSampler', () => {
  it('covers every sample exactly once per epoch when the ranks divide it, disjoint shards of equal length', () => {
    for (const [n, R] of [[12, 3], [100, 4], [7, 7], [64, 2]]) {
      const parts = shards(n, R);
      expect(parts.every((p) => p.length === n / R)).toBe(true);
      expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('pads with the first samples of the order (PyTorch) so every rank has ceil(n / R), or drops the tail', () => {
    for (const [n, R] of [[10, 3], [13, 4], [5, 8], [1, 2]]) {
      const padded = shards(n, R, { shuffle: false });
      expect(padded.every((p) => p.length === Math.ceil(n / R))).toBe(true);
      const all = padded.flat();
      // Every sample at least once; the extra ones repeat the start of the order.
      expect(new Set(all).size).toBe(n);
      expect(all.length - n).toBe(Math.ceil(n / R) * R - n);
      const dropped = shards(n, R, { dropLast: true });
      expect(dropped.every((p) => p.length === Math.floor(n / R))).toBe(true);
      expect(new Set(dropped.flat()).size).toBe(dropped.flat().length);
    }
    // Without shuffle: rank r gets r, r + R, ... (10 samples, 3 ranks: 0 and 1 repeated at the end).
    expect(shards(10, 3, { shuffle: false })).toEqual([[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]);
  });

  it('shuffles by seed + epoch: the same on every rank, different per epoch, reproducible', () => {
    const e0 = shards(50, 2, { seed: 5 }, 0);
    const e1 = shards(50, 2, { seed: 5 }, 1);
    expect(e0).toEqual(shards(50, 2, { seed: 5 }, 0));
    expect(e0).not.toEqual(e1);
    expect(e0).not.toEqual(shards(50, 2, { seed: 6 }, 0));
    // indices() advances the epoch; the concatenated global order of an epoch is the same for any rank count.
    const s = new DistributedSampler(50, { numReplicas: 1, rank: 0, seed: 5 });
    const one = Array.from(s.indices());
    expect(s.epoch).toBe(1);
    const interleaved = Array.from({ length: 50 }, (_, i) => e0[i % 2][Math.floor(i / 2)]);
    expect(interleaved).toEqual(one);
  });

  it('works as a DataLoader sampler', () => {
    const x = ng.fromArray(Float32Array.from({ length: 20 }, (_, i) => i), [10, 2]);
    const sampler = new DistributedSampler(10, { numReplicas: 2, rank: 1, shuffle: false });
    const loader = new ng.data.DataLoader({ length: 10, x }, { batchSize: 3, sampler });
    const rows: number[] = [];
    for (const b of loader) rows.push(...Array.from(b.x.data).filter((_, i) => i % 2 === 0).map((v) => v / 2));
    expect(rows).toEqual([1, 3, 5, 7, 9]);
    x.dispose();
  });

  it('rejects bad arguments with the expected vs received message', () => {
    expect(() => new DistributedSampler(10, { numReplicas: 0, rank: 0 })).toThrow(/Expected positive integer for numReplicas but received 0/);
    expect(() => new DistributedSampler(10, { numReplicas: 2, rank: 2 })).toThrow('Expected integer in [0, 1] for rank but received 2 of type number');
    expect(() => new DistributedSampler(10, { numReplicas: 2, rank: -1 })).toThrow(/for rank but received -1/);
    expect(() => new DistributedSampler('x' as never, { numReplicas: 2, rank: 0 })).toThrow(/Expected dataset or dataset length for dataset/);
    expect(() => new DistributedSampler(10, { numReplicas: 2, rank: 0, shuffle: 1 as never })).toThrow(/for shuffle/);
    // Without numReplicas/rank it needs the MPI job.
    expect(() => new DistributedSampler(10)).toThrow(/ng\.dist\.init\(\) first/);
  });
});

describe('ng.dist without MPI', () => {
  it('init() outside an MPI launcher says how to launch', () => {
    expect(() => ng.dist.init()).toThrow(/not started by an MPI launcher[\s\S]*mpirun -np 2 node train\.js[\s\S]*srun --mpi=pmix/);
    expect(() => ng.dist.rank()).toThrow(/call ng\.dist\.init\(\) first/);
    expect(() => ng.dist.init({ timeoutMs: 0 })).toThrow(/Expected positive integer for timeoutMs but received 0/);
  });

  it('fit({ distributed: true }) outside mpirun rejects with the same advice and changes nothing', async () => {
    ng.setSeed(1);
    const model = new ng.nn.Sequential(new ng.nn.Linear(3, 2));
    const before = Array.from(model.parameters()[0].data);
    const trainer = new ng.Trainer({ model, loss: 'mse', optimizer: 'sgd' });
    const x = ng.zeros([4, 3]);
    const y = ng.zeros([4, 2]);
    await expect(trainer.fit([x, y], { distributed: true, verbose: 0 })).rejects.toThrow(/not started by an MPI launcher/);
    await expect(trainer.fit([x, y], { distributed: { shardOptimizerState: 1 } as never, verbose: 0 })).rejects.toThrow(/for shardOptimizerState/);
    expect(Array.from(model.parameters()[0].data)).toEqual(before);
    x.dispose();
    y.dispose();
  });

  it('a missing or unloadable MPI build says how to build it (in a child process under a fake launcher)', () => {
    const code = `const ng = require(${JSON.stringify(path.join(__dirname, '../../lib'))}); try { ng.dist.init(); } ` +
      'catch (e) { console.log(e.message); }';
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      encoding: 'utf8', env: { ...process.env, OMPI_COMM_WORLD_SIZE: '1', NODEGRAD_MPI_ADDON: path.join(__dirname, 'sampler.test.ts') },
    });
    expect(r.stdout).toMatch(/could not load the MPI addon .*sampler\.test\.ts/);
    expect(r.stdout).toContain('NODEGRAD_MPI=1 npm rebuild nodegrad --build-from-source');
    expect(r.stdout).toContain('--CDNODEGRAD_MPI=ON');
  });

  it('the default addon does not link libmpi', () => {
    const ldd = spawnSync('ldd', [path.join(__dirname, '../../build/Release/nodegrad.node')], { encoding: 'utf8' });
    if (ldd.status !== 0) return; // no local build (prebuilt binary in use)
    expect(ldd.stdout).not.toMatch(/libmpi/);
  });
});

/**
 * Issue 20.3: a PyTorch-style synchronous loop (zeroGrad / forward / loss / backward / step,
 * only loss.dispose(), no ng.tidy, no await) must keep memory flat. Before the fix its RSS grew
 * by ~260 KiB a step (587 MiB over these 3,000 steps), because undisposed tensors were only
 * freed by finalizers that never run inside a synchronous loop.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, ensureDist } from '../cli/ensure-dist';
import * as ng from '../../lib';

describe('synchronous training loop without ng.tidy', () => {
  it('keeps RSS flat over 3,000 steps in a fresh process (scripts/smoke/sync-loop.cjs)', async () => {
    await ensureDist();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'smoke', 'sync-loop.cjs'), '3000', path.join(ROOT, 'dist')],
      { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim());
    expect(out.growthMiB).toBeLessThan(64);
    expect(out.nativeAllocations).toBe(0);
    expect(r.status).toBe(0);
  }, 130_000);

  it('undisposed intermediates need no finalizer: the pool reuses what dispose() returns', () => {
    const m = new ng.nn.Sequential(new ng.nn.Linear(8, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 2));
    const opt = new ng.optim.SGD(m.parameters(), { lr: 0.1 });
    const x = ng.randn([4, 8]);
    const y = ng.tensor([0, 1, 1, 0], { dtype: 'int32' });
    const step = () => {
      opt.zeroGrad();
      const loss = ng.losses.crossEntropy(m.forward(x), y);
      loss.backward();
      opt.step();
      loss.dispose();
    };
    for (let i = 0; i < 20; i++) step();
    const before = ng.memoryStats();
    for (let i = 0; i < 200; i++) step();
    const after = ng.memoryStats();
    // Small tensors are carved from shared slabs: 200 steps of a tiny net need at most a few new ones.
    expect(after.arrayBuffersCreated - before.arrayBuffersCreated).toBeLessThan(20);
    expect(after.nativeAllocations).toBe(before.nativeAllocations);
  });
});

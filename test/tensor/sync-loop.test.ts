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

  // native/core/malloc_tuning.h: the GC frees a plain loop's dropped storages with free(); with
  // glibc's default trim threshold that memory went back to the kernel and came back as fresh
  // pages, one page fault per 4 KiB (~10 us each on the VMs here: 1.3-1.6x the ng.tidy loop's
  // step time for the 2-10-1 network).
  const faultsPerStep = (env: Record<string, string>): number => {
    const code = `const ng = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      ng.setNumThreads(1);
      const x = ng.randn([100, 2]), y = ng.rand([100, 1]);
      const m = new ng.nn.Sequential(new ng.nn.Linear(2, 10), new ng.nn.Tanh(), new ng.nn.Linear(10, 1), new ng.nn.Sigmoid());
      const opt = new ng.optim.Adam(m.parameters(), { lr: 1e-3 });
      const step = () => { opt.zeroGrad(); const l = ng.losses.mse(m.forward(x), y); l.backward(); opt.step(); l.dispose(); };
      for (let i = 0; i < 2000; i++) step();
      const f0 = process.resourceUsage().minorPageFault;
      for (let i = 0; i < 20000; i++) step();
      console.log(JSON.stringify({ faults: (process.resourceUsage().minorPageFault - f0) / 20000, tuning: ng.buildInfo().mallocTuning }));`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim()) as { faults: number; tuning: string };
    expect(out.tuning.startsWith(env.NODEGRAD_MALLOC_TUNING === '0' ? 'off: NODEGRAD_MALLOC_TUNING=0' : 'glibc malloc:')).toBe(true);
    return out.faults;
  };
  // A preloaded allocator (the sanitizer runs' ASan, a user's jemalloc) takes malloc from glibc,
  // and its mallopt refuses the thresholds; malloc variables of the user's leave the tuning off:
  // nothing to measure there.
  const preloaded = Boolean(process.env.LD_PRELOAD) ||
    ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'GLIBC_TUNABLES'].some((v) => v in process.env);

  const glibc = process.platform === 'linux' && Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })
    ?.header?.glibcVersionRuntime);
  it.runIf(glibc && !preloaded)('memory the GC frees stays in the process: a plain loop takes few fresh pages (glibc malloc tuned at load)', async () => {
    await ensureDist();
    const untuned = faultsPerStep({ NODEGRAD_MALLOC_TUNING: '0' });
    const tuned = faultsPerStep({});
    // where glibc returns the memory here at all (0.1-0.3 faults a step on this project's VMs),
    // the tuned loop must take clearly fewer fresh pages (0.03-0.06 against 0.16-0.17 here). On a
    // loaded machine the untuned loop can fault less (0.085 beside a parallel CI run, tuned 0.056):
    // below 0.1 there is no problem to show, and the tuned loop is held to the absolute bound only.
    if (untuned > 0.1) expect(tuned).toBeLessThan(untuned * 0.6);
    expect(tuned).toBeLessThan(0.15);
  }, 130_000);

  it('the tuning is left alone when the user set glibc malloc variables', async () => {
    await ensureDist();
    for (const v of ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES']) {
      const r = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(path.join(ROOT, 'dist'))}).buildInfo().mallocTuning)`],
        { encoding: 'utf8', env: { ...process.env, [v]: v === 'GLIBC_TUNABLES' ? 'glibc.malloc.trim_threshold=1000000' : '1000000' } });
      expect(r.stdout.trim()).toBe(glibc ? `off: ${v} is set` : 'off: not glibc');
    }
  });
});

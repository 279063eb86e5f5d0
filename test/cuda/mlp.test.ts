/**
 * A whole MLP training run (test/cuda/mlp-run.ts: linear + relu, cross-entropy, fused Adam over
 * the flat parameter buffer) on the GPU and on the CPU from the same data and initial weights:
 * the loss curves must agree step by step (fp32 GEMM: closely; TF32: within TF32's rounding),
 * and both must learn. Skipped, with the reason printed, where no GPU is usable.
 */
import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { gpu, skipReason, mismatch } from './harness';
import { cpuBackend, cudaBackend, train, SMALL } from './mlp-run';

if (!gpu) console.log(`test/cuda/mlp: ${skipReason}`);

describe('MLP training, kernel loop on the CPU (reference run)', () => {
  it('learns the task', () => {
    const r = train(cpuBackend, SMALL);
    expect(r.losses.length).toBe(SMALL.steps);
    expect(r.losses[SMALL.steps - 1]).toBeLessThan(0.6 * r.losses[0]);
  });
});

describe.skipIf(!gpu)('MLP training on the GPU against the CPU', () => {
  const cpu = train(cpuBackend, SMALL);

  it('fp32 GEMM: the same loss curve and parameters within 1e-3', () => {
    ng.cuda.setGemmPrecision('fp32');
    try {
      const g = train(cudaBackend(), SMALL);
      expect(mismatch(g.losses, cpu.losses, 1e-3, 1e-4)).toBeNull();
      expect(mismatch(g.params, cpu.params, 1e-2, 1e-3)).toBeNull();
    } finally {
      ng.cuda.setGemmPrecision('tf32');
    }
  });

  it('TF32 tensor cores: the same loss curve within 3%, and it learns', () => {
    const g = train(cudaBackend(), SMALL);
    expect(mismatch(g.losses, cpu.losses, 3e-2, 1e-2)).toBeNull();
    expect(g.losses[SMALL.steps - 1]).toBeLessThan(0.6 * g.losses[0]);
  });

  it('steady training allocates no new device memory', () => {
    train(cudaBackend(), { ...SMALL, steps: 3 });
    const before = ng.cuda.memoryStats();
    train(cudaBackend(), { ...SMALL, steps: 3 });
    expect(ng.cuda.memoryStats().deviceAllocations).toBe(before.deviceAllocations);
  });
});

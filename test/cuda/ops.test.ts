/**
 * Every op the CUDA backend implements, run on the GPU and on the CPU with the same arguments,
 * compared element by element (every array argument after the call, and the return value).
 * Skipped, with the reason printed, where no GPU is usable (scripts/device-check.sh runs it on
 * a lent GPU). The case list is also run CPU against CPU here, so a malformed case (wrong
 * argument order or length) fails on any machine, not first on the GPU.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as ng from '../../lib';
import { OP_TABLE } from '../../lib/native';
import { cpuTarget, cudaTarget, gpu, mismatch, runOn, skipReason, type Target } from './harness';
import { opCases } from './cases';

const cases = opCases();
if (!gpu) console.log(`test/cuda/ops: ${skipReason}`);

function compare(a: Target, b: Target, c: ReturnType<typeof opCases>[number]): void {
  const want = runOn(a, c.op, c.args);
  const got = runOn(b, c.op, c.args);
  if (typeof want.ret === 'number') {
    const m = mismatch([got.ret as number], [want.ret], c.rtol, c.atol);
    expect(m, `${c.name}: return value`).toBeNull();
  } else {
    expect(got.ret, `${c.name}: return value`).toEqual(want.ret);
  }
  want.arrays.forEach((w, i) => {
    if (!w) return;
    const m = mismatch(got.arrays[i] as ArrayLike<number>, w, c.rtol, c.atol);
    expect(m, `${c.name}: argument ${i}`).toBeNull();
  });
}

describe('CUDA op cases (harness check on the CPU)', () => {
  it('every case runs on the CPU backend and covers every op the CUDA backend implements', () => {
    for (const c of cases) compare(cpuTarget, cpuTarget, c);
    const covered = new Set(cases.map((c) => c.op));
    const implemented = gpu || ng.cuda.status().built ? ng.cuda.implementedOps() : [];
    for (const op of implemented) expect(covered.has(op), `no case for ${op}`).toBe(true);
    for (const op of covered) expect(op in OP_TABLE).toBe(true);
  });
});

describe.skipIf(!gpu)('CUDA ops against the CPU', () => {
  let cuda: Target;
  beforeAll(() => {
    cuda = cudaTarget();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    ng.cuda.setGemmPrecision(c.precision ?? 'fp32');
    try {
      compare(cpuTarget, cuda, c);
    } finally {
      ng.cuda.setGemmPrecision('tf32');
    }
  });

  it('the caching allocator reuses blocks: no new device allocations in a steady loop', () => {
    const x = ng.cuda.DeviceBuffer.from(new Float32Array(4096).fill(1));
    const k = ng.cuda.kernels();
    const step = () => {
      const y = new ng.cuda.DeviceBuffer('float32', 4096);
      k.reluForward(y, x, 4096);
      y.dispose();
    };
    step();
    const before = ng.cuda.memoryStats();
    for (let i = 0; i < 100; i++) step();
    const after = ng.cuda.memoryStats();
    expect(after.deviceAllocations).toBe(before.deviceAllocations);
    expect(after.cacheHits).toBeGreaterThanOrEqual(before.cacheHits + 100);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    x.dispose();
  });

  it('tensors move to the GPU and back unchanged; device ops and reads are clear errors', async () => {
    const t = ng.tensor([[1, -2, 3], [4, 5, -6]]);
    const d = t.to('cuda');
    expect(d.device).toBe('cuda');
    expect(d.shape).toEqual([2, 3]);
    expect(() => d.data).toThrow(/Expected a tensor on cpu for data/);
    expect(() => d.add(t)).toThrow(/Expected every tensor on device cuda/);
    expect(() => d.relu()).toThrow(/not wired to the CUDA kernels yet/);
    const back = d.to('cpu');
    expect(back.toArray()).toEqual(t.toArray());
    const viaBuffer = ng.cuda.DeviceBuffer.from(new Float32Array([1, 2, 3]));
    expect(Array.from(await viaBuffer.toHostAsync())).toEqual([1, 2, 3]);
    viaBuffer.dispose();
    d.dispose();
    expect(ng.device('cuda:0').name.length).toBeGreaterThan(0);
  });
});

/**
 * Child process of test/cuda/errors.test.ts: exercises the CUDA entry points under the
 * environment the test chose (NODEGRAD_CUDA_ADDON) and prints what each returned or threw, as
 * one JSON object on stdout. A child, because the addon is loaded (or not) once per process.
 */
import * as ng from '../../lib';

function attempt(f: () => unknown): { ok: true; value: unknown } | { ok: false; name: string; message: string } {
  try {
    const v = f();
    return { ok: true, value: v instanceof ng.Tensor ? `Tensor(${v.device})` : v };
  } catch (e) {
    return { ok: false, name: (e as Error).constructor.name, message: (e as Error).message };
  }
}

const t = ng.tensor([1, 2, 3]);
const out = {
  status: ng.cuda.status(),
  buildInfo: (({ cuda, cudaAvailable, cudaReason }) => ({ cuda, cudaAvailable, cudaReason }))(ng.buildInfo()),
  deviceCuda: attempt(() => ng.device('cuda')),
  deviceCuda1: attempt(() => ng.device('cuda:1')),
  deviceCpu: attempt(() => String(ng.device('cpu'))),
  deviceBad: attempt(() => ng.device('gpu')),
  toCuda: attempt(() => t.to('cuda')),
  toCpuSame: attempt(() => t.to('cpu') === t),
  toBad: attempt(() => t.to('tpu' as 'cpu')),
  kernels: attempt(() => Object.keys(ng.cuda.kernels()).length),
  memoryStats: attempt(() => ng.cuda.memoryStats()),
  implementedOps: ng.cuda.implementedOps(),
};
process.stdout.write(JSON.stringify(out));

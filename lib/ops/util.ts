/** Shared helpers for op implementations. */
import { Tensor } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { assertTensor } from '../tensor/check';
import { fmtShape, expected } from '../core/validate';
import { cpuKernels, type OpKernels } from '../native';

export { record, needsGrad } from '../autograd/node';
export { empty };

/**
 * The kernels of the backend the tensors live on (null entries are skipped). Every tensor of
 * one op must be on the same device. Called once per op, so it allocates nothing.
 */
export function kernelsFor(a: Tensor, b?: Tensor | null, c?: Tensor | null, d?: Tensor | null,
  e?: Tensor | null): OpKernels {
  const device = a.device;
  if ((b && b.device !== device) || (c && c.device !== device) || (d && d.device !== device) ||
    (e && e.device !== device)) {
    const other = [b, c, d, e].find((t) => t && t.device !== device) as Tensor;
    throw new Error(expected(`every tensor on device ${device} (the first input's)`, 'inputs', `a tensor on ${other.device}`));
  }
  if (device !== 'cpu') {
    // The CUDA kernels are complete for their op-table rows (ng.cuda.kernels()), but these ops
    // still allocate their outputs and gradients on the host: say so instead of failing on a
    // host output buffer inside the kernel call.
    throw new Error(expected('tensors on cpu for tensor ops (ops on cuda tensors are not wired to the CUDA kernels ' +
      "yet; see docs/CUDA.md)", 'inputs', `a tensor on ${device}; use .to('cpu'), or ng.cuda.kernels() with device buffers`));
  }
  return cpuKernels;
}

/** kernelsFor over a list of tensors (concat, parameter lists); an empty list means the CPU. */
export function kernelsForAll(tensors: readonly Tensor[]): OpKernels {
  if (tensors.length === 0) return cpuKernels;
  for (const t of tensors) kernelsFor(tensors[0], t);
  return kernelsFor(tensors[0]);
}

/** Validates a float32 tensor input. */
export function fin(t: unknown, name: string): Tensor {
  assertTensor(t, name, 'float32');
  return t;
}

/** (outer, dim, inner) view of an axis, as the native reductions expect. */
export function axisView(shape: readonly number[], axis: number): { outer: number; dim: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, dim: shape[axis], inner };
}

/** NumPy broadcasting of two shapes (rank <= 4). */
export function broadcastShapes(a: readonly number[], b: readonly number[], nameA: string, nameB: string): number[] {
  const r = Math.max(a.length, b.length);
  if (r > 4) {
    throw new RangeError(expected('tensors of rank <= 4 for broadcasting', `${nameA} and ${nameB}`,
      `shapes ${fmtShape(a)} and ${fmtShape(b)}`));
  }
  const out: number[] = new Array(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`Expected shapes that broadcast for ${nameA} and ${nameB} but received ${fmtShape(a)} and ${fmtShape(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * ng.dist: data-parallel training across processes on MPI (Open MPI), the way Horovod does it.
 *
 *   mpirun -np 2 node train.js          // every rank runs the same script
 *   const { rank, worldSize } = ng.dist.init();
 *   await ng.dist.allReduce(t, 'mean'); // in place, on the communication thread
 *
 * The collectives take tensors and pass their native memory to MPI without copies. They run
 * on the MPI addon's communication thread and return Promises, so the event loop keeps
 * running; do not modify or dispose a tensor while a collective on it is in flight (it is
 * retained until the Promise settles). Needs the MPI build (docs/DISTRIBUTED.md).
 */
import { Tensor } from '../tensor/tensor';
import { Storage } from '../tensor/storage';
import { assertTensor } from '../tensor/check';
import { fmtShape } from '../core/validate';
import {
  KIND, ReduceOp, Buffer32, submit, asPromise, state, opCode, checkRoot,
} from './comm';

export { init, finalize, abort, commStats, setTimeoutMs, isInitialized } from './comm';
export type { DistInfo, InitOptions, ReduceOp } from './comm';
export { DistributedSampler } from './sampler';
export type { DistributedSamplerOptions } from './sampler';
export { DistributedDataParallel } from './ddp';
export type { DDPOptions, DDPStats } from './ddp';
export { findAddon as mpiAddonPath, underLauncher } from './addon';

/** This process's rank (0..worldSize-1); needs init(). */
export function rank(): number {
  return state().info.rank;
}

/** Number of ranks in the job; needs init(). */
export function worldSize(): number {
  return state().info.worldSize;
}

/** Rank among the processes on this machine; needs init(). */
export function localRank(): number {
  return state().info.localRank;
}

function buffer(t: Tensor, name: string): Buffer32 {
  assertTensor(t, name);
  return t.data as Buffer32;
}

/** Runs a collective with the tensors' storage retained until it settles. */
async function run(tensors: Tensor[], id: number): Promise<void> {
  const held: Pick<Storage, 'release'>[] = [];
  for (const t of tensors) if (t._storage) held.push(t._storage.retain());
  try {
    await asPromise(id);
  } finally {
    for (const s of held) s.release();
  }
}

/** Waits until every rank calls barrier(). */
export async function barrier(): Promise<void> {
  await asPromise(submit(KIND.barrier, null, null, 0, 0, null, true));
}

/** Replaces t's values on every rank with root's (in place); resolves with t. */
export async function broadcast(t: Tensor, root = 0): Promise<Tensor> {
  const b = buffer(t, 't');
  const r = checkRoot(root, worldSize());
  await run([t], submit(KIND.broadcast, null, b, b.length, r, null, true));
  return t;
}

/** Reduces t elementwise over all ranks ('sum', 'mean', 'max', 'min'), in place; resolves with t. */
export async function allReduce(t: Tensor, op: ReduceOp = 'sum'): Promise<Tensor> {
  const b = buffer(t, 't');
  const code = opCode(op);
  await run([t], submit(KIND.allReduce, b, b, b.length, code, null, true));
  return t;
}

/**
 * Concatenates every rank's t along the first axis, in rank order: a new tensor of shape
 * [worldSize * t.shape[0], ...] (a scalar or 1-element input gives [worldSize]). The caller owns it.
 */
export async function allGather(t: Tensor): Promise<Tensor> {
  const b = buffer(t, 't');
  const n = worldSize();
  const shape = t.shape.length === 0 ? [n] : [n * t.shape[0], ...t.shape.slice(1)];
  const out = Tensor.empty(shape, t.dtype);
  try {
    await run([t, out], submit(KIND.allGather, b, out.data as Buffer32, b.length, 0, null, true));
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/**
 * Reduces t over all ranks and gives each rank its slice of the result along the first axis:
 * rank r gets rows [r * k, (r + 1) * k) with k = t.shape[0] / worldSize (must divide). A new
 * tensor; the caller owns it.
 */
export async function reduceScatter(t: Tensor, op: ReduceOp = 'sum'): Promise<Tensor> {
  const b = buffer(t, 't');
  const code = opCode(op);
  const n = worldSize();
  if (t.shape.length === 0 || t.shape[0] % n !== 0) {
    throw new RangeError(`Expected a first dimension divisible by the world size (${n}) for t but received shape ${fmtShape(t.shape)}`);
  }
  const out = Tensor.empty([t.shape[0] / n, ...t.shape.slice(1)], t.dtype);
  try {
    await run([t, out], submit(KIND.reduceScatter, b, out.data as Buffer32, out.size, code, null, true));
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

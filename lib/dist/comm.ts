/**
 * ng.dist core: process group state and collectives over MPI (nodegrad_mpi.node).
 *
 * Every collective runs on the MPI addon's communication thread, in the order the JS thread
 * submitted them. The public collectives return Promises (the event loop keeps running);
 * the *Sync forms below (used inside a training step, where kernels block the thread anyway)
 * wait on the calling thread. Each collective checks first that every rank called the same
 * collective with the same size (one small all-reduce), and a watchdog ends all ranks when a
 * collective takes longer than the timeout (a rank that never called it, or died).
 */
import { mpiAddon, underLauncher } from './addon';
import { assertInteger, assertPlainObject, assertPositiveInteger, describe, expected } from '../core/validate';

export const KIND = { barrier: 0, allReduce: 1, broadcast: 2, allGather: 3, reduceScatter: 4 } as const;
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';
export const OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min'];
export type Buffer32 = Float32Array | Float64Array | Int32Array;

export interface DistInfo {
  rank: number;
  worldSize: number;
  localRank: number;
  localSize: number;
  /** MPI thread level granted: 'multiple' or 'serialized'. */
  threadLevel: string;
  /** MPI library version line. */
  library: string;
}

export interface InitOptions {
  /**
   * Longest time one collective may take before every rank is ended with an error naming it,
   * in ms (default 300000, or NODEGRAD_DIST_TIMEOUT_MS).
   */
  timeoutMs?: number;
  /**
   * End every rank (MPI_Abort) when this one throws an uncaught error or exits with a non-zero
   * code (default true): the others would otherwise wait for it in their next collective.
   */
  abortOnError?: boolean;
}

let info: DistInfo | null = null;
let addon: any = null;

/** The initialized state; throws with the fix when init() has not run. */
export function state(): { info: DistInfo; addon: any } {
  if (!info) {
    throw new Error('nodegrad.dist: not initialized: call ng.dist.init() first (in every rank, under mpirun)');
  }
  return { info, addon };
}

export function isInitialized(): boolean {
  return info !== null;
}

function failAll(msg: string, code: number): never {
  addon.abort(msg, code);
  throw new Error('unreachable');
}

function installFaultHandlers(): void {
  const r = info!.rank;
  const n = info!.worldSize;
  process.on('uncaughtException', (err) => {
    failAll(`nodegrad.dist: rank ${r} of ${n} failed: ${(err && (err as Error).stack) || String(err)}\n` +
      'nodegrad.dist: aborting all ranks (MPI_Abort)', 1);
  });
  process.on('unhandledRejection', (err) => {
    failAll(`nodegrad.dist: rank ${r} of ${n} failed (unhandled rejection): ${(err && (err as Error).stack) || String(err)}\n` +
      'nodegrad.dist: aborting all ranks (MPI_Abort)', 1);
  });
  process.on('SIGTERM', () => {
    process.stderr.write(`nodegrad.dist: rank ${r} of ${n} stopped by the launcher (another rank failed or the job was cancelled)\n`);
    process.exit(143);
  });
}

/**
 * Joins the MPI job (MPI_Init_thread; idempotent). Must run in every rank, started by an MPI
 * launcher: `mpirun -np 2 node train.js`. Returns this rank's place in the job.
 */
export function init(opts: InitOptions = {}): DistInfo {
  assertPlainObject(opts as unknown, 'options');
  const envTimeout = process.env.NODEGRAD_DIST_TIMEOUT_MS;
  const timeoutMs = opts.timeoutMs ?? (envTimeout ? Number(envTimeout) : 300000);
  assertPositiveInteger(timeoutMs, 'timeoutMs');
  const abortOnError = opts.abortOnError ?? true;
  if (typeof abortOnError !== 'boolean') throw new TypeError(expected('boolean', 'abortOnError', describe(abortOnError)));
  if (info) {
    addon.setTimeout(timeoutMs);
    return info;
  }
  if (!underLauncher()) {
    throw new Error('nodegrad.dist: this process was not started by an MPI launcher, so it has no ranks to talk to.\n' +
      'Start every rank with one, e.g.:  mpirun -np 2 node train.js   (as root add --allow-run-as-root; for more ranks than ' +
      'cores --oversubscribe; give OpenMP threads to each rank with --bind-to none)\n' +
      '  or under Slurm:  srun --mpi=pmix -n 2 node train.js\nSee docs/DISTRIBUTED.md.');
  }
  // Waiting ranks yield the core instead of spinning: the communication thread shares the cores
  // with this rank's compute threads (and other ranks), which spinning would slow down.
  if (process.env.OMPI_MCA_mpi_yield_when_idle === undefined) process.env.OMPI_MCA_mpi_yield_when_idle = '1';
  // All-reduce algorithm of the nonblocking collectives (Open MPI's libnbc): ring, i.e. reduce-
  // scatter + all-gather, where each rank sums 1/R of the buffer and both directions copy at
  // once. libnbc's default for fewer than 4 ranks or in-place buffers is binomial: rank 0 sums
  // the whole buffer while the others wait, then sends it back (perf, 2 ranks, 2 MiB: the same
  // bytes copied, but the sum and the copies in sequence on rank 0 instead of split).
  if (process.env.OMPI_MCA_coll_libnbc_iallreduce_algorithm === undefined) process.env.OMPI_MCA_coll_libnbc_iallreduce_algorithm = '1';
  addon = mpiAddon();
  const raw = addon.init();
  addon.setTimeout(timeoutMs);
  info = Object.freeze({ rank: raw.rank, worldSize: raw.size, localRank: raw.localRank, localSize: raw.localSize,
    threadLevel: raw.threadLevel, library: raw.library });
  if (abortOnError) installFaultHandlers();
  process.on('exit', (code) => {
    if (code !== 0 && abortOnError) {
      addon.abort(`nodegrad.dist: rank ${info!.rank} of ${info!.worldSize} exited with code ${code}; aborting all ranks`, code);
    }
    addon.finalize();
  });
  return info;
}

/** Sets the collective timeout (ms) for later collectives. */
export function setTimeoutMs(ms: number): void {
  assertPositiveInteger(ms, 'timeoutMs');
  state().addon.setTimeout(ms);
}

/** Ends MPI for this process (also done automatically at exit). No collective may follow. */
export function finalize(): void {
  if (info) addon.finalize();
}

/** Ends every rank at once with `message` (MPI_Abort). */
export function abort(message = 'nodegrad.dist: aborted', code = 1): never {
  assertInteger(code, 'code');
  failAll(message, code);
}

/** Communication totals of this process since init (collectives, payload bytes, seconds on the comm thread). */
export function commStats(): { collectives: number; bytes: number; seconds: number } {
  return state().addon.stats();
}

/** @internal Queues a collective on raw buffers; returns its id (wait with waitSync or asPromise). */
export function submit(kind: number, send: Buffer32 | null, recv: Buffer32 | null, count: number, arg: number,
  counts: Int32Array | null, check: boolean): number {
  return state().addon.submit(kind, send, recv, count, arg, counts, check);
}

/** @internal Blocks until collective `id` is done; returns the seconds it took on the comm thread. */
export function waitSync(id: number): number {
  return addon.wait(id);
}

/** @internal A Promise of collective `id` (seconds on the comm thread). */
export function asPromise(id: number): Promise<number> {
  return addon.promise(id);
}

export function opCode(op: unknown, name = 'op'): number {
  const i = OPS.indexOf(op as ReduceOp);
  if (i < 0) throw new TypeError(expected(`one of ${OPS.map((o) => `'${o}'`).join(', ')}`, name, describe(op)));
  return i;
}

export function checkRoot(root: unknown, worldSize: number): number {
  if (typeof root !== 'number' || !Number.isInteger(root) || root < 0 || root >= worldSize) {
    throw new RangeError(expected(`integer rank in [0, ${worldSize - 1}]`, 'root', describe(root)));
  }
  return root;
}

/** In-place all-reduce of a raw buffer, blocking (internal use inside a step). */
export function allReduceSync(buf: Buffer32, op: ReduceOp = 'sum', check = true): Buffer32 {
  waitSync(submit(KIND.allReduce, buf, buf, buf.length, opCode(op), null, check));
  return buf;
}

/** In-place broadcast of a raw buffer from root, blocking. */
export function broadcastSync(buf: Buffer32, root = 0, check = true): Buffer32 {
  waitSync(submit(KIND.broadcast, null, buf, buf.length, checkRoot(root, state().info.worldSize), null, check));
  return buf;
}

/** Splits n elements (in multiples of `align`) into one contiguous range per rank. */
export function partition(n: number, parts: number, align = 16): Int32Array {
  const chunk = Math.ceil(n / parts / align) * align;
  const counts = new Int32Array(parts);
  let left = n;
  for (let r = 0; r < parts; r++) {
    counts[r] = Math.max(0, Math.min(chunk, left));
    left -= counts[r];
  }
  return counts;
}

/**
 * Captured steps: ng.compile(stepFn) records one run of a training step (every kernel call it
 * makes, with its buffers and numbers) and replays the record in one native call while the
 * input shapes stay the same; no JS runs between the kernels.
 *
 *   const step = ng.compile((x, y) => {
 *     opt.zeroGrad();
 *     const loss = ng.losses.mse(model.forward(x), y);
 *     loss.backward();
 *     opt.step();
 *     return loss;
 *   });
 *   for (...) step(xBatch, yBatch).item();   // the loss tensor belongs to `step`
 *   step.dispose();
 *
 * How it works:
 * - The first call with some input shapes runs eagerly (a warm-up: state made on first use, such
 *   as the optimizer's buffers, exists afterwards). The second records: the inputs are copied
 *   into tensors the capture owns, stepFn runs eagerly on them (an ordinary step), and the native
 *   side stores each kernel call (native/binding/capture.h). Every storage created meanwhile is
 *   retained by the capture, so intermediates keep their memory, are never handed to other
 *   tensors, and are reused by every replay: a replay allocates nothing.
 * - A later call with the same shapes copies the inputs in, asks each optimizer step that ran
 *   in the record for its numbers (the step count and learning rate move: the optimizer's JS
 *   step re-issues its calls into a collector, without running kernels), patches those into the
 *   record and replays it. New shapes record again (one record per shapes, up to `maxRecords`).
 * - A step that cannot be replayed runs eagerly, for those shapes, on every call: one that
 *   reads the host mid-step (item(), toArray()), draws random numbers (dropout, ng.randn), or
 *   uses ops without capture support (concat, gathers, embeddings, gradient clipping by norm).
 *   `step.fallbackReason` says why.
 * - What JS computed while recording is fixed in the record: branches, the model's train/eval
 *   mode, tensors made from JS numbers inside the step. Record again (a new ng.compile) after
 *   changing them. Disposing a tensor the step uses (the model, the optimizer) before the
 *   compiled step is an error the record cannot see: dispose the compiled step first.
 *
 * The result: the tensors stepFn returned, owned by the compiled step and overwritten by its
 * next call (read them, do not dispose them). dispose() frees every record's memory.
 *
 * `await step.runAsync(x, y)` replays on nodegrad's native runner thread
 * (native/binding/capture_async.cc), the JS thread free meanwhile; until it settles the step
 * refuses another call and defers dispose(), and JS must leave the step's tensors alone.
 * runAsync's recording call records without running the kernels (a deferred capture): the
 * step's run is then the record's first replay, on the runner thread too. A host read, an
 * uncapturable kernel, or a kernel whose indices are checked when it is called (max-pool and
 * index-reduction backward passes: indices a kernel of the step wrote) runs the calls stored so
 * far first, and the rest of the step eagerly, so what is read is what an eager step would see.
 */
import { Tensor, settlePendingGrads } from './tensor';
import { collectCreated, keep, type Disposable } from './scope';
import { setCaptureSink, captureSink, type CaptureSink } from './capture';
import { native, cpuKernels, OP_TABLE, type OpKernels } from '../native';
import { describe, expected, fmtShape } from '../core/validate';

type StepResult = Tensor | readonly Tensor[] | void | undefined;

export interface CompiledStep<A extends Tensor[], R extends StepResult> {
  (...inputs: A): R;
  /** Frees every record (its intermediates and copies of the inputs). Safe to call twice. */
  dispose(): void;
  readonly isDisposed: boolean;
  /**
   * How the last call ran: 'eager' (the first call for some input shapes, or a step that cannot
   * be captured), 'recorded' (the second) or 'replayed' (null before the first call).
   */
  readonly lastRun: 'recorded' | 'replayed' | 'eager' | null;
  /** Why the step runs eagerly for the last call's input shapes, or null when it replays. */
  readonly fallbackReason: string | null;
  /** Records held (one per input shapes seen). */
  readonly records: number;
  /**
   * Like calling the step, but a replay runs on nodegrad's native runner thread and the JS thread
   * is free meanwhile (an eager call runs here and resolves at once; a recording call records
   * here and runs its kernels on the runner). Until the
   * promise settles, the step cannot be called again, and JS must not read or write the
   * tensors it uses (the model, the optimizer state, the results); `wait()` blocks until the
   * kernels are done. dispose() meanwhile is deferred until the promise settles.
   */
  runAsync(...inputs: A): Promise<R>;
  /** True from runAsync() until its promise settles. */
  readonly isRunning: boolean;
  /** Blocks the JS thread until a running replay's kernels have finished (at once when none runs). */
  wait(): void;
}

export interface CompileOptions {
  /** Records kept for different input shapes (default 4); the oldest is freed past it. */
  maxRecords?: number;
  /**
   * Run the first call for new input shapes eagerly before recording (default true). false
   * records at once: only for steps whose lazily made state (optimizer buffers, gradients)
   * exists already, as in Trainer.fit after its warm-up; state made while recording would belong
   * to the record.
   */
  eagerFirst?: boolean;
}

/** One recorded kernel call (JS side): its arguments and the native ops it recorded [a, b). */
interface Call { name: string; args: unknown[]; a: number; b: number }

/** An optimizer step inside the record: its calls [from, to) and how to re-issue them. */
interface Dynamic { from: number; to: number; reissue: (k: OpKernels) => () => void }

/** Collects re-issued calls (one per compiled step, reused by every replay). */
class Collector {
  readonly calls: { name: string; args: unknown[] }[] = [];
  readonly kernels: OpKernels;
  constructor() {
    const k: Record<string, unknown> = {};
    for (const name of OP_NAMES) k[name] = (...args: unknown[]) => { this.calls.push({ name, args }); };
    this.kernels = k as unknown as OpKernels;
  }
}

interface Rec {
  /** null when the shapes run eagerly */
  program: object | null;
  reason: string | null;
  inputs: Tensor[];
  calls: Call[];
  dynamics: Dynamic[];
  retained: { release(): void }[];
  created: Disposable[];
  result: StepResult;
  /** A deferred record whose kernels have not run yet: its first replay is the step's run. */
  pending: boolean;
}

const OP_NAMES = Object.keys(OP_TABLE);


function sameArg(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength &&
      a.constructor === b.constructor;
  }
  return false;
}

function resultTensors(r: StepResult): Tensor[] {
  if (r === undefined) return [];
  return r instanceof Tensor ? [r] : [...r];
}

function checkResult(r: unknown): StepResult {
  if (r === undefined || r instanceof Tensor) return r as StepResult;
  if (Array.isArray(r) && r.every((t) => t instanceof Tensor)) return r as Tensor[];
  if (r !== null && typeof (r as { then?: unknown }).then === 'function') {
    throw new TypeError(expected('synchronous step function', 'stepFn', 'a function returning a Promise'));
  }
  throw new TypeError(expected('a Tensor, an array of Tensors or nothing returned by stepFn', 'stepFn', describe(r)));
}

/**
 * Records one run of stepFn on copies of `args`. defer: the kernels are stored without running
 * (the returned record's `pending` is true: its first replay is the step's run), unless the step
 * cannot be captured (then they run, and the rest of the step eagerly, from the first host read
 * or uncapturable kernel on).
 */
function record(stepFn: (...t: Tensor[]) => unknown, args: Tensor[], defer: boolean): Rec {
  const inputs = args.map((t) => {
    // kept: a tidy() around the call must not free what the record points at
    const c = keep(Tensor.empty(t.shape, t.dtype));
    // A deferred record's float inputs are copied in by its first run, on the runner thread
    // (the copy is the first touch of fresh memory); index inputs (int32) now: kernel helpers
    // check them when called.
    if (!defer || t.dtype !== 'float32') (c.data as Float32Array).set(t.data as Float32Array);
    return c;
  });
  // what a flush copies before it runs the stored calls (native/binding/capture.h)
  const later: ArrayBufferView[] = [];
  // the inputs copied in already (index inputs), which kernel helpers may check without a flush
  const ready: ArrayBufferView[] = [];
  if (defer) {
    args.forEach((t, i) => {
      const c = inputs[i].data as ArrayBufferView;
      if (t.dtype === 'float32') later.push(c, t.data as ArrayBufferView);
      else ready.push(c, c);
    });
  }
  const rec: Rec = { program: null, reason: null, inputs, calls: [], dynamics: [], retained: [], created: [], result: undefined,
    pending: false };
  const k = cpuKernels as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = new Map<string, (...a: unknown[]) => unknown>();
  const sink: CaptureSink = {
    storage(s) {
      s.retain();
      rec.retained.push(s);
    },
    block(reason) {
      if (rec.reason === null) rec.reason = reason;
      // the host is about to read what the stored kernels compute: run them now
      if (defer) native.captureFlush();
    },
    dynamic(reissue, run) {
      const from = rec.calls.length;
      const out = run();
      rec.dynamics.push({ from, to: rec.calls.length, reissue });
      return out;
    },
  };
  for (const name of OP_NAMES) {
    const orig = k[name];
    saved.set(name, orig);
    k[name] = (...a: unknown[]) => {
      const before = native.captureCount();
      const r = orig(...a);
      rec.calls.push({ name, args: a, a: before, b: native.captureCount() });
      return r;
    };
  }
  setCaptureSink(sink);
  native.captureBegin(defer, later.length ? later : null, ready.length ? ready : null);
  let ended = false;
  try {
    const { result, created } = collectCreated(() => stepFn(...inputs));
    rec.created = created;
    rec.result = checkResult(result);
    // Gradients the step marked zero (Optimizer.zeroGrad) and left so: their zeros are written by
    // the record (start() wrote every earlier mark), so each replay zeroes them as the step did.
    settlePendingGrads();
    const end = native.captureEnd();
    ended = true;
    if (rec.reason === null && end.blocked !== '') rec.reason = `op ${end.blocked} (not capturable)`;
    let seen = 0;
    for (const c of rec.calls) seen += c.b - c.a;
    if (rec.reason === null && seen !== end.ops) rec.reason = 'a kernel called outside the backend\'s op table';
    if (rec.reason === null) {
      rec.program = end.program;
      rec.pending = end.pending > 0;
    } else {
      try {
        if (end.pending > 0) {
          // the step's run, here and now
          for (let i = 0; i < later.length; i += 2) (later[i] as Float32Array).set(later[i + 1] as Float32Array);
          native.captureReplay(end.program, null);
        }
      } finally {
        native.captureFree(end.program);
      }
    }
  } catch (e) {
    if (!ended) {
      // the kernels before the error have run, as in an eager call
      try {
        native.captureFlush();
      } catch { /* the step's own error is the one to report */ }
      native.captureAbort();
    }
    freeRecord(rec);
    throw e;
  } finally {
    setCaptureSink(null);
    for (const [name, orig] of saved) k[name] = orig;
  }
  if (rec.program === null) {
    // Not replayable: keep the result of this (eager) run until the next call, free the rest.
    const keepers = new Set<unknown>(resultTensors(rec.result));
    for (const t of rec.created) if (!keepers.has(t) && !t._kept && !t.isDisposed) t.dispose();
    rec.created = rec.created.filter((t) => keepers.has(t));
    for (const s of rec.retained) s.release();
    rec.retained = [];
    rec.calls = [];
    rec.dynamics = [];
  }
  return rec;
}

function freeRecord(rec: Rec): void {
  if (rec.program !== null) native.captureFree(rec.program);
  rec.program = null;
  for (const t of rec.created) if (!t._kept && !t.isDisposed) t.dispose();
  for (const t of rec.inputs) t.dispose();
  for (const s of rec.retained) s.release();
  rec.created = [];
  rec.inputs = [];
  rec.retained = [];
  rec.calls = [];
}

/**
 * The patches for this replay (op, position, value triples), from re-issuing every optimizer
 * step of the record; null when a re-issued call differs in more than its numbers (the record
 * is stale: record again). `undo` receives what undoes each re-issue's host-side effects; on null
 * they have been undone already.
 */
function patches(rec: Rec, col: Collector, undo: (() => void)[]): number[] | null {
  const out = patchesOf(rec, col, undo);
  col.calls.length = 0;
  if (out === null) undoAll(undo);
  return out;
}

function undoAll(undo: (() => void)[]): void {
  for (const u of undo.splice(0).reverse()) u();
}

function patchesOf(rec: Rec, col: Collector, undo: (() => void)[]): number[] | null {
  const out: number[] = [];
  for (const d of rec.dynamics) {
    const issued = col.calls;
    issued.length = 0;
    undo.push(d.reissue(col.kernels));
    if (issued.length !== d.to - d.from) return null;
    for (let i = 0; i < issued.length; i++) {
      const was = rec.calls[d.from + i];
      const now = issued[i];
      if (was.name !== now.name || was.args.length !== now.args.length) return null;
      for (let p = 0; p < now.args.length; p++) {
        const x = was.args[p];
        const y = now.args[p];
        if (sameArg(x, y)) continue;
        const scalar = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
        if (!scalar(x) || !scalar(y) || was.b - was.a !== 1) return null;
        out.push(was.a, p, Number(y));
        was.args[p] = y;
      }
    }
  }
  return out;
}

/**
 * Compiles a training step (see the file comment): returns a function with the same tensor
 * arguments that records the step on its first call for some input shapes and replays it in
 * one native call afterwards.
 */
export function compile<A extends Tensor[], R extends StepResult>(stepFn: (...inputs: A) => R,
  opts: CompileOptions = {}): CompiledStep<A, R> {
  if (typeof stepFn !== 'function') throw new TypeError(expected('function', 'stepFn', describe(stepFn)));
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new TypeError(expected('options object', 'options', describe(opts)));
  const maxRecords = opts.maxRecords ?? 4;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new RangeError(expected('integer >= 1', 'maxRecords', describe(maxRecords)));
  }
  const eagerFirst = opts.eagerFirst ?? true;
  if (typeof eagerFirst !== 'boolean') throw new TypeError(expected('boolean', 'eagerFirst', describe(eagerFirst)));
  const records = new Map<string, Rec>();
  let disposed = false;
  let lastRun: 'recorded' | 'replayed' | 'eager' | null = null;
  let lastReason: string | null = null;
  /** The previous eager run's tensors (kept until the next call, like a replay's). */
  let eagerResult: Disposable[] = [];

  const col = new Collector();
  /** What undoes the last replay's re-issues (reused: a replay allocates no array). */
  const undo: (() => void)[] = [];
  let patchBuf = new Float64Array(0);
  /** The key of the last call's shapes, and those shapes (a repeat call builds no string). */
  let lastKey = '';
  let lastShapes: (readonly number[])[] = [];
  let lastTypes: string[] = [];
  const keyOf = (args: Tensor[]): string => {
    let same = args.length === lastShapes.length;
    for (let i = 0; same && i < args.length; i++) {
      const a = args[i].shape;
      const b = lastShapes[i];
      if (a !== b && (a.length !== b.length || a.some((v, j) => v !== b[j]))) same = false;
      else if (args[i].dtype !== lastTypes[i]) same = false;
    }
    if (same) return lastKey;
    lastShapes = args.map((t) => t.shape);
    lastTypes = args.map((t) => t.dtype);
    lastKey = args.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(' ');
    return lastKey;
  };

  const dropEager = () => {
    for (const t of eagerResult.splice(0)) if (!t._kept && !t.isDisposed) t.dispose();
  };

  /** The replay running on the runner thread (runAsync), until its promise settles. */
  let running: { program: object } | null = null;

  const run = (...args: Tensor[]): StepResult => start(args, false) as StepResult;

  /**
   * Runs a record's program on `args` here, or (async) on the runner thread until the promise
   * settles; the runner copies the inputs in first (their storages are retained meanwhile: a
   * dispose() before then does not hand the memory to another tensor).
   */
  const replay = (rec: Rec, buf: Float64Array | null, async: boolean, args: Tensor[]): StepResult | Promise<StepResult> => {
    const program = rec.program as object;
    if (!async) {
      for (let i = 0; i < args.length; i++) {
        if (args[i] !== rec.inputs[i]) (rec.inputs[i].data as Float32Array).set(args[i].data as Float32Array);
      }
      native.captureReplay(program, buf);
      return rec.result;
    }
    const copies: ArrayBufferView[] = [];
    const held: { release(): void }[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === rec.inputs[i]) continue;
      copies.push(rec.inputs[i].data as ArrayBufferView, args[i].data as ArrayBufferView);
      const s = args[i]._storage;
      if (s) held.push(s.retain());
    }
    const pending = native.captureReplayAsync(program, buf, copies.length ? copies : null);
    running = { program };
    const settled = () => {
      running = null;
      for (const s of held) s.release();
      if (disposed) freeAll();
    };
    return pending.then(() => {
      settled();
      return rec.result;
    }, (e: unknown) => {
      settled();
      throw e;
    });
  };

  const start = (args: Tensor[], async: boolean): StepResult | Promise<StepResult> => {
    if (disposed) throw new Error(expected('a live compiled step', 'step', 'a disposed one'));
    if (running !== null) {
      throw new Error(expected('no replay running', 'step', 'a call while the last runAsync() has not settled (await it first)'));
    }
    if (captureSink() !== null) throw new Error(expected('no step being recorded', 'step', 'a call from inside a recording'));
    // A replay (or record) reads gradients natively: zeros marked by an eager zeroGrad() are written now.
    settlePendingGrads();
    args.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(expected('Tensor', `inputs[${i}]`, describe(t)));
      if (t.isDisposed) throw new TypeError(expected('a live tensor', `inputs[${i}]`, 'a disposed tensor'));
      if (t.device !== 'cpu') throw new TypeError(expected('a tensor on the cpu', `inputs[${i}]`, `one on ${t.device}`));
    });
    if (eagerResult.length) dropEager();
    const key = keyOf(args);
    let rec = records.get(key);
    if (rec && rec.program !== null) {
      undo.length = 0;
      const p = rec.dynamics.length ? patches(rec, col, undo) : [];
      if (p === null) {
        freeRecord(rec);
        records.delete(key);
        rec = undefined;
      } else {
        let buf: Float64Array | null = null;
        if (p.length) {
          if (patchBuf.length !== p.length) patchBuf = new Float64Array(p.length);
          for (let i = 0; i < p.length; i++) patchBuf[i] = p[i];
          buf = patchBuf;
        }
        lastRun = 'replayed';
        lastReason = null;
        // a replay that fails (a bad label) leaves the optimizer's counters as an eager step would
        let r: StepResult | Promise<StepResult>;
        try {
          r = replay(rec, buf, async, args);
        } catch (e) {
          undoAll(undo);
          throw e;
        }
        // (no call starts while a runAsync replay runs, so `undo` is this replay's until it settles)
        if (undo.length && r instanceof Promise) r = r.catch((e: unknown) => { undoAll(undo); throw e; });
        return r;
      }
    }
    if ((!rec && eagerFirst) || (rec && rec.reason !== null)) {
      // New shapes run eagerly once (the warm-up: lazily made state, such as the optimizer's
      // buffers and first gradients, exists before the record), and shapes that cannot be
      // captured always do. The result is kept until the next call.
      const { result, created } = collectCreated(() => stepFn(...(args as A)));
      const r = checkResult(result);
      const keepers = new Set<unknown>(resultTensors(r));
      for (const t of created) if (!keepers.has(t) && !t._kept && !t.isDisposed) t.dispose();
      eagerResult = created.filter((t) => keepers.has(t));
      lastRun = 'eager';
      lastReason = rec ? rec.reason : null;
      if (!rec) {
        if (records.size >= maxRecords) {
          const oldest = records.keys().next().value as string;
          freeRecord(records.get(oldest) as Rec);
          records.delete(oldest);
        }
        records.set(key, { program: null, reason: null, inputs: [], calls: [], dynamics: [], retained: [], created: [],
          result: undefined, pending: false });
      }
      return r;
    }
    if (rec) records.delete(key); // the warm-up entry: replaced by the record (newest last)
    if (records.size >= maxRecords) {
      const oldest = records.keys().next().value as string;
      freeRecord(records.get(oldest) as Rec);
      records.delete(oldest);
    }
    // runAsync records without running the kernels: the step's run is then the record's first
    // replay, on the runner thread
    rec = record(stepFn as (...t: Tensor[]) => unknown, args, async);
    records.set(key, rec);
    lastRun = 'recorded';
    lastReason = rec.reason;
    if (rec.pending) {
      rec.pending = false;
      return replay(rec, null, async, args);
    }
    if (rec.program === null) {
      eagerResult = rec.created;
      rec.created = [];
      for (const t of rec.inputs) t.dispose();
      rec.inputs = [];
    }
    return rec.result;
  };

  const freeAll = () => {
    dropEager();
    for (const rec of records.values()) freeRecord(rec);
    records.clear();
  };

  const step = run as unknown as CompiledStep<A, R>;
  Object.defineProperties(step, {
    dispose: {
      value: () => {
        if (disposed) return;
        disposed = true;
        if (running === null) freeAll(); // else when the replay settles
      },
    },
    runAsync: {
      value: (...args: Tensor[]): Promise<StepResult> => {
        try {
          return Promise.resolve(start(args, true));
        } catch (e) {
          return Promise.reject(e);
        }
      },
    },
    isRunning: { get: () => running !== null },
    wait: { value: () => { if (running !== null) native.captureWait(running.program); } },
    isDisposed: { get: () => disposed },
    lastRun: { get: () => lastRun },
    fallbackReason: { get: () => lastReason },
    records: { get: () => records.size },
  });
  return step;
}

// ng.compile's runAsync: a replay runs on the native runner thread, the JS thread runs meanwhile
// (the runner is held back to show it: timers and immediates run, the weights do not move,
// until it is released), the results are bit-identical to the eager loop at 1 and 2 threads, and
// the step refuses a second call, and defers dispose(), while a replay runs.
import { afterEach, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { native } from '../../lib/native';

const live: { dispose(): void }[] = [];
afterEach(() => {
  native.captureRunnerHold(0);
  ng.setNumThreads(1);
  for (const d of live.splice(0).reverse()) {
    try { d.dispose(); } catch { /* already disposed */ }
  }
});
function own<T extends { dispose(): void }>(t: T): T {
  live.push(t);
  return t;
}

/** A classification training step: zero, forward, cross-entropy, backward, update. */
function stepOf(model: ng.nn.Module, opt: ng.optim.Optimizer) {
  return (x: ng.Tensor, y: ng.Tensor) => {
    opt.zeroGrad();
    const loss = ng.losses.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

function net() {
  ng.setSeed(31);
  const model = new ng.nn.Sequential(new ng.nn.Linear(20, 48), new ng.nn.ReLU(), new ng.nn.Linear(48, 24), new ng.nn.GELU(),
    new ng.nn.Linear(24, 5));
  const opt = own(new ng.optim.AdamW(model.parameters(), { lr: 3e-3, amsgrad: true }));
  return { model, opt, step: stepOf(model, opt) };
}

function batch(i: number, n = 37): [ng.Tensor, ng.Tensor] {
  const rng = new ng.Rng(500 + i);
  const x = new Float32Array(n * 20);
  for (let k = 0; k < x.length; k++) x[k] = rng.normal();
  const y = Int32Array.from({ length: n }, (_, k) => (k * 7 + i) % 5);
  return [own(ng.fromArray(x, [n, 20])), own(ng.fromArray(y, [n]))];
}

const weights = (m: ng.nn.Module) => m.parameters().map((p) => Array.from(p.data as Float32Array));
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('compiled step runAsync', () => {
  for (const threads of [1, 2]) {
    it(`trains bit-identically to the eager loop (${threads} thread${threads > 1 ? 's' : ''})`, async () => {
      ng.setNumThreads(threads);
      const batches = Array.from({ length: 7 }, (_, i) => batch(i, i === 6 ? 11 : 37));
      const eager = net();
      const eagerLoss: number[] = [];
      for (const [x, y] of batches) eagerLoss.push(ng.tidy(() => eager.step(x, y).item()));
      const a = net();
      const step = own(ng.compile(a.step));
      const losses: number[] = [];
      const runs: (string | null)[] = [];
      for (const [x, y] of batches) {
        const loss = await step.runAsync(x, y);
        runs.push(step.lastRun);
        losses.push(loss.item());
      }
      expect(runs).toEqual(['eager', 'recorded', 'replayed', 'replayed', 'replayed', 'replayed', 'eager']);
      expect(losses).toEqual(eagerLoss);
      expect(weights(a.model)).toEqual(weights(eager.model));
      const sa = a.opt.stateDict();
      const sb = eager.opt.stateDict();
      for (const k of Object.keys(sb.buffers)) expect(Array.from(sa.buffers[k])).toEqual(Array.from(sb.buffers[k]));
    });
  }

  it('runs the kernels off the JS thread: with the runner held, the event loop turns and the weights stay put', async () => {
    const [x, y] = batch(0);
    const a = net();
    const step = own(ng.compile(a.step));
    step(x, y);
    step(x, y); // recorded: the next call replays
    const before = weights(a.model);
    native.captureRunnerHold(10000);
    const pending = step.runAsync(x, y);
    expect(step.isRunning).toBe(true);
    let settled = false;
    void pending.then(() => { settled = true; });
    let turns = 0;
    let timers = 0;
    const timer = setInterval(() => { timers++; }, 1);
    while (timers < 3) {
      await turn();
      turns++;
    }
    clearInterval(timer);
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(settled).toBe(false);
    expect(step.isRunning).toBe(true);
    expect(weights(a.model)).toEqual(before); // the replay has not run yet
    expect(() => step(x, y)).toThrow(/Expected no replay running for step but received a call while the last runAsync\(\) has not settled/);
    await expect(step.runAsync(x, y)).rejects.toThrow(/Expected no replay running/);
    native.captureRunnerHold(0);
    await pending;
    expect(step.isRunning).toBe(false);
    expect(weights(a.model)).not.toEqual(before);
    // the same three steps eagerly
    const b = net();
    for (let i = 0; i < 3; i++) ng.tidy(() => b.step(x, y));
    expect(weights(a.model)).toEqual(weights(b.model));
  });

  it('records without running the kernels: the recording call\'s run is a replay on the runner thread', async () => {
    const [x, y] = batch(3);
    const a = net();
    const step = own(ng.compile(a.step));
    await step.runAsync(x, y); // eager
    const before = weights(a.model);
    native.captureRunnerHold(10000);
    const pending = step.runAsync(x, y);
    expect(step.lastRun).toBe('recorded');
    expect(step.isRunning).toBe(true);
    let timers = 0;
    const timer = setInterval(() => { timers++; }, 1);
    while (timers < 2) await turn();
    clearInterval(timer);
    expect(weights(a.model)).toEqual(before); // recorded, not run yet
    native.captureRunnerHold(0);
    const loss = await pending;
    const b = net();
    let want = 0;
    for (let i = 0; i < 2; i++) want = ng.tidy(() => b.step(x, y).item());
    expect(loss.item()).toBe(want);
    expect(weights(a.model)).toEqual(weights(b.model));
  });

  it('a recording that reads the host, draws random numbers or clips by norm runs its kernels when they are needed, bit-identically', async () => {
    for (const kind of ['item', 'dropout', 'clip'] as const) {
      const make = () => {
        const n = net();
        if (kind === 'dropout') {
          ng.setSeed(5);
          n.model = new ng.nn.Sequential(n.model, new ng.nn.Dropout(0.3));
        }
        const body = (x: ng.Tensor, y: ng.Tensor) => {
          n.opt.zeroGrad();
          const loss = ng.losses.crossEntropy(n.model.forward(x), y);
          loss.backward();
          if (kind === 'clip') ng.optim.clipGradNorm(n.model.parameters(), 0.05);
          n.opt.step();
          if (kind === 'item' && !(loss.item() < 1e9)) throw new Error('diverged'); // a host read after the update
          return loss;
        };
        return { ...n, body };
      };
      const eager = make();
      const want: number[] = [];
      for (let i = 0; i < 4; i++) want.push(ng.tidy(() => eager.body(...batch(i)).item()));
      const c = make();
      const step = own(ng.compile(c.body, { eagerFirst: false }));
      const got: number[] = [];
      for (let i = 0; i < 4; i++) got.push((await step.runAsync(...batch(i))).item());
      expect(step.lastRun).toBe('eager');
      expect(got).toEqual(want);
      expect(weights(c.model)).toEqual(weights(eager.model));
    }
  });

  it('a recording whose kernel helpers check indices a kernel of the step wrote (max-pool backward) runs them when needed, bit-identically', async () => {
    const make = () => {
      ng.setSeed(41);
      const model = new ng.nn.Sequential(new ng.nn.BatchNorm2d(1), new ng.nn.MaxPool2d(2), new ng.nn.Flatten(),
        new ng.nn.Linear(3 * 3, 5));
      const opt = own(new ng.optim.Adam(model.parameters(), { lr: 1e-2 }));
      return { model, step: stepOf(model, opt) };
    };
    const rng = new ng.Rng(3);
    // the recording step only (what the deferral changes; a replay of a max-pool step is a
    // separate matter)
    const xs = Array.from({ length: 1 }, () => own(ng.fromArray(Float32Array.from({ length: 6 * 36 }, () => rng.normal()), [6, 1, 6, 6])));
    const y = own(ng.fromArray(Int32Array.from({ length: 6 }, (_, k) => k % 5), [6]));
    const eager = make();
    const want = xs.map((x) => ng.tidy(() => eager.step(x, y).item()));
    const c = make();
    const step = own(ng.compile(c.step, { eagerFirst: false }));
    const got: number[] = [];
    // recycled blocks hold no valid indices: an index check before the kernel ran would throw
    for (let n = 40; n < 80; n++) ng.fromArray(new Float32Array(n).fill(1e30), [n]).dispose();
    for (const x of xs) got.push((await step.runAsync(x, y)).item());
    expect(step.lastRun).toBe('recorded');
    expect(step.fallbackReason).toBe(null);
    expect(got).toEqual(want);
    expect(weights(c.model)).toEqual(weights(eager.model));
  });

  it('a deferred native recording stores the calls without running them until flushed or replayed', () => {
    const a = own(ng.fromArray(new Float32Array([1, 2, 3]), [3]));
    const b = own(ng.fromArray(new Float32Array([10, 20, 30]), [3]));
    native.captureBegin(true);
    const c = own(ng.add(a, b));
    const d = own(ng.add(c, a));
    const untouched = Array.from(d.data as Float32Array); // a fresh (or recycled) block, not written
    const first = native.captureEnd();
    expect(Array.from(d.data as Float32Array)).toEqual(untouched);
    expect(untouched).not.toEqual([12, 24, 36]);
    expect(first.pending).toBe(2);
    native.captureReplay(first.program, null);
    expect(Array.from(d.data as Float32Array)).toEqual([12, 24, 36]);
    native.captureFree(first.program);
    // a flush runs what was stored and records the rest eagerly
    native.captureBegin(true);
    const e = own(ng.add(a, a));
    native.captureFlush();
    expect(Array.from(e.data as Float32Array)).toEqual([2, 4, 6]);
    const f = own(ng.add(e, a));
    expect(Array.from(f.data as Float32Array)).toEqual([3, 6, 9]);
    const second = native.captureEnd();
    expect(second.pending).toBe(0);
    expect(second.ops).toBe(2);
    native.captureFree(second.program);
    expect(() => native.captureBegin('yes' as unknown as boolean)).toThrow(/Expected boolean for defer but received/);
  });

  it('the runner copies the inputs in before a replay; the caller may dispose them at once', async () => {
    const a = own(ng.fromArray(new Float32Array([1, 2, 3]), [3]));
    const b = own(ng.fromArray(new Float32Array([10, 20, 30]), [3]));
    native.captureBegin();
    const c = own(ng.add(a, b));
    const { program } = native.captureEnd();
    const next = ng.fromArray(new Float32Array([4, 5, 6]), [3]);
    native.captureRunnerHold(10000);
    const pending = native.captureReplayAsync(program, null, [a.data as Float32Array, next.data as Float32Array]);
    expect(Array.from(a.data as Float32Array)).toEqual([1, 2, 3]); // not yet: the runner copies
    native.captureRunnerHold(0);
    await pending;
    expect(Array.from(c.data as Float32Array)).toEqual([14, 25, 36]);
    next.dispose();
    expect(() => native.captureReplayAsync(program, null, [a.data as Float32Array])).toThrow(/Expected \(destination, source\) pairs for copies but received 1 views/);
    expect(() => native.captureReplayAsync(program, null, [a.data as Float32Array, new Float32Array(2)]))
      .toThrow(/Expected 12 bytes \(the destination's\) for copies\[1\] but received 8 bytes/);
    expect(() => native.captureReplayAsync(program, null, [a.data as Float32Array, 3 as never])).toThrow(/Expected typed array for copies\[1\]/);
    native.captureFree(program);
    // a compiled step: the batch disposed right after runAsync() is still what the step reads
    const [x, y] = batch(4);
    const net1 = net();
    const step = own(ng.compile(net1.step));
    for (let i = 0; i < 3; i++) {
      const xi = ng.fromArray(x.data as Float32Array, x.shape);
      const p = step.runAsync(xi, y);
      xi.dispose();
      ng.randn([37, 20]).dispose(); // may reuse a freed block
      await p;
    }
    const net2 = net();
    for (let i = 0; i < 3; i++) ng.tidy(() => net2.step(x, y));
    expect(weights(net1.model)).toEqual(weights(net2.model));
  });

  it('wait() blocks until the kernels are done; dispose() while running frees after the promise settles', async () => {
    const [x, y] = batch(1);
    const a = net();
    const step = ng.compile(a.step);
    step(x, y);
    step(x, y);
    const bytes = ng.memoryStats().bytesInUse;
    const pending = step.runAsync(x, y);
    step.wait();
    step.dispose();
    expect(step.isDisposed).toBe(true);
    expect(ng.memoryStats().bytesInUse).toBe(bytes); // not freed yet: the replay has not settled
    await pending; // its results are freed with the step
    expect(ng.memoryStats().bytesInUse).toBeLessThan(bytes);
    expect(() => step(x, y)).toThrow(/Expected a live compiled step/);
  });

  it('rejects with the replay\'s error (a label out of range), and the step runs again afterwards', async () => {
    const [x, y] = batch(2);
    const a = net();
    const step = own(ng.compile(a.step));
    step(x, y);
    step(x, y);
    const bad = own(ng.fromArray(Int32Array.from({ length: 37 }, (_, k) => (k === 4 ? 9 : 0)), [37]));
    await expect(step.runAsync(x, bad)).rejects.toThrow(RangeError);
    await expect(step.runAsync(x, y)).resolves.toBeDefined();
    expect(step.lastRun).toBe('replayed');
  });

  it('the native calls queue replays of a running program, refuse to free or replay it synchronously, and reject bad arguments with the project\'s messages', async () => {
    const a = own(ng.fromArray(new Float32Array([1, 2, 3]), [3]));
    const b = own(ng.fromArray(new Float32Array([10, 20, 30]), [3]));
    native.captureBegin();
    const c = own(ng.add(a, b));
    const { program, ops } = native.captureEnd();
    expect(ops).toBe(1);
    (a.data as Float32Array)[0] = 5;
    native.captureRunnerHold(10000);
    const pending = native.captureReplayAsync(program, null);
    expect(() => native.captureFree(program)).toThrow(/Expected a captured program with no replay running for captureFree\(program\) but received one whose asynchronous replay has not settled/);
    expect(() => native.captureReplay(program, null)).toThrow(/for captureReplay\(program\)/);
    const second = native.captureReplayAsync(program, null); // queued behind the first
    native.captureRunnerHold(0);
    expect(native.captureWait(program)).toBe(true); // both ran
    expect(Array.from(c.data as Float32Array)).toEqual([15, 22, 33]); // written by the runner
    await pending;
    expect(() => native.captureFree(program)).toThrow(/no replay running/); // the second has not settled
    await second;
    expect(native.captureWait(program)).toBe(false);
    native.captureFree(program);
    expect(() => native.captureWait({})).toThrow(/Expected captured program for program but received/);
    expect(() => native.captureRunnerHold(-1)).toThrow(/Expected number in \[0, 10000\] for ms but received -1/);
    expect(() => native.captureRunnerHold('1' as unknown as number)).toThrow(/Expected number in \[0, 10000\] for ms/);
    expect(() => native.captureReplayAsync({}, null)).toThrow(/Expected captured program for program/);
    expect(() => native.captureReplayAsync(program, null)).toThrow(/Expected live captured program/);
  });
});

// ng.compile: a recorded step replays bit-identically to the eager loop, records again for new
// shapes, falls back to eager steps it cannot capture, owns (and frees) its intermediates, and
// rejects bad input with the project's messages.
import { afterEach, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { gradReadyHooks } from '../../lib/autograd/engine';
import { cpuKernels } from '../../lib/native';

const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const d of live.splice(0).reverse()) {
    try { d.dispose(); } catch { /* already disposed */ }
  }
});
function own<T extends { dispose(): void }>(t: T): T {
  live.push(t);
  return t;
}

type Net = { model: ng.nn.Module; opt: ng.optim.Optimizer; loss: (p: ng.Tensor, y: ng.Tensor) => ng.Tensor };

function tiny(opt: 'sgd' | 'adam'): Net {
  ng.setSeed(21);
  const model = new ng.nn.Sequential(new ng.nn.Linear(2, 10), new ng.nn.Tanh(), new ng.nn.Linear(10, 1));
  const o = opt === 'sgd' ? new ng.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 })
    : new ng.optim.Adam(model.parameters(), { lr: 0.01 });
  own(o);
  return { model, opt: o, loss: ng.losses.mse };
}

function mlp(opt: 'sgd' | 'adam'): Net {
  ng.setSeed(22);
  const model = new ng.nn.Sequential(new ng.nn.Linear(20, 32), new ng.nn.ReLU(), new ng.nn.Linear(32, 16), new ng.nn.GELU(),
    new ng.nn.Linear(16, 5));
  const o = opt === 'sgd' ? new ng.optim.SGD(model.parameters(), { lr: 0.1, nesterov: true, momentum: 0.8 })
    : new ng.optim.AdamW(model.parameters(), { lr: 3e-3, amsgrad: true });
  own(o);
  return { model, opt: o, loss: ng.losses.crossEntropy };
}

function stepOf(net: Net) {
  return (x: ng.Tensor, y: ng.Tensor) => {
    net.opt.zeroGrad();
    const loss = net.loss(net.model.forward(x), y);
    loss.backward();
    net.opt.step();
    return loss;
  };
}

/** Batch i of a seeded stream: x [n, d] normal, y regression targets or class labels. */
function batch(i: number, n: number, d: number, classes: number): [ng.Tensor, ng.Tensor] {
  const rng = new ng.Rng(1000 + i);
  const x = new Float32Array(n * d);
  for (let k = 0; k < x.length; k++) x[k] = rng.normal();
  const xt = own(ng.fromArray(x, [n, d]));
  if (classes === 0) {
    const y = new Float32Array(n);
    for (let k = 0; k < n; k++) y[k] = Math.sin(x[k * d]) + 0.5 * x[k * d + 1];
    return [xt, own(ng.fromArray(y, [n, 1]))];
  }
  return [xt, own(ng.fromArray(Int32Array.from({ length: n }, () => rng.int(classes)), [n]))];
}

function snapshot(net: Net) {
  const st = net.opt.stateDict();
  return {
    params: net.model.parameters().map((p) => Array.from(p.data as Float32Array)),
    state: Object.fromEntries(Object.entries(st.buffers).map(([k, v]) => [k, Array.from(v)])),
    step: st.step,
  };
}

describe('ng.compile', () => {
  for (const [name, make, d, classes] of [
    ['tiny 2-10-1, SGD momentum', () => tiny('sgd'), 2, 0],
    ['tiny 2-10-1, Adam', () => tiny('adam'), 2, 0],
    ['MLP, SGD nesterov', () => mlp('sgd'), 20, 5],
    ['MLP, AdamW amsgrad', () => mlp('adam'), 20, 5],
  ] as const) {
    it(`${name}: parameters and optimizer state bit-identical to the eager loop after 12 steps`, () => {
      const eager = make();
      const eagerStep = stepOf(eager);
      const losses: number[] = [];
      for (let i = 0; i < 12; i++) {
        if (i === 7) eager.opt.lr *= 0.5; // a schedule: the learning rate moves
        const [x, y] = batch(i, 16, d, classes);
        losses.push(ng.tidy(() => eagerStep(x, y).item()));
      }
      const compiled = make();
      const step = own(ng.compile(stepOf(compiled)));
      const runs: string[] = [];
      const closses: number[] = [];
      for (let i = 0; i < 12; i++) {
        if (i === 7) compiled.opt.lr *= 0.5;
        const [x, y] = batch(i, 16, d, classes);
        const loss = step(x, y);
        closses.push(loss.item());
        runs.push(step.lastRun as string);
      }
      expect(runs).toEqual(['eager', 'recorded', ...Array(10).fill('replayed')]);
      expect(step.fallbackReason).toBeNull();
      expect(closses).toEqual(losses);
      expect(snapshot(compiled)).toEqual(snapshot(eager));
    });
  }

  it('a recorded step writes its gradients (no fill before backward), and gradients its step zeroed but did not produce are zero at every replay', () => {
    // An optimizer with one parameter the model never uses: zeroGrad marks it zero, backward
    // leaves it, the step reads zeros. Garbage written into it between calls must not survive.
    const make = () => {
      ng.setSeed(5);
      const model = new ng.nn.Sequential(new ng.nn.Linear(2, 10), new ng.nn.Tanh(), new ng.nn.Linear(10, 1));
      const unused = new ng.nn.Linear(3, 2);
      const opt = own(new ng.optim.Adam([...model.parameters(), ...unused.parameters()], { lr: 0.01 }));
      return { net: { model, opt, loss: ng.losses.mse }, unused };
    };
    const spoil = (u: ng.nn.Linear) => { for (const p of u.parameters()) (p.grad?.data as Float32Array | undefined)?.fill(7); };
    const eager = make();
    for (let i = 0; i < 6; i++) {
      spoil(eager.unused);
      ng.tidy(() => { stepOf(eager.net)(...batch(i, 8, 2, 0)); });
    }
    const compiled = make();
    const step = own(ng.compile(stepOf(compiled.net)));
    const k = cpuKernels as unknown as Record<string, (...a: unknown[]) => unknown>;
    const calls: string[] = [];
    const saved = { init: k.linearBackwardInit, bwd: k.linearBackward, fill: k.fillF32 };
    k.linearBackwardInit = (...a) => { calls.push('linearBackwardInit'); return saved.init(...a); };
    k.linearBackward = (...a) => { calls.push('linearBackward'); return saved.bwd(...a); };
    k.fillF32 = (...a) => { calls.push(`fillF32 ${String(a[1])}`); return saved.fill(...a); };
    try {
      for (let i = 0; i < 6; i++) {
        spoil(compiled.unused);
        if (i === 1) calls.length = 0;
        step(...batch(i, 8, 2, 0));
        if (i === 1) {
          // the recording call: both linear layers write their gradients; the unused parameter's
          // zeros (weight 6, bias 2 floats) are recorded fills, and no fill covers a gradient of
          // the model (20, 10, 10, 1 floats) or the flat buffer (57); (8: the loss input's gradient)
          expect(calls.filter((c) => c.startsWith('linear'))).toEqual(['linearBackwardInit', 'linearBackwardInit']);
          expect(calls.filter((c) => c.startsWith('fill')).sort()).toEqual(['fillF32 2', 'fillF32 6', 'fillF32 8']);
        }
      }
    } finally {
      Object.assign(k, { linearBackwardInit: saved.init, linearBackward: saved.bwd, fillF32: saved.fill });
    }
    expect(step.lastRun).toBe('replayed');
    expect(snapshot(compiled.net)).toEqual(snapshot(eager.net));
    for (const p of compiled.unused.parameters()) expect(Array.from(p.grad?.data as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('a step without zeroGrad accumulates into the gradients at every replay (zeroGrad outside, every 2nd call): bit-identical to eager', () => {
    const accumulate = (net: Net) => (x: ng.Tensor, y: ng.Tensor) => {
      const loss = net.loss(net.model.forward(x), y);
      loss.backward();
      return loss;
    };
    const run = (net: Net, step: (x: ng.Tensor, y: ng.Tensor) => unknown) => {
      for (let i = 0; i < 10; i++) {
        if (i % 2 === 0) net.opt.zeroGrad();
        ng.tidy(() => { step(...batch(i, 8, 20, 5)); });
        if (i % 2 === 1) net.opt.step();
      }
    };
    const eager = mlp('adam');
    run(eager, accumulate(eager));
    const compiled = mlp('adam');
    const step = own(ng.compile(accumulate(compiled)));
    run(compiled, step);
    expect(step.lastRun).toBe('replayed');
    expect(snapshot(compiled)).toEqual(snapshot(eager));
  });

  it('records again when the input shapes change, and replays each record', () => {
    const eager = tiny('adam');
    const compiled = tiny('adam');
    const step = own(ng.compile(stepOf(compiled)));
    const sizes = [8, 8, 5, 8, 5, 5, 3];
    const runs: string[] = [];
    sizes.forEach((n, i) => {
      const [x, y] = batch(i, n, 2, 0);
      ng.tidy(() => { stepOf(eager)(x, y); });
      step(x, y);
      runs.push(step.lastRun as string);
    });
    expect(runs).toEqual(['eager', 'recorded', 'eager', 'replayed', 'recorded', 'replayed', 'eager']);
    expect(step.records).toBe(3);
    expect(snapshot(compiled)).toEqual(snapshot(eager));
  });

  it('frees the oldest record past maxRecords', () => {
    const net = tiny('sgd');
    const step = own(ng.compile(stepOf(net), { maxRecords: 2 }));
    for (const n of [4, 4, 5, 5, 6, 6]) step(...batch(n, n, 2, 0));
    expect(step.records).toBe(2);
    step(...batch(4, 4, 2, 0));
    expect(step.lastRun).toBe('eager'); // 4's record was freed when 6 came
  });

  it('falls back to eager steps, bit-identically, when the step reads the host or draws random numbers', () => {
    for (const kind of ['item', 'dropout'] as const) {
      const make = () => {
        const net = tiny('adam');
        if (kind === 'dropout') {
          ng.setSeed(5);
          net.model = new ng.nn.Sequential(net.model, new ng.nn.Dropout(0.2));
        }
        return net;
      };
      const body = (net: Net) => (x: ng.Tensor, y: ng.Tensor) => {
        const loss = stepOf(net)(x, y);
        if (kind === 'item' && loss.item() > 1e9) throw new Error('diverged'); // a host read mid-step
        return loss;
      };
      const eager = make();
      for (let i = 0; i < 5; i++) ng.tidy(() => { body(eager)(...batch(i, 10, 2, 0)); });
      const compiled = make();
      const step = own(ng.compile(body(compiled)));
      const runs: string[] = [];
      for (let i = 0; i < 5; i++) {
        step(...batch(i, 10, 2, 0));
        runs.push(step.lastRun as string);
      }
      expect(runs).toEqual(['eager', 'recorded', 'eager', 'eager', 'eager']);
      expect(step.fallbackReason).toMatch(kind === 'item' ? /item\(\)/ : /dropout/);
      expect(snapshot(compiled)).toEqual(snapshot(eager));
    }
  });

  it('falls back for gradient clipping by norm (a host-side reduction) and for gradient hooks (data-parallel training)', () => {
    const clipped = tiny('sgd');
    const clip = own(ng.compile((x: ng.Tensor, y: ng.Tensor) => {
      clipped.opt.zeroGrad();
      const loss = clipped.loss(clipped.model.forward(x), y);
      loss.backward();
      ng.optim.clipGradNorm(clipped.model.parameters(), 0.5);
      clipped.opt.step();
      return loss;
    }));
    for (let i = 0; i < 3; i++) clip(...batch(i, 6, 2, 0));
    expect(clip.lastRun).toBe('eager');
    expect(clip.fallbackReason).toMatch(/not capturable/);

    const hooked = tiny('sgd');
    const readied: number[] = [];
    const hook = { ready: (t: ng.Tensor) => { readied.push(t.size); }, end: () => undefined };
    gradReadyHooks.add(hook);
    try {
      const step = own(ng.compile(stepOf(hooked)));
      for (let i = 0; i < 3; i++) step(...batch(i, 6, 2, 0));
      expect(step.lastRun).toBe('eager');
      expect(step.fallbackReason).toMatch(/gradient hooks/);
      expect(readied.length).toBe(3 * 4); // the hooks ran at every step, the recorded one too
    } finally {
      gradReadyHooks.delete(hook);
    }
  });

  it('owns its intermediates: replays allocate nothing, dispose() gives every byte back', () => {
    const net = mlp('adam');
    const [x, y] = batch(0, 32, 20, 5);
    ng.tidy(() => { stepOf(net)(x, y); }); // the optimizer state exists before the baseline
    const base = ng.memoryStats();
    const step = ng.compile(stepOf(net));
    step(x, y);
    step(x, y);
    expect(step.lastRun).toBe('recorded');
    const recorded = ng.memoryStats();
    expect(recorded.storages).toBeGreaterThan(base.storages);
    for (let i = 0; i < 20; i++) step(x, y);
    const after = ng.memoryStats();
    expect(after.storages).toBe(recorded.storages);
    expect(after.bytesInUse).toBe(recorded.bytesInUse);
    expect(after.arrayBuffersCreated).toBe(recorded.arrayBuffersCreated);
    step.dispose();
    step.dispose(); // twice is fine
    const end = ng.memoryStats();
    expect(end.storages).toBe(base.storages);
    expect(end.bytesInUse).toBe(base.bytesInUse);
    expect(step.isDisposed).toBe(true);
  });

  it('survives being called inside ng.tidy (its inputs and intermediates are its own)', () => {
    const eager = tiny('adam');
    const compiled = tiny('adam');
    const step = own(ng.compile(stepOf(compiled)));
    const losses: number[] = [];
    const want: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [x, y] = batch(i, 12, 2, 0);
      want.push(ng.tidy(() => stepOf(eager)(x, y).item()));
      losses.push(ng.tidy(() => step(x, y).item()));
    }
    expect(step.lastRun).toBe('replayed');
    expect(losses).toEqual(want);
    expect(snapshot(compiled)).toEqual(snapshot(eager));
  });

  it('recording the first step (eagerFirst: false) and again when the optimizer state appears keeps Adam\'s step count: bit-identical to eager', async () => {
    for (const mode of ['sync', 'async'] as const) {
      const eager = mlp('adam');
      const eagerStep = stepOf(eager);
      for (let i = 0; i < 6; i++) ng.tidy(() => { eagerStep(...batch(i, 16, 20, 5)); });
      const compiled = mlp('adam');
      const step = own(ng.compile(stepOf(compiled), { eagerFirst: false }));
      const runs: string[] = [];
      for (let i = 0; i < 6; i++) {
        if (mode === 'sync') step(...batch(i, 16, 20, 5));
        else await step.runAsync(...batch(i, 16, 20, 5));
        runs.push(step.lastRun as string);
      }
      // the first record creates Adam's buffers (a call the replay would not make): it is stale,
      // and the re-issue that found out must not count a step
      expect(runs).toEqual(['recorded', 'recorded', 'replayed', 'replayed', 'replayed', 'replayed']);
      expect(snapshot(compiled)).toEqual(snapshot(eager));
    }
  });

  it('a replay that throws (a bad label) does not count an optimizer step', async () => {
    const eager = mlp('adam');
    const compiled = mlp('adam');
    const step = own(ng.compile(stepOf(compiled)));
    const bad = own(ng.fromArray(Int32Array.from([0, 1, 2, 3, 4, 5, 0, 1]), [8]));
    for (let i = 0; i < 5; i++) {
      ng.tidy(() => { stepOf(eager)(...batch(i, 8, 20, 5)); });
      step(...batch(i, 8, 20, 5));
      if (i === 2) expect(() => step(batch(9, 8, 20, 5)[0], bad)).toThrow(/labels\[5\]/);
      if (i === 3) await expect(step.runAsync(batch(9, 8, 20, 5)[0], bad)).rejects.toThrow(/labels\[5\]/);
    }
    expect(compiled.opt.stateDict().step).toBe(5);
    expect(snapshot(compiled)).toEqual(snapshot(eager));
  });

  it('checks labels at every replay (a bad label throws, never reads out of bounds)', () => {
    const net = mlp('sgd');
    const step = own(ng.compile(stepOf(net)));
    step(...batch(0, 8, 20, 5));
    step(...batch(0, 8, 20, 5));
    const [x] = batch(1, 8, 20, 5);
    const bad = own(ng.fromArray(Int32Array.from([0, 1, 2, 3, 4, 5, 0, 1]), [8]));
    expect(() => step(x, bad)).toThrow(/Expected integer in \[0, 5\) or -100 for labels\[5\] but received 5/);
  });

  it('rejects bad input with the argument named', () => {
    expect(() => ng.compile(42 as never)).toThrow(/Expected function for stepFn but received/);
    expect(() => ng.compile(() => undefined, { maxRecords: 0 })).toThrow(/Expected integer >= 1 for maxRecords but received 0/);
    const net = tiny('sgd');
    const step = own(ng.compile(stepOf(net)));
    expect(() => step('x' as never, 1 as never)).toThrow(/Expected Tensor for inputs\[0\] but received/);
    const [x, y] = batch(0, 4, 2, 0);
    const gone = ng.zeros([4, 1]);
    gone.dispose();
    expect(() => step(x, gone)).toThrow(/Expected a live tensor for inputs\[1\] but received a disposed tensor/);
    const numeric = own(ng.compile((a: ng.Tensor) => a.sum().item() as never));
    expect(() => numeric(x)).toThrow(/Expected a Tensor, an array of Tensors or nothing returned by stepFn/);
    const nested = own(ng.compile((a: ng.Tensor) => { step(a, y); return a; }));
    nested(x); // the warm-up runs eagerly: nothing is being recorded
    expect(() => nested(x)).toThrow(/Expected no step being recorded for step but received a call from inside a recording/);
    step.dispose();
    expect(() => step(x, y)).toThrow(/Expected a live compiled step for step but received a disposed one/);
    // the failed recordings left no capture open: a new one records
    const again = own(ng.compile(stepOf(tiny('sgd'))));
    again(x, y);
    again(x, y);
    expect(again.lastRun).toBe('recorded');
    expect(again.fallbackReason).toBeNull();
  });
});

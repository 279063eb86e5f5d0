// fit() keeps the event loop free: it yields before every step when asked to (yieldMs 0), makes
// the optimizer state and the epoch's shuffle in slices between yields, and warms up on the first
// batch without changing anything. (The lag itself, in median steps, is a bench figure:
// `npm run bench -- eventloop`; tests never assert on wall time.)
import { afterEach, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { DataLoader } from '../../lib/data/loader';
import { native } from '../../lib/native';

const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const d of live.splice(0).reverse()) {
    try { d.dispose(); } catch { /* already disposed */ }
  }
});

function data(n: number, seed: number): [ng.Tensor, ng.Tensor] {
  const rng = new ng.Rng(seed);
  const x = new Float32Array(n * 4);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const xt = ng.fromArray(x, [n, 4]);
  const yt = ng.fromArray(y, [n]);
  live.push(xt, yt);
  return [xt, yt];
}

function model() {
  return new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.BatchNorm1d(16), new ng.nn.ReLU(), new ng.nn.Dropout(0.3),
    new ng.nn.Linear(16, 3));
}

const pause = () => new Promise<void>((r) => setImmediate(r));

describe('fit() and the event loop', () => {
  it('yields before every step with yieldMs 0: an immediate queued at batch begin runs before the step ends', async () => {
    ng.setSeed(3);
    const m = model();
    const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: 'adam' });
    live.push(trainer.optimizer);
    const [x, y] = data(200, 1);
    const ran: boolean[] = [];
    let missed = 0;
    await trainer.fit([x, y], { epochs: 2, batchSize: 16, verbose: 0, yieldMs: 0, callbacks: [{
      onBatchBegin: (step: number) => { ran[step] = false; setImmediate(() => { ran[step] = true; }); },
      onBatchEnd: (step: number) => { if (!ran[step]) missed++; },
    }] });
    expect(ran.length).toBe(13);
    expect(missed).toBe(0);
  });

  it('trains bit-identically to a plain trainStep loop (the warm-up and the sliced set-up change nothing)', async () => {
    const [x, y] = data(150, 2);
    const run = async (viaFit: boolean) => {
      ng.setSeed(7);
      const m = model();
      const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: { type: 'adam', amsgrad: true } });
      live.push(trainer.optimizer);
      if (viaFit) {
        await trainer.fit([x, y], { epochs: 2, batchSize: 32, verbose: 0, seed: 11 });
      } else {
        m.train();
        const loader = new DataLoader(ng.data.fromTensors(x, y), { batchSize: 32, shuffle: true, seed: 11 });
        for (let e = 0; e < 2; e++) for (const b of loader) trainer.trainStep(b.x, b.y as ng.Tensor);
        m.eval();
      }
      const out = m.parameters().map((p) => Array.from(p.data as Float32Array));
      out.push(...m.namedBuffers().map(([, b]) => Array.from(b.data as Float32Array)));
      return { out, state: trainer.optimizer.stateDict() };
    };
    const a = await run(true);
    const b = await run(false);
    expect(a.out).toEqual(b.out);
    expect(Object.keys(a.state.buffers).sort()).toEqual(['m', 'v', 'vmax']);
    for (const k of Object.keys(a.state.buffers)) expect(Array.from(a.state.buffers[k])).toEqual(Array.from(b.state.buffers[k]));
  });
});

describe('DataLoader.prepareEpoch', () => {
  it('gives the same orders and generator states as an unprepared loader, pausing between slices', async () => {
    const [x, y] = data(5000, 3);
    const ds = ng.data.fromTensors(x, y);
    const a = new DataLoader(ds, { batchSize: 1000, shuffle: true, seed: 5 });
    const b = new DataLoader(ds, { batchSize: 1000, shuffle: true, seed: 5 });
    let pauses = 0;
    for (let e = 0; e < 2; e++) {
      await a.prepareEpoch(() => { pauses++; return pause(); }, 0);
      const ia = [...a].map((bt) => Array.from(bt.indices));
      const ib = [...b].map((bt) => Array.from(bt.indices));
      expect(ia).toEqual(ib);
      expect(a.getState()).toEqual(b.getState());
    }
    // with sliceMs 0 it pauses after every chunk: the fill's 2,048 indices (3 for 5000) and the
    // shuffle's 128 swaps (40 for 4999), so a first, interpreted shuffle never holds the loop long
    expect(pauses).toBeGreaterThanOrEqual(2 * (3 + 40));
  });

  it('is ignored when the generator state changes after it (a checkpoint restored meanwhile)', async () => {
    const [x, y] = data(300, 4);
    const ds = ng.data.fromTensors(x, y);
    const a = new DataLoader(ds, { batchSize: 100, shuffle: true, seed: 9 });
    const b = new DataLoader(ds, { batchSize: 100, shuffle: true, seed: 9 });
    const saved = a.getState();
    [...a]; // epoch 1 moves the generator
    await a.prepareEpoch(pause);
    a.setState(saved);
    expect([...a].map((bt) => Array.from(bt.indices))).toEqual([...b].map((bt) => Array.from(bt.indices)));
  });
});

describe('Optimizer.prepareState', () => {
  for (const [name, make] of [
    ['Adam', (p: ng.Tensor[]) => new ng.optim.Adam(p, { lr: 0.01 })],
    ['SGD momentum', (p: ng.Tensor[]) => new ng.optim.SGD(p, { lr: 0.1, momentum: 0.9 })],
    ['RMSprop centered', (p: ng.Tensor[]) => new ng.optim.RMSprop(p, { centered: true, momentum: 0.5 })],
    ['Adagrad', (p: ng.Tensor[]) => new ng.optim.Adagrad(p, { initialAccumulatorValue: 0.25 })],
  ] as const) {
    it(`${name}: makes the buffers step() would, in slices, with the same results`, async () => {
      const results = [];
      for (const prepared of [true, false]) {
        ng.setSeed(2);
        const m = new ng.nn.Linear(50, 40);
        const opt = make(m.parameters());
        live.push(opt);
        let pauses = 0;
        if (prepared) {
          await opt.prepareState(() => { pauses++; return pause(); }, 256);
          expect(opt.stateBytes).toBeGreaterThan(0);
          expect(pauses).toBeGreaterThanOrEqual(Math.ceil(opt.numel / 256));
        }
        const [x] = data(8, 5);
        const xin = x.slice(0, 8).reshape([8, 4]).matmul(ng.ones([4, 50]));
        for (let s = 0; s < 3; s++) {
          ng.tidy(() => {
            opt.zeroGrad();
            m.forward(xin).square().mean().backward();
            opt.step();
          });
        }
        xin.dispose();
        const st = opt.stateDict();
        results.push({ w: Array.from(m.parameters()[0].data as Float32Array), st });
      }
      expect(results[0].w).toEqual(results[1].w);
      expect(Object.keys(results[0].st.buffers)).toEqual(Object.keys(results[1].st.buffers));
      for (const k of Object.keys(results[0].st.buffers)) {
        expect(Array.from(results[0].st.buffers[k])).toEqual(Array.from(results[1].st.buffers[k]));
      }
    });
  }
});

describe('fit({ compile: true })', () => {
  it('replays the step and gives bit-identical weights, history and metrics to fit()', async () => {
    const [x, y] = data(100, 6); // batches of 32, 32, 32 and 4: two records
    const run = async (compile: boolean) => {
      ng.setSeed(8);
      const m = new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3));
      const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: 'adam', metrics: ['accuracy'] });
      live.push(trainer.optimizer);
      const h = await trainer.fit([x, y], { epochs: 3, batchSize: 32, verbose: 0, seed: 4, compile,
        callbacks: [ng.callbacks.lambda({ onEpochEnd: () => { trainer.optimizer.lr *= 0.5; } })] });
      return { w: m.parameters().map((p) => Array.from(p.data as Float32Array)), h: h.toJSON() };
    };
    const before = ng.memoryStats();
    const replay = native.captureReplayAsync;
    let replays = 0;
    (native as { captureReplayAsync: typeof replay }).captureReplayAsync = (p, q, c) => { replays++; return replay(p, q, c); };
    let a;
    try {
      a = await run(true);
    } finally {
      (native as { captureReplayAsync: typeof replay }).captureReplayAsync = replay;
    }
    // 12 steps: per batch shape one record (the warm-up made the state), then replays; every
    // step's kernels run on the runner thread, the recording steps' too (32: 1 + 8, 4: 1 + 2),
    // and the warm-up's three (a one-kernel step, then forward and backward on one sample)
    expect(replays).toBe(3 + 12);
    expect(ng.memoryStats().storages).toBe(before.storages + 1 + 1 + 2); // flat values, grads, adam m/v
    const b = await run(false);
    expect(a).toEqual(b);
  });

  it('is the default for a loss and optimizer by name: the event loop runs while a step\'s kernels wait on the runner', async () => {
    const [x, y] = data(100, 9);
    ng.setSeed(8);
    const m = new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3));
    const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: 'sgd', lr: 0.1 });
    live.push(trainer.optimizer);
    let turnsInStep = -1;
    let timerTicks = 0;
    await trainer.fit([x, y], { epochs: 1, batchSize: 32, verbose: 0, shuffle: false, callbacks: [{
      onBatchBegin: (step: number) => {
        if (step !== 2) return; // steps 0 (record) and 1 ran: step 2 replays
        native.captureRunnerHold(10000);
        turnsInStep = 0;
        const count = () => { turnsInStep++; if (turnsInStep < 5) setImmediate(count); };
        setImmediate(count);
        // the step cannot end before this timer releases the runner: it runs on a free event loop
        setTimeout(() => { timerTicks++; native.captureRunnerHold(0); }, 5);
      },
      onBatchEnd: (step: number) => {
        if (step === 2) expect(timerTicks).toBe(1);
      },
    }] });
    expect(turnsInStep).toBe(5);
    expect(timerTicks).toBe(1);
  });

  it('keeps the event loop turning through the start of a compiled fit: a timer set before fit() fires first, and the warm-up and recording step wait on the runner thread', async () => {
    const [x, y] = data(64, 11);
    ng.setSeed(8);
    const m = new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3));
    const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: 'adam' });
    live.push(trainer.optimizer);
    const before = m.parameters().map((p) => Array.from(p.data as Float32Array));
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    let turns = 0;
    let heldWeights: number[][] = [];
    try {
      await trainer.fit([x, y], { epochs: 1, batchSize: 32, verbose: 0, shuffle: false, callbacks: [{
        onBatchBegin: (step: number) => {
          if (step !== 0) return;
          // the first batch: nothing of the start runs until the runner is released, 30 turns on
          native.captureRunnerHold(10000);
          const spin = () => {
            turns++;
            if (turns === 29) heldWeights = m.parameters().map((p) => Array.from(p.data as Float32Array));
            if (turns < 30) setImmediate(spin);
            else native.captureRunnerHold(0);
          };
          setImmediate(spin);
        },
        onBatchEnd: (step: number) => { order.push(`step ${step} after ${turns} turns`); },
      }] });
    } finally {
      native.captureRunnerHold(0);
    }
    expect(order).toEqual(['timer', 'step 0 after 30 turns', 'step 1 after 30 turns']);
    expect(heldWeights).toEqual(before); // the warm-up changes nothing, and the first update waited
    expect(m.parameters().map((p) => Array.from(p.data as Float32Array))).not.toEqual(before);
  });

  it('records again when a callback changes the model\'s structure (a frozen layer), bit-identically to eager fit()', async () => {
    const [x, y] = data(96, 10);
    const run = async (compile: boolean | undefined) => {
      ng.setSeed(12);
      const m = new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.Tanh(), new ng.nn.Linear(16, 3));
      const trainer = new ng.Trainer({ model: m, loss: 'crossEntropy', optimizer: 'adam' });
      live.push(trainer.optimizer);
      await trainer.fit([x, y], { epochs: 2, batchSize: 32, verbose: 0, seed: 2, compile, callbacks: [{
        onBatchEnd: (step: number) => {
          if (step === 1) m.parameters()[0].requiresGrad = false; // freeze the first layer's weight
        },
      }] });
      return m.parameters().map((p) => Array.from(p.data as Float32Array));
    };
    const a = await run(undefined);
    const b = await run(false);
    expect(a).toEqual(b);
  });

  it('rejects a non-boolean compile', async () => {
    const [x, y] = data(10, 7);
    const trainer = new ng.Trainer({ model: model(), loss: 'crossEntropy' });
    live.push(trainer.optimizer);
    await expect(trainer.fit([x, y], { compile: 'yes' as never, verbose: 0 })).rejects.toThrow(
      /Expected boolean for compile but received/);
  });
});

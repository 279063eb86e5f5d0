import { afterEach, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { bucketSize } from '../../lib/tensor/storage';

// Everything a test creates is disposed after it, so no tensor is left for the garbage
// collector's finalizers (which would change memoryStats() at random times in later tests).
const live: { dispose(): void }[] = [];
function track<T extends { dispose(): void }>(t: T): T {
  live.push(t);
  return t;
}
/** A Trainer whose optimizer state is disposed after the test. */
function mkTrainer(opts: ConstructorParameters<typeof ng.Trainer>[0]): ng.Trainer {
  const t = new ng.Trainer(opts);
  track(t.optimizer);
  return t;
}
afterEach(() => {
  for (const d of live.splice(0).reverse()) {
    try { d.dispose(); } catch { /* already disposed */ }
  }
});

/** Three seeded Gaussian blobs in 2-D, labels 0/1/2 interleaved (so any tail split has every class). */
function blobs(n: number, seed: number) {
  const rng = new ng.Rng(seed);
  const centers = [[-2, 0], [2, 0], [0, 2.5]];
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    x[2 * i] = centers[c][0] + 0.7 * rng.normal();
    x[2 * i + 1] = centers[c][1] + 0.7 * rng.normal();
    y[i] = c;
  }
  return { x: track(ng.fromArray(x, [n, 2])), y: track(ng.fromArray(y, [n])) };
}

/** y = 2 a - b + 0.5 c + noise, x of shape [n, f] (only the first 3 features matter). */
function linearData(n: number, seed: number, f = 4) {
  const rng = new ng.Rng(seed);
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) x[i * f + j] = rng.normal();
    y[i] = 2 * x[i * f] - x[i * f + 1] + 0.5 * x[i * f + 2] + 0.05 * rng.normal();
  }
  return { x: track(ng.fromArray(x, [n, f])), y: track(ng.fromArray(y, [n, 1])) };
}

function classifier(seed = 3) {
  ng.setSeed(seed);
  return track(new ng.nn.Sequential(new ng.nn.Linear(2, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3)));
}

function regressor(seed = 3, f = 4) {
  ng.setSeed(seed);
  return track(new ng.nn.Sequential(new ng.nn.Linear(f, 16), new ng.nn.Tanh(), new ng.nn.Linear(16, 1)));
}

const weightsOf = (m: ng.nn.Module) => m.parameters().map((p) => Array.from(p.data as Float32Array));

describe('Trainer memory', () => {
  it('trainStep frees its intermediates (storage count constant over 50 steps)', () => {
    const { x, y } = linearData(64, 9);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    trainer.trainStep(x, y); // creates the optimizer state
    const s0 = ng.memoryStats();
    const counts: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const l = trainer.trainStep(x, y);
      expect(typeof l).toBe('number');
      counts.push(ng.memoryStats().storages);
      bytes.push(ng.memoryStats().bytesInUse);
    }
    expect(new Set(counts)).toEqual(new Set([s0.storages]));
    expect(new Set(bytes)).toEqual(new Set([s0.bytesInUse]));
  });

  it('bytesInUse does not grow across epochs and returns to model + optimizer + data after fit', async () => {
    const train = linearData(256, 10);
    const val = linearData(64, 11);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01, metrics: ['mae'] });
    const before = ng.memoryStats().bytesInUse; // model (values + grads) + data
    const perEpoch: number[] = [];
    await trainer.fit([train.x, train.y], { epochs: 5, batchSize: 32, validationData: [val.x, val.y], verbose: 0,
      callbacks: [ng.callbacks.lambda({ onEpochEnd: () => { perEpoch.push(ng.memoryStats().bytesInUse); } })] });
    expect(perEpoch).toEqual(new Array(5).fill(perEpoch[0]));
    const stateBuffers = Object.keys(trainer.optimizer.stateDict().buffers).length; // Adam: m and v
    expect(stateBuffers).toBe(2);
    const optimizerBytes = stateBuffers * bucketSize(Math.max(trainer.optimizer.numel, 1) * 4);
    expect(ng.memoryStats().bytesInUse).toBe(before + optimizerBytes);
    // evaluate and a second fit do not leave anything behind either.
    const after = ng.memoryStats().bytesInUse;
    await trainer.evaluate([val.x, val.y]);
    await trainer.fit([train.x, train.y], { epochs: 2, verbose: 0 });
    expect(ng.memoryStats().bytesInUse).toBe(after);
  });

  it('fit with validationSplit frees the train/validation copies it makes', async () => {
    const { x, y } = linearData(200, 12);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    await trainer.fit([x, y], { epochs: 1, verbose: 0 }); // optimizer state now exists
    const s0 = ng.memoryStats();
    await trainer.fit([x, y], { epochs: 2, validationSplit: 0.25, verbose: 0 });
    const s1 = ng.memoryStats();
    expect(s1.storages).toBe(s0.storages);
    expect(s1.bytesInUse).toBe(s0.bytesInUse);
  });
});

describe('Trainer.fit', () => {
  it('returns a History with per-epoch loss, metrics, val_ metrics and lr; the loss decreases', async () => {
    const { x, y } = blobs(300, 1);
    const trainer = mkTrainer({ model: classifier(), loss: 'crossEntropy', optimizer: 'adam', lr: 0.02, metrics: ['accuracy'] });
    const history = await trainer.fit([x, y], { epochs: 8, batchSize: 32, validationSplit: 0.2, verbose: 0, seed: 5 });
    expect(history).toBeInstanceOf(ng.History);
    expect(history.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    for (const v of Object.values(history.history)) {
      expect(v).toHaveLength(8);
      for (const e of v) expect(Number.isFinite(e)).toBe(true);
    }
    const loss = history.history.loss;
    expect(loss[7]).toBeLessThan(loss[0] * 0.5);
    expect(history.history.val_loss[7]).toBeLessThan(history.history.val_loss[0]);
    expect(history.last('accuracy')).toBeGreaterThan(0.9);
    expect(history.last('val_accuracy')).toBeGreaterThan(0.9);
    expect(history.history.lr).toEqual(new Array(8).fill(0.02));
    expect(history.last('nope')).toBeNaN();
    const json = history.toJSON();
    expect(json.epoch).toEqual(history.epoch);
    expect(json.history.loss).toEqual(loss);
    expect(trainer.model.training).toBe(false); // fit leaves the model in eval mode
  });

  it('is deterministic for a fixed seed', async () => {
    const { x, y } = blobs(120, 2);
    const run = async () => {
      const t = mkTrainer({ model: classifier(11), loss: 'crossEntropy', lr: 0.01, metrics: ['accuracy'] });
      return (await t.fit([x, y], { epochs: 3, batchSize: 16, verbose: 0, seed: 9 })).history.loss;
    };
    expect(await run()).toEqual(await run());
  });

  it('validationSplit holds out the LAST rows', async () => {
    const { x, y } = linearData(200, 3);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    const h = await trainer.fit([x, y], { epochs: 1, batchSize: 20, validationSplit: 0.25, verbose: 0, seed: 1 });
    // After the single epoch the weights no longer change, so val_loss is the loss on rows 150..199.
    const last = trainer.evaluateSync([track(x.slice(150, 200)), track(y.slice(150, 200))]);
    const first = trainer.evaluateSync([track(x.slice(0, 50)), track(y.slice(0, 50))]);
    expect(h.history.val_loss[0]).toBeCloseTo(last.loss, 6);
    expect(Math.abs(h.history.val_loss[0] - first.loss)).toBeGreaterThan(1e-4);
  });

  it('validationData as [x, y] gives val_ metrics equal to evaluate() after the last epoch', async () => {
    const train = linearData(160, 4);
    const val = linearData(40, 5);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01, metrics: ['mae', 'r2'] });
    const h = await trainer.fit([train.x, train.y], { epochs: 2, validationData: [val.x, val.y], verbose: 0 });
    const ev = await trainer.evaluate([val.x, val.y]);
    expect(Object.keys(ev).sort()).toEqual(['loss', 'mae', 'r2']);
    expect(h.last('val_loss')).toBeCloseTo(ev.loss, 6);
    expect(h.last('val_mae')).toBeCloseTo(ev.mae, 6);
    expect(h.last('val_r2')).toBeCloseTo(ev.r2, 6);
    // evaluate with a different batch size gives the same numbers.
    const ev7 = trainer.evaluateSync([val.x, val.y], 7);
    expect(ev7.loss).toBeCloseTo(ev.loss, 5);
  });

  it('accepts the loss and optimizer by name, by { type } spec, or as objects (same results)', async () => {
    const { x, y } = linearData(96, 6);
    const fitWith = async (make: (m: ng.nn.Module) => ConstructorParameters<typeof ng.Trainer>[0]) => {
      const model = regressor(21);
      const t = mkTrainer(make(model));
      const h = await t.fit([x, y], { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
      return { loss: h.history.loss, weights: weightsOf(model) };
    };
    const byName = await fitWith((model) => ({ model, loss: 'mse', optimizer: 'sgd', lr: 0.05 }));
    const bySpec = await fitWith((model) => ({ model, loss: 'mse', optimizer: { type: 'sgd', lr: 0.05 } }));
    const byObject = await fitWith((model) => ({ model, loss: (p: ng.Tensor, t: ng.Tensor) => ng.losses.mse(p, t),
      optimizer: track(new ng.optim.SGD(model.parameters(), { lr: 0.05 })) }));
    expect(bySpec).toEqual(byName);
    expect(byObject.loss).toEqual(byName.loss);
    expect(byObject.weights).toEqual(byName.weights);
    expect(byName.loss[2]).toBeLessThan(byName.loss[0]);
  });

  it('uses Adam by default and a given Optimizer instance as is', () => {
    const model = regressor();
    expect(mkTrainer({ model, loss: 'mse' }).optimizer).toBeInstanceOf(ng.optim.Adam);
    const opt = track(new ng.optim.RMSprop(model.parameters(), { lr: 0.003 }));
    const t = mkTrainer({ model, loss: 'mse', optimizer: opt });
    expect(t.optimizer).toBe(opt);
    expect(mkTrainer({ model, loss: 'mse', optimizer: 'adamw', lr: 0.123 }).optimizer.lr).toBe(0.123);
  });

  it('rejects invalid options with exact messages', async () => {
    const model = regressor();
    const { x, y } = linearData(20, 1);
    const t = mkTrainer({ model, loss: 'mse' });
    await expect(t.fit([x, y], { epochs: 0, verbose: 0 })).rejects.toThrow(
      new RangeError('Expected positive integer for epochs but received 0 of type number'));
    await expect(t.fit([x, y], { batchSize: 1.5, verbose: 0 })).rejects.toThrow(
      new RangeError('Expected positive integer for batchSize but received 1.5 of type number'));
    await expect(t.fit([x, y], { validationSplit: 1, verbose: 0 })).rejects.toThrow(
      new RangeError('Expected number in [0, 1) for validationSplit but received 1 of type number'));
    await expect(t.fit([x, y], { epochs: '3' as never, verbose: 0 })).rejects.toThrow(
      new TypeError('Expected positive integer for epochs but received "3" of type string'));
    await expect(t.fit({} as never, { verbose: 0 })).rejects.toThrow(
      new TypeError('Expected Dataset, DataLoader or [x, y] tensors for data but received an object'));
    expect(() => new ng.Trainer({ model, loss: 'mse', optimizer: 'foo' as never })).toThrow(
      new RangeError(`Expected one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad' for optimizer but received "foo" of type string`));
    expect(() => new ng.Trainer({ model, loss: 'mse', metrics: ['foo'] })).toThrow(
      new RangeError(`Expected one of 'accuracy', 'topk', 'top5', 'precision', 'recall', 'f1', 'auc', 'ap', 'map', 'mse', 'mae', 'r2' for metric but received "foo" of type string`));
    expect(() => new ng.Trainer({ model, loss: 'foo' as never })).toThrow(
      new RangeError(`Expected one of 'mse', 'l1', 'mae', 'huber', 'smoothL1', 'bce', 'binaryCrossEntropy', 'bceWithLogits', 'crossEntropy', 'categoricalCrossEntropy', 'nll', 'klDiv', 'hinge' for loss but received "foo" of type string`));
    expect(() => new ng.Trainer({ model: {} as never, loss: 'mse' })).toThrow(
      new TypeError('Expected Module for model but received an object'));
  });

  it('validationSplit with a DataLoader is applied or rejected, never silently ignored', async () => {
    const { x, y } = linearData(100, 13);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse' });
    const loader = new ng.data.DataLoader(ng.data.fromTensors(x, y), { batchSize: 10 });
    const outcome = await trainer.fit(loader, { epochs: 1, validationSplit: 0.2, verbose: 0 })
      .then((h) => Object.keys(h.history).sort().join(','), (e: Error) => `throws ${e.name}`);
    expect(['loss,lr,val_loss', 'throws TypeError', 'throws RangeError']).toContain(outcome);
  });

  it('validationData overrides validationSplit (Keras): every row is trained on, or the combination is rejected', async () => {
    const { x, y } = linearData(100, 14);
    const val = linearData(20, 15);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse' });
    let steps = 0;
    const outcome = await trainer.fit([x, y], { epochs: 1, batchSize: 10, validationSplit: 0.5, validationData: [val.x, val.y],
      verbose: 0, callbacks: [ng.callbacks.lambda({ onBatchEnd: () => { steps++; } })] })
      .then(() => `${steps} steps`, (e: Error) => `throws ${e.name}`);
    expect(['10 steps', 'throws TypeError', 'throws RangeError']).toContain(outcome);
  });

  it('accepts a Dataset or a DataLoader as data, and writes one line per epoch to a non-TTY stream', async () => {
    const { x, y } = linearData(64, 16);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', metrics: ['mae'] });
    const chunks: string[] = [];
    const stream = { isTTY: false, write: (s: string) => { chunks.push(s); return true; } };
    const h1 = await trainer.fit(ng.data.fromTensors(x, y), { epochs: 2, batchSize: 16, stream, validationSplit: 0.25 });
    expect(h1.epoch).toEqual([0, 1]);
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - \d+\.\ds - loss: \d+\.\d{4} - mae: \d+\.\d{4} - lr: 0\.0010 - val_loss: \d+\.\d{4} - val_mae: \d+\.\d{4}$/);
    expect(lines[1]).toMatch(/^Epoch 2\/2 - /);
    let steps = 0;
    const loader = new ng.data.DataLoader(ng.data.fromTensors(x, y), { batchSize: 8, shuffle: false });
    const h2 = await trainer.fit(loader, { epochs: 1, verbose: 0, callbacks: [ng.callbacks.lambda({ onBatchEnd: () => { steps++; } })] });
    expect(steps).toBe(8);
    expect(h2.epoch).toEqual([0]);
    expect(Object.keys(await trainer.evaluate(loader)).sort()).toEqual(['loss', 'mae']);
  });

  it('a pre-aborted signal resolves at once with an empty history', async () => {
    const { x, y } = linearData(40, 1);
    const model = regressor();
    const before = weightsOf(model);
    const h = await mkTrainer({ model, loss: 'mse' }).fit([x, y], { epochs: 5, verbose: 0, signal: AbortSignal.abort() });
    expect(h.epoch).toEqual([]);
    expect(weightsOf(model)).toEqual(before);
  });

  it('an AbortSignal stops fit, which resolves with the history so far', async () => {
    const { x, y } = linearData(200, 2);
    const ac = new AbortController();
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    const h = await trainer.fit([x, y], { epochs: 50, batchSize: 20, verbose: 0, signal: ac.signal, callbacks: [
      ng.callbacks.lambda({ onEpochEnd: (epoch) => { if (epoch === 2) ac.abort(); } }),
    ] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history.loss).toHaveLength(3);

    // Aborted from outside (a timer) in the middle of a long fit.
    const ac2 = new AbortController();
    let steps = 0;
    const p = trainer.fit([x, y], { epochs: 1000, batchSize: 20, verbose: 0, signal: ac2.signal, yieldMs: 0,
      // the timer starts once training runs (the start-up's slices take a while on a loaded machine)
      callbacks: [ng.callbacks.lambda({ onBatchEnd: () => { if (steps++ === 0) setTimeout(() => ac2.abort(), 20); } })] });
    const h2 = await p;
    expect(steps).toBeGreaterThan(0);
    expect(h2.epoch.length).toBeLessThan(1000);
    for (const l of h2.history.loss) expect(Number.isFinite(l)).toBe(true);
  });

  it('keeps the event loop running during fit (a 1 ms interval ticks many times)', async () => {
    const { x, y } = linearData(3000, 7, 32);
    ng.setSeed(1);
    const model = track(new ng.nn.Sequential(new ng.nn.Linear(32, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 128), new ng.nn.ReLU(),
      new ng.nn.Linear(128, 1)));
    const trainer = mkTrainer({ model, loss: 'mse', lr: 1e-3 });
    let ticks = 0;
    let last = performance.now();
    let worstLag = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last);
      last = now;
      ticks++;
    }, 1);
    let batches = 0;
    try {
      await trainer.fit([x, y], { epochs: 4, batchSize: 32, verbose: 0,
        callbacks: [ng.callbacks.lambda({ onBatchEnd: () => { batches++; } })] });
    } finally {
      clearInterval(timer);
    }
    expect(batches).toBe(4 * Math.ceil(3000 / 32));
    // Only that it ticked: timing is never asserted (worst lag recorded for information).
    expect(ticks).toBeGreaterThan(10);
    console.log(`event loop during fit: ${ticks} ticks, worst timer lag ${worstLag.toFixed(1)} ms`);
  });
});

describe('Trainer.evaluate / predict', () => {
  it('batched predict equals unbatched within 1e-6, in eval mode and without grad', async () => {
    const { x, y } = blobs(300, 3);
    ng.setSeed(4);
    const model = track(new ng.nn.Sequential(new ng.nn.Linear(2, 16), new ng.nn.ReLU(), new ng.nn.Dropout(0.5), new ng.nn.Linear(16, 3)));
    const trainer = mkTrainer({ model, loss: 'crossEntropy', lr: 0.01, metrics: ['accuracy'] });
    await trainer.fit([x, y], { epochs: 2, verbose: 0 });
    model.train();
    const all = trainer.predict(x);
    const batched = trainer.predict(x, { batchSize: 7 });
    const fromDataset = trainer.predict(ng.data.fromTensors(x, y), { batchSize: 64 });
    expect(model.training).toBe(true); // restored
    expect(all.shape).toEqual([300, 3]);
    expect(batched.shape).toEqual([300, 3]);
    expect(all.requiresGrad).toBe(false);
    for (const other of [batched, fromDataset]) {
      let maxDiff = 0;
      for (let i = 0; i < all.size; i++) maxDiff = Math.max(maxDiff, Math.abs(all.data[i] - other.data[i]));
      expect(maxDiff).toBeLessThan(1e-6);
    }
    for (const t of [all, batched, fromDataset]) t.dispose();
    expect(() => trainer.predict([1, 2] as never)).toThrow(new TypeError('Expected Tensor or Dataset for x but received an array of length 2'));
    expect(() => trainer.predict(x, { batchSize: 0 })).toThrow(new RangeError('Expected positive integer for batchSize but received 0 of type number'));
  });

  it('predict on int32 inputs (token ids) longer than its batch size equals one pass', () => {
    ng.setSeed(5);
    const model = track(new ng.nn.Sequential(new ng.nn.Embedding(20, 4), new ng.nn.Flatten(), new ng.nn.Linear(12, 2)));
    const trainer = mkTrainer({ model, loss: 'crossEntropy', lr: 0.01 });
    const ids = ng.fromArray(Int32Array.from({ length: 50 * 3 }, (_, i) => (i * 7) % 20), [50, 3]);
    const all = trainer.predict(ids);
    const batched = trainer.predict(ids, { batchSize: 8 });
    expect(batched.shape).toEqual([50, 2]);
    expect(Array.from(batched.data)).toEqual(Array.from(all.data));
    all.dispose();
    batched.dispose();
    ids.dispose();
  });

  it('predict returns a tensor the caller owns (survives later steps, freed by dispose)', () => {
    const { x, y } = linearData(50, 8);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse' });
    const before = ng.memoryStats().storages;
    const p = trainer.predict(x, { batchSize: 16 });
    expect(ng.memoryStats().storages).toBe(before + 1);
    const copy = Array.from(p.data);
    trainer.trainStep(x, y);
    trainer.trainStep(x, y);
    expect(p.isDisposed).toBe(false);
    expect(Array.from(p.data)).toEqual(copy); // not aliased to weights or scratch
    const afterSteps = ng.memoryStats().storages;
    p.dispose();
    expect(ng.memoryStats().storages).toBe(afterSteps - 1);
  });

  it('evaluate reports loss and metrics and leaves the training flag as it was', async () => {
    const { x, y } = blobs(90, 4);
    const trainer = mkTrainer({ model: classifier(), loss: 'crossEntropy', metrics: ['accuracy', 'f1'] });
    trainer.model.train();
    const ev = await trainer.evaluate([x, y], { batchSize: 10 });
    expect(Object.keys(ev).sort()).toEqual(['accuracy', 'f1', 'loss']);
    expect(trainer.model.training).toBe(true);
    // Direct check of the loss against the model's outputs.
    const logits = trainer.predict(x);
    const l = ng.noGrad(() => ng.losses.crossEntropy(logits, y));
    expect(ev.loss).toBeCloseTo(l.item(), 5);
    logits.dispose();
    l.dispose();
  });
});

describe('Trainer: one fit() at a time', () => {
  const SECOND_FIT = 'Expected one fit() at a time for this Trainer but received a second fit() while the first is running ' +
    '(await the first fit(), or stop it with its signal option, before starting another)';

  it('a second fit() while one runs is rejected with a clear error; the first finishes; fit() works again after', async () => {
    const { x, y } = linearData(200, 2);
    const trainer = mkTrainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    const first = trainer.fit([x, y], { epochs: 3, batchSize: 20, verbose: 0 });
    expect(trainer.isFitting).toBe(true);
    await expect(trainer.fit([x, y], { epochs: 1, verbose: 0 })).rejects.toThrow(SECOND_FIT);
    expect((await first).epoch).toEqual([0, 1, 2]);
    expect(trainer.isFitting).toBe(false);

    // from inside one of its own callbacks
    let inner: unknown = null;
    await trainer.fit([x, y], { epochs: 1, verbose: 0, callbacks: [ng.callbacks.lambda({
      onEpochEnd: async () => { inner = await trainer.fit([x, y], { verbose: 0 }).catch((e: Error) => e.message); },
    })] });
    expect(inner).toBe(SECOND_FIT);

    // a fit() that fails releases the trainer
    await expect(trainer.fit([x, y], { epochs: 0 })).rejects.toThrow('Expected positive integer for epochs');
    expect(trainer.isFitting).toBe(false);
    expect((await trainer.fit([x, y], { epochs: 1, verbose: 0 })).epoch).toEqual([0]);
  });

  it('evaluate() during fit() evaluates the weights of the moment it starts; training resumes in train mode', async () => {
    const { x, y } = linearData(1500, 5);
    ng.setSeed(8);
    const model = track(new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.Tanh(), new ng.nn.Dropout(0.2), new ng.nn.Linear(16, 1)));
    const trainer = mkTrainer({ model, loss: 'mse', lr: 0.05 });
    const modes: boolean[] = [];
    let want: Record<string, number> | null = null;
    let pending: Promise<Record<string, number>> | null = null;
    let yieldedWhilePending = false;
    const h = await trainer.fit([x, y], { epochs: 2, batchSize: 50, verbose: 0, yieldMs: 0, callbacks: [ng.callbacks.lambda({
      onBatchEnd: (step) => {
        modes.push(model.training);
        if (step !== 3 || pending) return;
        want = trainer.evaluateSync([x, y], 1); // the weights now, evaluated without yielding
        let settled = false;
        pending = trainer.evaluate([x, y], { batchSize: 1 }); // not awaited: fit goes on concurrently
        void pending.then(() => { settled = true; });
        setImmediate(() => { yieldedWhilePending = !settled; });
      },
    })] });
    expect(h.epoch).toEqual([0, 1]);
    expect(yieldedWhilePending).toBe(true); // the evaluation did overlap the running fit()
    expect(await pending).toEqual(want);
    expect(modes).toHaveLength(2 * 30);
    expect(modes.every((m) => m)).toBe(true);
  });
});

/**
 * Trainer.fit({ worker: true }): training on a worker thread. The worker runs the compiled
 * library (dist/train/worker-entry.js), so dist/ is (re)built first when missing or stale.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { ensureDist } from '../cli/ensure-dist';

beforeAll(async () => {
  await ensureDist();
}, 180_000);

/** y = 2 a - b + 0.5 c + noise. */
function linearData(n: number, seed: number, f = 3) {
  const rng = new ng.Rng(seed);
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) x[i * f + j] = rng.normal();
    y[i] = 2 * x[i * f] - x[i * f + 1] + 0.5 * x[i * f + 2] + 0.05 * rng.normal();
  }
  return { x: ng.fromArray(x, [n, f]), y: ng.fromArray(y, [n, 1]) };
}

function regressor(seed = 3, f = 3, hidden = 16) {
  ng.setSeed(seed);
  return new ng.nn.Sequential(new ng.nn.Linear(f, hidden), new ng.nn.Tanh(), new ng.nn.Linear(hidden, 1));
}

const weightsOf = (m: ng.nn.Module) => m.parameters().map((p) => Array.from(p.data as Float32Array));

describe('fit({ worker: true })', () => {
  it('trains on a worker: the loss decreases and the caller\'s model gets the trained weights', async () => {
    const train = linearData(300, 1);
    const val = linearData(60, 2);
    const model = regressor();
    const before = weightsOf(model);
    const trainer = new ng.Trainer({ model, loss: 'mse', optimizer: 'adam', lr: 0.01, metrics: ['mae'] });
    const epochs: number[] = [];
    const seenLogs: Record<string, number>[] = [];
    const order: string[] = [];
    const h = await trainer.fit([train.x, train.y], { epochs: 6, batchSize: 32, validationData: [val.x, val.y], worker: true, verbose: 0,
      callbacks: [ng.callbacks.lambda({
        onTrainBegin: () => { order.push('trainBegin'); },
        onEpochEnd: (e, logs) => { epochs.push(e); seenLogs.push({ ...logs }); order.push(`epochEnd ${e}`); },
        onTrainEnd: () => { order.push('trainEnd'); },
      })] });
    expect(h).toBeInstanceOf(ng.History);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'lr', 'mae', 'val_loss', 'val_mae']);
    expect(h.history.loss[5]).toBeLessThan(h.history.loss[0] * 0.5);
    // onEpochEnd ran on the main thread, once per epoch, with the epoch's logs.
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seenLogs.map((l) => l.loss)).toEqual(h.history.loss);
    expect(order[0]).toBe('trainBegin');
    expect(order[order.length - 1]).toBe('trainEnd');
    // The caller's model changed, and holds exactly the weights the worker ended with: its
    // validation loss equals the last epoch's val_loss computed in the worker.
    expect(weightsOf(model)).not.toEqual(before);
    const ev = trainer.evaluateSync([val.x, val.y]);
    expect(ev.loss).toBeCloseTo(h.last('val_loss'), 5);
    expect(ev.mae).toBeCloseTo(h.last('val_mae'), 5);
    expect(model.training).toBe(false);
  });

  it('onEpochBegin callbacks fire on the main thread too (they are documented as supported)', async () => {
    const { x, y } = linearData(64, 3);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    const begun: number[] = [];
    await trainer.fit([x, y], { epochs: 3, worker: true, verbose: 0,
      callbacks: [ng.callbacks.lambda({ onEpochBegin: (e) => { begun.push(e); } })] });
    expect(begun).toEqual([0, 1, 2]);
  });

  it('validationSplit works through the worker (last rows held out)', async () => {
    const { x, y } = linearData(200, 4);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    const h = await trainer.fit([x, y], { epochs: 2, validationSplit: 0.25, worker: true, verbose: 0 });
    expect(h.history.val_loss).toHaveLength(2);
    const ev = trainer.evaluateSync([x.slice(150, 200), y.slice(150, 200)]);
    expect(ev.loss).toBeCloseTo(h.last('val_loss'), 5);
  });

  it('earlyStopping works through it (with restoreBestWeights)', async () => {
    const { x, y } = linearData(200, 5);
    const model = regressor(8);
    const trainer = new ng.Trainer({ model, loss: 'mse', optimizer: 'sgd', lr: 0.05 });
    // Nothing after the first epoch counts as an improvement, so it stops at epoch 1 (patience 0).
    const es = ng.callbacks.earlyStopping({ monitor: 'val_loss', patience: 0, minDelta: 1e9, restoreBestWeights: true });
    const h = await trainer.fit([x, y], { epochs: 20, validationSplit: 0.25, worker: true, verbose: 0, callbacks: [es] });
    expect(h.epoch).toEqual([0, 1]);
    // Weights restored to epoch 0's: the validation loss is the first epoch's.
    const ev = trainer.evaluateSync([x.slice(150, 200), y.slice(150, 200)]);
    expect(ev.loss).toBeCloseTo(h.history.val_loss[0], 5);
  });

  it('the caller\'s earlyStopping reports where it stopped (bestEpoch, stoppedEpoch)', async () => {
    const { x, y } = linearData(100, 6);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    const es = ng.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 1e9 });
    const h = await trainer.fit([x, y], { epochs: 10, worker: true, verbose: 0, callbacks: [es] });
    expect(h.epoch).toEqual([0, 1]);
    expect(es.bestEpoch).toBe(0);
    expect(es.stoppedEpoch).toBe(1);
  });

  it('rejects batch-level callbacks and function losses with exact messages', async () => {
    const { x, y } = linearData(32, 7);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    await expect(trainer.fit([x, y], { worker: true, verbose: 0, callbacks: [ng.callbacks.lambda({ onBatchEnd: () => {} })] }))
      .rejects.toThrow(new TypeError('Expected callbacks that only use onTrainBegin/onEpochBegin/onEpochEnd/onTrainEnd (or earlyStopping) ' +
        'with fit({ worker: true }) but received Object with batch hooks or trainer access'));
    await expect(trainer.fit([x, y], { worker: true, verbose: 0, callbacks: [ng.callbacks.nanGuard()] }))
      .rejects.toThrow('but received NanGuard with batch hooks or trainer access');
    const fnLoss = new ng.Trainer({ model: regressor(), loss: (p: ng.Tensor, t: ng.Tensor) => ng.losses.mse(p, t) });
    await expect(fnLoss.fit([x, y], { worker: true, verbose: 0 })).rejects.toThrow(new TypeError(
      'Expected a loss, optimizer and metrics given by name for fit({ worker: true }) but received a function or an object ' +
      '(they cannot be sent to another thread)'));
    const model = regressor();
    const objOpt = new ng.Trainer({ model, loss: 'mse', optimizer: new ng.optim.SGD(model.parameters(), { lr: 0.1 }) });
    await expect(objOpt.fit([x, y], { worker: true, verbose: 0 })).rejects.toThrow(
      'Expected a loss, optimizer and metrics given by name for fit({ worker: true })');
  });

  it('keeps the main event loop free (a 1 ms interval ticks throughout) and can be aborted', async () => {
    const { x, y } = linearData(4000, 8, 32);
    const trainer = new ng.Trainer({ model: regressor(1, 32, 128), loss: 'mse', lr: 1e-3 });
    let ticks = 0;
    let last = performance.now();
    let worstLag = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last);
      last = now;
      ticks++;
    }, 1);
    let h: ng.History;
    try {
      h = await trainer.fit([x, y], { epochs: 4, batchSize: 32, worker: true, verbose: 0 });
    } finally {
      clearInterval(timer);
    }
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(ticks).toBeGreaterThan(10); // only that it ticked; timing is never asserted
    console.log(`event loop during worker fit: ${ticks} ticks, worst timer lag ${worstLag.toFixed(1)} ms`);

    // Abort after the first epoch message: fit resolves early with the history so far.
    const ac = new AbortController();
    const h2 = await trainer.fit([x, y], { epochs: 200, batchSize: 32, worker: true, verbose: 0, signal: ac.signal,
      callbacks: [ng.callbacks.lambda({ onEpochEnd: () => ac.abort() })] });
    expect(h2.epoch.length).toBeGreaterThanOrEqual(1);
    expect(h2.epoch.length).toBeLessThan(200);
  });

  it('writes one progress line per epoch to a non-TTY stream', async () => {
    const { x, y } = linearData(64, 9);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    const chunks: string[] = [];
    await trainer.fit([x, y], { epochs: 2, worker: true, verbose: 1, stream: { isTTY: false, write: (s: string) => { chunks.push(s); return true; } } });
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - /);
    expect(lines[1]).toMatch(/^Epoch 2\/2 - .*loss: /);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-callbacks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

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

function regressor(seed = 3) {
  ng.setSeed(seed);
  return new ng.nn.Sequential(new ng.nn.Linear(3, 8), new ng.nn.Tanh(), new ng.nn.Linear(8, 1));
}

const weightsOf = (m: ng.nn.Module) => m.parameters().map((p) => Array.from(p.data as Float32Array));

/** A callback that replaces the epoch's val_loss with a scripted value (for callbacks after it). */
const scriptVal = (values: number[], key = 'val_loss') =>
  ng.callbacks.lambda({ onEpochEnd: (epoch, logs) => { logs[key] = values[Math.min(epoch, values.length - 1)]; } });

/** Feeds synthetic epoch logs to an EarlyStopping wired to a trainer; returns the epochs run. */
function drive(es: ng.callbacks.EarlyStopping, trainer: ng.Trainer, values: number[], key = 'val_loss',
  onEpoch?: (epoch: number) => void): number {
  es.setTrainer(trainer);
  trainer.stopTraining = false;
  es.onTrainBegin();
  let epoch = 0;
  for (; epoch < values.length && !trainer.stopTraining; epoch++) {
    onEpoch?.(epoch);
    es.onEpochEnd(epoch, { loss: 1, [key]: values[epoch] });
  }
  es.onTrainEnd();
  return epoch;
}

describe('earlyStopping', () => {
  const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });

  it('patience 0 stops at the first epoch without improvement', () => {
    const es = ng.callbacks.earlyStopping({ patience: 0 });
    expect(drive(es, trainer, [1, 0.9, 0.95, 0.5])).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.bestEpoch).toBe(1);
    expect(es.best).toBe(0.9);
  });

  it('patience N stops after N epochs without improvement (Keras semantics, and the doc comment)', () => {
    // Best at epoch 1; epochs 2 and 3 do not improve: "not improved for 2 epochs" -> stop at epoch 3.
    const es = ng.callbacks.earlyStopping({ patience: 2 });
    drive(es, trainer, [1.0, 0.9, 0.95, 0.96, 0.97, 0.5]);
    expect(es.bestEpoch).toBe(1);
    expect(es.stoppedEpoch).toBe(3);
  });

  it('an improvement resets the patience counter; no stop when it keeps improving', () => {
    const es = ng.callbacks.earlyStopping({ patience: 2 });
    expect(drive(es, trainer, [1, 1.1, 0.8, 0.85, 0.7, 0.6])).toBe(6);
    expect(es.stoppedEpoch).toBe(-1);
    expect(es.bestEpoch).toBe(5);
  });

  it('minDelta: smaller improvements do not count', () => {
    const es = ng.callbacks.earlyStopping({ patience: 0, minDelta: 0.1 });
    // 0.85 improves on 1.0 by more than 0.1; 0.8 improves on 0.85 by only 0.05 -> stop.
    expect(drive(es, trainer, [1.0, 0.85, 0.8, 0.1])).toBe(3);
    expect(es.best).toBe(0.85);
    expect(es.stoppedEpoch).toBe(2);
    // A negative minDelta is taken as its absolute value (Keras).
    expect(ng.callbacks.earlyStopping({ minDelta: -0.1 }).minDelta).toBe(0.1);
  });

  it('mode: auto picks max for accuracy-like metrics; explicit max/min', () => {
    const acc = ng.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 0 });
    expect(acc.mode).toBe('max');
    expect(drive(acc, trainer, [0.5, 0.6, 0.55, 0.9], 'val_accuracy')).toBe(3);
    expect(acc.best).toBe(0.6);
    expect(ng.callbacks.earlyStopping({ monitor: 'val_loss' }).mode).toBe('min');
    expect(ng.callbacks.earlyStopping({ monitor: 'val_r2' }).mode).toBe('max');
    const max = ng.callbacks.earlyStopping({ monitor: 'val_loss', mode: 'max', patience: 0 });
    expect(drive(max, trainer, [1, 2, 1.5])).toBe(3);
    expect(max.best).toBe(2);
  });

  it('restoreBestWeights puts back the best epoch\'s weights when it stops', () => {
    const model = regressor(5);
    const t = new ng.Trainer({ model, loss: 'mse' });
    const es = ng.callbacks.earlyStopping({ patience: 1, restoreBestWeights: true });
    // Each "epoch" sets every weight to the epoch number; epoch 1 is the best.
    drive(es, t, [1, 0.5, 0.7, 0.8, 0.9, 1.0], 'val_loss', (epoch) => {
      for (const p of model.parameters()) (p.data as Float32Array).fill(epoch);
    });
    expect(es.stoppedEpoch).toBeGreaterThan(1);
    for (const w of weightsOf(model)) expect(new Set(w)).toEqual(new Set([1]));

    // Without restoreBestWeights the last weights stay.
    const es2 = ng.callbacks.earlyStopping({ patience: 1 });
    let last = -1;
    drive(es2, t, [1, 0.5, 0.7, 0.8, 0.9, 1.0], 'val_loss', (epoch) => {
      last = epoch;
      for (const p of model.parameters()) (p.data as Float32Array).fill(epoch);
    });
    for (const w of weightsOf(model)) expect(new Set(w)).toEqual(new Set([last]));
  });

  it('a missing monitored value and bad options are exact errors', () => {
    const es = ng.callbacks.earlyStopping();
    es.setTrainer(trainer);
    es.onTrainBegin();
    expect(() => es.onEpochEnd(0, { loss: 1, lr: 0.001 })).toThrow(new Error(
      "Expected the monitored value 'val_loss' in the epoch logs for earlyStopping but received only loss, lr " +
      '(validation metrics need validationData or validationSplit)'));
    expect(() => ng.callbacks.earlyStopping({ patience: -1 })).toThrow(
      new RangeError('Expected non-negative integer for patience but received -1 of type number'));
    expect(() => ng.callbacks.earlyStopping({ mode: 'up' as never })).toThrow(
      new RangeError(`Expected one of 'min', 'max', 'auto' for mode but received "up" of type string`));
  });

  it('in a real fit: stops, and restores the best epoch\'s weights', async () => {
    const { x, y } = linearData(120, 1);
    const model = regressor(7);
    const trainer2 = new ng.Trainer({ model, loss: 'mse', lr: 0.01 });
    const snapshots: number[][][] = [];
    const es = ng.callbacks.earlyStopping({ patience: 1, restoreBestWeights: true });
    const h = await trainer2.fit([x, y], { epochs: 20, batchSize: 16, validationSplit: 0.25, verbose: 0, callbacks: [
      scriptVal([3, 2, 1, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0]),
      ng.callbacks.lambda({ onEpochEnd: () => { snapshots.push(weightsOf(model)); } }),
      es,
    ] });
    expect(es.bestEpoch).toBe(2);
    expect(es.stoppedEpoch).toBeGreaterThan(2);
    expect(h.epoch).toHaveLength(es.stoppedEpoch + 1);
    expect(weightsOf(model)).toEqual(snapshots[2]);
    expect(weightsOf(model)).not.toEqual(snapshots[snapshots.length - 1]);
    // History keeps the real val_loss (the script only changed what later callbacks saw).
    expect(h.history.val_loss[0]).not.toBe(3);
  });

  it('in a real fit without validation data, monitor "loss" works and "val_loss" is an error', async () => {
    const { x, y } = linearData(64, 2);
    const trainer3 = new ng.Trainer({ model: regressor(), loss: 'mse', lr: 0.01 });
    // minDelta so large that nothing after the first epoch counts as an improvement.
    const h = await trainer3.fit([x, y], { epochs: 10, verbose: 0,
      callbacks: [ng.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 1e9 })] });
    expect(h.epoch).toEqual([0, 1]);
    await expect(trainer3.fit([x, y], { epochs: 2, verbose: 0, callbacks: [ng.callbacks.earlyStopping()] })).rejects.toThrow(
      "Expected the monitored value 'val_loss' in the epoch logs for earlyStopping but received only loss, lr");
  });
});

describe('modelCheckpoint', () => {
  it('saveBestOnly writes only improving epochs, loadable with ng.io.load', async () => {
    const { x, y } = linearData(80, 3);
    const model = regressor(9);
    const trainer = new ng.Trainer({ model, loss: 'mse', lr: 0.01 });
    const snapshots: number[][][] = [];
    const file = path.join(tmp, 'best', 'model-{epoch}.safetensors');
    const mc = ng.callbacks.modelCheckpoint(file, { monitor: 'val_loss' });
    await trainer.fit([x, y], { epochs: 4, validationSplit: 0.25, verbose: 0, callbacks: [
      scriptVal([3, 1, 2, 0.5]),
      ng.callbacks.lambda({ onEpochEnd: () => { snapshots.push(weightsOf(model)); } }),
      mc,
    ] });
    const names = [1, 2, 4].map((e) => path.join(tmp, 'best', `model-${e}.safetensors`));
    expect(mc.saved).toEqual(names);
    expect(fs.readdirSync(path.join(tmp, 'best')).sort()).toEqual(['model-1.safetensors', 'model-2.safetensors', 'model-4.safetensors']);
    expect(mc.best).toBe(0.5);
    const loaded2 = await ng.io.load(names[1]);
    expect(weightsOf(loaded2)).toEqual(snapshots[1]);
    const { model: loaded4, metadata } = await ng.io.loadWithInfo(names[2]);
    expect(weightsOf(loaded4)).toEqual(weightsOf(model));
    expect(metadata.epoch).toBe('4');
    expect(metadata.val_loss).toBe('0.5');
    // The loaded model predicts like the trained one.
    const p1 = trainer.predict(x);
    const p2 = ng.noGrad(() => loaded4.forward(x));
    expect(Array.from(p2.data)).toEqual(Array.from(p1.data));
  });

  it('saveBestOnly false writes every epoch to the same path (overwritten)', async () => {
    const { x, y } = linearData(40, 4);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    const file = path.join(tmp, 'every.safetensors');
    const mc = ng.callbacks.modelCheckpoint(file, { saveBestOnly: false });
    await trainer.fit([x, y], { epochs: 3, verbose: 0, callbacks: [mc] });
    expect(mc.saved).toEqual([file, file, file]);
    expect(weightsOf(await ng.io.load(file))).toEqual(weightsOf(trainer.model));
  });
});

describe('lrScheduler', () => {
  it('StepLR halves the lr every epoch (history.lr is the lr each epoch trained with)', async () => {
    const { x, y } = linearData(40, 5);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse', optimizer: 'sgd', lr: 0.1 });
    const h = await trainer.fit([x, y], { epochs: 4, verbose: 0,
      callbacks: [ng.callbacks.lrScheduler(new ng.optim.StepLR(trainer.optimizer, 1, 0.5))] });
    expect(h.history.lr).toEqual([0.1, 0.05, 0.025, 0.0125]);
    expect(trainer.optimizer.lr).toBe(0.00625);
  });

  it('function form: fn(epoch, lr) -> lr, called with the next (1-based) epoch', async () => {
    const { x, y } = linearData(40, 6);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse', optimizer: 'sgd', lr: 0.1 });
    const calls: [number, number][] = [];
    const h = await trainer.fit([x, y], { epochs: 3, verbose: 0, callbacks: [ng.callbacks.lrScheduler((epoch, lr) => {
      calls.push([epoch, lr]);
      return 0.1 / (epoch + 1);
    })] });
    expect(calls).toEqual([[1, 0.1], [2, 0.05], [3, 0.1 / 3]]);
    expect(h.history.lr).toEqual([0.1, 0.05, 0.1 / 3]);
    await expect(trainer.fit([x, y], { epochs: 1, verbose: 0, callbacks: [ng.callbacks.lrScheduler(() => NaN)] })).rejects.toThrow(
      new RangeError('Expected finite number for scheduled lr but received NaN of type number'));
    expect(() => ng.callbacks.lrScheduler(42 as never)).toThrow(
      new TypeError('Expected LR scheduler or function (epoch, lr) => lr for scheduler but received 42 of type number'));
  });

  it('ReduceLROnPlateau is fed the monitored value (val_loss)', async () => {
    const { x, y } = linearData(60, 7);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse', optimizer: 'sgd', lr: 0.1 });
    const plateau = new ng.optim.ReduceLROnPlateau(trainer.optimizer, { patience: 0, factor: 0.5 });
    const h = await trainer.fit([x, y], { epochs: 4, validationSplit: 0.25, verbose: 0,
      callbacks: [scriptVal([1, 1, 1, 1]), ng.callbacks.lrScheduler(plateau)] });
    expect(h.history.lr).toEqual([0.1, 0.1, 0.05, 0.025]);
    // monitor option: a metric that keeps improving never reduces the lr.
    const trainer2 = new ng.Trainer({ model: regressor(), loss: 'mse', optimizer: 'sgd', lr: 0.1 });
    const p2 = new ng.optim.ReduceLROnPlateau(trainer2.optimizer, { patience: 0, factor: 0.5 });
    const h2 = await trainer2.fit([x, y], { epochs: 4, validationSplit: 0.25, verbose: 0,
      callbacks: [scriptVal([4, 3, 2, 1], 'val_custom'), scriptVal([1, 1, 1, 1]), ng.callbacks.lrScheduler(p2, { monitor: 'val_custom' })] });
    expect(h2.history.lr).toEqual([0.1, 0.1, 0.1, 0.1]);
  });
});

describe('csvLogger', () => {
  it('writes a header and one row per epoch matching the history', async () => {
    const { x, y } = linearData(60, 8);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse', lr: 0.01, metrics: ['mae'] });
    const file = path.join(tmp, 'logs', 'train.csv');
    const h = await trainer.fit([x, y], { epochs: 3, validationSplit: 0.2, verbose: 0, callbacks: [ng.callbacks.csvLogger(file)] });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,loss,mae,val_loss,val_mae,lr');
    expect(lines).toHaveLength(4);
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',').map(Number);
      expect(cells[0]).toBe(i + 1);
      expect(cells[1]).toBe(h.history.loss[i]);
      expect(cells[3]).toBe(h.history.val_loss[i]);
      expect(cells[5]).toBe(h.history.lr[i]);
    });
    // A second fit overwrites; append keeps the old rows and writes no second header.
    await trainer.fit([x, y], { epochs: 1, validationSplit: 0.2, verbose: 0, callbacks: [ng.callbacks.csvLogger(file)] });
    expect(fs.readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    await trainer.fit([x, y], { epochs: 2, validationSplit: 0.2, verbose: 0, callbacks: [ng.callbacks.csvLogger(file, { append: true })] });
    const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(all).toHaveLength(4);
    expect(all.filter((l) => l.startsWith('epoch,'))).toHaveLength(1);
  });
});

describe('nanGuard', () => {
  it('NaN in the data stops fit with an error naming the epoch and step', async () => {
    const { x, y } = linearData(50, 9);
    (x.data as Float32Array)[25 * 3 + 1] = NaN; // row 25 -> batch 3 (batchSize 10, no shuffle)
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    const err = await trainer.fit([x, y], { epochs: 2, batchSize: 10, shuffle: false, verbose: 0,
      callbacks: [ng.callbacks.nanGuard()] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ng.callbacks.NonFiniteLossError);
    expect((err as Error).message).toBe('Training stopped: the loss became NaN at epoch 1, step 3 ' +
      '(try a lower learning rate, gradient clipping, or check the data for NaN)');
    expect((err as ng.callbacks.NonFiniteLossError).epoch).toBe(0);
    expect((err as ng.callbacks.NonFiniteLossError).step).toBe(2);
  });

  it('a huge learning rate makes the loss blow up and the guard names the step', async () => {
    const { x, y } = linearData(200, 10);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse', optimizer: 'sgd', lr: 1e6 });
    const err = await trainer.fit([x, y], { epochs: 20, batchSize: 10, verbose: 0, callbacks: [ng.callbacks.nanGuard()] })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ng.callbacks.NonFiniteLossError);
    expect((err as Error).message).toMatch(/^Training stopped: the loss became (NaN|Infinity) at epoch \d+, step \d+ \(try a lower learning rate/);
  });
});

describe('lambda and user callbacks', () => {
  it('calls every hook in order with 0-based epochs and steps', async () => {
    const { x, y } = linearData(30, 11);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    const events: string[] = [];
    const cb = ng.callbacks.lambda({
      onTrainBegin: () => { events.push('trainBegin'); },
      onEpochBegin: (e) => { events.push(`epochBegin ${e}`); },
      onBatchBegin: (s) => { events.push(`batchBegin ${s}`); },
      onBatchEnd: (s, logs) => { events.push(`batchEnd ${s} ${Number.isFinite(logs.loss)}`); },
      onEpochEnd: async (e, logs) => { await new Promise((r) => setTimeout(r, 1)); events.push(`epochEnd ${e} ${Object.keys(logs).join('|')}`); },
      onTrainEnd: () => { events.push('trainEnd'); },
    });
    await trainer.fit([x, y], { epochs: 2, batchSize: 16, verbose: 0, callbacks: [cb] });
    expect(events).toEqual([
      'trainBegin',
      'epochBegin 0', 'batchBegin 0', 'batchEnd 0 true', 'batchBegin 1', 'batchEnd 1 true', 'epochEnd 0 loss|lr',
      'epochBegin 1', 'batchBegin 0', 'batchEnd 0 true', 'batchBegin 1', 'batchEnd 1 true', 'epochEnd 1 loss|lr',
      'trainEnd',
    ]);
  });

  it('setting trainer.stopTraining from a callback ends fit after the epoch', async () => {
    const { x, y } = linearData(30, 12);
    const trainer = new ng.Trainer({ model: regressor(), loss: 'mse' });
    class StopAfterTwo implements ng.Callback {
      t: ng.Trainer | null = null;
      setTrainer(t: ng.Trainer) { this.t = t; }
      onEpochEnd(epoch: number) { if (epoch === 1) this.t!.stopTraining = true; }
    }
    const h = await trainer.fit([x, y], { epochs: 10, verbose: 0, callbacks: [new StopAfterTwo()] });
    expect(h.epoch).toEqual([0, 1]);
  });

  it('rejects invalid hook names and non-functions with exact messages', () => {
    expect(() => ng.callbacks.lambda({ onFoo: () => {} } as never)).toThrow(new TypeError(
      'Expected callback hook name (onTrainBegin, onEpochEnd, onBatchEnd, ...) for hooks but received "onFoo"'));
    expect(() => ng.callbacks.lambda({ onEpochEnd: 1 } as never)).toThrow(
      new TypeError('Expected function for onEpochEnd but received 1 of type number'));
    expect(() => ng.callbacks.lambda(null as never)).toThrow(new TypeError('Expected object for hooks but received null'));
  });
});

describe('trainingCheckpoint callback', () => {
  it('writes a training checkpoint every N epochs; fit can resume from it', async () => {
    const { x, y } = linearData(48, 13);
    const file = path.join(tmp, 'ckpt', 'run-{epoch}.ckpt');
    const ck = ng.callbacks.trainingCheckpoint(file, { every: 2 });
    const trainer = new ng.Trainer({ model: regressor(17), loss: 'mse', lr: 0.01 });
    const full = await trainer.fit([x, y], { epochs: 4, batchSize: 8, verbose: 0, seed: 3, callbacks: [ck] });
    expect(ck.saved).toEqual([2, 4].map((e) => path.join(tmp, 'ckpt', `run-${e}.ckpt`)));
    const c2 = await ng.io.readCheckpoint(ck.saved[0]);
    expect(c2.epoch).toBe(2);
    expect(c2.history?.epoch).toEqual([0, 1]);
    const c4 = await ng.io.readCheckpoint(ck.saved[1]);
    expect(c4.epoch).toBe(4);
    // Resuming from epoch 2 reproduces the uninterrupted run.
    const trainer2 = new ng.Trainer({ model: regressor(99), loss: 'mse', lr: 0.01 });
    const resumed = await trainer2.fit([x, y], { epochs: 4, batchSize: 8, verbose: 0, seed: 3, resumeFrom: ck.saved[0] });
    expect(resumed.epoch).toEqual([0, 1, 2, 3]);
    expect(resumed.history.loss).toEqual(full.history.loss);
    expect(weightsOf(trainer2.model)).toEqual(weightsOf(trainer.model));
  });
});

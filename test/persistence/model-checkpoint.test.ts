// ng.callbacks.modelCheckpoint: writes the best model (monitor val_loss by default) as a
// nodegrad model file; the file loads with no code and holds exactly the best epoch's weights.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ng from '../../lib';
import { buildScenario, snapshot, snapshotDiff } from './scenario';
import { tempDir } from './helpers';

let dir: string;
beforeAll(() => { dir = tempDir('mcp'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const EPOCHS = 6;

/** Epoch indices where the running best (min or max) of values improved. */
function improvements(values: number[], mode: 'min' | 'max'): number[] {
  const out: number[] = [];
  let best = NaN;
  values.forEach((v, i) => {
    if (Number.isNaN(best) || (mode === 'min' ? v < best : v > best)) {
      best = v;
      out.push(i);
    }
  });
  return out;
}

/** Weights at the end of every epoch (a callback that runs in onEpochEnd like modelCheckpoint). */
function weightsRecorder(model: () => ng.nn.Module) {
  const perEpoch: Record<string, number[]>[] = [];
  const cb = ng.callbacks.lambda({ onEpochEnd: () => { perEpoch.push(snapshot(model())); } });
  return { cb, perEpoch };
}

describe('modelCheckpoint', () => {
  it('monitor val_loss (default): the file holds the best epoch\'s weights, loads, and re-evaluates to the logged val_loss', async () => {
    const file = path.join(dir, 'best.safetensors');
    const mc = ng.callbacks.modelCheckpoint(file);
    let model: ng.nn.Module | null = null;
    const rec = weightsRecorder(() => model!);
    // A high learning rate and no scheduler step-down make val_loss go up as well as down.
    const s = buildScenario();
    model = s.model;
    s.trainer.optimizer.lr = 0.05;
    const hist = await s.trainer.fit(s.data, { ...s.fitOptions, callbacks: [mc, rec.cb], epochs: EPOCHS });

    const val = hist.history.val_loss;
    expect(val).toHaveLength(EPOCHS);
    const improved = improvements(val, 'min');
    expect(improved.length).toBeLessThan(EPOCHS); // some epochs were worse and not written
    const best = improved[improved.length - 1];
    expect(mc.saved).toEqual(improved.map(() => file));
    expect(mc.best).toBe(val[best]);

    const info = await ng.io.loadWithInfo(file);
    expect(info.metadata.epoch).toBe(String(best + 1));
    expect(info.metadata.val_loss).toBe(String(val[best]));
    expect(info.metadata.loss).toBe(String(hist.history.loss[best]));
    expect(info.model.getConfig()).toEqual(s.model.getConfig());
    expect(snapshotDiff(snapshot(info.model), rec.perEpoch[best])).toEqual({});

    // The validation rows are the last quarter (validationSplit 0.25); the loaded model scores
    // exactly the logged val_loss on them (same batch size, same kernels).
    const [x, y] = s.data;
    const n = x.shape[0];
    const nVal = Math.floor(n * 0.25);
    const valSet = ng.data.subset(ng.data.fromTensors(x, y), Int32Array.from({ length: nVal }, (_, i) => n - nVal + i));
    const t = new ng.Trainer({ model: info.model, loss: 'crossEntropy', metrics: ['accuracy'] });
    const ev = await t.evaluate(valSet, { batchSize: 32 });
    expect(ev.loss).toBe(val[best]);
    expect(ev.accuracy).toBe(hist.history.val_accuracy[best]);
  });

  it('{epoch} in the path and monitor val_accuracy (auto -> max): one file per improvement, none otherwise', async () => {
    const pattern = path.join(dir, 'acc', 'model-{epoch}.safetensors');
    const mc = ng.callbacks.modelCheckpoint(pattern, { monitor: 'val_accuracy' });
    const s = buildScenario({ dropout: false });
    s.trainer.optimizer.lr = 0.05;
    const hist = await s.trainer.fit(s.data, { ...s.fitOptions, callbacks: [mc], epochs: EPOCHS });
    const improved = improvements(hist.history.val_accuracy, 'max');
    expect(improved.length).toBeLessThan(EPOCHS);
    const expected = improved.map((e) => pattern.replace('{epoch}', String(e + 1)));
    expect(mc.saved).toEqual(expected);
    expect(fs.readdirSync(path.dirname(pattern)).sort()).toEqual(expected.map((p) => path.basename(p)).sort());
    for (const [i, p] of expected.entries()) {
      const info = await ng.io.loadWithInfo(p);
      expect(info.metadata.val_accuracy).toBe(String(hist.history.val_accuracy[improved[i]]));
    }
  });

  it('saveBestOnly false writes every epoch', async () => {
    const pattern = path.join(dir, 'all', 'e{epoch}.safetensors');
    const mc = ng.callbacks.modelCheckpoint(pattern, { saveBestOnly: false });
    const s = buildScenario({ dropout: false });
    await s.trainer.fit(s.data, { ...s.fitOptions, callbacks: [mc], epochs: 3 });
    expect(mc.saved).toEqual([1, 2, 3].map((e) => pattern.replace('{epoch}', String(e))));
    expect(snapshotDiff(snapshot(await ng.io.load(mc.saved[2])), snapshot(s.model))).toEqual({});
  });

  it('the saved best model carries trainer.preprocessing (like checkpoints do)', async () => {
    const file = path.join(dir, 'with-prep.safetensors');
    const mc = ng.callbacks.modelCheckpoint(file);
    const s = buildScenario({ dropout: false });
    const prep = { scaler: { type: 'StandardScaler', mean: [0.1], scale: [3] } };
    s.trainer.preprocessing = prep;
    await s.trainer.fit(s.data, { ...s.fitOptions, callbacks: [mc], epochs: 1 });
    expect(mc.saved).toEqual([file]);
    expect((await ng.io.loadWithInfo(file)).preprocessing).toEqual(prep);
  });

  it('after resuming from a checkpoint, a worse epoch does not overwrite the best model file', async () => {
    // Monitor lr in 'max' mode: StepLR halves it every epoch, so epoch 1 stays the best and an
    // uninterrupted run writes the file once. A resumed run (same callbacks, same file) must not
    // replace that file with a later, "worse" epoch.
    const best = path.join(dir, 'resume-best.safetensors');
    const ckpt = path.join(dir, 'resume-ck-{epoch}.safetensors');
    const mcA = ng.callbacks.modelCheckpoint(best, { monitor: 'lr', mode: 'max' });
    const a = buildScenario({ dropout: false, checkpointPath: ckpt, extraCallbacks: [mcA] });
    await a.trainer.fit(a.data, { ...a.fitOptions, epochs: 2 });
    expect(mcA.saved).toEqual([best]);
    expect((await ng.io.loadWithInfo(best)).metadata.epoch).toBe('1');

    const mcB = ng.callbacks.modelCheckpoint(best, { monitor: 'lr', mode: 'max' });
    const b = buildScenario({ dropout: false, checkpointPath: ckpt, extraCallbacks: [mcB] });
    await b.trainer.fit(b.data, { ...b.fitOptions, epochs: 4, resumeFrom: ckpt.replace('{epoch}', '2') });
    expect((await ng.io.loadWithInfo(best)).metadata.epoch).toBe('1');
    expect(mcB.saved).toEqual([]);
  });
});

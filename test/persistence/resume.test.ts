// Resume bit-identity: ng.setSeed + MNIST subset + MLP with BatchNorm and Dropout + Adam,
// Trainer with shuffle, validationSplit, StepLR (lrScheduler callback) and ng.callbacks.trainingCheckpoint.
//   run A: fit 4 epochs uninterrupted.
//   run B: same setup, fit 2 epochs (writes the checkpoint), then a NEW model + trainer built the
//          same way after the same ng.setSeed calls fit({ epochs: 4, resumeFrom }) -- in a fresh
//          Node process (resume-child.ts through register-ts.js) and in this process.
// Final weights must be bit-identical to run A's and the histories equal.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as ng from '../../lib';
import { buildScenario, snapshot, snapshotDiff, EPOCHS, STOP_AFTER, ScenarioOptions } from './scenario';
import { tempDir, stateDiff, bits } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
let dir: string;
beforeAll(() => { dir = tempDir('resume'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

interface ChildResult {
  weights: Record<string, number[]>;
  history: { epoch: number[]; history: Record<string, number[]> };
  rng: unknown;
  threads: number;
  lr: number;
  step: number;
}

type ChildArgs = ScenarioOptions & { mode: 'resume' | 'crash'; resumeFrom?: string; epochs?: number; killAfter?: number; out?: string };

/** Runs resume-child.ts in a new Node process; resolves with its exit code, signal and stderr. */
function runChild(args: ChildArgs): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      '-r', path.join(__dirname, 'register-ts.js'), path.join(__dirname, 'resume-child.ts'), JSON.stringify(args),
    ], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Resumes in a new Node process; resolves with what it wrote. */
async function resumeInChild(args: ScenarioOptions & { resumeFrom: string; epochs?: number }): Promise<ChildResult> {
  const out = path.join(dir, `child-${Math.random().toString(36).slice(2)}.json`);
  const r = await runChild({ ...args, mode: 'resume', out });
  if (r.code !== 0) throw new Error(`resume child exited with ${r.code} (${r.signal}):\n${r.stderr}`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as ChildResult;
}

const jsonClone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Two checkpoints hold the same state: metadata deep-equal, every tensor and buffer bit for bit. */
function expectSameCheckpoint(got: ng.io.Checkpoint, want: ng.io.Checkpoint): void {
  const split = (c: ng.io.Checkpoint) => {
    const { weights, optimizer, ...meta } = c;
    const { buffers, ...opt } = optimizer;
    const b = (r: Record<string, { data: ArrayLike<number> } | Float32Array>) => Object.fromEntries(
      Object.entries(r).map(([k, t]) => [k, bits(t instanceof Float32Array ? t : t.data)]));
    return { meta: jsonClone({ ...meta, opt }), weights: b(weights), buffers: b(buffers) };
  };
  const g = split(got);
  const w = split(want);
  expect(g.meta).toEqual(w.meta);
  expect(snapshotDiff(g.weights, w.weights)).toEqual({});
  expect(snapshotDiff(g.buffers, w.buffers)).toEqual({});
}

/** Run A (uninterrupted) and run B's first part; returns A's results and B's checkpoint path. */
async function runAandB(tag: string, opts: ScenarioOptions = {}) {
  const a = buildScenario({ ...opts, checkpointPath: path.join(dir, `${tag}-A-{epoch}.safetensors`) });
  const histA = await a.trainer.fit(a.data, { ...a.fitOptions, epochs: EPOCHS });
  const rngA = jsonClone(ng.getRngState());
  const b = buildScenario({ ...opts, checkpointPath: path.join(dir, `${tag}-B-{epoch}.safetensors`) });
  const histB = await b.trainer.fit(b.data, { ...b.fitOptions, epochs: STOP_AFTER });
  expect(histB.epoch).toEqual([0, 1]);
  return { a, histA, rngA, checkpoint: path.join(dir, `${tag}-B-${STOP_AFTER}.safetensors`), ckA: (e: number) => path.join(dir, `${tag}-A-${e}.safetensors`) };
}

/** Resumes in this process with a new model + trainer (built after the same ng.setSeed). */
async function resumeInProcess(opts: ScenarioOptions & { resumeFrom: string; checkpointPath: string }) {
  const c = buildScenario(opts);
  const hist = await c.trainer.fit(c.data, { ...c.fitOptions, epochs: EPOCHS, resumeFrom: opts.resumeFrom });
  return { c, hist };
}

describe('resume bit-identity', () => {
  it('with Dropout: 2 epochs + resume in a NEW Node process == 4 epochs uninterrupted (weights, history, RNG)', async () => {
    const { a, histA, rngA, checkpoint } = await runAandB('drop-child');
    const r = await resumeInChild({ resumeFrom: checkpoint, checkpointPath: path.join(dir, 'drop-child-C-{epoch}.safetensors') });
    expect(r.threads).toBe(ng.getNumThreads());
    expect(snapshotDiff(r.weights, snapshot(a.model))).toEqual({});
    expect(r.history).toEqual(jsonClone(histA.toJSON()));
    expect(r.rng).toEqual(rngA);
    expect(r.step).toBe(a.trainer.optimizer.stepCount);
    expect(r.lr).toBe(a.trainer.optimizer.lr);
  });

  it('with Dropout: a process SIGKILLed right after the epoch-2 checkpoint, resumed here == 4 epochs uninterrupted', async () => {
    const a = buildScenario({ checkpointPath: path.join(dir, 'crash-A-{epoch}.safetensors') });
    const histA = await a.trainer.fit(a.data, { ...a.fitOptions, epochs: EPOCHS });
    const pattern = path.join(dir, 'crash-B-{epoch}.safetensors');
    const r = await runChild({ mode: 'crash', checkpointPath: pattern, killAfter: STOP_AFTER });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    const ck = pattern.replace('{epoch}', String(STOP_AFTER));
    expect(fs.existsSync(ck)).toBe(true);
    expect(fs.existsSync(pattern.replace('{epoch}', String(STOP_AFTER + 1)))).toBe(false);
    const { c, hist } = await resumeInProcess({ resumeFrom: ck, checkpointPath: path.join(dir, 'crash-C-{epoch}.safetensors') });
    expect(stateDiff(a.model, c.model)).toEqual({});
    expect(hist.toJSON()).toEqual(histA.toJSON());
  });

  it('with Dropout: 2 epochs + resume by a new model+trainer in this process == 4 epochs uninterrupted', async () => {
    const { a, histA, checkpoint } = await runAandB('drop-inproc');
    const { c, hist } = await resumeInProcess({ resumeFrom: checkpoint, checkpointPath: path.join(dir, 'drop-inproc-C-{epoch}.safetensors') });
    expect(stateDiff(a.model, c.model)).toEqual({});
    expect(hist.toJSON()).toEqual(histA.toJSON());
  });

  // The same scenario without the Dropout layer isolates everything else a checkpoint must carry
  // (weights, BatchNorm statistics, Adam state, StepLR, shuffle order, RNG, history).
  it('without Dropout: the epoch-2 checkpoints of both runs are equal, and resuming gives run A\'s weights, history and checkpoint', async () => {
    const opts = { dropout: false };
    const { a, histA, rngA, checkpoint, ckA } = await runAandB('nodrop', opts);
    const [ckRunA, ckRunB] = await Promise.all([ng.io.readCheckpoint(ckA(STOP_AFTER)), ng.io.readCheckpoint(checkpoint)]);
    expectSameCheckpoint(ckRunB, ckRunA);
    expect(ckRunB.epoch).toBe(STOP_AFTER);
    expect(ckRunB.history?.epoch).toEqual([0, 1]);
    expect(ckRunB.callbacks?.['LRSchedulerCallback#0']).toEqual({ lastEpoch: 2, lr: 0.0025 });
    expect(ckRunB.loader?.epoch).toBe(STOP_AFTER);

    const { c, hist } = await resumeInProcess({ ...opts, resumeFrom: checkpoint, checkpointPath: path.join(dir, 'nodrop-C-{epoch}.safetensors') });
    expect(stateDiff(a.model, c.model)).toEqual({});
    expect(hist.toJSON()).toEqual(histA.toJSON());
    expect(hist.history.lr).toEqual([0.01, 0.005, 0.0025, 0.00125]);
    expect(jsonClone(ng.getRngState())).toEqual(rngA);
    // The resumed run's own checkpoint at epoch 4 equals run A's.
    expectSameCheckpoint(await ng.io.readCheckpoint(path.join(dir, 'nodrop-C-4.safetensors')), await ng.io.readCheckpoint(ckA(4)));
  });

  it('the checkpoint callback listed BEFORE the lrScheduler callback still resumes bit-identically', async () => {
    // onEpochEnd runs callbacks in list order: here the checkpoint is written before StepLR steps.
    const opts = { dropout: false, order: 'checkpointFirst' as const };
    const { a, histA, checkpoint } = await runAandB('order', opts);
    const { c, hist } = await resumeInProcess({ ...opts, resumeFrom: checkpoint, checkpointPath: path.join(dir, 'order-C-{epoch}.safetensors') });
    expect(hist.history.lr).toEqual(histA.history.lr);
    expect(stateDiff(a.model, c.model)).toEqual({});
  });

  it('resuming with the same callbacks in a different order still restores the scheduler', async () => {
    // Scheduler states are stored per callback; here the checkpoint was written by a run with
    // [lrScheduler, checkpoint] and is resumed by one with [checkpoint, lrScheduler].
    const opts = { dropout: false };
    const { a, histA, checkpoint } = await runAandB('reorder', opts);
    const { c, hist } = await resumeInProcess({ ...opts, order: 'checkpointFirst', resumeFrom: checkpoint,
      checkpointPath: path.join(dir, 'reorder-C-{epoch}.safetensors') });
    expect(hist.history.lr).toEqual(histA.history.lr);
    expect(stateDiff(a.model, c.model)).toEqual({});
  });

  it('trainer.saveCheckpoint() after fit() resumes where that fit stopped', async () => {
    const opts = { dropout: false };
    const a = buildScenario(opts);
    const histA = await a.trainer.fit(a.data, { ...a.fitOptions, epochs: EPOCHS });
    const b = buildScenario(opts);
    await b.trainer.fit(b.data, { ...b.fitOptions, epochs: STOP_AFTER });
    const file = path.join(dir, 'after-fit.safetensors');
    await b.trainer.saveCheckpoint(file);
    const c = buildScenario(opts);
    const hist = await c.trainer.fit(c.data, { ...c.fitOptions, epochs: EPOCHS, resumeFrom: file });
    expect(hist.epoch).toEqual(histA.epoch);
    expect(stateDiff(a.model, c.model)).toEqual({});
  });

  it('earlyStopping resumed from a checkpoint stops at the same epoch as the uninterrupted run', async () => {
    // Monitoring lr in 'max' mode makes "no improvement" deterministic: StepLR halves it each epoch,
    // so with patience 2 (Keras semantics) the uninterrupted run stops after epoch index 2.
    const mk = () => ng.callbacks.earlyStopping({ monitor: 'lr', mode: 'max', patience: 2 });
    const opts = { dropout: false };
    const a = buildScenario({ ...opts, checkpointPath: path.join(dir, 'es-A-{epoch}.safetensors'), extraCallbacks: [mk()] });
    const histA = await a.trainer.fit(a.data, { ...a.fitOptions, epochs: 6 });
    expect(histA.epoch).toEqual([0, 1, 2]);
    const c = buildScenario({ ...opts, checkpointPath: path.join(dir, 'es-C-{epoch}.safetensors'), extraCallbacks: [mk()] });
    const hist = await c.trainer.fit(c.data, { ...c.fitOptions, epochs: 6, resumeFrom: path.join(dir, 'es-A-2.safetensors') });
    expect(hist.epoch).toEqual(histA.epoch);
  });

  it('trainer.preprocessing is stored in the checkpoint and restored on resume', async () => {
    const prep = { scaler: { type: 'StandardScaler', mean: [0.5, -1.25], scale: [2, 0.75] }, classes: ['a', 'b'] };
    const a = buildScenario({ dropout: false, checkpointPath: path.join(dir, 'prep-{epoch}.safetensors') });
    a.trainer.preprocessing = prep;
    await a.trainer.fit(a.data, { ...a.fitOptions, epochs: 1 });
    expect((await ng.io.readCheckpoint(path.join(dir, 'prep-1.safetensors'))).preprocessing).toEqual(prep);
    const c = buildScenario({ dropout: false });
    expect(c.trainer.preprocessing).toBeUndefined();
    await c.trainer.fit(c.data, { ...c.fitOptions, epochs: 2, resumeFrom: path.join(dir, 'prep-1.safetensors') });
    expect(c.trainer.preprocessing).toEqual(prep);
  });

  it('a checkpoint for another optimizer is refused with a clear error, and the model is left untouched', async () => {
    const a = buildScenario({ dropout: false, checkpointPath: path.join(dir, 'adam-{epoch}.safetensors') });
    await a.trainer.fit(a.data, { ...a.fitOptions, epochs: 1 });
    ng.setSeed(5);
    const model = new ng.nn.Sequential(new ng.nn.Linear(784, 24), new ng.nn.BatchNorm1d(24), new ng.nn.ReLU(), new ng.nn.Linear(24, 10));
    const sgd = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'sgd' });
    const before = snapshot(model);
    await expect(sgd.fit(a.data, { ...a.fitOptions, callbacks: [], epochs: 2, resumeFrom: path.join(dir, 'adam-1.safetensors') }))
      .rejects.toThrow('Expected SGD state for state but received Adam state');
    expect(snapshotDiff(snapshot(model), before)).toEqual({});
  });

  it('resumeFrom a file that is not a checkpoint -> clear error, nothing trained', async () => {
    const s = buildScenario({ dropout: false });
    const before = snapshot(s.model);
    const model = path.join(dir, 'plain-model.safetensors');
    await ng.io.save(s.model, model);
    await expect(s.trainer.fit(s.data, { ...s.fitOptions, epochs: 1, resumeFrom: model })).rejects.toThrow(
      `Expected a nodegrad checkpoint (with 'nodegrad.checkpoint' metadata) for ${model} but received a safetensors file without one`);
    expect(snapshotDiff(snapshot(s.model), before)).toEqual({});
  });
});

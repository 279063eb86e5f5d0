// Optimizer state survives a checkpoint file for every optimizer: train, checkpoint, restore
// into a fresh model + optimizer, continue -> bit-identical parameters (and optimizer buffers)
// to the uninterrupted run. Two paths: trainStep loops with trainer.saveCheckpoint /
// ng.io.readCheckpoint, and fit() with ng.callbacks.trainingCheckpoint + fit({ resumeFrom }).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ng from '../../lib';
import { tempDir, randomF32, rng, stateDiff, bits } from './helpers';

const nn = ng.nn;
let dir: string;
beforeAll(() => { dir = tempDir('optim'); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

type Spec = { type: 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' } & Record<string, unknown>;

const OPTIMIZERS: [string, Spec, string[]][] = [
  ['SGD momentum + nesterov', { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }, ['momentum']],
  ['SGD momentum + dampening + weight decay', { type: 'sgd', lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 1e-3 }, ['momentum']],
  ['Adam', { type: 'adam', lr: 0.01 }, ['m', 'v']],
  ['Adam amsgrad', { type: 'adam', lr: 0.05, amsgrad: true, beta2: 0.5, weightDecay: 1e-3 }, ['m', 'v', 'vmax']],
  ['AdamW', { type: 'adamw', lr: 0.01, weightDecay: 0.1 }, ['m', 'v']],
  ['RMSprop centered + momentum', { type: 'rmsprop', lr: 0.005, centered: true, momentum: 0.9 }, ['squareAvg', 'gradAvg', 'momentum']],
  ['Adagrad', { type: 'adagrad', lr: 0.05, lrDecay: 0.01, initialAccumulatorValue: 0.1 }, ['sum']],
];

/** A small classification problem (fixed data, independent of ng's generators). */
function problem(): { x: ng.Tensor; y: ng.Tensor; batches: (readonly [ng.Tensor, ng.Tensor])[] } {
  const r = rng(42);
  const n = 64;
  const x = randomF32(n * 6, r, -2, 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = (x[i * 6] + x[i * 6 + 1] > 0 ? 1 : 0) + (x[i * 6 + 2] > 0.5 ? 1 : 0);
  const batches = [0, 16, 32, 48].map((s) =>
    [ng.keep(ng.fromArray(x.slice(s * 6, (s + 16) * 6), [16, 6])), ng.keep(ng.fromArray(y.slice(s, s + 16), [16]))] as const);
  return { x: ng.keep(ng.fromArray(x, [n, 6])), y: ng.keep(ng.fromArray(y, [n])), batches };
}

function build(spec: Spec, seed: number): ng.Trainer {
  ng.setSeed(seed);
  const model = new nn.Sequential(new nn.Linear(6, 16), new nn.BatchNorm1d(16), new nn.Tanh(), new nn.Linear(16, 3));
  return new ng.Trainer({ model, loss: 'crossEntropy', optimizer: spec });
}

const buffersOf = (t: ng.Trainer) => Object.fromEntries(
  Object.entries(t.optimizer.stateDict().buffers).map(([k, v]) => [k, bits(v)]));

describe.each(OPTIMIZERS)('%s', (_name, spec, bufferNames) => {
  const { x, y, batches } = problem();
  const steps = (t: ng.Trainer, k: number, from: number) => {
    for (let i = 0; i < k; i++) t.trainStep(batches[(from + i) % 4][0], batches[(from + i) % 4][1]);
  };

  it('trainStep x3 -> saveCheckpoint -> fresh model+optimizer restored -> x3 == uninterrupted x6, bit for bit', async () => {
    const ref = build(spec, 7);
    steps(ref, 3, 0);
    const file = path.join(dir, `${spec.type}-${bufferNames.join('')}-${String(spec.lr)}.safetensors`);
    await ref.saveCheckpoint(file);
    const ck = await ng.io.readCheckpoint(file);
    expect(ck.optimizer.type).toBe(ref.optimizer.constructor.name);
    expect(ck.optimizer.step).toBe(3);
    expect(ck.optimizer.hyper).toEqual(ref.optimizer.stateDict().hyper);
    expect(Object.keys(ck.optimizer.buffers).sort()).toEqual([...bufferNames].sort());
    for (const [k, b] of Object.entries(ck.optimizer.buffers)) expect(bits(b), k).toEqual(buffersOf(ref)[k]);
    steps(ref, 3, 3);

    // A different seed: everything the resumed run knows comes from the file.
    const resumed = build(spec, 99);
    resumed.model.loadStateDict(ck.weights);
    resumed.optimizer.loadStateDict(ck.optimizer);
    expect(resumed.optimizer.stepCount).toBe(3);
    steps(resumed, 3, 3);
    expect(stateDiff(ref.model, resumed.model)).toEqual({});
    expect(buffersOf(resumed)).toEqual(buffersOf(ref));
    expect(resumed.optimizer.stepCount).toBe(6);

    // The state matters: restoring only the weights gives a different trajectory.
    const weightsOnly = build(spec, 99);
    weightsOnly.model.loadStateDict(ck.weights);
    steps(weightsOnly, 3, 3);
    expect(Object.keys(stateDiff(ref.model, weightsOnly.model)).length).toBeGreaterThan(0);
  });

  it('optimizer.stateDict() through writeCheckpoint/readCheckpoint restores every buffer exactly', async () => {
    const a = build(spec, 8);
    steps(a, 2, 1);
    const file = path.join(dir, `direct-${spec.type}-${bufferNames.join('')}-${String(spec.lr)}.safetensors`);
    await ng.io.writeCheckpoint(file, a.model, a.optimizer, { epoch: 0, rng: ng.getRngState() });
    const b = build(spec, 9);
    const ck = await ng.io.readCheckpoint(file);
    b.optimizer.loadStateDict(ck.optimizer);
    b.model.loadStateDict(ck.weights);
    const sa = a.optimizer.stateDict();
    const sb = b.optimizer.stateDict();
    expect(sb.type).toBe(sa.type);
    expect(sb.step).toBe(sa.step);
    expect(sb.hyper).toEqual(sa.hyper);
    expect(buffersOf(b)).toEqual(buffersOf(a));
    // And the next step is the same.
    steps(a, 1, 3);
    steps(b, 1, 3);
    expect(stateDiff(a.model, b.model)).toEqual({});
  });

  it('fit 4 epochs == fit 2 epochs (checkpoint callback) + fresh trainer fit({ epochs: 4, resumeFrom })', async () => {
    const tag = `${spec.type}-${bufferNames.join('')}-${String(spec.lr)}`;
    const opts = (p: string) => ({
      batchSize: 16, shuffle: true, verbose: 0 as const, callbacks: [ng.callbacks.trainingCheckpoint(p)],
    });
    const full = build(spec, 3);
    const hFull = await full.fit([x, y], { ...opts(path.join(dir, `full-${tag}-{epoch}.st`)), epochs: 4 });
    const half = build(spec, 3);
    await half.fit([x, y], { ...opts(path.join(dir, `half-${tag}-{epoch}.st`)), epochs: 2 });
    const resumed = build(spec, 3);
    const hRes = await resumed.fit([x, y], {
      ...opts(path.join(dir, `res-${tag}-{epoch}.st`)), epochs: 4, resumeFrom: path.join(dir, `half-${tag}-2.st`),
    });
    expect(stateDiff(full.model, resumed.model)).toEqual({});
    expect(buffersOf(resumed)).toEqual(buffersOf(full));
    expect(resumed.optimizer.stepCount).toBe(full.optimizer.stepCount);
    expect(hRes.epoch).toEqual(hFull.epoch);
    expect(hRes.history.loss).toEqual(hFull.history.loss);
  });
});

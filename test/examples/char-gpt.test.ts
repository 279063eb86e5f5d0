/**
 * examples/char-gpt.ts (the char-level GPT on Moby-Dick) shortened: a few dozen steps of a
 * smaller model must beat the character unigram baseline on the held-out chapters; the saved
 * model and tokenizer reload and give the same logits; and `nodegrad train --model gpt` runs
 * end to end (spawned) with its option errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import * as charGpt from '../../examples/char-gpt';
import { type CliResult, ensureDist, runCli } from '../cli/ensure-dist';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-char-gpt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Cross-entropy (nats) of predicting each validation character by its training frequency. */
function unigramLoss(tok: ng.text.CharTokenizer): number {
  const text = (r: [number, number]) => ng.data.loadMobyDick({ from: r[0], to: r[1] }).map((c) => c.text).join('\n\n');
  const train = tok.encode(text([1, 120]));
  const val = tok.encode(text([121, 135]));
  const counts = new Float64Array(tok.vocabSize).fill(1);
  for (const id of train) counts[id]++;
  const total = counts.reduce((a, b) => a + b, 0);
  let loss = 0;
  for (const id of val) loss -= Math.log(counts[id] / total);
  return loss / val.length;
}

describe('examples/char-gpt.ts (shortened)', () => {
  it('beats the unigram baseline on chapters 121-135, samples text, saves and reloads model + tokenizer', async () => {
    const logs: string[] = [];
    const out = path.join(tmp, 'example');
    const r = await charGpt.run({ steps: 80, batchSize: 8, contextLength: 64, dModel: 64, numLayers: 2, lr: 3e-3,
      valWindows: 32, evalEvery: 40, sampleTokens: 60, out, log: (s) => logs.push(s) });
    const baseline = unigramLoss(r.tokenizer);
    expect(baseline).toBeGreaterThan(3.0);
    expect(r.valHistory.map((h) => h[0])).toEqual([40, 80]);
    expect(r.valLoss).toBeLessThan(baseline - 0.35);
    expect(r.valHistory[1][1]).toBeLessThan(r.valHistory[0][1]);
    expect(r.sample.startsWith('Call me ')).toBe(true);
    expect([...r.sample]).toHaveLength(8 + 60);
    expect(logs.some((l) => /^step 80\/80 \| loss \d\.\d{4} \| lr .* tokens\/s/.test(l))).toBe(true);
    expect(logs.some((l) => /^step 80: validation loss \d\.\d{4} \(32 windows\)$/.test(l))).toBe(true);
    const loaded = await ng.io.load(path.join(out, 'model.safetensors'));
    const tok = ng.text.loadTokenizerSync(path.join(out, 'tokenizer.json'));
    expect(tok.toJSON()).toEqual(r.tokenizer.toJSON());
    const ids = ng.fromArray(tok.encode('Call me Ishmael.'), [1, 16]);
    r.model.eval();
    expect(Array.from(loaded.forward(ids).data)).toEqual(Array.from(r.model.forward(ids).data));
  }, 300_000);
});

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, tmp, 240_000);
}

describe('nodegrad train --model gpt --data moby-dick', () => {
  beforeAll(async () => { await ensureDist(); }, 240_000);

  it('trains the 4-layer GPT for a few steps, reports validation loss and a sample, writes model + tokenizer', async () => {
    const out = path.join(tmp, 'cli');
    const run = await cli(['train', '--model', 'gpt', '--data', 'moby-dick', '--steps', '4', '--batch-size', '2', '--threads', '1', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^model: GPT 4 layers, d=128, 4 heads, context 128, [\d,]+ parameters \(tied embeddings\)$/m);
    expect(run.stdout).toMatch(/^step 4: validation loss \d\.\d{4} \(64 windows\)$/m);
    expect(run.stdout).toMatch(/^sample \(temperature 0\.8\):\nCall me /m);
    expect(run.stdout).toMatch(/^trained 4 steps in [\d.]+ s \(\d+ training tokens\/s\) \| final validation loss \d\.\d{4}$/m);
    for (const f of ['model.safetensors', 'tokenizer.json']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  }, 240_000);

  it('rejects options that do not fit the GPT recipe', async () => {
    const bad = await cli(['train', '--model', 'gpt', '--data', 'mnist']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Expected --data moby-dick for --model gpt but received "mnist"');
    const steps = await cli(['train', '--steps', '3']);
    expect(steps.code).not.toBe(0);
    expect(steps.stderr).toContain('Expected --model gpt with --steps but received --model mlp');
  }, 120_000);
});

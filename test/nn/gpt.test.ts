// The GPT model: shapes, weight tying, learning a short periodic sequence, generation with
// and without the key/value cache (identical greedy tokens inside the context; seeded
// sampling is reproducible), batches of prompts (each row equals its prompt generated alone),
// save/load through the module registry, and bad input.
import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';

const { nn } = ng;

function small(opts: Partial<ng.nn.GPTConfig> = {}): ng.nn.GPT {
  return new nn.GPT({ vocabSize: 11, contextLength: 24, dModel: 16, numLayers: 2, numHeads: 2, ...opts });
}

describe('GPT', () => {
  it('forward gives (B, T, vocab) logits; weight tying shares the embedding with the head', () => {
    ng.setSeed(1);
    const tied = small();
    const untied = small({ tieWeights: false });
    expect(tied.forward(ng.fromArray(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])).shape).toEqual([2, 3, 11]);
    expect(untied.numParameters() - tied.numParameters()).toBe(11 * 16);
    expect(Object.keys(tied.stateDict())).toContain('blocks.0.self_attn.in_proj_weight');
    expect(Object.keys(tied.stateDict())).not.toContain('lm_head.weight');
    // Gradients from the head and from the lookup both reach the shared weight.
    const loss = tied.loss(ng.fromArray(Int32Array.from([1, 2, 3]), [1, 3]), ng.fromArray(Int32Array.from([2, 3, 4]), [1, 3]));
    loss.backward();
    const g = tied.tok_emb.weight.grad!.data as Float32Array;
    const row10 = g.subarray(10 * 16, 11 * 16); // token 10 never appears in the input: head gradient only
    expect(row10.some((v) => v !== 0)).toBe(true);
  });

  it('learns a periodic sequence (AdamW, clipping) and generates it back greedily, with and without the cache', () => {
    for (const positional of ['learned', 'sinusoidal'] as const) {
      ng.setSeed(7);
      const model = small({ positional });
      const opt = new ng.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
      const period = [1, 5, 2, 9, 3, 7];
      const seqs = (T: number, off: number): number[] => Array.from({ length: T + 1 }, (_, i) => period[(i + off) % period.length]);
      let first = 0, last = 0;
      for (let step = 0; step < 80; step++) {
        ng.tidy(() => {
          const rows = [0, 1, 2, 3].map((b) => seqs(16, (step + b) % 6));
          const x = ng.fromArray(Int32Array.from(rows.flatMap((r) => r.slice(0, 16))), [4, 16]);
          const y = ng.fromArray(Int32Array.from(rows.flatMap((r) => r.slice(1))), [4, 16]);
          opt.zeroGrad();
          const loss = model.loss(x, y);
          loss.backward();
          ng.optim.clipGradNorm(model.parameters(), 1.0);
          opt.step();
          if (step === 0) first = loss.item();
          last = loss.item();
        });
      }
      expect(last).toBeLessThan(first / 20);
      const prompt = [1, 5, 2];
      const cached = model.generate(prompt, { maxTokens: 12, temperature: 0 });
      const full = model.generate(prompt, { maxTokens: 12, temperature: 0, useCache: false });
      expect(cached).toEqual(full);
      expect(cached.slice(0, 6)).toEqual([9, 3, 7, 1, 5, 2]);
    }
  });

  it('cached and uncached logits agree position by position; seeded sampling is reproducible', () => {
    ng.setSeed(3);
    const model = small();
    const a = model.generate([4, 4, 2], { maxTokens: 15, temperature: 1.0, topK: 5, seed: 42 });
    const b = model.generate([4, 4, 2], { maxTokens: 15, temperature: 1.0, topK: 5, seed: 42, useCache: false });
    expect(a).toEqual(b);
    expect(model.generate([4, 4, 2], { maxTokens: 15, topP: 0.9, seed: 42 })).toEqual(model.generate([4, 4, 2], { maxTokens: 15, topP: 0.9, seed: 42 }));
    // Past the context the cache restarts from the last half-context; generation continues.
    expect(model.generate([1], { maxTokens: 60, seed: 1 })).toHaveLength(60);
    expect(model.training).toBe(true);
  });

  it('training steps (fused attention with full 32-wide head chunks, LayerNorm, GELU, AdamW + clipping) are bit-identical for 1 and 2 threads', () => {
    const train = (threads: number): number[] => {
      const before = ng.getNumThreads();
      ng.setNumThreads(threads);
      try {
        ng.setSeed(3);
        const model = new nn.GPT({ vocabSize: 13, contextLength: 40, dModel: 64, numLayers: 2, numHeads: 2 });
        const opt = new ng.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1 });
        const rng = new ng.Rng(5);
        for (let step = 0; step < 3; step++) {
          ng.tidy(() => {
            const x = Int32Array.from({ length: 4 * 40 }, () => rng.int(13));
            const y = Int32Array.from({ length: 4 * 40 }, () => rng.int(13));
            const loss = model.loss(ng.fromArray(x, [4, 40]), ng.fromArray(y, [4, 40]));
            opt.zeroGrad();
            loss.backward();
            ng.optim.clipGradNorm(model.parameters(), 1.0);
            opt.step();
          });
        }
        const out = model.parameters().flatMap((p) => Array.from(p.data as Float32Array));
        opt.dispose?.();
        model.dispose();
        return out;
      } finally {
        ng.setNumThreads(before);
      }
    };
    const one = train(1);
    expect(one.every(Number.isFinite)).toBe(true);
    expect(train(2)).toEqual(one);
  });

  it('a batch of prompts (equal and different lengths) generates what each prompt gives alone', () => {
    ng.setSeed(12);
    for (const positional of ['learned', 'sinusoidal'] as const) {
      const model = small({ positional });
      const prompts = [[4, 4, 2], [1, 2, 3, 5, 8, 10, 0], [7], [3, 9, 9]];
      // 30 tokens pass the context of 24: every sequence's cache restarts, at different steps.
      for (const opts of [{ temperature: 0 }, { topK: 1 }, { temperature: 0.9, topK: 6, seed: 5 }, { topP: 0.8, seed: 77 }]) {
        const together = model.generate(prompts, { maxTokens: 30, ...opts });
        expect(together).toHaveLength(4);
        prompts.forEach((p, b) => expect(together[b], `${JSON.stringify(opts)} row ${b}`).toEqual(model.generate(p, { maxTokens: 30, ...opts })));
        expect(model.generate(prompts, { maxTokens: 10, ...opts, useCache: false })).toEqual(together.map((o) => o.slice(0, 10)));
      }
      // one seed per prompt; equal prompts with different seeds diverge
      const same = [[2, 6], [2, 6]];
      const bySeed = model.generate(same, { maxTokens: 20, seed: [1, 2] });
      expect(bySeed[0]).toEqual(model.generate([2, 6], { maxTokens: 20, seed: 1 }));
      expect(bySeed[1]).toEqual(model.generate([2, 6], { maxTokens: 20, seed: 2 }));
      expect(bySeed[0]).not.toEqual(bySeed[1]);
      // no seed: forks of the global generator, one per prompt in order
      ng.setSeed(31);
      const forked = model.generate(prompts, { maxTokens: 8 });
      ng.setSeed(31);
      expect(forked).toEqual(prompts.map((p) => model.generate(p, { maxTokens: 8 })));
      expect(model.generate([Int32Array.from([1, 2])], { maxTokens: 3, temperature: 0 })).toEqual([model.generate([1, 2], { maxTokens: 3, temperature: 0 })]);
    }
  });

  it('rebuilds from its config and loads its own state dict', () => {
    ng.setSeed(9);
    const m = small({ positional: 'sinusoidal', normFirst: false });
    const m2 = nn.fromConfig(m.getConfig()) as ng.nn.GPT;
    m2.loadStateDict(m.stateDict());
    const x = ng.fromArray(Int32Array.from([1, 2, 3, 4]), [1, 4]);
    expect(Array.from(m2.forward(x).data)).toEqual(Array.from(m.forward(x).data));
  });

  it('bad input throws errors naming the argument', () => {
    const m = small();
    expect(() => m.forward(ng.fromArray(Int32Array.from([1, 11]), [1, 2]))).toThrow('Expected token id in [0, 11) for tokens[0][1] but received 11');
    expect(() => m.forward(ng.fromArray(Int32Array.from({ length: 25 }, () => 1), [1, 25])))
      .toThrow('Expected sequence length <= 24 (contextLength 24) for tokens but received length 25');
    expect(() => m.forward(ng.zeros([1, 3]))).toThrow('tokens');
    expect(() => m.generate([1, -1])).toThrow('Expected token id in [0, 11) for promptIds[1] but received -1 of type number');
    expect(() => m.generate([1], { topP: 0 })).toThrow('topP');
    expect(() => m.generate([[1, 2], [3, 11]])).toThrow('Expected token id in [0, 11) for promptIds[1][1] but received 11 of type number');
    expect(() => m.generate([[1, 2], []])).toThrow('Expected at least one token id for promptIds[1] but received an empty array');
    expect(() => m.generate([[1, 2], 3] as unknown as number[][])).toThrow('Expected array of token ids or array of prompts (arrays of token ids) for promptIds but received a mix of 3 of type number and prompts');
    expect(() => m.generate([1, [2]] as unknown as number[])).toThrow('Expected token id in [0, 11) for promptIds[1] but received an array of length 1');
    expect(() => m.generate([[1], [2]], { seed: [1] })).toThrow('Expected 2 seeds (one per prompt) for seed but received an array of length 1');
    expect(() => m.generate([[1], [2]], { seed: [1, 0.5] })).toThrow('Expected integer for seed[1] but received 0.5 of type number');
    expect(() => m.generate([1], { seed: [1] })).toThrow('Expected one integer (a single prompt) for seed but received an array of length 1');
    expect(() => m.generate('abc' as unknown as number[])).toThrow('Expected array of token ids for promptIds but received "abc" of type string');
    expect(() => new nn.GPT({ vocabSize: 5, contextLength: 8, dModel: 10, numHeads: 4 }))
      .toThrow('Expected dModel divisible by numHeads (4) for dModel but received 10');
  });
});

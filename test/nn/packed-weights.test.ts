// Packed linear weights for inference (lib/ops/packed.ts): inside withPackedWeights, F.linear
// without gradients packs each weight once and gives the same bits as without the scope; the
// packed copy is redone after every change of the weight (initializer, optimizer step,
// loadStateDict, a write through .data) and freed when the scope ends; nothing is packed for
// products that record gradients. GPT.generate runs in such a scope: a model wide enough for
// its weights to be packed (dModel 72) keeps its guarantees (a batch equals each prompt alone,
// the cache gives the full pass's greedy tokens, 1 and 2 threads agree) and leaks nothing.
// Its sampler's key sort (descendingOrder) gives the comparator sort's order exactly.
import { afterEach, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { packedWeightCount, withPackedWeights } from '../../lib/ops/packed';
import { descendingOrder } from '../../lib/nn/gpt';
import { rng } from '../helpers/random';

const F = ng;
const threadsBefore = ng.getNumThreads();
afterEach(() => ng.setNumThreads(threadsBefore));

function bits(t: ng.Tensor): number[] {
  return Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));
}

describe('withPackedWeights', () => {
  it('gives the bits of the ordinary product (1-3 rows, every activation, 1 and 2 threads) and frees the packed copies', () => {
    ng.setSeed(3);
    const lin = new ng.nn.Linear(129, 255);
    const xs = [1, 2, 3, 40].map((B) => ng.randn([B, 129]));
    for (const t of [1, 2]) {
      ng.setNumThreads(t);
      const storages = ng.memoryStats().storages;
      const want = ng.noGrad(() => xs.flatMap((x) => (['none', 'relu', 'gelu'] as const).map((a) => bits(F.linear(x, lin.weight, lin.bias, a)))));
      const got = withPackedWeights(() => ng.noGrad(() => {
        const r = xs.flatMap((x) => (['none', 'relu', 'gelu'] as const).map((a) => bits(F.linear(x, lin.weight, lin.bias, a))));
        expect(packedWeightCount()).toBe(1);
        return r;
      }));
      expect(got).toEqual(want);
      expect(packedWeightCount()).toBe(0);
      expect(ng.memoryStats().storages).toBe(storages + 4 * 3 * 2); // the outputs above (and gelu's pre), nothing else
    }
  });

  it('repacks after the weight changes: initializer, optimizer step, loadStateDict, a write through .data', () => {
    ng.setSeed(4);
    const lin = new ng.nn.Linear(100, 70);
    const x = ng.randn([1, 100]);
    const fresh = (): number[] => ng.noGrad(() => {
      const w = ng.fromArray((lin.weight.data as Float32Array).slice(), [70, 100]); // another tensor: packed anew
      return bits(F.linear(x, w, lin.bias));
    });
    const opt = new ng.optim.SGD(lin.parameters(), { lr: 0.5 });
    withPackedWeights(() => {
      const y0 = ng.noGrad(() => bits(lin.forward(x)));
      expect(y0).toEqual(fresh());
      const changes: [string, () => void][] = [
        ['init', () => ng.init.normal(lin.weight, { std: 0.3 })],
        ['optimizer step', () => {
          opt.zeroGrad();
          ng.sum(lin.forward(ng.randn([3, 100]))).backward();
          opt.step();
        }],
        ['loadStateDict', () => {
          const other = new ng.nn.Linear(100, 70);
          lin.loadStateDict(other.stateDict());
        }],
        ['.data write', () => { (lin.weight.data as Float32Array)[5] += 1; }],
      ];
      let prev = y0;
      for (const [name, change] of changes) {
        change();
        const y = ng.noGrad(() => bits(lin.forward(x)));
        expect(y, name).not.toEqual(prev);
        expect(y, name).toEqual(fresh());
        prev = y;
      }
    });
    expect(packedWeightCount()).toBe(0);
    opt.dispose?.();
  });

  it('packs nothing for products that record gradients, or outside a scope', () => {
    ng.setSeed(5);
    const lin = new ng.nn.Linear(100, 70);
    const x = ng.randn([2, 100]);
    withPackedWeights(() => {
      const y = lin.forward(x);
      expect(y.requiresGrad).toBe(true);
      expect(packedWeightCount()).toBe(0);
    });
    ng.noGrad(() => lin.forward(x));
    expect(packedWeightCount()).toBe(0);
  });
});

describe('GPT.generate with packed weights', () => {
  function wide(): ng.nn.GPT {
    ng.setSeed(7);
    return new ng.nn.GPT({ vocabSize: 40, contextLength: 20, dModel: 72, numLayers: 2, numHeads: 3 });
  }

  it('a batch equals each prompt alone; the cache gives the full pass greedy tokens; 1 and 2 threads agree; nothing leaks', () => {
    const model = wide();
    const prompts = [[1, 2, 3], [4, 5, 6], [7, 8]];
    const storages = ng.memoryStats().storages;
    const runs = [1, 2].map((t) => {
      ng.setNumThreads(t);
      const together = model.generate(prompts, { maxTokens: 25, seed: 3 });
      prompts.forEach((p, b) => expect(together[b], `threads ${t} row ${b}`).toEqual(model.generate(p, { maxTokens: 25, seed: 3 })));
      const greedy = model.generate([3, 1, 4], { maxTokens: 15, temperature: 0 });
      expect(model.generate([3, 1, 4], { maxTokens: 15, temperature: 0, useCache: false })).toEqual(greedy);
      return [together, greedy];
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(packedWeightCount()).toBe(0);
    expect(ng.memoryStats().storages).toBe(storages);
  });
});

describe('descendingOrder (the sampler\'s sort)', () => {
  const bySort = (l: Float32Array): number[] => Array.from({ length: l.length }, (_, i) => i).sort((a, b) => l[b] - l[a] || a - b);
  it('equals the comparator sort: ties by id, -0 with +0, infinities, subnormals, NaN (fallback)', () => {
    const r = rng(9);
    const cases: Float32Array[] = [
      Float32Array.from([0, -0, 0, -0, 1, -1]),
      Float32Array.from([Infinity, -Infinity, 3, Infinity, -Infinity, -3, 1e-45, -1e-45, 3.4e38, -3.4e38]),
      Float32Array.from([NaN, 1, 2, NaN, 0]),
      Float32Array.from([5]),
      new Float32Array(0),
    ];
    for (let c = 0; c < 20; c++) {
      // many ties: values from a small set
      cases.push(Float32Array.from({ length: 1 + Math.floor(r() * 300) }, () => (c % 2 ? Math.round(r() * 8 - 4) / 2 : (r() - 0.5) * 20)));
    }
    for (const l of cases) expect(Array.from(descendingOrder(l)), Array.from(l).slice(0, 8).join(',')).toEqual(bySort(l));
  });
});

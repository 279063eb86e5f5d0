// examples/recommender.ts, shortened (400 users, 8 epochs): the model ranks held-out items far
// better than popularity and below the oracle that knows the true affinities; the synthetic
// generator's ground truth is what the data says it is.
import { describe, expect, it } from 'vitest';
import { makeInteractions, run } from '../../examples/recommender';

describe('examples/recommender', () => {
  it('shortened run: hit rate@10 and mAP@10 between the popularity baseline and the oracle', async () => {
    const logs: string[] = [];
    const r = await run({ users: 400, epochs: 8, log: (s) => logs.push(s) });
    expect(r.model.hitRate).toBeGreaterThanOrEqual(0.75);
    expect(r.model.map).toBeGreaterThanOrEqual(0.12);
    expect(r.model.hitRate).toBeGreaterThan(r.popularity.hitRate + 0.1);
    expect(r.model.map).toBeGreaterThan(1.5 * r.popularity.map);
    expect(r.oracle.hitRate).toBeGreaterThanOrEqual(r.model.hitRate);
    expect(logs[1]).toMatch(/^model\s+hit rate@10 0\.\d{4}  mAP@10 0\.\d{4}$/);
  }, 60_000);

  it('the generator: seeded, disjoint train/test items per user, interactions follow the true affinity', () => {
    const a = makeInteractions({ users: 50, items: 40, perUser: 10, heldOut: 3, seed: 5 });
    const b = makeInteractions({ users: 50, items: 40, perUser: 10, heldOut: 3, seed: 5 });
    expect(a.train.map((t) => Array.from(t))).toEqual(b.train.map((t) => Array.from(t)));
    let chosenAffinity = 0;
    let meanAffinity = 0;
    for (let u = 0; u < 50; u++) {
      expect(a.train[u].length).toBe(7);
      expect(a.test[u].length).toBe(3);
      const all = new Set([...a.train[u], ...a.test[u]]);
      expect(all.size).toBe(10);
      for (const i of all) chosenAffinity += a.affinity[u * 40 + i] / 500;
      for (let i = 0; i < 40; i++) meanAffinity += a.affinity[u * 40 + i] / 2000;
    }
    // Items drawn with probability ~ exp(s / 0.5) have clearly higher affinity than average.
    expect(chosenAffinity).toBeGreaterThan(meanAffinity + 0.5);
    expect(() => makeInteractions({ perUser: 5, heldOut: 5 })).toThrow(/heldOut < perUser <= items/);
  });
});

/**
 * Recommender: matrix factorization as a two-tower model, trained on implicit feedback
 * (which items each user interacted with) and scored with hit rate@10 and mAP@10.
 *
 * Data: no npm package ships a user-item ratings table (vega-datasets has per-movie aggregates
 * only), so the interactions come from a documented synthetic generator with a known ground
 * truth (`makeInteractions`):
 *   - users u and items i have true latent vectors p_u, q_i ~ N(0, I_trueDim) and items a
 *     popularity bias b_i ~ N(0, popularity^2);
 *   - the true affinity is s(u, i) = p_u . q_i / sqrt(trueDim) + b_i;
 *   - each user interacts with `perUser` distinct items drawn without replacement with
 *     probability proportional to exp(s(u, i) / temperature) (Gumbel top-k), seeded;
 *   - `heldOut` of each user's items (chosen at random) are the test set; the rest train.
 * The generator returns the true affinities too, so the example reports an oracle (ranking by
 * the true s) and a popularity baseline (ranking by training counts) beside the model.
 *
 * Model: user tower nn.Embedding(users, dim) -> Flatten; item tower: the (items, dim) weight
 * and per-item bias of nn.Linear(dim, items), so the logits are p_u . q_i + b_i for every item.
 * Trained with a full softmax over the items (cross-entropy on the interacted item) with Adam,
 * through the Trainer. Evaluation ranks every item the user has not trained on.
 *
 *   npx tsx examples/recommender.ts
 */
import * as ng from '../lib';

export interface InteractionOptions {
  users?: number;
  items?: number;
  trueDim?: number;
  perUser?: number;
  heldOut?: number;
  temperature?: number;
  popularity?: number;
  seed?: number;
}

export interface Interactions {
  users: number;
  items: number;
  /** Training interactions per user (item ids). */
  train: Int32Array[];
  /** Held-out interactions per user (item ids). */
  test: Int32Array[];
  /** True affinity s(u, i), (users, items) row-major. */
  affinity: Float64Array;
}

export function makeInteractions(opts: InteractionOptions = {}): Interactions {
  const U = opts.users ?? 1000;
  const I = opts.items ?? 300;
  const k = opts.trueDim ?? 8;
  const perUser = opts.perUser ?? 30;
  const heldOut = opts.heldOut ?? 5;
  const temperature = opts.temperature ?? 0.5;
  const popularity = opts.popularity ?? 0.5;
  if (!(heldOut < perUser && perUser <= I)) {
    throw new RangeError(`Expected heldOut < perUser <= items for options but received ${heldOut}, ${perUser}, ${I}`);
  }
  const rng = new ng.Rng(opts.seed ?? 1);
  const p = Float64Array.from({ length: U * k }, () => rng.normal());
  const q = Float64Array.from({ length: I * k }, () => rng.normal());
  const b = Float64Array.from({ length: I }, () => popularity * rng.normal());
  const affinity = new Float64Array(U * I);
  const train: Int32Array[] = [];
  const test: Int32Array[] = [];
  for (let u = 0; u < U; u++) {
    const keys: { i: number; key: number }[] = [];
    for (let i = 0; i < I; i++) {
      let dot = 0;
      for (let d = 0; d < k; d++) dot += p[u * k + d] * q[i * k + d];
      const s = dot / Math.sqrt(k) + b[i];
      affinity[u * I + i] = s;
      // Gumbel top-k: the perUser largest s / T + Gumbel noise are a draw without replacement.
      keys.push({ i, key: s / temperature - Math.log(-Math.log(rng.uniform() || Number.MIN_VALUE)) });
    }
    keys.sort((x, y) => y.key - x.key);
    const chosen = keys.slice(0, perUser).map((e) => e.i);
    const order = rng.permutation(perUser);
    test.push(Int32Array.from(Array.from(order.subarray(0, heldOut), (j) => chosen[j])));
    train.push(Int32Array.from(Array.from(order.subarray(heldOut), (j) => chosen[j])));
  }
  return { users: U, items: I, train, test, affinity };
}

export interface RecommenderOptions extends InteractionOptions {
  dim?: number;
  epochs?: number;
  lr?: number;
  k?: number;
  log?: (line: string) => void;
}

export async function run(opts: RecommenderOptions = {}) {
  const seed = opts.seed ?? 1;
  const K = opts.k ?? 10;
  const log = opts.log ?? console.log;
  ng.setSeed(seed);
  const data = makeInteractions(opts);
  const { users: U, items: I } = data;

  // One (user, item) row per training interaction.
  const n = data.train.reduce((s, t) => s + t.length, 0);
  const xu = new Int32Array(n);
  const yi = new Int32Array(n);
  let r = 0;
  data.train.forEach((items, u) => { for (const i of items) { xu[r] = u; yi[r] = i; r++; } });
  const x = ng.fromArray(xu, [n, 1]);
  const y = ng.fromArray(yi, [n]);

  const dim = opts.dim ?? 16;
  const model = new ng.nn.Sequential(new ng.nn.Embedding(U, dim), new ng.nn.Flatten(), new ng.nn.Linear(dim, I));
  // Small initial user vectors: every item starts near its bias only.
  ng.noGrad(() => ng.init.normal((model.layers[0] as ng.nn.Embedding).weight, { std: 0.1 }));
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: opts.lr ?? 0.01 });
  await trainer.fit([x, y], { epochs: opts.epochs ?? 10, batchSize: 256, shuffle: true, seed, verbose: 0 });

  // Scores of every item for every user; training items are not recommended again.
  const users = ng.fromArray(Int32Array.from({ length: U }, (_, u) => u), [U, 1]);
  const scores = trainer.predict(users, { batchSize: U });
  const recModel = ng.metrics.topK(scores.data, I, K, data.train);
  const counts = new Float64Array(I);
  for (const t of data.train) for (const i of t) counts[i]++;
  const popScores = new Float64Array(U * I);
  for (let u = 0; u < U; u++) popScores.set(counts, u * I);
  const recPop = ng.metrics.topK(popScores, I, K, data.train);
  const recOracle = ng.metrics.topK(data.affinity, I, K, data.train);

  const score = (rec: Int32Array[]) => ({
    hitRate: ng.metrics.hitRateAtK(data.test, rec, K),
    map: ng.metrics.meanAveragePrecisionAtK(data.test, rec, K),
  });
  const result = { model: score(recModel), popularity: score(recPop), oracle: score(recOracle) };
  log(`${U} users, ${I} items, ${n} training and ${U * data.test[0].length} held-out interactions`);
  for (const [name, m] of Object.entries(result)) {
    log(`${name.padEnd(10)} hit rate@${K} ${m.hitRate.toFixed(4)}  mAP@${K} ${m.map.toFixed(4)}`);
  }
  for (const t of [x, y, users, scores]) t.dispose();
  return { ...result, trainer };
}

if (require.main === module) run().catch((e) => { console.error(e); process.exitCode = 1; });

/**
 * Top-k ranking metrics for recommenders (text/recommendation, issue 14). Per user (or query):
 * `relevant` is the set of held-out items, `recommended` the ranked list the model returns
 * (best first; only the first k entries are read). Each function averages over the users that
 * have at least one relevant item (users without any are skipped, as in most recommender
 * evaluations), and throws when there is none.
 *
 *   hitRateAtK          1 if any relevant item is in the top k, else 0
 *   precisionAtK        (relevant items in the top k) / k
 *   recallAtK           (relevant items in the top k) / |relevant|
 *   averagePrecisionAtK sum over ranks j <= k holding a relevant item of precision@j, divided by
 *                       min(|relevant|, k) (so a perfect list scores 1)
 *   meanAveragePrecisionAtK  its mean over users (mAP@k)
 *   ndcgAtK             DCG@k / ideal DCG@k with gains 1 / log2(rank + 1)
 * A recommended item listed twice counts once (at its first rank).
 */
import { assertPositiveInteger, describe, expected, typeError } from '../../core/validate';

export type ItemList = readonly number[] | Int32Array | Uint32Array | Float64Array | Float32Array;

function checkLists(relevant: unknown, recommended: unknown, k: unknown): { rel: ItemList[]; rec: ItemList[] } {
  assertPositiveInteger(k, 'k');
  for (const [v, name] of [[relevant, 'relevant'], [recommended, 'recommended']] as const) {
    if (!Array.isArray(v)) typeError('array of item lists (one per user)', name, v);
  }
  const rel = relevant as unknown[];
  const rec = recommended as unknown[];
  if (rel.length !== rec.length) {
    throw new RangeError(expected(`${rel.length} lists (one per user, like relevant)`, 'recommended', `${rec.length} lists`));
  }
  const isList = (l: unknown): boolean => Array.isArray(l) || (ArrayBuffer.isView(l) && !(l instanceof DataView));
  rel.forEach((l, u) => { if (!isList(l)) typeError('array of item ids', `relevant[${u}]`, l); });
  rec.forEach((l, u) => { if (!isList(l)) typeError('array of item ids', `recommended[${u}]`, l); });
  return { rel: rel as ItemList[], rec: rec as ItemList[] };
}

/** Ranks (1-based, within the top k) of the relevant items found there, first occurrences only. */
function hitsOf(rel: ItemList, rec: ItemList, k: number): number[] {
  const want = new Set<number>(Array.from(rel as ArrayLike<number>));
  const seen = new Set<number>();
  const ranks: number[] = [];
  const n = Math.min(k, rec.length);
  for (let j = 0; j < n; j++) {
    const item = rec[j];
    if (seen.has(item)) continue;
    seen.add(item);
    if (want.has(item)) ranks.push(j + 1);
  }
  return ranks;
}

function meanOver(relevant: unknown, recommended: unknown, k: unknown, name: string,
  score: (hits: number[], nRel: number, k: number) => number): number {
  const { rel, rec } = checkLists(relevant, recommended, k);
  let total = 0;
  let users = 0;
  for (let u = 0; u < rel.length; u++) {
    const nRel = new Set(Array.from(rel[u] as ArrayLike<number>)).size;
    if (nRel === 0) continue;
    total += score(hitsOf(rel[u], rec[u], k as number), nRel, k as number);
    users++;
  }
  if (users === 0) {
    throw new RangeError(expected(`at least one user with a relevant item for ${name}`, 'relevant', describe(relevant)));
  }
  return total / users;
}

export function hitRateAtK(relevant: readonly ItemList[], recommended: readonly ItemList[], k = 10): number {
  return meanOver(relevant, recommended, k, 'hitRateAtK', (h) => (h.length > 0 ? 1 : 0));
}

export function precisionAtK(relevant: readonly ItemList[], recommended: readonly ItemList[], k = 10): number {
  return meanOver(relevant, recommended, k, 'precisionAtK', (h, _n, kk) => h.length / kk);
}

export function recallAtK(relevant: readonly ItemList[], recommended: readonly ItemList[], k = 10): number {
  return meanOver(relevant, recommended, k, 'recallAtK', (h, n) => h.length / n);
}

/** AP@k of one user's list (0 when nothing relevant is in the top k). */
function apOf(hits: number[], nRel: number, k: number): number {
  let s = 0;
  hits.forEach((rank, i) => { s += (i + 1) / rank; });
  return s / Math.min(nRel, k);
}

/** AP@k of a single ranked list. */
export function averagePrecisionAtK(relevant: ItemList, recommended: ItemList, k = 10): number {
  return meanOver([relevant], [recommended], k, 'averagePrecisionAtK', apOf);
}

export function meanAveragePrecisionAtK(relevant: readonly ItemList[], recommended: readonly ItemList[], k = 10): number {
  return meanOver(relevant, recommended, k, 'meanAveragePrecisionAtK', apOf);
}

export function ndcgAtK(relevant: readonly ItemList[], recommended: readonly ItemList[], k = 10): number {
  return meanOver(relevant, recommended, k, 'ndcgAtK', (h, n, kk) => {
    let dcg = 0;
    for (const rank of h) dcg += 1 / Math.log2(rank + 1);
    let ideal = 0;
    for (let r = 1; r <= Math.min(n, kk); r++) ideal += 1 / Math.log2(r + 1);
    return dcg / ideal;
  });
}

/**
 * The k highest-scoring items of each row of scores (N, I) (row-major), best first; items in
 * `exclude[u]` (e.g. the user's training items) are skipped. Ties go to the lower item id.
 */
export function topK(scores: ArrayLike<number>, numItems: number, k: number, exclude?: readonly ItemList[]): Int32Array[] {
  assertPositiveInteger(numItems, 'numItems');
  assertPositiveInteger(k, 'k');
  if (scores.length % numItems !== 0) {
    throw new RangeError(expected(`a multiple of numItems (${numItems}) scores`, 'scores', `${scores.length} scores`));
  }
  const n = scores.length / numItems;
  if (exclude !== undefined && (!Array.isArray(exclude) || exclude.length !== n)) {
    throw new RangeError(expected(`${n} lists (one per row of scores)`, 'exclude', describe(exclude)));
  }
  const out: Int32Array[] = [];
  for (let u = 0; u < n; u++) {
    const skip = new Set<number>(exclude ? Array.from(exclude[u] as ArrayLike<number>) : []);
    // Keep the best k in a small sorted buffer (k is small; numItems may be large).
    const best: number[] = [];
    const base = u * numItems;
    for (let i = 0; i < numItems; i++) {
      if (skip.has(i)) continue;
      const s = scores[base + i];
      if (Number.isNaN(s)) throw new RangeError(expected('scores that are not NaN', `scores[${base + i}]`, 'NaN'));
      if (best.length === k && s <= scores[base + best[k - 1]]) continue;
      let j = best.length < k ? best.length : k - 1;
      best[j] = i;
      while (j > 0 && scores[base + best[j - 1]] < s) { best[j] = best[j - 1]; best[j - 1] = i; j--; }
    }
    out.push(Int32Array.from(best));
  }
  return out;
}

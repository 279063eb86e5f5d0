/**
 * A small decoder-only language model (GPT): token embedding + positional embedding, a stack of
 * GPTBlocks (causal self-attention), a final LayerNorm (pre-LN) and an output head whose weight
 * is the token embedding's (weight tying, on by default). generate() samples with a key/value
 * cache (each new token costs one position's work) or, for comparison, without one.
 */
import { Module, ModuleConfig } from './module';
import { Embedding, LayerNorm, Dropout, Linear } from './layers';
import { Sequential } from './sequential';
import { GPTBlock, LearnedPositionalEmbedding, SinusoidalPositionalEmbedding, type KVCache } from './transformer';
import { Tensor } from '../tensor/tensor';
import { empty, fromArray } from '../tensor/create';
import { assertTensor } from '../tensor/check';
import { tidy } from '../tensor/scope';
import { noGrad } from '../autograd/node';
import { Rng, globalRng } from '../core/random';
import * as F from '../ops';
import { crossEntropy } from '../losses';
import { withPackedWeights } from '../ops/packed';
import * as init from './init';
import { assertBoolean, assertInteger, assertNumberInRange, assertOneOf, assertPositiveInteger } from './layer-args';
import { describe, expected, fmtShape } from '../core/validate';

export interface GPTConfig {
  vocabSize: number;
  /** Longest sequence (rows of the positional table). */
  contextLength: number;
  dModel?: number;
  numLayers?: number;
  numHeads?: number;
  /** Default 4 dModel. */
  dimFeedforward?: number;
  dropout?: number;
  positional?: 'learned' | 'sinusoidal';
  /** The output head reuses the token embedding (default true). */
  tieWeights?: boolean;
  /** Pre-LN blocks (default true); false: post-LN. */
  normFirst?: boolean;
  activation?: 'relu' | 'gelu';
  bias?: boolean;
}

export interface GenerateOptions {
  maxTokens?: number;
  /** Divides the logits (default 1); 0 picks the most likely token. */
  temperature?: number;
  /** Sample among the k most likely tokens only. */
  topK?: number;
  /** Nucleus sampling: the smallest set of tokens whose probability reaches topP. */
  topP?: number;
  /**
   * Seed of the sampler (default: a generator forked from the global one, so ng.setSeed fixes
   * it). With a batch of prompts: every sequence gets a generator seeded with it, or pass one
   * seed per prompt.
   */
  seed?: number | number[];
  /** Use the key/value cache (default true). */
  useCache?: boolean;
}

/** Decoder-only transformer language model. forward(tokens (B, T) int32) -> logits (B, T, vocabSize). */
export class GPT extends Module {
  readonly cfg: Required<GPTConfig>;
  readonly tok_emb: Embedding;
  readonly pos_emb: LearnedPositionalEmbedding | SinusoidalPositionalEmbedding;
  readonly drop: Dropout;
  readonly blocks: Sequential;
  readonly ln_f: LayerNorm | null;
  readonly lm_head: Linear | null;

  constructor(config: GPTConfig) {
    super();
    if (typeof config !== 'object' || config === null) throw new TypeError(expected('GPT config object', 'config', describe(config)));
    const dModel = config.dModel ?? 128;
    const c: Required<GPTConfig> = {
      vocabSize: config.vocabSize, contextLength: config.contextLength, dModel, numLayers: config.numLayers ?? 4,
      numHeads: config.numHeads ?? 4, dimFeedforward: config.dimFeedforward ?? 4 * dModel, dropout: config.dropout ?? 0,
      positional: config.positional ?? 'learned', tieWeights: config.tieWeights ?? true, normFirst: config.normFirst ?? true,
      activation: config.activation ?? 'gelu', bias: config.bias ?? true,
    };
    assertPositiveInteger(c.vocabSize, 'vocabSize');
    assertPositiveInteger(c.contextLength, 'contextLength');
    assertPositiveInteger(c.dModel, 'dModel');
    assertPositiveInteger(c.numLayers, 'numLayers');
    assertPositiveInteger(c.numHeads, 'numHeads');
    if (c.dModel % c.numHeads !== 0) throw new RangeError(expected(`dModel divisible by numHeads (${c.numHeads})`, 'dModel', `${c.dModel}`));
    assertOneOf(c.positional, 'positional', ['learned', 'sinusoidal'] as const);
    assertBoolean(c.tieWeights, 'tieWeights');
    assertBoolean(c.normFirst, 'normFirst');
    this.cfg = c;
    this.tok_emb = this.registerModule('tok_emb', new Embedding(c.vocabSize, c.dModel));
    init.normal(this.tok_emb.weight, { std: 0.02 });
    this.pos_emb = this.registerModule('pos_emb', c.positional === 'learned'
      ? new LearnedPositionalEmbedding(c.contextLength, c.dModel) : new SinusoidalPositionalEmbedding(c.contextLength, c.dModel));
    this.drop = this.registerModule('drop', new Dropout(c.dropout));
    const blocks: GPTBlock[] = [];
    for (let i = 0; i < c.numLayers; i++) {
      blocks.push(new GPTBlock(c.dModel, c.numHeads, { dimFeedforward: c.dimFeedforward, dropout: c.dropout,
        normFirst: c.normFirst, activation: c.activation, bias: c.bias }));
    }
    this.blocks = this.registerModule('blocks', new Sequential(...blocks));
    // GPT-2's initialization: N(0, 0.02) weights, zero biases, residual projections scaled by 1/sqrt(2 layers).
    for (const b of blocks) {
      for (const lin of [b.linear1, b.linear2, b.self_attn.out_proj]) {
        init.normal(lin.weight, { std: lin === b.linear1 ? 0.02 : 0.02 / Math.sqrt(2 * c.numLayers) });
        if (lin.bias) init.zeros(lin.bias);
      }
      if (b.self_attn.in_proj_weight) init.normal(b.self_attn.in_proj_weight, { std: 0.02 });
    }
    this.ln_f = c.normFirst ? this.registerModule('ln_f', new LayerNorm(c.dModel)) : null;
    this.lm_head = c.tieWeights ? null : this.registerModule('lm_head', new Linear(c.dModel, c.vocabSize, { bias: false }));
    if (this.lm_head) init.normal(this.lm_head.weight, { std: 0.02 });
  }

  /** Checks token ids: int32 (B, T), T <= contextLength, every id in [0, vocabSize). */
  private checkTokens(tokens: Tensor, offset = 0): void {
    assertTensor(tokens, 'tokens', 'int32');
    if (tokens.shape.length !== 2) throw new RangeError(expected('shape [batch, seq]', 'tokens', fmtShape(tokens.shape)));
    const T = tokens.shape[1];
    if (T + offset > this.cfg.contextLength) {
      throw new RangeError(expected(`sequence length <= ${this.cfg.contextLength - offset} (contextLength ${this.cfg.contextLength})`,
        'tokens', `length ${T}${offset ? ` after ${offset} cached positions` : ''}`));
    }
    const ids = tokens.data as Int32Array;
    const V = this.cfg.vocabSize;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= V) {
        throw new RangeError(expected(`token id in [0, ${V})`, `tokens[${Math.floor(i / Math.max(T, 1))}][${i % Math.max(T, 1)}]`, `${ids[i]}`));
      }
    }
  }

  private embed(tokens: Tensor, offset: number): Tensor {
    this.checkTokens(tokens, offset);
    let x = this.tok_emb.forward(tokens);
    // With the fixed (unit-amplitude) sinusoids, token embeddings are scaled by sqrt(dModel)
    // as in Vaswani et al., so that positions do not drown the N(0, 0.02) token vectors.
    if (this.cfg.positional === 'sinusoidal') x = F.mul(x, Math.sqrt(this.cfg.dModel));
    return this.drop.forward(this.pos_emb.forward(x, offset));
  }

  private head(x: Tensor): Tensor {
    if (this.ln_f) x = this.ln_f.forward(x);
    return this.lm_head ? this.lm_head.forward(x) : F.linear(x, this.tok_emb.weight, null);
  }

  forward(tokens: Tensor): Tensor {
    return this.head(this.blocks.forward(this.embed(tokens, 0)));
  }

  /** Mean next-token cross-entropy of tokens (B, T) against targets (B, T) (int32). */
  loss(tokens: Tensor, targets: Tensor): Tensor {
    assertTensor(targets, 'targets', 'int32');
    if (targets.shape.length !== 2 || targets.shape[0] !== tokens.shape[0] || targets.shape[1] !== tokens.shape[1]) {
      throw new RangeError(expected(`shape ${fmtShape(tokens.shape)} (the tokens' shape)`, 'targets', fmtShape(targets.shape)));
    }
    const logits = this.forward(tokens);
    const N = tokens.size;
    return crossEntropy(F.reshape(logits, [N, this.cfg.vocabSize]), F.reshape(targets, [N]));
  }

  /**
   * Logits (vocabSize each) of the last position after each row's new tokens, extending that
   * row's caches (inference). Rows with the same number of new tokens run as one batch (their
   * caches may hold different lengths: positions and attention are per row); a row with a
   * different count runs alone.
   */
  private stepCached(pending: number[][], caches: KVCache[][]): Float32Array[] {
    const V = this.cfg.vocabSize;
    const out = new Array<Float32Array>(pending.length);
    const groups = new Map<number, number[]>();
    pending.forEach((ids, r) => groups.set(ids.length, [...(groups.get(ids.length) ?? []), r]));
    for (const [T, rows] of groups) {
      const offsets = rows.map((r) => caches[r][0].len);
      const embedRow = (r: number): Tensor => this.embed(fromArray(Int32Array.from(pending[r]), [1, T]), caches[r][0].len);
      let x = offsets.every((o) => o === offsets[0])
        ? this.embed(fromArray(Int32Array.from(rows.flatMap((r) => pending[r])), [rows.length, T]), offsets[0])
        : F.concat(rows.map(embedRow), 0);
      this.blocks.children().forEach((b, i) => { x = (b as GPTBlock).forwardCached(x, rows.map((r) => caches[r][i])); });
      const logits = this.head(F.slice(x, T - 1, T, 1)).data as Float32Array;
      rows.forEach((r, k) => { out[r] = logits.slice(k * V, (k + 1) * V); });
    }
    return out;
  }

  /** Logits of the last position of a full forward pass over ids (no cache). */
  private stepFull(ids: number[]): Float32Array {
    const logits = this.forward(fromArray(Int32Array.from(ids), [1, ids.length]));
    const V = this.cfg.vocabSize;
    return (logits.data as Float32Array).slice((ids.length - 1) * V, ids.length * V);
  }

  /** Checks one prompt (an array of token ids); returns it as a plain array. */
  private promptArg(p: unknown, name: string): number[] {
    if (!Array.isArray(p) && !(p instanceof Int32Array)) throw new TypeError(expected('array of token ids', name, describe(p)));
    if (p.length === 0) throw new RangeError(expected('at least one token id', name, 'an empty array'));
    const V = this.cfg.vocabSize;
    for (let i = 0; i < p.length; i++) {
      const t = p[i];
      if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(expected(`token id in [0, ${V})`, `${name}[${i}]`, describe(t)));
    }
    return Array.from(p as ArrayLike<number>);
  }

  /**
   * Samples maxTokens new token ids after promptIds; returns the new ids only. promptIds is one
   * prompt (-> number[]) or a batch of prompts of any lengths (-> one number[] per prompt).
   * With the cache (default) each prompt is run once and each new token costs one position;
   * when a sequence's context fills up, its cache restarts from its last contextLength / 2
   * tokens. A batch keeps one cache per sequence and runs each step's new tokens of all
   * sequences as one batch (the projections and feed-forward layers as one product; attention
   * per sequence over its own positions, so prompts of different lengths need no padding or
   * mask); prompts of different lengths are first run per length. Without the cache, every token
   * reruns the last contextLength tokens of each sequence (the reference path).
   * Sampling is per sequence: `seed` (a number) gives every sequence its own generator seeded
   * with it, `seed` as an array one seed per sequence, none a generator forked from the global
   * one per sequence in order; so sequence b of a batch gets exactly the tokens that generating
   * it alone with the same seed gives (up to floating-point ties of the batched products).
   */
  generate(promptIds: ArrayLike<number>, opts?: GenerateOptions): number[];
  generate(promptIds: readonly ArrayLike<number>[], opts?: GenerateOptions): number[][];
  generate(promptIds: ArrayLike<number> | readonly ArrayLike<number>[], opts: GenerateOptions = {}): number[] | number[][] {
    const batched = Array.isArray(promptIds) && promptIds.length > 0 && typeof promptIds[0] !== 'number';
    if (batched && !(promptIds as unknown[]).every((p) => Array.isArray(p) || p instanceof Int32Array)) {
      throw new TypeError(expected('array of token ids or array of prompts (arrays of token ids)', 'promptIds',
        `a mix of ${describe((promptIds as unknown[]).find((p) => !Array.isArray(p) && !(p instanceof Int32Array)))} and prompts`));
    }
    const prompts = batched
      ? (promptIds as unknown[]).map((p, b) => this.promptArg(p, `promptIds[${b}]`)) : [this.promptArg(promptIds, 'promptIds')];
    const B = prompts.length;
    const ctx = this.cfg.contextLength;
    const maxTokens = opts.maxTokens ?? 100;
    assertInteger(maxTokens, 'maxTokens');
    assertNumberInRange(maxTokens, 'maxTokens', 0, Infinity);
    const temperature = opts.temperature ?? 1;
    assertNumberInRange(temperature, 'temperature', 0, Infinity);
    if (opts.topK !== undefined) assertPositiveInteger(opts.topK, 'topK');
    if (opts.topP !== undefined) assertNumberInRange(opts.topP, 'topP', 0, 1, { loOpen: true });
    const useCache = opts.useCache ?? true;
    assertBoolean(useCache, 'useCache');
    const rngs = seedsArg(opts.seed, B, batched);
    const seqs = prompts.map((p) => p.slice());
    const outs: number[][] = prompts.map(() => []);
    const wasTraining = this.training;
    this.eval();
    const E = this.cfg.dModel;
    const caches: KVCache[][] = useCache
      ? prompts.map(() => this.blocks.children().map(() => ({ k: empty([ctx, E]), v: empty([ctx, E]), len: 0 }))) : [];
    try {
      // Weights do not change while generating: each linear weight is packed for the GEMM once.
      withPackedWeights(() => noGrad(() => {
        const pending = seqs.map((s) => s.slice(-ctx));
        for (let n = 0; n < maxTokens; n++) {
          const logits = tidy(() => {
            if (!useCache) return seqs.map((s) => this.stepFull(s.slice(-ctx)));
            seqs.forEach((s, b) => {
              if (caches[b][0].len + pending[b].length > ctx) {
                for (const c of caches[b]) c.len = 0;
                pending[b] = s.slice(-Math.max(1, Math.floor(ctx / 2)));
              }
            });
            return this.stepCached(pending, caches);
          });
          logits.forEach((l, b) => {
            const next = sample(l, temperature, opts.topK, opts.topP, rngs[b]);
            seqs[b].push(next);
            outs[b].push(next);
            pending[b] = [next];
          });
        }
      }));
    } finally {
      for (const c of caches.flat()) { c.k.dispose(); c.v.dispose(); }
      this.train(wasTraining);
    }
    return batched ? outs : outs[0];
  }

  getConfig(): ModuleConfig {
    return { type: 'GPT', args: { ...this.cfg } };
  }
  protected override extraRepr(): string {
    return `vocab=${this.cfg.vocabSize}, context=${this.cfg.contextLength}, d=${this.cfg.dModel}`;
  }
}

/** The per-sequence samplers of generate: seed (every sequence), seeds (one each) or forks of the global generator. */
function seedsArg(seed: unknown, B: number, batched: boolean): Rng[] {
  if (seed === undefined) return Array.from({ length: B }, () => globalRng.fork());
  if (Array.isArray(seed)) {
    if (!batched || seed.length !== B) {
      throw new RangeError(expected(batched ? `${B} seeds (one per prompt)` : 'one integer (a single prompt)', 'seed', describe(seed)));
    }
    return seed.map((v, b) => {
      assertInteger(v, `seed[${b}]`);
      return new Rng(v);
    });
  }
  assertInteger(seed, 'seed');
  return Array.from({ length: B }, () => new Rng(seed));
}

const keyF32 = new Float32Array(1);
const keyU32 = new Uint32Array(keyF32.buffer);
const INDEX_RANGE = 2 ** 21; // key = rank of the value * 2^21 + index < 2^53: exact in a double

/**
 * Token ids by logit, largest first, ties (and -0 vs +0) by id: the order of
 * `ids.sort((a, b) => logits[b] - logits[a] || a - b)`, computed as one numeric sort of
 * Float64Array keys (the float's bits turned into a descending rank, times 2^21, plus the id),
 * several times faster than the comparator sort (generate samples once per token). NaN logits
 * or vocabularies of 2^21 ids or more take the comparator sort.
 */
export function descendingOrder(logits: Float32Array): Int32Array {
  const V = logits.length;
  const comparatorSort = (): Int32Array => Int32Array.from(Array.from({ length: V }, (_, i) => i)
    .sort((a, b) => logits[b] - logits[a] || a - b));
  if (V >= INDEX_RANGE) return comparatorSort();
  const keys = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    const x = logits[i];
    if (x !== x) return comparatorSort();
    keyF32[0] = x === 0 ? 0 : x; // -0 ranks with +0
    const b = keyU32[0];
    // Unsigned bits in the order of the values (negatives reversed), then reversed: largest first.
    const asc = b >= 0x80000000 ? (~b >>> 0) : b + 0x80000000;
    keys[i] = (0xffffffff - asc) * INDEX_RANGE + i;
  }
  keys.sort();
  const order = new Int32Array(V);
  for (let r = 0; r < V; r++) order[r] = keys[r] % INDEX_RANGE;
  return order;
}

/** One token id from logits: greedy at temperature 0, else softmax(logits / T) restricted by topK / topP. */
export function sample(logits: Float32Array, temperature: number, topK: number | undefined, topP: number | undefined,
  rng: Rng): number {
  const V = logits.length;
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const order = descendingOrder(logits);
  const k = Math.min(topK ?? V, V);
  const mx = logits[order[0]];
  const probs: number[] = [];
  let total = 0;
  for (let r = 0; r < k; r++) {
    const p = Math.exp((logits[order[r]] - mx) / temperature);
    probs.push(p);
    total += p;
  }
  let keep = k;
  if (topP !== undefined && topP < 1) {
    let acc = 0;
    for (let r = 0; r < k; r++) {
      acc += probs[r] / total;
      if (acc >= topP) { keep = r + 1; break; }
    }
  }
  let mass = 0;
  for (let r = 0; r < keep; r++) mass += probs[r];
  let u = rng.uniform() * mass;
  for (let r = 0; r < keep; r++) {
    u -= probs[r];
    if (u <= 0) return order[r];
  }
  return order[keep - 1];
}

/**
 * Attention layers with PyTorch's names and semantics: MultiheadAttention,
 * TransformerEncoderLayer, a decoder-only (GPT) block, and learned / sinusoidal positional
 * embeddings. Parameter names are PyTorch's (in_proj_weight, out_proj.weight, self_attn.*,
 * linear1, norm1, ...), so a PyTorch state_dict loads with loadStateDict as it is.
 *
 * Attention runs the fused kernel (lib/ops/attention.ts) unless the weights are wanted or
 * attention dropout is active, which take the unfused (scores -> softmax -> dropout) path.
 */
import { Module, ModuleConfig } from './module';
import { Linear, LayerNorm, Dropout } from './layers';
import { Tensor } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { assertTensor } from '../tensor/check';
import * as F from '../ops';
import * as init from './init';
import { attentionFused, attentionUnfused, prepareMasks, type AttnShape, type HeadView } from '../ops/attention';
import { assertPositiveInteger, assertBoolean, assertNumberInRange, assertOneOf, shapeError } from './layer-args';
import { describe, expected, fmtShape } from '../core/validate';

export interface MultiheadAttentionOptions {
  /** Inputs and output are (batch, seq, feature) (default false: (seq, batch, feature)). */
  batchFirst?: boolean;
  bias?: boolean;
  /** Dropout on the attention weights while training. */
  dropout?: number;
  /** Feature sizes of key and value (default embedDim). */
  kdim?: number;
  vdim?: number;
}

export interface MultiheadAttentionForwardOptions {
  /** (Tq, Tk) or (batch * numHeads, Tq, Tk): float32 added to the scores, or int32 (nonzero = may not attend). */
  attnMask?: Tensor | null;
  /** (batch, Tk): float32 added, or int32 (nonzero = padding, ignored). */
  keyPaddingMask?: Tensor | null;
  /** Causal mask (query i sees keys j <= i); used when attnMask is not given. */
  isCausal?: boolean;
  /** Return the attention weights (PyTorch's default: true). */
  needWeights?: boolean;
  /** Average the weights over heads -> (batch, Tq, Tk); else (batch, numHeads, Tq, Tk). Default true. */
  averageAttnWeights?: boolean;
}

/** @internal Keys and values of earlier positions for incremental decoding (batch 1, self-attention). */
export interface KVCache {
  k: Tensor; // (capacity, E)
  v: Tensor;
  len: number;
}

const FORWARD_KEYS = ['attnMask', 'keyPaddingMask', 'isCausal', 'needWeights', 'averageAttnWeights'];

/** A forward options object with known keys only (typos such as `attn_mask` throw). */
function checkOptions(opts: object, keys: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new TypeError(expected('options object', 'opts', describe(opts)));
  for (const k of Object.keys(opts)) {
    if (!keys.includes(k)) throw new TypeError(expected(`one of ${keys.join(', ')}`, 'option name', `"${k}"`));
  }
}

/** (T, B, E) <-> (B, T, E) by a row gather (differentiable). */
function swapBatchSeq(x: Tensor): Tensor {
  const [A, Bd, E] = x.shape;
  const idx = new Int32Array(A * Bd);
  for (let b = 0; b < Bd; b++) for (let a = 0; a < A; a++) idx[b * A + a] = a * Bd + b;
  return F.reshape(F.gather(F.reshape(x, [A * Bd, E]), idx), [Bd, A, E]);
}

/**
 * Multi-head attention (PyTorch's nn.MultiheadAttention): forward(query, key, value, opts)
 * returns [output, weights | null].
 */
export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropoutP: number;
  readonly kdim: number;
  readonly vdim: number;
  /** (3 E, E) when kdim = vdim = embedDim (PyTorch's packed projection). */
  readonly in_proj_weight: Tensor | null;
  readonly q_proj_weight: Tensor | null;
  readonly k_proj_weight: Tensor | null;
  readonly v_proj_weight: Tensor | null;
  readonly in_proj_bias: Tensor | null;
  readonly out_proj: Linear;

  constructor(readonly embedDim: number, readonly numHeads: number, readonly opts: MultiheadAttentionOptions = {}) {
    super();
    assertPositiveInteger(embedDim, 'embedDim');
    assertPositiveInteger(numHeads, 'numHeads');
    if (embedDim % numHeads !== 0) {
      throw new RangeError(expected(`embedDim divisible by numHeads (${numHeads})`, 'embedDim', `${embedDim}`));
    }
    this.headDim = embedDim / numHeads;
    this.batchFirst = opts.batchFirst ?? false;
    assertBoolean(this.batchFirst, 'batchFirst');
    const bias = opts.bias ?? true;
    assertBoolean(bias, 'bias');
    this.dropoutP = opts.dropout ?? 0;
    assertNumberInRange(this.dropoutP, 'dropout', 0, 1, { hiOpen: true });
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    assertPositiveInteger(this.kdim, 'kdim');
    assertPositiveInteger(this.vdim, 'vdim');
    const E = embedDim;
    if (this.kdim === E && this.vdim === E) {
      this.in_proj_weight = this.registerParameter('in_proj_weight', init.xavierUniform(empty([3 * E, E])));
      this.q_proj_weight = this.k_proj_weight = this.v_proj_weight = null;
    } else {
      this.in_proj_weight = null;
      this.q_proj_weight = this.registerParameter('q_proj_weight', init.xavierUniform(empty([E, E])));
      this.k_proj_weight = this.registerParameter('k_proj_weight', init.xavierUniform(empty([E, this.kdim])));
      this.v_proj_weight = this.registerParameter('v_proj_weight', init.xavierUniform(empty([E, this.vdim])));
    }
    this.in_proj_bias = bias ? this.registerParameter('in_proj_bias', init.zeros(empty([3 * E]))) : null;
    this.out_proj = this.registerModule('out_proj', new Linear(E, E, { bias }));
    if (this.out_proj.bias) init.zeros(this.out_proj.bias);
  }

  get packed(): boolean {
    return this.in_proj_weight !== null;
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    assertTensor(query, 'query', 'float32');
    assertTensor(key, 'key', 'float32');
    assertTensor(value, 'value', 'float32');
    checkOptions(opts, FORWARD_KEYS);
    const E = this.embedDim;
    const unbatched = query.shape.length === 2;
    const rank = unbatched ? 2 : 3;
    const featOf = (t: Tensor, name: string, dim: number): void => {
      if (t.shape.length !== rank || t.shape[rank - 1] !== dim) {
        const want = unbatched ? [null, dim] : [null, null, dim];
        throw new RangeError(expected(`shape ${fmtShape(want)}${unbatched ? '' : this.batchFirst ? ' (batch, seq, feature)' : ' (seq, batch, feature)'}`,
          name, fmtShape(t.shape)));
      }
    };
    if (rank !== query.shape.length || (query.shape.length !== 2 && query.shape.length !== 3)) {
      throw new RangeError(expected('shape [seq, feature] or a 3-D batch', 'query', fmtShape(query.shape)));
    }
    featOf(query, 'query', E);
    featOf(key, 'key', this.kdim);
    featOf(value, 'value', this.vdim);
    // To (B, T, feature).
    const toBTE = (t: Tensor): Tensor => (unbatched ? F.reshape(t, [1, ...t.shape]) : this.batchFirst ? t : swapBatchSeq(t));
    const q = toBTE(query), k = toBTE(key), v = toBTE(value);
    const [B, Tq] = q.shape;
    const Tk = k.shape[1];
    if (k.shape[0] !== B || v.shape[0] !== B || v.shape[1] !== Tk) {
      throw new RangeError(expected(`key and value with batch ${B} and equal lengths`, 'key/value',
        `${fmtShape(key.shape)} and ${fmtShape(value.shape)}`));
    }
    const needWeights = opts.needWeights ?? true;
    assertBoolean(needWeights, 'needWeights');
    const average = opts.averageAttnWeights ?? true;
    assertBoolean(average, 'averageAttnWeights');
    const isCausal = opts.isCausal ?? false;
    assertBoolean(isCausal, 'isCausal');
    const masks = prepareMasks(opts.attnMask, opts.keyPaddingMask, B, this.numHeads, Tq, Tk);
    const causal = isCausal && !opts.attnMask;
    if (causal && Tq !== Tk) throw new RangeError(expected(`key length ${Tq} (the query length) with isCausal`, 'key', fmtShape(key.shape)));
    const [qv, kv, vv] = this.project(q, k, v, query === key && key === value);
    const s: AttnShape = { B, H: this.numHeads, Tq, Tk, D: this.headDim, scale: 1 / Math.sqrt(this.headDim), causal, causalOffset: 0 };
    const dropoutOn = this.training && this.dropoutP > 0;
    let attn: Tensor;
    let weights: Tensor | null = null;
    if (needWeights || dropoutOn) {
      [attn, weights] = attentionUnfused(qv, kv, vv, s, masks, this.dropoutP, this.training);
      if (!needWeights) weights = null;
      else if (average) weights = F.mean(weights, 1);
    } else {
      attn = attentionFused(qv, kv, vv, s, masks);
    }
    let out = this.out_proj.forward(attn);
    if (unbatched) {
      out = F.reshape(out, [Tq, E]);
      if (weights) weights = F.reshape(weights, weights.shape.slice(1));
    } else if (!this.batchFirst) {
      out = swapBatchSeq(out);
    }
    return [out, weights];
  }

  /** q, k, v projections as head views ((B, T, E) rows; one GEMM for self-attention). */
  private project(q: Tensor, k: Tensor, v: Tensor, self: boolean): [HeadView, HeadView, HeadView] {
    const E = this.embedDim;
    const bias = (i: number): Tensor | null => (this.in_proj_bias ? F.slice(this.in_proj_bias, i * E, (i + 1) * E) : null);
    if (self && this.in_proj_weight) {
      const qkv = F.linear(q, this.in_proj_weight, this.in_proj_bias);
      return [{ t: qkv, off: 0, ld: 3 * E }, { t: qkv, off: E, ld: 3 * E }, { t: qkv, off: 2 * E, ld: 3 * E }];
    }
    const w = (i: number): Tensor => this.in_proj_weight ? F.slice(this.in_proj_weight, i * E, (i + 1) * E)
      : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][i] as Tensor;
    const view = (t: Tensor): HeadView => ({ t, off: 0, ld: E });
    return [view(F.linear(q, w(0), bias(0))), view(F.linear(k, w(1), bias(1))), view(F.linear(v, w(2), bias(2)))];
  }

  /**
   * @internal Self-attention of new positions x (B, Tnew, E) (batch first, inference) against
   * the cached keys and values, which it extends; returns the output (B, Tnew, E). One cache per
   * row of the batch (a single cache: batch 1); the rows' caches may hold different lengths
   * (each row attends to its own positions only). The projections run once for the whole batch.
   */
  forwardCached(x: Tensor, cache: KVCache | readonly KVCache[]): Tensor {
    const E = this.embedDim;
    const caches = Array.isArray(cache) ? cache : [cache as KVCache];
    const [B, Tnew] = x.shape;
    if (!this.in_proj_weight) throw new Error('Expected kdim = vdim = embedDim for a key/value cache');
    if (B !== caches.length) throw new RangeError(expected(`${B} caches (one per row of the input)`, 'cache', `${caches.length}`));
    caches.forEach((c, b) => {
      const cap = c.k.shape[0];
      if (c.len + Tnew > cap) {
        throw new RangeError(expected(`at most ${cap - c.len} new positions (cache capacity ${cap})`, B === 1 ? 'input' : `input[${b}]`, `${Tnew}`));
      }
    });
    const qkv = F.linear(x, this.in_proj_weight, this.in_proj_bias);
    const src = qkv.f32;
    const rows = caches.map((c, b) => {
      const kd = c.k.f32, vd = c.v.f32, at = b * Tnew * 3 * E;
      for (let t = 0; t < Tnew; t++) {
        kd.set(src.subarray(at + t * 3 * E + E, at + t * 3 * E + 2 * E), (c.len + t) * E);
        vd.set(src.subarray(at + t * 3 * E + 2 * E, at + t * 3 * E + 3 * E), (c.len + t) * E);
      }
      const Tk = c.len + Tnew;
      const s: AttnShape = { B: 1, H: this.numHeads, Tq: Tnew, Tk, D: this.headDim, scale: 1 / Math.sqrt(this.headDim),
        causal: true, causalOffset: c.len };
      const attn = attentionFused({ t: qkv, off: at, ld: 3 * E }, { t: c.k, off: 0, ld: E }, { t: c.v, off: 0, ld: E }, s,
        { mask: null, maskStride: 0, kpm: null });
      c.len = Tk;
      return attn;
    });
    return this.out_proj.forward(B === 1 ? rows[0] : F.concat(rows, 0));
  }

  getConfig(): ModuleConfig {
    return { type: 'MultiheadAttention', args: { embedDim: this.embedDim, numHeads: this.numHeads, batchFirst: this.batchFirst,
      bias: this.in_proj_bias !== null, dropout: this.dropoutP, kdim: this.kdim, vdim: this.vdim } };
  }
  protected override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}`;
  }
}

export interface TransformerEncoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-LN (x + f(norm(x))) instead of post-LN (norm(x + f(x))). */
  normFirst?: boolean;
  bias?: boolean;
}

export interface TransformerEncoderLayerForwardOptions {
  /** attnMask of the self-attention. */
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/** PyTorch's nn.TransformerEncoderLayer: self-attention and a feed-forward block with residuals. */
export class TransformerEncoderLayer extends Module {
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dimFeedforward: number;
  readonly activation: 'relu' | 'gelu';
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly layerNormEps: number;
  readonly dropoutP: number;

  constructor(readonly dModel: number, readonly nhead: number, readonly opts: TransformerEncoderLayerOptions = {}) {
    super();
    assertPositiveInteger(dModel, 'dModel');
    assertPositiveInteger(nhead, 'nhead');
    if (dModel % nhead !== 0) throw new RangeError(expected(`dModel divisible by nhead (${nhead})`, 'dModel', `${dModel}`));
    this.dimFeedforward = opts.dimFeedforward ?? 2048;
    assertPositiveInteger(this.dimFeedforward, 'dimFeedforward');
    this.dropoutP = opts.dropout ?? 0.1;
    assertNumberInRange(this.dropoutP, 'dropout', 0, 1, { hiOpen: true });
    this.activation = opts.activation ?? 'relu';
    assertOneOf(this.activation, 'activation', ['relu', 'gelu'] as const);
    this.layerNormEps = opts.layerNormEps ?? 1e-5;
    this.batchFirst = opts.batchFirst ?? false;
    assertBoolean(this.batchFirst, 'batchFirst');
    this.normFirst = opts.normFirst ?? false;
    assertBoolean(this.normFirst, 'normFirst');
    const bias = opts.bias ?? true;
    assertBoolean(bias, 'bias');
    this.self_attn = this.registerModule('self_attn', new MultiheadAttention(dModel, nhead,
      { batchFirst: this.batchFirst, bias, dropout: this.dropoutP }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, this.dimFeedforward, { bias }));
    this.dropout = this.registerModule('dropout', new Dropout(this.dropoutP));
    this.linear2 = this.registerModule('linear2', new Linear(this.dimFeedforward, dModel, { bias }));
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, this.layerNormEps));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, this.layerNormEps));
    this.dropout1 = this.registerModule('dropout1', new Dropout(this.dropoutP));
    this.dropout2 = this.registerModule('dropout2', new Dropout(this.dropoutP));
  }

  forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}): Tensor {
    assertTensor(src, 'src', 'float32');
    checkOptions(opts, ['mask', 'srcKeyPaddingMask', 'isCausal']);
    const o: MultiheadAttentionForwardOptions = { attnMask: opts.mask ?? null, keyPaddingMask: opts.srcKeyPaddingMask ?? null,
      isCausal: opts.isCausal ?? false };
    return this.run(src, (x) => this.self_attn.forward(x, x, x, { ...o, needWeights: false })[0]);
  }

  /** The residual structure around a self-attention function. */
  protected run(x: Tensor, attend: (x: Tensor) => Tensor): Tensor {
    const sa = (t: Tensor): Tensor => this.dropout1.forward(attend(t));
    if (this.normFirst) {
      x = F.add(x, sa(this.norm1.forward(x)));
      return F.add(x, this.feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(F.add(x, sa(x)));
    return this.norm2.forward(F.add(x, this.feedForward(x)));
  }

  private feedForward(x: Tensor): Tensor {
    const h = this.dropout.forward(this.linear1.forwardWith(x, this.activation));
    return this.dropout2.forward(this.linear2.forward(h));
  }

  /** @internal Incremental decoding step (batch first, inference; one cache per row, see MultiheadAttention). */
  forwardCached(x: Tensor, cache: KVCache | readonly KVCache[]): Tensor {
    return this.run(x, (t) => this.self_attn.forwardCached(t, cache));
  }

  getConfig(): ModuleConfig {
    return { type: this.constructor.name, args: { dModel: this.dModel, nhead: this.nhead, dimFeedforward: this.dimFeedforward,
      dropout: this.dropoutP, activation: this.activation, layerNormEps: this.layerNormEps, batchFirst: this.batchFirst,
      normFirst: this.normFirst, bias: this.linear1.bias !== null } };
  }
  protected override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${this.dimFeedforward}, normFirst=${this.normFirst}`;
  }
}

export type GPTBlockOptions = Omit<TransformerEncoderLayerOptions, 'batchFirst'>;

/**
 * A decoder-only (GPT) block: causal self-attention and a feed-forward block, batch first,
 * pre-LN by default (normFirst: false gives the post-LN block of the original Transformer).
 * Defaults: dimFeedforward 4 dModel, GELU, dropout 0. forward(x) is always causal.
 */
export class GPTBlock extends TransformerEncoderLayer {
  constructor(dModel: number, nhead: number, opts: GPTBlockOptions = {}) {
    super(dModel, nhead, { dimFeedforward: 4 * dModel, activation: 'gelu', dropout: 0, normFirst: true, ...opts, batchFirst: true });
  }

  override forward(x: Tensor, opts: Omit<TransformerEncoderLayerForwardOptions, 'isCausal' | 'mask'> = {}): Tensor {
    return super.forward(x, { ...opts, isCausal: true });
  }

  override getConfig(): ModuleConfig {
    const c = super.getConfig();
    delete c.args.batchFirst;
    return c;
  }
}

/** Checks (B, T, dim) input against a positional table of maxLen rows starting at offset. */
function checkPositions(x: Tensor, maxLen: number, dim: number, offset: number): void {
  assertTensor(x, 'input', 'float32');
  if (x.shape.length !== 3 || x.shape[2] !== dim) shapeError([null, null, dim], 'input', x.shape);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(expected('non-negative integer', 'offset', describe(offset)));
  if (offset + x.shape[1] > maxLen) {
    throw new RangeError(expected(`sequence length <= ${maxLen - offset} (the positional table has ${maxLen} rows)`, 'input',
      `length ${x.shape[1]}${offset ? ` at offset ${offset}` : ''}`));
  }
}

/** Learned absolute positions: forward(x (B, T, dim), offset) = x + weight[offset : offset + T]. */
export class LearnedPositionalEmbedding extends Module {
  readonly weight: Tensor;
  constructor(readonly maxLen: number, readonly dim: number) {
    super();
    assertPositiveInteger(maxLen, 'maxLen');
    assertPositiveInteger(dim, 'dim');
    this.weight = this.registerParameter('weight', init.normal(empty([maxLen, dim]), { std: 0.02 }));
  }
  forward(x: Tensor, offset = 0): Tensor {
    checkPositions(x, this.maxLen, this.dim, offset);
    return F.add(x, F.slice(this.weight, offset, offset + x.shape[1]));
  }
  getConfig(): ModuleConfig { return { type: 'LearnedPositionalEmbedding', args: { maxLen: this.maxLen, dim: this.dim } }; }
}

/** Fixed sine / cosine positions (Vaswani et al.): pe[p, 2i] = sin(p / 10000^(2i/dim)), pe[p, 2i+1] = cos(...). */
export class SinusoidalPositionalEmbedding extends Module {
  readonly pe: Tensor;
  constructor(readonly maxLen: number, readonly dim: number) {
    super();
    assertPositiveInteger(maxLen, 'maxLen');
    assertPositiveInteger(dim, 'dim');
    const pe = empty([maxLen, dim]);
    const d = pe.f32;
    for (let p = 0; p < maxLen; p++) {
      for (let i = 0; i < dim; i += 2) {
        const angle = p / Math.pow(10000, i / dim);
        d[p * dim + i] = Math.sin(angle);
        if (i + 1 < dim) d[p * dim + i + 1] = Math.cos(angle);
      }
    }
    this.pe = this.registerBuffer('pe', pe);
  }
  forward(x: Tensor, offset = 0): Tensor {
    checkPositions(x, this.maxLen, this.dim, offset);
    return F.add(x, F.slice(this.pe, offset, offset + x.shape[1]));
  }
  getConfig(): ModuleConfig { return { type: 'SinusoidalPositionalEmbedding', args: { maxLen: this.maxLen, dim: this.dim } }; }
}

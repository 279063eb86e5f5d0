/**
 * EmbeddingBag (text, issue 14): PyTorch's nn.EmbeddingBag. Sums, averages or takes the max of
 * the embeddings of each bag of ids, for bag-of-words models, without the (N, D) lookups:
 *
 *   const bag = new ng.nn.EmbeddingBag(vocabSize, 64, { mode: 'mean', paddingIdx: 0 });
 *   bag.forward(ids2d)                        // (B, L) int32 -> (B, 64), one bag per row
 *   bag.forward(ids1d, offsets)               // 1-D ids + int32 starts -> (offsets.length, 64)
 *   bag.forward(ids1d, offsets, weights)      // per-sample weights, mode 'sum'
 * The parameter is `weight` (numEmbeddings, embeddingDim), PyTorch's name and layout, so a
 * PyTorch state_dict loads as it is. Initialized N(0, 1) with the padding row zeroed.
 */
import { Module, ModuleConfig } from './module';
import { Tensor } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { embeddingBag } from '../ops/embedding-bag';
import type { BagMode } from '../ops/embedding-bag';
import * as init from './init';
import { assertPositiveInteger, assertBoolean, assertOneOf, assertInteger, assertNumberInRange } from './layer-args';

export interface EmbeddingBagLayerOptions {
  /** Reduction over each bag (default 'mean', as in PyTorch). */
  mode?: BagMode;
  /** Id left out of every bag; its row starts at zero and gets no gradient. */
  paddingIdx?: number;
  /** offsets given to forward have B + 1 entries, the last equal to the input's length (default false). */
  includeLastOffset?: boolean;
}

export class EmbeddingBag extends Module {
  readonly weight: Tensor;
  readonly mode: BagMode;
  readonly paddingIdx: number | undefined;
  readonly includeLastOffset: boolean;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingBagLayerOptions = {}) {
    super();
    assertPositiveInteger(numEmbeddings, 'numEmbeddings');
    assertPositiveInteger(embeddingDim, 'embeddingDim');
    const mode = opts.mode ?? 'mean';
    assertOneOf(mode, 'mode', ['sum', 'mean', 'max'] as const);
    const includeLastOffset = opts.includeLastOffset ?? false;
    assertBoolean(includeLastOffset, 'includeLastOffset');
    let pad = opts.paddingIdx;
    if (pad !== undefined) {
      assertInteger(pad, 'paddingIdx');
      assertNumberInRange(pad, 'paddingIdx', -numEmbeddings, numEmbeddings - 1);
      if (pad < 0) pad += numEmbeddings; // PyTorch stores the non-negative id
    }
    this.mode = mode;
    this.paddingIdx = pad;
    this.includeLastOffset = includeLastOffset;
    this.weight = this.registerParameter('weight', init.normal(empty([numEmbeddings, embeddingDim])));
    if (pad !== undefined) (this.weight.data as Float32Array).fill(0, pad * embeddingDim, (pad + 1) * embeddingDim);
  }

  /** input: (B, L) int32, or 1-D int32 with offsets (int32 tensor); perSampleWeights: input's shape (mode 'sum'). */
  forward(input: Tensor, offsets?: Tensor, perSampleWeights?: Tensor): Tensor {
    return embeddingBag(input, this.weight, {
      offsets, perSampleWeights, mode: this.mode, paddingIdx: this.paddingIdx, includeLastOffset: this.includeLastOffset,
    });
  }

  getConfig(): ModuleConfig {
    const args: Record<string, unknown> = { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, mode: this.mode };
    if (this.paddingIdx !== undefined) args.paddingIdx = this.paddingIdx;
    if (this.includeLastOffset) args.includeLastOffset = true;
    return { type: 'EmbeddingBag', args };
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode='${this.mode}'` +
      (this.paddingIdx !== undefined ? `, paddingIdx=${this.paddingIdx}` : '');
  }
}

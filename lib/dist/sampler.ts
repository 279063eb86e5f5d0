/**
 * DistributedSampler (PyTorch semantics): each rank gets a disjoint shard of the dataset,
 * rows rank, rank + R, rank + 2R, ... of one epoch's order (a permutation seeded by
 * seed + epoch, the same on every rank). Without dropLast the order is padded by repeating
 * its first rows so every rank gets ceil(n / R) rows; with dropLast the tail is dropped so each
 * gets floor(n / R). Use with a DataLoader: new DataLoader(ds, { sampler, batchSize }).
 */
import { Rng } from '../core/random';
import { assertBoolean, assertInteger, assertNonNegativeInteger, assertPlainObject, assertPositiveInteger, describe, expected } from '../core/validate';
import type { Sampler } from '../data/sampler';
import { isInitialized, state } from './comm';

export interface DistributedSamplerOptions {
  /** Number of ranks (default: the MPI world size; needs ng.dist.init()). */
  numReplicas?: number;
  /** This rank (default: the MPI rank). */
  rank?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Seed shared by all ranks (default 0). */
  seed?: number;
  /** Drop the tail that does not divide evenly instead of padding (default false). */
  dropLast?: boolean;
}

export class DistributedSampler implements Sampler {
  readonly sourceLength: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Indices per rank per epoch. */
  readonly length: number;
  /** Rows in one epoch over all ranks (length * numReplicas). */
  readonly totalSize: number;
  /** The epoch the next indices() call returns (advanced by indices(); set with setEpoch). */
  epoch = 0;

  constructor(dataset: number | { length: number }, opts: DistributedSamplerOptions = {}) {
    const n = typeof dataset === 'number' ? dataset
      : typeof dataset === 'object' && dataset !== null ? (dataset as { length?: unknown }).length : undefined;
    if (typeof n !== 'number') throw new TypeError(expected('dataset or dataset length', 'dataset', describe(dataset)));
    assertNonNegativeInteger(n, 'dataset length');
    assertPlainObject(opts as unknown, 'options');
    const needWorld = opts.numReplicas === undefined || opts.rank === undefined;
    if (needWorld && !isInitialized()) {
      throw new Error('Expected numReplicas and rank for DistributedSampler, or ng.dist.init() first, but received neither');
    }
    const numReplicas = opts.numReplicas ?? state().info.worldSize;
    assertPositiveInteger(numReplicas, 'numReplicas');
    const rank = opts.rank ?? state().info.rank;
    assertNonNegativeInteger(rank, 'rank');
    if (rank >= numReplicas) throw new RangeError(expected(`integer in [0, ${numReplicas - 1}]`, 'rank', describe(rank)));
    const shuffle = opts.shuffle ?? true;
    assertBoolean(shuffle, 'shuffle');
    const dropLast = opts.dropLast ?? false;
    assertBoolean(dropLast, 'dropLast');
    const seed = opts.seed ?? 0;
    assertInteger(seed, 'seed');
    this.sourceLength = n;
    this.numReplicas = numReplicas;
    this.rank = rank;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = seed;
    this.length = dropLast ? Math.floor(n / numReplicas) : Math.ceil(n / numReplicas);
    this.totalSize = this.length * numReplicas;
  }

  /** Sets the epoch of the next indices() call (the shuffle order depends on it). */
  setEpoch(epoch: number): void {
    assertNonNegativeInteger(epoch, 'epoch');
    this.epoch = epoch;
  }

  /** This rank's indices for the current epoch; advances the epoch. */
  indices(): Int32Array {
    const order = this.epochOrder(this.epoch);
    this.epoch++;
    const out = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = order[this.rank + i * this.numReplicas];
    return out;
  }

  /** The whole epoch's order before sharding (padded or cut to totalSize). */
  epochOrder(epoch: number): Int32Array {
    const n = this.sourceLength;
    const base = this.shuffle ? new Rng(this.seed + epoch).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    if (this.totalSize <= n) return base.subarray(0, this.totalSize);
    const out = new Int32Array(this.totalSize);
    for (let i = 0; i < this.totalSize; i++) out[i] = base[i % n];
    return out;
  }
}

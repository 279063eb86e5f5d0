/**
 * Trainer.fit(data, { distributed }) support: one DistributedFit per fit() call.
 *
 * - `batchSize` stays the GLOBAL batch: each rank takes batchSize / worldSize rows per step
 *   from a DistributedSampler (seeded by fit's seed, so the global batches are the same for
 *   any number of ranks, and a checkpoint resumes on a different rank count).
 * - gradients are averaged by DistributedDataParallel (or, with shardOptimizerState, by the
 *   ZeRO-1 optimizer step); the epoch's loss and metrics, and validation, are reduced over
 *   ranks: loss and per-sample averages exactly (sums of loss * rows and rows), other metrics
 *   (precision/recall/F1, AUC, R^2) as the row-weighted mean of the ranks' values.
 * - rank 0 alone prints progress, writes checkpoints and runs file-writing callbacks.
 */
import type { Callback, Logs, TrainerContext } from '../train/context';
import type { Metric } from '../train/metrics/stateful';
import { DataLoader } from '../data/loader';
import type { Dataset } from '../data/dataset';
import { subset } from '../data/dataset';
import { assertPlainObject, assertBoolean, describe, expected } from '../core/validate';
import { init, allReduceSync } from './comm';
import { DistributedSampler } from './sampler';
import { DistributedDataParallel } from './ddp';

export interface DistributedFitOptions {
  /** ZeRO stage 1: each rank keeps 1/worldSize of the optimizer state (default false). */
  shardOptimizerState?: boolean;
  /** Gradient bucket size in MiB (default 1). */
  bucketCapMB?: number;
  /** Collective timeout in ms (see ng.dist.init). */
  timeoutMs?: number;
}

/** Callbacks that write files: rank 0 alone runs them (checkpoint writers also run elsewhere for their collectives). */
const WRITERS = new Set(['CsvLogger', 'ModelCheckpoint']);

/** What a distributed fit() did (trainer.distributedStats). */
export interface DistributedFitStats {
  worldSize: number;
  /** Bytes of optimizer state this rank held during training (1/worldSize of it with shardOptimizerState). */
  optimizerStateBytesPerRank: number;
  shardOptimizerState: boolean;
  /** Steps that communicated gradients. */
  steps: number;
  /** Seconds the communication thread spent in gradient collectives, and the JS thread waited for them. */
  commSeconds: number;
  exposedSeconds: number;
  /** Gradient payload per step and rank. */
  bytesPerStep: number;
}

export class DistributedFit {
  readonly rank: number;
  readonly worldSize: number;
  readonly ddp: DistributedDataParallel;
  private sampler: DistributedSampler | null = null;
  private readonly shard: boolean;

  constructor(trainer: TrainerContext, option: true | DistributedFitOptions, clipping: boolean) {
    const o: DistributedFitOptions = option === true ? {} : option;
    assertPlainObject(o as unknown, 'distributed');
    const shard = o.shardOptimizerState ?? false;
    assertBoolean(shard, 'shardOptimizerState');
    const info = init(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs });
    this.rank = info.rank;
    this.worldSize = info.worldSize;
    if (shard && clipping) {
      throw new TypeError('Expected no clipGradNorm/clipGradValue with distributed.shardOptimizerState but received one ' +
        '(each rank holds only its part of the reduced gradients)');
    }
    this.ddp = new DistributedDataParallel(trainer.model, o.bucketCapMB === undefined ? {} : { bucketCapMB: o.bucketCapMB });
    if (shard) this.ddp.shardOptimizerState(trainer.optimizer);
    this.shard = shard;
  }

  get isWriter(): boolean {
    return this.rank === 0;
  }

  /** This rank's loader: the same data, transform and order seed, batchSize / worldSize rows per step. */
  shardLoader(loader: DataLoader, seed: number | undefined): DataLoader {
    if (loader.sampler) {
      throw new TypeError(expected('DataLoader without a sampler for fit({ distributed })', 'data',
        'a DataLoader with a sampler (the distributed sampler replaces it)'));
    }
    if (loader.batchSize % this.worldSize !== 0) {
      throw new RangeError(expected(`a global batch divisible by the number of ranks (${this.worldSize})`,
        'batchSize', describe(loader.batchSize)));
    }
    this.sampler = new DistributedSampler(loader.dataset, { numReplicas: this.worldSize, rank: this.rank,
      shuffle: loader.shuffle, seed: seed ?? 0 });
    return new DataLoader(loader.dataset, { batchSize: loader.batchSize / this.worldSize, sampler: this.sampler,
      transform: loader.transform, dropLast: loader.dropLast, seed: (seed ?? 0) + 7919 * (this.rank + 1) });
  }

  /** After a resume restored the loader's epoch: the sampler continues from it. */
  resumed(loader: DataLoader): void {
    this.sampler?.setEpoch(loader.epoch);
  }

  /** This rank's validation rows: rank, rank + R, ... (no padding, so the reduced metrics are exact). */
  shardDataset(ds: Dataset): Dataset {
    const idx = Int32Array.from({ length: Math.max(0, Math.ceil((ds.length - this.rank) / this.worldSize)) },
      (_, i) => this.rank + i * this.worldSize);
    return subset(ds, idx);
  }

  /** Epoch logs over all ranks from this rank's sums. */
  reduceTrain(lossSum: number, seen: number, metrics: Metric[]): Logs {
    const v = new Float64Array(2 + metrics.length);
    v[0] = lossSum;
    v[1] = seen;
    metrics.forEach((m, i) => { const r = m.result(); v[2 + i] = seen > 0 && Number.isFinite(r) ? r * seen : 0; });
    allReduceSync(v, 'sum');
    const logs: Logs = { loss: v[0] / v[1] };
    metrics.forEach((m, i) => { logs[m.name] = v[2 + i] / v[1]; });
    return logs;
  }

  /** Evaluation results (averages over `rows` rows of this rank) averaged over all ranks' rows. */
  reduceEval(out: Record<string, number>, rows: number): Record<string, number> {
    const keys = Object.keys(out).sort();
    const v = new Float64Array(keys.length + 1);
    keys.forEach((k, i) => { v[i] = rows > 0 && Number.isFinite(out[k]) ? out[k] * rows : 0; });
    v[keys.length] = rows;
    allReduceSync(v, 'sum');
    const res: Record<string, number> = {};
    keys.forEach((k, i) => { res[k] = v[i] / v[keys.length]; });
    return res;
  }

  /** The callbacks this rank runs (rank 0: all; others: those that do not write files). */
  callbacks(cbs: Callback[]): Callback[] {
    return this.isWriter ? cbs : cbs.filter((c) => !WRITERS.has(c.constructor?.name ?? ''));
  }

  /** Stops the gradient hooks (a sharded optimizer gathers its state back); returns the run's figures. */
  end(optimizer: { stateBytes: number }): DistributedFitStats {
    const s = this.ddp.stats;
    const stats = { worldSize: this.worldSize, optimizerStateBytesPerRank: optimizer.stateBytes, shardOptimizerState: this.shard,
      steps: s.steps, commSeconds: s.commSeconds, exposedSeconds: s.exposedSeconds, bytesPerStep: s.bytesPerStep };
    this.ddp.dispose();
    return stats;
  }
}

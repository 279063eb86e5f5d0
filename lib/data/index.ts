/**
 * nodegrad data pipeline (re-exported as ng.data): datasets, loaders, splits, preprocessing,
 * augmentation and class-imbalance helpers.
 */
export type { Dataset, DatasetInfo } from './dataset';
export { TensorDataset, fromTensors, fromArrays, fromObjects, subset, checkLabels } from './dataset';
export type { FromArraysOptions, IOPair, LabelOptions, MissingPolicy, ArrayInput, TargetInput } from './dataset';
export { fromCsv, fromCsvStream, CsvDataset } from './csv';
export type { CsvOptions } from './csv';
export { mnist, readIdx, parseIdx, writeIdx, mnistIdx } from './mnist';
export type { MnistOptions, MnistIdxOptions, IdxArray, IdxData } from './mnist';
export { DataLoader } from './loader';
export type { Batch, BatchTransform, TransformContext, DataLoaderOptions } from './loader';
export { WeightedRandomSampler } from './sampler';
export type { Sampler, WeightedRandomSamplerOptions } from './sampler';
export { trainTestSplit, trainTestSplitIndices, kFold, stratifiedKFold } from './split';
export type { IndexSplit, TrainTestSplitOptions, KFoldOptions } from './split';
export { computeClassWeights, computeSampleWeights } from './weights';
export type { ClassWeightOptions } from './weights';
export {
  gaussianNoise, randomHorizontalFlip, randomShift, translate, randomCrop, randomRotation, mixup, compose, sampleBeta,
} from './augment';
export type { ImageOptions, RandomCropOptions } from './augment';
export * from './preprocessing';
export { DataError } from './errors';
export type { LabelsInput } from './labels';

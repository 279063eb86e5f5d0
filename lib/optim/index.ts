export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad } from './optimizer';
export type {
  OptimizerState, AdamOptions, SGDOptions, RMSpropOptions, AdagradOptions, OptimizerConfig, OptimizerName,
} from './optimizer';
export { createOptimizer, OPTIMIZER_NAMES } from './factory';
export { clipGradNorm, clipGradValue, gradsFinite } from './clip';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR,
  OneCycleLR, ReduceLROnPlateau,
} from './scheduler';

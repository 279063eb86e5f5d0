export { Tensor, shapeSize } from './tensor';
export type { DType, TypedData } from './tensor';
export {
  tensor, fromArray, full, zeros, ones, zerosLike, onesLike, rand, randn, arange, eye, empty, isDetached, MAX_ELEMENTS,
} from './create';
export type { CreateOptions, Shape, TensorValues, NestedNumbers } from './create';
export { tidy, keep } from './scope';
export { compile } from './compile';
export type { CompiledStep, CompileOptions } from './compile';
export { memoryStats, trimMemoryPool, setPoolLimit } from './storage';
export type { MemoryStats } from './storage';
export { assertTensor } from './check';
export { gatherRows } from './gather';

/**
 * The one place lib/data touches the tensor layer. Everything else in lib/data works on
 * Float32Array/Float64Array + shape and calls these few functions at its edges.
 */
export { Tensor, fromArray, gatherRows, memoryStats } from './tensor-shim';

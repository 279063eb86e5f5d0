/**
 * The one place lib/data touches the tensor layer. Everything else in lib/data works on
 * Float32Array/Float64Array + shape and calls these few functions at its edges:
 *   fromArray (copy into native memory), empty (a tensor that transforms write into), gatherRows (native row gather for batch assembly),
 *   memoryStats (tests check that loaders do not leak).
 */
export { Tensor, fromArray, empty, memoryStats, gatherRows } from '../tensor';

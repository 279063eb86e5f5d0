// TEMPORARY stand-in for lib/tensor until it lands (same surface that lib/data uses).
export type DType = 'float32' | 'int32';
let live = 0;
let bytes = 0;
export class Tensor {
  data: Float32Array | Int32Array;
  readonly shape: readonly number[];
  readonly dtype: DType;
  private disposed = false;
  constructor(data: Float32Array | Int32Array, shape: readonly number[]) {
    this.data = data;
    this.shape = [...shape];
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
    live++;
    bytes += data.byteLength;
  }
  get size(): number { return this.data.length; }
  get isDisposed(): boolean { return this.disposed; }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live--;
    bytes -= this.data.byteLength;
  }
}
export function fromArray(data: Float32Array | Int32Array, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`size mismatch ${n} vs ${data.length}`);
  const copy = data instanceof Int32Array ? new Int32Array(data) : new Float32Array(data);
  return new Tensor(copy, shape);
}
export function gatherRows(src: Tensor, indices: Int32Array): Tensor {
  const rowSize = src.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = src.dtype === 'int32' ? new Int32Array(indices.length * rowSize) : new Float32Array(indices.length * rowSize);
  for (let i = 0; i < indices.length; i++) {
    out.set(src.data.subarray(indices[i] * rowSize, (indices[i] + 1) * rowSize), i * rowSize);
  }
  return new Tensor(out, [indices.length, ...src.shape.slice(1)]);
}
export function memoryStats(): { storages: number; bytesInUse: number } {
  return { storages: live, bytesInUse: bytes };
}

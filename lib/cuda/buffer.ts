/**
 * Device memory owned by JavaScript: a reference-counted block of the CUDA addon's caching
 * allocator. Freed by dispose()/release() at once (the block returns to the allocator's cache
 * for reuse), or by a FinalizationRegistry when dropped undisposed (that runs only on an
 * event-loop turn, so device code should dispose or use ng.tidy, as the docs say).
 */
import { requireDevice, type CudaAddon, type DeviceView } from './addon';

export type DeviceDType = DeviceView['dtype'];

const finalizer = new FinalizationRegistry<{ addon: CudaAddon; ptr: number }>((h) => {
  try {
    h.addon.free(h.ptr);
  } catch {
    // the process may be exiting; nothing to report to
  }
});

/** A device block of `bytes` bytes (what a tensor on cuda stores). */
export class DeviceStorage {
  readonly device = 'cuda' as const;
  readonly addon: CudaAddon;
  ptr: number;
  readonly bytes: number;
  refs = 1;

  constructor(bytes: number, deviceIndex = 0) {
    this.addon = requireDevice(deviceIndex);
    this.bytes = bytes;
    this.ptr = this.addon.alloc(bytes);
    finalizer.register(this, { addon: this.addon, ptr: this.ptr }, this);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs > 0 || this.ptr === 0) return;
    finalizer.unregister(this);
    this.addon.free(this.ptr);
    this.ptr = 0;
  }

  /** A kernel argument over `length` elements from element `offset`. */
  view(dtype: DeviceDType, length: number, offset = 0): DeviceView {
    const size = dtype === 'bfloat16' ? 2 : 4;
    return { ptr: this.ptr + offset * size, length, dtype };
  }
}

/** A typed block of device memory for kernel-level use (tests, benchmarks, custom loops). */
export class DeviceBuffer implements DeviceView {
  readonly ptr: number;
  readonly length: number;
  readonly dtype: DeviceDType;
  private storage: DeviceStorage | null;

  constructor(dtype: DeviceDType, length: number, deviceIndex = 0) {
    const size = dtype === 'bfloat16' ? 2 : 4;
    this.storage = new DeviceStorage(Math.max(length * size, size), deviceIndex);
    this.ptr = this.storage.ptr;
    this.length = length;
    this.dtype = dtype;
  }

  /** A device copy of a host array (Float32Array -> float32, Int32Array -> int32, Uint16Array -> bfloat16 bits). */
  static from(host: Float32Array | Int32Array | Uint16Array): DeviceBuffer {
    const dtype: DeviceDType = host instanceof Float32Array ? 'float32' : host instanceof Int32Array ? 'int32' : 'bfloat16';
    const b = new DeviceBuffer(dtype, host.length);
    b.addon().upload(b.ptr, host);
    return b;
  }

  private addon(): CudaAddon {
    if (!this.storage) throw new TypeError('Expected a live device buffer but received a disposed one');
    return this.storage.addon;
  }

  /** Copies the buffer to a new host array (waits for the queued kernels). */
  toHost(): Float32Array | Int32Array | Uint16Array {
    const out = this.dtype === 'float32' ? new Float32Array(this.length)
      : this.dtype === 'int32' ? new Int32Array(this.length) : new Uint16Array(this.length);
    this.addon().download(this.ptr, out);
    return out;
  }

  /** Like toHost, but the copy and the wait run off the JavaScript thread. */
  toHostAsync(): Promise<Float32Array | Int32Array | Uint16Array> {
    const out = this.dtype === 'float32' ? new Float32Array(this.length)
      : this.dtype === 'int32' ? new Int32Array(this.length) : new Uint16Array(this.length);
    return this.addon().downloadAsync(this.ptr, out);
  }

  /** Overwrites the buffer from a host array of the same length and element size. */
  upload(host: Float32Array | Int32Array | Uint16Array): void {
    if (host.length !== this.length) {
      throw new RangeError(`Expected a host array of length ${this.length} for host but received length ${host.length}`);
    }
    this.addon().upload(this.ptr, host);
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  dispose(): void {
    if (!this.storage) return;
    this.storage.release();
    this.storage = null;
  }
}

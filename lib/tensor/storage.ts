/**
 * Tensor storage: native 64-byte aligned blocks seen from JS as ArrayBuffers.
 *
 * Creating an external ArrayBuffer costs ~1 us, far too much for a training step that makes
 * dozens of tensors, so freed buffers are kept in size-bucketed free lists here and handed
 * out again without crossing into native code. A Storage is reference-counted: views
 * (reshape, row slices) share it, and the block returns to the pool when the last one is
 * disposed. Bucket sizes match native/core/alloc.cc.
 */
import { native } from '../native';

const MIN_BUCKET = 64;

/** Rounds a byte count up to its pool bucket (64 B minimum, 4 buckets per power of two above 4 KiB). */
export function bucketSize(bytes: number): number {
  if (bytes <= MIN_BUCKET) return MIN_BUCKET;
  if (bytes <= 4096) {
    let b = MIN_BUCKET;
    while (b < bytes) b *= 2;
    return b;
  }
  let p = 4096;
  while (p * 2 < bytes) p *= 2;
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

const freeLists = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
let inUseBytes = 0;
let liveStorages = 0;
/** Pooled bytes above this are freed natively at once instead of kept. */
let poolLimitBytes = 1024 * 1024 * 1024;

function take(bucket: number): ArrayBuffer {
  const list = freeLists.get(bucket);
  if (list !== undefined && list.length > 0) {
    pooledBytes -= bucket;
    return list.pop() as ArrayBuffer;
  }
  return native.allocBuffer(bucket) as ArrayBuffer;
}

function give(buf: ArrayBuffer): void {
  const bucket = buf.byteLength;
  if (pooledBytes + bucket > poolLimitBytes) {
    native.freeBuffer(buf);
    return;
  }
  let list = freeLists.get(bucket);
  if (list === undefined) {
    list = [];
    freeLists.set(bucket, list);
  }
  list.push(buf);
  pooledBytes += bucket;
}

// Safety net: a Storage dropped without dispose() returns its block when GC finds it.
const registry = new FinalizationRegistry<ArrayBuffer>((buf) => {
  inUseBytes -= buf.byteLength;
  liveStorages--;
  give(buf);
});

export class Storage {
  buffer: ArrayBuffer | null;
  refs = 1;
  private registered = false;

  /**
   * `scoped`: created inside ng.tidy(), which disposes it deterministically, so the GC safety
   * net (FinalizationRegistry, ~0.5 us per registration) is added only if it escapes the scope.
   */
  constructor(bytes: number, scoped = false) {
    const bucket = bucketSize(bytes);
    this.buffer = take(bucket);
    inUseBytes += bucket;
    liveStorages++;
    if (!scoped) this.ensureFinalizer();
  }

  /** Adds the GC safety net (idempotent). */
  ensureFinalizer(): void {
    if (this.registered || this.buffer === null) return;
    this.registered = true;
    registry.register(this, this.buffer, this);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  /** Drops one reference; the block goes back to the pool with the last one. */
  release(): void {
    if (--this.refs > 0 || this.buffer === null) return;
    const buf = this.buffer;
    this.buffer = null;
    if (this.registered) registry.unregister(this);
    inUseBytes -= buf.byteLength;
    liveStorages--;
    give(buf);
  }
}

export interface MemoryStats {
  /** Live storages (tensors that own memory; views share their base's). */
  storages: number;
  /** Bytes held by live tensors. */
  bytesInUse: number;
  /** Bytes in the JS-side free lists plus the native scratch pool, ready for reuse. */
  bytesPooled: number;
  /** All native bytes currently allocated (in use + JS pool + kernel scratch in use). */
  nativeBytesLive: number;
  /** Native system allocations so far (a steady training loop should not increase it). */
  nativeAllocations: number;
}

export function memoryStats(): MemoryStats {
  const s = native.memoryStats();
  return {
    storages: liveStorages,
    bytesInUse: inUseBytes,
    bytesPooled: pooledBytes + s.bytesPooled,
    nativeBytesLive: s.bytesLive,
    nativeAllocations: s.allocations,
  };
}

/** Frees every pooled block (JS free lists and the native scratch pool). */
export function trimMemoryPool(): void {
  for (const list of freeLists.values()) {
    for (const buf of list) native.freeBuffer(buf);
    list.length = 0;
  }
  pooledBytes = 0;
  native.poolTrim();
}

/** Sets how many bytes the JS free lists may keep (default 1 GiB). */
export function setPoolLimit(bytes: number): void {
  poolLimitBytes = bytes;
}

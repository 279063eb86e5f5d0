/**
 * Tensor storage: V8-managed ArrayBuffers, 64-byte aligned, reused through size-bucketed free
 * lists.
 *
 * Why V8 owns the memory: a PyTorch-style synchronous loop (`for (...) { forward; backward;
 * step; loss.dispose(); }`, no ng.tidy, no await) drops its intermediates without disposing
 * them. Native blocks exposed as external ArrayBuffers come back only through finalizers, and
 * Node runs those (FinalizationRegistry callbacks and N-API finalizers alike) on an event-loop
 * turn that such a loop never gives: memory grew without bound. V8 frees the backing store of an
 * unreachable ArrayBuffer during garbage collection itself, which runs inside the loop, and it
 * counts that memory when deciding to collect. So an undisposed tensor is reclaimed like any JS
 * object, with no finalizer and no registry on the hot path; dispose() and ng.tidy() still give
 * memory back at once, into the free lists below, for reuse without a new allocation.
 *
 * Layout:
 * - Blocks up to SLAB_MAX_BLOCK bytes are carved from 256 KiB slabs (one ArrayBuffer each): a
 *   small tensor costs a few JS operations, not an ArrayBuffer. A slab is freed by the GC when
 *   no tensor and no free-list entry refers to it any more.
 * - Larger blocks get an ArrayBuffer of their own (`Buffer.allocUnsafeSlow`: not zero-filled,
 *   not from Node's shared Buffer pool).
 * - Every block starts on a 64-byte boundary (the native allocation address is asked once per
 *   ArrayBuffer) so vector kernels never split cache lines.
 *
 * A Storage is reference-counted: views (reshape, row slices) share it, and its block returns to
 * the free list with the last release().
 */
import { constants as bufferConstants } from 'node:buffer';
import { native } from '../native';
import { captureSink } from './capture';

const ALIGN = 64;
const MIN_BUCKET = 64;
const SLAB_BYTES = 256 * 1024;
const SLAB_MAX_BLOCK = 4096;

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

/** A block: `bytes` bytes of `buffer` from `byteOffset` (a multiple of 64 in address space). */
interface Block {
  buffer: ArrayBuffer;
  byteOffset: number;
}

const freeLists = new Map<number, Block[]>();
let pooledBytes = 0;
let inUseBytes = 0;
let liveStorages = 0;
let arrayBuffersCreated = 0;
/** Pooled bytes above this are dropped (left to the GC) instead of kept. */
let poolLimitBytes = 1024 * 1024 * 1024;

/** Largest single block (bytes); tests lower it to exercise the out-of-memory path. */
let maxAllocationBytes = 2 ** 40;

/** @internal Sets the largest block one tensor may allocate; returns the previous limit. */
export function setMaxAllocation(bytes: number): number {
  const prev = maxAllocationBytes;
  maxAllocationBytes = bytes;
  return prev;
}

/** A fresh ArrayBuffer holding `bytes` usable bytes from a 64-byte aligned offset. */
function newAligned(bytes: number): Block {
  if (bytes > maxAllocationBytes) {
    throw new RangeError(`Cannot allocate ${bytes} bytes: above the limit of ${maxAllocationBytes} bytes for one allocation`);
  }
  if (bytes + ALIGN > bufferConstants.MAX_LENGTH) {
    throw new RangeError(`Cannot allocate ${bytes} bytes as one buffer: above this Node's limit of ` +
      `${bufferConstants.MAX_LENGTH} bytes (buffer.constants.MAX_LENGTH)`);
  }
  let buffer: ArrayBuffer;
  try {
    buffer = Buffer.allocUnsafeSlow(bytes + ALIGN).buffer as ArrayBuffer;
  } catch {
    throw new RangeError(`Cannot allocate ${bytes} bytes: the system is out of memory`);
  }
  arrayBuffersCreated++;
  return { buffer, byteOffset: native.alignmentPadding(buffer, ALIGN) };
}

let slab: Block | null = null;
let slabUsed = 0;

function carve(bucket: number): Block {
  if (slab === null || slabUsed + bucket > SLAB_BYTES) {
    slab = newAligned(SLAB_BYTES);
    slabUsed = 0;
  }
  const b = { buffer: slab.buffer, byteOffset: slab.byteOffset + slabUsed };
  slabUsed += bucket;
  return b;
}

function take(bucket: number): Block {
  const list = freeLists.get(bucket);
  if (list !== undefined && list.length > 0) {
    pooledBytes -= bucket;
    return list.pop() as Block;
  }
  return bucket <= SLAB_MAX_BLOCK ? carve(bucket) : newAligned(bucket);
}

function give(block: Block, bucket: number): void {
  if (pooledBytes + bucket > poolLimitBytes) return; // dropped: the GC frees it
  let list = freeLists.get(bucket);
  if (list === undefined) {
    list = [];
    freeLists.set(bucket, list);
  }
  list.push(block);
  pooledBytes += bucket;
}

export class Storage {
  /** The ArrayBuffer holding the block (null once released). */
  buffer: ArrayBuffer | null;
  /** Where the block starts in `buffer` (64-byte aligned in memory). */
  readonly byteOffset: number;
  /** The block's size (the pool bucket of the requested bytes). */
  readonly bytes: number;
  refs = 1;
  /**
   * Write counter: bumped whenever the block may have been written in place after creation
   * (Tensor.data handed out, initializers; see Tensor._written). Caches
   * derived from the contents (packed GEMM weights, lib/ops/packed.ts) compare it.
   */
  version = 0;

  constructor(bytes: number) {
    const bucket = bucketSize(bytes);
    const block = take(bucket);
    this.buffer = block.buffer;
    this.byteOffset = block.byteOffset;
    this.bytes = bucket;
    inUseBytes += bucket;
    liveStorages++;
    const sink = captureSink();
    if (sink !== null) sink.storage(this);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  /** Drops one reference; the block goes back to the free list with the last one. */
  release(): void {
    if (--this.refs > 0 || this.buffer === null) return;
    const buffer = this.buffer;
    this.buffer = null;
    inUseBytes -= this.bytes;
    liveStorages--;
    give({ buffer, byteOffset: this.byteOffset }, this.bytes);
  }
}

export interface MemoryStats {
  /**
   * Storages not yet disposed (views share their base's). Tensors dropped without dispose()
   * are reclaimed by the garbage collector and stay counted here.
   */
  storages: number;
  /** Bytes held by the storages counted in `storages`. */
  bytesInUse: number;
  /** Bytes in the free lists plus the native scratch pool, ready for reuse. */
  bytesPooled: number;
  /** Bytes of kernel scratch memory allocated natively (in use + pooled). */
  nativeBytesLive: number;
  /** Native system allocations so far (a steady training loop does not increase it). */
  nativeAllocations: number;
  /** ArrayBuffers created for tensor storage so far (a steady loop in ng.tidy does not increase it). */
  arrayBuffersCreated: number;
  /** Bytes in all ArrayBuffers of this thread, live or awaiting GC (process.memoryUsage().arrayBuffers). */
  arrayBufferBytes: number;
}

export function memoryStats(): MemoryStats {
  const s = native.memoryStats();
  return {
    storages: liveStorages,
    bytesInUse: inUseBytes,
    bytesPooled: pooledBytes + s.bytesPooled,
    nativeBytesLive: s.bytesLive,
    nativeAllocations: s.allocations,
    arrayBuffersCreated,
    arrayBufferBytes: process.memoryUsage().arrayBuffers,
  };
}

/** Empties the free lists (the GC then frees their memory) and the native scratch pool. */
export function trimMemoryPool(): void {
  for (const list of freeLists.values()) list.length = 0;
  pooledBytes = 0;
  slab = null;
  native.poolTrim();
}

/** Sets how many bytes the free lists may keep (default 1 GiB). */
export function setPoolLimit(bytes: number): void {
  poolLimitBytes = bytes;
}

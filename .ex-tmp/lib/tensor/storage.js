"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Storage = void 0;
exports.bucketSize = bucketSize;
exports.memoryStats = memoryStats;
exports.trimMemoryPool = trimMemoryPool;
exports.setPoolLimit = setPoolLimit;
/**
 * Tensor storage: native 64-byte aligned blocks seen from JS as ArrayBuffers.
 *
 * Creating an external ArrayBuffer costs ~1 us, far too much for a training step that makes
 * dozens of tensors, so freed buffers are kept in size-bucketed free lists here and handed
 * out again without crossing into native code. A Storage is reference-counted: views
 * (reshape, row slices) share it, and the block returns to the pool when the last one is
 * disposed. Bucket sizes match native/core/alloc.cc.
 */
const native_1 = require("../native");
const MIN_BUCKET = 64;
/** Rounds a byte count up to its pool bucket (64 B minimum, 4 buckets per power of two above 4 KiB). */
function bucketSize(bytes) {
    if (bytes <= MIN_BUCKET)
        return MIN_BUCKET;
    if (bytes <= 4096) {
        let b = MIN_BUCKET;
        while (b < bytes)
            b *= 2;
        return b;
    }
    let p = 4096;
    while (p * 2 < bytes)
        p *= 2;
    const step = p / 4;
    return Math.ceil(bytes / step) * step;
}
const freeLists = new Map();
let pooledBytes = 0;
let inUseBytes = 0;
let liveStorages = 0;
/** Pooled bytes above this are freed natively at once instead of kept. */
let poolLimitBytes = 1024 * 1024 * 1024;
function take(bucket) {
    const list = freeLists.get(bucket);
    if (list !== undefined && list.length > 0) {
        pooledBytes -= bucket;
        return list.pop();
    }
    return native_1.native.allocBuffer(bucket);
}
function give(buf) {
    const bucket = buf.byteLength;
    if (pooledBytes + bucket > poolLimitBytes) {
        native_1.native.freeBuffer(buf);
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
const registry = new FinalizationRegistry((buf) => {
    inUseBytes -= buf.byteLength;
    liveStorages--;
    give(buf);
});
class Storage {
    buffer;
    refs = 1;
    constructor(bytes) {
        const bucket = bucketSize(bytes);
        this.buffer = take(bucket);
        inUseBytes += bucket;
        liveStorages++;
        registry.register(this, this.buffer, this);
    }
    retain() {
        this.refs++;
        return this;
    }
    /** Drops one reference; the block goes back to the pool with the last one. */
    release() {
        if (--this.refs > 0 || this.buffer === null)
            return;
        const buf = this.buffer;
        this.buffer = null;
        registry.unregister(this);
        inUseBytes -= buf.byteLength;
        liveStorages--;
        give(buf);
    }
}
exports.Storage = Storage;
function memoryStats() {
    const s = native_1.native.memoryStats();
    return {
        storages: liveStorages,
        bytesInUse: inUseBytes,
        bytesPooled: pooledBytes + s.bytesPooled,
        nativeBytesLive: s.bytesLive,
        nativeAllocations: s.allocations,
    };
}
/** Frees every pooled block (JS free lists and the native scratch pool). */
function trimMemoryPool() {
    for (const list of freeLists.values()) {
        for (const buf of list)
            native_1.native.freeBuffer(buf);
        list.length = 0;
    }
    pooledBytes = 0;
    native_1.native.poolTrim();
}
/** Sets how many bytes the JS free lists may keep (default 1 GiB). */
function setPoolLimit(bytes) {
    poolLimitBytes = bytes;
}

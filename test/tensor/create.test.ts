import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';
import { setMaxAllocation } from '../../lib/tensor/storage';

describe('tensor creation', () => {
  it('ng.tensor infers shapes from nested arrays, numbers and typed arrays', () => {
    const t = ng.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.size).toBe(6);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const s = ng.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
    const v = ng.tensor(new Float32Array([1, 2]));
    expect(v.shape).toEqual([2]);
    const i = ng.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(i.data).toBeInstanceOf(Int32Array);
    const e = ng.tensor([]);
    expect(e.shape).toEqual([0]);
    expect(e.size).toBe(0);
  });

  it('rejects ragged and non-numeric nested arrays with exact messages', () => {
    expect(() => ng.tensor([[1, 2], [3]])).toThrow('Expected rectangular nested arrays (length 2 at depth 1) for values[1] but received length 1');
    expect(() => ng.tensor([[1, 'a']])).toThrow('Expected number for values[0][1] but received "a" of type string');
    expect(() => ng.tensor('x' as any)).toThrow('Expected number, nested arrays of numbers, or a typed array for values but received "x" of type string');
    expect(() => ng.tensor([1], { dtype: 'float64' as any })).toThrow("Expected one of 'float32', 'int32' for dtype but received \"float64\" of type string");
  });

  it('fromArray copies and checks length, type and detached buffers', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = ng.fromArray(src, [3, 2]);
    src[0] = 100;
    expect(t.data[0]).toBe(1);
    expect(t.shape).toEqual([3, 2]);
    expect(ng.fromArray(new Int32Array([1, 2]), [2]).dtype).toBe('int32');
    expect(ng.fromArray([1, 2, 3], [3]).toArray()).toEqual([1, 2, 3]);
    expect(() => ng.fromArray(new Float32Array(5), [2, 3])).toThrow('Expected data of length 6 (the size of shape [2, 3]) for data but received length 5');
    expect(() => ng.fromArray({} as any, [1])).toThrow('Expected Float32Array, Int32Array, typed array or array of numbers for data but received an object');
    const buf = new ArrayBuffer(16);
    const view = new Float32Array(buf);
    structuredClone(buf, { transfer: [buf] });
    expect(() => ng.fromArray(view, [0])).toThrow('Expected typed array with an attached buffer for data but received a detached buffer');
    expect(() => ng.fromArray(new Float32Array(2), [2, -1])).toThrow('Expected shape (array of non-negative integers) for shape but received [2, -1] (dimension 1 is -1 of type number)');
    expect(() => ng.fromArray(new Float32Array(2), [2, NaN])).toThrow('Expected shape (array of non-negative integers) for shape but received [2, NaN] (dimension 1 is NaN of type number)');
    expect(() => ng.fromArray(new Float32Array(2), [2, 1.5])).toThrow('(dimension 1 is 1.5 of type number)');
  });

  it('zeros, ones, full, arange, eye', () => {
    expect(Array.from(ng.zeros([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(ng.ones([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(ng.full([2], 7, { dtype: 'int32' }).data)).toEqual([7, 7]);
    expect(ng.zeros(3).shape).toEqual([3]);
    expect(Array.from(ng.arange(5).data)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(ng.arange(1, 2, 0.25).data)).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(ng.arange(3, 0, -1).data)).toEqual([3, 2, 1]);
    expect(ng.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(() => ng.full([2], 1.5, { dtype: 'int32' })).toThrow('Expected integer (dtype is int32) for value but received 1.5 of type number');
    expect(() => ng.arange(0, 1, 0)).toThrow('Expected non-zero number for step but received 0 of type number');
    expect(() => ng.zeros([-1])).toThrow('Expected shape (array of non-negative integers) for shape');
  });

  it('rand and randn are seeded, thread-count independent and have the right moments', () => {
    ng.setSeed(7);
    const a = ng.randn([10000]);
    const u = ng.rand([1000], { low: -2, high: 3 });
    ng.setSeed(7);
    const b = ng.randn([10000]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const d = a.data;
    let m = 0;
    for (const x of d) m += x;
    m /= d.length;
    let v = 0;
    for (const x of d) v += (x - m) ** 2;
    v /= d.length;
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
    for (const x of u.data) {
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThan(3);
    }
    const threads = ng.getNumThreads();
    ng.setNumThreads(1);
    ng.setSeed(7);
    const c = ng.randn([300000]);
    ng.setNumThreads(2);
    ng.setSeed(7);
    const c2 = ng.randn([300000]);
    ng.setNumThreads(threads);
    expect(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength).equals(
      Buffer.from(c2.data.buffer, c2.data.byteOffset, c2.data.byteLength))).toBe(true);
    expect(() => ng.randn([2], { std: -1 })).toThrow('Expected non-negative number for std but received -1 of type number');
    expect(() => ng.rand([2], { low: 1, high: 1 })).toThrow('Expected high > low (1) for high but received 1 of type number');
  });

  it('allocation requests too large give a JS error, not a crash', () => {
    expect(() => ng.zeros([65536, 65536])).toThrow('Expected at most 2147483647 elements for shape but received [65536, 65536] (4294967296 elements)');
    // Within the element limit but above what the allocator accepts:
    const before = setMaxAllocation(1024 * 1024);
    try {
      expect(() => ng.zeros([1024, 1024])).toThrow(/Cannot allocate \d+ bytes: above the limit of 1048576 bytes/);
    } finally {
      setMaxAllocation(before);
    }
  });
});

describe('tensor lifetime', () => {
  it('dispose frees at once and later use throws a clear error', () => {
    const t = ng.zeros([4]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.data).toThrow('Expected a live tensor for tensor but received a disposed tensor');
    t.dispose(); // idempotent
    expect(t.toString()).toBe('Tensor(disposed)');
  });

  it('memory returns to the pool and is reused without new native allocations', () => {
    const warm = ng.zeros([1000]);
    warm.dispose();
    const before = ng.memoryStats();
    for (let i = 0; i < 100; i++) ng.zeros([1000]).dispose();
    const after = ng.memoryStats();
    expect(after.nativeAllocations).toBe(before.nativeAllocations);
    expect(after.bytesInUse).toBe(before.bytesInUse);
  });

  it('tidy disposes intermediates and keeps returned tensors', () => {
    const outer = ng.ones([2]);
    let inner: ng.Tensor | null = null;
    const kept = ng.tidy(() => {
      inner = ng.ones([2]);
      const k = ng.keep(ng.zeros([1]));
      return { r: ng.full([2], 3), k };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(kept.r.isDisposed).toBe(false);
    expect(kept.k.isDisposed).toBe(false);
    expect(outer.isDisposed).toBe(false);
    expect(() => ng.tidy(() => { throw new Error('boom'); })).toThrow('boom');
    expect(() => ng.tidy(async () => 1)).toThrow('Expected synchronous function for fn but received a function returning a Promise');
    expect(() => ng.tidy(1 as any)).toThrow('Expected function for fn but received number');
  });

  it('toString is readable and truncates long dimensions', () => {
    const s = ng.arange(10).toString();
    expect(s).toBe('Tensor([0, 1, 2, ..., 8, 9], shape=[10], dtype=float32)');
    expect(ng.tensor([[1, 2], [3, 4]], { dtype: 'int32' }).toString()).toContain('dtype=int32');
  });
});

describe('runtime', () => {
  it('reports backend, threads and build info', () => {
    expect(['cpu-avx512', 'cpu-avx512-bf16', 'cpu-avx2', 'cpu-generic']).toContain(ng.backend());
    const n = ng.getNumThreads();
    ng.setNumThreads(1);
    expect(ng.getNumThreads()).toBe(1);
    ng.setNumThreads(n);
    expect(() => ng.setNumThreads(0)).toThrow('Expected positive integer for threads but received 0 of type number');
    expect(() => ng.setNumThreads('2' as any)).toThrow('Expected positive integer for threads but received "2" of type string');
    const info = ng.buildInfo();
    expect(info.openmp).toBe(true);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('flushes denormal floats to zero in kernels, on every thread (no slow denormal math)', () => {
    const n = ng.getNumThreads();
    ng.setNumThreads(2);
    const big = ng.full([200000], 1e-40).mul(1); // parallel path
    expect(big.data.every((v) => v === 0)).toBe(true);
    expect(ng.tensor([1e-40, 1]).mul(1).data[0]).toBe(0);
    ng.setNumThreads(n);
  });

  it('setSeed validates its argument', () => {
    expect(() => ng.setSeed(1.5)).toThrow('Expected integer for seed but received 1.5 of type number');
  });
});

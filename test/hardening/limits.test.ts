/**
 * Resource limits: a tensor larger than Node can hold, or larger than memory, is a RangeError
 * (never an abort) and leaves nothing allocated; predict() runs a large input in batches.
 */
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { native } from '../helpers/native';

describe('resource limits', () => {
  // Found here: Node 20 cannot wrap more than 4 GiB as one ArrayBuffer; it freed the block at
  // once and node-addon-api then freed its finalizer data a second time (double free, abort).
  it('an 8 GB buffer is a RangeError and frees the memory it had reserved', () => {
    const before = native.memoryStats().bytesLive;
    let err: unknown = null;
    try {
      const ab = native.allocBuffer(2 ** 33);
      native.freeBuffer(ab); // a Node that can hold it (newer versions): fine too
    } catch (e) {
      err = e;
    }
    if (err) {
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(/^Cannot allocate 8589934592 bytes/);
    }
    expect(native.memoryStats().bytesLive).toBe(before);
  });

  it('tensors beyond the element limit or the allocation limit are RangeErrors naming the size', () => {
    expect(() => ng.zeros([1e6, 1e6])).toThrow(RangeError);
    expect(() => ng.zeros([1e6, 1e6])).toThrow('Expected at most 2147483647 elements for shape but received [1000000, 1000000]');
    native.setMaxAllocation(1 << 20);
    try {
      expect(() => ng.zeros([1024, 1024])).toThrow(/^Cannot allocate 4194304 bytes: above the limit of 1048576 bytes for one allocation/);
    } finally {
      native.setMaxAllocation(16 * 2 ** 30);
    }
  });

  it('predict on a large input runs in batches and equals the one-shot forward', () => {
    ng.setSeed(4);
    const model = new ng.nn.Sequential(new ng.nn.Linear(6, 5), new ng.nn.ReLU(), new ng.nn.Linear(5, 2));
    const trainer = new ng.Trainer({ model, loss: 'mse' });
    const x = ng.randn([5000, 6]);
    let calls = 0;
    const forward = model.forward.bind(model);
    model.forward = (t: ng.Tensor) => { calls++; return forward(t); };
    const batched = trainer.predict(x, { batchSize: 512 });
    expect(calls).toBe(10);
    model.forward = forward;
    const whole = ng.noGrad(() => model.forward(x));
    expect(batched.shape).toEqual([5000, 2]);
    // (GEMM may pick other kernels for 512 rows than for 5000: equal to float rounding)
    let maxDiff = 0;
    for (let i = 0; i < whole.size; i++) maxDiff = Math.max(maxDiff, Math.abs(batched.data[i] - whole.data[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    x.dispose(); batched.dispose(); whole.dispose();
  });
});

/**
 * Resource limits: a tensor larger than Node can hold, or larger than memory, is a RangeError
 * (never an abort) and leaves nothing allocated; predict() runs a large input in batches.
 */
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { constants as bufferConstants } from 'node:buffer';
import { setMaxAllocation } from '../../lib/tensor/storage';

describe('resource limits', () => {
  // Node 20 cannot hold more than 4 GiB (buffer.constants.MAX_LENGTH) in one ArrayBuffer. In 0.1.0
  // an 8 GB tensor aborted the process (a double free in the external-buffer path); tensor memory
  // is V8's now, and the limit is checked before allocating.
  it('a tensor larger than one buffer can hold is a RangeError naming the size and the limit', () => {
    const elements = 2 ** 31 - 1; // within the element limit: 8,589,934,588 bytes
    if (bufferConstants.MAX_LENGTH >= elements * 4 + 64) return; // a Node that can hold it: nothing to refuse
    const before = ng.memoryStats();
    expect(() => ng.zeros([elements])).toThrow(RangeError);
    expect(() => ng.zeros([elements])).toThrow(/^Cannot allocate \d+ bytes as one buffer: above this Node's limit of \d+ bytes/);
    const after = ng.memoryStats();
    expect(after.storages).toBe(before.storages);
    expect(after.bytesInUse).toBe(before.bytesInUse);
  });

  it('tensors beyond the element limit or the allocation limit are RangeErrors naming the size', () => {
    expect(() => ng.zeros([1e6, 1e6])).toThrow(RangeError);
    expect(() => ng.zeros([1e6, 1e6])).toThrow('Expected at most 2147483647 elements for shape but received [1000000, 1000000]');
    const previous = setMaxAllocation(1 << 20);
    try {
      expect(() => ng.zeros([1024, 1024])).toThrow(/^Cannot allocate 4194304 bytes: above the limit of 1048576 bytes for one allocation/);
    } finally {
      setMaxAllocation(previous);
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

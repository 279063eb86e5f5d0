import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';

const arr = (t: ng.Tensor) => Array.from(t.data);

describe('Tensor methods (issue 2 surface)', () => {
  it('reshape is a view with -1 inference; flatten; transpose copies', () => {
    const t = ng.arange(6);
    const r = t.reshape([2, -1]);
    expect(r.shape).toEqual([2, 3]);
    r.data[0] = 42;
    expect(t.data[0]).toBe(42);
    expect(() => t.reshape([4, 2])).toThrow('Expected a shape with 6 elements (input shape [6]) for shape but received [4, 2]');
    expect(() => t.reshape([-1, -1])).toThrow('Expected at most one -1 dimension for shape but received [*, *]');
    expect(ng.zeros([2, 3, 4]).flatten().shape).toEqual([2, 12]);
    const m = ng.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(m.transpose().toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(m.T.shape).toEqual([3, 2]);
  });

  it('slice rows/columns, gather rows, concat, clone', () => {
    const m = ng.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(m.slice(1).toArray()).toEqual([[3, 4], [5, 6]]);
    expect(m.slice(0, 2).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(m.slice(1, 2, 1).toArray()).toEqual([[2], [4], [6]]);
    expect(() => m.slice(2, 5)).toThrow('Expected integer in [2, 3] for end but received 5 of type number');
    expect(m.gather(new Int32Array([2, 0, 2])).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(() => m.gather(new Int32Array([3]))).toThrow(/3/);
    const labels = ng.tensor([7, 8, 9], { dtype: 'int32' });
    expect(labels.gather(new Int32Array([2, 1])).toArray()).toEqual([9, 8]);
    expect(ng.concat([m, m], 0).shape).toEqual([6, 2]);
    expect(ng.concat([m, m], 1).toArray()[0]).toEqual([1, 2, 1, 2]);
    // int32 tensors (token ids, labels) slice and concat too, on any axis
    const ids = ng.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' });
    expect(ids.slice(1).dtype).toBe('int32');
    expect(ids.slice(1).toArray()).toEqual([[4, 5, 6]]);
    expect(ids.slice(1, 3, 1).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(() => ids.slice(0, 3)).toThrow('Expected integer in [0, 2] for end but received 3 of type number');
    expect(ng.concat([ids, ids.slice(0, 1)], 0).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [1, 2, 3]]);
    expect(ng.concat([ids.slice(2, 3, 1), ids.slice(0, 1, 1)], 1).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(() => ng.concat([ids, m])).toThrow('Expected int32 Tensor for tensors[1] but received float32 Tensor of shape [3, 2]');
    const c = m.clone();
    c.data[0] = 100;
    expect(m.data[0]).toBe(1);
  });

  it('elementwise ops broadcast rows, columns and scalars', () => {
    const m = ng.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(m.add(ng.tensor([10, 20, 30])).toArray()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(m.sub(ng.tensor([[1], [4]])).toArray()).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(m.mul(2).toArray()).toEqual([[2, 4, 6], [8, 10, 12]]);
    expect(ng.div(12, m).toArray()[0]).toEqual([12, 6, 4]);
    expect(ng.sub(1, m).toArray()[1]).toEqual([-3, -4, -5]);
    expect(m.div(ng.tensor([[2]])).toArray()[0]).toEqual([0.5, 1, 1.5]);
    expect(() => m.add(ng.tensor([1, 2]))).toThrow('Expected shapes that broadcast for a and b but received [2, 3] and [2]');
    expect(() => m.add('x' as any)).toThrow('Expected Tensor or number for b but received "x" of type string');
  });

  it('sum, mean, max, argmax along axes', () => {
    const m = ng.tensor([[1, 5, 3], [4, 2, 6]]);
    expect(m.sum().item()).toBe(21);
    expect(arr(m.sum(0))).toEqual([5, 7, 9]);
    expect(m.sum(1, true).shape).toEqual([2, 1]);
    expect(arr(m.mean(1))).toEqual([3, 4]);
    expect(arr(m.max(1))).toEqual([5, 6]);
    expect(m.max().item()).toBe(6);
    expect(arr(m.argmax(1))).toEqual([1, 2]);
    expect(arr(m.argmax(0))).toEqual([1, 0, 1]);
    expect(m.argmax().dtype).toBe('int32');
    expect(() => m.sum(2)).toThrow('Expected integer axis in [-2, 1] for axis but received 2 of type number');
  });

  it('matmul on awkward sizes matches a naive product', () => {
    ng.setSeed(3);
    for (const [M, K, N] of [[1, 1, 1], [3, 17, 5], [17, 3, 255], [33, 65, 7]]) {
      const a = ng.randn([M, K]);
      const b = ng.randn([K, N]);
      const c = a.matmul(b);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a.data[i * K + k] * b.data[k * N + j];
          expect(Math.abs(c.data[i * N + j] - s)).toBeLessThan(1e-4 * Math.sqrt(K) + 1e-5);
        }
      }
    }
    expect(() => ng.zeros([2, 3]).matmul(ng.zeros([4, 2]))).toThrow('Expected shape [3, *] for b (rows must match the 3 columns of a) but received [4, 2]');
  });

  it('ops reject disposed and wrong-dtype tensors with clear messages', () => {
    const t = ng.ones([2]);
    t.dispose();
    expect(() => ng.relu(t)).toThrow('Expected a live tensor for x but received a disposed tensor');
    const i = ng.tensor([1, 2], { dtype: 'int32' });
    expect(() => ng.relu(i)).toThrow('Expected float32 Tensor for x but received int32 Tensor of shape [2]');
    expect(() => ng.relu([1, 2] as any)).toThrow('Expected float32 Tensor for x but received an array of length 2');
  });
});

import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';

describe('smoke', () => {
  it('creates tensors', () => {
    const t = ng.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ng.backend()).toBe('cpu-avx512');
    ng.setSeed(1);
    const a = ng.randn([5]);
    ng.setSeed(1);
    const b = ng.randn([5]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    console.log(a.toString(), ng.memoryStats());
  });
});

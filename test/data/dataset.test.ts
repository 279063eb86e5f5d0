import { describe, expect, it } from 'vitest';
import { fromArrays, fromObjects, fromTensors, subset, TensorDataset } from '../../lib/data';
import { fromArray, memoryStats } from '../../lib/data/tensor-api';

describe('fromArrays', () => {
  it('nested arrays with integer labels -> int32 y', () => {
    const ds = fromArrays([[1, 2], [3, 4], [5, 6]], [0, 2, 1]);
    expect(ds.length).toBe(3);
    expect(ds.x.shape).toEqual([3, 2]);
    expect(ds.x.dtype).toBe('float32');
    expect(Array.from(ds.x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ds.y!.dtype).toBe('int32');
    expect(ds.y!.shape).toEqual([3]);
    expect(ds.numClasses).toBe(3);
    ds.dispose();
  });
  it('float targets -> (N, 1); 2-D targets -> (N, K); yType overrides', () => {
    const a = fromArrays([[1], [2]], [0.5, 1.5]);
    expect(a.y!.dtype).toBe('float32');
    expect(a.y!.shape).toEqual([2, 1]);
    const b = fromArrays([[1], [2]], [[1, 0], [0, 1]]);
    expect(b.y!.shape).toEqual([2, 2]);
    const c = fromArrays([[1], [2]], [3, 4], { yType: 'float' });
    expect(c.y!.dtype).toBe('float32');
    for (const d of [a, b, c]) d.dispose();
  });
  it('images (N, H, W) from nested arrays and flat typed arrays', () => {
    const img = fromArrays([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [0, 1]);
    expect(img.x.shape).toEqual([2, 2, 2]);
    expect(img.sampleShape).toEqual([2, 2]);
    const flat = fromArrays(new Float32Array(12), new Int32Array([0, 1, 1]));
    expect(flat.x.shape).toEqual([3, 4]);
    const shaped = fromArrays(new Float32Array(12), undefined, { shape: [3, 2, 2] });
    expect(shaped.x.shape).toEqual([3, 2, 2]);
    expect(shaped.y).toBeUndefined();
    for (const d of [img, flat, shaped]) d.dispose();
  });
  it('missing values: error by default, NaN with missing keep', () => {
    expect(() => fromArrays([[1, 2], [null as any, 4]], [0, 1])).toThrow(
      "Expected a number (missing values need { missing: 'keep' } and an imputer) for x[1][0] but received null");
    expect(() => fromArrays([[1, NaN]], [0])).toThrow(
      "Expected a number (missing values need { missing: 'keep' } and an imputer) for x[0][1] but received NaN of type number");
    const ds = fromArrays([[1, null as any]], [0], { missing: 'keep' });
    expect(Number.isNaN(ds.x.data[1])).toBe(true);
    ds.dispose();
  });
  it('bad input errors', () => {
    expect(() => fromArrays([[1, 2], [3]], [0, 1])).toThrow('Expected array of length 2 for x[1] but received an array of length 1');
    expect(() => fromArrays([[1, 'a' as any]], [0])).toThrow('Expected number for x[0][1] but received "a" of type string');
    expect(() => fromArrays([[1], [2]], [0])).toThrow('Expected 2 targets (one per sample of x) for y but received an array of length 1');
    expect(() => fromArrays([[1], [2]], [0, 5], { numClasses: 3 })).toThrow(
      'Expected integer label in [0, 2] for y[1] but received 5 of type number');
    expect(() => fromArrays([[1], [2]], [0, -1], { yType: 'label' })).toThrow(
      'Expected non-negative integer label for y[1] but received -1 of type number');
    expect(() => fromArrays([], [])).toThrow('Expected at least one sample for x but received an array of length 0');
    expect(() => fromArrays([1, 2] as any)).toThrow('Expected array of samples (N, ...features) for x but received shape [2]');
    expect(() => fromArrays(new Float32Array(5))).toThrow('Expected options.shape (x is a flat typed array) for shape but received undefined');
    expect(() => fromArrays([[1]], [0], { missing: 'drop' as any })).toThrow(
      "Expected one of 'error', 'keep' for missing but received \"drop\" of type string");
  });
});

describe('fromObjects', () => {
  it('brain.js style pairs', () => {
    const ds = fromObjects([{ input: [0, 0], output: [0] }, { input: [1, 0], output: [1] }]);
    expect(ds.x.shape).toEqual([2, 2]);
    expect(ds.y!.shape).toEqual([2, 1]);
    expect(ds.y!.dtype).toBe('float32');
    ds.dispose();
    const lab = fromObjects([{ input: [0, 0], output: 1 }, { input: [1, 0], output: 0 }]);
    expect(lab.y!.dtype).toBe('int32');
    lab.dispose();
  });
  it('names the bad item', () => {
    expect(() => fromObjects([{ input: [0, 0], output: 1 }, { input: [1], output: 0 }])).toThrow(
      'Expected array of length 2 for items[1].input but received an array of length 1');
    expect(() => fromObjects([{ input: [0], output: 1 }, { input: [1] }])).toThrow(
      'Expected an output (items[0] has one) for items[1] but received undefined');
  });
});

describe('fromTensors and subset', () => {
  it('borrows tensors, validates y', () => {
    const x = fromArray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const y = fromArray(new Int32Array([1, 0, 1]), [3]);
    const ds = fromTensors(x, y);
    expect(ds).toBeInstanceOf(TensorDataset);
    expect(ds.numClasses).toBe(2);
    ds.dispose();
    expect(x.isDisposed).toBe(false);
    const sub = subset(ds, [2, 0]);
    expect(Array.from(sub.x.data)).toEqual([5, 6, 1, 2]);
    expect(Array.from(sub.y!.data)).toEqual([1, 1]);
    sub.dispose();
    const bad = fromArray(new Int32Array([1, 0]), [2]);
    expect(() => fromTensors(x, bad)).toThrow('Expected int32 labels of shape [3] for y but received shape [2]');
    expect(() => fromTensors(x, y, { numClasses: 1 })).toThrow('Expected integer label in [0, 0] for y[0] but received 1 of type number');
    expect(() => subset(ds, [3])).toThrow('Expected index in [0, 2] for indices[0] but received 3 of type number');
    x.dispose(); y.dispose(); bad.dispose();
  });
  it('owned datasets free their memory', () => {
    const before = memoryStats().bytesInUse;
    const ds = fromArrays([[1, 2], [3, 4]], [0, 1]);
    expect(memoryStats().bytesInUse).toBeGreaterThan(before);
    ds.dispose();
    expect(memoryStats().bytesInUse).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { TokenWindowDataset } from '../../lib/text';
import { DataLoader, RandomSampler, loadMobyDick, MOBY_DICK_CHAPTERS } from '../../lib/data';
import { memoryStats } from '../../lib/data/tensor-api';

const range = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

describe('TokenWindowDataset', () => {
  it('cuts (x, y) windows shifted by one, with a stride', () => {
    const ds = new TokenWindowDataset(range(10), 4);
    expect(ds.length).toBe(6); // starts 0..5, y needs ids[start + 4]
    expect(Array.from(ds.get(0).x)).toEqual([0, 1, 2, 3]);
    expect(Array.from(ds.get(0).y)).toEqual([1, 2, 3, 4]);
    expect(Array.from(ds.get(5).y)).toEqual([6, 7, 8, 9]);
    const strided = new TokenWindowDataset(range(10), 4, { stride: 3 });
    expect(strided.length).toBe(2); // starts 0 and 3 (6 would need id 10)
    expect(Array.from(strided.get(1).x)).toEqual([3, 4, 5, 6]);
    expect(new TokenWindowDataset([0, 1], 1).length).toBe(1);
  });

  it('gather returns int32 [B, T] tensors the caller owns', () => {
    const ds = new TokenWindowDataset(range(20), 5);
    const { x, y } = ds.gather(Int32Array.from([3, 0, 14]));
    expect(x.dtype).toBe('int32');
    expect(x.shape).toEqual([3, 5]);
    expect(Array.from(x.data)).toEqual([3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 14, 15, 16, 17, 18]);
    expect(Array.from(y.data)).toEqual([4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 15, 16, 17, 18, 19]);
    x.dispose(); y.dispose();
  });

  it('accepts arrays and int32 tensors; copies the ids', () => {
    const ids = range(6);
    const ds = new TokenWindowDataset(ids, 2);
    ids[0] = 99;
    expect(ds.get(0).x[0]).toBe(0);
    const t = ng.fromArray(range(6), [6]);
    expect(new TokenWindowDataset(t, 2).length).toBe(4);
    t.dispose();
  });

  it('rejects bad input naming the argument', () => {
    expect(() => new TokenWindowDataset(range(4), 4)).toThrow(/Expected at least contextLength \+ 1 = 5 tokens for ids but received 4 tokens/);
    expect(() => new TokenWindowDataset(range(4), 0)).toThrow(/positive integer for contextLength/);
    expect(() => new TokenWindowDataset([0, -1, 2], 1)).toThrow(/Expected non-negative integer token id for ids\[1\] but received -1/);
    expect(() => new TokenWindowDataset([0, 1.5, 2], 1)).toThrow(/ids\[1\]/);
    expect(() => new TokenWindowDataset('abc' as unknown as number[], 1)).toThrow(/for ids/);
    expect(() => new TokenWindowDataset([0, 1, 7], 1, { vocabSize: 5 })).toThrow(/Expected token id in \[0, 4\] for ids\[2\] but received 7/);
    expect(() => new TokenWindowDataset(range(5), 1, { stride: 0 })).toThrow(/for stride/);
    const f = ng.randn([5]);
    expect(() => new TokenWindowDataset(f, 1)).toThrow(/Expected int32 tensor of shape \[N\] for ids but received float32 tensor/);
    f.dispose();
    const ds = new TokenWindowDataset(range(10), 4);
    expect(() => ds.get(6)).toThrow(/Expected window index in \[0, 5\] for index but received 6/);
    expect(() => ds.gather(Int32Array.from([0, -1]))).toThrow(/for indices\[1\]/);
  });

  it('batches through a DataLoader (seeded shuffle) without leaking', () => {
    const ds = new TokenWindowDataset(range(50), 8);
    const before = memoryStats().storages;
    const order = (seed: number): number[] => {
      const starts: number[] = [];
      for (const { x, y } of new DataLoader(ds, { batchSize: 7, shuffle: true, seed })) {
        expect(x.shape[1]).toBe(8);
        for (let r = 0; r < x.shape[0]; r++) {
          starts.push(x.data[r * 8]);
          expect(y.data[r * 8]).toBe(x.data[r * 8] + 1);
        }
      }
      return starts;
    };
    const a = order(1);
    expect(a.slice().sort((p, q) => p - q)).toEqual(Array.from({ length: ds.length }, (_, i) => i));
    expect(order(1)).toEqual(a);
    expect(order(2)).not.toEqual(a);
    expect(memoryStats().storages).toBe(before);
  });

  it('a gather() returning the wrong row count is an error, not a bad batch', () => {
    const bad = { length: 4, gather: () => ({ x: ng.zeros([1, 2]) }) };
    const loader = new DataLoader(bad, { batchSize: 2 });
    expect(() => [...loader]).toThrow(/Expected \{ x, y\? \} with 2 rows from dataset.gather\(\) for dataset.gather/);
  });
});

describe('RandomSampler', () => {
  it('is seeded: same seed, same draws; a new draw each epoch', () => {
    const a = new RandomSampler(100, { seed: 3 });
    const b = new RandomSampler({ length: 100 }, { seed: 3 });
    const e1 = a.indices();
    expect(Array.from(b.indices())).toEqual(Array.from(e1));
    expect(Array.from(a.indices())).not.toEqual(Array.from(e1));
    expect(Array.from(e1).sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i)); // a permutation
  });

  it('with replacement draws numSamples uniform indices (may exceed the dataset)', () => {
    const s = new RandomSampler(10, { numSamples: 20000, replacement: true, seed: 1 });
    const idx = s.indices();
    expect(idx.length).toBe(20000);
    const counts = new Array(10).fill(0);
    for (const i of idx) counts[i]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200); // ~5 sigma
    const state = s.getState();
    const next = s.indices();
    s.setState(state);
    expect(Array.from(s.indices())).toEqual(Array.from(next));
  });

  it('drives a DataLoader over token windows', () => {
    const ds = new TokenWindowDataset(range(40), 4);
    const loader = new DataLoader(ds, { batchSize: 8, sampler: new RandomSampler(ds, { numSamples: 24, replacement: true, seed: 2 }) });
    let batches = 0;
    for (const { x } of loader) { expect(x.shape).toEqual([8, 4]); batches++; }
    expect(batches).toBe(3);
  });

  it('rejects bad options', () => {
    expect(() => new RandomSampler(5, { numSamples: 6 })).toThrow(/Expected numSamples <= 5 \(dataset length\) without replacement/);
    expect(() => new RandomSampler(0)).toThrow(/positive integer for source length/);
    expect(() => new RandomSampler('x' as unknown as number)).toThrow(/for source/);
    expect(() => new RandomSampler(5, { replacement: 1 as unknown as boolean })).toThrow(/boolean for replacement/);
  });
});

describe('loadMobyDick', () => {
  it('loads chapters by range or list, with optional front matter and epilogue', () => {
    const all = loadMobyDick();
    expect(all.length).toBe(MOBY_DICK_CHAPTERS);
    expect(all[0].chapter).toBe(1);
    expect(all[0].title).toBe('Loomings.');
    expect(all[0].text.startsWith('Call me Ishmael.')).toBe(true);
    const val = loadMobyDick({ from: 121, to: 135 });
    expect(val.map((c) => c.chapter)).toEqual(Array.from({ length: 15 }, (_, i) => 121 + i));
    expect(loadMobyDick({ chapters: [3, 1] }).map((c) => c.chapter)).toEqual([3, 1]);
    const full = loadMobyDick({ frontMatter: true, epilogue: true });
    expect(full.length).toBe(MOBY_DICK_CHAPTERS + 4);
    expect(full[0].chapter).toBe('Contents');
    expect(full[full.length - 1].chapter).toBe('Epilogue');
    const chars = all.reduce((s, c) => s + c.text.length, 0);
    expect(chars).toBeGreaterThan(1_000_000);
  });

  it('rejects bad chapter numbers', () => {
    expect(() => loadMobyDick({ from: 0 })).toThrow(/positive integer for from/);
    expect(() => loadMobyDick({ to: 136 })).toThrow(/Expected chapter number in \[1, 135\] for to but received 136/);
    expect(() => loadMobyDick({ from: 5, to: 4 })).toThrow(/Expected to >= from \(5\) for to/);
    expect(() => loadMobyDick({ chapters: [1, 200] })).toThrow(/for chapters\[1\]/);
    expect(() => loadMobyDick({ chapters: [1], from: 1 })).toThrow(/either chapters or from\/to/);
  });
});

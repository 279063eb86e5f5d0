import { describe, expect, it } from 'vitest';
import { DataLoader, fromArrays, WeightedRandomSampler, Batch, TensorDataset } from '../../lib/data';
import { fromArray, memoryStats } from '../../lib/data/tensor-api';

function numbered(n: number, d = 3): TensorDataset {
  const x = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => i * 10 + j));
  return fromArrays(x, Array.from({ length: n }, (_, i) => i % 4));
}

function rowsOf(b: Batch): number[] {
  const d = b.x.shape[1];
  return Array.from({ length: b.x.shape[0] }, (_, i) => b.x.data[i * d] / 10);
}

describe('DataLoader', () => {
  it('batches in order without shuffle; last partial batch kept or dropped', () => {
    const ds = numbered(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const seen: number[][] = [];
    for (const b of loader) {
      seen.push(rowsOf(b));
      expect(b.y!.dtype).toBe('int32');
      expect(Array.from(b.y!.data)).toEqual(Array.from(b.indices, (i) => i % 4));
    }
    expect(seen).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const drop = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(drop.length).toBe(2);
    expect([...drop].length).toBe(2);
    ds.dispose();
  });

  it('shuffles with a seed, differently each epoch, reproducibly', () => {
    const ds = numbered(20);
    const order = (l: DataLoader): number[] => [...l].flatMap((b) => Array.from(b.indices));
    const a = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 7 });
    const b = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 7 });
    const e1 = order(a), e2 = order(a);
    expect(e1).toEqual(order(b));
    expect(e2).toEqual(order(b));
    expect(e1).not.toEqual(e2);
    expect([...e1].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a.epoch).toBe(2);
    // rows match their indices
    for (const batch of a) expect(rowsOf(batch)).toEqual(Array.from(batch.indices));
    ds.dispose();
  });

  it('async iteration prefetches and gives the same batches', async () => {
    const ds = numbered(23);
    const sync = [...new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3 })].map((b) => Array.from(b.indices));
    const got: number[][] = [];
    for await (const b of new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3 })) {
      got.push(rowsOf(b));
      await new Promise((r) => setImmediate(r)); // consumer work that lets the prefetch run
    }
    expect(got).toEqual(sync);
    ds.dispose();
  });

  it('owns its batches: no tensors left after full, broken and async loops', async () => {
    const ds = numbered(50);
    const base = memoryStats().storages;
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 1 });
    let prev: Batch | null = null;
    for (const b of loader) {
      if (prev) expect(prev.x.isDisposed).toBe(true);
      expect(memoryStats().storages).toBeLessThanOrEqual(base + 2);
      prev = b;
    }
    expect(memoryStats().storages).toBe(base);
    for (const b of loader) { if (b.indices.length) break; }
    expect(memoryStats().storages).toBe(base);
    for await (const b of loader) { expect(memoryStats().storages).toBeLessThanOrEqual(base + 4); if (b) break; }
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(memoryStats().storages).toBe(base);
    for await (const b of loader) expect(b.x.isDisposed).toBe(false);
    expect(memoryStats().storages).toBe(base);
    ds.dispose();
  });

  it('keep: the consumer owns the batches', () => {
    const ds = numbered(6);
    const base = memoryStats().storages;
    const kept = [...new DataLoader(ds, { batchSize: 4, keep: true })];
    expect(kept.every((b) => !b.x.isDisposed)).toBe(true);
    expect(memoryStats().storages).toBe(base + 4);
    for (const b of kept) { b.x.dispose(); b.y!.dispose(); }
    expect(memoryStats().storages).toBe(base);
    ds.dispose();
  });

  it('transform: training flag, replaced tensors freed', () => {
    const ds = numbered(4, 2);
    const flags: boolean[] = [];
    const loader = new DataLoader(ds, {
      batchSize: 2,
      transform: (b, ctx) => {
        flags.push(ctx.training);
        if (!ctx.training) return b;
        return { ...b, x: fromArray(new Float32Array(b.x.size).fill(1), [...b.x.shape]) };
      },
    });
    const base = memoryStats().storages;
    for (const b of loader) expect(Array.from(b.x.data)).toEqual([1, 1, 1, 1]);
    expect(memoryStats().storages).toBe(base);
    loader.eval();
    for (const b of loader) expect(b.x.data[0]).not.toBe(1);
    expect(flags).toEqual([true, true, false, false]);
    ds.dispose();
  });

  it('sampler oversamples a rare class', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : 1));
    const ds = fromArrays(labels.map((l) => [l]), labels);
    const sampler = WeightedRandomSampler.balanced(ds, { seed: 5 });
    const loader = new DataLoader(ds, { batchSize: 20, sampler });
    let ones = 0;
    for (let e = 0; e < 10; e++) for (const b of loader) ones += Array.from(b.y!.data).filter((v) => v === 1).length;
    expect(ones / 1000).toBeGreaterThan(0.4);
    expect(ones / 1000).toBeLessThan(0.6);
    expect(() => new DataLoader(ds, { sampler, shuffle: true })).toThrow(
      'Expected shuffle false (a sampler decides the order) for shuffle but received true of type boolean');
    expect(() => new DataLoader(numbered(5), { sampler })).toThrow(
      "Expected sampler over 5 samples (the dataset's length) for sampler but received a sampler over 100 samples");
    ds.dispose();
  });

  it('validates options', () => {
    const ds = numbered(3);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow('Expected positive integer for batchSize but received 0 of type number');
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow('Expected positive integer for batchSize but received 1.5 of type number');
    expect(() => new DataLoader(ds, { shuffle: 'yes' as any })).toThrow('Expected boolean for shuffle but received "yes" of type string');
    expect(() => new DataLoader({} as any)).toThrow('Expected Dataset ({ length, x, y? } or { length, gather(indices) }) for dataset but received an object');
    expect(() => new DataLoader(ds, { batchSize: 4, dropLast: true })).toThrow(
      'Expected batchSize <= 3 (dataset length) with dropLast for batchSize but received 4 of type number');
    ds.dispose();
  });

  it('a failing transform frees the batch and surfaces the error (sync and async)', async () => {
    const ds = numbered(10);
    const base = memoryStats().storages;
    const boom = (b: Batch, ctx: { batchIndex: number }): Batch => {
      if (ctx.batchIndex === 1) throw new Error('boom');
      return b;
    };
    const loader = new DataLoader(ds, { batchSize: 4, transform: boom });
    expect(() => { for (const b of loader) expect(b).toBeDefined(); }).toThrow('boom');
    expect(memoryStats().storages).toBe(base);
    await expect((async () => { for await (const b of loader) expect(b).toBeDefined(); })()).rejects.toThrow('boom');
    expect(memoryStats().storages).toBe(base);
    const bad = new DataLoader(ds, { batchSize: 4, transform: () => 42 as any });
    expect(() => [...bad]).toThrow('Expected batch { x, y? } returned by transform for transform but received 42 of type number');
    expect(memoryStats().storages).toBe(base);
    ds.dispose();
  });

  it('state round-trip resumes the same shuffle', () => {
    const ds = numbered(12);
    const a = new DataLoader(ds, { batchSize: 12, shuffle: true, seed: 11 });
    [...a];
    const st = a.getState();
    const next = [...a].map((b) => Array.from(b.indices));
    const b = new DataLoader(ds, { batchSize: 12, shuffle: true, seed: 99 });
    b.setState(st);
    expect([...b].map((x) => Array.from(x.indices))).toEqual(next);
    ds.dispose();
  });
});

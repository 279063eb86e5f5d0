import { describe, expect, it } from 'vitest';
import {
  gaussianNoise, randomHorizontalFlip, randomShift, randomCrop, randomRotation, mixup, compose, sampleBeta, fastNormal,
  DataLoader, fromArrays, Batch, TransformContext,
} from '../../lib/data';
import { fromArray, memoryStats, Tensor } from '../../lib/data/tensor-api';
import { Rng } from '../../lib/core/random';

function batchOf(data: number[], shape: number[], y?: Tensor): Batch {
  return { x: fromArray(Float32Array.from(data), shape), y, indices: new Int32Array(shape[0]) };
}
const ctx = (seed = 1, training = true): TransformContext => ({ training, rng: new Rng(seed), epoch: 1, batchIndex: 0 });
/** A generator whose uniform() is fixed (to pin random angles/offsets). */
const fixed = (u: number): TransformContext => ({
  training: true, epoch: 1, batchIndex: 0,
  rng: Object.assign(new Rng(0), { uniform: () => u, int: (n: number) => Math.min(n - 1, Math.floor(u * n)) }),
});
function free(b: Batch): void { b.x.dispose(); b.y?.dispose(); }

describe('augmentations', () => {
  it('gaussianNoise: seeded, right spread, off in eval', () => {
    const a = batchOf(new Array(20000).fill(0.5), [20, 1000]);
    gaussianNoise(0.1)(a, ctx(3));
    const d = Array.from(a.x.data);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.005);
    const b = batchOf(new Array(20000).fill(0.5), [20, 1000]);
    gaussianNoise(0.1)(b, ctx(3));
    expect(Array.from(b.x.data)).toEqual(d);
    const c = batchOf([0.5, 0.5], [1, 2]);
    gaussianNoise(0.1)(c, ctx(3, false));
    expect(Array.from(c.x.data)).toEqual([0.5, 0.5]);
    const clipped = batchOf(new Array(100).fill(0), [1, 100]);
    gaussianNoise(1, { clip: [0, 1] })(clipped, ctx(1));
    expect(Math.min(...clipped.x.data)).toBe(0);
    for (const x of [a, b, c, clipped]) free(x);
  });

  it('randomHorizontalFlip on (N, H, W) and (N, C, H, W)', () => {
    const img = [1, 2, 3, 4, 5, 6];
    const a = batchOf(img, [1, 2, 3]);
    randomHorizontalFlip(1)(a, ctx());
    expect(Array.from(a.x.data)).toEqual([3, 2, 1, 6, 5, 4]);
    const b = batchOf([...img, ...img], [1, 2, 2, 3]);
    randomHorizontalFlip(1)(b, ctx());
    expect(Array.from(b.x.data)).toEqual([3, 2, 1, 6, 5, 4, 3, 2, 1, 6, 5, 4]);
    const c = batchOf(img, [1, 2, 3]);
    randomHorizontalFlip(0)(c, ctx());
    expect(Array.from(c.x.data)).toEqual(img);
    for (const x of [a, b, c]) free(x);
  });

  it('randomShift moves whole images by at most maxShift; flat square input works', () => {
    const img = new Array(25).fill(0);
    img[12] = 1; // center of 5x5
    const n = 50;
    const b = batchOf(Array.from({ length: n }, () => img).flat(), [n, 25]);
    randomShift(2)(b, ctx(4));
    const moves = new Set<string>();
    for (let s = 0; s < n; s++) {
      const im = Array.from(b.x.data.subarray(s * 25, (s + 1) * 25));
      expect(im.reduce((p, v) => p + v, 0)).toBe(1);
      const k = im.indexOf(1);
      const dy = Math.floor(k / 5) - 2, dx = (k % 5) - 2;
      expect(Math.abs(dy)).toBeLessThanOrEqual(2);
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
      moves.add(`${dy},${dx}`);
    }
    expect(moves.size).toBeGreaterThan(10);
    free(b);
  });

  it('randomCrop with padding and to a smaller size', () => {
    const img = Array.from({ length: 16 }, (_, i) => i + 1); // 4x4
    const a = batchOf(img, [1, 4, 4]);
    randomCrop({ padding: 1 })(a, fixed(0)); // top = left = 0: the image moves down-right by 1
    expect(Array.from(a.x.data)).toEqual([0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]);
    const b = batchOf(img, [1, 1, 4, 4]);
    const before = memoryStats().storages;
    const out = randomCrop({ size: [2, 2] })(b, fixed(0.99)); // bottom-right corner
    expect(out.x.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(out.x.data)).toEqual([11, 12, 15, 16]);
    expect(memoryStats().storages).toBe(before + 1);
    free(a); free(b); out.x.dispose();
    expect(() => randomCrop({ size: [5, 5] })(batchOf(img, [1, 4, 4]), ctx())).toThrow(
      'Expected crop size at most [4, 4] (image plus padding) for size but received [5, 5]');
  });

  it('randomRotation: bilinear, by up to maxDegrees', () => {
    const img = [0, 1, 0, 0, 0, 0, 0, 0, 0]; // 3x3, top middle
    const a = batchOf(img, [1, 3, 3]);
    randomRotation(90)(a, fixed(1)); // exactly +90 degrees
    const d = Array.from(a.x.data);
    const k = d.findIndex((v) => v > 0.99);
    expect([3, 5]).toContain(k); // moved to the left or right middle
    expect(d.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    const b = batchOf(img, [1, 3, 3]);
    randomRotation(30)(b, fixed(0.5)); // angle 0
    expect(Array.from(b.x.data).map((v) => Math.round(v * 1e6) / 1e6)).toEqual(img);
    const c = batchOf(Array.from({ length: 64 }, (_, i) => (i % 8 >= 2 && i % 8 < 6 && i >= 16 && i < 48 ? 1 : 0)), [1, 8, 8]);
    randomRotation(10)(c, ctx(5));
    const mass = Array.from(c.x.data).reduce((s, v) => s + v, 0);
    expect(mass).toBeGreaterThan(15);
    expect(mass).toBeLessThan(17);
    for (const x of [a, b, c]) free(x);
  });

  it('mixup mixes x and (one-hot) y with one lambda per batch', () => {
    const y = fromArray(new Int32Array([0, 1, 2, 1]), [4]);
    const b = batchOf([0, 0, 1, 1, 2, 2, 3, 3], [4, 2], y);
    const out = mixup(0.4, { numClasses: 3 })(b, ctx(8));
    expect(out.y!.shape).toEqual([4, 3]);
    expect(out.y!.dtype).toBe('float32');
    const yd = Array.from(out.y!.data);
    for (let i = 0; i < 4; i++) expect(yd[i * 3] + yd[i * 3 + 1] + yd[i * 3 + 2]).toBeCloseTo(1, 6);
    expect(out.x).toBe(b.x);
    // x rows are convex combinations: x_i = lam * i + (1 - lam) * j for the same lam on both columns
    const xd = Array.from(out.x.data);
    for (let i = 0; i < 4; i++) expect(xd[2 * i]).toBeCloseTo(xd[2 * i + 1], 6);
    free(b); out.y!.dispose();
    const floatY = fromArray(new Float32Array([1, 0, 0, 1]), [2, 2]);
    const f = mixup(1)(batchOf([0, 1], [2, 1], floatY), ctx(2));
    expect(f.y).toBe(floatY);
    expect(f.y!.data[0] + f.y!.data[1]).toBeCloseTo(1, 6);
    free(f);
    expect(() => mixup(0.2)(batchOf([0], [1, 1], fromArray(new Int32Array([0]), [1])), ctx())).toThrow(
      'Expected numClasses option (y holds int32 labels) for numClasses but received undefined');
  });

  it('ziggurat normals have the right moments and tails', () => {
    const rng = new Rng(99);
    const n = 400000;
    let m1 = 0, m2 = 0, m4 = 0, beyond2 = 0, beyond35 = 0;
    for (let i = 0; i < n; i++) {
      const v = fastNormal(rng);
      m1 += v; m2 += v * v; m4 += v ** 4;
      if (Math.abs(v) > 2) beyond2++;
      if (Math.abs(v) > 3.5) beyond35++;
    }
    expect(Math.abs(m1 / n)).toBeLessThan(0.01);
    expect(Math.abs(m2 / n - 1)).toBeLessThan(0.01);
    expect(Math.abs(m4 / n - 3)).toBeLessThan(0.08);
    expect(beyond2 / n).toBeCloseTo(0.0455, 2); // P(|z| > 2)
    expect(beyond35 / n).toBeGreaterThan(0.0002); // P(|z| > 3.5) = 0.000465: the tail is sampled
    expect(beyond35 / n).toBeLessThan(0.0008);
  });

  it('Beta sampling has the right moments', () => {
    const rng = new Rng(12);
    const xs = Array.from({ length: 20000 }, () => sampleBeta(rng, 0.2, 0.2));
    const m = xs.reduce((s, v) => s + v, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(v - 1 / (4 * 1.4))).toBeLessThan(0.01);
  });

  it('compose in a DataLoader: seeded, off after eval(), no leaks', () => {
    const ds = fromArrays(Array.from({ length: 12 }, (_, i) => Array.from({ length: 16 }, (_, j) => (i + j) % 3)),
      Array.from({ length: 12 }, (_, i) => i % 3));
    const make = (): DataLoader => new DataLoader(ds, {
      batchSize: 5, shuffle: true, seed: 21,
      transform: compose([randomCrop({ padding: 1 }), randomRotation(15), gaussianNoise(0.05), mixup(0.2, { numClasses: 3 })]),
    });
    const base = memoryStats().storages;
    const run = (l: DataLoader): number[] => {
      const out: number[] = [];
      for (const b of l) out.push(...b.x.data, ...b.y!.data); // batches die when the next one comes
      return out;
    };
    const a = run(make());
    expect(run(make())).toEqual(a);
    expect(memoryStats().storages).toBe(base);
    const ev = make().eval();
    for (const b of ev) {
      expect(b.y!.dtype).toBe('int32');
      expect(Array.from(b.x.data)).toEqual(Array.from(b.indices).flatMap((i) => Array.from({ length: 16 }, (_, j) => (i + j) % 3)));
    }
    expect(memoryStats().storages).toBe(base);
    ds.dispose();
  });

  it('argument errors', () => {
    expect(() => randomHorizontalFlip(2)).toThrow('Expected number in [0, 1] for p but received 2 of type number');
    expect(() => randomShift(-1)).toThrow('Expected non-negative integer for maxShift but received -1 of type number');
    expect(() => randomRotation(200)).toThrow('Expected number in [0, 180] for maxDegrees but received 200 of type number');
    expect(() => mixup(0)).toThrow('Expected positive number for alpha but received 0 of type number');
    expect(() => compose([1 as any])).toThrow('Expected function for transforms[0] but received 1 of type number');
    const b = batchOf([1, 2, 3], [1, 3]);
    expect(() => randomShift(1)(b, ctx())).toThrow(
      'Expected images (N, H, W) or (N, C, H, W), or imageShape for flat input for batch.x but received shape [1, 3]');
    free(b);
  });
});

// Mixed precision (lib/core/precision.ts): ng.autocast's scope, linear and matmul forward and
// backward and conv2d in bf16 against references on bf16-rounded operands, fit({ precision: 'bf16' }), and
// the fp32 fallback with its single warning where bf16 is not native (NODEGRAD_BF16=0 in a child).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { native as nativeAddon } from '../../lib/native';
import { bf16Array } from '../helpers/bf16';
import { rng, randomF32 } from '../helpers/random';
import { ensureDist } from '../cli/ensure-dist';

const native = ng.bf16Native();
const live: { dispose(): void }[] = [];
function track<T extends { dispose(): void }>(t: T): T {
  live.push(t);
  return t;
}
afterEach(() => {
  for (const d of live.splice(0).reverse()) d.dispose();
});

/** out[i, j] = sum_p a[i, p] * b[p, j] (or b[j, p] with bT), in double. */
function matmulRef(a: Float32Array, b: Float32Array, M: number, K: number, N: number, bT = false): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p] * (bT ? b[j * K + p] : b[p * N + j]);
      out[i * N + j] = s;
    }
  return out;
}
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('ng.autocast', () => {
  it('sets the precision for fn, returns its value, nests and restores (also on throw)', () => {
    expect(ng.getPrecision()).toBe('fp32');
    const inner = native ? 'bf16' : 'fp32';
    expect(ng.autocast('bf16', () => ng.getPrecision())).toBe(inner);
    expect(ng.autocast('bf16', () => [ng.autocast('fp32', () => ng.getPrecision()), ng.getPrecision()])).toEqual(['fp32', inner]);
    expect(() => ng.autocast('bf16', () => { throw new Error('boom'); })).toThrow('boom');
    expect(ng.getPrecision()).toBe('fp32');
  });

  it('validates its arguments', () => {
    expect(() => ng.autocast('fp16' as never, () => 1)).toThrow(
      new RangeError("Expected one of 'fp32', 'bf16' for precision but received \"fp16\" of type string"));
    expect(() => ng.autocast('bf16', 3 as never)).toThrow(new TypeError('Expected function for fn but received 3 of type number'));
    expect(ng.getPrecision()).toBe('fp32');
  });

  it('reports bf16 in backend() exactly where it is native', () => {
    expect(ng.backend().endsWith('-bf16')).toBe(native);
    if (native) expect(ng.buildInfo().bf16).toBe(true);
  });
});

describe.skipIf(!native)('bf16 linear and matmul, forward and backward', () => {
  // Big enough for the GEMM path of linear (small problems use plain fp32 loops).
  const [B, C, OC] = [64, 96, 80];

  it('linear: out, dX and dW are the GEMMs of bf16-rounded operands; dbias stays fp32', () => {
    const r = rng(11);
    const xs = randomF32(B * C, r);
    const ws = randomF32(OC * C, r);
    const bs = randomF32(OC, r);
    const gs = randomF32(B * OC, r);
    const x = track(ng.fromArray(xs, [B, C], { requiresGrad: true }));
    const w = track(ng.fromArray(ws, [OC, C], { requiresGrad: true }));
    const b = track(ng.fromArray(bs, [OC], { requiresGrad: true }));
    const g = track(ng.fromArray(gs, [B, OC]));
    const y = track(ng.autocast('bf16', () => {
      const out = ng.linear(x, w, b);
      const loss = ng.sum(ng.mul(out, g));
      loss.backward(); // dout = g
      loss.dispose();
      return out;
    }));
    const xr = bf16Array(xs);
    const wr = bf16Array(ws);
    const gr = bf16Array(gs);
    const want = matmulRef(xr, wr, B, C, OC, true).map((v, i) => v + bs[i % OC]);
    const tol = 2e-6 * (C + 4);
    expect(maxDiff(y.data.slice() as Float32Array, want)).toBeLessThanOrEqual(tol);
    // Not the fp32 result: the rounding is visible.
    const exact = matmulRef(xs, ws, B, C, OC, true).map((v, i) => v + bs[i % OC]);
    expect(maxDiff(y.data.slice() as Float32Array, exact)).toBeGreaterThan(50 * tol);
    expect(maxDiff(x.grad!.data.slice() as Float32Array, matmulRef(gr, wr, B, OC, C))).toBeLessThanOrEqual(2e-6 * (OC + 4));
    expect(maxDiff(w.grad!.data.slice() as Float32Array, matmulRef(transpose(gr, B, OC), xr, OC, B, C))).toBeLessThanOrEqual(2e-6 * (B + 4));
    const db = new Float64Array(OC);
    for (let i = 0; i < B * OC; i++) db[i % OC] += gs[i];
    expect(maxDiff(b.grad!.data.slice() as Float32Array, db)).toBeLessThanOrEqual(1e-4);
  });

  it('matmul forward and backward', () => {
    const r = rng(12);
    const [M, K, N] = [70, 130, 90];
    const as = randomF32(M * K, r);
    const bs = randomF32(K * N, r);
    const a = track(ng.fromArray(as, [M, K], { requiresGrad: true }));
    const b = track(ng.fromArray(bs, [K, N], { requiresGrad: true }));
    const y = track(ng.autocast('bf16', () => {
      const out = ng.matmul(a, b);
      const loss = ng.sum(out);
      loss.backward(); // dout = 1 (exact in bf16)
      loss.dispose();
      return out;
    }));
    const ar = bf16Array(as);
    const br = bf16Array(bs);
    expect(maxDiff(y.data.slice() as Float32Array, matmulRef(ar, br, M, K, N))).toBeLessThanOrEqual(2e-6 * (K + 4));
    const ones = new Float32Array(M * N).fill(1);
    expect(maxDiff(a.grad!.data.slice() as Float32Array, matmulRef(ones, br, M, N, K, true))).toBeLessThanOrEqual(2e-6 * (N + 4));
    expect(maxDiff(b.grad!.data.slice() as Float32Array, matmulRef(transpose(ar, M, K), ones, K, M, N))).toBeLessThanOrEqual(2e-6 * (M + 4));
  });
});

describe.skipIf(!native)('bf16 conv2d (im2col + the same GEMM)', () => {
  it('equals the fp32 convolution of bf16-rounded input and weight, up to summation order', () => {
    const r = rng(13);
    const [N, C, H, W, OC, KH] = [2, 8, 12, 12, 16, 3];
    const xs = randomF32(N * C * H * W, r);
    const ws = randomF32(OC * C * KH * KH, r);
    const x = track(ng.fromArray(xs, [N, C, H, W]));
    const w = track(ng.fromArray(ws, [OC, C, KH, KH]));
    const got = track(ng.autocast('bf16', () => ng.conv2d(x, w, null, { padding: 1 })));
    // Products of bf16 values are exact in fp32, so fp32 on rounded operands is the reference.
    const xr = track(ng.fromArray(bf16Array(xs), [N, C, H, W]));
    const wr = track(ng.fromArray(bf16Array(ws), [OC, C, KH, KH]));
    const want = track(ng.conv2d(xr, wr, null, { padding: 1 }));
    const exact = track(ng.conv2d(x, w, null, { padding: 1 }));
    const tol = 2e-6 * (C * KH * KH + 4);
    expect(maxDiff(got.data, want.data)).toBeLessThanOrEqual(tol);
    expect(maxDiff(got.data, exact.data)).toBeGreaterThan(20 * tol);
  });
});

describe('fit({ precision })', () => {
  /** Four seeded Gaussian blobs in 32 features (a problem big enough for the GEMM path). */
  function data(n: number) {
    const r = new ng.Rng(5);
    const f = 32;
    const x = new Float32Array(n * f);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 4;
      for (let j = 0; j < f; j++) x[i * f + j] = r.normal() + (j % 4 === y[i] ? 1.5 : 0);
    }
    return { x: track(ng.fromArray(x, [n, f])), y: track(ng.fromArray(y, [n])) };
  }
  async function train(precision: 'fp32' | 'bf16') {
    ng.setSeed(9);
    const model = track(new ng.nn.Sequential(new ng.nn.Linear(32, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 4)));
    const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 3e-3, metrics: ['accuracy'] });
    track(trainer.optimizer);
    const { x, y } = data(1024);
    const history = await trainer.fit([x, y], { epochs: 4, batchSize: 128, verbose: 0, seed: 1, precision });
    const weights = model.parameters()[0].data.slice() as Float32Array;
    return { history, weights, acc: trainer.evaluateSync([x, y]).accuracy };
  }

  it('trains in bf16 as well as in fp32, on fp32 master weights, and leaves fp32 behind', async () => {
    const fp32 = await train('fp32');
    const bf16 = await train('bf16');
    expect(ng.getPrecision()).toBe('fp32');
    expect(fp32.acc).toBeGreaterThan(0.9);
    expect(bf16.acc).toBeGreaterThan(fp32.acc - 0.03);
    const losses = bf16.history.history.loss;
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    // The weights are fp32 (not bf16-rounded), and bf16 steps really ran where native.
    expect(Array.from(bf16.weights).some((v, i) => v !== bf16Array(bf16.weights)[i])).toBe(true);
    expect(maxDiff(bf16.weights, fp32.weights) > 0).toBe(native);
  });

  it('a step replayed on the runner thread after its autocast block ended still runs in bf16', async () => {
    // fit() submits each compiled step inside autocast('bf16') and awaits it outside: the replay
    // must use the precision of its submission (it ran in fp32 when the runner started late).
    const x = track(ng.fromArray(randomF32(64 * 48, rng(3)), [64, 48]));
    const w = track(ng.fromArray(randomF32(48 * 40, rng(4)), [48, 40]));
    const step = ng.compile((a: ng.Tensor) => ng.matmul(a, w));
    const run = async (p: 'fp32' | 'bf16'): Promise<Float32Array> => {
      nativeAddon.captureRunnerHold(50); // the runner starts after the autocast block below has ended
      try {
        const out = await ng.autocast(p, () => step.runAsync(x));
        return Float32Array.from(out.data as Float32Array);
      } finally {
        nativeAddon.captureRunnerHold(0);
      }
    };
    await run('fp32'); // records (eager); the next calls replay on the runner
    const fp32 = await run('fp32');
    const bf16 = await run('bf16');
    expect(ng.getPrecision()).toBe('fp32');
    expect(maxDiff(bf16, fp32) > 0).toBe(native);
    step.dispose();
  });

  it('a replay that starts inside an autocast block and ends after it leaves the setting alone', async () => {
    // fit() submits a step inside autocast('bf16') and the runner may start it at once: the block
    // then ends on the JS thread while the replay runs. The replay's precision is an override for
    // its duration; restoring "the precision before the replay" at its end (what the runner did)
    // put bf16 back after the block had restored fp32.
    const a = track(ng.fromArray(randomF32(512 * 512, rng(6)), [512, 512]));
    const step = ng.compile((t: ng.Tensor) => {
      let y = t;
      for (let i = 0; i < 64; i++) y = ng.matmul(y, a); // ~50-100 ms: outlasts the block's 25 ms
      return y;
    });
    await step.runAsync(a); // records (eager); the next call replays on the runner
    let pending: Promise<ng.Tensor> | null = null;
    ng.autocast('bf16', () => {
      pending = step.runAsync(a);
      const until = performance.now() + 25; // the runner starts the replay meanwhile
      while (performance.now() < until) { /* spin: stay inside the block */ }
    });
    expect(ng.getPrecision()).toBe('fp32');
    await pending;
    expect(ng.getPrecision()).toBe('fp32');
    step.dispose();
  });

  it('rejects an unknown precision', async () => {
    const model = track(new ng.nn.Linear(2, 2));
    const trainer = new ng.Trainer({ model, loss: 'mse' });
    track(trainer.optimizer);
    const x = track(ng.zeros([4, 2]));
    await expect(trainer.fit([x, x], { precision: 'fp8' as never, verbose: 0 })).rejects.toThrow(
      new RangeError("Expected one of 'fp32', 'bf16' for precision but received \"fp8\" of type string"));
  });
});

describe('without native bf16 (NODEGRAD_BF16=0)', () => {
  const root = path.join(__dirname, '..', '..');
  const dist = path.join(root, 'dist', 'index.js');

  beforeAll(() => ensureDist(), 240_000);

  it('warns once, runs fp32 and says so in backend()', () => {
    const script = `const ng = require(${JSON.stringify(dist)});
      const warnings = [];
      process.on('warning', (w) => warnings.push([w.code, w.message]));
      const inside = [ng.autocast('bf16', () => ng.getPrecision()), ng.autocast('bf16', () => ng.getPrecision())];
      setImmediate(() => console.log(JSON.stringify({ native: ng.bf16Native(), backend: ng.backend(), inside, warnings })));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--no-warnings', '-e', script],
      { cwd: root, env: { ...process.env, NODEGRAD_BF16: '0' } }).toString());
    expect(out.native).toBe(false);
    expect(out.backend).not.toMatch(/bf16/);
    expect(out.inside).toEqual(['fp32', 'fp32']);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0][0]).toBe('NODEGRAD_BF16_UNAVAILABLE');
    expect(out.warnings[0][1]).toMatch(/bf16 precision was requested .* running fp32/);
  });
});

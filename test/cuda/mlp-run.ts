/**
 * A whole MLP training run written against the op table's kernels only, so the same loop runs
 * on any backend: 64 -> 128 (relu) -> 10, softmax cross-entropy, Adam over one flat parameter
 * buffer (the fused optimizer step), on a seeded synthetic classification task. Used by
 * test/cuda/mlp.test.ts (GPU vs CPU loss curves) and bench/cuda.mjs (step times).
 */
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { rand, randInt } from './harness';

type Buf = any;

export interface Backend {
  k: Record<string, (...args: any[]) => any>;
  from(a: Float32Array | Int32Array): Buf;
  zeros(n: number): Buf;
  view(b: Buf, offset: number, length: number): Buf;
  read(b: Buf): Float32Array;
  sync(): void;
  dispose(b: Buf): void;
}

export const cpuBackend: Backend = {
  k: native.backends.cpu as any,
  from: (a) => a.slice(),
  zeros: (n) => new Float32Array(n),
  view: (b, o, l) => (b as Float32Array).subarray(o, o + l),
  read: (b) => (b as Float32Array).slice(),
  sync: () => {},
  dispose: () => {},
};

export function cudaBackend(): Backend {
  const k = ng.cuda.kernels() as any;
  return {
    k,
    from: (a) => ng.cuda.DeviceBuffer.from(a),
    zeros: (n) => {
      const b = new ng.cuda.DeviceBuffer('float32', n);
      k.fillF32(b, n, 0);
      return b;
    },
    view: (b, o, l) => ({ ptr: b.ptr + o * 4, length: l, dtype: 'float32' }),
    read: (b) => b.toHost() as Float32Array,
    sync: () => ng.cuda.synchronize(),
    dispose: (b) => b.dispose(),
  };
}

export interface MlpConfig { inputs: number; hidden: number; classes: number; batch: number; samples: number; steps: number; lr: number }

export const SMALL: MlpConfig = { inputs: 64, hidden: 128, classes: 10, batch: 64, samples: 512, steps: 40, lr: 1e-2 };

/** The data set and initial parameters (host arrays), the same for every backend. */
export function problem(c: MlpConfig): { x: Float32Array; y: Int32Array; params: Float32Array } {
  const teacher = rand(c.inputs * c.classes, 7);
  const x = rand(c.samples * c.inputs, 8);
  const y = new Int32Array(c.samples);
  for (let s = 0; s < c.samples; s++) {
    let best = -Infinity;
    for (let j = 0; j < c.classes; j++) {
      let v = 0;
      for (let i = 0; i < c.inputs; i++) v += x[s * c.inputs + i] * teacher[i * c.classes + j];
      if (v > best) { best = v; y[s] = j; }
    }
  }
  const P = c.hidden * c.inputs + c.hidden + c.classes * c.hidden + c.classes;
  const params = new Float32Array(P);
  const w1 = rand(c.hidden * c.inputs, 9, -1, 1).map((v) => v / Math.sqrt(c.inputs));
  const w2 = rand(c.classes * c.hidden, 10, -1, 1).map((v) => v / Math.sqrt(c.hidden));
  params.set(w1, 0);
  params.set(w2, c.hidden * c.inputs + c.hidden);
  void randInt;
  return { x, y, params };
}

/** Trains for c.steps steps; returns the loss of every step and the time of each step (ms, synced). */
export function train(be: Backend, c: MlpConfig): { losses: number[]; stepMs: number[]; params: Float32Array } {
  const { x, y, params } = problem(c);
  const { inputs: I, hidden: H, classes: K, batch: B } = c;
  const P = params.length;
  const p = be.from(params), g = be.zeros(P), m = be.zeros(P), v = be.zeros(P);
  const oW1 = 0, ob1 = H * I, oW2 = ob1 + H, ob2 = oW2 + K * H;
  const W1 = be.view(p, oW1, H * I), b1 = be.view(p, ob1, H), W2 = be.view(p, oW2, K * H), b2 = be.view(p, ob2, K);
  const dW1 = be.view(g, oW1, H * I), db1 = be.view(g, ob1, H), dW2 = be.view(g, oW2, K * H), db2 = be.view(g, ob2, K);
  const batches = Math.floor(c.samples / B);
  const xs: Buf[] = [], ys: Buf[] = [];
  for (let b = 0; b < batches; b++) {
    xs.push(be.from(x.subarray(b * B * I, (b + 1) * B * I)));
    ys.push(be.from(y.subarray(b * B, (b + 1) * B)));
  }
  const h = be.zeros(B * H), logits = be.zeros(B * K), probs = be.zeros(B * K), loss = be.zeros(1);
  const dh = be.zeros(B * H), dlogits = be.zeros(B * K), one = be.from(new Float32Array([1]));
  const losses: number[] = [], stepMs: number[] = [];
  const k = be.k;
  for (let step = 1; step <= c.steps; step++) {
    be.sync();
    const t0 = performance.now();
    const xb = xs[(step - 1) % batches], yb = ys[(step - 1) % batches];
    k.linearForward(h, xb, W1, b1, B, I, H, 1, null);
    k.linearForward(logits, h, W2, b2, B, H, K, 0, null);
    losses.push(k.crossEntropyForward(loss, probs, logits, yb, null, B, K, 0, 1, -100));
    k.fillF32(g, P, 0);
    k.fillF32(dlogits, B * K, 0);
    k.fillF32(dh, B * H, 0);
    k.crossEntropyBackward(dlogits, probs, yb, null, one, B, K, 0, 1, -100);
    k.linearBackward(dh, dW2, db2, dlogits, h, W2, logits, null, B, H, K, 0);
    k.linearBackward(null, dW1, db1, dh, xb, W1, h, null, B, I, H, 1);
    k.adamUpdate(p, g, m, v, null, P, c.lr, 0.9, 0.999, 1e-8, 0, step, false, false);
    be.sync();
    stepMs.push(performance.now() - t0);
  }
  const out = be.read(p);
  for (const b of [p, g, m, v, h, logits, probs, loss, dh, dlogits, one, ...xs, ...ys]) be.dispose(b);
  return { losses, stepMs, params: out };
}

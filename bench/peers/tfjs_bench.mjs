// TensorFlow.js peer for nodegrad's benchmark suite: node bench/peers/tfjs_bench.mjs --backend cpu|wasm
// A request/response server speaking bench/lib/proto.mjs's line protocol. Each backend runs in
// its own process. tfjs's fastest training path is used (optimizer.minimize inside tidy, no
// Keras bookkeeping); the event-loop case uses Keras-style model.fit as users would.
// @tensorflow/tfjs-node is not used: it downloads libtensorflow at install time (impossible here).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { performance } from 'node:perf_hooks';
import { serve } from '../lib/proto.mjs';
import { eventLoopPlan, startLagMonitor } from '../lib/lag.mjs';
import { mnistLike, mulberry32, peakRssMB, rssMB } from '../lib/util.mjs';

const argBackend = process.argv.indexOf('--backend');
const BACKEND = argBackend > 0 ? process.argv[argBackend + 1] : 'cpu';

function mlpModel({ softmax = false } = {}) {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 256, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: softmax ? 'softmax' : 'linear' }),
    ],
  });
}

function shuffled(n, rnd) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

class Mlp {
  constructor({ batch, n = 8192, seed = 1 }) {
    const d = mnistLike(n, seed);
    this.x = tf.tensor2d(d.x, [n, 784]);
    this.y = tf.tensor1d(d.y, 'int32');
    this.model = mlpModel();
    this.opt = tf.train.adam(1e-3);
    this.batch = batch;
    this.n = n;
    this.rnd = mulberry32(seed + 1);
    this.perm = shuffled(n, this.rnd);
    this.pos = 0;
  }
  dispose() {
    this.x.dispose();
    this.y.dispose();
    this.model.dispose();
    this.opt.dispose();
  }
  nextIdx() {
    if (this.pos + this.batch > this.n) {
      this.perm = shuffled(this.n, this.rnd);
      this.pos = 0;
    }
    const idx = this.perm.subarray(this.pos, this.pos + this.batch);
    this.pos += this.batch;
    return idx;
  }
  step() {
    const idx = tf.tensor1d(this.nextIdx(), 'int32');
    const loss = tf.tidy(() => {
      const xb = tf.gather(this.x, idx);
      const yb = tf.oneHot(tf.gather(this.y, idx), 10);
      return this.opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, this.model.apply(xb)), true);
    });
    idx.dispose();
    return loss;
  }
  run(steps) {
    const t0 = performance.now();
    let last = 0;
    for (let s = 0; s < steps; s++) {
      const loss = this.step();
      if (s === steps - 1) last = loss.dataSync()[0];
      loss.dispose();
    }
    return { seconds: (performance.now() - t0) / 1e3, loss: last };
  }
}

class Tiny {
  constructor({ n = 100, seed = 1 }) {
    const rnd = mulberry32(seed);
    const x = new Float32Array(n * 2);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = rnd() * 2 - 1;
      x[2 * i + 1] = rnd() * 2 - 1;
      y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0;
    }
    this.x = tf.tensor2d(x, [n, 2]);
    this.y = tf.tensor2d(y, [n, 1]);
    this.model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 10, activation: 'tanh' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    this.opt = tf.train.adam(1e-3);
  }
  run(steps) {
    const t0 = performance.now();
    let last = 0;
    for (let s = 0; s < steps; s++) {
      const loss = tf.tidy(() =>
        this.opt.minimize(() => tf.losses.meanSquaredError(this.y, this.model.apply(this.x)), true),
      );
      if (s === steps - 1) last = loss.dataSync()[0];
      loss.dispose();
    }
    return { seconds: (performance.now() - t0) / 1e3, loss: last };
  }
}

class Inference {
  constructor({ n = 10000, batch = 1000, seed = 1 }) {
    this.x = tf.tensor2d(mnistLike(n, seed).x, [n, 784]);
    this.model = mlpModel();
    this.batch = batch;
    this.n = n;
  }
  run(steps) {
    const t0 = performance.now();
    let checksum = 0;
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < this.n; i += this.batch) {
        const out = tf.tidy(() => this.model.apply(this.x.slice([i, 0], [Math.min(this.batch, this.n - i), 784])));
        out.dataSync();
        if (i === 0) checksum = out.sum().dataSync()[0];
        out.dispose();
      }
    }
    return { seconds: (performance.now() - t0) / 1e3, checksum };
  }
}

const KINDS = { mlp: Mlp, tiny: Tiny, inference: Inference };

// Keras-style model.fit on case 2 for about `seconds`, with a setInterval(1 ms) lag monitor.
async function eventloop({ batch = 128, seconds = 5, seed = 1 }) {
  // calibrate samples/s with a few manual steps, then size the fit for ~`seconds`
  const probe = new Mlp({ batch, n: batch * 4, seed });
  probe.run(1);
  const est = probe.run(2).seconds / 2;
  const { n, epochs, steps } = eventLoopPlan(Math.max(3, Math.round(seconds / est)), batch);
  const d = mnistLike(n, seed);
  const x = tf.tensor2d(d.x, [n, 784]);
  const y = tf.oneHot(tf.tensor1d(d.y, 'int32'), 10);
  const model = mlpModel({ softmax: true });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const batchTimes = [];
  let tb = 0;
  const mon = startLagMonitor(1);
  const t0 = performance.now();
  await model.fit(x, y, {
    epochs,
    batchSize: batch,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onBatchBegin: () => {
        tb = performance.now();
      },
      onBatchEnd: () => {
        batchTimes.push(performance.now() - tb);
      },
    },
  });
  const wall = (performance.now() - t0) / 1e3;
  const lag = mon.stop();
  batchTimes.sort((a, b) => a - b);
  return { ...lag, steps, epochs, samples: n, wallSeconds: wall, medianStepMs: batchTimes[batchTimes.length >> 1] ?? est * 1e3 };
}

async function memory({ batch = 128, warmup = 50, steps = 5000, maxSeconds = 60, seed = 1, samples = 20 }) {
  const rssStart = rssMB();
  const b = new Mlp({ batch, seed });
  const per = b.run(warmup).seconds / warmup;
  const rssWarm = rssMB();
  let peak = rssWarm;
  const series = [];
  const chunk = Math.max(1, Math.min(Math.floor(steps / samples), Math.floor(maxSeconds / samples / per)));
  const t0 = performance.now();
  let done = 0;
  while (done < steps && performance.now() - t0 < maxSeconds * 1e3) {
    const k = Math.min(chunk, steps - done);
    const sec = b.run(k).seconds;
    done += k;
    const r = rssMB();
    peak = Math.max(peak, r);
    series.push([done, r, (sec / k) * 1e3]);
  }
  return {
    rssStartMB: rssStart,
    rssAfterWarmupMB: rssWarm,
    rssEndMB: rssMB(),
    peakRssMB: Math.max(peak, peakRssMB()),
    steps: done,
    seconds: (performance.now() - t0) / 1e3,
    series,
    tfNumTensors: tf.memory().numTensors,
    tfNumBytes: tf.memory().numBytes,
  };
}

async function hello() {
  const ok = await tf.setBackend(BACKEND);
  await tf.ready();
  if (!ok || tf.getBackend() !== BACKEND) throw new Error(`tfjs backend ${BACKEND} did not initialize`);
  const info = { tfjs: tf.version.tfjs, backend: tf.getBackend() };
  if (BACKEND === 'wasm') {
    info.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return info;
}

const benches = new Map();
const specs = new Map();
let ready = null;
serve(async (op, args) => {
  ready ??= hello();
  const info = await ready;
  switch (op) {
    case 'hello':
      return info;
    case 'setup':
      specs.set(args.key, args);
      benches.set(args.key, new KINDS[args.kind](args));
      return { key: args.key };
    case 'reset': {
      // a fresh object of the same kind, warmed up (untimed)
      const spec = specs.get(args.key);
      benches.get(args.key)?.dispose?.();
      const b = new KINDS[spec.kind](spec);
      benches.set(args.key, b);
      if (args.warmup > 0) b.run(args.warmup);
      return {};
    }
    case 'run':
      return benches.get(args.key).run(args.steps);
    case 'free':
      benches.get(args.key)?.dispose?.();
      benches.delete(args.key);
      specs.delete(args.key);
      return {};
    case 'eventloop':
      return eventloop(args);
    case 'memory':
      return memory(args);
    default:
      throw new Error(`unknown op ${op}`);
  }
});

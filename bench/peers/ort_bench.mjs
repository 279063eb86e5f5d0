// onnxruntime-node peer: runs an ONNX model (nodegrad's export of the case-2 MLP) on the CPU
// execution provider. node bench/peers/ort_bench.mjs; speaks bench/lib/proto.mjs's protocol.
// onnxruntime-node is a devDependency of the main package (resolved from ../../node_modules).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { serve } from '../lib/proto.mjs';
import { mnistLike } from '../lib/util.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

class Inference {
  static async create({ path, n = 10000, batch = 1000, threads = 1, seed = 1, sampleShape = [784] }) {
    const self = new Inference();
    self.session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    self.input = self.session.inputNames[0];
    self.output = self.session.outputNames[0];
    const { x } = mnistLike(n, seed);
    self.batches = [];
    for (let i = 0; i < n; i += batch) {
      const rows = Math.min(batch, n - i);
      self.batches.push(new ort.Tensor('float32', x.subarray(i * 784, (i + rows) * 784), [rows, ...sampleShape]));
    }
    return self;
  }
  async run(steps) {
    const t0 = performance.now();
    let checksum = 0;
    for (let s = 0; s < steps; s++) {
      for (const b of this.batches) {
        const out = await this.session.run({ [this.input]: b });
        checksum = out[this.output].data[0];
      }
    }
    return { seconds: (performance.now() - t0) / 1e3, checksum };
  }
}

const benches = new Map();
serve(async (op, args) => {
  switch (op) {
    case 'hello':
      return { onnxruntime: require('onnxruntime-node/package.json').version };
    case 'setup':
      benches.set(args.key, await Inference.create(args));
      return { key: args.key };
    case 'run':
      return benches.get(args.key).run(args.steps);
    case 'free':
      await benches.get(args.key)?.session.release();
      benches.delete(args.key);
      return {};
    default:
      throw new Error(`unknown op ${op}`);
  }
});

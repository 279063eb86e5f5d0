// Case conv: CNN training and inference throughput (samples/s) on 28x28 single-channel inputs.
// Two nets: the LeNet-style net of `nodegrad train --model cnn` (5x5 conv 16 + ReLU + 2x2 max-pool,
// 5x5 conv 32 + ReLU + 2x2 max-pool, Linear 1568-128 + ReLU, Linear 128-10) and a small
// ResNet-style stack (3x3 conv stem 16 + BatchNorm2d + ReLU; residual blocks 16, 16->32 stride 2
// with a 1x1 projection, 32; global average pool; Linear 32-10). Training: softmax-CE, Adam 1e-3,
// batch 64, vs PyTorch (tuned per its CPU guide, the untuned figure beside it). Inference: eval
// mode, batch 256, vs PyTorch and onnxruntime-node running nodegrad's ONNX export of the same
// net (intraOpNumThreads = the thread count).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bestTorch, makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { ortAvailable, startOrt } from '../lib/peers.mjs';
import { errMsg, mnistLike, now } from '../lib/util.mjs';

export const ARCHS = ['lenet', 'resnet'];

const TRAIN_BATCH = 64;
const TRAIN_N = 2048; // 32 batches, cycled
const INFER_BATCH = 256;
const INFER_N = 2048;

// ---------------------------------------------------------------------------------------------
// nodegrad side: the only place that touches nodegrad's API.
// ---------------------------------------------------------------------------------------------
export function ngConvModel(ng, arch, seed = 1) {
  ng.setSeed(seed);
  const nn = ng.nn;
  if (arch === 'lenet') {
    return new nn.Sequential(
      new nn.Conv2d(1, 16, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(16, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(32 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10),
    );
  }
  const block = (cin, cout, stride) => [
    new nn.Residual(
      new nn.Sequential(
        new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
        new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout),
      ),
      stride === 1 && cin === cout ? null : new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout)),
    ),
    new nn.ReLU(),
  ];
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(),
    ...block(16, 16, 1), ...block(16, 32, 2), ...block(32, 32, 1),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(32, 10),
  );
}

function ngImageBatches(ng, n, batch, seed) {
  const { x, y } = mnistLike(n, seed);
  const out = [];
  for (let i = 0; i + batch <= n; i += batch) {
    out.push({ x: ng.fromArray(x.slice(i * 784, (i + batch) * 784), [batch, 1, 28, 28]), y: ng.fromArray(y.slice(i, i + batch), [batch]) });
  }
  return out;
}

export function ngConvTrainRunner(ng, { arch, batch = TRAIN_BATCH, n = TRAIN_N, seed = 1 }) {
  const model = ngConvModel(ng, arch, seed);
  model.train();
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = ngImageBatches(ng, n, batch, seed);
  let k = 0;
  return {
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        const b = batches[k++ % batches.length];
        ng.tidy(() => {
          const loss = ng.losses.crossEntropy(model.forward(b.x), b.y);
          opt.zeroGrad();
          loss.backward();
          opt.step();
        });
      }
      return (now() - t0) / 1e3;
    },
    dispose() {
      opt.dispose?.();
      model.dispose?.();
      for (const b of batches) {
        b.x.dispose();
        b.y.dispose();
      }
    },
  };
}

export function ngConvInferRunner(ng, { arch, batch = INFER_BATCH, n = INFER_N, seed = 1 }) {
  const model = ngConvModel(ng, arch, seed);
  // BatchNorm statistics from a few training-mode passes, so eval mode uses non-trivial ones
  const warm = ngImageBatches(ng, 256, 64, seed + 1);
  ng.noGrad(() => ng.tidy(() => { for (const b of warm) model.forward(b.x); }));
  for (const b of warm) {
    b.x.dispose();
    b.y.dispose();
  }
  model.eval();
  const batches = ngImageBatches(ng, n, batch, seed);
  return {
    model,
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        for (const b of batches) ng.tidy(() => ng.noGrad(() => model.forward(b.x)).data[0]);
      }
      return (now() - t0) / 1e3;
    },
    dispose() {
      model.dispose?.();
      for (const b of batches) {
        b.x.dispose();
        b.y.dispose();
      }
    },
  };
}
// ---------------------------------------------------------------------------------------------

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const archs = quick ? ['lenet'] : ARCHS;
  const reps = quick ? 2 : 5;
  const targetSec = quick ? 0.2 : 0.8;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  const tmp = mkdtempSync(join(tmpdir(), 'ngbench-conv-'));
  try {
    for (const t of threads) {
      const peers = await startPeers(ctx, t, { tfjs: false });
      notes.push(...peers.notes.filter((x) => !notes.includes(x)));
      try {
        for (const arch of archs) {
          // ---- training
          log(`  conv train ${arch} threads=${t} batch=${TRAIN_BATCH}`);
          const cs = [];
          let ngErr = null;
          let runner = null;
          if (ng && !unavailable) {
            try {
              ng.setNumThreads(t);
              runner = ngConvTrainRunner(ng, { arch });
              cs.push({ name: 'nodegrad', run: (k) => runner.run(k) });
            } catch (e) {
              ngErr = errMsg(e);
            }
          }
          for (const [i, p] of peers.torch.entries()) cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'conv_train', arch, batch: TRAIN_BATCH, n: TRAIN_N }));
          const res = await interleave(cs, { reps, targetSec, log });
          for (const c of cs) await c.free?.();
          runner?.dispose();
          if (res.nodegrad?.error) ngErr = res.nodegrad.error;
          if (ngErr) notes.push(`nodegrad failed: train ${arch} threads=${t}: ${ngErr}`);
          const sps = (r, per) => (r?.perStep ? per / r.perStep : null);
          const torch = bestTorch(res, peers.torch, (r) => sps(r, TRAIN_BATCH));
          const untuned = peers.torch.map((p, i) => (p.reference ? sps(res[`pytorch#${i}`], TRAIN_BATCH) : null)).find((v) => Number.isFinite(v));
          const peerVals = {};
          if (Number.isFinite(torch.value)) peerVals.pytorch = torch.value;
          if (Number.isFinite(torch.tuned)) peerVals['pytorch (tuned)'] = torch.tuned;
          if (Number.isFinite(untuned)) peerVals['pytorch (untuned)'] = untuned;
          const row = makeRow({
            config: `${arch} train threads=${t} batch=${TRAIN_BATCH}`,
            metric: 'training throughput',
            unit: 'samples/s',
            nodegrad: sps(res.nodegrad, TRAIN_BATCH),
            peers: peerVals,
            peerConfigs: torch.label ? { pytorch: torch.label } : undefined,
            extra: { pytorchConfigs: torch.all, steps: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.steps])) },
          });
          if (arch === 'lenet' && t === threads[threads.length - 1]) row.headline = true;
          rows.push(row);

          // ---- inference
          log(`  conv inference ${arch} threads=${t} batch=${INFER_BATCH}`);
          const ci = [];
          let inf = null;
          let ngErrI = null;
          let ort = null;
          const onnxPath = join(tmp, `${arch}.onnx`);
          let exported = false;
          if (ng && !unavailable) {
            try {
              ng.setNumThreads(t);
              inf = ngConvInferRunner(ng, { arch });
              ci.push({ name: 'nodegrad', run: (k) => inf.run(k) });
              if (!ctx.noPeers && ortAvailable().ok) {
                await ng.io.exportOnnx(inf.model, onnxPath, { inputShape: [null, 1, 28, 28] });
                exported = true;
              }
            } catch (e) {
              ngErrI = errMsg(e);
            }
          }
          if (exported) {
            ort = startOrt();
            try {
              await ort.request('hello');
              ci.push(await peerContestant(ort, 'onnxruntime', { kind: 'inference', path: onnxPath, n: INFER_N, batch: INFER_BATCH, threads: t, sampleShape: [1, 28, 28] }));
            } catch (e) {
              notes.push(`onnxruntime failed: ${errMsg(e)}`);
            }
          }
          // PyTorch 1.13 (Debian, no oneDNN) takes seconds per pass here: one pass per repetition, 3 repetitions
          for (const [i, p] of peers.torch.entries()) {
            ci.push(await peerContestant(p, `pytorch#${i}`, { kind: 'conv_infer', arch, batch: INFER_BATCH, n: INFER_N }, { reps: 3, minSteps: 1, maxSteps: 1, slow: true }));
          }
          try {
            const ri = await interleave(ci, { reps, targetSec, log });
            for (const c of ci) await c.free?.();
            if (ri.nodegrad?.error) ngErrI = ri.nodegrad.error;
            if (ngErrI) notes.push(`nodegrad failed: inference ${arch} threads=${t}: ${ngErrI}`);
            const torchI = bestTorch(ri, peers.torch, (r) => sps(r, INFER_N));
            const pv = {};
            if (Number.isFinite(sps(ri.onnxruntime, INFER_N))) pv.onnxruntime = sps(ri.onnxruntime, INFER_N);
            if (Number.isFinite(torchI.value)) pv.pytorch = torchI.value;
            rows.push(makeRow({
              config: `${arch} inference threads=${t} batch=${INFER_BATCH}`,
              metric: 'inference throughput',
              unit: 'samples/s',
              nodegrad: sps(ri.nodegrad, INFER_N),
              peers: pv,
              peerConfigs: { ...(torchI.label ? { pytorch: torchI.label } : {}), ...(exported ? { onnxruntime: `intraOpNumThreads=${t}, nodegrad's ONNX export` } : {}) },
              extra: { pytorchConfigs: torchI.all },
            }));
          } finally {
            inf?.dispose();
            await ort?.close();
          }
        }
      } finally {
        await peers.close();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  notes.push(`Training: batch ${TRAIN_BATCH} from ${TRAIN_N} pre-built random 28x28 samples (cycled, no shuffling, on every side); one step = forward, softmax-CE, backward, Adam.`);
  notes.push(`Inference: eval mode, ${INFER_N} samples in batches of ${INFER_BATCH}; PyTorch under inference_mode, one pass per repetition and 3 repetitions (seconds per pass).`);
  notes.push('"pytorch" is the best PyTorch configuration of the row (named in peerConfigs), tuned per its CPU guide (jemalloc, thread layouts) or not: with Debian\'s PyTorch 1.13 the default allocator wins some rows (ResNet-style training: jemalloc ~4x slower); "pytorch (tuned)" and "pytorch (untuned)" are beside it.');
  if (quick) notes.push('quick: LeNet only.');
  return { name: 'conv', rows, notes };
}

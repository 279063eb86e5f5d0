// Case 4 (inference): forward pass of the case-2 model (784-512-256-10) over 10,000 samples in
// batches of 1000, no gradients: samples/s. Peers: PyTorch (inference_mode), tfjs cpu/wasm and
// onnxruntime-node running nodegrad's exported ONNX model (ng.io.exportOnnx).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bestTorch, makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { ortAvailable, startOrt, startTorch, torchAvailable, torchConfigs } from '../lib/peers.mjs';
import { errMsg, mnistLike, now } from '../lib/util.mjs';
import { ngMlpModel } from './mlp.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side: the only place that touches nodegrad's API.
// ---------------------------------------------------------------------------------------------
export function ngInferenceRunner(ng, { n = 10000, batch = 1000, seed = 1 } = {}) {
  const { model } = ngMlpModel(ng, seed);
  model.eval?.();
  const { x } = mnistLike(n, seed);
  const batches = [];
  for (let i = 0; i < n; i += batch) {
    const rows = Math.min(batch, n - i);
    batches.push(ng.fromArray(x.subarray(i * 784, (i + rows) * 784), [rows, 784]));
  }
  return {
    model,
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        for (const xb of batches) ng.tidy(() => ng.noGrad(() => model.forward(xb)).data[0]);
      }
      return (now() - t0) / 1e3;
    },
  };
}

export async function ngExportOnnx(ng, model, path) {
  await ng.io.exportOnnx(model, path, { inputShape: [null, 784] });
}
// ---------------------------------------------------------------------------------------------

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const n = 10000;
  const batch = 1000;
  const cpuN = 2000; // tfjs-cpu takes tens of seconds per 10,000: it is timed on the first 2,000
  const reps = quick ? 2 : 5;
  const targetSec = quick ? 0.15 : 0.6;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  const tmp = mkdtempSync(join(tmpdir(), 'ngbench-onnx-'));
  const onnxPath = join(tmp, 'mlp.onnx');
  let onnxFrom = null;
  const tfjsOnce = {};
  try {
    for (const t of threads) {
      const peers = await startPeers(ctx, t, { tfjs: t === threads[0], tfjsBackends: quick ? ['wasm'] : ['cpu', 'wasm'] });
      notes.push(...peers.notes.filter((x) => !notes.includes(x)));
      let ort = null;
      try {
        log(`  inference threads=${t}`);
        const cs = [];
        let ngErr = null;
        let runner = null;
        if (ng && !unavailable) {
          try {
            ng.setNumThreads(t);
            runner = ngInferenceRunner(ng, { n, batch });
            cs.push({ name: 'nodegrad', run: (k) => runner.run(k) });
          } catch (e) {
            ngErr = errMsg(e);
          }
        }
        // the ONNX model for onnxruntime: nodegrad's export; PyTorch's export of the same
        // architecture stands in while nodegrad's is unavailable (said so in the notes)
        if (!onnxFrom && !ctx.noPeers && ortAvailable().ok) {
          if (runner) {
            try {
              await ngExportOnnx(ng, runner.model, onnxPath);
              onnxFrom = 'nodegrad';
            } catch (e) {
              notes.push(`nodegrad ONNX export failed: ${errMsg(e)}`);
            }
          }
          if (!onnxFrom && torchAvailable().ok) {
            const tp = startTorch(torchConfigs(1)[0]);
            try {
              await tp.request('export_onnx', { path: onnxPath });
              onnxFrom = 'pytorch';
            } catch (e) {
              notes.push(`PyTorch ONNX export failed: ${errMsg(e)}`);
            }
            await tp.close();
          }
        }
        if (onnxFrom) {
          ort = startOrt();
          try {
            await ort.request('hello');
            cs.push(await peerContestant(ort, 'onnxruntime', { kind: 'inference', path: onnxPath, n, batch, threads: t }));
          } catch (e) {
            notes.push(`onnxruntime failed: ${errMsg(e)}`);
          }
        }
        for (const [i, p] of peers.torch.entries()) cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'inference', n, batch }));
        for (const p of peers.tfjs) {
          const slow = p.name === 'tfjs-cpu'; // seconds per pass: one pass per repetition
          cs.push(await peerContestant(p, p.name, { kind: 'inference', n: slow ? cpuN : n, batch }, slow ? { reps: 2, minSteps: 1, maxSteps: 1, slow, samples: cpuN } : { reps: Math.min(reps, 3) }));
        }
        const res = await interleave(cs, { reps, targetSec, log });
        for (const c of cs) await c.free?.();
        const sps = (r, samples = n) => (r?.perStep ? samples / r.perStep : null);
        const torch = bestTorch(res, peers.torch, sps);
        for (const p of peers.tfjs) tfjsOnce[p.name] = sps(res[p.name], p.name === 'tfjs-cpu' ? cpuN : n);
        if (res.nodegrad?.error) ngErr = res.nodegrad.error;
        if (ngErr) notes.push(`nodegrad failed at threads=${t}: ${ngErr}`);
        const pv = { pytorch: torch.value, onnxruntime: sps(res.onnxruntime), 'tfjs-cpu': tfjsOnce['tfjs-cpu'], 'tfjs-wasm': tfjsOnce['tfjs-wasm'] };
        for (const k of Object.keys(pv)) if (!Number.isFinite(pv[k])) delete pv[k];
        const row = makeRow({
          config: `threads=${t} batch=${batch}`,
          metric: 'inference throughput',
          unit: 'samples/s',
          better: 'higher',
          nodegrad: sps(res.nodegrad),
          peers: pv,
          peerConfigs: { ...(torch.label ? { pytorch: torch.label } : {}), ...(onnxFrom ? { onnxruntime: `intraOpNumThreads=${t}, model exported by ${onnxFrom}` } : {}) },
          extra: { pytorchConfigs: torch.all },
        });
        if (t === threads[threads.length - 1]) row.headline = true;
        rows.push(row);
      } finally {
        await peers.close();
        await ort?.close();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (onnxFrom === 'pytorch') notes.push('onnxruntime ran PyTorch\'s ONNX export of the same architecture because nodegrad\'s export was unavailable.');
  if (threads.length > 1 && Object.keys(tfjsOnce).length) notes.push(`tfjs figures measured once at threads=${threads[0]} (single-threaded backends).`);
  if (quick) notes.push('quick: tfjs-cpu skipped.');
  else if (Object.hasOwn(tfjsOnce, 'tfjs-cpu')) notes.push(`tfjs-cpu is timed on the first ${cpuN} samples (same batch size; seconds per pass), its figure is samples/s like the others.`);
  return { name: 'inference', rows, notes };
}

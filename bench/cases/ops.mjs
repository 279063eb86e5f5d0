// Case 7 (ops): fused linear + bias + ReLU forward + backward (ng.linear(x, W, b, 'relu')) vs the
// unfused sequence (matmul, add, relu and their backwards) vs PyTorch, on B x 784 -> 512 for
// B in 32, 128, 512. x needs no gradient (a first layer): backward = dW, db.
import { bestTorch, makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { errMsg, mulberry32, now, sig } from '../lib/util.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side: the only place that touches nodegrad's API.
// ---------------------------------------------------------------------------------------------
export function ngLinearSetup(ng, { batch, fin = 784, fout = 512, seed = 1 }) {
  ng.setSeed(seed);
  const lin = new ng.nn.Linear(fin, fout);
  const rnd = mulberry32(seed);
  const xs = new Float32Array(batch * fin);
  for (let i = 0; i < xs.length; i++) xs[i] = rnd() * 2 - 1;
  const x = ng.fromArray(xs, [batch, fin]);
  const opt = new (ng.optim.SGD ?? ng.optim.Adam)(lin.parameters(), { lr: 0 }); // only for zeroGrad
  return { x, w: lin.weight, b: lin.bias, opt };
}

export function ngFusedStep(ng, { x, w, b, opt }) {
  ng.tidy(() => {
    opt.zeroGrad();
    ng.linear(x, w, b, 'relu').sum().backward();
  });
}

export function ngUnfusedStep(ng, { x, w, b, opt }) {
  ng.tidy(() => {
    opt.zeroGrad();
    ng.relu(ng.add(ng.matmul(x, ng.transpose(w)), b)).sum().backward();
  });
}

function ngRunner(ng, setup, step) {
  return (steps) => {
    const t0 = now();
    for (let s = 0; s < steps; s++) step(ng, setup);
    return (now() - t0) / 1e3;
  };
}
// ---------------------------------------------------------------------------------------------

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const batches = quick ? [128] : [32, 128, 512];
  const reps = quick ? 2 : 7;
  const targetSec = quick ? 0.1 : 0.3;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  for (const t of threads) {
    const peers = await startPeers(ctx, t, { tfjs: false });
    notes.push(...peers.notes.filter((n) => !notes.includes(n)));
    try {
      for (const B of batches) {
        log(`  ops threads=${t} B=${B}`);
        const cs = [];
        let ngErr = null;
        if (ng && !unavailable) {
          try {
            ng.setNumThreads(t);
            const s = ngLinearSetup(ng, { batch: B });
            cs.push({ name: 'nodegrad', run: ngRunner(ng, s, ngFusedStep) });
            cs.push({ name: 'nodegrad-unfused', run: ngRunner(ng, s, ngUnfusedStep) });
          } catch (e) {
            ngErr = errMsg(e);
          }
        }
        for (const [i, p] of peers.torch.entries()) cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'linear_relu', batch: B }));
        const res = await interleave(cs, { reps, targetSec, warmupSteps: 3, log });
        for (const c of cs) await c.free?.();
        const us = (r) => (r?.perStep ? r.perStep * 1e6 : null);
        const torch = bestTorch(res, peers.torch, us, 'lower');
        if (res.nodegrad?.error) ngErr = res.nodegrad.error;
        if (ngErr) notes.push(`nodegrad failed at threads=${t} B=${B}: ${ngErr}`);
        if (res['nodegrad-unfused']?.error) notes.push(`nodegrad unfused sequence failed at threads=${t} B=${B}: ${res['nodegrad-unfused'].error}`);
        const pv = { 'nodegrad unfused': us(res['nodegrad-unfused']), pytorch: torch.value };
        for (const k of Object.keys(pv)) if (!Number.isFinite(pv[k])) delete pv[k];
        const flops = 4 * B * 784 * 512; // forward GEMM + dW GEMM (x needs no gradient)
        const gf = (v) => (Number.isFinite(v) ? sig(flops / (v * 1e-6) / 1e9, 3) : null);
        const row = makeRow({
          config: `threads=${t} B=${B}`,
          metric: 'linear+bias+ReLU fwd+bwd',
          unit: 'µs',
          better: 'lower',
          nodegrad: us(res.nodegrad),
          peers: pv,
          peerConfigs: torch.label ? { pytorch: torch.label } : undefined,
          extra: { gflops: { nodegrad: gf(us(res.nodegrad)), unfused: gf(pv['nodegrad unfused']), pytorch: gf(pv.pytorch) }, pytorchConfigs: torch.all },
        });
        if (t === threads[threads.length - 1] && B === 128) row.headline = true;
        rows.push(row);
      }
    } finally {
      await peers.close();
    }
  }
  notes.push('nodegrad = fused ng.linear(x, W, b, "relu"); "nodegrad unfused" = relu(add(matmul(x, transpose(W)), b)); both followed by sum().backward() with gradients for W and b only, as is PyTorch (F.linear(x, W, b).relu().sum().backward()). extra.gflops counts the two GEMMs (4·B·784·512 flop).');
  return { name: 'ops', rows, notes };
}

// Case 3 (tiny): 2 -> 10 (tanh) -> 1 (sigmoid), MSE, 100 samples full batch, Adam lr 1e-3,
// 1000 steps per repetition: microseconds per step. Here per-call overhead is everything.
import { bestTorch, makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { errMsg, mulberry32, now } from '../lib/util.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side: the only place that touches nodegrad's API.
// ---------------------------------------------------------------------------------------------
export function ngTinyRunner(ng, { n = 100, seed = 1 } = {}) {
  ng.setSeed(seed);
  const rnd = mulberry32(seed);
  const xs = new Float32Array(n * 2);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[2 * i] = rnd() * 2 - 1;
    xs[2 * i + 1] = rnd() * 2 - 1;
    ys[i] = xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0;
  }
  const x = ng.fromArray(xs, [n, 2]);
  const y = ng.fromArray(ys, [n, 1]);
  const model = new ng.nn.Sequential(new ng.nn.Linear(2, 10), new ng.nn.Tanh(), new ng.nn.Linear(10, 1), new ng.nn.Sigmoid());
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const mse = ng.losses.mse ?? ng.losses.meanSquaredError;
  return {
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        ng.tidy(() => {
          const loss = mse(model.forward(x), y);
          opt.zeroGrad();
          loss.backward();
          opt.step();
        });
      }
      return (now() - t0) / 1e3;
    },
  };
}
// ---------------------------------------------------------------------------------------------

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const steps = quick ? 200 : 1000;
  const reps = quick ? 3 : 7;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  const tfjsOnce = {};
  for (const t of threads) {
    const peers = await startPeers(ctx, t, { tfjs: t === threads[0] });
    notes.push(...peers.notes.filter((n) => !notes.includes(n)));
    try {
      log(`  tiny threads=${t}`);
      const fixed = { minSteps: steps, maxSteps: steps };
      const cs = [];
      let ngErr = null;
      if (ng && !unavailable) {
        try {
          ng.setNumThreads(t);
          const r = ngTinyRunner(ng);
          cs.push({ name: 'nodegrad', run: (k) => r.run(k), ...fixed });
        } catch (e) {
          ngErr = errMsg(e);
        }
      }
      for (const [i, p] of peers.torch.entries()) cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'tiny' }, fixed));
      for (const p of peers.tfjs) cs.push(await peerContestant(p, p.name, { kind: 'tiny' }, { ...fixed, reps: Math.min(reps, 3) }));
      const res = await interleave(cs, { reps, warmupSteps: Math.min(100, steps), log });
      for (const c of cs) await c.free?.();
      const us = (r) => (r?.perStep ? r.perStep * 1e6 : null);
      const torch = bestTorch(res, peers.torch, us, 'lower');
      for (const p of peers.tfjs) tfjsOnce[p.name] = us(res[p.name]);
      if (res.nodegrad?.error) ngErr = res.nodegrad.error;
      if (ngErr) notes.push(`nodegrad failed at threads=${t}: ${ngErr}`);
      const pv = { pytorch: torch.value, 'tfjs-cpu': tfjsOnce['tfjs-cpu'], 'tfjs-wasm': tfjsOnce['tfjs-wasm'] };
      for (const k of Object.keys(pv)) if (!Number.isFinite(pv[k])) delete pv[k];
      rows.push(
        makeRow({
          config: `threads=${t} ${steps} steps`,
          metric: 'time per training step',
          unit: 'µs',
          better: 'lower',
          nodegrad: us(res.nodegrad),
          peers: pv,
          peerConfigs: torch.label ? { pytorch: torch.label } : undefined,
          extra: { pytorchConfigs: torch.all },
        }),
      );
      if (t === threads[threads.length - 1]) rows[rows.length - 1].headline = true;
    } finally {
      await peers.close();
    }
  }
  if (threads.length > 1 && Object.keys(tfjsOnce).length) notes.push(`tfjs figures measured once at threads=${threads[0]} (single-threaded backends).`);
  notes.push('Target: <= 20 µs per step (DESIGN.md). tfjs uses optimizer.minimize in tidy (its leanest loop).');
  return { name: 'tiny', rows, notes };
}

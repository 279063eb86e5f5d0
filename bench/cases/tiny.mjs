// Case 3 (tiny): 2 -> 10 (tanh) -> 1 (sigmoid), MSE, 100 samples full batch, Adam lr 1e-3,
// 1000 steps per repetition: microseconds per step. Here per-call overhead is everything.
import { bestTorch, makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { errMsg, mulberry32, now } from '../lib/util.mjs';
import { LOOP_LABELS, ngLossStep } from './mlp.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side: the only place that touches nodegrad's API.
// ---------------------------------------------------------------------------------------------
// loop: 'tidy' (each step inside ng.tidy), 'plain' (a PyTorch-style loop: no ng.tidy, only the
// loss disposed) or 'compiled' (the step recorded once by ng.compile and replayed).
export function ngTinyRunner(ng, { n = 100, seed = 1, loop = 'tidy' } = {}) {
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
  const lossOf = (xb, yb) => ngLossStep(ng, { model, opt }, xb, yb, mse);
  const compiled = loop === 'compiled' ? ng.compile(lossOf) : null;
  const step = {
    tidy: () => ng.tidy(() => { lossOf(x, y); }),
    plain: () => lossOf(x, y).dispose(),
    compiled: () => compiled(x, y),
  }[loop];
  if (!step) throw new Error(`unknown loop ${loop}`);
  return {
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) step();
      return (now() - t0) / 1e3;
    },
  };
}
// ---------------------------------------------------------------------------------------------

// nodegrad's contestants: the ng.tidy loop (the headline row) and the other two loop styles.
const NG_LOOPS = [['nodegrad', 'tidy'], ['nodegrad-plain', 'plain'], ['nodegrad-compiled', 'compiled']];

// Rows for the other loop styles, each against the ng.tidy loop of the same repetitions.
function loopRows(t, steps, res, us) {
  const tidy = us(res.nodegrad);
  return NG_LOOPS.slice(1).map(([name, loop]) => makeRow({
    config: `threads=${t} ${steps} steps`,
    metric: `time per training step, ${LOOP_LABELS[loop]}`,
    unit: 'µs',
    better: 'lower',
    nodegrad: us(res[name]),
    peers: { 'nodegrad ng.tidy loop': tidy ?? undefined },
  }));
}

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
          for (const [name, loop] of NG_LOOPS) {
            const r = ngTinyRunner(ng, { loop });
            cs.push({ name, run: (k) => r.run(k), ...fixed });
          }
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
      if (!ngErr) rows.push(...loopRows(t, steps, res, us));
    } finally {
      await peers.close();
    }
  }
  if (threads.length > 1 && Object.keys(tfjsOnce).length) notes.push(`tfjs figures measured once at threads=${threads[0]} (single-threaded backends).`);
  notes.push('Target: <= 20 µs per step (DESIGN.md). tfjs uses optimizer.minimize in tidy (its leanest loop).');
  notes.push('Loop styles, interleaved with the ng.tidy loop: "PyTorch-style loop" = zeroGrad, forward, loss, backward, step, loss.dispose() with no ng.tidy (intermediates left to the garbage collector; target: <= 1.25x the ng.tidy loop); "ng.compile" = the same step recorded once and replayed in one native call (target: <= 5 µs per step).');
  return { name: 'tiny', rows, notes };
}

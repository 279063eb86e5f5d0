// Case gpt: training throughput (tokens/s) of the char-GPT of `nodegrad train --model gpt`
// (4 pre-LN layers, d=128, 4 heads, context 128, tied embeddings, vocab 82), batch 16 of random
// token windows, AdamW + gradient clipping: nodegrad vs PyTorch (bench/gpt_torch.py's model,
// tuned per its CPU tuning guide by bench/lib/peers.mjs). Plus nodegrad's generation speed
// (256 new tokens) with and without the key/value cache.
import { bestTorch, FASTEST_TORCH_NOTE, makeRow, ngUnavailable, startPeers, torchRowFields } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { errMsg, now, sig } from '../lib/util.mjs';

const VOCAB = 82; // the Moby-Dick character vocabulary (81 characters + <unk>)
const CONTEXT = 128;
const BATCH = 16;
const STREAM = 200_000;

export function ngGptRunner(ng, { batch = BATCH, seed = 1 } = {}) {
  ng.setSeed(seed);
  const model = new ng.nn.GPT({ vocabSize: VOCAB, contextLength: CONTEXT, dModel: 128, numLayers: 4, numHeads: 4 });
  const opt = new ng.optim.AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.95], weightDecay: 0.1 });
  const rng = new ng.Rng(seed);
  const stream = Int32Array.from({ length: STREAM }, () => rng.int(VOCAB));
  const params = model.parameters();
  const T = CONTEXT;
  return {
    model,
    dispose() {
      opt.dispose?.();
      model.dispose();
    },
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        const x = new Int32Array(batch * T), y = new Int32Array(batch * T);
        for (let b = 0; b < batch; b++) {
          const st = rng.int(STREAM - T - 1);
          x.set(stream.subarray(st, st + T), b * T);
          y.set(stream.subarray(st + 1, st + 1 + T), b * T);
        }
        ng.tidy(() => {
          const loss = model.loss(ng.fromArray(x, [batch, T]), ng.fromArray(y, [batch, T]));
          opt.zeroGrad();
          loss.backward();
          ng.optim.clipGradNorm(params, 1.0);
          opt.step();
        });
      }
      return { seconds: (now() - t0) / 1e3 };
    },
  };
}

/** Seconds to generate `tokens` new tokens after a 16-token prompt. */
function ngGenerate(r, tokens, useCache) {
  const prompt = Array.from({ length: 16 }, (_, i) => (i * 7) % VOCAB);
  const t0 = now();
  r.model.generate(prompt, { maxTokens: tokens, temperature: 1, seed: 1, useCache });
  return (now() - t0) / 1e3;
}

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const reps = quick ? 2 : 5;
  const targetSec = quick ? 1 : 3;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  notes.push(FASTEST_TORCH_NOTE);
  for (const t of threads) {
    const peers = await startPeers(ctx, t, { tfjs: false });
    notes.push(...peers.notes.filter((n) => !notes.includes(n)));
    try {
      log(`  gpt threads=${t} batch=${BATCH}`);
      const cs = [];
      let r = null;
      let ngErr = null;
      if (ng && !unavailable) {
        try {
          ng.setNumThreads(t);
          r = ngGptRunner(ng);
          cs.push({ name: 'nodegrad', run: (steps) => r.run(steps), minSteps: 1 });
        } catch (e) {
          ngErr = errMsg(e);
        }
      }
      for (const [i, p] of peers.torch.entries()) cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'gpt', batch: BATCH }, { minSteps: 1 }));
      const res = await interleave(cs, { reps, targetSec, log });
      for (const c of cs) await c.free?.();
      const tps = (x) => (x?.perStep ? (BATCH * CONTEXT) / x.perStep : null);
      const torch = bestTorch(res, peers.torch, tps);
      if (res.nodegrad?.error) ngErr = res.nodegrad.error;
      if (ngErr) notes.push(`nodegrad failed at threads=${t}: ${ngErr}`);
      rows.push(makeRow({
        config: `threads=${t} batch=${BATCH} context=${CONTEXT}`,
        metric: 'GPT training throughput',
        unit: 'tokens/s',
        better: 'higher',
        nodegrad: tps(res.nodegrad),
        ...torchRowFields(torch, res),
      }));
      if (t === threads[threads.length - 1]) rows[rows.length - 1].headline = true;
      if (r) {
        try {
          const n = quick ? 64 : 256;
          ngGenerate(r, 8, true); // warm-up
          const cached = [], full = [];
          for (let k = 0; k < (quick ? 1 : 3); k++) {
            cached.push(ngGenerate(r, n, true));
            full.push(ngGenerate(r, n, false));
          }
          const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
          const withCache = n / med(cached), without = n / med(full);
          rows.push(makeRow({ config: `threads=${t} ${n} new tokens`, metric: 'generation with the KV cache', unit: 'tokens/s',
            nodegrad: withCache, extra: { speedupOverNoCache: sig(withCache / without, 3) } }));
          rows.push(makeRow({ config: `threads=${t} ${n} new tokens`, metric: 'generation without a cache (full context each token)',
            unit: 'tokens/s', nodegrad: without }));
        } catch (e) {
          notes.push(`nodegrad generation failed at threads=${t}: ${errMsg(e)}`);
        }
        r.dispose();
      }
    } finally {
      await peers.close();
    }
  }
  notes.push('Training: random windows of a random 82-symbol stream, batch 16 x 128 tokens, AdamW (wd 0.1 on every parameter) + clip 1.0, same model on both sides (PyTorch: nn.TransformerEncoderLayer blocks with a causal mask, bench/gpt_torch.py).');
  notes.push('Generation: temperature 1 sampling after a 16-token prompt; without the cache every token reruns the last <= 128 tokens; with it, past the context the cache restarts from the last 64 tokens.');
  return { name: 'gpt', rows, notes };
}

// Case lstm: LSTM training throughput (sequences/s): torch.nn.LSTM-style layer over (T, B, I) =
// (64, 32, 64), hidden 128, 1 and 2 layers, last layer's final hidden state -> Linear(128, 10)
// -> softmax-CE on fixed random labels, Adam lr 1e-3; nodegrad vs PyTorch CPU in its tuned
// configurations (bench/lib/peers.mjs), 1 and 2 threads. Same shapes, init scheme and optimizer
// on both sides; fixed inputs (no data loading in the timed loop).
import { bestTorch, FASTEST_TORCH_NOTE, makeRow, ngUnavailable, startPeers, torchRowFields } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { errMsg, mulberry32, now } from '../lib/util.mjs';

const SEQ = 64;
const BATCH = 32;
const INPUT = 64;
const HIDDEN = 128;
const CLASSES = 10;

export function ngLstmRunner(ng, { layers, seed = 1 }) {
  ng.setSeed(seed);
  const lstm = new ng.nn.LSTM(INPUT, HIDDEN, { numLayers: layers });
  const head = new ng.nn.Linear(HIDDEN, CLASSES);
  const opt = new ng.optim.Adam([...lstm.parameters(), ...head.parameters()], { lr: 1e-3 });
  const rnd = mulberry32(seed);
  const xs = new Float32Array(SEQ * BATCH * INPUT);
  for (let i = 0; i < xs.length; i++) xs[i] = rnd() * 2 - 1;
  const x = ng.keep(ng.fromArray(xs, [SEQ, BATCH, INPUT]));
  const y = ng.keep(ng.fromArray(Int32Array.from({ length: BATCH }, () => Math.floor(rnd() * CLASSES)), [BATCH]));
  return {
    dispose() {
      opt.dispose?.();
      lstm.dispose();
      head.dispose();
      x.dispose();
      y.dispose();
    },
    run(steps) {
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        ng.tidy(() => {
          const [, [hN]] = lstm.forward(x);
          const last = ng.reshape(ng.slice(hN, layers - 1, layers, 0), [BATCH, HIDDEN]);
          const loss = ng.losses.crossEntropy(head.forward(last), y);
          opt.zeroGrad();
          loss.backward();
          opt.step();
        });
      }
      return { seconds: (now() - t0) / 1e3 };
    },
  };
}

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const layerCounts = quick ? [1] : [1, 2];
  const reps = quick ? 2 : 5;
  const targetSec = quick ? 0.3 : 1.0;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  notes.push(FASTEST_TORCH_NOTE);
  for (const t of threads) {
    const peers = await startPeers(ctx, t, { tfjs: false });
    notes.push(...peers.notes.filter((n) => !notes.includes(n)));
    try {
      for (const layers of layerCounts) {
        log(`  lstm threads=${t} layers=${layers}`);
        const cs = [];
        let r = null;
        if (ng && !unavailable) {
          try {
            ng.setNumThreads(t);
            r = ngLstmRunner(ng, { layers });
            cs.push({ name: 'nodegrad', run: (steps) => r.run(steps) });
          } catch (e) {
            notes.push(`nodegrad failed at threads=${t} layers=${layers}: ${errMsg(e)}`);
          }
        }
        for (const [i, p] of peers.torch.entries()) {
          cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'lstm', seq: SEQ, batch: BATCH, inp: INPUT, hidden: HIDDEN, layers }));
        }
        const res = await interleave(cs, { reps, targetSec, log });
        for (const c of cs) await c.free?.();
        r?.dispose();
        const seqPerSec = (x) => (x?.perStep ? BATCH / x.perStep : null);
        const torch = bestTorch(res, peers.torch, seqPerSec);
        if (res.nodegrad?.error) notes.push(`nodegrad failed at threads=${t} layers=${layers}: ${res.nodegrad.error}`);
        rows.push(makeRow({
          config: `threads=${t} layers=${layers}`,
          metric: 'training throughput',
          unit: 'sequences/s',
          better: 'higher',
          nodegrad: seqPerSec(res.nodegrad),
          ...torchRowFields(torch, res),
        }));
        if (t === threads[threads.length - 1] && layers === 1) rows[rows.length - 1].headline = true;
      }
    } finally {
      await peers.close();
    }
  }
  notes.push(`Shapes: seq ${SEQ}, batch ${BATCH}, input ${INPUT}, hidden ${HIDDEN}; one step = forward, backward through time and an Adam update.`);
  return { name: 'lstm', rows, notes };
}

// Case 2 (mlp): training throughput (samples/s) of 784-512-256-10 ReLU, softmax-CE, Adam lr 1e-3,
// batch 32/128/512 on MNIST-shaped random data (fixed seed), nodegrad vs PyTorch CPU vs tfjs
// cpu/wasm; plus the share of nodegrad's step spent assembling batches in the DataLoader, and
// (where the CPU has AVX512_BF16) nodegrad with bf16 mixed precision (ng.autocast) interleaved
// with its fp32 run: a row "bf16 mixed precision" whose ratio is bf16 / fp32 samples/s.
import { bestTorch, makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { interleave, peerContestant } from '../lib/measure.mjs';
import { errMsg, mnistLike, mulberry32, now, sig } from '../lib/util.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side: the only place that touches nodegrad's API (memory and eventloop reuse it).
// ---------------------------------------------------------------------------------------------
export const DATA_N = 8192; // samples in the synthetic data set (16 batches of 512)

export function ngMlpModel(ng, seed = 1) {
  ng.setSeed(seed);
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(784, 512), new ng.nn.ReLU(),
    new ng.nn.Linear(512, 256), new ng.nn.ReLU(),
    new ng.nn.Linear(256, 10),
  );
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  return { model, opt };
}

export function ngMnistTensors(ng, n = DATA_N, seed = 1) {
  const { x, y } = mnistLike(n, seed);
  return { x: ng.fromArray(x, [n, 784]), y: ng.fromArray(y, [n]) }; // y: Int32Array -> int32 labels
}

// Endless batch source over the data set through nodegrad's DataLoader (reshuffled each epoch).
// While ng.data is not exported, rows are gathered with ng.gatherRows from a seeded shuffle
// (the same work a DataLoader does); `next.kind` says which one ran.
export function ngBatches(ng, data, batchSize, seed = 1) {
  if (!ng.data?.DataLoader) {
    const n = data.x.shape[0];
    const rnd = mulberry32(seed + 7);
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    let pos = n;
    let prev = null;
    const next = () => {
      if (pos + batchSize > n) {
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        pos = 0;
      }
      const idx = perm.subarray(pos, pos + batchSize);
      pos += batchSize;
      prev?.x.dispose();
      prev?.y.dispose();
      prev = { x: ng.gatherRows(data.x, idx), y: ng.gatherRows(data.y, idx) };
      return prev;
    };
    next.kind = 'ng.gatherRows (ng.data.DataLoader unavailable)';
    return next;
  }
  const loader = new ng.data.DataLoader(ng.data.fromTensors(data.x, data.y), { batchSize, shuffle: true, dropLast: true, seed });
  let it = loader[Symbol.iterator]();
  const next = () => {
    let r = it.next();
    if (r.done) {
      it = loader[Symbol.iterator]();
      r = it.next();
    }
    const b = r.value;
    return Array.isArray(b) ? { x: b[0], y: b[1] } : { x: b.x, y: b.y };
  };
  next.kind = 'ng.data.DataLoader';
  return next;
}

// One training step: zeroGrad, forward, loss (default: cross-entropy), backward, optimizer step;
// returns the loss. The loop styles below (and the tiny case's) wrap it.
export function ngLossStep(ng, { model, opt }, xb, yb, lossFn = ng.losses.crossEntropy) {
  opt.zeroGrad();
  const loss = lossFn(model.forward(xb), yb);
  loss.backward();
  opt.step();
  return loss;
}

export function ngTrainStep(ng, m, xb, yb) {
  ng.tidy(() => { ngLossStep(ng, m, xb, yb); });
}

// The step as a PyTorch user writes it: no ng.tidy, the loss disposed (intermediates are left to
// the garbage collector).
export function ngPlainStep(ng, m, xb, yb) {
  ngLossStep(ng, m, xb, yb).dispose();
}

// Row labels of the loop styles other than ng.tidy (mlp and tiny cases).
export const LOOP_LABELS = { plain: 'PyTorch-style loop (no ng.tidy)', compiled: 'ng.compile (replayed)' };

// The step recorded by ng.compile and replayed (no JS between its kernels); dispose() it.
export function ngCompiledStep(ng, m) {
  return ng.compile((xb, yb) => ngLossStep(ng, m, xb, yb));
}

// The DataLoader owns its batches (disposed when the next one is drawn) unless { keep: true }.
export function ngReleaseBatch(_b) {}

// A runner for the benchmarks: run(steps) -> { seconds, loadSeconds } (loadSeconds: time spent
// in the DataLoader assembling batches, inside `seconds`).
// precision 'bf16': each step runs inside ng.autocast('bf16', ...) (bf16 GEMMs, fp32 weights).
// loop: 'tidy' (ngTrainStep), 'plain' (ngPlainStep) or 'compiled' (ngCompiledStep).
export function ngMlpRunner(ng, { batch, seed = 1, n = DATA_N, data = ngMnistTensors(ng, n, seed), precision = 'fp32', loop = 'tidy' }) {
  const m = ngMlpModel(ng, seed);
  const next = ngBatches(ng, data, batch, seed);
  const compiled = loop === 'compiled' ? ngCompiledStep(ng, m) : null;
  const fp32 = { tidy: (x, y) => ngTrainStep(ng, m, x, y), plain: (x, y) => ngPlainStep(ng, m, x, y), compiled }[loop];
  if (!fp32) throw new Error(`unknown loop ${loop}`);
  const step = precision === 'bf16' ? (x, y) => ng.autocast('bf16', () => fp32(x, y)) : fp32;
  return {
    m,
    data,
    loaderKind: next.kind,
    // frees the model and optimizer state (the data set stays: it may be shared)
    dispose() {
      compiled?.dispose();
      m.opt.dispose?.();
      m.model.dispose?.();
    },
    run(steps) {
      let load = 0;
      const t0 = now();
      for (let s = 0; s < steps; s++) {
        const tl = now();
        const b = next();
        load += now() - tl;
        step(b.x, b.y);
        ngReleaseBatch(b);
      }
      return { seconds: (now() - t0) / 1e3, loadSeconds: load / 1e3 };
    },
  };
}
// ---------------------------------------------------------------------------------------------

// Every repetition starts from a freshly initialized model after FRESH warm-up steps: on this
// random-label data, long training drives Adam's values into denormal floats and slows some
// libraries down several-fold after ~600 steps (see the memory case), which would otherwise
// penalize whoever runs more steps per repetition, i.e. the faster library.
const FRESH = 3;

export async function run(ctx) {
  const { quick, threads, ng, log } = ctx;
  const batches = quick ? [128] : [32, 128, 512];
  const reps = quick ? 2 : 5;
  const targetSec = quick ? 0.15 : 0.6;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  const bf16 = Boolean(ng && !unavailable && ng.bf16Native?.());
  notes.push(bf16 ? 'bf16 rows: nodegrad with ng.autocast(\'bf16\') (bf16 GEMMs with fp32 accumulation, fp32 weights and Adam), interleaved with the fp32 run; ratio = bf16 / fp32.'
    : 'bf16 rows skipped: this CPU has no AVX512_BF16 (or nodegrad predates ng.bf16Native).');
  const tfjsOnce = {}; // tfjs backends are single-threaded in Node: measured in the first pass only
  for (const t of threads) {
    const peers = await startPeers(ctx, t, { tfjs: t === threads[0], tfjsBackends: quick ? ['wasm'] : ['cpu', 'wasm'] });
    notes.push(...peers.notes.filter((n) => !notes.includes(n)));
    try {
      for (const b of batches) {
        log(`  mlp threads=${t} batch=${b}`);
        const cs = [];
        let ngErr = null;
        let ngCleanup = null;
        if (ng && !unavailable) {
          try {
            ng.setNumThreads(t);
            const data = ngMnistTensors(ng);
            const fp32 = freshModelContestant(ng, 'nodegrad', { batch: b, data });
            if (!notes.some((n) => n.startsWith('nodegrad batches:'))) notes.push(`nodegrad batches: ${fp32.loaderKind}.`);
            cs.push(fp32);
            // bf16 mixed precision on the same data, interleaved with the fp32 run.
            const bf = bf16 ? freshModelContestant(ng, 'nodegrad-bf16', { batch: b, data, precision: 'bf16' }) : null;
            if (bf) cs.push(bf);
            ngCleanup = () => {
              bf?.dispose();
              fp32.dispose();
              data.x.dispose();
              data.y.dispose();
            };
          } catch (e) {
            ngErr = errMsg(e);
          }
        }
        for (const [i, p] of peers.torch.entries()) cs.push(await peerContestant(p, `pytorch#${i}`, { kind: 'mlp', batch: b }, { fresh: FRESH }));
        for (const p of peers.tfjs) {
          const slow = p.name === 'tfjs-cpu';
          cs.push(await peerContestant(p, p.name, { kind: 'mlp', batch: b }, slow ? { reps: 3, targetSec: targetSec / 2, slow } : { fresh: FRESH }));
        }
        const res = await interleave(cs, { reps, targetSec, log });
        for (const c of cs) await c.free?.();
        try {
          ngCleanup?.();
        } catch (e) {
          notes.push(`nodegrad cleanup failed: ${errMsg(e)}`);
        }
        const sps = (r) => (r?.perStep ? b / r.perStep : null);
        const torch = bestTorch(res, peers.torch, sps);
        for (const p of peers.tfjs) tfjsOnce[`${p.name}/${b}`] = sps(res[p.name]);
        const ngRes = res.nodegrad;
        if (ngRes?.error) ngErr = ngRes.error;
        if (ngErr) notes.push(`nodegrad failed at threads=${t} batch=${b}: ${ngErr}`);
        const peerVals = { pytorch: torch.value ?? undefined, 'tfjs-cpu': tfjsOnce[`tfjs-cpu/${b}`] ?? undefined, 'tfjs-wasm': tfjsOnce[`tfjs-wasm/${b}`] ?? undefined };
        for (const k of Object.keys(peerVals)) if (peerVals[k] === undefined) delete peerVals[k];
        const loadShare = ngRes?.extras?.length
          ? ngRes.extras.map((e) => e.loadSeconds / e.seconds).sort((a, z) => a - z)[ngRes.extras.length >> 1]
          : null;
        rows.push(
          makeRow({
            config: `threads=${t} batch=${b}`,
            metric: 'training throughput',
            unit: 'samples/s',
            better: 'higher',
            nodegrad: sps(ngRes),
            peers: peerVals,
            peerConfigs: torch.label ? { pytorch: torch.label } : undefined,
            extra: {
              pytorchConfigs: torch.all,
              ...(t !== threads[0] && peers.tfjs.length === 0 && Object.keys(tfjsOnce).length ? { tfjsNote: `tfjs figures from the threads=${threads[0]} pass` } : {}),
              nodegradLoaderShare: loadShare === null ? null : sig(loadShare, 3),
              steps: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.steps])),
            },
          }),
        );
        if (t === threads[threads.length - 1] && b === 128) rows[rows.length - 1].headline = true;
        if (bf16 && !ngErr) {
          rows.push(makeRow({ config: `threads=${t} batch=${b}`, metric: 'training throughput, bf16 mixed precision', unit: 'samples/s',
            better: 'higher', nodegrad: sps(res['nodegrad-bf16']), peers: { 'nodegrad-fp32': sps(ngRes) ?? undefined } }));
        }
        if (loadShare !== null) {
          rows.push(makeRow({ config: `threads=${t} batch=${b}`, metric: 'DataLoader share of step time', unit: '%', better: 'lower', nodegrad: loadShare * 100 }));
        }
      }
    } finally {
      await peers.close();
    }
  }
  if (ng && !unavailable && threads.includes(1) && threads.includes(2)) {
    rows.push(...(await threadScaling(ng, { batches: quick ? [128] : [128, 512], reps, targetSec, log, notes })));
  }
  if (ng && !unavailable) rows.push(...(await loopStyles(ng, { batch: 128, threads: threads[0], reps, targetSec, log, notes })));
  if (threads.length > 1 && Object.keys(tfjsOnce).length) notes.push(`tfjs backends are single-threaded in Node (wasm: SIMD on, threads off): measured once at threads=${threads[0]} and repeated in the other rows.`);
  if (quick) notes.push('quick: tfjs-cpu skipped (seconds per step), batch 128 only.');
  notes.push(`Each repetition trains a freshly initialized model (after ${FRESH} untimed warm-up steps), so every library is timed over the same early phase of training (tfjs-cpu, seconds per step, keeps one model).`);
  notes.push('Each step includes batch assembly from a shuffled 8192-sample data set (nodegrad: DataLoader; PyTorch: index gather; tfjs: tf.gather + oneHot).');
  return { name: 'mlp', rows, notes };
}

// A nodegrad contestant of interleave() on `data` that trains a freshly initialized model each
// repetition (after FRESH untimed steps); with `threads`, that thread count is set before each
// repetition and each timed run (the thread-scaling rows alternate two counts in one process).
function freshModelContestant(ng, name, { batch, data, precision, threads, loop }) {
  const make = () => ngMlpRunner(ng, { batch, data, precision, loop });
  const use = () => {
    if (threads) ng.setNumThreads(threads);
  };
  let r = make();
  return {
    name,
    loaderKind: r.loaderKind,
    beforeRep() {
      use();
      r.dispose();
      r = make();
      r.run(FRESH);
    },
    run(steps) {
      use();
      return r.run(steps);
    },
    dispose: () => r.dispose(),
  };
}

// Fresh-model contestants ([name, runner options] pairs) interleaved repetition by repetition on
// one shared data set; interleave()'s results (the contestants and the data freed after).
async function interleaveFresh(ng, batch, specs, { reps, targetSec, log }) {
  const data = ngMnistTensors(ng);
  const cs = [];
  try {
    for (const [name, opts] of specs) cs.push(freshModelContestant(ng, name, { batch, data, ...opts }));
    return await interleave(cs, { reps, targetSec, log });
  } finally {
    for (const c of cs) c.dispose();
    data.x.dispose();
    data.y.dispose();
  }
}

// nodegrad at 2 threads over nodegrad at 1 thread, the two interleaved repetition by repetition in
// one process (fresh model each repetition, as above): the per-thread-count rows above are
// measured minutes apart, and this machine's speed moves 15-20% from minute to minute.
async function threadScaling(ng, { batches, reps, targetSec, log, notes }) {
  const rows = [];
  for (const b of batches) {
    log(`  mlp thread scaling batch=${b} (1 and 2 threads interleaved)`);
    try {
      const res = await interleaveFresh(ng, b, [['1', { threads: 1 }], ['2', { threads: 2 }]], { reps, targetSec, log });
      const sps = (r) => (r?.perStep ? b / r.perStep : null);
      const one = sps(res['1']);
      const two = sps(res['2']);
      rows.push(makeRow({ config: `batch=${b}`, metric: 'thread scaling: 2 threads / 1 thread, interleaved', unit: 'x', better: 'higher',
        nodegrad: one && two ? two / one : null, extra: { samplesPerSecond: { threads1: one && sig(one), threads2: two && sig(two) } } }));
    } catch (e) {
      notes.push(`nodegrad thread scaling failed at batch=${b}: ${errMsg(e)}`);
    }
  }
  notes.push('Thread scaling: nodegrad at 2 threads and at 1 thread, repetitions interleaved in one process (same minute, same data, a fresh model each repetition); the per-thread-count throughput rows are measured minutes apart.');
  return rows;
}

// The PyTorch-style loop (no ng.tidy) and the ng.compile step against the ng.tidy loop, the three
// interleaved repetition by repetition in one process (fresh model each repetition, as above).
async function loopStyles(ng, { batch, threads, reps, targetSec, log, notes }) {
  log(`  mlp loop styles threads=${threads} batch=${batch} (ng.tidy, PyTorch-style, ng.compile interleaved)`);
  const rows = [];
  try {
    ng.setNumThreads(threads);
    const res = await interleaveFresh(ng, batch, ['tidy', 'plain', 'compiled'].map((loop) => [loop, { loop, threads }]),
      { reps, targetSec, log });
    const us = (r) => (r?.perStep ? r.perStep * 1e6 : null);
    for (const loop of ['plain', 'compiled']) {
      if (res[loop]?.error) notes.push(`nodegrad ${loop} loop failed: ${res[loop].error}`);
      rows.push(makeRow({ config: `threads=${threads} batch=${batch}`, metric: `time per training step, ${LOOP_LABELS[loop]}`, unit: 'µs',
        better: 'lower', nodegrad: us(res[loop]), peers: { 'nodegrad ng.tidy loop': us(res.tidy) ?? undefined } }));
    }
  } catch (e) {
    notes.push(`nodegrad loop styles failed: ${errMsg(e)}`);
  }
  notes.push('Loop styles (same data and DataLoader): "PyTorch-style loop" = zeroGrad, forward, loss, backward, step, loss.dispose() without ng.tidy (target: <= 1.25x the ng.tidy loop); "ng.compile" = the step recorded once and replayed in one native call, no JS between its kernels.');
  return rows;
}

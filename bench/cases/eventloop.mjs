// Case 5 (eventloop): worst and p99 lag of a setInterval(1 ms) timer while nodegrad's
// Trainer.fit() trains case 2 (batch 128) for ~5 s, vs tfjs's model.fit. Each side runs in a
// fresh child process; nodegrad's median step time is reported so "worst lag / step" is visible.
// Both sides train on a data set of at most EVENTLOOP_DATA_N samples for as many epochs as fill
// ~5 s (see eventLoopPlan in lib/lag.mjs).
import { makeRow, ngUnavailable, startPeers } from '../lib/case.mjs';
import { EVENTLOOP_DATA_N, cpuMs, eventLoopPlan, startLagMonitor } from '../lib/lag.mjs';
import { startNodegradChild } from '../lib/peers.mjs';
import { errMsg, median, mnistLike, now, sig, sleep } from '../lib/util.mjs';
import { ngMlpModel, ngMlpRunner } from './mlp.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side (runs in a child process through lib/child.mjs).
// ---------------------------------------------------------------------------------------------
// Median step time of a manual loop (same model and batch size), in seconds: it sizes the fit.
// A child of its own, so that the fit's process starts fresh, as a user's would (this loop's
// garbage, left in the same process, made V8 run a full non-incremental mark-compact of 7-9 ms
// about 0.8 s into the fit; without it the first old-space collection is incremental).
export async function ngManualStep(ng, { threads = 1, batch = 128, seed = 1 }) {
  ng.setNumThreads(threads);
  const probe = ngMlpRunner(ng, { batch, seed, n: batch * 8 });
  probe.run(3);
  const times = [];
  for (let i = 0; i < 15; i++) times.push(probe.run(1).seconds);
  probe.dispose();
  return median(times);
}

export async function ngEventLoop(ng, { threads = 1, seconds = 5, batch = 128, seed = 1, stepSec }) {
  ng.setNumThreads(threads);
  // size the fit for ~`seconds`
  const { n, epochs, steps } = eventLoopPlan(Math.max(5, Math.round(seconds / stepSec)), batch);
  const { x, y } = mnistLike(n, seed + 1);
  const { model } = ngMlpModel(ng, seed);
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam' });
  const data = ng.data.fromTensors(ng.fromArray(x, [n, 784]), ng.fromArray(y, [n]));
  // step times inside fit() (training slows as it goes on this data, see the memory case)
  const fitSteps = [];
  const fitStepsCpu = [];
  let tb = 0;
  let cb = 0;
  const timer = {
    onBatchBegin: () => { tb = now(); cb = cpuMs(); },
    onBatchEnd: () => { fitSteps.push(now() - tb); fitStepsCpu.push(cpuMs() - cb); },
  };
  const mon = startLagMonitor(1);
  const t0 = now();
  await trainer.fit(data, { epochs, batchSize: batch, verbose: 0, callbacks: [timer] });
  const wall = (now() - t0) / 1e3;
  const lag = mon.stop();
  return {
    ...lag,
    steps,
    epochs,
    samples: n,
    wallSeconds: wall,
    medianStepMs: fitSteps.length ? median(fitSteps) : stepSec * 1e3,
    medianStepCpuMs: fitStepsCpu.length ? median(fitStepsCpu) : null,
    worstStepMs: fitSteps.length ? Math.max(...fitSteps) : null,
    manualMedianStepMs: stepSec * 1e3,
    fitStepMs: (wall / steps) * 1e3,
  };
}

// An idle event loop's lag in a fresh process: the timer noise floor of this machine.
export async function idleLag(_ng, { seconds = 1 }) {
  const mon = startLagMonitor(1);
  await sleep(seconds * 1e3);
  return mon.stop();
}
// ---------------------------------------------------------------------------------------------

async function inChild(fn, args, needsNodegrad = true) {
  const child = startNodegradChild();
  try {
    return await child.request('call', { file: 'cases/eventloop.mjs', fn, args, needsNodegrad }, { timeoutMs: 300_000 });
  } finally {
    await child.close();
  }
}

export async function run(ctx) {
  const { quick, threads, log } = ctx;
  const seconds = quick ? 1 : 5;
  const batch = 128;
  const rows = [];
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  let idle = null;
  try {
    // as long as each fit below: the worst of a longer window is larger, so a shorter idle window
    // would understate the floor the fit's worst lag is compared with
    idle = await inChild('idleLag', { seconds }, false);
  } catch (e) {
    notes.push(`idle baseline failed: ${errMsg(e)}`);
  }
  // tfjs: once (single-threaded); nodegrad: per thread count
  const tf = {};
  {
    const peers = await startPeers(ctx, 1, { torch: false, tfjsBackends: quick ? ['wasm'] : ['cpu', 'wasm'] });
    notes.push(...peers.notes);
    try {
      for (const p of peers.tfjs) {
        log(`  eventloop ${p.name} model.fit ~${seconds} s`);
        try {
          tf[p.name] = await p.request('eventloop', { batch, seconds }, { timeoutMs: 300_000 });
        } catch (e) {
          notes.push(`${p.name} failed: ${errMsg(e)}`);
        }
      }
    } finally {
      await peers.close();
    }
  }
  for (const t of threads) {
    let ngr = null;
    if (!unavailable) {
      log(`  eventloop nodegrad threads=${t} fit ~${seconds} s`);
      try {
        const stepSec = await inChild('ngManualStep', { threads: t, batch });
        ngr = await inChild('ngEventLoop', { threads: t, seconds, batch, stepSec });
      } catch (e) {
        notes.push(`nodegrad failed at threads=${t}: ${errMsg(e)}`);
      }
    }
    const cfg = `threads=${t} batch=${batch} fit ~${seconds} s`;
    const epochsOf = (r) => (r ? `${r.epochs} x ${r.samples}` : null);
    const perPeer = (f) => Object.fromEntries(Object.entries(tf).map(([name, r]) => [name, f(r)]));
    const pick = (k) => perPeer((r) => r[k]);
    const worst = makeRow({ config: cfg, metric: 'worst timer lag', unit: 'ms', better: 'lower', nodegrad: ngr?.worstMs, peers: pick('worstMs'),
      extra: { idleWorstMs: idle ? sig(idle.worstMs) : null, nodegradWorstWaitMs: ngr?.worstWaitMs == null ? null : sig(ngr.worstWaitMs), nodegradWorstRunMs: ngr?.worstRunMs == null ? null : sig(ngr.worstRunMs),
        epochsTimesSamples: { nodegrad: epochsOf(ngr), ...perPeer(epochsOf) } } });
    if (t === threads[threads.length - 1]) worst.headline = true;
    rows.push(worst);
    rows.push(makeRow({ config: cfg, metric: 'p99 timer lag', unit: 'ms', better: 'lower', nodegrad: ngr?.p99Ms, peers: pick('p99Ms'), extra: { idleP99Ms: idle ? sig(idle.p99Ms) : null } }));
    rows.push(makeRow({ config: cfg, metric: 'median training step', unit: 'ms', better: 'lower', nodegrad: ngr?.medianStepMs, peers: pick('medianStepMs'), extra: { nodegradMeanFitStepMs: ngr ? sig(ngr.fitStepMs) : null, nodegradWorstFitStepMs: ngr ? sig(ngr.worstStepMs) : null, nodegradManualLoopMedianStepMs: ngr ? sig(ngr.manualMedianStepMs) : null, steps: { nodegrad: ngr?.steps, ...pick('steps') } } }));
    const perStep = (key) => (r) => (r && r[key] != null && r.medianStepMs ? r[key] / r.medianStepMs : null);
    rows.push(makeRow({ config: cfg, metric: 'longest busy slice / median step (CPU time)', unit: 'x', better: 'lower',
      nodegrad: ngr && ngr.medianStepCpuMs ? ngr.worstSliceCpuMs / ngr.medianStepCpuMs : null, peers: {},
      extra: { worstSliceCpuMs: ngr ? sig(ngr.worstSliceCpuMs) : null, medianStepCpuMs: ngr ? sig(ngr.medianStepCpuMs) : null } }));
    if (ngr?.worstNotWaitingMs != null) {
      rows.push(makeRow({ config: cfg, metric: 'worst lag not spent waiting for a CPU / median step', unit: 'x', better: 'lower',
        nodegrad: perStep('worstNotWaitingMs')(ngr), peers: perPeer(perStep('worstNotWaitingMs')),
        extra: { nodegradWorstNotWaitingMs: sig(ngr.worstNotWaitingMs) } }));
    }
    rows.push(
      makeRow({
        config: cfg,
        metric: 'worst lag / median step',
        unit: 'x',
        better: 'lower',
        nodegrad: perStep('worstMs')(ngr),
        peers: perPeer(perStep('worstMs')),
      }),
    );
  }
  if (idle) notes.push(`Idle event loop in a fresh process over ${seconds} s, as long as each fit (noise floor): worst ${sig(idle.worstMs, 3)} ms, p99 ${sig(idle.p99Ms, 3)} ms.`);
  notes.push(`Each fit trains on a data set of at most ${EVENTLOOP_DATA_N} MNIST-shaped samples for as many epochs as fill ~${seconds} s (epochs x samples in the worst-lag row), so epoch boundaries (shuffle, first batch) fall inside the measured window.`);
  notes.push('Where Linux exposes the JS thread\'s scheduler statistics (/proc/thread-self/schedstat), the worst-lag row splits the worst gap into the time the JS thread ran (nodegradWorstRunMs) and the time it was ready but waited in a run queue for a CPU held by another thread (nodegradWorstWaitMs): a kernel thread, another process, or nodegrad\'s own runner and OpenMP threads. "Worst lag not spent waiting for a CPU" is the longest gap with its wait taken out.');
  notes.push('nodegrad: a manual loop in a child of its own times a step first (it sizes the fit); the fit then runs in a fresh process, as a user\'s would. (Run in the fit\'s process, that loop\'s garbage made V8 run a full, non-incremental mark-compact of 7-9 ms about 0.8 s into the fit.)');
  notes.push('Step times are measured inside fit() (onBatchBegin/onBatchEnd callbacks; tfjs likewise), so the ratio uses the steps that actually ran.');
  notes.push('Longest busy slice: the most CPU time this process spent between two timer ticks, over the median step\'s CPU time (both count every thread of the process: V8\'s helpers and, at 2 threads, the OpenMP worker); unlike the timer lag it does not grow when other processes load the machine.');
  notes.push('nodegrad\'s fit() compiles the step (loss and optimizer by name) and replays it on a native runner thread, which also copies each batch in; the warm-up and the recording step are compiled steps too (recorded on the JS thread in slices, their kernels run on the runner), so the JS thread runs no kernel of a step; its longest slices are at the start of fit (setup, the first shuffle and batch, the first recordings: V8 compiling each function on its first call).');
  notes.push('Target: worst lag during fit() no longer than one training step. tfjs figures are from Keras-style model.fit (single-threaded backends, measured once).');
  return { name: 'eventloop', rows, notes };
}

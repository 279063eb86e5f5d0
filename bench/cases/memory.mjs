// Case 6 (memory): peak RSS while training case 2 (batch 128) and RSS growth over 5,000 steps
// after warm-up (a leak check), nodegrad vs peers, each in a fresh child process.
import { makeRow, ngUnavailable } from '../lib/case.mjs';
import { startNodegradChild, startTfjs, startTorch, tfjsAvailable, torchAvailable, torchConfigs } from '../lib/peers.mjs';
import { errMsg, now, peakRssMB, rssMB, sig } from '../lib/util.mjs';
import { ngMlpRunner } from './mlp.mjs';

// ---------------------------------------------------------------------------------------------
// nodegrad side (runs in a fresh child process through lib/child.mjs).
// ---------------------------------------------------------------------------------------------
export async function ngMemory(ng, { threads = 1, batch = 128, warmup = 100, steps = 5000, maxSeconds = 120, samples = 20 }) {
  ng.setNumThreads(threads);
  const rssStart = rssMB();
  const r = ngMlpRunner(ng, { batch });
  const per = r.run(warmup).seconds / warmup;
  const rssWarm = rssMB();
  const statsWarm = safeStats(ng);
  let peak = rssWarm;
  const series = [];
  const chunk = Math.max(1, Math.min(Math.floor(steps / samples), Math.floor(maxSeconds / samples / per)));
  const t0 = now();
  let done = 0;
  while (done < steps && now() - t0 < maxSeconds * 1e3) {
    const k = Math.min(chunk, steps - done);
    const sec = r.run(k).seconds;
    done += k;
    const v = rssMB();
    peak = Math.max(peak, v);
    series.push([done, v, (sec / k) * 1e3]); // steps so far, RSS MiB, ms/step in this chunk
    await new Promise((res) => setImmediate(res)); // let finalizers/GC run as in a real app
  }
  return {
    rssStartMB: rssStart,
    rssAfterWarmupMB: rssWarm,
    rssEndMB: rssMB(),
    peakRssMB: Math.max(peak, peakRssMB()),
    steps: done,
    seconds: (now() - t0) / 1e3,
    series,
    memoryStatsAfterWarmup: statsWarm,
    memoryStatsEnd: safeStats(ng),
  };
}

function safeStats(ng) {
  try {
    return ng.memoryStats?.() ?? null;
  } catch (e) {
    return { error: errMsg(e) };
  }
}
// ---------------------------------------------------------------------------------------------

// least-squares slope of RSS (MB) per 1000 steps
function slopePer1000(series) {
  // too few steps make the extrapolation to 1000 steps meaningless
  if (!series || series.length < 3 || series[series.length - 1][0] < 1000) return null;
  const n = series.length;
  const mx = series.reduce((a, [x]) => a + x, 0) / n;
  const my = series.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of series) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den ? (num / den) * 1000 : null;
}

// ms/step of the last sampled chunk over the first: > 1 means training slowed down as it went
// (on this random-label data, Adam drives values into denormal floats after a few hundred steps:
// PyTorch slows ~2x unless torch.set_flush_denormal(True))
function drift(series) {
  if (!series || series.length < 3 || !(series[0][2] > 0)) return null;
  return series[series.length - 1][2] / series[0][2];
}

export async function run(ctx) {
  const { quick, threads, log } = ctx;
  // memory does not depend on the thread count; 1 thread is the steadiest configuration for
  // every library here, so the most steps fit in the time caps
  const t = Math.min(...threads);
  const steps = quick ? 500 : 5000;
  const batch = 128;
  const notes = [];
  const unavailable = ngUnavailable(ctx);
  if (unavailable) notes.push(unavailable);
  const res = {};
  const go = async (name, proc, op, args) => {
    log(`  memory ${name}`);
    try {
      await proc.request('hello').catch(() => {});
      res[name] = await proc.request(op, args, { timeoutMs: 400_000 });
    } catch (e) {
      notes.push(`${name} failed: ${errMsg(e)}`);
    } finally {
      await proc.close();
    }
  };
  if (!unavailable) {
    const child = startNodegradChild();
    try {
      res.nodegrad = await child.request('call', { file: 'cases/memory.mjs', fn: 'ngMemory', args: { threads: t, batch, steps, warmup: quick ? 20 : 100, maxSeconds: quick ? 15 : 90 } }, { timeoutMs: 400_000 });
    } catch (e) {
      notes.push(`nodegrad failed: ${errMsg(e)}`);
    } finally {
      await child.close();
    }
  }
  if (!ctx.noPeers) {
    if (torchAvailable().ok) {
      const cfg = torchConfigs(t)[0];
      await go('pytorch', startTorch(cfg), 'memory', { batch, steps, warmup: quick ? 20 : 100, max_seconds: quick ? 10 : 45 });
    } else notes.push(`PyTorch skipped: ${torchAvailable().why}`);
    if (tfjsAvailable().ok) {
      for (const be of quick ? ['wasm'] : ['cpu', 'wasm']) {
        await go(`tfjs-${be}`, startTfjs(be), 'memory', { batch, steps, warmup: quick ? 3 : 10, maxSeconds: quick ? 3 : 15 });
      }
    } else notes.push(`tfjs skipped: ${tfjsAvailable().why}`);
  }
  const peersOf = (f) => Object.fromEntries(Object.entries(res).filter(([k]) => k !== 'nodegrad').map(([k, v]) => [k, f(v)]));
  const growth = (r) => r.rssEndMB - r.rssAfterWarmupMB;
  const cfg = `threads=${t} batch=${batch}`;
  const rows = [
    { ...makeRow({ config: cfg, metric: 'peak RSS', unit: 'MiB', better: 'lower', nodegrad: res.nodegrad?.peakRssMB, peers: peersOf((r) => r.peakRssMB) }), headline: true },
    makeRow({ config: cfg, metric: 'RSS after warm-up', unit: 'MiB', better: 'lower', nodegrad: res.nodegrad?.rssAfterWarmupMB, peers: peersOf((r) => r.rssAfterWarmupMB) }),
    makeRow({
      config: `${cfg} over the steps run`,
      metric: 'RSS growth after warm-up',
      unit: 'MiB',
      better: 'lower',
      noRatios: true,
      nodegrad: res.nodegrad ? growth(res.nodegrad) : null,
      peers: peersOf(growth),
      extra: { steps: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.steps])) },
    }),
    makeRow({
      config: cfg,
      metric: 'RSS slope',
      unit: 'MiB/1000 steps',
      better: 'lower',
      noRatios: true,
      nodegrad: slopePer1000(res.nodegrad?.series),
      peers: peersOf((r) => slopePer1000(r.series)),
    }),
    makeRow({
      config: cfg,
      metric: 'step time, last / first chunk',
      unit: 'x',
      better: 'lower',
      noRatios: true,
      nodegrad: drift(res.nodegrad?.series),
      peers: peersOf((r) => drift(r.series)),
      extra: { firstChunkMs: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, sig(v.series?.[0]?.[2] ?? NaN)])), lastChunkMs: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, sig(v.series?.at(-1)?.[2] ?? NaN)])) },
    }),
  ];
  const stepsRun = Object.entries(res).map(([k, v]) => `${k} ${v.steps} steps in ${sig(v.seconds, 3)} s`);
  notes.push(`Steps run after warm-up (the slow peers are capped by time): ${stepsRun.join(', ')}.`);
  if (res.nodegrad) notes.push(`nodegrad memoryStats() after warm-up ${JSON.stringify(res.nodegrad.memoryStatsAfterWarmup)}, at end ${JSON.stringify(res.nodegrad.memoryStatsEnd)}.`);
  notes.push('RSS growth ratios are not given: growth near zero is noise, compare the figures (target: no growth beyond noise). The slope (least squares over the samples) is given only for runs of >= 1000 steps. Peak RSS is VmHWM of each fresh process.');
  notes.push('"step time, last / first chunk" > 1 means training slowed down as it went on: on this random-label data PyTorch slows ~2x after ~600 steps (denormal floats; torch.set_flush_denormal(True) removes it). Peers run as shipped, without flushing.');
  return { name: 'memory', rows, notes, raw: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, { ...v, series: v.series }])) };
}

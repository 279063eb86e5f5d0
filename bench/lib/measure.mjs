// Interleaved measurement: warm up every contestant, size its repetition to ~targetSec, then run
// the repetitions round-robin (rotating the order each round) and keep the median per-step time.
import { errMsg, median } from './util.mjs';

// contestant: { name, run: async (steps) => seconds | { seconds, ...extra }, minSteps?, maxSteps?,
//   reps?, targetSec? (per-contestant overrides, e.g. fewer repetitions for a very slow peer),
//   slow? (skip the separate estimate run) }
// returns { [name]: { perStep (median seconds/step), samples, steps, extras, error } }
export async function interleave(contestants, { reps = 5, targetSec = 0.5, warmupSteps = 1, log = () => {} } = {}) {
  const out = {};
  const live = [];
  const call = async (c, steps) => {
    const r = await c.run(steps);
    return typeof r === 'number' ? { seconds: r } : r;
  };
  for (const c of contestants) {
    try {
      const w = Math.min(warmupSteps, c.maxSteps ?? warmupSteps);
      const first = await call(c, w); // warm-up (allocations, JIT, caches)
      let steps;
      if (c.minSteps !== undefined && c.minSteps === c.maxSteps) {
        steps = c.minSteps; // fixed repetition size: no estimate needed
      } else {
        const probe = c.slow ? first : await call(c, w); // estimate (a slow peer reuses the warm-up)
        const est = Math.max(probe.seconds / w, 1e-7);
        steps = Math.max(c.minSteps ?? 1, Math.min(c.maxSteps ?? 1e7, Math.round((c.targetSec ?? targetSec) / est)));
      }
      out[c.name] = { perStep: null, samples: [], steps, extras: [], error: null };
      live.push(c);
    } catch (e) {
      out[c.name] = { perStep: null, samples: [], steps: 0, extras: [], error: errMsg(e) };
      log(`    ${c.name}: ${errMsg(e)}`);
    }
  }
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < live.length; k++) {
      const c = live[(k + r) % live.length];
      const o = out[c.name];
      if (o.error || r >= (c.reps ?? reps)) continue;
      try {
        if (c.beforeRep) await c.beforeRep(); // untimed (e.g. a fresh model, see peerContestant)
        const res = await call(c, o.steps);
        o.samples.push(res.seconds / o.steps);
        o.extras.push(res);
      } catch (e) {
        o.error = errMsg(e);
        log(`    ${c.name}: ${o.error}`);
      }
    }
  }
  for (const o of Object.values(out)) {
    o.perStep = o.error && !o.samples.length ? null : median(o.samples);
  }
  return out;
}

// A contestant backed by a peer server: setup once, then 'run' requests.
// With { fresh: n }, the benchmark object is rebuilt (and warmed up with n steps) before every
// repetition, so each repetition times the same early phase of training whatever its length.
export async function peerContestant(peer, name, setupArgs, { fresh, ...extra } = {}) {
  const key = `${setupArgs.kind}-${Math.random().toString(36).slice(2, 8)}`;
  await peer.request('setup', { key, ...setupArgs });
  return {
    name,
    ...extra,
    ...(fresh ? { beforeRep: () => peer.request('reset', { key, warmup: fresh }) } : {}),
    run: (steps) => peer.request('run', { key, steps }),
    free: () => peer.request('free', { key }).catch(() => {}),
  };
}

// Helpers shared by the case files: rows with nodegrad/peer ratios, peer sets per thread count.
import { errMsg, sig } from './util.mjs';
import { startTfjs, startTorch, tfjsAvailable, torchAvailable, torchConfigs } from './peers.mjs';

// One result row (the case contract, see bench/README.md). ratios[peer] = nodegrad / peer for
// the metric as reported; `better` says whether higher or lower values win.
export function makeRow({ config, metric, unit, better = 'higher', nodegrad, peers = {}, peerConfigs, extra, noRatios = false }) {
  const ratios = {};
  const clean = {};
  for (const [k, v] of Object.entries(peers)) {
    clean[k] = v === undefined ? null : sig(v);
    ratios[k] = !noRatios && Number.isFinite(nodegrad) && Number.isFinite(v) && v !== 0 ? sig(nodegrad / v, 3) : null;
  }
  const row = { config, metric, unit, better, nodegrad: Number.isFinite(nodegrad) ? sig(nodegrad) : null, peers: clean, ratios };
  if (peerConfigs && Object.keys(peerConfigs).length) row.peerConfigs = peerConfigs;
  if (extra) row.extra = extra;
  return row;
}

// Starts the peers for one thread count: PyTorch in each configuration of torchConfigs(threads),
// and (when `tfjs`) one process per tfjs backend. Unavailable peers are noted, never fatal.
export async function startPeers(ctx, threads, { torch = true, tfjs = true, tfjsBackends = ['cpu', 'wasm'] } = {}) {
  const set = { torch: [], tfjs: [], notes: [], close: async () => {} };
  if (ctx.noPeers) return set;
  if (torch) {
    const t = torchAvailable();
    if (!t.ok) set.notes.push(`PyTorch skipped: ${t.why}`);
    else for (const cfg of torchConfigs(threads)) set.torch.push(startTorch(cfg));
  }
  if (tfjs) {
    const t = tfjsAvailable();
    if (!t.ok) set.notes.push(`tfjs skipped: ${t.why}`);
    else for (const be of tfjsBackends) set.tfjs.push(startTfjs(be));
  }
  const all = [...set.torch, ...set.tfjs];
  await Promise.all(
    all.map(async (p) => {
      try {
        p.info = await p.request('hello', {}, { timeoutMs: 120_000 });
      } catch (e) {
        set.notes.push(`${p.name} unavailable: ${errMsg(e)}`);
        p.failed = true;
      }
    }),
  );
  set.torch = set.torch.filter((p) => !p.failed);
  set.tfjs = set.tfjs.filter((p) => !p.failed);
  set.close = () => Promise.all(all.map((p) => p.close()));
  return set;
}

// PyTorch processes are named 'pytorch#<i>'; fold them into one 'pytorch' figure (its best tuned
// configuration) and remember which configuration that was. Reference (untuned) configurations
// appear in `all` beside the others but never become the figure a ratio is taken against.
export function bestOf(results, torchProcs, better = 'higher', toValue = (r) => r) {
  let best = null;
  let label = null;
  const all = {};
  torchProcs.forEach((p, i) => {
    const r = results[`pytorch#${i}`];
    const v = r ? toValue(r) : null;
    all[p.config] = Number.isFinite(v) ? sig(v) : r?.error ?? null;
    if (!Number.isFinite(v) || p.reference) return;
    if (best === null || (better === 'higher' ? v > best : v < best)) {
      best = v;
      label = p.config;
    }
  });
  return { value: best, label, all };
}

// The fastest PyTorch figure over every configuration, the untuned reference included (`better`
// says whether higher or lower values win). With Debian's PyTorch 1.13 the tuning guide's jemalloc makes some workloads several
// times slower here (ResNet-style training ~4x, the GPT step ~3x), so the tuned figure alone
// would flatter nodegrad: every training/inference case rates against this one.
export function bestTorch(res, procs, value, better = 'higher') {
  const tuned = bestOf(res, procs, better, value);
  const wins = (v, than) => (better === 'higher' ? v > than : v < than);
  let best = tuned.value;
  let label = tuned.label;
  procs.forEach((p, i) => {
    const v = res[`pytorch#${i}`] ? value(res[`pytorch#${i}`]) : null;
    if (Number.isFinite(v) && (!Number.isFinite(best) || wins(v, best))) {
      best = v;
      label = p.config;
    }
  });
  return { value: best, label, tuned: tuned.value, all: tuned.all };
}

// The note every case that rates against bestTorch adds once.
export const FASTEST_TORCH_NOTE = '"pytorch" is the fastest PyTorch configuration of the row (named in peerConfigs), tuned per its CPU guide or the untuned reference: with Debian\'s PyTorch 1.13 jemalloc makes some workloads slower (the GPT step ~3x).';

// A row's PyTorch fields from a bestTorch result and the interleave results: the figure, its
// configuration, every configuration's figure and the steps each contestant ran.
export function torchRowFields(torch, res) {
  return {
    peers: Number.isFinite(torch.value) ? { pytorch: torch.value } : {},
    peerConfigs: torch.label ? { pytorch: torch.label } : undefined,
    extra: { pytorchConfigs: torch.all, steps: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.steps])) },
  };
}

export function ngUnavailable(ctx) {
  return ctx.ngError ? `nodegrad: unavailable (${ctx.ngError})` : null;
}

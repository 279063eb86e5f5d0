// Results -> console text, docs/BENCHMARKS.md and an SVG chart of the headline ratios.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT } from './peers.mjs';

export function fmt(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toPrecision(3);
}

const fmtRatio = (r) => (Number.isFinite(r) ? `${fmt(r)}x` : '–');

function peerNames(rows) {
  const names = [];
  for (const r of rows) for (const k of Object.keys(r.peers ?? {})) if (!names.includes(k)) names.push(k);
  return names;
}

export function formatCaseText(res) {
  const lines = [];
  if (res.error) lines.push(`  CRASHED: ${res.error}`);
  const peers = peerNames(res.rows);
  for (const r of res.rows) {
    const ps = peers
      .filter((p) => r.peers[p] !== undefined)
      .map((p) => `${p} ${fmt(r.peers[p])}${Number.isFinite(r.ratios?.[p]) ? ` (ng/peer ${fmtRatio(r.ratios[p])})` : ''}`);
    lines.push(`  ${r.config} | ${r.metric} [${r.unit}, ${r.better ?? 'higher'} is better] | nodegrad ${fmt(r.nodegrad)}${ps.length ? ' | ' + ps.join(' | ') : ''}`);
  }
  for (const n of res.notes ?? []) lines.push(`  note: ${n}`);
  lines.push(`  (${res.seconds ?? '?'} s)`);
  return lines.join('\n');
}

export function caseMarkdown(res) {
  const out = [];
  if (res.error) out.push(`**Crashed:** ${res.error}\n`);
  if (!res.rows.length) {
    out.push('_No figures._\n');
  } else {
    const peers = peerNames(res.rows);
    const head = ['config', 'metric', 'nodegrad', ...peers.flatMap((p) => [p, `ng/${p}`])];
    out.push(`| ${head.join(' | ')} |`);
    out.push(`| ${head.map((h, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
    for (const r of res.rows) {
      const dir = (r.better ?? 'higher') === 'higher' ? '↑' : '↓';
      const cells = [r.config, `${r.metric} (${r.unit}, ${dir})`, fmt(r.nodegrad), ...peers.flatMap((p) => [fmt(r.peers?.[p]), fmtRatio(r.ratios?.[p])])];
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
    const cfgs = new Map();
    for (const r of res.rows) for (const [p, c] of Object.entries(r.peerConfigs ?? {})) if (c) cfgs.set(`${p}: ${c}`, (cfgs.get(`${p}: ${c}`) ?? []).concat(r.config));
    if (cfgs.size) {
      out.push('Peer configuration used (the best one tried):');
      for (const [k, v] of cfgs) out.push(`- ${k} (${v.join(', ')})`);
      out.push('');
    }
  }
  if (res.notes?.length) {
    for (const n of res.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}

// Headline ratios as "speedup" (higher is better): ratio for higher-is-better metrics, 1/ratio
// for lower-is-better ones. Rows marked `headline: true` by a case, else the max-thread rows.
export function headlines(results) {
  const pts = [];
  for (const c of results.cases) {
    let rows = c.rows.filter((r) => r.headline);
    if (!rows.length && c.rows.length) {
      // no headline marked: the largest configuration at the highest thread count
      const threadsOf = (cfg) => Number(cfg.match(/threads=(\d+)/)?.[1] ?? cfg.match(/(\d+) threads?\b/)?.[1] ?? 1);
      const sizeOf = (cfg) => Math.max(0, ...(cfg.replace(/threads=\d+|\d+ threads?\b/g, '').match(/\d+/g) ?? []).map(Number));
      const maxT = Math.max(...c.rows.map((r) => threadsOf(r.config)));
      const cand = c.rows.filter((r) => threadsOf(r.config) === maxT && Object.keys(r.ratios ?? {}).length);
      const maxS = Math.max(...cand.map((r) => sizeOf(r.config)));
      rows = cand.filter((r) => sizeOf(r.config) === maxS).slice(0, 1);
    }
    for (const r of rows) {
      for (const [p, ratio] of Object.entries(r.ratios ?? {})) {
        if (!Number.isFinite(ratio) || ratio <= 0) continue;
        const speedup = (r.better ?? 'higher') === 'higher' ? ratio : 1 / ratio;
        const cfg = r.config.replace(/threads=(\d+)/, '$1T').replace(/ fit ~.*$| over the steps run$/, '').replace('batch=', 'b');
        const what = { memory: 'peak RSS', eventloop: 'worst lag' }[c.name] ?? '';
        pts.push({ label: `${c.name}${what ? ` ${what}` : ''} ${cfg} vs ${p}`, case: c.name, peer: p, speedup: Math.round(speedup * 1000) / 1000 });
      }
    }
  }
  return pts;
}

export async function chartSvg(results) {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const pts = headlines(results);
  let spec;
  const vals = pts.map((p) => p.speedup);
  const lo = Math.min(0.5, ...vals.map((v) => v / 1.5));
  const hi = Math.max(2, ...vals.map((v) => v * 2));
  if (!pts.length) {
    spec = {
      width: 500,
      height: 60,
      data: { values: [{ t: 'No nodegrad figures yet: nodegrad was unavailable in this run.' }] },
      mark: { type: 'text', fontSize: 14 },
      encoding: { text: { field: 't' } },
    };
  } else {
    spec = {
      title: { text: 'nodegrad speedup over each peer (higher is better; 1 = parity)', subtitle: `${results.machine.cpu}, ${results.machine.cores} cores, ${results.date.slice(0, 10)}` },
      width: 520,
      height: { step: 18 },
      config: { axis: { labelLimit: 600 }, axisY: { labelLimit: 600 } },
      data: { values: pts },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null, title: null },
            // bars grow from parity (1x): right = nodegrad faster/smaller, left = slower/larger
            x: { field: 'speedup', type: 'quantitative', scale: { type: 'log', domain: [lo, hi] }, title: 'nodegrad advantage (x, log scale; right of 1 = nodegrad better)' },
            x2: { datum: 1 },
            color: { field: 'peer', type: 'nominal', title: 'peer' },
          },
        },
        { mark: { type: 'rule', color: 'black', strokeDash: [4, 3] }, encoding: { x: { datum: 1 } } },
        {
          mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
          encoding: { y: { field: 'label', type: 'nominal', sort: null }, x: { field: 'speedup', type: 'quantitative' }, text: { field: 'speedup', format: '.2f' } },
        },
      ],
    };
  }
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  return view.toSVG();
}

// Merge this run's cases into bench/results/latest.json (each case keeps its own date), then
// regenerate docs/BENCHMARKS.md and bench/results/latest.svg from the merged results.
export async function writeDocs(results) {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const latestFile = join(dir, 'latest.json');
  let latest = null;
  if (existsSync(latestFile)) {
    try {
      latest = JSON.parse(readFileSync(latestFile, 'utf8'));
    } catch {
      latest = null;
    }
  }
  const merged = { ...results, cases: [] };
  const order = ['gemm', 'mlp', 'tiny', 'inference', 'conv', 'eventloop', 'memory', 'ops', 'dist', 'lstm', 'gpt'];
  const byName = new Map((latest?.cases ?? []).map((c) => [c.name, c]));
  for (const c of results.cases) byName.set(c.name, { ...c, date: results.date, quick: results.quick });
  merged.cases = [...byName.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  merged.threads = [...new Set([...(latest?.threads ?? []), ...results.threads])].sort();
  writeFileSync(latestFile, JSON.stringify(merged, null, 2) + '\n');
  const svg = await chartSvg(merged);
  const svgFile = join(dir, 'latest.svg');
  writeFileSync(svgFile, svg);
  const md = markdown(merged);
  const docs = join(ROOT, 'docs');
  mkdirSync(docs, { recursive: true });
  const mdFile = join(docs, 'BENCHMARKS.md');
  writeFileSync(mdFile, md);
  return [latestFile, svgFile, mdFile];
}

const TITLES = {
  gemm: 'GEMM (fp32) vs OpenBLAS',
  mlp: 'MLP training throughput (784-512-256-10, ReLU, softmax-CE, Adam)',
  tiny: 'Tiny network (2-10-1, tanh/sigmoid, MSE, Adam, 100 samples full batch)',
  inference: 'Inference (case-2 model, 10,000 samples, batch 1000)',
  conv: 'CNNs on 28x28 inputs: LeNet-style and ResNet-style training (batch 64, Adam) and inference (batch 256)',
  eventloop: 'Event loop during training (setInterval 1 ms lag)',
  memory: 'Memory (peak RSS, RSS growth after warm-up)',
  ops: 'Fused linear+bias+ReLU forward+backward (B x 784 -> 512)',
  dist: 'Data-parallel training over MPI ranks vs PyTorch DDP (gloo), MLP of case mlp, batch 128 per rank',
  lstm: 'LSTM training throughput (seq 64, batch 32, input 64, hidden 128, last state -> Linear -> CE, Adam)',
};

export function markdown(r) {
  const v = r.versions ?? {};
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push('<!-- Generated by `npm run bench` (bench/run.mjs) from bench/results/latest.json. Do not edit by hand. -->');
  out.push('');
  out.push('nodegrad against the libraries a user would pick instead, measured side by side in the same run:');
  out.push('warm-up, then repetitions interleaved between nodegrad and every peer, median reported. Each');
  out.push('table gives the figure for every library and **the ratio nodegrad/peer** of that figure: for');
  out.push('↑ metrics (throughput) a ratio above 1 means nodegrad is faster; for ↓ metrics (time, lag,');
  out.push('memory) a ratio below 1 means nodegrad wins.');
  out.push('');
  out.push('![nodegrad speedup over each peer](../bench/results/latest.svg)');
  out.push('');
  out.push('## Machine and versions');
  out.push('');
  const m = r.machine ?? {};
  out.push(`- CPU: ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB; flags ${(m.cpuFlags ?? []).join(', ')}); nodegrad ISA: ${m.isa ?? 'n/a (nodegrad unavailable)'}`);
  if (m.fmaPeakGflops) out.push(`- Measured FMA peak (fp32, AVX-512 probe, best of 3): ${Object.entries(m.fmaPeakGflops).map(([t, g]) => `${g} GFLOP/s at ${t} thread${t > 1 ? 's' : ''}`).join(', ')}`);
  out.push(`- OS: ${m.os}; load average at start ${JSON.stringify(m.loadAverageAtStart)}`);
  out.push(`- Node ${v.node}; nodegrad ${v.nodegrad ?? '?'}${r.nodegrad?.available ? '' : ` (**unavailable in this run:** ${r.nodegrad?.error})`}`);
  if (v.pytorch) out.push(`- PyTorch ${v.pytorch} (Debian python3-torch, Python ${v.python}, NumPy ${v.numpy}) on OpenBLAS ${v.openblas} with \`OPENBLAS_CORETYPE=SkylakeX\` (its AVX-512 kernel; 0.3.21 does not detect this CPU otherwise)`);
  if (v.tfjs) out.push(`- @tensorflow/tfjs ${v.tfjs} (pure-JS cpu backend); @tensorflow/tfjs-backend-wasm ${v['tfjs-backend-wasm'] ?? '?'}`);
  out.push('- @tensorflow/tfjs-node: not measured, it cannot install here (its install script downloads libtensorflow from outside the npm registry)');
  if (v['onnxruntime-node']) out.push(`- onnxruntime-node ${v['onnxruntime-node']} (CPU execution provider)`);
  out.push(`- Run: ${r.date}${r.quick ? ' (quick)' : ''}, threads ${JSON.stringify(r.threads)}; cases run at other times carry their own date below`);
  out.push('');
  out.push('PyTorch gets its best configuration: at 1 thread torch and OpenBLAS both use 1 thread; at 2 threads');
  out.push('both "torch 1 thread + OpenBLAS 2 threads" and "torch 2 threads + OpenBLAS 2 threads with');
  out.push('`OMP_WAIT_POLICY=PASSIVE`" run interleaved and the better one is reported (named under the table).');
  out.push('tfjs backends are single-threaded in Node (wasm: SIMD on, threads unavailable), so their figures');
  out.push('are the same in 1- and 2-thread rows.');
  out.push('');
  for (const c of r.cases) {
    out.push(`## ${TITLES[c.name] ?? c.name}`);
    out.push('');
    out.push(`_case \`${c.name}\`, ${c.date ?? r.date}${c.quick ? ' (quick)' : ''}, ${c.seconds ?? '?'} s — \`npm run bench -- --case ${c.name}\`_`);
    out.push('');
    out.push(caseMarkdown(c));
  }
  out.push('## Reproduce');
  out.push('');
  out.push('```sh');
  out.push('bash bench/setup.sh            # peers: python3-torch, libopenblas-dev (apt), tfjs + wasm (npm, bench/)');
  out.push('npm run build                  # nodegrad itself');
  out.push('npm run bench                  # all cases, ~15 min on 2 cores; writes bench/results/ and this file');
  out.push('npm run bench -- --case mlp --threads 1,2');
  out.push('npm run bench -- --quick       # seconds per case, no files written (CI)');
  out.push('```');
  out.push('');
  return out.join('\n');
}

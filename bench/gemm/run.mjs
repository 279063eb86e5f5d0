#!/usr/bin/env node
// GEMM benchmark driver: builds bench/gemm/gemm_bench.cc (g++ -O3 with nodegrad's GEMM sources
// and -lopenblas -fopenmp) into bench/build/gemm/, runs it once per OpenBLAS setting (the core
// type is read when OpenBLAS loads: 'SkylakeX' forced, and as shipped), and folds the output
// into rows: nodegrad vs each OpenBLAS setting, interleaved in the same process.
//   node bench/gemm/run.mjs [--quick] [--threads 1,2]    (writes bench/results/gemm-<date>.json
//                                                         and docs/BENCHMARKS-gemm.md)
// Also used by bench/cases/gemm.mjs (exported runGemm).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const OUT_DIR = join(ROOT, 'bench', 'build', 'gemm');
const EXE = join(OUT_DIR, 'gemm_bench');
const BLAS_INC = '/usr/include/x86_64-linux-gnu/openblas-pthread';

// Processes alternate in rounds: nodegrad, then OpenBLAS with each core-type setting.
export const SETTINGS = [
  { peer: 'openblas-skylakex', env: { OPENBLAS_CORETYPE: 'SkylakeX' } },
  { peer: 'openblas-shipped', env: {} },
];

function sources() {
  const gemmDir = join(ROOT, 'native', 'cpu', 'gemm');
  const gemm = readdirSync(gemmDir).filter((f) => f.endsWith('.cc')).map((f) => join(gemmDir, f));
  return [join(HERE, 'gemm_bench.cc'), ...gemm, join(ROOT, 'native', 'core', 'cpu_features.cc')];
}

// Compiles when the binary is missing or older than any source/header it depends on.
export function buildGemmBench(log = () => {}) {
  const srcs = sources();
  const deps = [...srcs, ...readdirSync(join(ROOT, 'native', 'cpu', 'gemm')).map((f) => join(ROOT, 'native', 'cpu', 'gemm', f)),
    join(ROOT, 'native', 'core', 'cpu_features.h')];
  if (existsSync(EXE)) {
    const built = statSync(EXE).mtimeMs;
    if (deps.every((f) => statSync(f).mtimeMs <= built)) return EXE;
  }
  if (!existsSync(join(BLAS_INC, 'cblas.h')) && !existsSync('/usr/include/cblas.h')) {
    throw new Error('OpenBLAS headers not found: install Debian libopenblas-dev (apt-get install libopenblas-dev)');
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const args = ['-std=c++17', '-O3', '-march=x86-64-v2', '-fopenmp', '-fno-math-errno', `-I${join(ROOT, 'native')}`,
    `-I${BLAS_INC}`, ...srcs, '-o', EXE, '-lopenblas'];
  log(`building ${EXE}`);
  execFileSync('g++', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return EXE;
}

function runProc(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(EXE, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`gemm_bench ${args.join(' ')} exited ${code}: ${err.slice(-400)}`));
      resolve(out.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    });
  });
}

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const r3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

// The measured FMA peak in GFLOP/s per thread count (best of `runs` probes), recorded with every
// result file (bench/run.mjs) so ratios to the peak are read against this machine's own figure.
export async function measureFmaPeak({ threads = [1, 2], runs = 3 } = {}) {
  buildGemmBench();
  const peaks = {};
  for (let i = 0; i < runs; i++) {
    for (const p of await runProc(['--peak-only', '--threads', threads.join(',')], {})) {
      if (p.kind === 'peak') peaks[p.threads] = r1(Math.max(peaks[p.threads] ?? 0, p.gflops));
    }
  }
  return peaks;
}

// Runs everything and returns { rows, notes, info, peaks, summary }.
//   1 thread: one process per OpenBLAS setting, each interleaving nodegrad and OpenBLAS block
//             by block (--lib both); nodegrad's figure is the median over those processes.
//   2+ threads: one library per process, processes alternating (nodegrad, SkylakeX, shipped,
//             then reversed) for `rounds` rounds; figures are medians over rounds.
export async function runGemm({ quick = false, threads = [1, 2], log = () => {} } = {}) {
  buildGemmBench(log);
  const q = quick ? ['--quick'] : [];
  const rounds = quick ? 2 : 3;
  const loadStart = os.loadavg();
  const peakRuns = [];
  const probe = async () => peakRuns.push(...(await runProc(['--peak-only', '--threads', threads.join(',')], {})));
  await probe();
  const samples = {}; // contender -> key -> [gflops]
  const shapes = new Map(); // key -> shape record
  const infos = {};
  const add = (id, o, v) => {
    const key = `${o.name}|${o.threads}`;
    if (!shapes.has(key)) shapes.set(key, o);
    if (v > 0) ((samples[id] ??= {})[key] ??= []).push(v);
  };
  const single = threads.filter((t) => t === 1);
  const multi = threads.filter((t) => t > 1);
  if (single.length) {
    for (const s of SETTINGS) {
      log(`gemm: 1 thread, nodegrad interleaved with ${s.peer}`);
      for (const o of await runProc(['--lib', 'both', '--threads', '1', ...q], s.env)) {
        if (o.kind === 'info') infos[s.peer] = infos.nodegrad = o;
        if (o.kind !== 'gemm') continue;
        add('nodegrad', o, o.nodegrad_gflops);
        add('nodegrad-bf16', o, o.nodegrad_bf16_gflops);
        add(s.peer, o, o.blas_gflops);
      }
    }
  }
  if (multi.length) {
    // libgomp's default spin-waiting collapses under contention on 2 cores (a parallel call
    // then costs a scheduler time slice, ~8 ms, here); nodegrad is meant to run with passive
    // waiting, so the bench uses it unless the caller set a policy.
    const ngEnv = process.env.OMP_WAIT_POLICY ? {} : { OMP_WAIT_POLICY: 'passive' };
    const contenders = [{ id: 'nodegrad', lib: 'nodegrad', env: ngEnv }, ...SETTINGS.map((s) => ({ id: s.peer, lib: 'openblas', env: s.env }))];
    for (let r = 0; r < rounds; r++) {
      for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) {
        log(`gemm: ${multi.join(',')} threads, round ${r + 1}/${rounds}: ${c.id}`);
        for (const o of await runProc(['--lib', c.lib, '--threads', multi.join(','), ...q], c.env)) {
          if (o.kind === 'info') infos[c.id] = o;
          if (o.kind !== 'gemm') continue;
          add(c.id, o, c.lib === 'nodegrad' ? o.nodegrad_gflops : o.blas_gflops);
          if (c.lib === 'nodegrad') add('nodegrad-bf16', o, o.nodegrad_bf16_gflops);
        }
      }
    }
  }
  await probe();
  const peaks = {};
  for (const p of peakRuns.filter((x) => x.kind === 'peak')) peaks[p.threads] = Math.max(peaks[p.threads] ?? 0, p.gflops);
  const rows = [];
  for (const [key, r] of shapes) {
    const ng = median(samples.nodegrad?.[key] ?? []);
    const peers = {};
    const ratios = {};
    for (const s of SETTINGS) {
      const v = median(samples[s.peer]?.[key] ?? []);
      peers[s.peer] = r1(v);
      ratios[s.peer] = r3(ng / v);
    }
    const peak = peaks[r.threads];
    const bf16 = median(samples['nodegrad-bf16']?.[key] ?? []);
    rows.push({
      config: `${r.group} ${r.name} (M=${r.M} N=${r.N} K=${r.K}${r.ta ? ' A^T' : ''}${r.tb ? ' B^T' : ''}), ${r.threads} thread${r.threads > 1 ? 's' : ''}`,
      metric: 'sgemm throughput',
      unit: 'GFLOP/s',
      better: 'higher',
      nodegrad: r1(ng),
      peers,
      ratios,
      extra: {
        group: r.group, name: r.name, M: r.M, N: r.N, K: r.K, transA: !!r.ta, transB: !!r.tb, threads: r.threads,
        fractionOfPeak: peak ? r3(ng / peak) : null,
        // nodegrad's bf16 GEMM (AVX512_BF16 CPUs), timed in the same blocks as its fp32 GEMM
        bf16: Number.isFinite(bf16) ? { gflops: r1(bf16), vsFp32: r3(bf16 / ng) } : null,
        peerFractionOfPeak: Object.fromEntries(SETTINGS.map((s) => [s.peer, peak ? r3(median(samples[s.peer]?.[key] ?? []) / peak) : null])),
        samples: Object.fromEntries(Object.entries(samples).map(([id, m]) => [id, (m[key] ?? []).map(r1)])),
      },
    });
  }
  rows.sort((a, b) => a.extra.threads - b.extra.threads);
  const info = infos.nodegrad ?? {};
  const notes = [
    `nodegrad kernel ${info.kernel} (ISA ${info.isa}); ${infos['openblas-skylakex']?.openblas_config ?? 'OpenBLAS'}; shipped core type: ${infos['openblas-shipped']?.openblas_coretype ?? '?'}`,
    `Measured FMA peak (AVX-512 probe, best of ${peakRuns.filter((x) => x.kind === 'peak').length / threads.length} runs): ${Object.entries(peaks).map(([t, g]) => `${r1(g)} GFLOP/s at ${t} thread${t > 1 ? 's' : ''}`).join(', ')}`,
    `Method: 1 thread: nodegrad and OpenBLAS interleaved block by block in one process per OpenBLAS setting; 2 threads: one library per process, processes alternating for ${rounds} rounds (OpenBLAS's idle workers spin ~0.1 s after each call and would steal cores from the other library); nodegrad with OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'passive'}. Per shape: warm-up, then ${quick ? '3 blocks of ~10 ms' : '5 blocks of ~0.1 s'}, median block; ratio = nodegrad / OpenBLAS.`,
    `Load average at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (shared machine: figures well below the peak mean other processes took the cores).`,
  ];
  notes.push(info.bf16 ? 'bf16: nodegrad\'s bf16 GEMM (vdpbf16ps: bf16 inputs rounded while packing, fp32 accumulation) timed in the same blocks as its fp32 GEMM; extra.bf16.vsFp32 = bf16 / fp32 GFLOP/s (fp32-equivalent flops).'
    : 'bf16: not measured (no AVX512_BF16 on this CPU).');
  const summary = summarize(rows, threads);
  notes.push(...summary.lines);
  return { rows, notes, info, peaks, summary };
}

const geomean = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x) && x > 0);
  return v.length ? Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length) : NaN;
};

// Target checks: squares >= 512 (>= 0.95x SkylakeX at 1 thread), MLP shapes (>= 1.0x at
// 1 thread), fraction of peak on large squares; 2-thread scaling.
export function summarize(rows, threads) {
  const lines = [];
  const pick = (f) => rows.filter(f);
  const ratio = (r) => r.ratios['openblas-skylakex'];
  for (const t of threads) {
    const sq = pick((r) => r.extra.group === 'square' && r.extra.M >= 512 && r.extra.threads === t);
    const mlp = pick((r) => r.extra.group !== 'square' && r.extra.threads === t);
    const big = pick((r) => r.extra.group === 'square' && r.extra.M >= 1024 && r.extra.threads === t);
    if (sq.length) lines.push(`${t} thread${t > 1 ? 's' : ''}: squares >= 512 vs OpenBLAS SkylakeX: min ${r3(Math.min(...sq.map(ratio)))}x, geomean ${r3(geomean(sq.map(ratio)))}x`);
    if (mlp.length) {
      const worst = mlp.reduce((a, r) => (ratio(r) < ratio(a) ? r : a));
      lines.push(`${t} thread${t > 1 ? 's' : ''}: MLP shapes vs OpenBLAS SkylakeX: geomean ${r3(geomean(mlp.map(ratio)))}x, ${mlp.filter((r) => ratio(r) >= 1).length}/${mlp.length} at >= 1.0x, worst ${r3(ratio(worst))}x (${worst.config})`);
    }
    if (big.length) lines.push(`${t} thread${t > 1 ? 's' : ''}: squares >= 1024 reach ${big.map((r) => `${Math.round(100 * r.extra.fractionOfPeak)}%`).join(', ')} of the measured peak (OpenBLAS SkylakeX: ${big.map((r) => `${Math.round(100 * r.extra.peerFractionOfPeak['openblas-skylakex'])}%`).join(', ')})`);
  }
  for (const t of threads) {
    const withBf16 = pick((r) => r.extra.threads === t && r.extra.bf16);
    const sq = withBf16.filter((r) => r.extra.group === 'square' && r.extra.M === 1024);
    const mlp = withBf16.filter((r) => r.extra.group !== 'square' && r.extra.name.includes(' 128x'));
    const f = (r) => `${r.extra.name} ${r.extra.bf16.vsFp32}x`;
    if (sq.length) lines.push(`${t} thread${t > 1 ? 's' : ''}: bf16 vs fp32 GEMM (target >= 1.7x): 1024^3 ${sq.map((r) => r.extra.bf16.vsFp32).join(', ')}x; MLP shapes at batch 128: ${mlp.map(f).join(', ')} (geomean ${r3(geomean(mlp.map((r) => r.extra.bf16.vsFp32)))}x)`);
  }
  if (threads.includes(1) && threads.includes(2)) {
    const scal = (id) => {
      const xs = [];
      for (const r of pick((r) => r.extra.threads === 2 && r.extra.group === 'square' && r.extra.M >= 512)) {
        const one = rows.find((o) => o.extra.threads === 1 && o.extra.group === r.extra.group && o.extra.M === r.extra.M && o.extra.N === r.extra.N && o.extra.K === r.extra.K && o.extra.transA === r.extra.transA && o.extra.transB === r.extra.transB);
        const a = id === 'nodegrad' ? r.nodegrad : r.peers[id];
        const b = id === 'nodegrad' ? one?.nodegrad : one?.peers[id];
        if (a && b) xs.push(a / b);
      }
      return r3(geomean(xs));
    };
    lines.push(`2-thread speed-up on squares >= 512 (geomean): nodegrad ${scal('nodegrad')}x, OpenBLAS SkylakeX ${scal('openblas-skylakex')}x, OpenBLAS shipped ${scal('openblas-shipped')}x`);
  }
  return { lines };
}

export function markdown(res, { quick, date }) {
  const lines = [];
  lines.push('# GEMM benchmark: nodegrad vs OpenBLAS');
  lines.push('');
  lines.push(`Generated by \`node bench/gemm/run.mjs${quick ? ' --quick' : ''}\` on ${date} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores).`);
  lines.push('');
  for (const n of res.notes) lines.push(`- ${n}`);
  lines.push('');
  lines.push('| shape | threads | nodegrad GFLOP/s | % peak | OpenBLAS SkylakeX | ratio | OpenBLAS shipped | ratio | nodegrad bf16 | bf16/fp32 |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of res.rows) {
    const e = r.extra;
    const shape = `${e.group} M=${e.M} N=${e.N} K=${e.K}${e.transA ? ' A^T' : ''}${e.transB ? ' B^T' : ''}`;
    const pct = e.fractionOfPeak != null ? `${Math.round(e.fractionOfPeak * 100)}%` : '';
    lines.push(`| ${shape} | ${e.threads} | ${r.nodegrad} | ${pct} | ${r.peers['openblas-skylakex']} | ${r.ratios['openblas-skylakex']} | ${r.peers['openblas-shipped']} | ${r.ratios['openblas-shipped']} | ${e.bf16?.gflops ?? ''} | ${e.bf16?.vsFp32 ?? ''} |`);
  }
  lines.push('');
  return lines.join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const ti = argv.indexOf('--threads');
  const threads = ti >= 0 ? argv[ti + 1].split(',').map(Number) : [1, 2];
  const t0 = Date.now();
  const res = await runGemm({ quick, threads, log: (m) => console.error(m) });
  const date = new Date().toISOString();
  const stamp = date.replace(/[:]/g, '-').replace(/\..*/, '');
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const json = { name: 'gemm', date, quick, threads, seconds: (Date.now() - t0) / 1000, rows: res.rows, notes: res.notes, peaks: res.peaks, info: res.info };
  writeFileSync(join(resultsDir, `gemm-${stamp}.json`), JSON.stringify(json, null, 2) + '\n');
  const md = markdown(res, { quick, date });
  writeFileSync(join(ROOT, 'docs', 'BENCHMARKS-gemm.md'), md);
  console.log(md);
  console.error(`done in ${json.seconds.toFixed(1)} s; wrote bench/results/gemm-${stamp}.json and docs/BENCHMARKS-gemm.md`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

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

function runOnce(setting, { quick, threads }) {
  const args = ['--threads', threads.join(',')];
  if (quick) args.push('--quick');
  return new Promise((resolve, reject) => {
    // Peers and nodegrad run with the same OpenMP policy (libgomp default) in one process.
    const child = spawn(EXE, args, { env: { ...process.env, ...setting.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`gemm_bench (${setting.peer}) exited ${code}: ${err.slice(-400)}`));
      resolve(out.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    });
  });
}

const r3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

// Runs both settings and returns { rows, notes, info, peaks, raw }.
export async function runGemm({ quick = false, threads = [1, 2], log = () => {} } = {}) {
  buildGemmBench(log);
  const raw = {};
  for (const s of SETTINGS) {
    log(`gemm: running with ${s.peer}${quick ? ' (quick)' : ''}`);
    raw[s.peer] = await runOnce(s, { quick, threads });
  }
  const main = raw[SETTINGS[0].peer];
  const info = main.find((r) => r.kind === 'info');
  const peaks = {};
  for (const r of main.filter((x) => x.kind === 'peak')) peaks[r.threads] = r.gflops;
  const key = (r) => `${r.name}|${r.threads}`;
  const bySetting = {};
  for (const s of SETTINGS) bySetting[s.peer] = new Map(raw[s.peer].filter((r) => r.kind === 'gemm').map((r) => [key(r), r]));
  const rows = [];
  for (const r of main.filter((x) => x.kind === 'gemm')) {
    const peers = {};
    const ratios = {};
    const ngAll = [];
    for (const s of SETTINGS) {
      const o = bySetting[s.peer].get(key(r));
      peers[s.peer] = o ? r1(o.blas_gflops) : null;
      // The ratio comes from the interleaved pair inside that setting's run.
      ratios[s.peer] = o ? r3(o.nodegrad_gflops / o.blas_gflops) : null;
      if (o) ngAll.push(o.nodegrad_gflops);
    }
    const peak = peaks[r.threads];
    rows.push({
      config: `${r.group} ${r.name} (M=${r.M} N=${r.N} K=${r.K}${r.ta ? ' A^T' : ''}${r.tb ? ' B^T' : ''}), ${r.threads} thread${r.threads > 1 ? 's' : ''}`,
      metric: 'sgemm throughput',
      unit: 'GFLOP/s',
      better: 'higher',
      nodegrad: r1(r.nodegrad_gflops),
      peers,
      ratios,
      extra: {
        group: r.group, M: r.M, N: r.N, K: r.K, transA: !!r.ta, transB: !!r.tb, threads: r.threads,
        fractionOfPeak: peak ? r3(r.nodegrad_gflops / peak) : null,
        peerFractionOfPeak: peak ? r3(r.blas_gflops / peak) : null,
        maxRelDiff: r.max_rel_diff,
      },
    });
  }
  const notes = [
    `nodegrad kernel ${info?.kernel} (ISA ${info?.isa}); OpenBLAS: ${info?.openblas_config}`,
    `FMA peak probe (${Object.keys(peaks).length ? 'AVX-512' : 'n/a'}): ${Object.entries(peaks).map(([t, g]) => `${r1(g)} GFLOP/s at ${t} thread${t > 1 ? 's' : ''}`).join(', ')}`,
    'Each figure: median of interleaved timing blocks (nodegrad and OpenBLAS alternate in one process); ratios = nodegrad / OpenBLAS from the same process.',
    `Load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (the machine is shared; 2-thread figures are especially noisy).`,
  ];
  return { rows, notes, info, peaks, raw };
}

export function markdown(res, { quick, date }) {
  const lines = [];
  lines.push('# GEMM benchmark: nodegrad vs OpenBLAS');
  lines.push('');
  lines.push(`Generated by \`node bench/gemm/run.mjs${quick ? ' --quick' : ''}\` on ${date} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores).`);
  lines.push('');
  for (const n of res.notes) lines.push(`- ${n}`);
  lines.push('');
  lines.push('| shape | threads | nodegrad GFLOP/s | % peak | OpenBLAS SkylakeX | ratio | OpenBLAS shipped | ratio |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of res.rows) {
    const e = r.extra;
    const shape = `${e.group} M=${e.M} N=${e.N} K=${e.K}${e.transA ? ' A^T' : ''}${e.transB ? ' B^T' : ''}`;
    const pct = e.fractionOfPeak != null ? `${Math.round(e.fractionOfPeak * 100)}%` : '';
    lines.push(`| ${shape} | ${e.threads} | ${r.nodegrad} | ${pct} | ${r.peers['openblas-skylakex']} | ${r.ratios['openblas-skylakex']} | ${r.peers['openblas-shipped']} | ${r.ratios['openblas-shipped']} |`);
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

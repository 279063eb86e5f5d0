#!/usr/bin/env node
// nodegrad benchmark suite: nodegrad vs PyTorch CPU, TensorFlow.js (cpu, wasm), OpenBLAS and
// onnxruntime-node, side by side in one run. See bench/README.md.
//   node bench/run.mjs [--case mlp,tiny] [--quick] [--threads 1,2] [--require-nodegrad]
//                      [--no-peers] [--out file.json] [--no-write] [--verbose]
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadNodegrad, nodegradInfo } from './lib/nodegrad.mjs';
import { BENCH_DIR, ROOT, peerVersions, setVerbose } from './lib/peers.mjs';
import { formatCaseText, writeDocs } from './lib/report.mjs';
import { errMsg } from './lib/util.mjs';
import { measureFmaPeak } from './gemm/run.mjs';

export const ALL_CASES = ['gemm', 'mlp', 'tiny', 'inference', 'conv', 'eventloop', 'memory', 'ops', 'dist', 'lstm', 'gpt'];

function parseArgs(argv) {
  const o = { cases: ALL_CASES, quick: false, threads: [1, 2], requireNodegrad: false, noPeers: false, out: null, write: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') o.quick = true;
    else if (a.startsWith('--device')) o.device = val();
    else if (a.startsWith('--case')) o.cases = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith('--threads')) o.threads = val().split(',').map((s) => Number(s.trim()));
    else if (a === '--require-nodegrad') o.requireNodegrad = true;
    else if (a === '--no-peers') o.noPeers = true;
    else if (a.startsWith('--out')) o.out = val();
    else if (a === '--no-write') o.write = false;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const c of o.cases) if (!ALL_CASES.includes(c)) throw new Error(`unknown case ${c}; cases: ${ALL_CASES.join(', ')}`);
  for (const t of o.threads) if (!Number.isInteger(t) || t < 1) throw new Error(`bad --threads value ${t}`);
  return o;
}

const HELP = `usage: node bench/run.mjs [options]   (npm run bench -- [options])
  --case a,b          run only these cases (${ALL_CASES.join(', ')})
  --quick             a few seconds per case (CI); peers skipped when not installed
  --threads 1,2       thread counts to measure (default 1,2)
  --require-nodegrad  exit 1 if a case crashes or nodegrad yields no figure (CI once the API exists)
  --no-peers          measure nodegrad only
  --out FILE          write the results JSON to FILE (quick runs write nothing otherwise)
  --no-write          do not write bench/results/ or docs/BENCHMARKS.md
  --verbose           echo peer processes' output
  --device cuda       the GPU benchmarks instead (bench/cuda-bench.ts: GEMM TF32/BF16, MLP and CNN
                      steps, vs PyTorch on the same GPU or the datasheet peak); needs the CUDA build
Full runs write bench/results/<date>.json, merge their cases into bench/results/latest.json and
regenerate docs/BENCHMARKS.md plus bench/results/latest.svg from it.`;

function cpuModel() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) return m[1].trim();
  } catch {
    /* not linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function cpuFlags() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m);
    const f = new Set(m ? m[1].split(/\s+/) : []);
    return ['avx512f', 'avx512bw', 'avx512vl', 'avx2', 'fma', 'sse4_2'].filter((x) => f.has(x));
  } catch {
    return [];
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  if (opts.device !== undefined && opts.device !== 'cpu') {
    if (!/^cuda(:\d+)?$/.test(opts.device)) {
      console.error(`bench: Expected 'cpu' or 'cuda' for --device but received ${opts.device}`);
      return 2;
    }
    // The GPU suite is its own script (TypeScript, run through tsx): it shares the MLP loop of test/cuda.
    const { spawnSync } = await import('node:child_process');
    const args = ['--import', 'tsx', join(BENCH_DIR, 'cuda-bench.ts'), ...(opts.quick ? ['--quick'] : []),
      ...(opts.out ? ['--out', opts.out] : [])];
    return spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;
  }
  setVerbose(opts.verbose);
  const log = (s) => console.log(s);
  const started = new Date();
  const { ng, error: ngError } = await loadNodegrad();
  const machine = {
    cpu: cpuModel(),
    cpuFlags: cpuFlags(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const versions = { node: process.version };
  try {
    versions.nodegrad = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  } catch {
    /* ignore */
  }
  const ngInfo = await nodegradInfo();
  machine.isa = ngInfo.backend ?? null;
  try {
    // GFLOP/s by thread count; the AVX-512 probe in bench/gemm/gemm_bench.cc (needs libopenblas-dev).
    machine.fmaPeakGflops = await measureFmaPeak({ threads: [1, Math.min(2, machine.cores)].filter((t, i, a) => a.indexOf(t) === i) });
  } catch (e) {
    machine.fmaPeakGflops = null;
    log(`FMA peak probe unavailable: ${errMsg(e)}`);
  }
  log(`nodegrad bench ${opts.quick ? '(quick) ' : ''}on ${machine.cpu}, ${machine.cores} cores, node ${process.version}, load ${machine.loadAverageAtStart.join(' ')}`);
  if (machine.fmaPeakGflops) log(`measured FMA peak: ${Object.entries(machine.fmaPeakGflops).map(([t, g]) => `${g} GFLOP/s at ${t} thread${t > 1 ? 's' : ''}`).join(', ')}`);
  log(`nodegrad: ${ngError ? `unavailable (${ngError})` : `${ngInfo.backend}`}`);
  if (machine.loadAverageAtStart[0] > 0.5) log(`warning: load average ${machine.loadAverageAtStart[0]} at start; other processes skew timings`);
  const peers = opts.noPeers ? {} : await peerVersions();
  Object.assign(versions, summarizeVersions(peers));
  if (!opts.noPeers) log(`peers: ${Object.entries(versions).filter(([k]) => k !== 'node' && k !== 'nodegrad').map(([k, v]) => `${k} ${v}`).join(', ')}`);

  const ctx = { quick: opts.quick, threads: opts.threads, ng: ngError ? null : ng, ngError, noPeers: opts.noPeers, log, verbose: opts.verbose };
  const cases = [];
  const failures = [];
  for (const name of opts.cases) {
    const file = join(BENCH_DIR, 'cases', `${name}.mjs`);
    const t0 = Date.now();
    log(`\n== ${name}`);
    let result;
    if (!existsSync(file)) {
      result = { name, rows: [], notes: [`bench/cases/${name}.mjs is not present yet`], error: 'case file missing' };
    } else {
      try {
        const mod = await import(pathToFileURL(file).href);
        result = await mod.run(ctx);
        result.name ??= name;
        result.rows ??= [];
        result.notes ??= [];
      } catch (e) {
        result = { name, rows: [], notes: [], error: errMsg(e) };
        if (opts.verbose) console.error(e);
      }
    }
    result.seconds = Math.round((Date.now() - t0) / 100) / 10;
    cases.push(result);
    log(formatCaseText(result));
    const ngFigures = result.rows.filter((r) => Number.isFinite(r.nodegrad)).length;
    const ngFailed = result.notes.filter((n) => /^nodegrad\b[^:]*(: unavailable|\bfailed\b)/.test(n));
    if (result.error) failures.push(`${name}: crashed (${result.error})`);
    else if (ngFigures === 0) failures.push(`${name}: no nodegrad figure`);
    else if (ngFailed.length) failures.push(`${name}: ${ngFailed.join('; ')}`);
  }

  const results = {
    schema: 1,
    date: started.toISOString(),
    quick: opts.quick,
    threads: opts.threads,
    totalSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    machine,
    versions,
    nodegrad: ngInfo,
    peers,
    cases,
  };
  const written = [];
  if (opts.out) {
    writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n');
    written.push(opts.out);
  }
  if (opts.write && !opts.quick) {
    const dir = join(BENCH_DIR, 'results');
    mkdirSync(dir, { recursive: true });
    const day = started.toISOString().slice(0, 10);
    const suffix = opts.cases.length === ALL_CASES.length ? '' : `-${opts.cases.join('+')}`;
    const file = join(dir, `${day}${suffix}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    written.push(file);
    written.push(...(await writeDocs(results)));
  }
  log(`\ntotal ${results.totalSeconds} s${written.length ? `; wrote ${written.map((f) => f.replace(ROOT + '/', '')).join(', ')}` : ''}`);
  if (failures.length) {
    log(`${opts.requireNodegrad ? 'FAILED' : 'note'}: ${failures.join('; ')}`);
    if (opts.requireNodegrad) return 1;
  }
  return 0;
}

function summarizeVersions(peers) {
  const v = {};
  const t = peers.pytorch;
  if (t?.torch) {
    v.pytorch = t.torch;
    if (t.openblas) v.openblas = t.openblas.config.match(/OpenBLAS ([\d.]+)/)?.[1] ?? t.openblas.config;
    v.numpy = t.numpy;
    v.python = t.python;
  }
  if (peers['tfjs-cpu']?.tfjs) v.tfjs = peers['tfjs-cpu'].tfjs;
  const w = peers['tfjs-wasm'];
  if (w?.tfjs) v['tfjs-backend-wasm'] = `${w.tfjs} (SIMD ${w.wasmSimd ? 'on' : 'off'}, threads ${w.wasmThreads ? 'on' : 'off'})`;
  try {
    v['onnxruntime-node'] = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version;
  } catch {
    /* not installed */
  }
  return v;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping`);
    process.exit(130); // the 'exit' handler in lib/peers.mjs kills the peer processes
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);

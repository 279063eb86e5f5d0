// Peer processes: PyTorch (Python child) and TensorFlow.js (node child per backend), plus the
// configurations each is given. Every peer is a long-lived server (lib/proto.mjs protocol), so
// repetitions can be interleaved with nodegrad's in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TAG } from './proto.mjs';
import { errMsg } from './util.mjs';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');

// Debian's python3-torch lives in the system interpreter; a pyenv `python3` on PATH may not see it.
export const PYTHON = process.env.NODEGRAD_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

let verbose = false;
export function setVerbose(v) {
  verbose = v;
}

// Live peer processes, killed if the runner exits early (Ctrl-C, crash).
const live = new Set();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class PeerProcess {
  constructor(name, cmd, args, { env = {}, cwd = BENCH_DIR } = {}) {
    this.name = name;
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null;
    this.stderrTail = '';
    this.child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this.child);
    this.child.on('exit', () => live.delete(this.child));
    let buf = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith(TAG)) {
          if (verbose && line.trim()) process.stderr.write(`  [${name}] ${line}\n`);
          continue;
        }
        let msg;
        try {
          msg = JSON.parse(line.slice(TAG.length));
        } catch {
          continue;
        }
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(msg.error));
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
      if (verbose) process.stderr.write(chunk.replace(/^/gm, `  [${name}] `));
    });
    const fail = (why) => {
      this.dead = why;
      for (const p of this.pending.values()) p.reject(new Error(`${name}: ${why}`));
      this.pending.clear();
    };
    this.child.on('error', (e) => fail(`failed to start (${e.message})`));
    this.child.on('exit', (code, signal) =>
      fail(`exited (${signal ?? code})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`),
    );
    this.child.stdin.on('error', () => {});
  }

  request(op, args = {}, { timeoutMs = 600_000 } = {}) {
    if (this.dead) return Promise.reject(new Error(`${this.name}: ${this.dead}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${op} timed out after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.stdin.write(JSON.stringify({ op, id, ...args }) + '\n');
    });
  }

  async close() {
    if (this.dead) return;
    try {
      await this.request('quit', {}, { timeoutMs: 5000 });
    } catch {
      /* already gone */
    }
    if (!this.dead) this.child.kill();
  }
}

// ---- availability -------------------------------------------------------------------------

let torchCheck;
export function torchAvailable() {
  if (torchCheck === undefined) {
    const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    torchCheck = r.status === 0 ? { ok: true, version: r.stdout.trim() } : { ok: false, why: (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() || 'import torch failed' };
  }
  return torchCheck;
}

let tfjsCheck;
export function tfjsAvailable() {
  if (tfjsCheck === undefined) {
    try {
      const req = createRequire(join(BENCH_DIR, 'package.json'));
      const v = req('@tensorflow/tfjs/package.json').version;
      req.resolve('@tensorflow/tfjs-backend-wasm');
      tfjsCheck = { ok: true, version: v };
    } catch (e) {
      tfjsCheck = { ok: false, why: `not installed (run bench/setup.sh): ${errMsg(e)}` };
    }
  }
  return tfjsCheck;
}

// ---- configurations -----------------------------------------------------------------------

// PyTorch configurations for a thread count, as PyTorch's CPU performance tuning guide advises:
// - a tuned allocator: the guide recommends jemalloc or tcmalloc, because with glibc's default
//   malloc thresholds every step's large temporaries are mmapped and page-faulted afresh
//   (measured: Debian's torch 1.13 ran the 784-512-256-10 MLP at 9-11k samples/s untuned vs
//   35-46k tuned). Debian's libjemalloc2 is preloaded where installed (bench/setup.sh installs
//   it); elsewhere glibc's thresholds are raised, which has the same effect on this workload.
// - OpenBLAS 0.3.21 does not know recent CPUs and falls back to a generic kernel;
//   OPENBLAS_CORETYPE=SkylakeX selects its AVX-512 kernel (~5x faster).
// - at 2 threads, two thread layouts are tried and the best is reported (TOOLCHAIN.md): torch 1
//   thread + OpenBLAS 2 threads, and both 2 threads with OMP_WAIT_POLICY=PASSIVE.
// One more configuration, `reference: true`, runs without the allocator tuning; it is reported
// beside the tuned figure and never used for a ratio.
export const JEMALLOC = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2'].find((f) => existsSync(f)) ?? null;

export function allocatorEnv() {
  if (JEMALLOC) return { LD_PRELOAD: JEMALLOC };
  return { MALLOC_TRIM_THRESHOLD_: '4000000000', MALLOC_MMAP_THRESHOLD_: '4000000000' };
}

export function allocatorLabel() {
  return JEMALLOC ? 'jemalloc' : 'glibc malloc thresholds raised';
}

export function torchConfigs(threads) {
  const blas = { OPENBLAS_CORETYPE: 'SkylakeX' };
  const tuned = { ...blas, ...allocatorEnv() };
  const alloc = allocatorLabel();
  const oneThread = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  if (threads <= 1) {
    return [
      { label: `torch 1 thread, OpenBLAS 1 thread, ${alloc}`, torchThreads: 1, env: { ...tuned, ...oneThread } },
      { label: 'torch 1 thread, OpenBLAS 1 thread, default allocator (untuned, reference only)', torchThreads: 1, reference: true, env: { ...blas, ...oneThread } },
    ];
  }
  const n = String(threads);
  return [
    { label: `torch 1 thread, OpenBLAS ${n} threads, ${alloc}`, torchThreads: 1, env: { ...tuned, OPENBLAS_NUM_THREADS: n } },
    {
      label: `torch ${n} threads, OpenBLAS ${n} threads, OMP_WAIT_POLICY=PASSIVE, ${alloc}`,
      torchThreads: threads,
      env: { ...tuned, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, OMP_WAIT_POLICY: 'PASSIVE' },
    },
    { label: `torch 1 thread, OpenBLAS ${n} threads, default allocator (untuned, reference only)`, torchThreads: 1, reference: true, env: { ...blas, OPENBLAS_NUM_THREADS: n } },
  ];
}

export function startTorch(cfg) {
  const p = new PeerProcess(`pytorch[${cfg.label}]`, PYTHON, [join(BENCH_DIR, 'peers', 'torch_bench.py'), '--torch-threads', String(cfg.torchThreads)], { env: cfg.env });
  p.config = cfg.label;
  p.reference = cfg.reference === true;
  return p;
}

export function startTfjs(backend) {
  const p = new PeerProcess(`tfjs-${backend}`, process.execPath, [join(BENCH_DIR, 'peers', 'tfjs_bench.mjs'), '--backend', backend]);
  p.config = backend === 'wasm' ? 'wasm backend (single-threaded in Node)' : 'pure-JS cpu backend';
  return p;
}

// A child node process that runs a nodegrad function exported by a case file (lib/child.mjs).
export function startNodegradChild(env = {}) {
  return new PeerProcess('nodegrad-child', process.execPath, [join(BENCH_DIR, 'lib', 'child.mjs')], { env });
}

// Versions for the results header (each peer asked once, in its own process).
export async function peerVersions() {
  const out = {};
  const t = torchAvailable();
  if (t.ok) {
    const p = startTorch(torchConfigs(1)[0]);
    try {
      out.pytorch = await p.request('hello', {}, { timeoutMs: 60_000 });
    } catch (e) {
      out.pytorch = { error: errMsg(e) };
    }
    await p.close();
  } else out.pytorch = { unavailable: t.why };
  const f = tfjsAvailable();
  if (f.ok) {
    for (const be of ['cpu', 'wasm']) {
      const p = startTfjs(be);
      try {
        out[`tfjs-${be}`] = await p.request('hello', {}, { timeoutMs: 60_000 });
      } catch (e) {
        out[`tfjs-${be}`] = { error: errMsg(e) };
      }
      await p.close();
    }
  } else out.tfjs = { unavailable: f.why };
  out['tfjs-node'] = { unavailable: '@tensorflow/tfjs-node cannot install here: its install script downloads libtensorflow from outside the npm registry' };
  return out;
}

let ortCheck;
export function ortAvailable() {
  if (ortCheck === undefined) {
    try {
      const req = createRequire(join(BENCH_DIR, 'peers', 'ort_bench.mjs'));
      ortCheck = { ok: true, version: req('onnxruntime-node/package.json').version };
    } catch (e) {
      ortCheck = { ok: false, why: `onnxruntime-node not installed (devDependency): ${errMsg(e)}` };
    }
  }
  return ortCheck;
}

export function startOrt() {
  const p = new PeerProcess('onnxruntime', process.execPath, [join(BENCH_DIR, 'peers', 'ort_bench.mjs')]);
  p.config = 'CPU execution provider';
  return p;
}

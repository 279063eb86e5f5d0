// Small helpers shared by the runner, the cases and the peer servers.
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

// Seeded PRNG (uniform [0, 1)), so every process can generate the same MNIST-shaped data.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// MNIST-shaped random data: n x 784 floats in [0, 1), labels 0..9 (fixed seed).
export function mnistLike(n, seed = 1) {
  const rnd = mulberry32(seed);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = rnd();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(rnd() * 10);
  return { x, y };
}

// Current resident set size in MiB (from /proc, cheaper than process.memoryUsage()).
export function rssMB() {
  try {
    const pages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    return (pages * 4096) / 2 ** 20;
  } catch {
    return process.memoryUsage.rss() / 2 ** 20;
  }
}

// Peak RSS of this process in MiB: VmHWM from /proc (per address space, so unlike
// getrusage's ru_maxrss it does not inherit the spawning parent's high-water mark).
export function peakRssMB() {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not linux */
  }
  return process.resourceUsage().maxRSS / 1024;
}

export const now = () => performance.now();

export function median(xs) {
  const s = xs.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs, p) {
  const s = xs.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
}

// Round to `sig` significant digits for reports (keeps JSON readable, numbers stay numbers).
export function sig(x, digits = 4) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null;
  if (x === 0) return 0;
  return Number(x.toPrecision(digits));
}

export function errMsg(e) {
  const m = e?.message ?? String(e);
  return m.split('\n')[0].slice(0, 300);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// CPU accounting per thread of this process (Linux /proc/self/task/*/schedstat: ns on a CPU and
// ns runnable but waiting for one). Returns null where /proc is missing. threadCpu() snapshots;
// cpuSince(snapshot) gives ms per thread name ('main': the JS thread) since it: { name: { cpuMs, waitMs } }. The runqueue
// wait says how loaded the machine was: a rank that waits for a core can not scale.
export function threadCpu() {
  let tids;
  try { tids = readdirSync('/proc/self/task'); } catch { return null; }
  const out = new Map();
  for (const t of tids) {
    try {
      const name = t === String(process.pid) ? 'main' : readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      const [run, wait] = readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      out.set(t, { name, run, wait });
    } catch { /* the thread ended */ }
  }
  return out;
}

export function cpuSince(before) {
  const now = threadCpu();
  if (!before || !now) return null;
  const res = {};
  for (const [t, b] of now) {
    const a = before.get(t) ?? { run: 0, wait: 0 };
    const r = (res[b.name] ??= { cpuMs: 0, waitMs: 0 });
    r.cpuMs += (b.run - a.run) / 1e6;
    r.waitMs += (b.wait - a.wait) / 1e6;
  }
  return res;
}

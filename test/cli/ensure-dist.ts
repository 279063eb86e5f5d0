/**
 * Makes sure dist/ (the compiled library: the `nodegrad` bin and the worker entry) is built and
 * newer than every lib/ source; rebuilds with `npm run build:ts` otherwise. Test files that
 * need dist/ may run in parallel forks, so the build is guarded by a lock directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execSync, spawn } from 'node:child_process';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUTPUTS = [CLI, path.join(ROOT, 'dist', 'train', 'worker-entry.js'), path.join(ROOT, 'dist', 'index.js')];
const LOCK = path.join(ROOT, 'dist', '.test-build.lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  if (!OUTPUTS.every((f) => fs.existsSync(f))) return true;
  const oldestOutput = Math.min(...OUTPUTS.map((f) => fs.statSync(f).mtimeMs));
  return newestSource(path.join(ROOT, 'lib')) > oldestOutput;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds dist/ when it is missing or older than lib/ (at most one build at a time). */
export async function ensureDist(): Promise<void> {
  if (!isStale()) return;
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building; a lock older than 5 minutes is left over from a crash.
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > 300_000) fs.rmdirSync(LOCK);
      } catch { /* gone already */ }
      await sleep(250);
      if (!isStale()) return;
    }
  }
  try {
    if (!isStale()) return;
    try {
      execSync('npm run build:ts', { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      // tsc still emits on type errors elsewhere; go on if the outputs are there.
      if (!OUTPUTS.every((f) => fs.existsSync(f))) throw e;
    }
  } finally {
    try { fs.rmdirSync(LOCK); } catch { /* ignore */ }
  }
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs the built `nodegrad` CLI with args in cwd (NO_COLOR), killed after timeoutMs. */
export function runCli(args: string[], cwd: string, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

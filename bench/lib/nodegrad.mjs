// Loads nodegrad from the package build (dist/). Until the library exists, the error is
// returned instead of thrown so each case reports "nodegrad: unavailable (<error>)".
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './peers.mjs';
import { errMsg } from './util.mjs';

// What the suite needs from the public API (DESIGN.md "Public API sketch").
const REQUIRED = ['setSeed', 'setNumThreads', 'fromArray', 'tidy', 'nn', 'optim', 'losses'];

let cached;
export async function loadNodegrad() {
  if (cached) return cached;
  // NODEGRAD_BENCH_ENTRY: benchmark another build of nodegrad (e.g. an installed package).
  const entry = process.env.NODEGRAD_BENCH_ENTRY || join(ROOT, 'dist', 'index.js');
  if (!existsSync(entry)) {
    cached = { ng: null, error: `${entry.replace(ROOT + '/', '')} not found (build with \`npm run build\`)` };
    return cached;
  }
  try {
    const mod = await import(pathToFileURL(entry).href);
    const ng = mod.default && typeof mod.default === 'object' && 'setSeed' in mod.default ? mod.default : mod;
    const missing = REQUIRED.filter((k) => ng[k] === undefined);
    cached = missing.length ? { ng, error: `${entry.replace(ROOT + '/', '')} lacks ${missing.join(', ')}` } : { ng, error: null };
  } catch (e) {
    cached = { ng: null, error: `loading ${entry.replace(ROOT + '/', '')} failed: ${errMsg(e)}` };
  }
  return cached;
}

export async function nodegradInfo() {
  const { ng, error } = await loadNodegrad();
  const info = { available: !error, error };
  if (ng) {
    for (const [k, f] of [['backend', () => ng.backend()], ['numThreads', () => ng.getNumThreads?.()], ['version', () => ng.version]]) {
      try {
        info[k] = f();
      } catch (e) {
        info[k] = `error: ${errMsg(e)}`;
      }
    }
  }
  return info;
}

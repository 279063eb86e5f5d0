// A fresh node process that runs nodegrad-side functions exported by a case file, for the
// cases that need process isolation (memory: RSS; eventloop: an undisturbed event loop).
// Speaks lib/proto.mjs's protocol: {"op":"call","file":"cases/memory.mjs","fn":"ngMemory","args":{...}}
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR } from './peers.mjs';
import { loadNodegrad } from './nodegrad.mjs';
import { serve } from './proto.mjs';

serve(async (op, { file, fn, args, needsNodegrad = true }) => {
  if (op !== 'call') throw new Error(`unknown op ${op}`);
  const { ng, error } = await loadNodegrad();
  if (error && needsNodegrad) throw new Error(error);
  const mod = await import(pathToFileURL(join(BENCH_DIR, file)).href);
  if (typeof mod[fn] !== 'function') throw new Error(`${file} does not export ${fn}`);
  return mod[fn](ng, args);
});

/**
 * require('nodegrad') does not load the modules only some programs use (lib/core/lazy.ts); each
 * loads on its first use.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, ROOT } from '../cli/ensure-dist';

/** The lazily loaded modules that a child process has loaded after running `code`. */
function loadedAfter(code: string): string[] {
  const script = `
const ng = require(${JSON.stringify(ROOT)});
(async () => {
  ${code}
  const builtins = new Set(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)));
  const files = Object.keys(require.cache);
  const loaded = [];
  for (const b of ['http', 'crypto']) if (builtins.has(b)) loaded.push(b);
  for (const p of ['csv-parse', 'cli-progress']) if (files.some((f) => f.includes('/node_modules/' + p + '/'))) loaded.push(p);
  process.stdout.write(JSON.stringify(loaded));
  process.exit(0);
})();`;
  // a script file: \`node -e\` itself loads node:crypto at start-up
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ng-lazy-')), 'probe.js');
  fs.writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[];
}

beforeAll(async () => { await ensureDist(); }, 120_000);

describe('modules loaded on first use', () => {
  it('require("nodegrad") loads none of node:http, node:crypto, csv-parse, cli-progress', () => {
    expect(loadedAfter('')).toEqual([]);
  });

  it('each loads when used: a save (crypto), fromCsv (csv-parse), a progress bar (cli-progress), the dashboard (http)', () => {
    const dir = `require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'ng-lazy-'))`;
    expect(loadedAfter(`const d = ${dir}; await ng.io.save(new ng.nn.Linear(2, 1), d + '/m.safetensors');`)).toEqual(['crypto']);
    expect(loadedAfter(`const d = ${dir}; require('node:fs').writeFileSync(d + '/a.csv', 'a,y\\n1,2\\n3,4\\n');
      await ng.data.fromCsv(d + '/a.csv', { target: 'y' });`)).toEqual(['csv-parse']);
    expect(loadedAfter(`const p = new ng.ProgressLogger({ totalEpochs: 1, stepsPerEpoch: 2, ci: false,
      stream: { write: () => true, isTTY: true } }); if (p.mode !== 'bar') throw new Error(p.mode); p.onEpochBegin(0);`)).toEqual(['cli-progress']);
    expect(loadedAfter(`const { DashboardServer } = require(${JSON.stringify(ROOT)} + '/dist/train/dashboard/server.js');
      await new DashboardServer(${dir}, { port: 0 }).close();`)).toEqual(['http']);
  });
});

// The ESM entry (dist/esm/index.mjs, written by scripts/write-esm-entry.js) as `import` sees it:
// it parses, and every named export of the CommonJS build is there as the same value, names
// that are reserved words (ng.var) included. A bad line would break every ESM user's import,
// which the pack smoke test (CI only) would be the first to see.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, ROOT } from '../cli/ensure-dist';

describe('ESM entry', () => {
  beforeAll(ensureDist, 240_000);

  it('imports, and exports every CommonJS export as the same value', () => {
    const entry = path.join(ROOT, 'dist', 'esm', 'index.mjs');
    const cjs = path.join(ROOT, 'dist', 'index.js');
    const script = `
      import * as esm from ${JSON.stringify(entry)};
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)(${JSON.stringify(cjs)});
      const names = Object.keys(cjs).filter((n) => n !== '__esModule' && n !== 'default');
      const missing = names.filter((n) => esm[n] !== cjs[n]);
      console.log(JSON.stringify({ count: names.length, missing, variance: esm.var === esm.variance, def: esm.default === cjs }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.missing).toEqual([]);
    expect(out.count).toBeGreaterThan(100);
    expect(out.variance).toBe(true);
    expect(out.def).toBe(true);
  });
});

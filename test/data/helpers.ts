import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { afterAll, expect } from 'vitest';

export const sk = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'sklearn', 'preprocessing.json'), 'utf8'));

/** null in the fixtures is NaN. */
export function nan(m: (number | null)[][]): number[][] {
  return m.map((r) => r.map((v) => (v === null ? NaN : v)));
}

/** Largest |a - b| / (1 + |b|), NaN matching NaN. */
export function maxRelDiff(a: ArrayLike<number>[] | ArrayLike<number>, b: ArrayLike<number>[] | ArrayLike<number>): number {
  const fa = flat(a), fb = flat(b);
  expect(fa.length).toBe(fb.length);
  let worst = 0;
  for (let i = 0; i < fa.length; i++) {
    const x = fa[i], y = fb[i] === null ? NaN : fb[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(x - y) / (1 + Math.abs(y)));
  }
  return worst;
}

function flat(a: unknown): number[] {
  if (Array.isArray(a) && a.length > 0 && typeof a[0] === 'object' && a[0] !== null) {
    return (a as ArrayLike<number>[]).flatMap((r) => Array.from(r));
  }
  return Array.from(a as ArrayLike<number>);
}

export function expectClose(a: any, b: any, tol = 1e-12): void {
  const d = maxRelDiff(a, b);
  expect(d, `max relative difference ${d}`).toBeLessThanOrEqual(tol);
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ng-data-'));
}

/** A temporary folder (removed after the file's tests) and a function writing a named file in it. */
export function tmpFiles(): { dir: string; write: (name: string, text: string) => string } {
  const dir = tmpDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name: string, text: string): string {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
  };
}

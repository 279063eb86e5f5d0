/**
 * A short soak (scripts/soak.js; `npm run soak` runs 100,000 steps): training with periodic
 * evaluate, predict, save/load and a worker-thread fit leaves no tensors and no native bytes
 * behind after warm-up. No assertion on time; RSS is bounded generously.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist } from '../cli/ensure-dist';

const ROOT = path.resolve(__dirname, '..', '..');

function soak(loop: string): Record<string, any> {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'soak.js'), '--steps', '2000', '--every', '500', '--loop', loop, '--json'],
    { encoding: 'utf8', env: process.env });
  expect(r.stderr).toBe('');
  return { status: r.status, ...JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

describe('soak (short)', () => {
  beforeAll(async () => { await ensureDist(); });

  for (const loop of ['tidy', 'trainer']) {
    it(`${loop} loop: nothing left behind after warm-up`, () => {
      const s = soak(loop);
      expect(s.problems).toEqual([]);
      expect(s.status).toBe(0);
      expect(s.events).toEqual({ evaluate: 4, predict: 4, saveLoad: 4, workerFit: 4 });
      expect(s.arrayBufferMbEnd).toBeLessThanOrEqual(s.arrayBufferMbAfterWarmup + 8);
      expect(s.nativeBytesEnd).toBeLessThanOrEqual(s.nativeBytesAfterWarmup);
      expect(s.lastLoss).toBeLessThan(0.5); // it really trained
    });
  }

  it('plain loop (no ng.tidy): after a full GC the step tensors are gone', () => {
    const s = soak('plain');
    expect(s.problems).toEqual([]);
    expect(s.arrayBufferMbEnd).toBeLessThanOrEqual(s.arrayBufferMbAfterWarmup + 8);
    expect(s.nativeBytesEnd).toBeLessThanOrEqual(s.nativeBytesAfterWarmup);
  });
});

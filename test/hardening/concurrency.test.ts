/**
 * Concurrency (scripts/stress-workers.js; `npm run stress:workers` runs 200 rounds): 4 worker
 * threads training at once plus 2 terminated mid-step, each round; the workers' weights are
 * bit-identical to the same seeded jobs run on the main thread with one compute thread.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist } from '../cli/ensure-dist';

const ROOT = path.resolve(__dirname, '..', '..');

describe('worker-thread concurrency', () => {
  beforeAll(async () => { await ensureDist(); });

  it('5 rounds of 4 concurrent trainings + 2 mid-step terminations: identical results, no crash', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'stress-workers.js'), '--rounds', '5', '--steps', '40'],
      { encoding: 'utf8', env: process.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(s).toMatchObject({ rounds: 5, workersTrained: 20, workersTerminatedMidStep: 10, identicalToSingleThreaded: 20 });
  });
});

/**
 * The cross-architecture kernel battery (scripts/arm64/kernel-battery.js, run on arm64 by
 * npm run check:arm64) agrees with itself on this machine and reports a changed value.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'arm64', 'kernel-battery.js');

describe('kernel battery', () => {
  it('matches its own recording, and fails when one value differs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-battery-'));
    const ref = path.join(dir, 'ref.json');
    const rec = spawnSync(process.execPath, [SCRIPT, 'record', ref], { encoding: 'utf8' });
    expect(rec.status).toBe(0);
    expect(rec.stdout).toMatch(/recorded \d+ calls .*gemm vs a naive reference: 20 cases agree/);
    const same = spawnSync(process.execPath, [SCRIPT, 'compare', ref], { encoding: 'utf8' });
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/: \d+ calls of \d+ functions match the reference/);
    const data = JSON.parse(fs.readFileSync(ref, 'utf8'));
    data['reluForward/3'].arrays[0][1] += 0.01;
    fs.writeFileSync(ref, JSON.stringify(data));
    const diff = spawnSync(process.execPath, [SCRIPT, 'compare', ref], { encoding: 'utf8' });
    expect(diff.status).toBe(1);
    expect(diff.stderr).toContain('1 mismatches');
    expect(diff.stderr).toContain('reluForward/3: array 0[1]');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

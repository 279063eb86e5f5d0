/**
 * `nodegrad train --precision bf16` and `nodegrad info`'s bf16 line: mixed-precision training
 * where the CPU has AVX512_BF16, and the fp32 fallback with one warning where it has not
 * (NODEGRAD_BF16=0 stands in for such a CPU).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { ensureDist } from './ensure-dist';
import { runCli } from './run-cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-cli-precision-'));
const csv = path.join(tmp, 'blobs.csv');

/** 600 rows, 3 classes in 20 features. */
function writeCsv(): void {
  const rng = new ng.Rng(4);
  const f = 20;
  const rows = [[...Array.from({ length: f }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < 600; i++) {
    const c = i % 3;
    rows.push([...Array.from({ length: f }, (_, j) => (rng.normal() + (j % 3 === c ? 1.5 : 0)).toFixed(3)), `c${c}`].join(','));
  }
  fs.writeFileSync(csv, rows.join('\n') + '\n');
}

const train = (out: string, env?: Record<string, string>) =>
  runCli(['train', '--data', csv, '--target', 'label', '--epochs', '3', '--layers', '64', '--batch-size', '64',
    '--precision', 'bf16', '--out', path.join(tmp, out)], { cwd: tmp, env, timeout: 120_000 });

beforeAll(async () => {
  await ensureDist();
  writeCsv();
}, 240_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('nodegrad train --precision', () => {
  it('trains with bf16 GEMMs where native and records the precision in the report', async () => {
    const r = await train('native');
    expect(r.code).toBe(0);
    const header = r.stdout.split('\n')[0];
    if (ng.bf16Native()) {
      expect(header).toMatch(/ \| precision bf16 \(mixed\)$/);
      expect(r.stderr).toBe('');
    } else {
      expect(header).toMatch(/ \| precision fp32 \(bf16 unavailable\)$/);
    }
    expect(r.stdout).toMatch(/test accuracy: /);
    const report = fs.readFileSync(path.join(tmp, 'native', 'report.html'), 'utf8');
    expect(report).toContain(ng.bf16Native() ? 'bf16' : 'fp32');
  }, 120_000);

  it('falls back to fp32 with one warning where bf16 is not available', async () => {
    const r = await train('fallback', { NODEGRAD_BF16: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/ \| precision fp32 \(bf16 unavailable\)$/);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('NODEGRAD_BF16_UNAVAILABLE'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('bf16 precision was requested but bf16 GEMMs are not available here (NODEGRAD_BF16=0); running fp32');
  }, 120_000);

  it('rejects an unknown precision', async () => {
    const r = await runCli(['train', '--precision', 'fp16'], { cwd: tmp });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('nodegrad: error: Expected one of fp32, bf16 for --precision but received "fp16"');
  });
});

describe('nodegrad info', () => {
  it('says whether bf16 is native', async () => {
    const r = await runCli(['info'], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ng.bf16Native() ? /^bf16: native \(AVX512_BF16\)/m : /^bf16: (not available|AVX512_BF16 present but off)/m);
    const off = await runCli(['info'], { cwd: tmp, env: { NODEGRAD_BF16: '0' } });
    expect(off.stdout).toMatch(/^bf16: not available on this CPU \(bf16 requests run fp32\)$/m);
  });
});

/**
 * File fuzzing (scripts/fuzz-files.js): mutated and truncated valid files plus hand-made hostile
 * ones for every reader (safetensors, model files with their config, checkpoints, CSV, IDX
 * plain/float/gzip, JSON records, char and BPE tokenizer files): each loads or throws an Error, in a child process watched for crashes,
 * hangs and memory growth.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { ensureDist } from '../cli/ensure-dist';

const ROOT = path.resolve(__dirname, '..', '..');

describe('file fuzzing', () => {
  beforeAll(async () => { await ensureDist(); });

  it('survives 150 mutations per reader and the hostile files, with bounded memory', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'fuzz-files.js'), '--cases', '150', '--seed', '2', '--max-rss-mb', '1024'],
      { encoding: 'utf8', env: process.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const stats = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(Object.keys(stats.byReader).sort()).toEqual(['checkpoint', 'csv', 'idx', 'idxFloat', 'idxGz', 'json', 'model', 'safetensors', 'tokenizerBpe', 'tokenizerChar']);
    expect(stats.cases).toBeGreaterThanOrEqual(10 * 150 + 41);
    // every reader both accepted some (mildly) mutated files and rejected others
    for (const v of Object.values(stats.byReader) as { loaded: number; rejected: number }[]) {
      expect(v.rejected).toBeGreaterThan(0);
    }
    expect(stats.unformatted).toEqual({});
    expect(stats.arrayBufferMbLeft).toBeLessThanOrEqual(8);
  });
});

describe('checkpoint findings', () => {
  it('checkpoint metadata that is not JSON is an Expected ... error naming the file', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ng-ck-')), 'c.safetensors');
    await ng.io.writeSafetensors(file, { w: { dtype: 'float32', shape: [1], data: new Float32Array(1) } },
      { 'nodegrad.checkpoint': '{"epoch": "\\x"}' });
    await expect(ng.io.readCheckpoint(file)).rejects.toThrow(
      new RegExp(`^Expected valid JSON in the 'nodegrad.checkpoint' metadata of ${file} but received: `));
    await ng.io.writeSafetensors(file, { w: { dtype: 'float32', shape: [1], data: new Float32Array(1) } },
      { 'nodegrad.checkpoint': '[1]' });
    await expect(ng.io.readCheckpoint(file)).rejects.toThrow(`Expected a JSON object in the 'nodegrad.checkpoint' metadata of ${file} but received [1]`);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

describe('IDX gzip findings', () => {
  it('a corrupt gzip stream is a DataError naming the file, not a bare zlib error', () => {
    const gz = zlib.gzipSync(Buffer.from(ng.data.writeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.from([1, 2]) })));
    gz[gz.length - 5] ^= 0xff; // break the CRC
    expect(() => ng.data.parseIdx(gz, 'x.idx.gz')).toThrow(
      /^Expected a gzip-compressed IDX file of at most 1073741824 bytes for x.idx.gz but received a corrupt gzip stream \(/);
  });
});

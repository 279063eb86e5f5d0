/** `nodegrad train --dashboard [port]` and `nodegrad dashboard <runs-folder>`, spawned as processes. */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureDist } from './ensure-dist';
import { readEventLog } from '../../lib/train/dashboard';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-cli-dashboard-'));
const runs = path.join(tmp, 'runs');
const csvFile = path.join(tmp, 'iris-like.csv');

function start(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = start(args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  await ensureDist();
  const rows = ['a,b,species'];
  for (let i = 0; i < 90; i++) {
    const k = i % 3;
    rows.push(`${(k + Math.sin(i) * 0.3).toFixed(3)},${(2 - k + Math.cos(i) * 0.3).toFixed(3)},${['setosa', 'versicolor', 'virginica'][k]}`);
  }
  fs.writeFileSync(csvFile, rows.join('\n') + '\n');
}, 240_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('nodegrad train --dashboard', () => {
  it('prints the dashboard URL, writes the event log next to the model, and exits when done', async () => {
    const out = path.join(runs, 'csv-a');
    const r = await run(['train', '--data', csvFile, '--target', 'species', '--epochs', '3', '--layers', '8', '--out', out, '--dashboard', '0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
    expect(r.stdout).toContain(`  events        ${path.join(out, 'events.jsonl')}\n`);
    const events = readEventLog(path.join(out, 'events.jsonl'), (m) => { throw new Error(m); });
    expect(events.filter((e) => e.t === 'epoch')).toHaveLength(3);
    const evals = events.filter((e) => e.t === 'eval');
    expect(evals).toHaveLength(3);
    expect((evals[2] as { labels: string[] }).labels).toEqual(['setosa', 'versicolor', 'virginica']);
    const final = events.find((e) => e.t === 'final') as { metrics: Record<string, number> };
    expect(Object.keys(final.metrics)).toEqual(expect.arrayContaining(['test_loss', 'test_accuracy']));
  });

  it('writes the event log without --dashboard too, and a taken port only warns', async () => {
    const blocker = http.createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const out = path.join(runs, 'csv-b');
      const r = await run(['train', '--data', csvFile, '--target', 'species', '--epochs', '2', '--layers', '8', '--out', out, '--dashboard', String(port), '--quiet']);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^nodegrad dashboard: could not start the dashboard on 127\\.0\\.0\\.1:${port} .*EADDRINUSE.*; training continues\\n$`));
      expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
      const plain = path.join(runs, 'csv-c');
      expect((await run(['train', '--data', csvFile, '--target', 'species', '--epochs', '1', '--out', plain, '--quiet'])).code).toBe(0);
      expect(readEventLog(path.join(plain, 'events.jsonl'), () => undefined).some((e) => e.t === 'end')).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it('rejects a bad port', async () => {
    const r = await run(['train', '--data', csvFile, '--target', 'species', '--dashboard', 'http', '--out', path.join(tmp, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('nodegrad: error: Expected an integer >= 0 for --dashboard but received "http"\n');
  });
});

describe('nodegrad dashboard <runs-folder>', () => {
  it('lists the runs of the folder until stopped', async () => {
    const child = start(['dashboard', runs, '--port', '0']);
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.on('close', () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect(stdout).toMatch(/^dashboard of .*runs \(3 runs so far\) at http/);
    expect(await getJson(`${url}api/runs`)).toEqual([{ id: 'csv-a' }, { id: 'csv-b' }, { id: 'csv-c' }]);
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('a missing folder is a usage error', async () => {
    const r = await run(['dashboard', path.join(tmp, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nodegrad: error: Expected a runs folder for <runs-folder> but received ".*nope" \(not found\)\n$/);
  });
});

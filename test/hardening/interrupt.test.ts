/**
 * Interruption: SIGINT / SIGTERM during `nodegrad train` (spawned) finish the step, write a
 * checkpoint atomically, exit 130 and print the command that resumes; that command continues
 * from the checkpoint; a second signal exits at once and leaves no broken file. fit() honours
 * an AbortSignal the same way (in process).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { CLI, ensureDist } from '../cli/ensure-dist';
import { resumeCommand } from '../../lib/cli/interrupt';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-interrupt-'));
const csv = path.join(tmp, 'data.csv');

interface Run { child: ChildProcess; stdout: string; stderr: string; done: Promise<{ code: number | null; signal: string | null }> }

function start(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, stdout: '', stderr: '' } as Run;
  child.stdout!.on('data', (d) => { run.stdout += d; });
  child.stderr!.on('data', (d) => { run.stderr += d; });
  run.done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return run;
}

/** Resolves once stdout matches re (the run is inside fit, with the signal handlers installed). */
async function waitFor(run: Run, re: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const m = run.stdout.match(re);
    if (m) return m;
    if (run.child.exitCode !== null) throw new Error(`exited early: ${run.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  await ensureDist();
  const rng = new ng.Rng(5);
  const rows = ['a,b,y'];
  for (let i = 0; i < 300; i++) {
    const a = rng.normal();
    const b = rng.normal();
    rows.push(`${a.toFixed(4)},${b.toFixed(4)},${a - b > 0 ? 'up' : 'down'}`);
  }
  fs.writeFileSync(csv, rows.join('\n') + '\n');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const baseArgs = (out: string) => ['train', '--data', csv, '--target', 'y', '--layers', '8', '--epochs', '100000', '--out', out];

describe('nodegrad train interrupted', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: finishes the step, writes a checkpoint, exits 130 with the resume command; the command resumes`, async () => {
      const out = path.join(tmp, `run-${sig}`);
      const run = start(baseArgs(out));
      await waitFor(run, /Epoch 2\/100000/);
      run.child.kill(sig);
      const res = await run.done;
      expect(res).toEqual({ code: 130, signal: null });
      const checkpoint = path.join(out, 'checkpoint.safetensors');
      const command = resumeCommand(baseArgs(out), checkpoint);
      expect(run.stderr).toContain(`${sig}: finishing the current step and writing a checkpoint`);
      expect(run.stderr).toContain(`resume with: ${command}\n`);
      expect(command).toBe(`nodegrad train --data ${csv} --target y --layers 8 --epochs 100000 --out ${out} --resume ${checkpoint}`);
      const ck = await ng.io.readCheckpoint(checkpoint);
      expect(ck.epoch).toBeGreaterThanOrEqual(2);
      // no temp files, no half report (events.jsonl is the run's append-only event log)
      expect(fs.readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'events.jsonl']);

      // The printed command (with node running the CLI) continues from the checkpoint's epoch.
      const resumed = start(command.split(' ').slice(1));
      const m = await waitFor(resumed, /Epoch (\d+)\/100000/);
      expect(Number(m[1])).toBe(ck.epoch + 1);
      resumed.child.kill(sig);
      expect(await resumed.done).toEqual({ code: 130, signal: null });
      expect((await ng.io.readCheckpoint(checkpoint)).epoch).toBeGreaterThanOrEqual(ck.epoch + 1);
    });
  }

  it('a second signal exits at once (130) and leaves no broken file', async () => {
    const out = path.join(tmp, 'run-twice');
    const run = start(baseArgs(out));
    await waitFor(run, /Epoch 1\/100000/);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const res = await run.done;
    expect(res).toEqual({ code: 130, signal: null });
    // Either the second signal came before the checkpoint was renamed into place (no file) or
    // after (a complete, readable checkpoint); never a partial file.
    const files = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => !f.startsWith('.') && f !== 'events.jsonl') : [];
    for (const f of files) expect(f).toBe('checkpoint.safetensors');
    if (files.length) expect((await ng.io.readCheckpoint(path.join(out, files[0]))).epoch).toBeGreaterThanOrEqual(1);
  });

  it('--resume with a missing file is a usage error', async () => {
    const run = start([...baseArgs(path.join(tmp, 'x')), '--resume', path.join(tmp, 'nope.safetensors')]);
    const res = await run.done;
    expect(res.code).toBe(2);
    expect(run.stderr).toContain('Expected an existing checkpoint for --resume but received');
  });
});

describe('fit() with an AbortSignal', () => {
  it('finishes the current step, resolves, and a checkpoint taken then resumes to the end', async () => {
    ng.setSeed(1);
    const x = ng.randn([64, 3]);
    const y = ng.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 2), { dtype: 'int32' });
    const model = new ng.nn.Sequential(new ng.nn.Linear(3, 4), new ng.nn.ReLU(), new ng.nn.Linear(4, 2));
    const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01 });
    const ac = new AbortController();
    let begun = 0;
    let ended = 0;
    const counter: ng.Callback = {
      onBatchBegin: () => { begun++; },
      onBatchEnd: (step: number) => { ended++; if (step === 3 && ended > 8) ac.abort(); },
    };
    const history = await trainer.fit([x, y], { epochs: 10, batchSize: 8, shuffle: false, verbose: 0, callbacks: [counter], signal: ac.signal });
    expect([begun, ended]).toEqual([12, 12]); // epoch 0 (8 steps) + 4 steps of epoch 1, each finished
    expect(history.epoch).toEqual([0]);
    const ckFile = path.join(tmp, 'abort.safetensors');
    await trainer.saveCheckpoint(ckFile);
    const model2 = new ng.nn.Sequential(new ng.nn.Linear(3, 4), new ng.nn.ReLU(), new ng.nn.Linear(4, 2));
    const trainer2 = new ng.Trainer({ model: model2, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01 });
    const rest = await trainer2.fit([x, y], { epochs: 10, batchSize: 8, shuffle: false, verbose: 0, resumeFrom: ckFile });
    expect(rest.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    x.dispose(); y.dispose();
  });

  it('an already-aborted signal runs no step', async () => {
    const x = ng.randn([16, 3]);
    const y = ng.randn([16, 1]);
    const model = new ng.nn.Linear(3, 1);
    const before = Array.from(model.parameters()[0].data);
    const trainer = new ng.Trainer({ model, loss: 'mse' });
    const h = await trainer.fit([x, y], { epochs: 3, verbose: 0, signal: AbortSignal.abort() });
    expect(h.epoch).toEqual([]);
    expect(Array.from(model.parameters()[0].data)).toEqual(before);
    x.dispose(); y.dispose();
  });
});

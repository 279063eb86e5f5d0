import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { blobs as sharedBlobs } from '../helpers/blobs';
import {
  DashboardServer, RunTail, histogram, libraryFile, readEventLog, type RunEvent,
} from '../../lib/train/dashboard';
import { stepLine } from '../../lib/train/dashboard/events';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-dashboard-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const blobs = (n: number, seed: number) => sharedBlobs(n, seed, 2.5);

function classifier() {
  ng.setSeed(5);
  const model = new ng.nn.Sequential(new ng.nn.Linear(4, 8), new ng.nn.ReLU(), new ng.nn.Linear(8, 3));
  return new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['accuracy'], lr: 0.02 });
}

const warnings: string[] = [];
const warn = (m: string) => { warnings.push(m); };

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
  });
}

/** A raw request (http.get would normalize '..' away). */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (c) => { out += c.toString(); });
    s.on('end', () => resolve(out.split('\r\n')[0]));
    s.on('error', reject);
  });
}

describe('event log', () => {
  it('records config, model summary, steps, epochs, histograms, the confusion matrix and the end', async () => {
    const { x, y, raw } = blobs(90, 1);
    const trainer = classifier();
    const dir = path.join(tmp, 'log1');
    const cb = ng.callbacks.eventLog(dir, { histogramEvery: 4, labels: ['a', 'b', 'c'], config: { note: 'blobs' }, warn });
    await trainer.fit([x, y], { epochs: 2, batchSize: 16, validationSplit: 0.2, callbacks: [cb], verbose: 0 });
    const events = readEventLog(cb.file, warn);
    const types = events.map((e) => e.t);
    expect(types.slice(0, 3)).toEqual(['start', 'config', 'summary']);
    expect(types[types.length - 1]).toBe('end');

    const config = events[1] as Extract<RunEvent, { t: 'config' }>;
    expect(config.config).toMatchObject({ loss: 'crossEntropy', optimizer: 'Adam', lr: 0.02, metrics: ['accuracy'], note: 'blobs' });
    const summary = events[2] as Extract<RunEvent, { t: 'summary' }>;
    expect(summary.total).toBe(4 * 8 + 8 + 8 * 3 + 3);
    expect(summary.layers.map((l) => [l.name, l.type, l.params])).toEqual([['0', 'Linear', 40], ['1', 'ReLU', 0], ['2', 'Linear', 27]]);

    // 72 training rows in batches of 16: 5 steps per epoch, numbered across epochs.
    const steps = events.filter((e): e is Extract<RunEvent, { t: 'step' }> => e.t === 'step');
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(steps.map((s) => s.epoch)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    for (const s of steps) {
      expect(Object.keys(s.s).sort()).toEqual(['accuracy', 'loss', 'lr', 'memory_mb', 'samples_per_s', 'step_ms', 'tensor_mb']);
      expect(s.s.lr).toBe(0.02);
      expect(s.s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.s.accuracy).toBeLessThanOrEqual(1);
      expect(s.s.samples_per_s).toBeGreaterThan(0);
      expect(s.s.memory_mb).toBeGreaterThan(1);
    }
    // The first step's loss is the trainer's first batch loss: near ln 3 for an untrained 3-class model.
    expect(steps[0].s.loss).toBeGreaterThan(0.5);

    const epochs = events.filter((e): e is Extract<RunEvent, { t: 'epoch' }> => e.t === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(Object.keys(epochs[1].s)).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'epoch_s']));

    const hists = events.filter((e): e is Extract<RunEvent, { t: 'hist' }> => e.t === 'hist');
    expect(hists.map((h) => h.step)).toEqual([0, 4, 8]);
    const names = hists[0].tensors.map((t) => `${t.name}:${t.kind}`);
    expect(names).toEqual(['0.weight:weight', '0.weight:grad', '0.bias:weight', '0.bias:grad', '2.weight:weight', '2.weight:grad',
      '2.bias:weight', '2.bias:grad']);
    for (const t of hists[0].tensors) {
      const n = t.name.endsWith('weight') ? (t.name.startsWith('0') ? 32 : 24) : (t.name.startsWith('0') ? 8 : 3);
      expect(t.counts.reduce((a, b) => a + b, 0)).toBe(n);
    }

    // One confusion matrix per validation; it matches one computed from the trainer's predictions.
    const evals = events.filter((e): e is Extract<RunEvent, { t: 'eval' }> => e.t === 'eval');
    expect(evals.map((e) => e.epoch)).toEqual([0, 1]);
    const last = evals[1];
    expect(last.labels).toEqual(['a', 'b', 'c']);
    const valX = ng.fromArray(raw.x.slice(72 * 4), [18, 4]);
    const valY = ng.fromArray(raw.y.slice(72), [18], { dtype: 'int32' });
    const pred = trainer.predict(valX);
    expect(last.cm).toEqual(ng.metrics.confusionMatrix(valY, pred, { numClasses: 3 }));
    expect(last.cm.flat().reduce((a, b) => a + b, 0)).toBe(18);
    expect(last.classes.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(last.accuracy).toBeCloseTo(epochs[1].s.val_accuracy, 6);
    for (const t of [pred, valX, valY]) t.dispose();

    const end = events[events.length - 1] as Extract<RunEvent, { t: 'end' }>;
    expect(end.status).toBe('finished');
    expect(end.logs.val_loss).toBe(epochs[1].s.val_loss);
    const o = cb.overhead();
    expect(o.stepMs).toBeGreaterThan(0);
    expect(o.ms).toBeGreaterThan(0);
  });

  it('appends: a second run in the same folder adds a new start; append() adds final metrics after fit', async () => {
    const { x, y } = blobs(30, 2);
    const dir = path.join(tmp, 'log2');
    for (let i = 0; i < 2; i++) {
      const cb = ng.callbacks.eventLog(dir, { histogramEvery: 0 });
      await classifier().fit([x, y], { epochs: 1, batchSize: 10, callbacks: [cb], verbose: 0 });
      cb.append({ t: 'final', metrics: { test_accuracy: 0.5 + i } });
    }
    const events = readEventLog(path.join(dir, 'events.jsonl'), warn);
    expect(events.filter((e) => e.t === 'start')).toHaveLength(2);
    expect(events.filter((e) => e.t === 'hist')).toHaveLength(0);
    expect(events.filter((e) => e.t === 'final').map((e) => (e as Extract<RunEvent, { t: 'final' }>).metrics.test_accuracy)).toEqual([0.5, 1.5]);
  });

  it('a fit() that throws still gets its recorded steps written (no end event), and the callback can be reused', async () => {
    const { x, y } = blobs(60, 7);
    const dir = path.join(tmp, 'log3');
    const cb = ng.callbacks.eventLog(dir, { histogramEvery: 0, flushMs: 20 });
    const boom = ng.callbacks.lambda({ onBatchEnd: (step) => { if (step === 3) throw new Error('boom'); } });
    await expect(classifier().fit([x, y], { epochs: 1, batchSize: 10, callbacks: [cb, boom], verbose: 0 })).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 200));
    const events = readEventLog(cb.file, warn);
    expect(events.filter((e) => e.t === 'step').map((e) => (e as Extract<RunEvent, { t: 'step' }>).step)).toEqual([0, 1, 2, 3]);
    expect(events.some((e) => e.t === 'end')).toBe(false);
    await classifier().fit([x, y], { epochs: 1, batchSize: 10, callbacks: [cb], verbose: 0 });
    const again = readEventLog(cb.file, warn);
    expect(again.filter((e) => e.t === 'start')).toHaveLength(2);
    expect(again[again.length - 1].t).toBe('end');
  });

  it('records every k-th step when recording would cost over 1% of the step time (empty steps here)', () => {
    const cb = ng.callbacks.eventLog(path.join(tmp, 'log4'), { histogramEvery: 0 });
    cb.onTrainBegin();
    cb.onEpochBegin(0);
    // Steps with no work in them: writing a line costs far more than 1% of nothing.
    for (let i = 0; i < 2048; i++) {
      cb.onBatchBegin();
      cb.onBatchEnd(i, { loss: 1 / (i + 1), size: 4 });
    }
    cb.onTrainEnd();
    const stride = cb.overhead().stride;
    expect(stride).toBeGreaterThanOrEqual(4);
    const steps = readEventLog(cb.file, warn).filter((e): e is Extract<RunEvent, { t: 'step' }> => e.t === 'step').map((e) => e.step);
    expect(steps.length).toBeLessThan(1024);
    expect(steps.slice(0, 256)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    // The gap between recorded steps only grows, by doubling, up to the final stride.
    const gaps = steps.slice(1).map((s, i) => s - steps[i]);
    expect(gaps.every((g, i) => (g & (g - 1)) === 0 && (i === 0 || g >= gaps[i - 1]))).toBe(true);
    expect(gaps[gaps.length - 1]).toBeLessThanOrEqual(stride);
    expect(gaps[gaps.length - 1]).toBeGreaterThanOrEqual(2);
  });

  it('histogram counts match a naive count, with non-finite values set aside', () => {
    const rng = new ng.Rng(3);
    const data = new Float32Array(1001).map(() => rng.normal());
    data[5] = NaN;
    data[6] = Infinity;
    const h = histogram('w', 'weight', data, 7);
    const finite = Array.from(data).filter(Number.isFinite);
    expect(h.nonFinite).toBe(2);
    expect(h.lo).toBe(Math.min(...finite));
    expect(h.hi).toBe(Math.max(...finite));
    const naive = new Array(7).fill(0);
    for (const v of finite) naive[Math.min(6, Math.floor(((v - h.lo) / (h.hi - h.lo)) * 7))]++;
    expect(h.counts).toEqual(naive);
    // Constant and empty arrays.
    expect(histogram('c', 'grad', new Float32Array(5).fill(2), 3).counts).toEqual([5, 0, 0]);
    expect(histogram('e', 'grad', new Float32Array(0), 3)).toMatchObject({ lo: 0, hi: 0, counts: [0, 0, 0] });
    // Sampled: 100000 values with at most 1000 read, with a stride of 100.
    expect(histogram('s', 'weight', new Float32Array(100000).fill(1), 4, 1000).counts).toEqual([1000, 0, 0, 0]);
  });

  it('step lines are the JSON of the step event, non-finite values as strings', () => {
    const s = { loss: 0.25, accuracy: NaN, 'odd "key"': -Infinity, lr: 1e-7 };
    expect(JSON.parse(stepLine(3, 1, s))).toEqual({ t: 'step', step: 3, epoch: 1, s: { loss: 0.25, accuracy: 'NaN', 'odd "key"': '-Infinity', lr: 1e-7 } });
  });

  it('reading skips bad lines and a truncated last line with a warning, and follows a growing file', () => {
    const file = path.join(tmp, 'tail.jsonl');
    fs.writeFileSync(file, '{"t":"start","time":"x","name":"r"}\nnot json\n{"x":1}\n{"t":"step","step":0,"epoch":0,"s":{"loss":1}}\n{"t":"step","st');
    const seen: string[] = [];
    const tail = new RunTail(file, (m) => seen.push(m));
    // The unfinished line may still be written: not read yet, not warned about.
    expect(tail.read().map((e) => e.t)).toEqual(['start', 'step']);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/skipped a bad line .*tail\.jsonl.*not JSON/);
    expect(seen[1]).toMatch(/not a run event/);
    fs.appendFileSync(file, 'ep":1,"epoch":0,"s":{"loss":0.5}}\n{"t":"end","time":"y","status":"finished","logs":{}}\n{"t":"ep');
    const more = tail.read();
    expect(more.map((e) => e.t)).toEqual(['step', 'end']);
    expect((more[0] as Extract<RunEvent, { t: 'step' }>).s.loss).toBe(0.5);
    // The run ended and the file stopped growing: the cut line is skipped with a warning.
    expect(tail.read()).toEqual([]);
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatch(/not JSON: "\{\\"t\\":\\"ep"/);
    expect(readEventLog(file, () => undefined).map((e) => e.t)).toEqual(['start', 'step', 'step', 'end']);
  });

  it('fit passes running metrics and the batch size to callbacks that ask (batchMetrics)', async () => {
    const { x, y } = blobs(40, 4);
    const plain: string[][] = [];
    const asking: Record<string, number>[] = [];
    const cbPlain = ng.callbacks.lambda({ onBatchEnd: (_s, logs) => { plain.push(Object.keys(logs)); } });
    const cbAsk = Object.assign(ng.callbacks.lambda({ onBatchEnd: (_s, logs) => { asking.push({ ...logs }); } }), { batchMetrics: true });
    await classifier().fit([x, y], { epochs: 1, batchSize: 16, shuffle: false, callbacks: [cbPlain, cbAsk], verbose: 0 });
    expect(asking.map((l) => l.size)).toEqual([16, 16, 8]);
    expect(Object.keys(asking[0]).sort()).toEqual(['accuracy', 'loss', 'size']);
    // A running metric: the epoch-to-date accuracy, which ends as the epoch's.
    const h = await classifier().fit([x, y], { epochs: 1, batchSize: 16, shuffle: false, callbacks: [cbAsk], verbose: 0 });
    expect(asking[asking.length - 1].accuracy).toBeCloseTo(h.history.accuracy[0], 6);
    // Without a callback that asks, batch logs keep to the loss and the batch size.
    await classifier().fit([x, y], { epochs: 1, batchSize: 16, shuffle: false, callbacks: [cbPlain], verbose: 0 });
    expect(plain[plain.length - 1].sort()).toEqual(['loss', 'size']);
  });

  it('rejects bad options with the argument named', () => {
    expect(() => ng.callbacks.eventLog(3 as unknown as string)).toThrow(/Expected string for dir but received 3/);
    expect(() => ng.callbacks.eventLog(tmp, { histogramEvery: -1 })).toThrow(/histogramEvery/);
    expect(() => ng.callbacks.eventLog(tmp, { labels: [1] as unknown as string[] })).toThrow(/Expected array of strings for labels/);
    expect(() => ng.callbacks.dashboard({ port: 70000 })).toThrow(/port/);
    expect(() => ng.callbacks.dashboard({ port: 1.5 })).toThrow(/port/);
    expect(() => ng.callbacks.dashboard({ runsDir: tmp, run: '../outside' })).toThrow(/Expected folder name inside runsDir for run but received "..\/outside"/);
    expect(() => ng.callbacks.dashboard({ onListen: 'x' as unknown as () => void })).toThrow(/Expected function for onListen/);
    expect(() => new DashboardServer(5 as unknown as string)).toThrow(/Expected folder path \(string\) for root but received 5/);
  });
});

describe('dashboard server', () => {
  it('serves the page, the installed vega builds, runs by id only, and streams new events', async () => {
    const root = path.join(tmp, 'runs1');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.mkdirSync(path.join(root, 'nested', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'events.jsonl'), '{"t":"start","time":"t","name":"a"}\n');
    fs.writeFileSync(path.join(root, 'nested', 'b', 'events.jsonl'), '{"t":"start","time":"t","name":"b"}\n');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    const server = new DashboardServer(root, { warn, pollMs: 20 });
    const url = await server.listen(0);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const port = Number(new URL(url).port);
      const page = await get(url);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<script src="/assets/vega-embed.min.js">');
      expect(page.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      for (const lib of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) {
        const r = await get(`${url}assets/${lib}`);
        expect(r.status).toBe(200);
        expect(r.type).toContain('javascript');
        expect(Buffer.byteLength(r.body)).toBe(fs.statSync(libraryFile(lib)).size);
      }
      expect((await get(`${url}assets/app.js`)).body).toContain('EventSource');
      expect(JSON.parse((await get(`${url}api/runs`)).body)).toEqual([{ id: 'a' }, { id: 'nested/b' }]);
      expect(JSON.parse((await get(`${url}api/runs/nested/b/events`)).body)).toEqual([{ t: 'start', time: 't', name: 'b' }]);

      // Nothing outside the runs folder, nor any file but a run's log, is reachable.
      for (const target of ['/api/runs/../secret.txt', '/api/runs/..%2Fsecret.txt/events', '/api/runs/%2e%2e/events',
        '/api/runs/a/../../secret.txt/events', '/assets/../../secret.txt', '/api/runs/nested/events', '/a/events.jsonl']) {
        expect(await rawGet(port, target), target).toMatch(/^HTTP\/1\.1 (404|400)/);
      }
      // A page on another origin cannot read it through DNS rebinding.
      expect((await get(url, { Host: 'evil.example:80' })).status).toBe(403);

      // The stream: a snapshot, then new lines as they are appended.
      const got: string[] = [];
      const done = new Promise<void>((resolve) => {
        http.get(`${url}api/stream`, (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            got.push(c);
            if (got.join('').includes('"loss":0.75')) {
              res.destroy();
              resolve();
            }
          });
        });
      });
      await new Promise((r) => setTimeout(r, 50));
      fs.appendFileSync(path.join(root, 'a', 'events.jsonl'), '{"t":"step","step":0,"epoch":0,"s":{"loss":0.75}}\n');
      await done;
      const text = got.join('');
      expect(text).toMatch(/^retry: 1000\nevent: snapshot\ndata: \[/);
      expect(text).toContain('event: events\ndata: {"id":"a","reset":false,"events":[{"t":"step"');
    } finally {
      await server.close();
    }
  });

  it('port in use: the dashboard warns and training goes on', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const seen: string[] = [];
    const { x, y } = blobs(30, 6);
    const cb = ng.callbacks.dashboard({ port, runsDir: path.join(tmp, 'runs2'), run: 'busy', warn: (m) => seen.push(m) });
    try {
      const h = await classifier().fit([x, y], { epochs: 2, batchSize: 10, callbacks: [cb], verbose: 0 });
      expect(h.epoch).toEqual([0, 1]);
      expect(cb.url).toBeNull();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(new RegExp(`could not start the dashboard on 127\\.0\\.0\\.1:${port} \\(.*EADDRINUSE.*\\); training continues`));
      // The log is written all the same.
      expect(readEventLog(cb.file, warn).some((e) => e.t === 'end')).toBe(true);
    } finally {
      await cb.close();
      blocker.close();
    }
  });
});

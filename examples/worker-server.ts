/**
 * Training inside an HTTP server without blocking it: POST /train starts a fit() that runs on
 * a worker thread (fit({ worker: true })); GET /status reports progress; GET /ping answers at
 * once even while training. The script starts the server on 127.0.0.1, starts one training
 * run, pings the server during it to show it keeps answering, prints the worst response time,
 * and exits.
 *
 *   npx tsx examples/worker-server.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ng from '../lib';

interface Status { state: 'idle' | 'training' | 'done' | 'error'; epoch: number; logs: Record<string, number>; error?: string }

export function createServer() {
  const status: Status = { state: 'idle', epoch: 0, logs: {} };
  let model: ng.nn.Module | null = null;

  async function train(epochs: number): Promise<void> {
    status.state = 'training';
    const { train: trainSet, test } = ng.data.mnist({ trainSize: 4000, testSize: 1000, seed: 1 });
    model = new ng.nn.Sequential(new ng.nn.Linear(784, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
    const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', metrics: ['accuracy'] });
    await trainer.fit(trainSet, {
      epochs, batchSize: 64, verbose: 0, worker: true,
      callbacks: [ng.callbacks.lambda({ onEpochEnd: (epoch: number, logs: Record<string, number>) => {
        status.epoch = epoch + 1;
        status.logs = logs;
      } })],
    });
    status.logs = { ...status.logs, test_accuracy: (await trainer.evaluate(test)).accuracy };
    status.state = 'done';
  }

  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/ping') return send(200, { ok: true, time: Date.now() });
    if (req.method === 'GET' && req.url === '/status') return send(200, status);
    if (req.method === 'POST' && req.url?.startsWith('/train')) {
      if (status.state === 'training') return send(409, { error: 'already training' });
      const epochs = Number(new URL(req.url, 'http://x').searchParams.get('epochs') ?? 3);
      train(epochs).catch((e: Error) => { status.state = 'error'; status.error = e.message; });
      return send(202, { started: true, epochs });
    }
    return send(404, { error: 'not found' });
  });
  return { server, status };
}

function request(port: number, method: string, path: string): Promise<{ ms: number; body: any }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ ms: performance.now() - t0, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function run(opts: { epochs?: number; log?: (s: string) => void } = {}) {
  const log = opts.log ?? ((s: string) => console.log(s));
  const { server, status } = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  log(`server on http://127.0.0.1:${port}`);
  await request(port, 'POST', `/train?epochs=${opts.epochs ?? 3}`);
  let worst = 0;
  let pings = 0;
  while (status.state === 'training' || status.state === 'idle') {
    const { ms } = await request(port, 'GET', '/ping');
    worst = Math.max(worst, ms);
    pings++;
    await new Promise((r) => setTimeout(r, 20));
  }
  const final = (await request(port, 'GET', '/status')).body as Status;
  log(`training ${final.state}: ${final.epoch} epochs, loss ${final.logs.loss?.toFixed(4)}, test accuracy ${((final.logs.test_accuracy ?? NaN) * 100).toFixed(1)}%`);
  log(`${pings} pings answered during training, slowest ${worst.toFixed(1)} ms`);
  await new Promise<void>((r) => server.close(() => r()));
  return { status: final, pings, worstMs: worst };
}

if (require.main === module) run().catch((e) => { console.error(e); process.exitCode = 1; });

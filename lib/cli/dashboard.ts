/** `nodegrad dashboard <runs-folder>`, and the run recording behind `nodegrad train [--dashboard [port]]`. */
import fs from 'node:fs';
import path from 'node:path';
import { DashboardServer } from '../train/dashboard/server';
import { dashboard, eventLog, type EventLogCallback, type EventLogOptions } from '../train/dashboard/callback';
import { UsageError, intOption } from './errors';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function port(v: string | undefined, name: string): number {
  const p = intOption(v, name, 0, 6060);
  if (p > 65535) throw new UsageError(`Expected an integer from 0 to 65535 for ${name} but received "${v}"`);
  return p;
}

/**
 * The callback that records a `nodegrad train` run into <out>/events.jsonl; with --dashboard
 * (true, or a port) also a live dashboard over the folder that holds <out>.
 */
export function runRecorder(out: string, dashboardArg: string | boolean | undefined,
  opts: EventLogOptions & { onListen?: (url: string) => void }): EventLogCallback {
  const { onListen, ...logOpts } = opts;
  if (dashboardArg === undefined || dashboardArg === false) return eventLog(out, logOpts);
  const p = port(dashboardArg === true ? undefined : dashboardArg, '--dashboard');
  return dashboard({ ...logOpts, onListen, port: p, runsDir: path.dirname(out), run: path.basename(out) });
}

export async function serveDashboard(folder: string, opts: { port?: string; host?: string }): Promise<void> {
  const root = path.resolve(folder);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new UsageError(`Expected a runs folder for <runs-folder> but received "${folder}" (${fs.existsSync(root) ? 'not a folder' : 'not found'})`);
  }
  const host = opts.host ?? '127.0.0.1';
  const server = new DashboardServer(root);
  let url: string;
  try {
    url = await server.listen(port(opts.port, '--port'), host);
  } catch (err) {
    await server.close();
    throw new UsageError(`Expected a free port for --port but ${host}:${opts.port ?? 6060} failed: ${(err as Error).message}`);
  }
  if (!LOOPBACK.has(host)) process.stderr.write(`nodegrad dashboard: warning: listening on ${host}, reachable from other machines\n`);
  const runs = server.runIds();
  process.stdout.write(`dashboard of ${root} (${runs.length} run${runs.length === 1 ? '' : 's'} so far) at ${url}\nCtrl+C to stop\n`);
  // The server does not hold the process open by itself: wait for a signal.
  await new Promise<void>((resolve) => {
    const keep = setInterval(() => undefined, 1 << 30);
    const stop = () => {
      clearInterval(keep);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
}

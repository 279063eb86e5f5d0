/**
 * The dashboard server: Node's http, one page, its scripts (vega, vega-lite and vega-embed
 * served from their installed packages, so the page works offline), a JSON API over the runs
 * folder and a Server-Sent Events stream that pushes new log events as runs append them.
 *
 * Only run folders found under the root are served, by id (their path relative to the root);
 * no request path reaches the file system. Requests must name this machine in their Host
 * header (a page elsewhere cannot reach the server through DNS rebinding).
 */
import fs from 'node:fs';
import type http from 'node:http';
import { lazyModule } from '../../core/lazy';

// Loaded by the first server, not with the package (see lib/core/lazy.ts).
const httpModule = lazyModule(() => require('node:http') as typeof import('node:http'));
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { EVENT_LOG_NAME, RunTail, type LogWarning, type RunEvent } from './events';
import { PAGE_HTML, PAGE_JS, PAGE_CSS } from './page';
import { describe, expected } from '../../core/validate';

interface Run {
  id: string;
  tail: RunTail;
  events: RunEvent[];
}

/**
 * Library scripts: URL name -> [package, its resolved entry, file next to that entry]. The
 * require.resolve calls are spelled out so the dependency scan (test/package) sees each package.
 */
const LIBRARIES: Record<string, [string, () => string, string]> = {
  'vega.min.js': ['vega', () => require.resolve('vega'), 'vega.min.js'],
  'vega-lite.min.js': ['vega-lite', () => require.resolve('vega-lite'), 'vega-lite.min.js'],
  'vega-embed.min.js': ['vega-embed', () => require.resolve('vega-embed'), 'vega-embed.min.js'],
};

/** Finds a library's browser build in the installed package (throws naming it when missing). */
export function libraryFile(name: string): string {
  const lib = LIBRARIES[name];
  if (!lib) throw new RangeError(`Expected one of ${Object.keys(LIBRARIES).join(', ')} for library but received "${name}"`);
  const file = path.join(path.dirname(lib[1]()), lib[2]);
  if (!fs.existsSync(file)) throw new Error(`Expected the browser build ${file} of the installed ${lib[0]} package, but it is missing`);
  return file;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  // Scripts from this server only, and no eval (the page runs vega with its expression interpreter).
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export interface DashboardServerOptions {
  warn?: LogWarning;
  /** How often run logs are checked for new lines (default 200 ms). */
  pollMs?: number;
  /** How deep below the root run folders are looked for (default 2). */
  depth?: number;
}

export class DashboardServer {
  readonly root: string;
  private readonly runs = new Map<string, Run>();
  private readonly clients = new Set<http.ServerResponse>();
  private readonly server: http.Server;
  private timer: NodeJS.Timeout | null = null;
  private readonly warn: LogWarning;
  private readonly pollMs: number;
  private readonly depth: number;
  private lastScan = 0;
  private host = '127.0.0.1';
  private port = 0;

  constructor(root: string, opts: DashboardServerOptions = {}) {
    if (typeof root !== 'string') throw new TypeError(expected('folder path (string)', 'root', describe(root)));
    this.root = path.resolve(root);
    this.warn = opts.warn ?? ((m) => process.stderr.write(`nodegrad dashboard: ${m}\n`));
    this.pollMs = opts.pollMs ?? 200;
    this.depth = opts.depth ?? 2;
    this.server = httpModule().createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (err) {
        this.warn(`request failed: ${(err as Error).message}`);
        if (!res.headersSent) this.send(res, 500, 'text/plain', 'internal error');
        else res.end();
      }
    });
  }

  /** Starts listening; resolves with the page's URL. Rejects (port in use, ...) without side effects. */
  listen(port: number, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.warn(`server error: ${err.message}`));
        this.server.unref();
        this.host = host;
        this.port = (this.server.address() as AddressInfo).port;
        this.poll();
        this.timer = setInterval(() => this.poll(), this.pollMs);
        this.timer.unref();
        const shown = host.includes(':') ? `[${host}]` : host;
        resolve(`http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${this.port}/`);
      });
    });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    if (!this.server.listening) return;
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Run ids found under the root (relative paths; '.' for a log in the root itself). */
  runIds(): string[] {
    return [...this.runs.keys()];
  }

  private scan(): void {
    const found: string[] = [];
    const visit = (dir: string, level: number): void => {
      if (fs.existsSync(path.join(dir, EVENT_LOG_NAME))) found.push(dir);
      if (level >= this.depth) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      // Real folders only: a symlink could lead out of the root.
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') visit(path.join(dir, e.name), level + 1);
    };
    visit(this.root, 0);
    let changed = false;
    for (const dir of found) {
      const id = path.relative(this.root, dir).split(path.sep).join('/') || '.';
      if (!this.runs.has(id)) {
        this.runs.set(id, { id, tail: new RunTail(path.join(dir, EVENT_LOG_NAME), this.warn), events: [] });
        changed = true;
      }
    }
    if (changed) this.broadcast('runs', this.runList());
  }

  private poll(): void {
    const now = performance.now();
    if (now - this.lastScan >= 1000 || this.runs.size === 0) {
      this.lastScan = now;
      this.scan();
    }
    for (const run of this.runs.values()) {
      const fresh = run.tail.read();
      if (fresh.length === 0) continue;
      // A new start in the same folder (a rerun) replaces what the page shows; the file keeps both.
      const restart = fresh.findIndex((e) => e.t === 'start');
      if (restart >= 0) run.events = [];
      run.events.push(...fresh);
      this.broadcast('events', { id: run.id, reset: restart >= 0, events: fresh.slice(restart >= 0 ? restart : 0) });
    }
  }

  private runList(): { id: string }[] {
    return [...this.runs.keys()].map((id) => ({ id }));
  }

  private broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const msg = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) c.write(msg);
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS });
    res.end(body);
  }

  private hostAllowed(hostHeader: string | undefined): boolean {
    // Listening on every interface was asked for explicitly: any name of this machine will do.
    if (this.host === '0.0.0.0' || this.host === '::') return true;
    if (!hostHeader) return false;
    const name = hostHeader.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
    return name === 'localhost' || name === '127.0.0.1' || name === '::1' || name === this.host.toLowerCase();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, 405, 'text/plain', 'method not allowed');
    if (!this.hostAllowed(req.headers.host)) return this.send(res, 403, 'text/plain', 'forbidden host');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return this.send(res, 400, 'text/plain', 'bad request');
    }
    if (pathname === '/' || pathname === '/index.html') return this.send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (pathname === '/assets/app.js') return this.send(res, 200, 'text/javascript; charset=utf-8', PAGE_JS);
    if (pathname === '/assets/style.css') return this.send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
    const lib = /^\/assets\/([a-z-]+\.min\.js)$/.exec(pathname);
    if (lib && LIBRARIES[lib[1]]) return this.send(res, 200, 'text/javascript; charset=utf-8', fs.readFileSync(libraryFile(lib[1])));
    if (pathname === '/favicon.ico') return this.send(res, 204, 'text/plain', '');
    if (pathname === '/api/runs') return this.send(res, 200, 'application/json', JSON.stringify(this.runList()));
    if (pathname.startsWith('/api/runs/')) return this.runEvents(pathname.slice('/api/runs/'.length), res);
    if (pathname === '/api/stream') return this.stream(req, res);
    return this.send(res, 404, 'text/plain', 'not found');
  }

  /** Events of one run: its id must be a run found under the root (never a path to open). */
  private runEvents(rest: string, res: http.ServerResponse): void {
    const m = /^(.*)\/events$/.exec(rest);
    const id = m ? m[1] : '';
    const resolved = path.resolve(this.root, id);
    const inside = resolved === this.root || resolved.startsWith(this.root + path.sep);
    const run = inside ? this.runs.get(id) : undefined;
    if (!run) return this.send(res, 404, 'application/json', JSON.stringify({ error: 'no such run' }));
    return this.send(res, 200, 'application/json', JSON.stringify(run.events));
  }

  private stream(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', ...SECURITY_HEADERS });
    // An open page does not keep a finished training script alive.
    req.socket.unref();
    req.socket.setNoDelay(true);
    const snapshot = [...this.runs.values()].map((r) => ({ id: r.id, events: r.events }));
    res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('error', drop);
  }
}

/**
 * The dashboard in a real browser: Debian's chromium (or CHROMIUM_PATH) driven headless by
 * puppeteer-core. Skipped, with a message, when no browser is installed. Screenshots go to
 * test-output/dashboard/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import * as ng from '../../lib';
import { blobs as sharedBlobs } from '../helpers/blobs';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .filter((p): p is string => typeof p === 'string' && p !== '');
const browserPath = CANDIDATES.find((p) => fs.existsSync(p));
if (!browserPath) {
  process.stderr.write('dashboard browser tests skipped: no chromium found (apt-get install chromium, or set CHROMIUM_PATH)\n');
}

const SHOTS = path.join(__dirname, '..', '..', 'test-output', 'dashboard');
const HOSTILE = '<img src=x onerror=alert(1)>';

const blobs = (n: number, seed: number) => sharedBlobs(n, seed, 2);

function trainer(seed: number) {
  ng.setSeed(seed);
  const model = new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3));
  return new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['accuracy'], lr: 0.01 });
}

/** Waits a few ms in each step, so a short fit() lasts long enough to be watched. */
const slow = (ms: number) => ng.callbacks.lambda({ onBatchEnd: () => new Promise<void>((r) => setTimeout(r, ms)) });

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) { if (process.env.DASH_DEBUG) console.log(what, Date.now() - t0); return v; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!browserPath)('dashboard in chromium', () => {
  let browser: Browser;
  let page: Page;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-dashboard-browser-'));
  const runsDir = path.join(tmp, 'runs');
  const dash = ng.callbacks.dashboard({ port: 0, runsDir, run: 'first', histogramEvery: 10, labels: ['red', 'green', 'blue'],
    config: { note: '<script>alert("config")</script>' }, onListen: () => undefined });
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const puppeteer = (await import('puppeteer-core')).default;
    // Chromium runs without the ASan runtime npm run test:sanitize preloads for node (it is not
    // ours to instrument, and it does not start with it).
    const { LD_PRELOAD: _preload, ...browserEnv } = process.env;
    browser = await puppeteer.launch({ executablePath: browserPath, headless: true, env: browserEnv,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('request', (r) => requests.push(r.url()));
    // The page runs under a CSP without 'unsafe-eval': anything it blocks is a failure.
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text()); });
  });

  let stopLive = () => {};
  afterEach(() => stopLive());
  afterAll(async () => {
    await browser?.close();
    await dash.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const points = () => page.$eval('#steps-chart', (d) => Number((d as HTMLElement).dataset.points ?? 0));
  const lastStep = () => page.$eval('#steps-chart', (d) => Number((d as HTMLElement).dataset.lastStep ?? -1));

  it('loads the page and shows the live chart gaining points while fit() runs', async () => {
    const { x, y } = blobs(240, 1);
    let fitDone = false;
    // Trains until the test has seen the chart grow, then stops like early stopping does (the
    // epoch budget is out of reach, so a slow browser on a loaded machine cannot outlast fit()).
    const t = trainer(1);
    stopLive = () => { t.stopTraining = true; };  // also on failure (afterEach)
    let stop = false;
    const stopper = ng.callbacks.lambda({ onEpochEnd: () => { if (stop) t.stopTraining = true; } });
    const fit = t.fit([x, y], { epochs: 1_000_000, batchSize: 16, validationSplit: 0.25, callbacks: [dash, slow(5), stopper], verbose: 0 })
      .then((h) => { fitDone = true; return h; });
    const url = await until('the server', async () => dash.url);
    await page.goto(url, { waitUntil: 'load' });
    expect(await page.title()).toBe('nodegrad dashboard');
    await until('a first chart point', async () => (await points()) > 0);
    const first = await lastStep();
    const later = await until('later steps in the chart', async () => {
      const n = await lastStep();
      return n > first ? n : null;
    });
    // The chart gained points while training was still going on: live, not from the finished log.
    expect(fitDone).toBe(false);
    expect(later).toBeGreaterThan(first);
    expect(await points()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'live.png') });
    stop = true;
    const history = await fit;
    expect(history.epoch.length).toBeLessThan(1_000_000);
    // Ended: the run's status, the confusion matrix (classes by name) and the final logs.
    await until('the stopped status', async () => (await page.$eval('#detail-status', (e) => e.textContent)) === 'stopped');
    await until('the confusion matrix', async () => (await page.$$('#cm-chart svg')).length > 0);
    const cmText = await page.$eval('#cm-chart svg', (e) => e.textContent ?? '');
    expect(cmText).toContain('red');
    expect(cmText).toContain('blue');
    const classRows = await page.$$eval('#class-table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect(classRows).toEqual(['red', 'green', 'blue', 'accuracy']);
    const layers = await page.$$eval('#summary-table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect(layers).toEqual(['0', '1', '2', 'total']);
    await until('the histograms', async () => (await page.$$('#hist-chart svg')).length > 0);
    await until('the epoch chart', async () => Number(await page.$eval('#epochs-chart', (d) => (d as HTMLElement).dataset.points ?? 0)) > 0);
    // The page asked nothing of any other server.
    const origin = new URL(url).origin;
    expect(requests.filter((r) => !r.startsWith(origin))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('lists a second run as it starts, and overlays its curve', async () => {
    const { x, y } = blobs(120, 2);
    const second = ng.callbacks.eventLog(path.join(runsDir, 'second'), { histogramEvery: 0 });
    await trainer(2).fit([x, y], { epochs: 3, batchSize: 16, validationSplit: 0.25, callbacks: [second], verbose: 0 });
    await until('the second run in the list', async () =>
      (await page.$$eval('#run-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.run))).includes('second'));
    const names = await page.$$eval('#run-list li button', (bs) => bs.map((b) => b.textContent));
    expect(names).toEqual(['first', 'second']);
    // Both runs in the step chart's legend.
    await until('both runs in the legend', async () => {
      const t = await page.$eval('#steps-chart svg', (e) => e.textContent ?? '');
      return t.includes('first') && t.includes('second');
    });
    await page.screenshot({ path: path.join(SHOTS, 'two-runs.png'), fullPage: true });
  });

  it('renders a hostile run name and config as text', async () => {
    const { x, y } = blobs(60, 3);
    const hostile = ng.callbacks.eventLog(path.join(runsDir, HOSTILE), { name: `<b id="bold">${HOSTILE}</b>`, histogramEvery: 0,
      config: { note: '<img src=y onerror=alert(2)>' } });
    await trainer(3).fit([x, y], { epochs: 1, batchSize: 16, callbacks: [hostile], verbose: 0 });
    await until('the hostile run in the list', async () =>
      (await page.$$eval('#run-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.run))).includes(HOSTILE));
    const button = await until('its button', async () => {
      const buttons = await page.$$('#run-list li button');
      for (const b of buttons) if ((await b.evaluate((e) => e.textContent ?? '')).includes('<img')) return b;
      return null;
    });
    expect(await button.evaluate((e) => e.textContent)).toBe(`<b id="bold">${HOSTILE}</b> (${HOSTILE})`);
    await button.click();
    await until('its details', async () => (await page.$eval('#detail-name', (e) => e.textContent)) === `<b id="bold">${HOSTILE}</b>`);
    expect(await page.$eval('#config', (e) => e.textContent)).toContain('<img src=y onerror=alert(2)>');
    await new Promise((r) => setTimeout(r, 500));
    // Nothing from the logs became markup, and no script ran.
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.$('#bold')).toBeNull();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'hostile.png'), fullPage: true });
  });
});

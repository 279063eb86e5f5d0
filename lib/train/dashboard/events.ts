/**
 * The run event log: one JSON object per line, appended while a run trains (events.jsonl next
 * to the model). Writers buffer lines and append them in one write at most every
 * `flushMs`; readers parse what is there, skip a bad or truncated line with a warning, and can
 * follow a growing file (RunTail).
 */
import fs from 'node:fs';
import type { Module } from '../../nn/module';

/** The file name of a run's event log inside its run folder. */
export const EVENT_LOG_NAME = 'events.jsonl';

export interface StartEvent { t: 'start'; time: string; name: string; resumed?: boolean }
export interface ConfigEvent { t: 'config'; config: Record<string, unknown> }
export interface SummaryLayer { name: string; type: string; params: number; detail: string }
export interface SummaryEvent { t: 'summary'; layers: SummaryLayer[]; total: number; text: string }
/** Scalars of one step: loss, running metrics, lr, step_ms, samples_per_s, memory_mb. */
export interface StepEvent { t: 'step'; step: number; epoch: number; s: Record<string, number> }
export interface EpochEvent { t: 'epoch'; epoch: number; s: Record<string, number> }
export interface HistogramBins { name: string; kind: 'weight' | 'grad'; lo: number; hi: number; counts: number[]; nonFinite: number }
export interface HistogramEvent { t: 'hist'; step: number; epoch: number; tensors: HistogramBins[] }
export interface ClassRow { name: string; precision: number; recall: number; f1: number; support: number }
export interface EvalEvent { t: 'eval'; epoch: number; labels: string[]; cm: number[][]; classes: ClassRow[]; accuracy: number }
export interface FinalEvent { t: 'final'; metrics: Record<string, number> }
/** recording: what writing the log cost (ms, its share of the step time, the step stride reached). */
export interface EndEvent {
  t: 'end'; time: string; status: 'finished' | 'stopped'; logs: Record<string, number>;
  recording?: { ms: number; fraction: number; stride: number };
}

export type RunEvent = StartEvent | ConfigEvent | SummaryEvent | StepEvent | EpochEvent | HistogramEvent | EvalEvent |
  FinalEvent | EndEvent;

const EVENT_TYPES = new Set(['start', 'config', 'summary', 'step', 'epoch', 'hist', 'eval', 'final', 'end']);

/** JSON with non-finite numbers kept readable (NaN, Infinity become strings instead of null). */
function numberSafe(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

const keyJson = new Map<string, string>();

/** The JSON line of a step event, built directly (the per-step path: about 3x faster than JSON.stringify with a replacer). */
export function stepLine(step: number, epoch: number, s: Record<string, number>): string {
  let out = '{"t":"step","step":' + step + ',"epoch":' + epoch + ',"s":{';
  let first = true;
  for (const k in s) {
    let kj = keyJson.get(k);
    if (kj === undefined) {
      kj = JSON.stringify(k) + ':';
      if (keyJson.size < 1000) keyJson.set(k, kj);
    }
    const v = s[k];
    out += (first ? '' : ',') + kj + (Number.isFinite(v) ? String(v) : '"' + String(v) + '"');
    first = false;
  }
  return out + '}}';
}

/**
 * Appends events to a log file. Lines are buffered and written with one append at most every
 * flushMs (and on flush/close), so a step costs a JSON.stringify and an array push. A timer
 * and a process 'exit' hook write what is left when training stops with an error.
 */
export class EventLogWriter {
  private fd: number | null;
  private buffer: string[] = [];
  private lastFlush = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();

  constructor(readonly file: string, readonly flushMs = 100) {
    this.fd = fs.openSync(file, 'a');
    this.timer = setInterval(() => {
      if (performance.now() - this.lastFlush >= this.flushMs) this.flush();
    }, Math.max(flushMs, 20));
    this.timer.unref();
    process.on('exit', this.onExit);
  }

  append(event: RunEvent): void {
    this.appendLine(JSON.stringify(event, numberSafe));
  }

  /** Appends one line of JSON made by the caller (stepLine). */
  appendLine(line: string): void {
    if (this.fd === null) return;
    this.buffer.push(line);
    if (performance.now() - this.lastFlush >= this.flushMs) this.flush();
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.fd === null || this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    fs.writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** A warning about a log line that could not be read. */
export type LogWarning = (message: string) => void;

function isEvent(v: unknown): v is RunEvent {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && EVENT_TYPES.has((v as { t?: unknown }).t as string);
}

/** Parses one line; returns null (after a warning) for a bad one. */
export function parseEventLine(line: string, where: string, warn: LogWarning): RunEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    warn(`skipped a bad line in ${where} (not JSON: ${JSON.stringify(line.slice(0, 60))}${line.length > 60 ? '...' : ''})`);
    return null;
  }
  if (!isEvent(v)) {
    warn(`skipped a line in ${where} that is not a run event (no known "t" field)`);
    return null;
  }
  return v;
}

/**
 * Follows a run's log: read() returns the events appended since the last call. A line without
 * its newline yet is left for the next read (a writer may be mid-append); when the run has
 * ended, or `final` is passed, such a truncated tail is skipped with a warning.
 */
export class RunTail {
  private offset = 0;
  private partial = '';
  private ended = false;
  private lastSize = -1;
  private grewAt = 0;

  constructor(readonly file: string, private readonly warn: LogWarning, private readonly staleMs = 5000) {}

  read(final = false): RunEvent[] {
    const out: RunEvent[] = [];
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      return out;
    }
    if (size < this.offset) {
      // Truncated or replaced: start over.
      this.offset = 0;
      this.partial = '';
    }
    if (size > this.offset) {
      const fd = fs.openSync(this.file, 'r');
      try {
        const buf = Buffer.alloc(size - this.offset);
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        this.offset += n;
        this.partial += buf.subarray(0, n).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const e = parseEventLine(line, this.file, this.warn);
      if (e) {
        if (e.t === 'end') this.ended = true;
        if (e.t === 'start') this.ended = false;
        out.push(e);
      }
    }
    const now = performance.now();
    if (size !== this.lastSize) this.grewAt = now;
    const still = size === this.lastSize;
    this.lastSize = size;
    // Unfinished after the run's end, or after staleMs without growth: the writer died mid-line.
    const stale = still && (this.ended || now - this.grewAt >= this.staleMs);
    if ((final || stale) && this.partial.trim() !== '') {
      const e = parseEventLine(this.partial, this.file, this.warn);
      if (e) out.push(e);
      this.partial = '';
    }
    return out;
  }
}

/** Reads a whole log file (bad and truncated lines skipped with a warning). */
export function readEventLog(file: string, warn: LogWarning): RunEvent[] {
  return new RunTail(file, warn).read(true);
}

/**
 * Histogram of the finite values of an array over [min, max] in `bins` equal bins. Arrays
 * longer than maxValues are sampled with an even stride (counts then cover the sample).
 */
export function histogram(name: string, kind: 'weight' | 'grad', data: Float32Array, bins = 30,
  maxValues = 32768): HistogramBins {
  const stride = Math.max(1, Math.ceil(data.length / maxValues));
  let lo = Infinity;
  let hi = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (v - v !== 0) { nonFinite++; continue; }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (lo > hi) return { name, kind, lo: 0, hi: 0, counts, nonFinite };
  const width = hi - lo;
  const scale = width > 0 ? bins / width : 0;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (v - v !== 0) continue;
    const b = Math.min(bins - 1, Math.floor((v - lo) * scale));
    counts[b]++;
  }
  return { name, kind, lo, hi, counts, nonFinite };
}

/** The model's layers (leaf modules with their parameter counts) for the summary event. */
export function modelSummary(model: Module): SummaryEvent {
  const layers: SummaryLayer[] = [];
  const walk = (m: Module, prefix: string): void => {
    const children = m.children();
    const names = [...(m as unknown as { _children: Map<string, Module> })._children.keys()];
    if (children.length === 0) {
      const params = m.parameters().reduce((s, p) => s + p.size, 0);
      const detail = m.describe('').replace(/\s+#.*$/, '');
      layers.push({ name: prefix || '(model)', type: m.constructor.name, params, detail });
      return;
    }
    const own = m.numParameters() - children.reduce((s, c) => s + c.numParameters(), 0);
    if (own > 0) layers.push({ name: prefix || '(model)', type: m.constructor.name, params: own, detail: '(own parameters)' });
    children.forEach((c, i) => walk(c, prefix ? `${prefix}.${names[i]}` : names[i]));
  };
  walk(model, '');
  return { t: 'summary', layers, total: model.numParameters(), text: model.toString() };
}

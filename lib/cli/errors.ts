/** CLI error handling: one clear line and a non-zero exit code; a stack trace only with --verbose. */
import path from 'node:path';

/** The benchmark runner of a source checkout (the npm package does not ship bench/). */
export const BENCH_SCRIPT = path.join(__dirname, '..', '..', 'bench', 'run.mjs');

/** An error in what the user asked for (bad option, missing file): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function reportError(err: unknown, verbose: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = e instanceof UsageError ? 2 : 1;
  const msg = (e.message || String(e)).split('\n')[0];
  process.stderr.write(`nodegrad: error: ${msg}\n`);
  if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}

/** Parses an integer option value, or throws a UsageError naming the option. */
export function intOption(v: string | undefined, name: string, min: number, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Expected an integer >= ${min} for ${name} but received "${v}"`);
  }
  return n;
}

/** Parses a number option value (> 0 when positive is set). */
export function numOption(v: string | undefined, name: string, def: number, range: { min?: number; max?: number; minOpen?: boolean } = {}): number {
  if (v === undefined) return def;
  const n = Number(v);
  const lo = range.min ?? -Infinity;
  const hi = range.max ?? Infinity;
  if (v.trim() === '' || !Number.isFinite(n) || (range.minOpen ? n <= lo : n < lo) || n > hi) {
    const what = range.min !== undefined ? `a number ${range.minOpen ? '>' : '>='} ${lo}${range.max !== undefined ? ` and <= ${hi}` : ''}` : 'a number';
    throw new UsageError(`Expected ${what} for ${name} but received "${v}"`);
  }
  return n;
}

/** --delimiter: one character; `\t` or `tab` for a tab (hard to type in a shell). */
export function delimiterOption(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === '\\t' || v === 'tab') return '\t';
  if (v.length !== 1) throw new UsageError(`Expected one character (or \\t / tab) for --delimiter but received "${v}"`);
  return v;
}

export function choiceOption<T extends string>(v: string | undefined, name: string, choices: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!choices.includes(v as T)) throw new UsageError(`Expected one of ${choices.join(', ')} for ${name} but received "${v}"`);
  return v as T;
}

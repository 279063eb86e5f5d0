/**
 * Argument predicates and the one message format used across nodegrad:
 *   Expected <what> for <name> but received <got>
 * e.g. "Expected positive integer for batchSize but received 1.5 of type number".
 * Every public function validates with these before calling native code.
 */

/** Describes a received value for error messages: value and type for primitives, shape for tensors. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  const t = typeof value;
  if (t === 'number') return `${String(value)} of type number`;
  if (t === 'string') {
    const s = value as string;
    return `"${s.length > 40 ? s.slice(0, 40) + '...' : s}" of type string`;
  }
  if (t === 'boolean' || t === 'bigint') return `${String(value)} of type ${t}`;
  if (t === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = (value as object).constructor?.name;
  if (ArrayBuffer.isView(value)) {
    return `${ctor} of length ${(value as unknown as { length: number }).length}`;
  }
  const shape = (value as { shape?: unknown }).shape;
  if (Array.isArray(shape)) return `${ctor ?? 'object'} of shape [${shape.join(', ')}]`;
  return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
}

/** Builds the standard message. */
export function expected(what: string, name: string, got: string): string {
  return `Expected ${what} for ${name} but received ${got}`;
}

/** Throws a TypeError in the standard format. */
export function typeError(what: string, name: string, value: unknown): never {
  throw new TypeError(expected(what, name, describe(value)));
}

/** Throws a RangeError in the standard format. */
export function rangeError(what: string, name: string, value: unknown): never {
  throw new RangeError(expected(what, name, describe(value)));
}

export const is = {
  defined: (v: unknown): boolean => v !== undefined && v !== null,
  number: (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v),
  finite: (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v),
  integer: (v: unknown): v is number => Number.isInteger(v),
  bool: (v: unknown): v is boolean => typeof v === 'boolean',
  string: (v: unknown): v is string => typeof v === 'string',
  func: (v: unknown): v is (...args: unknown[]) => unknown => typeof v === 'function',
  plainObject: (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v),
  inRange: (v: number, lo: number, hi: number): boolean => v >= lo && v <= hi,
  oneOf: <T>(v: unknown, list: readonly T[]): v is T => list.includes(v as T),
};

export function assertFinite(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number') typeError('finite number', name, v);
  if (!Number.isFinite(v)) rangeError('finite number', name, v);
}

export function assertInteger(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number') typeError('integer', name, v);
  if (!Number.isInteger(v)) rangeError('integer', name, v);
}

export function assertPositiveInteger(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number') typeError('positive integer', name, v);
  if (!Number.isInteger(v) || (v as number) <= 0) rangeError('positive integer', name, v);
}

export function assertNonNegativeInteger(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number') typeError('non-negative integer', name, v);
  if (!Number.isInteger(v) || (v as number) < 0) rangeError('non-negative integer', name, v);
}

/** A finite number in [lo, hi] (inclusive unless open bounds are asked for). */
export function assertNumberInRange(v: unknown, name: string, lo: number, hi: number,
  opts: { loOpen?: boolean; hiOpen?: boolean } = {}): asserts v is number {
  const what = `number in ${opts.loOpen ? '(' : '['}${lo}, ${hi}${opts.hiOpen ? ')' : ']'}`;
  if (typeof v !== 'number') typeError(what, name, v);
  const x = v as number;
  const ok = Number.isFinite(x) || (x === Infinity && hi === Infinity && !opts.hiOpen);
  if (!ok || (opts.loOpen ? x <= lo : x < lo) || (opts.hiOpen ? x >= hi : x > hi)) rangeError(what, name, v);
}

export function assertBoolean(v: unknown, name: string): asserts v is boolean {
  if (typeof v !== 'boolean') typeError('boolean', name, v);
}

export function assertString(v: unknown, name: string): asserts v is string {
  if (typeof v !== 'string') typeError('string', name, v);
}

export function assertFunction(v: unknown, name: string): asserts v is (...a: unknown[]) => unknown {
  if (typeof v !== 'function') typeError('function', name, v);
}

export function assertOneOf<T extends string>(v: unknown, name: string, list: readonly T[]): asserts v is T {
  if (!list.includes(v as T)) {
    const what = `one of ${list.map((s) => `'${s}'`).join(', ')}`;
    if (typeof v !== 'string') typeError(what, name, v);
    rangeError(what, name, v);
  }
}

export function assertPlainObject(v: unknown, name: string): asserts v is Record<string, unknown> {
  if (!is.plainObject(v)) typeError('object', name, v);
}

/** Validates a shape: array of non-negative integers. */
export function assertShape(v: unknown, name: string): asserts v is number[] {
  if (!Array.isArray(v)) typeError('shape (array of non-negative integers)', name, v);
  for (let i = 0; i < (v as unknown[]).length; i++) {
    const d = (v as unknown[])[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(expected('shape (array of non-negative integers)', name,
        `[${(v as unknown[]).map(String).join(', ')}] (dimension ${i} is ${describe(d)})`));
    }
  }
}

/** Formats a shape for messages: [32, 784]; null entries print as '*'. */
export function fmtShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null || d === -1 ? '*' : String(d))).join(', ')}]`;
}

/** Throws the standard shape mismatch error: Expected shape [*, 784] for input but received [32, 783]. */
export function shapeError(expectedShape: readonly (number | null)[], name: string, got: readonly number[]): never {
  throw new RangeError(expected(`shape ${fmtShape(expectedShape)}`, name, fmtShape(got)));
}


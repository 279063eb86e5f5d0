/**
 * Scopes: ng.tidy(fn) disposes every tensor created inside fn except the ones it returns or
 * keeps (ng.keep, model parameters). A training step runs in one scope, so it owns and frees
 * its intermediates; nothing waits for the garbage collector.
 */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** @internal */ _kept: boolean;
}

const stack: Disposable[][] = [];

/** Records a new tensor in the innermost open scope. */
export function track(t: Disposable): void {
  if (stack.length > 0) stack[stack.length - 1].push(t);
}

/** Marks a tensor to survive every enclosing tidy(). */
export function keep<T extends Disposable>(t: T): T {
  t._kept = true;
  return t;
}

function collect(value: unknown, out: Set<unknown>, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if (typeof (value as Disposable).dispose === 'function' && '_kept' in (value as object)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as object)) collect(v, out, depth + 1);
  }
}

/**
 * Runs fn and disposes the tensors it created, except those reachable from its result
 * (a tensor, or arrays/plain objects/Maps of them) and kept ones. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new TypeError(`Expected function for fn but received ${fn === null ? 'null' : typeof fn}`);
  }
  stack.push([]);
  let result: T;
  let list: Disposable[] | undefined;
  try {
    result = fn();
  } catch (e) {
    list = stack.pop() as Disposable[];
    for (const t of list) if (!t._kept && !t.isDisposed) t.dispose();
    throw e;
  }
  list = stack.pop() as Disposable[];
  if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
    for (const t of list) if (!t._kept && !t.isDisposed) t.dispose();
    throw new TypeError('Expected synchronous function for fn but received a function returning a Promise');
  }
  const survivors = new Set<unknown>();
  collect(result, survivors, 0);
  const parent = stack.length > 0 ? stack[stack.length - 1] : null;
  for (const t of list) {
    if (t.isDisposed) continue;
    if (t._kept) continue;
    if (survivors.has(t)) {
      if (parent) parent.push(t);
      continue;
    }
    t.dispose();
  }
  return result;
}


/**
 * @internal Runs fn (synchronous) and returns its result with the tensors it created, none
 * disposed: the caller owns them and disposes them later (across an await, where a tidy()
 * cannot reach). Tensors created by other code meanwhile are not in the list.
 */
export function collectCreated<T>(fn: () => T): { result: T; created: Disposable[] } {
  stack.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    for (const t of stack.pop() as Disposable[]) if (!t._kept && !t.isDisposed) t.dispose();
    throw e;
  }
  return { result, created: stack.pop() as Disposable[] };
}

// Every differentiable op and loss that lib/ exports must have an entry in the op table, so that
// adding an op without its forward and gradient tests fails here (ggml's static_assert on the
// op count, as a test).
import { describe, expect, it } from 'vitest';
import * as opsModule from '../../lib/ops';
import * as lossModule from '../../lib/losses';
import * as ng from '../../lib';
import { OP_TABLE, NOT_OPS, isDifferentiable } from './op_table';

/** Exported functions by name, with aliases (the same function under another name) folded into the first name. */
function exportedFunctions(mod: Record<string, unknown>, skip: readonly string[]): { names: string[]; aliases: Record<string, string> } {
  const names: string[] = [];
  const aliases: Record<string, string> = {};
  const seen = new Map<unknown, string>();
  for (const [k, v] of Object.entries(mod)) {
    if (typeof v !== 'function' || skip.includes(k)) continue;
    const first = seen.get(v);
    if (first !== undefined) aliases[k] = first;
    else {
      seen.set(v, k);
      names.push(k);
    }
  }
  return { names, aliases };
}

describe('op table coverage', () => {
  const covered = new Set(OP_TABLE.map((e) => e.fn));

  it.each([['ops', opsModule], ['losses', lossModule]] as const)('every function exported from lib/%s has a table entry', (group, mod) => {
    const { names } = exportedFunctions(mod as unknown as Record<string, unknown>, NOT_OPS[group]);
    expect(names.length).toBeGreaterThan(5);
    const missing = names.filter((n) => !covered.has(`${group}.${n}`));
    expect(missing, `add op_table entries for: ${missing.join(', ')}`).toEqual([]);
  });

  it('the known aliases are the same functions (so covering one covers both)', () => {
    const { aliases } = exportedFunctions(lossModule as unknown as Record<string, unknown>, NOT_OPS.losses);
    expect(aliases).toEqual({ mae: 'l1', binaryCrossEntropy: 'bce', categoricalCrossEntropy: 'crossEntropy' });
    expect(exportedFunctions(opsModule as unknown as Record<string, unknown>, NOT_OPS.ops).aliases).toEqual({});
  });

  it('the skipped exports really are helpers or constants', () => {
    expect(typeof opsModule.LINEAR_ACTS).toBe('object');
    expect(Array.isArray(lossModule.LOSS_NAMES)).toBe(true);
    // get() hands out the table's functions
    for (const n of lossModule.LOSS_NAMES) expect(covered.has(`losses.${(lossModule.get(n) as { name: string }).name}`)).toBe(true);
  });

  it('every table entry names a real export, and names are unique', () => {
    for (const e of OP_TABLE) {
      const [group, fn] = e.fn.split('.');
      const mod = (group === 'ops' ? opsModule : lossModule) as unknown as Record<string, unknown>;
      expect(typeof mod[fn], e.name).toBe('function');
    }
    const names = OP_TABLE.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the public ng namespace re-exports every op', () => {
    const { names } = exportedFunctions(opsModule as unknown as Record<string, unknown>, NOT_OPS.ops);
    for (const n of names) expect((ng as unknown as Record<string, unknown>)[n], n).toBe((opsModule as unknown as Record<string, unknown>)[n]);
  });

  it('every op except argmax has a differentiable entry', () => {
    const diff = new Set(OP_TABLE.filter(isDifferentiable).map((e) => e.fn));
    const notDiff = [...covered].filter((f) => !diff.has(f));
    expect(notDiff).toEqual(['ops.argmax']);
  });
});

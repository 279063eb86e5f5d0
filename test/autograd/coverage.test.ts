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

  it('every op except the index and comparison ops has a differentiable entry', () => {
    const diff = new Set(OP_TABLE.filter(isDifferentiable).map((e) => e.fn));
    const notDiff = [...covered].filter((f) => !diff.has(f)).sort();
    expect(notDiff).toEqual(['ops.argmax', 'ops.argmin', 'ops.eq', 'ops.ge', 'ops.gt', 'ops.le', 'ops.lt', 'ops.ne']);
  });
});

describe('Tensor methods dispatch to the same ops', () => {
  it('x.op(...) equals ng.op(x, ...) and records the same gradient', () => {
    const calls: [string, unknown[]][] = [
      ['add', [0.5]], ['sub', [2]], ['mul', [-3]], ['div', [4]], ['pow', [2]], ['neg', []], ['exp', []], ['abs', []], ['square', []],
      ['clamp', [-0.5, 0.5]], ['sum', [1, true]], ['mean', [0]], ['max', [1]], ['relu', []], ['leakyRelu', [0.1]], ['elu', [0.7]],
      ['selu', []], ['gelu', [{ approximate: 'tanh' }]], ['silu', []], ['sigmoid', []], ['tanh', []], ['softplus', [2, 10]],
      ['softmax', [-1]], ['logSoftmax', []], ['reshape', [[5, 3]]], ['flatten', [0]], ['transpose', []], ['slice', [1, 3, 0]], ['clone', []],
      ['min', [1, true]], ['std', [0, { correction: 0 }]], ['unsqueeze', [1]],
    ];
    const base = [[0.3, -1.2, 2, 0.1, -0.4], [1.5, -0.2, 0.7, -2.2, 0.9], [0.05, 0.6, -0.8, 1.1, -1.7]];
    for (const [name, args] of calls) {
      const x1 = ng.tensor(base, { requiresGrad: true });
      const x2 = ng.tensor(base, { requiresGrad: true });
      const a = (x1 as unknown as Record<string, (...p: unknown[]) => ng.Tensor>)[name](...args);
      const b = (ng as unknown as Record<string, (...p: unknown[]) => ng.Tensor>)[name](x2, ...args);
      expect(a.shape, name).toEqual(b.shape);
      expect(Array.from(a.data), name).toEqual(Array.from(b.data));
      ng.backward(a, ng.onesLike(a));
      ng.backward(b, ng.onesLike(b));
      expect(Array.from(x1.grad!.data), name).toEqual(Array.from(x2.grad!.data));
    }
    const m = ng.tensor([[1, 2], [3, 4]]);
    expect(m.T.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(m.matmul(m).toArray()).toEqual(ng.matmul(m, m).toArray());
    expect(m.argmax(0).toArray()).toEqual([1, 1]);
    expect(m.gather(new Int32Array([1])).toArray()).toEqual([[3, 4]]);
    // The methods whose name differs from the function, or that have no gradient
    expect(m.var(0).toArray()).toEqual(ng.variance(m, 0).toArray());
    expect(m.argmin(1).toArray()).toEqual([0, 0]);
    expect(m.view([4]).toArray()).toEqual([1, 2, 3, 4]);
    expect(ng.ones([1, 2, 1]).squeeze(0).shape).toEqual([2, 1]);
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) expect(m[op](2).toArray(), op).toEqual(ng[op](m, 2).toArray());
    // float() / int(): the tensor itself when it has that dtype already (as in PyTorch), else a converted copy
    expect(m.float()).toBe(m);
    const i = m.int();
    expect(i.dtype).toBe('int32');
    expect(i.int()).toBe(i);
    expect(i.float().toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

// The native op table (native/ops/op_table.h) and the TypeScript interface (lib/native.ts)
// must agree row for row: names, signature kinds and params; the kinds, the addon's exports
// and the shared enumerations too. Any drift fails here, not in a user's call.
import { describe, expect, it } from 'vitest';
import { native, OP_TABLE, OP_KINDS, ADDON_EXPORTS, kernels } from '../../lib/native';
import { COMPARE_OPS, LINEAR_ACTIVATIONS, REDUCTION_CODES } from '../../lib/ops/codes';
import { UNARY } from '../../lib/ops/pointwise';
import { kernelsFor } from '../../lib/ops/util';
import { tensor } from '../../lib/tensor/create';

describe('op table: native vs TypeScript', () => {
  const rows = native.opTable();

  it('has the same rows in the same order (name, kind, params)', () => {
    const ts = Object.entries(OP_TABLE).map(([name, r]) => ({ name, kind: r.kind, params: r.params }));
    expect(rows.map(({ name, kind, params }) => ({ name, kind, params }))).toEqual(ts);
  });

  it('uses only kinds the TypeScript side types, and every kind is used', () => {
    const used = new Set(rows.map((r) => r.kind));
    expect([...used].sort()).toEqual([...OP_KINDS].sort());
  });

  it('the CPU backend implements every op, and exports exactly the table', () => {
    expect(rows.filter((r) => !r.devices.includes('cpu')).map((r) => r.name)).toEqual([]);
    expect(Object.keys(native.backends.cpu).sort()).toEqual(Object.keys(OP_TABLE).sort());
    for (const name of Object.keys(OP_TABLE) as (keyof typeof OP_TABLE)[]) {
      expect(typeof native.backends.cpu[name]).toBe('function');
    }
  });

  it('the addon exports exactly the typed interface', () => {
    expect(Object.keys(native).sort()).toEqual([...ADDON_EXPORTS].sort());
  });

  it('shared enumerations match (fused-linear activations, reductions)', () => {
    expect(native.codes.linearAct).toEqual([...LINEAR_ACTIVATIONS]);
    expect(native.codes.reduction).toEqual([...REDUCTION_CODES]);
    expect(native.codes.compare).toEqual([...COMPARE_OPS]);
  });

  it('pointwise autograd rules read what the backward kernel is declared to read', () => {
    for (const spec of Object.values(UNARY)) {
      expect(OP_TABLE[spec.bwd].params.split(',')[1], spec.name).toBe(spec.saved);
    }
  });
});

describe('backend seam', () => {
  it('tensors live on the cpu device and dispatch to its backend', () => {
    const t = tensor([1, 2, 3]);
    expect(t.device).toBe('cpu');
    expect(kernelsFor(t, null, t)).toBe(native.backends.cpu);
    t.dispose();
  });

  it('an unknown device is a clear error', () => {
    expect(() => kernels('tpu' as 'cpu')).toThrow(
      new Error('Expected a device with a native backend (cpu) but received tpu'),
    );
  });

  it('mixing devices in one op is a clear error', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    Object.defineProperty(b, 'device', { value: 'cuda' });
    expect(() => kernelsFor(a, b)).toThrow(
      new Error('Expected every tensor on device cpu (the first input\'s) for inputs but received a tensor on cuda'),
    );
    a.dispose();
    b.dispose();
  });
});

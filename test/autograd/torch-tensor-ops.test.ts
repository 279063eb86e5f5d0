// nodegrad vs PyTorch for the tensor ops added after 0.1.0 (test/fixtures/torch/tensor_ops.json
// from gen_torch_tensor_ops.py): comparisons (torch's bool results as 1 / 0), where with its
// gradients, .float() / .int(), min / argmin, var / std (with their corrections), stack,
// unsqueeze, squeeze, log1p / sin / cos, permute, transpose(d0, d1), batched matmul, maximum /
// minimum, tril / triu, logsumexp, split / chunk.
// Tolerances as in torch.test.ts: |got - want| <= rtol * (|want| + rms(want)); comparisons, casts
// and index results are exact. Forward and finite-difference gradients on awkward sizes are in
// op_table.ts.
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import type { Tensor } from '../../lib';
import { loadFixture, FixtureTensor, FloatTensor, OpCase, toFloat32 } from '../fixtures/fixtures';
import { EPS32, compare, report, rms } from './harness';

const fixture = loadFixture('tensor_ops') as unknown as { cases: OpCase[] };

function tensorOf(t: FixtureTensor, requiresGrad = false): Tensor {
  if (t.dtype === 'int32') return ng.fromArray(Int32Array.from(t.data), t.shape);
  return ng.fromArray(Float32Array.from(t.data), t.shape, { requiresGrad });
}

function close(what: string, got: Tensor, want: FloatTensor, K: number, grad = false): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const rtol = EPS32 * (grad ? 64 + 8 * K : 16 + 4 * K);
  const c = compare(got.data, want.data, rtol, Math.max(rms(want.data), grad ? 1e-3 : 0));
  expect(c.ok, report(what, c)).toBe(true);
}

const axisOf = (a: unknown): number | undefined => (a === null ? undefined : (a as number));

/** Runs one case: the output, and the tensors whose gradients the case holds. */
function run(c: OpCase): { out: Tensor; leaves: Record<string, Tensor>; K: number } {
  const a = c.attrs as Record<string, any>;
  const diff = new Set(Object.keys(c.grads ?? {}));
  const leaves: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.inputs)) leaves[k] = tensorOf(t, diff.has(k));
  const x = leaves.x;
  switch (c.op) {
    case 'compare': {
      const fn = ng[a.op as 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'];
      return { out: a.scalar === null ? fn(leaves.a, leaves.b) : fn(leaves.a, a.scalar as number), leaves, K: 0 };
    }
    case 'where':
      return { out: ng.where(leaves.cond, leaves.a, leaves.b), leaves, K: 1 };
    case 'cast':
      return { out: ng.cast(x, a.dtype), leaves, K: 0 };
    case 'min':
      return { out: ng.min(x, axisOf(a.axis), a.keepdim), leaves, K: 1 };
    case 'argmin':
      return { out: ng.argmin(x, a.axis, a.keepdim), leaves, K: 0 };
    case 'var': case 'std': {
      const fn = c.op === 'var' ? ng.variance : ng.std;
      const K = a.axis === null ? x.size : x.shape[a.axis < 0 ? a.axis + x.shape.length : a.axis];
      return { out: fn(x, axisOf(a.axis), { correction: a.correction, keepdim: a.keepdim }), leaves, K };
    }
    case 'stack':
      return { out: ng.stack(Array.from({ length: a.count }, (_, i) => leaves[`x${i}`]), a.axis), leaves, K: 1 };
    case 'unsqueeze':
      return { out: ng.unsqueeze(x, a.axis), leaves, K: 1 };
    case 'squeeze':
      return { out: ng.squeeze(x, axisOf(a.axis)), leaves, K: 1 };
    case 'unary':
      return { out: ng[a.fn as 'log1p' | 'sin' | 'cos'](x), leaves, K: 1 };
    case 'permute':
      return { out: ng.permute(x, a.dims), leaves, K: 1 };
    case 'transpose':
      return { out: ng.transpose(x, a.dim0, a.dim1), leaves, K: 1 };
    case 'matmul':
      return { out: ng.matmul(leaves.a, leaves.b), leaves, K: Math.max(...leaves.a.shape.slice(-2)) };
    case 'maximum': case 'minimum': {
      const fn = ng[c.op as 'maximum' | 'minimum'];
      return { out: a.scalar === null ? fn(leaves.a, leaves.b) : fn(leaves.a, a.scalar as number), leaves, K: 1 };
    }
    case 'tril': case 'triu':
      return { out: ng[c.op as 'tril' | 'triu'](x, a.diagonal), leaves, K: 1 };
    case 'logsumexp': {
      const K = a.axis === null ? x.size : x.shape[a.axis < 0 ? a.axis + x.shape.length : a.axis];
      return { out: ng.logsumexp(x, axisOf(a.axis), a.keepdim), leaves, K };
    }
    case 'split':
      return { out: ng.split(x, a.sizes, a.axis)[a.piece], leaves, K: 1 };
    case 'chunk':
      return { out: ng.chunk(x, a.chunks, a.axis)[a.piece], leaves, K: 1 };
    case 'maskedFill':
      return { out: ng.maskedFill(x, leaves.mask, a.value), leaves, K: 1 };
    case 'sum': case 'mean': {
      const axes = a.axes as number[];
      const K = axes.length ? axes.reduce((p, d) => p * x.shape[d < 0 ? d + x.shape.length : d], 1) : x.size;
      const fn = c.op === 'sum' ? ng.sum : ng.mean;
      return { out: axes.length || a.keepdim ? fn(x, axes, a.keepdim) : fn(x), leaves, K };
    }
    default:
      throw new Error(`no runner for op ${c.op}`);
  }
}

describe('masks, casts and composed ops vs PyTorch', () => {
  it('has the cases', () => expect(fixture.cases.length).toBe(126));

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    ng.tidy(() => {
      const { out, leaves, K } = run(c);
      if (c.op === 'compare' || c.op === 'cast' || c.op === 'argmin') {
        // Exact: masks are 1 / 0, casts and indices integers.
        expect(out.dtype).toBe(c.op === 'argmin' || c.attrs.dtype === 'int32' ? 'int32' : 'float32');
        expect(out.shape).toEqual(c.output.shape);
        expect(Array.from(out.data as ArrayLike<number>)).toEqual(Array.from(c.output.data));
        return;
      }
      close(`${c.name} output`, out, c.output, K);
      if (!c.grads) return;
      out.backward(ng.fromArray(toFloat32(c.gradOutput!), c.gradOutput!.shape));
      for (const [k, want] of Object.entries(c.grads)) close(`${c.name} d${k}`, leaves[k].grad!, want, K, true);
    });
  });
});

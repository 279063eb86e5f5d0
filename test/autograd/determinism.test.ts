// Reproducibility (docs DESIGN.md: "the same seed and thread count give bit-identical weights"):
// every large op-table entry - the ones big enough for the OpenMP paths - gives bit-identical
// outputs and gradients when run twice with the same seed and thread count.
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { OP_TABLE, isDifferentiable, makeInputs, toTensors, OpEntry } from './op_table';
import { Rng } from './reference';

function runOnce(e: OpEntry): number[][] {
  ng.setSeed(5);
  return ng.tidy(() => {
    const xs = makeInputs(e, 3);
    const ts = toTensors(e, xs);
    const out = e.run(ts);
    const res = [Array.from(out.data)];
    if (isDifferentiable(e)) {
      const rng = new Rng(11);
      ng.backward(out, ng.fromArray(Float32Array.from({ length: out.size }, () => rng.normal()), out.shape.slice()));
      e.inputs.forEach((s, i) => { if (s.grad) res.push(Array.from(ts[i].grad!.data)); });
    }
    return res;
  });
}

describe('bit-identical reruns with the same seed and thread count', () => {
  it.each(OP_TABLE.filter((e) => e.fdSample).map((e) => [e.name, e] as const))('%s', (_n, e) => {
    const a = runOnce(e);
    const b = runOnce(e);
    a.forEach((arr, k) => {
      const bad = arr.findIndex((v, j) => !Object.is(v, b[k][j]));
      expect(bad, `${e.name}: ${k === 0 ? 'output' : `gradient ${k}`} differs at ${bad}: ${arr[bad]} vs ${b[k][bad]}`).toBe(-1);
    });
  });
});

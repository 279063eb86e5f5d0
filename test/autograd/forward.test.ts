// Forward pass of every op-table entry against its double-precision reference.
//
// Tolerance: inputs are exact float32 values and the reference is exact in double, so the only
// error is nodegrad's float32 arithmetic: per element |got - want| <= rtol * (|want| + 1) with
//   rtol = EPS32 * (16 + 4 * reduce)
// 16 ulps cover the elementwise kernels (vectorized exp/erf/tanh approximations are accurate to a
// few ulps; a composed function like gelu or softplus rounds a few times), and 4 ulps per term of
// the longest reduction cover float32 accumulation (worst-case bound grows linearly with the
// length; blocked/SIMD sums do better). The "+ 1" floor: generators draw O(1) inputs, so
// absolute error is measured against 1 (this matters where outputs cancel to near 0).
import { afterAll, describe, expect, it } from 'vitest';
import * as ng from '../../lib';

const DEFAULT_THREADS = ng.getNumThreads();
import { OP_TABLE, makeInputs, toTensors } from './op_table';
import { EPS32, compare, report, sameShape } from './harness';

describe('forward vs double reference', () => {
  // Large entries run with 1 and with 2 threads (serial and OpenMP paths of the same kernel).
  const runs = OP_TABLE.flatMap((e) => (e.fdSample ? [1, 2] : [0]).map((t) => [t ? `${e.name} (threads ${t})` : e.name, e, t] as const));
  afterAll(() => ng.setNumThreads(DEFAULT_THREADS));
  it.each(runs)('%s', (_name, e, threads) => {
    ng.setSeed(1234);
    if (threads) ng.setNumThreads(threads);
    ng.tidy(() => {
      const xs = makeInputs(e, 1);
      const ts = toTensors(e, xs);
      const out = ng.noGrad(() => e.run(ts));
      const got = Float64Array.from(out.data);
      const want = e.ref(xs, { out: got });
      expect(out.shape, 'shape').toEqual(want.shape);
      expect(sameShape(out.shape, want.shape)).toBe(true);
      if (out.dtype === 'int32') {
        expect(Array.from(got)).toEqual(Array.from(want.data));
        return;
      }
      const rtol = EPS32 * (16 + 4 * (e.reduce ?? 1));
      const c = compare(got, want.data, rtol, 1);
      expect(c.ok, report(e.name, c)).toBe(true);
    });
  });
});

// Backward of every differentiable op-table entry against central finite differences of the
// double-precision reference (never of nodegrad's float32 forward, whose rounding noise would
// swamp the differences).
//
// For a random upstream gradient g (float32 values), nodegrad computes dL/dx for
// L = sum(op(x) * g) (backward(out, g); scalar outputs get a 0-d g, which also exercises an
// explicit seed). The check: dL/dx_j ~ (L(x + h e_j) - L(x - h e_j)) / 2h on the reference with
// h = 1e-5. In double this is accurate to about h^2 |f'''| + 1e-16 |L| / h < 1e-9, far below the
// tolerance, so the tolerance only has to absorb nodegrad's float32 backward:
//   |got_j - fd_j| <= rtol * (|fd_j| + rms(fd)),   rtol = EPS32 * (64 + 8 * reduce)
// 64 ulps for a backward that composes a few float32 steps (recomputed activation, its
// derivative, the product with g, accumulation into the gradient buffer), 8 per term of the
// longest reduction (the backward of a reduction of length K sums K float32 products, often
// twice: layerNorm/softmax/batchNorm). The rms(fd) floor measures small gradient entries
// against the tensor's typical gradient, as float32 cancellation errors scale with it.
// Inputs are kept at least 100 h away from non-differentiable points (entry.kink).
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import { OP_TABLE, OpEntry, isDifferentiable, makeInputs, toTensors } from './op_table';
import { F64, Rng } from './reference';
import { EPS32, compare, report, rms } from './harness';

const H = 1e-5;
const KINK_CLEARANCE = 100 * H;

/** Inputs whose every point is clear of the entry's kinks (next seeds until one is). */
function cleanInputs(e: OpEntry): F64[] {
  for (let seed = 1; seed <= 50; seed++) {
    const xs = makeInputs(e, seed);
    if (!e.kink || e.kink(xs) > KINK_CLEARANCE) return xs;
  }
  throw new Error(`${e.name}: no seed in 1..50 gives inputs clear of the kinks; fix the generator`);
}

describe('backward vs central finite differences (double reference)', () => {
  it.each(OP_TABLE.filter(isDifferentiable).map((e) => [e.name, e] as const))('%s', (_name, e) => {
    ng.setSeed(99);
    const xs = cleanInputs(e);
    ng.tidy(() => {
      const ts = toTensors(e, xs);
      const out = e.run(ts);
      expect(out.requiresGrad).toBe(true);
      const rng = new Rng(7);
      const g = Float32Array.from({ length: out.size }, () => rng.normal());
      const ctx = { out: Float64Array.from(out.data) };
      ng.backward(out, ng.fromArray(g, out.shape.slice()));

      const L = (ys: F64[]): number => {
        const r = e.ref(ys, ctx).data;
        let s = 0;
        for (let i = 0; i < r.length; i++) s += r[i] * g[i];
        return s;
      };
      const rtol = EPS32 * (64 + 8 * (e.reduce ?? 1));
      e.inputs.forEach((spec, i) => {
        if (!spec.grad) {
          if (!spec.int) expect(ts[i].grad, `${spec.name} must not get a gradient`).toBeNull();
          return;
        }
        const grad = ts[i].grad;
        expect(grad, `${spec.name}.grad`).not.toBeNull();
        expect(grad!.shape).toEqual(ts[i].shape);
        const ys = xs.map((x) => x.slice());
        const fdAt = (j: number, h: number): number => {
          const v = xs[i][j];
          ys[i][j] = v + h;
          const lp = L(ys);
          ys[i][j] = v - h;
          const lm = L(ys);
          ys[i][j] = v;
          return (lp - lm) / (2 * h);
        };
        if (!e.fdSample) {
          const fd = Float64Array.from({ length: xs[i].length }, (_, j) => fdAt(j, H));
          const c = compare(grad!.data, fd, rtol, rms(fd));
          expect(c.ok, report(`${e.name} d/d${spec.name}`, c)).toBe(true);
          return;
        }
        // Large entries: sampled coordinates. A coordinate whose +-h interval straddles a kink
        // (ReLU pre-activations, ...) shows up as disagreement between steps h and h/2 (smooth
        // points agree to O(h^2)); such points are skipped, and at most a quarter may be. (The
        // h/2 difference is only computed where the h one disagrees with nodegrad.)
        const idx = Array.from({ length: e.fdSample }, () => rng.int(xs[i].length));
        const got: number[] = [];
        const fd: number[] = [];
        const scale = rms(grad!.data);
        for (const j of idx) {
          const a = fdAt(j, H);
          const g = grad!.data[j];
          if (!(Math.abs(g - a) <= rtol * (Math.abs(a) + scale))) {
            const b = fdAt(j, H / 2);
            if (Math.abs(a - b) > 1e-6 * (Math.abs(a) + scale)) continue;
          }
          got.push(g);
          fd.push(a);
        }
        expect(fd.length, `${e.name} d/d${spec.name}: too many sampled points at kinks`).toBeGreaterThanOrEqual(0.75 * idx.length);
        // floor: the typical size of the whole gradient (the sample is too small to estimate it)
        const c = compare(got, fd, rtol, scale);
        expect(c.ok, report(`${e.name} d/d${spec.name} (sampled ${idx.join(',')})`, c)).toBe(true);
      });
    });
  });
});

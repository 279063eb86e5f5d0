// Axis permutation. The output is walked in order over merged axes (ops/permute_walk.h), so a
// permutation that keeps the last axis copies contiguous rows, and the rest reads one strided
// row per output row. Parallel over output rows.
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/permute.h"

#include "cpu/ops/common.h"
#include "ops/permute_walk.h"

namespace ng::cpu {

namespace {

using ops::PermuteGeom;

// BWD: a (dx, the input's layout) += b (dout, the output's layout); else a (out) = b (x) permuted.
template <bool BWD>
void walk(float* a, const float* b, const PermuteGeom& g) {
  const ops::PermuteWalk w = ops::make_permute_walk(g);
  if (w.numel == 0) return;
  if (w.r == 0) {
    if (BWD) a[0] += b[0];
    else a[0] = b[0];
    return;
  }
  const int64_t inner = w.d[w.r - 1], si = w.s[w.r - 1], rows = w.numel / inner;
  parallel_for(rows, w.numel >= kParallelMin, [&](int64_t o) {
    int64_t off = 0, rem = o;
    for (int k = w.r - 2; k >= 0; k--) {
      off += (rem % w.d[k]) * w.s[k];
      rem /= w.d[k];
    }
    if constexpr (BWD) {
      float* dx = a + off;
      const float* g_row = b + o * inner;
      for (int64_t j = 0; j < inner; j++) dx[j * si] += g_row[j];
    } else {
      float* out_row = a + o * inner;
      const float* x = b + off;
      if (si == 1) {
        for (int64_t j = 0; j < inner; j++) out_row[j] = x[j];
      } else {
        for (int64_t j = 0; j < inner; j++) out_row[j] = x[j * si];
      }
    }
  });
}

}  // namespace

void permute_forward(float* out, const float* x, const PermuteGeom& g) { walk<false>(out, x, g); }

void permute_backward(float* dx, const float* dout, const PermuteGeom& g) { walk<true>(dx, dout, g); }

}  // namespace ng::cpu

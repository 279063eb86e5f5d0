// Axis reductions. Sums accumulate in double in a fixed order, so results do not depend on the
// thread count. The inner > 1 case walks the axis with a block of inner accumulators so the
// innermost loop stays contiguous.
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/reduce.h"

#include <cmath>

#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {

void sum_scaled(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner, double scale) {
  // out: (outer, inner)  inp: (outer, dim, inner)
  if (outer == 1 && inner == 1) {
    const double s = chunked_sum(dim, [&](int64_t i0, int64_t i1) {
      double acc = 0.0;
      for (int64_t i = i0; i < i1; i++) acc += inp[i];
      return acc;
    });
    out[0] = static_cast<float>(s * scale);
    return;
  }
  if (inner == 1) {
  parallel_for(outer, outer * dim >= kParallelMin, [=](int64_t o) {
      const float* x = inp + o * dim;
      double acc = 0.0;
      for (int64_t d = 0; d < dim; d++) acc += x[d];
      out[o] = static_cast<float>(acc * scale);
    });
    return;
  }
  constexpr int64_t kBlock = 64;
  const int64_t nblk = (inner + kBlock - 1) / kBlock;
  parallel_for(outer * nblk, outer * dim * inner >= kParallelMin, [=](int64_t ob) {
    const int64_t o = ob / nblk, i0 = (ob % nblk) * kBlock;
    const int64_t len = std::min(kBlock, inner - i0);
    double acc[kBlock];
    for (int64_t i = 0; i < len; i++) acc[i] = 0.0;
    for (int64_t d = 0; d < dim; d++) {
      const float* x = inp + (o * dim + d) * inner + i0;
      for (int64_t i = 0; i < len; i++) acc[i] += x[i];
    }
    for (int64_t i = 0; i < len; i++) out[o * inner + i0 + i] = static_cast<float>(acc[i] * scale);
  });
}

void bcast_add(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner, float scale) {
  // dinp: (outer, dim, inner)  dout: (outer, inner)
  parallel_for(outer * dim, outer * dim * inner >= kParallelMin, [=](int64_t od) {
    const int64_t o = od / dim;
    float* dx = dinp + od * inner;
    const float* g = dout + o * inner;
    for (int64_t i = 0; i < inner; i++) dx[i] += g[i] * scale;
  });
}

template <bool MAX>
void extreme(float* out, int32_t* idx, const float* inp, int64_t outer, int64_t dim, int64_t inner) {
  // out, idx: (outer, inner) (out may be null)  inp: (outer, dim, inner)
  parallel_for(outer * inner, outer * dim * inner >= kParallelMin, [=](int64_t oi) {
    const int64_t o = oi / inner, i = oi % inner;
    const float* x = inp + o * dim * inner + i;
    float best = x[0];
    int32_t bi = 0;
    if (!std::isnan(best)) {
      for (int64_t d = 1; d < dim; d++) {
        const float v = x[d * inner];
        if (std::isnan(v)) { best = v; bi = static_cast<int32_t>(d); break; }
        if (MAX ? v > best : v < best) { best = v; bi = static_cast<int32_t>(d); }
      }
    }
    if (out) out[oi] = best;
    idx[oi] = bi;
  });
}

}  // namespace

void sum_forward(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner) {
  sum_scaled(out, inp, outer, dim, inner, 1.0);
}
void mean_forward(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner) {
  sum_scaled(out, inp, outer, dim, inner, dim > 0 ? 1.0 / static_cast<double>(dim) : NAN);
}
void sum_backward(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner) {
  bcast_add(dinp, dout, outer, dim, inner, 1.0f);
}
void mean_backward(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner) {
  bcast_add(dinp, dout, outer, dim, inner, 1.0f / static_cast<float>(dim));
}
void max_forward(float* out, int32_t* idx, const float* inp, int64_t outer, int64_t dim, int64_t inner) {
  extreme<true>(out, idx, inp, outer, dim, inner);
}
void argmax(int32_t* idx, const float* inp, int64_t outer, int64_t dim, int64_t inner) {
  extreme<true>(nullptr, idx, inp, outer, dim, inner);
}
void max_backward(float* dinp, const float* dout, const int32_t* idx, int64_t outer, int64_t dim,
                  int64_t inner) {
  // dinp: (outer, dim, inner)  dout, idx: (outer, inner)
  parallel_for(outer * inner, outer * inner >= kParallelMin, [=](int64_t oi) {
    const int64_t o = oi / inner, i = oi % inner;
    dinp[(o * dim + idx[oi]) * inner + i] += dout[oi];
  });
}

}  // namespace ng::cpu

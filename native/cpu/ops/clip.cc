#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/clip.h"

#include <cmath>
#include <cstring>

#include "cpu/ops/common.h"

namespace ng::cpu {

double l2_norm(const float* x, int64_t n) {
  // x: (n)
  const double s = chunked_sum(n, [&](int64_t i0, int64_t i1) {
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    int64_t i = i0;
    for (; i + 4 <= i1; i += 4)
      for (int k = 0; k < 4; k++) acc[k] += static_cast<double>(x[i + k]) * x[i + k];
    for (; i < i1; i++) acc[0] += static_cast<double>(x[i]) * x[i];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
  });
  return std::sqrt(s);
}

void scale_inplace(float* x, int64_t n, float s) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { x[i] *= s; });
}

void clip_by_value(float* x, int64_t n, float lo, float hi) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float v = x[i];
    x[i] = v < lo ? lo : (v > hi ? hi : v);
  });
}

double clip_by_norm(float* x, int64_t n, float max_norm) {
  const double total = l2_norm(x, n);
  const double coef = static_cast<double>(max_norm) / (total + 1e-6);
  if (coef < 1.0) scale_inplace(x, n, static_cast<float>(coef));
  return total;
}

void zero_f32(float* x, int64_t n) {
  if (n > 0) std::memset(x, 0, static_cast<size_t>(n) * sizeof(float));
}

bool all_finite(const float* x, int64_t n) {
  // x - x is 0 for finite values and NaN for NaN/Inf: sum it branch-free per chunk.
  const double bad = chunked_sum(n, [&](int64_t i0, int64_t i1) {
    float acc = 0.0f;
    for (int64_t i = i0; i < i1; i++) acc += (x[i] - x[i]) ;
    return std::isfinite(acc) ? 0.0 : 1.0;
  });
  return bad == 0.0;
}

}  // namespace ng::cpu

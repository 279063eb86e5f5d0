// Row-wise softmax / log-softmax: max-subtracted, exp via exp_fast so the exp loop vectorizes;
// row sums use row_sum/row_dot (fixed-order, vectorized).
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/softmax.h"

#include <cmath>

#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

float softmax_row(float* probs, const float* x, int64_t C, float* mx_out) {
  // probs, x: (C,)
  const float mx = row_max(x, C);
  *mx_out = mx;
  for (int64_t c = 0; c < C; c++) probs[c] = exp_fast(x[c] - mx);
  const float sum = row_sum(probs, C);
  const float inv = 1.0f / sum;
  for (int64_t c = 0; c < C; c++) probs[c] *= inv;
  return std::log(sum);
}

void softmax_forward(float* out, const float* inp, int64_t N, int64_t C) {
  // out, inp: (N, C)   (exp-heavy: per-ISA builds, see isa_dispatch.h)
  run_isa(N, C, [=](int64_t r0, int64_t r1) NG_INLINE_LAMBDA {
    for (int64_t n = r0; n < r1; n++) {
      const float* x = inp + n * C;
      float* y = out + n * C;
      const float mx = row_max(x, C);
      for (int64_t c = 0; c < C; c++) y[c] = exp_fast(x[c] - mx);
      const float inv = 1.0f / row_sum(y, C);
      for (int64_t c = 0; c < C; c++) y[c] *= inv;
    }
  });
}

void softmax_backward(float* dinp, const float* out, const float* dout, int64_t N, int64_t C) {
  // dinp, out, dout: (N, C)
  parallel_for(N, N * C >= kParallelMin, [=](int64_t n) {
    const float* y = out + n * C;
    const float* g = dout + n * C;
    float* dx = dinp + n * C;
    const float dot = row_dot(g, y, C);
    for (int64_t c = 0; c < C; c++) dx[c] += y[c] * (g[c] - dot);
  });
}

void log_softmax_forward(float* out, const float* inp, int64_t N, int64_t C) {
  // out, inp: (N, C)   out is used as scratch for exp(x - max) before the final write
  run_isa(N, C, [=](int64_t r0, int64_t r1) NG_INLINE_LAMBDA {
    for (int64_t n = r0; n < r1; n++) {
      const float* x = inp + n * C;
      float* y = out + n * C;
      const float mx = row_max(x, C);
      for (int64_t c = 0; c < C; c++) y[c] = exp_fast(x[c] - mx);
      const float ls = std::log(row_sum(y, C));
      for (int64_t c = 0; c < C; c++) y[c] = (x[c] - mx) - ls;
    }
  });
}

void log_softmax_backward(float* dinp, const float* out, const float* dout, int64_t N, int64_t C) {
  // dinp, out, dout: (N, C)
  parallel_for(N, N * C >= kParallelMin, [=](int64_t n) {
    const float* y = out + n * C;
    const float* g = dout + n * C;
    float* dx = dinp + n * C;
    const float s = row_sum(g, C);
    for (int64_t c = 0; c < C; c++) dx[c] += g[c] - exp_fast(y[c]) * s;
  });
}

}  // namespace ng::cpu

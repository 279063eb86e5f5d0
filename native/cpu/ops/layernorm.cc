// Layer normalization. Row statistics in double (two-pass, 8 interleaved partial sums), per-ISA
// builds (isa_dispatch.h). dweight/dbias are reduced over rows
// by column blocks so that threads never share an output element (deterministic).
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file
// No FMA contraction: every ISA gives the same bits, and dnorm - mean(dnorm) stays exactly 0
// where it should (C = 1; a contracted g * w - a leaves the product's rounding error).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "cpu/ops/layernorm.h"

#include <cmath>

#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {

// sum_c f(c) in double with 8 interleaved partial sums (a fixed order that vectorizes).
template <class F>
NG_ALWAYS_INLINE double sum8(int64_t C, const F& f) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t c = 0;
  for (; c + 8 <= C; c += 8)
    for (int k = 0; k < 8; k++) acc[k] += f(c + k);
  double s = 0.0;
  for (; c < C; c++) s += f(c);
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// dx row n += r (dnorm - mean(dnorm) - xhat mean(dnorm xhat)), dnorm = g * w (W: weight given).
template <bool W>
NG_ALWAYS_INLINE void backward_row(float* dinp, const float* dout, const float* inp, const float* weight,
                                   const float* mean, const float* rstd, int64_t n, int64_t C) {
  const float* g = dout + n * C;
  const float* x = inp + n * C;
  float* dx = dinp + n * C;
  const float m = mean[n], r = rstd[n];
  const double s1 = sum8(C, [&](int64_t c) NG_INLINE_LAMBDA { return static_cast<double>(g[c] * (W ? weight[c] : 1.0f)); });
  const double s2 = sum8(C, [&](int64_t c) NG_INLINE_LAMBDA {
    return static_cast<double>(g[c] * (W ? weight[c] : 1.0f) * ((x[c] - m) * r));
  });
  const float a = static_cast<float>(s1 / static_cast<double>(C));
  const float b = static_cast<float>(s2 / static_cast<double>(C));
  for (int64_t c = 0; c < C; c++) {
    const float dn = g[c] * (W ? weight[c] : 1.0f);
    dx[c] += r * (dn - a - (x[c] - m) * r * b);
  }
}

}  // namespace

void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                       const float* bias, int64_t N, int64_t C, float eps) {
  // out, inp: (N, C)  mean, rstd: (N)  weight, bias: (C) or null
  run_isa(N, 4 * C, [=](int64_t n0, int64_t n1) NG_INLINE_LAMBDA {
    for (int64_t n = n0; n < n1; n++) {
      const float* x = inp + n * C;
      float* y = out + n * C;
      const double m = sum8(C, [&](int64_t c) NG_INLINE_LAMBDA { return static_cast<double>(x[c]); }) /
                       static_cast<double>(C);
      const double v = sum8(C, [&](int64_t c) NG_INLINE_LAMBDA {
                         const double d = static_cast<double>(x[c]) - m;
                         return d * d;
                       }) / static_cast<double>(C);
      const float r = static_cast<float>(1.0 / std::sqrt(v + static_cast<double>(eps)));
      const float mf = static_cast<float>(m);
      if (weight && bias) {
        for (int64_t c = 0; c < C; c++) y[c] = (x[c] - mf) * r * weight[c] + bias[c];
      } else {
        for (int64_t c = 0; c < C; c++) y[c] = (x[c] - mf) * r * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f);
      }
      mean[n] = mf;
      rstd[n] = r;
    }
  });
}

void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C) {
  // dinp: (N, C) or null  dweight, dbias: (C) or null  dout, inp: (N, C)  mean, rstd: (N)
  if (dinp) {
    run_isa(N, 6 * C, [=](int64_t n0, int64_t n1) NG_INLINE_LAMBDA {
      for (int64_t n = n0; n < n1; n++) {
        if (weight) backward_row<true>(dinp, dout, inp, weight, mean, rstd, n, C);
        else backward_row<false>(dinp, dout, inp, weight, mean, rstd, n, C);
      }
    });
  }
  if (dweight || dbias) {
    constexpr int64_t kBlock = 64;
    const int64_t nblk = (C + kBlock - 1) / kBlock;
    run_isa(nblk, N * kBlock, [=](int64_t b0, int64_t b1) NG_INLINE_LAMBDA {
      for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t c0 = blk * kBlock, len = std::min(kBlock, C - c0);
        float accw[kBlock], accb[kBlock];
        for (int64_t i = 0; i < kBlock; i++) { accw[i] = 0.0f; accb[i] = 0.0f; }
        for (int64_t n = 0; n < N; n++) {
          const float* g = dout + n * C + c0;
          const float* x = inp + n * C + c0;
          const float m = mean[n], r = rstd[n];
          for (int64_t i = 0; i < len; i++) {
            accw[i] += g[i] * ((x[i] - m) * r);
            accb[i] += g[i];
          }
        }
        for (int64_t i = 0; i < len; i++) {
          if (dweight) dweight[c0 + i] += accw[i];
          if (dbias) dbias[c0 + i] += accb[i];
        }
      }
    });
  }
}

}  // namespace ng::cpu

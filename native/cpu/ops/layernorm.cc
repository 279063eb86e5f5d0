// Layer normalization. Row statistics in double (two-pass). dweight/dbias are reduced over rows
// by column blocks so that threads never share an output element (deterministic).
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/layernorm.h"

#include <cmath>

#include "cpu/ops/common.h"

namespace ng::cpu {

void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                       const float* bias, int64_t N, int64_t C, float eps) {
  // out, inp: (N, C)  mean, rstd: (N)  weight, bias: (C) or null
  parallel_for(N, N * C >= kParallelMin, [=](int64_t n) {
    const float* x = inp + n * C;
    float* y = out + n * C;
    double s = 0.0;
    for (int64_t c = 0; c < C; c++) s += x[c];
    const double m = s / static_cast<double>(C);
    double v = 0.0;
    for (int64_t c = 0; c < C; c++) {
      const double d = x[c] - m;
      v += d * d;
    }
    v /= static_cast<double>(C);
    const float r = static_cast<float>(1.0 / std::sqrt(v + static_cast<double>(eps)));
    const float mf = static_cast<float>(m);
    for (int64_t c = 0; c < C; c++) {
      const float xn = (x[c] - mf) * r;
      y[c] = xn * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f);
    }
    mean[n] = mf;
    rstd[n] = r;
  });
}

void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C) {
  // dinp: (N, C) or null  dweight, dbias: (C) or null  dout, inp: (N, C)  mean, rstd: (N)
  if (dinp) {
  parallel_for(N, N * C >= kParallelMin, [=](int64_t n) {
      const float* g = dout + n * C;
      const float* x = inp + n * C;
      float* dx = dinp + n * C;
      const float m = mean[n], r = rstd[n];
      // dnorm = g * w; dx = r (dnorm - mean(dnorm) - xhat mean(dnorm xhat))
      double s1 = 0.0, s2 = 0.0;
      for (int64_t c = 0; c < C; c++) {
        const float dn = g[c] * (weight ? weight[c] : 1.0f);
        s1 += dn;
        s2 += dn * ((x[c] - m) * r);
      }
      const float a = static_cast<float>(s1 / static_cast<double>(C));
      const float b = static_cast<float>(s2 / static_cast<double>(C));
      for (int64_t c = 0; c < C; c++) {
        const float dn = g[c] * (weight ? weight[c] : 1.0f);
        dx[c] += r * (dn - a - (x[c] - m) * r * b);
      }
    });
  }
  if (dweight || dbias) {
    constexpr int64_t kBlock = 64;
    const int64_t nblk = (C + kBlock - 1) / kBlock;
  parallel_for(nblk, N * C >= kParallelMin, [=](int64_t blk) {
      const int64_t c0 = blk * kBlock, len = std::min(kBlock, C - c0);
      float accw[kBlock], accb[kBlock];
      for (int64_t i = 0; i < len; i++) { accw[i] = 0.0f; accb[i] = 0.0f; }
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
    });
  }
}

}  // namespace ng::cpu

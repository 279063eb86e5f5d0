// Batch normalization. One channel per parallel iteration: each thread owns whole channels, so
// the statistics and the weight/bias gradients are race-free and deterministic.
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/batchnorm.h"

#include <cmath>

#include "cpu/ops/common.h"

namespace ng::cpu {

void batchnorm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                       const float* inp, const float* weight, const float* bias, int64_t N, int64_t C,
                       int64_t L, float eps, float momentum, bool training) {
  // out, inp: (N, C, L)  mean, rstd, running_mean, running_var, weight, bias: (C)
  const int64_t M = N * L;
#pragma omp parallel for if (M * C >= kParallelMin)
  for (int64_t c = 0; c < C; c++) {
    float m, r;
    if (training) {
      double s = 0.0;
      for (int64_t n = 0; n < N; n++) {
        const float* x = inp + (n * C + c) * L;
        for (int64_t l = 0; l < L; l++) s += x[l];
      }
      const double dm = s / static_cast<double>(M);
      double v = 0.0;
      for (int64_t n = 0; n < N; n++) {
        const float* x = inp + (n * C + c) * L;
        for (int64_t l = 0; l < L; l++) {
          const double d = x[l] - dm;
          v += d * d;
        }
      }
      const double var = v / static_cast<double>(M);
      m = static_cast<float>(dm);
      r = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
      if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * m;
      if (running_var) {
        const double unbiased = M > 1 ? v / static_cast<double>(M - 1) : NAN;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * static_cast<float>(unbiased);
      }
    } else {
      m = running_mean[c];
      r = 1.0f / std::sqrt(running_var[c] + eps);
    }
    mean[c] = m;
    rstd[c] = r;
    const float w = weight ? weight[c] : 1.0f, b = bias ? bias[c] : 0.0f;
    const float k = w * r, o = b - m * k;
    for (int64_t n = 0; n < N; n++) {
      const float* x = inp + (n * C + c) * L;
      float* y = out + (n * C + c) * L;
      for (int64_t l = 0; l < L; l++) y[l] = x[l] * k + o;
    }
  }
}

void batchnorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C,
                        int64_t L, bool training) {
  // dinp, dout, inp: (N, C, L)  dweight, dbias, weight, mean, rstd: (C)
  const int64_t M = N * L;
#pragma omp parallel for if (M * C >= kParallelMin)
  for (int64_t c = 0; c < C; c++) {
    const float m = mean[c], r = rstd[c], w = weight ? weight[c] : 1.0f;
    double sg = 0.0, sgx = 0.0;  // sum dout, sum dout * xhat
    for (int64_t n = 0; n < N; n++) {
      const float* g = dout + (n * C + c) * L;
      const float* x = inp + (n * C + c) * L;
      for (int64_t l = 0; l < L; l++) {
        sg += g[l];
        sgx += g[l] * ((x[l] - m) * r);
      }
    }
    if (dweight) dweight[c] += static_cast<float>(sgx);
    if (dbias) dbias[c] += static_cast<float>(sg);
    if (!dinp) continue;
    const float k = w * r;
    const float a = training ? static_cast<float>(sg / static_cast<double>(M)) : 0.0f;
    const float b = training ? static_cast<float>(sgx / static_cast<double>(M)) : 0.0f;
    for (int64_t n = 0; n < N; n++) {
      const float* g = dout + (n * C + c) * L;
      const float* x = inp + (n * C + c) * L;
      float* dx = dinp + (n * C + c) * L;
      for (int64_t l = 0; l < L; l++) dx[l] += k * (g[l] - a - (x[l] - m) * r * b);
    }
  }
}

}  // namespace ng::cpu

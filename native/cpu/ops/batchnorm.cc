#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

// Batch normalization. Threads own blocks of kBlock channels, so statistics and weight/bias
// gradients are race-free and deterministic; inside a block the loops run over (n, channel, l)
// so that (N, C) inputs (L = 1) are read row by row, contiguously.
#include "cpu/ops/batchnorm.h"

#include <cmath>

#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {
constexpr int64_t kBlock = 32;
}  // namespace

void batchnorm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                       const float* inp, const float* weight, const float* bias, int64_t N, int64_t C,
                       int64_t L, float eps, float momentum, bool training) {
  // out, inp: (N, C, L)  mean, rstd, running_mean, running_var, weight, bias: (C)
  const int64_t M = N * L;
  const int64_t nblk = (C + kBlock - 1) / kBlock;
  parallel_for(nblk, M * C >= kParallelMin && nblk > 1, [=](int64_t blk) {
    const int64_t c0 = blk * kBlock, len = std::min(kBlock, C - c0);
    float k[kBlock], o[kBlock];
    if (training) {
      double s[kBlock], v[kBlock];
      for (int64_t j = 0; j < len; j++) { s[j] = 0.0; v[j] = 0.0; }
      for (int64_t n = 0; n < N; n++)
        for (int64_t j = 0; j < len; j++) {
          const float* x = inp + (n * C + c0 + j) * L;
          for (int64_t l = 0; l < L; l++) s[j] += x[l];
        }
      for (int64_t j = 0; j < len; j++) s[j] /= static_cast<double>(M);  // now the mean
      for (int64_t n = 0; n < N; n++)
        for (int64_t j = 0; j < len; j++) {
          const float* x = inp + (n * C + c0 + j) * L;
          for (int64_t l = 0; l < L; l++) {
            const double d = x[l] - s[j];
            v[j] += d * d;
          }
        }
      for (int64_t j = 0; j < len; j++) {
        const int64_t c = c0 + j;
        const float m = static_cast<float>(s[j]);
        const float r = static_cast<float>(1.0 / std::sqrt(v[j] / static_cast<double>(M) + static_cast<double>(eps)));
        mean[c] = m;
        rstd[c] = r;
        if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * m;
        if (running_var) {
          const double unbiased = M > 1 ? v[j] / static_cast<double>(M - 1) : NAN;
          running_var[c] = (1.0f - momentum) * running_var[c] + momentum * static_cast<float>(unbiased);
        }
      }
    } else {
      for (int64_t j = 0; j < len; j++) {
        const int64_t c = c0 + j;
        mean[c] = running_mean[c];
        rstd[c] = 1.0f / std::sqrt(running_var[c] + eps);
      }
    }
    for (int64_t j = 0; j < len; j++) {
      const int64_t c = c0 + j;
      k[j] = (weight ? weight[c] : 1.0f) * rstd[c];
      o[j] = (bias ? bias[c] : 0.0f) - mean[c] * k[j];
    }
    for (int64_t n = 0; n < N; n++)
      for (int64_t j = 0; j < len; j++) {
        const int64_t off = (n * C + c0 + j) * L;
        for (int64_t l = 0; l < L; l++) out[off + l] = inp[off + l] * k[j] + o[j];
      }
  });
}

void batchnorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C,
                        int64_t L, bool training) {
  // dinp, dout, inp: (N, C, L)  dweight, dbias, weight, mean, rstd: (C)
  const int64_t M = N * L;
  const int64_t nblk = (C + kBlock - 1) / kBlock;
  parallel_for(nblk, M * C >= kParallelMin && nblk > 1, [=](int64_t blk) {
    const int64_t c0 = blk * kBlock, len = std::min(kBlock, C - c0);
    double sg[kBlock], sgx[kBlock];  // sum dout, sum dout * xhat
    for (int64_t j = 0; j < len; j++) { sg[j] = 0.0; sgx[j] = 0.0; }
    for (int64_t n = 0; n < N; n++)
      for (int64_t j = 0; j < len; j++) {
        const int64_t off = (n * C + c0 + j) * L;
        const float m = mean[c0 + j], r = rstd[c0 + j];
        for (int64_t l = 0; l < L; l++) {
          sg[j] += dout[off + l];
          sgx[j] += dout[off + l] * ((inp[off + l] - m) * r);
        }
      }
    for (int64_t j = 0; j < len; j++) {
      if (dweight) dweight[c0 + j] += static_cast<float>(sgx[j]);
      if (dbias) dbias[c0 + j] += static_cast<float>(sg[j]);
    }
    if (!dinp) return;
    float k[kBlock], a[kBlock], b[kBlock];
    for (int64_t j = 0; j < len; j++) {
      k[j] = (weight ? weight[c0 + j] : 1.0f) * rstd[c0 + j];
      a[j] = training ? static_cast<float>(sg[j] / static_cast<double>(M)) : 0.0f;
      b[j] = training ? static_cast<float>(sgx[j] / static_cast<double>(M)) : 0.0f;
    }
    for (int64_t n = 0; n < N; n++)
      for (int64_t j = 0; j < len; j++) {
        const int64_t off = (n * C + c0 + j) * L;
        const float m = mean[c0 + j], r = rstd[c0 + j];
        for (int64_t l = 0; l < L; l++)
          dinp[off + l] += k[j] * (dout[off + l] - a[j] - (inp[off + l] - m) * r * b[j]);
      }
  });
}

}  // namespace ng::cpu

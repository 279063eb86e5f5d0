#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

// Batch normalization. (N, C) inputs (L = 1): threads own blocks of kBlock channels, so
// statistics and weight/bias gradients are race-free and deterministic; inside a block the loops
// run over (n, channel) so that rows are read contiguously. (N, C, L) inputs: parallel over the
// N * C planes (forward_planes / backward_planes).
#include "cpu/ops/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {
constexpr int64_t kBlock = 32;

// Sums over one row of L values in 8 float lanes (vectorizes; fixed order), added into the
// channel's double accumulators by the callers: a serial double sum per element is bound by
// the add latency (~4 cycles per value) on the (N, C, H, W) inputs of BatchNorm2d.
NG_ALWAYS_INLINE float row_sq_dev(const float* x, float m, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) {
      const float d = x[i + k] - m;
      acc[k] += d * d;
    }
  float s = 0.0f;
  for (; i < n; i++) s += (x[i] - m) * (x[i] - m);
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// The output gradient seen by BatchNorm's backward with a fused ReLU (y: its output): g where
// y > 0, else 0, plus 0.0f: the bits the ReLU backward writes into a zeroed gradient, so the fused
// pass equals ReLU backward followed by BatchNorm backward. Written to a block buffer by a plain
// loop that vectorizes (a select inside the sums below did not).
constexpr int64_t kMaskBlock = 64;
NG_ALWAYS_INLINE void relu_masked(float* gm, const float* g, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = g[i];  // read unconditionally: the select vectorizes
    gm[i] = (y[i] > 0.0f ? v : 0.0f) + 0.0f;
  }
}

// a[k] += g[i + k], b[k] += g[i + k] (x[i + k] - m) r over the groups of 8 of n (a multiple of 8).
NG_ALWAYS_INLINE void grad_lanes(const float* g, const float* x, float m, float r, int64_t n, float* a, float* b) {
  float la[8], lb[8];
  for (int k = 0; k < 8; k++) {
    la[k] = a[k];
    lb[k] = b[k];
  }
  for (int64_t i = 0; i < n; i += 8)
    for (int k = 0; k < 8; k++) {
      la[k] += g[i + k];
      lb[k] += g[i + k] * ((x[i + k] - m) * r);
    }
  for (int k = 0; k < 8; k++) {
    a[k] = la[k];
    b[k] = lb[k];
  }
}

// sum g[l] and sum g[l] (x[l] - m) r over one row, 8 float lanes each; relu_out (or null): g
// masked by a fused ReLU's output first (relu_masked), with the same sums in the same order.
NG_ALWAYS_INLINE void row_grad_sums(const float* g, const float* relu_out, const float* x, float m, float r, int64_t n,
                                    float* sg, float* sgx) {
  float a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const int64_t n8 = n - n % 8;
  float gm[kMaskBlock];
  if (relu_out) {
    for (int64_t i = 0; i < n8; i += kMaskBlock) {
      const int64_t len = std::min(kMaskBlock, n8 - i);
      relu_masked(gm, g + i, relu_out + i, len);
      grad_lanes(gm, x + i, m, r, len, a, b);
    }
  } else {
    grad_lanes(g, x, m, r, n8, a, b);
  }
  float ta = 0.0f, tb = 0.0f;
  for (int64_t i = n8; i < n; i++) {
    const float gv = relu_out ? (relu_out[i] > 0.0f ? g[i] : 0.0f) + 0.0f : g[i];
    ta += gv;
    tb += gv * ((x[i] - m) * r);
  }
  *sg = ta + ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
  *sgx = tb + ((b[0] + b[4]) + (b[1] + b[5])) + ((b[2] + b[6]) + (b[3] + b[7]));
}
// (N, C, L) inputs with L > 1 (BatchNorm2d): parallel over the N * C planes, whose float row
// sums go into per-plane slots, then added per channel in double in plane order n = 0, 1, ...:
// the same sums in the same order as a serial loop, so results do not depend on the thread
// count, and the work spreads over threads even when C is small (16 or 32 channels are one
// block of the channel-parallel path below).
template <class F>
void for_planes(int64_t N, int64_t C, int64_t L, const F& f) {
  parallel_for(N * C, N * C * L >= kParallelMin && N * C > 1, f);
}

void forward_planes(float* out, float* mean, float* rstd, float* running_mean, float* running_var, const float* inp,
                    const float* weight, const float* bias, int64_t N, int64_t C, int64_t L, float eps, float momentum,
                    bool training, bool relu) {
  const int64_t M = N * L;
  std::vector<float> k(C), o(C);
  if (training) {
    std::vector<float> part(N * C);
    std::vector<double> s(C, 0.0), v(C, 0.0);
    float* pp = part.data();
    for_planes(N, C, L, [=](int64_t p) { pp[p] = row_sum(inp + p * L, L); });
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C; c++) s[c] += pp[n * C + c];
    for (int64_t c = 0; c < C; c++) {
      s[c] /= static_cast<double>(M);  // now the mean
      mean[c] = static_cast<float>(s[c]);
    }
    for_planes(N, C, L, [=](int64_t p) { pp[p] = row_sq_dev(inp + p * L, mean[p % C], L); });
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C; c++) v[c] += pp[n * C + c];
    for (int64_t c = 0; c < C; c++) {
      const float m = mean[c];
      rstd[c] = static_cast<float>(1.0 / std::sqrt(v[c] / static_cast<double>(M) + static_cast<double>(eps)));
      if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * m;
      if (running_var) {
        const double unbiased = M > 1 ? v[c] / static_cast<double>(M - 1) : NAN;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * static_cast<float>(unbiased);
      }
    }
  } else {
    for (int64_t c = 0; c < C; c++) {
      mean[c] = running_mean[c];
      rstd[c] = 1.0f / std::sqrt(running_var[c] + eps);
    }
  }
  for (int64_t c = 0; c < C; c++) {
    k[c] = (weight ? weight[c] : 1.0f) * rstd[c];
    o[c] = (bias ? bias[c] : 0.0f) - mean[c] * k[c];
  }
  const float* kp = k.data();
  const float* op = o.data();
  for_planes(N, C, L, [=](int64_t p) {
    const float kc = kp[p % C], oc = op[p % C];
    const float* x = inp + p * L;
    float* y = out + p * L;
    if (relu) {
      for (int64_t l = 0; l < L; l++) {
        const float v = x[l] * kc + oc;
        y[l] = v > 0.0f ? v : 0.0f;  // as relu_forward
      }
    } else {
      for (int64_t l = 0; l < L; l++) y[l] = x[l] * kc + oc;
    }
  });
}

void backward_planes(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const float* mean, const float* rstd, const float* relu_out, int64_t N,
                     int64_t C, int64_t L, bool training, bool init) {
  const int64_t M = N * L;
  std::vector<float> pa(N * C), pb(N * C);
  float* ap = pa.data();
  float* bp = pb.data();
  for_planes(N, C, L, [=](int64_t p) {
    const int64_t c = p % C;
    row_grad_sums(dout + p * L, relu_out ? relu_out + p * L : nullptr, inp + p * L, mean[c], rstd[c], L, ap + p, bp + p);
  });
  std::vector<double> sg(C, 0.0), sgx(C, 0.0);  // sum dout, sum dout * xhat
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      sg[c] += ap[n * C + c];
      sgx[c] += bp[n * C + c];
    }
  for (int64_t c = 0; c < C; c++) {
    if (dweight) grad_put(dweight[c], static_cast<float>(sgx[c]), init);
    if (dbias) grad_put(dbias[c], static_cast<float>(sg[c]), init);
  }
  if (!dinp) return;
  for (int64_t c = 0; c < C; c++) {  // reuse the slots of channel c (plane c of image 0) for its coefficients
    ap[c] = training ? static_cast<float>(sg[c] / static_cast<double>(M)) : 0.0f;
    bp[c] = training ? static_cast<float>(sgx[c] / static_cast<double>(M)) : 0.0f;
  }
  for_planes(N, C, L, [=](int64_t p) {
    const int64_t c = p % C;
    const float k = (weight ? weight[c] : 1.0f) * rstd[c], a = ap[c], b = bp[c], m = mean[c], r = rstd[c];
    const float* g = dout + p * L;
    const float* x = inp + p * L;
    float* d = dinp + p * L;
    float gm[kMaskBlock];
    for (int64_t l0 = 0; l0 < L; l0 += kMaskBlock) {  // blocks: the masked gradient of a fused ReLU
      const int64_t len = std::min(kMaskBlock, L - l0);
      const float* gb = g + l0;
      if (relu_out) {
        relu_masked(gm, gb, relu_out + p * L + l0, len);
        gb = gm;
      }
      const float* xb = x + l0;
      float* db = d + l0;
      if (init)
        for (int64_t l = 0; l < len; l++) db[l] = k * (gb[l] - a - (xb[l] - m) * r * b) + 0.0f;
      else
        for (int64_t l = 0; l < len; l++) db[l] += k * (gb[l] - a - (xb[l] - m) * r * b);
    }
  });
}
}  // namespace

void batchnorm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                       const float* inp, const float* weight, const float* bias, int64_t N, int64_t C,
                       int64_t L, float eps, float momentum, bool training, bool relu) {
  // out, inp: (N, C, L)  mean, rstd, running_mean, running_var, weight, bias: (C)
  if (L > 1) {
    forward_planes(out, mean, rstd, running_mean, running_var, inp, weight, bias, N, C, L, eps, momentum, training,
                   relu);
    return;
  }
  const int64_t M = N * L;
  const int64_t nblk = (C + kBlock - 1) / kBlock;
  parallel_for(nblk, M * C >= kParallelMin && nblk > 1, [=](int64_t blk) {
    const int64_t c0 = blk * kBlock, len = std::min(kBlock, C - c0);
    float k[kBlock], o[kBlock];
    if (training) {
      double s[kBlock], v[kBlock];
      for (int64_t j = 0; j < len; j++) { s[j] = 0.0; v[j] = 0.0; }
      for (int64_t n = 0; n < N; n++)
        for (int64_t j = 0; j < len; j++) s[j] += row_sum(inp + (n * C + c0 + j) * L, L);
      for (int64_t j = 0; j < len; j++) s[j] /= static_cast<double>(M);  // now the mean
      // (N, C): one value per row, the double sum is exact enough and cheap
      for (int64_t n = 0; n < N; n++)
        for (int64_t j = 0; j < len; j++) {
          const double d = inp[n * C + c0 + j] - s[j];
          v[j] += d * d;
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
        for (int64_t l = 0; l < L; l++) {
          const float v = inp[off + l] * k[j] + o[j];
          out[off + l] = relu ? (v > 0.0f ? v : 0.0f) : v;
        }
      }
  });
}

void batchnorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C,
                        int64_t L, bool training, bool init, const float* relu_out) {
  // dinp, dout, inp, relu_out: (N, C, L)  dweight, dbias, weight, mean, rstd: (C)
  if (L > 1) {
    backward_planes(dinp, dweight, dbias, dout, inp, weight, mean, rstd, relu_out, N, C, L, training, init);
    return;
  }
  const auto gin = [relu_out, dout](int64_t i) {
    return relu_out ? (relu_out[i] > 0.0f ? dout[i] : 0.0f) + 0.0f : dout[i];
  };
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
        const float gv = gin(off);
        sg[j] += gv;
        sgx[j] += gv * ((inp[off] - m) * r);
      }
    for (int64_t j = 0; j < len; j++) {
      if (dweight) grad_put(dweight[c0 + j], static_cast<float>(sgx[j]), init);
      if (dbias) grad_put(dbias[c0 + j], static_cast<float>(sg[j]), init);
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
          grad_put(dinp[off + l], k[j] * (gin(off + l) - a[j] - (inp[off + l] - m) * r * b[j]), init);
      }
  });
}

}  // namespace ng::cpu

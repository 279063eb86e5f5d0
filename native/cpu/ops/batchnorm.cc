#include "cpu/ops/opt_flags.h"  // first: compiler options for this file
// No FMA contraction in this file's AVX2 / AVX-512 builds (run_isa): a gradient added into a held
// value must be that value plus the rounded term (grad_put), and every ISA then gives the same bits.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

// Batch normalization. (N, C) inputs (L = 1): threads own blocks of kBlock channels, so
// statistics and weight/bias gradients are race-free and deterministic; inside a block the loops
// run over (n, channel) so that rows are read contiguously. (N, C, L) inputs: parallel over the
// N * C planes (forward_planes / backward_planes).
#include "cpu/ops/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {
constexpr int64_t kBlock = 32;

// Row sums for the (N, C, H, W) inputs of BatchNorm2d in kLanes float lanes: lane k adds the
// row's elements i = k (mod kLanes) in order, the lanes are then added in a fixed tree
// (lane_total). A fixed order (deterministic), and enough independent accumulators that the
// loops run at the cache's speed rather than the add latency (32 lanes: 2 AVX-512 / 4 AVX2 / 8
// SSE registers; 8 lanes ran at ~8 bytes per cycle). The callers add the rows' float sums into
// the channel's double accumulators.
// A row's tail (n % kLanes values) goes through one more full step, copied into a block padded
// with values that add exact zeros (0 for a sum, the mean for squared deviations): a tail loop
// indexing the lanes by a variable would keep them in memory instead of registers.
constexpr int kLanes = 32;
NG_ALWAYS_INLINE float lane_total(float* acc) {
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int k = 0; k < w; k++) acc[k] += acc[k + w];
  return acc[0];
}
NG_ALWAYS_INLINE const float* padded_tail(float* buf, const float* x, int64_t n, float fill) {
  for (int k = 0; k < kLanes; k++) buf[k] = k < n ? x[k] : fill;
  return buf;
}
// sum (x[i] - k) over a row (k: a shift, e.g. the row's first value: the sum's rounding then
// scales with the row's spread, not with its offset from zero).
NG_ALWAYS_INLINE float row_sum_shifted(const float* x, float k, int64_t n) {
  float acc[kLanes] = {};
  const int64_t nv = n - n % kLanes;
  const auto add = [&](const float* v) NG_INLINE_LAMBDA {
    for (int j = 0; j < kLanes; j++) acc[j] += v[j] - k;
  };
  for (int64_t i = 0; i < nv; i += kLanes) add(x + i);
  float buf[kLanes];
  if (nv < n) add(padded_tail(buf, x + nv, n - nv, k));
  return lane_total(acc);
}
NG_ALWAYS_INLINE float row_sq_dev(const float* x, float m, int64_t n) {
  float acc[kLanes] = {};
  const int64_t nv = n - n % kLanes;
  const auto add = [&](const float* v) NG_INLINE_LAMBDA {
    for (int k = 0; k < kLanes; k++) {
      const float d = v[k] - m;
      acc[k] += d * d;
    }
  };
  for (int64_t i = 0; i < nv; i += kLanes) add(x + i);
  float buf[kLanes];
  if (nv < n) add(padded_tail(buf, x + nv, n - nv, m));
  return lane_total(acc);
}

// The output gradient seen by BatchNorm's backward with a fused ReLU (y: its output): g where
// y > 0, else 0, plus 0.0f: the bits the ReLU backward writes into a zeroed gradient, so the fused
// pass equals ReLU backward followed by BatchNorm backward. g is read unconditionally so that
// the select vectorizes (in the AVX2 / AVX-512 builds of run_isa).
template <bool Relu>
NG_ALWAYS_INLINE float masked(float g, const float* y, int64_t i) {
  if constexpr (Relu) return (y[i] > 0.0f ? g : 0.0f) + 0.0f;
  return g;
}

// sum g[l] and sum g[l] (x[l] - m) r over one row in kLanes lanes (lane k: l = k mod kLanes; a
// tail padded with g 0, x m, y 0: exact zeros); Relu: g masked by y, the fused ReLU's output.
template <bool Relu>
NG_ALWAYS_INLINE void row_grad_sums(const float* g, const float* y, const float* x, float m, float r, int64_t n,
                                    float* sg, float* sgx) {
  float a[kLanes] = {}, b[kLanes] = {};
  const auto add = [&](const float* gv, const float* yv, const float* xv) NG_INLINE_LAMBDA {
    for (int k = 0; k < kLanes; k++) {
      const float gk = masked<Relu>(gv[k], yv, k);
      a[k] += gk;
      b[k] += gk * ((xv[k] - m) * r);
    }
  };
  const int64_t nv = n - n % kLanes;
  for (int64_t i = 0; i < nv; i += kLanes) add(g + i, Relu ? y + i : nullptr, x + i);
  if (nv < n) {
    float gb[kLanes], yb[kLanes], xb[kLanes];
    add(padded_tail(gb, g + nv, n - nv, 0.0f), Relu ? padded_tail(yb, y + nv, n - nv, 0.0f) : nullptr,
        padded_tail(xb, x + nv, n - nv, m));
  }
  *sg = lane_total(a);
  *sgx = lane_total(b);
}

// The input gradient of one row, k (g - a - (x - m) r b) with g masked as above: written (init;
// + 0.0f: no -0) or added. Res (with Relu): also the residual's gradient dr, g masked by y, with
// the bits of reluBackward (added) / reluBackwardInit (written) on y. d and dr may be one buffer
// (x and the residual one tensor): each element gets d's term, then dr's, as the two ops in turn.
template <bool Relu, bool Init, bool Res = false>
NG_ALWAYS_INLINE void grad_input_row(float* d, float* dr, const float* g, const float* y, const float* x, int64_t n,
                                     float k, float a, float b, float m, float r) {
  for (int64_t i = 0; i < n; i++) {
    const float v = k * (masked<Relu>(g[i], y, i) - a - (x[i] - m) * r * b);
    if constexpr (Init)
      d[i] = v + 0.0f;
    else
      d[i] += v;
    if constexpr (Res) {
      const float gi = g[i];
      const float gr = y[i] > 0.0f ? gi : 0.0f;
      if constexpr (Init)
        dr[i] = 0.0f + gr;
      else
        dr[i] += gr;
    }
  }
}

// (N, C, L) inputs with L > 1 (BatchNorm2d): parallel over the N * C planes, whose float row
// sums go into per-plane slots, then added per channel in double in plane order n = 0, 1, ...:
// the same sums in the same order as a serial loop, so results do not depend on the thread
// count, and the work spreads over threads even when C is small (16 or 32 channels are one
// block of the channel-parallel path below).
// The passes run through run_isa: compiled for AVX-512 / AVX2 / the baseline, the copy for this
// CPU runs (f must inline: NG_INLINE_LAMBDA). Planes are independent, so any split gives the same
// result.
template <class F>
void for_planes(int64_t N, int64_t C, int64_t L, const F& f) {
  run_isa(N * C, L, [&](int64_t p0, int64_t p1) NG_INLINE_LAMBDA {
    for (int64_t p = p0; p < p1; p++) f(p);
  });
}

void forward_planes(float* out, float* mean, float* rstd, float* running_mean, float* running_var, const float* inp,
                    const float* weight, const float* bias, int64_t N, int64_t C, int64_t L, float eps, float momentum,
                    bool training, bool relu, const float* residual) {
  const int64_t M = N * L;
  std::vector<float> k(C), o(C);
  if (training) {
    // One read of the input: each plane's sum about its first value, then its squared deviations
    // about its own mean m while the plane is still in L1 (a plane of 28 x 28 is 3 KB). The
    // channel's mean and variance follow from the plane figures in double, in plane order n:
    // sum (x - mean)^2 = q + L (e - mean)^2 - L (e - m)^2 per plane (q: about the float m; e: the
    // plane mean in double). Shifted sums keep e's rounding at the scale of the plane's spread, so
    // planes far from zero or from each other lose no precision (tested against a double
    // reference with offsets 1e5 times the spread).
    std::vector<float> part(3 * N * C);
    std::vector<double> e(N * C), s(C, 0.0), v(C, 0.0);
    float* ps = part.data();
    float* pm = ps + N * C;
    float* pq = pm + N * C;
    const double Ld = static_cast<double>(L);
    for_planes(N, C, L, [=](int64_t p) NG_INLINE_LAMBDA {
      const float* x = inp + p * L;
      ps[p] = row_sum_shifted(x, x[0], L);
      pm[p] = static_cast<float>(static_cast<double>(x[0]) + static_cast<double>(ps[p]) / Ld);
      pq[p] = row_sq_dev(x, pm[p], L);
    });
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C; c++) {
        const int64_t p = n * C + c;
        e[p] = static_cast<double>(inp[p * L]) + static_cast<double>(ps[p]) / Ld;
        s[c] += e[p];
      }
    for (int64_t c = 0; c < C; c++) {
      s[c] /= static_cast<double>(N);  // now the mean
      mean[c] = static_cast<float>(s[c]);
    }
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C; c++) {
        const int64_t p = n * C + c;
        const double off = e[p] - static_cast<double>(pm[p]), d = e[p] - s[c];
        v[c] += static_cast<double>(pq[p]) + Ld * d * d - Ld * off * off;
      }
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
    o[c] = bias ? bias[c] : 0.0f;
  }
  const float* kp = k.data();
  const float* op = o.data();
  for_planes(N, C, L, [=](int64_t p) NG_INLINE_LAMBDA {
    const float kc = kp[p % C], oc = op[p % C], mc = mean[p % C];
    const float* x = inp + p * L;
    float* y = out + p * L;
    if (residual) {  // max(bn + r, 0): the sum rounded, then relu, as addRelu
      const float* r = residual + p * L;
      for (int64_t l = 0; l < L; l++) {
        const float v = ((x[l] - mc) * kc + oc) + r[l];
        y[l] = v > 0.0f ? v : 0.0f;
      }
    } else if (relu) {
      for (int64_t l = 0; l < L; l++) {
        const float v = (x[l] - mc) * kc + oc;
        y[l] = v > 0.0f ? v : 0.0f;  // as relu_forward
      }
    } else {
      for (int64_t l = 0; l < L; l++) y[l] = (x[l] - mc) * kc + oc;
    }
  });
}

void backward_planes(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const float* mean, const float* rstd, const float* relu_out, float* dres,
                     int64_t N, int64_t C, int64_t L, bool training, bool init) {
  const int64_t M = N * L;
  std::vector<float> pa(N * C), pb(N * C);
  float* ap = pa.data();
  float* bp = pb.data();
  for_planes(N, C, L, [=](int64_t p) NG_INLINE_LAMBDA {
    const int64_t c = p % C;
    if (relu_out)
      row_grad_sums<true>(dout + p * L, relu_out + p * L, inp + p * L, mean[c], rstd[c], L, ap + p, bp + p);
    else
      row_grad_sums<false>(dout + p * L, nullptr, inp + p * L, mean[c], rstd[c], L, ap + p, bp + p);
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
  for_planes(N, C, L, [=](int64_t p) NG_INLINE_LAMBDA {
    const int64_t c = p % C;
    const float k = (weight ? weight[c] : 1.0f) * rstd[c], a = ap[c], b = bp[c], m = mean[c], r = rstd[c];
    const float* g = dout + p * L;
    const float* y = relu_out ? relu_out + p * L : nullptr;
    const float* x = inp + p * L;
    float* d = dinp + p * L;
    float* dr = dres ? dres + p * L : nullptr;
    if (dr)  // (relu_out is set: the caller checks)
      init ? grad_input_row<true, true, true>(d, dr, g, y, x, L, k, a, b, m, r)
           : grad_input_row<true, false, true>(d, dr, g, y, x, L, k, a, b, m, r);
    else if (relu_out)
      init ? grad_input_row<true, true>(d, dr, g, y, x, L, k, a, b, m, r) : grad_input_row<true, false>(d, dr, g, y, x, L, k, a, b, m, r);
    else
      init ? grad_input_row<false, true>(d, dr, g, y, x, L, k, a, b, m, r) : grad_input_row<false, false>(d, dr, g, y, x, L, k, a, b, m, r);
  });
}
}  // namespace

void batchnorm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                       const float* inp, const float* weight, const float* bias, int64_t N, int64_t C,
                       int64_t L, float eps, float momentum, bool training, bool relu, const float* residual) {
  // out, inp: (N, C, L)  mean, rstd, running_mean, running_var, weight, bias: (C)
  if (L > 1) {
    forward_planes(out, mean, rstd, running_mean, running_var, inp, weight, bias, N, C, L, eps, momentum, training,
                   relu, residual);
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
      o[j] = bias ? bias[c] : 0.0f;
    }
    for (int64_t n = 0; n < N; n++)
      for (int64_t j = 0; j < len; j++) {
        const int64_t off = (n * C + c0 + j) * L;
        for (int64_t l = 0; l < L; l++) {
          const float v = (inp[off + l] - mean[c0 + j]) * k[j] + o[j];
          if (residual) {
            const float s = v + residual[off + l];
            out[off + l] = s > 0.0f ? s : 0.0f;
          } else {
            out[off + l] = relu ? (v > 0.0f ? v : 0.0f) : v;
          }
        }
      }
  });
}

void batchnorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C,
                        int64_t L, bool training, bool init, const float* relu_out, float* dres) {
  // dinp, dout, inp, relu_out, dres: (N, C, L)  dweight, dbias, weight, mean, rstd: (C)
  if (!relu_out || !dinp) dres = nullptr;  // (the binding requires both with dres)
  if (L > 1) {
    backward_planes(dinp, dweight, dbias, dout, inp, weight, mean, rstd, relu_out, dres, N, C, L, training, init);
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
        for (int64_t l = 0; l < L; l++) {
          grad_put(dinp[off + l], k[j] * (gin(off + l) - a[j] - (inp[off + l] - m) * r * b[j]), init);
          if (dres) {  // as relu_backward / relu_backward_init on relu_out
            const float gr = relu_out[off + l] > 0.0f ? dout[off + l] : 0.0f;
            dres[off + l] = init ? 0.0f + gr : dres[off + l] + gr;
          }
        }
      }
  });
}

}  // namespace ng::cpu

// Layers: fused linear forward/backward (GEMM epilogue for bias + relu, an elementwise pass for
// the other activations, like native/cpu/ops/linear.cc), layer norm, batch norm, embedding.
// Backward kernels ADD into their gradients. Statistics accumulate in double.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ng::cuda {

namespace {

constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kGeluC = 0.044715f;

// out = act(src) for the activations the GEMM epilogue lacks (sigmoid, tanh, gelu, gelu_tanh).
__global__ void act_kernel(float* __restrict__ out, const float* __restrict__ src, i64 n, int act) {
  NG_GRID_STRIDE(i, n) {
    const float x = src[i];
    float y;
    switch (act) {
      case 2: y = 1.0f / (1.0f + __expf(-x)); break;
      case 3: y = tanhf(x); break;
      case 4: y = 0.5f * x * (1.0f + erff(x * kInvSqrt2)); break;
      default: y = 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * (x + kGeluC * x * x * x))); break;
    }
    out[i] = y;
  }
}

__device__ inline float act_grad(int act, float y, float x) {
  switch (act) {
    case 1: return y > 0.0f ? 1.0f : 0.0f;
    case 2: return y * (1.0f - y);
    case 3: return 1.0f - y * y;
    case 4: return 0.5f * (1.0f + erff(x * kInvSqrt2)) + x * kInvSqrt2Pi * expf(-0.5f * x * x);
    default: {
      const float t = tanhf(kSqrt2OverPi * (x + kGeluC * x * x * x));
      return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluC * x * x);
    }
  }
}

__global__ void dpre_kernel(float* __restrict__ dpre, const float* __restrict__ dout, const float* __restrict__ out,
                            const float* __restrict__ pre, i64 n, int act) {
  NG_GRID_STRIDE(i, n) {
    const float g = dout[i];
    dpre[i] = act <= 3 ? g * act_grad(act, out[i], 0.0f) : g * act_grad(act, 0.0f, pre[i]);
  }
}

// db[c] += sum over rows of d[r, c]: one thread per column (coalesced across columns).
__global__ void col_sum_add_kernel(float* __restrict__ db, const float* __restrict__ d, i64 rows, i64 cols) {
  NG_GRID_STRIDE(c, cols) {
    double acc = 0.0;
    for (i64 r = 0; r < rows; r++) acc += d[r * cols + c];
    db[c] += static_cast<float>(acc);
  }
}

__global__ void ln_forward_kernel(float* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd,
                                  const float* __restrict__ x, const float* __restrict__ w,
                                  const float* __restrict__ b, i64 N, i64 C, float eps) {
  __shared__ double sh[32];
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const float* xr = x + n * C;
    float* yr = out + n * C;
    double s = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) s += xr[c];
    const double m = block_sum(s, sh) / static_cast<double>(C);
    double v = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      const double d = xr[c] - m;
      v += d * d;
    }
    v = block_sum(v, sh) / static_cast<double>(C);
    const float r = static_cast<float>(1.0 / sqrt(v + static_cast<double>(eps)));
    const float mf = static_cast<float>(m);
    for (i64 c = threadIdx.x; c < C; c += blockDim.x)
      yr[c] = (xr[c] - mf) * r * (w ? w[c] : 1.0f) + (b ? b[c] : 0.0f);
    if (threadIdx.x == 0) {
      mean[n] = mf;
      rstd[n] = r;
    }
  }
}

__global__ void ln_backward_dx_kernel(float* __restrict__ dx, const float* __restrict__ g, const float* __restrict__ x,
                                      const float* __restrict__ w, const float* __restrict__ mean,
                                      const float* __restrict__ rstd, i64 N, i64 C) {
  __shared__ double sh[32];
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const float* gr = g + n * C;
    const float* xr = x + n * C;
    float* dr = dx + n * C;
    const float m = mean[n], r = rstd[n];
    double s1 = 0.0, s2 = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      const float dn = gr[c] * (w ? w[c] : 1.0f);
      s1 += dn;
      s2 += dn * ((xr[c] - m) * r);
    }
    const float a = static_cast<float>(block_sum(s1, sh) / static_cast<double>(C));
    const float bb = static_cast<float>(block_sum(s2, sh) / static_cast<double>(C));
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      const float dn = gr[c] * (w ? w[c] : 1.0f);
      dr[c] += r * (dn - a - (xr[c] - m) * r * bb);
    }
  }
}

__global__ void ln_backward_dwdb_kernel(float* __restrict__ dw, float* __restrict__ db, const float* __restrict__ g,
                                        const float* __restrict__ x, const float* __restrict__ mean,
                                        const float* __restrict__ rstd, i64 N, i64 C) {
  NG_GRID_STRIDE(c, C) {
    double aw = 0.0, ab = 0.0;
    for (i64 n = 0; n < N; n++) {
      const float gv = g[n * C + c];
      aw += gv * ((x[n * C + c] - mean[n]) * rstd[n]);
      ab += gv;
    }
    if (dw) dw[c] += static_cast<float>(aw);
    if (db) db[c] += static_cast<float>(ab);
  }
}

// One block per channel: statistics (training) or running stats (eval), running-stat update,
// then the normalization of the channel's N x L values.
__global__ void bn_forward_kernel(float* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd,
                                  float* __restrict__ rmean, float* __restrict__ rvar, const float* __restrict__ x,
                                  const float* __restrict__ w, const float* __restrict__ b, i64 N, i64 C, i64 L,
                                  float eps, float momentum, bool training) {
  __shared__ double sh[32];
  __shared__ float kc, oc;
  const i64 M = N * L;
  for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
    if (training) {
      double s = 0.0;
      for (i64 k = threadIdx.x; k < M; k += blockDim.x) s += x[((k / L) * C + c) * L + k % L];
      const double m = block_sum(s, sh) / static_cast<double>(M);
      double v = 0.0;
      for (i64 k = threadIdx.x; k < M; k += blockDim.x) {
        const double d = x[((k / L) * C + c) * L + k % L] - m;
        v += d * d;
      }
      v = block_sum(v, sh);
      if (threadIdx.x == 0) {
        const float mf = static_cast<float>(m);
        const float r = static_cast<float>(1.0 / sqrt(v / static_cast<double>(M) + static_cast<double>(eps)));
        mean[c] = mf;
        rstd[c] = r;
        if (rmean) rmean[c] = (1.0f - momentum) * rmean[c] + momentum * mf;
        if (rvar) {
          const double unbiased = M > 1 ? v / static_cast<double>(M - 1) : NAN;
          rvar[c] = (1.0f - momentum) * rvar[c] + momentum * static_cast<float>(unbiased);
        }
      }
    } else if (threadIdx.x == 0) {
      mean[c] = rmean[c];
      rstd[c] = 1.0f / sqrtf(rvar[c] + eps);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      kc = (w ? w[c] : 1.0f) * rstd[c];
      oc = (b ? b[c] : 0.0f) - mean[c] * kc;
    }
    __syncthreads();
    const float k = kc, o = oc;
    for (i64 q = threadIdx.x; q < M; q += blockDim.x) {
      const i64 off = ((q / L) * C + c) * L + q % L;
      out[off] = x[off] * k + o;
    }
    __syncthreads();
  }
}

__global__ void bn_backward_kernel(float* __restrict__ dx, float* __restrict__ dw, float* __restrict__ db,
                                   const float* __restrict__ g, const float* __restrict__ x, const float* __restrict__ w,
                                   const float* __restrict__ mean, const float* __restrict__ rstd, i64 N, i64 C, i64 L,
                                   bool training) {
  __shared__ double sh[32];
  const i64 M = N * L;
  for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
    const float m = mean[c], r = rstd[c];
    double sg = 0.0, sgx = 0.0;
    for (i64 q = threadIdx.x; q < M; q += blockDim.x) {
      const i64 off = ((q / L) * C + c) * L + q % L;
      sg += g[off];
      sgx += g[off] * ((x[off] - m) * r);
    }
    sg = block_sum(sg, sh);
    sgx = block_sum(sgx, sh);
    if (threadIdx.x == 0) {
      if (dw) dw[c] += static_cast<float>(sgx);
      if (db) db[c] += static_cast<float>(sg);
    }
    if (dx) {
      const float k = (w ? w[c] : 1.0f) * r;
      const float a = training ? static_cast<float>(sg / static_cast<double>(M)) : 0.0f;
      const float bb = training ? static_cast<float>(sgx / static_cast<double>(M)) : 0.0f;
      for (i64 q = threadIdx.x; q < M; q += blockDim.x) {
        const i64 off = ((q / L) * C + c) * L + q % L;
        dx[off] += k * (g[off] - a - (x[off] - m) * r * bb);
      }
    }
  }
}

__global__ void embedding_kernel(float* __restrict__ out, const float* __restrict__ w, const int32_t* __restrict__ idx,
                                 i64 N, i64 D) {
  NG_GRID_STRIDE(k, N * D) {
    const i64 n = k / D, d = k % D;
    out[k] = w[static_cast<i64>(idx[n]) * D + d];
  }
}

__global__ void embedding_bwd_kernel(float* __restrict__ dw, const float* __restrict__ g,
                                     const int32_t* __restrict__ idx, i64 N, i64 D, int32_t pad) {
  NG_GRID_STRIDE(k, N * D) {
    const i64 n = k / D, d = k % D;
    const int32_t row = idx[n];
    if (row != pad) atomicAdd(dw + static_cast<i64>(row) * D + d, g[k]);
  }
}

unsigned rows_grid(i64 n) { return static_cast<unsigned>(n < (1 << 20) ? n : (1 << 20)); }

}  // namespace

void linear_forward(float* out, float* pre, const float* x, const float* w, const float* bias, i64 B, i64 C, i64 OC,
                    LinearAct act) {
  const bool gelu = act == LinearAct::gelu || act == LinearAct::gelu_tanh;
  float* dst = gelu ? pre : out;
  gemm(false, true, B, OC, C, 1.0f, x, C, w, C, 0.0f, dst, OC, bias,
       act == LinearAct::relu ? LinearAct::relu : LinearAct::none);
  const i64 n = B * OC;
  if (n == 0 || act == LinearAct::none || act == LinearAct::relu) return;
  act_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, gelu ? pre : out, n, static_cast<int>(act));
  launched("linear activation");
}

void linear_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                     const float* out, const float* pre, i64 B, i64 C, i64 OC, LinearAct act) {
  const i64 n = B * OC;
  const float* dpre = dout;
  Scratch scratch(act == LinearAct::none ? 0 : static_cast<size_t>(n) * sizeof(float));
  if (act != LinearAct::none && n > 0) {
    dpre_kernel<<<grid_for(n), kThreads, 0, stream()>>>(scratch.as<float>(), dout, out, pre, n, static_cast<int>(act));
    launched("linear backward activation");
    dpre = scratch.as<float>();
  }
  if (db && OC > 0) {
    col_sum_add_kernel<<<grid_for(OC), kThreads, 0, stream()>>>(db, dpre, B, OC);
    launched("linear backward bias");
  }
  if (dx) gemm(false, false, B, C, OC, 1.0f, dpre, OC, w, C, 1.0f, dx, C, nullptr, LinearAct::none);
  if (dw) gemm(true, false, OC, C, B, 1.0f, dpre, OC, x, C, 1.0f, dw, C, nullptr, LinearAct::none);
}

void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, i64 N,
                        i64 C, float eps) {
  if (N == 0) return;
  ln_forward_kernel<<<rows_grid(N), kThreads, 0, stream()>>>(out, mean, rstd, x, w, b, N, C, eps);
  launched("layerNorm");
}

void layer_norm_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                         const float* mean, const float* rstd, i64 N, i64 C) {
  if (N == 0 || C == 0) return;
  if (dx) {
    ln_backward_dx_kernel<<<rows_grid(N), kThreads, 0, stream()>>>(dx, dout, x, w, mean, rstd, N, C);
    launched("layerNorm backward");
  }
  if (dw || db) {
    ln_backward_dwdb_kernel<<<grid_for(C), kThreads, 0, stream()>>>(dw, db, dout, x, mean, rstd, N, C);
    launched("layerNorm backward (weight)");
  }
}

void batch_norm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var, const float* x,
                        const float* w, const float* b, i64 N, i64 C, i64 L, float eps, float momentum, bool training) {
  if (C == 0) return;
  bn_forward_kernel<<<rows_grid(C), kThreads, 0, stream()>>>(out, mean, rstd, running_mean, running_var, x, w, b, N, C,
                                                             L, eps, momentum, training);
  launched("batchNorm");
}

void batch_norm_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                         const float* mean, const float* rstd, i64 N, i64 C, i64 L, bool training) {
  if (C == 0) return;
  bn_backward_kernel<<<rows_grid(C), kThreads, 0, stream()>>>(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training);
  launched("batchNorm backward");
}

void embedding_forward(float* out, const float* w, const int32_t* idx, i64 N, i64 D) {
  if (N * D == 0) return;
  embedding_kernel<<<grid_for(N * D), kThreads, 0, stream()>>>(out, w, idx, N, D);
  launched("embedding");
}

void embedding_backward(float* dw, const float* dout, const int32_t* idx, i64 N, i64 D, int32_t padding_idx) {
  if (N * D == 0) return;
  embedding_bwd_kernel<<<grid_for(N * D), kThreads, 0, stream()>>>(dw, dout, idx, N, D, padding_idx);
  launched("embedding backward");
}

}  // namespace ng::cuda

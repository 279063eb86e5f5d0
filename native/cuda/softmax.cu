// Row kernels (softmax, log-softmax), softmax cross-entropy and the pair losses mse / l1.
// One block per row; losses reduce on the device in double and return one number to the host.
// Backward kernels ADD into the gradient; dout and the mean denominators are read on the device.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ng::cuda {

namespace {

unsigned row_grid(i64 N) { return static_cast<unsigned>(N < (1 << 20) ? N : (1 << 20)); }

template <bool LOG>
__global__ void softmax_kernel(float* __restrict__ out, const float* __restrict__ x, i64 N, i64 C) {
  __shared__ float shf[32];
  __shared__ double shd[32];
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const float* xr = x + n * C;
    float* yr = out + n * C;
    float mx = -INFINITY;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) mx = nan_max(mx, xr[c]);
    mx = block_max(mx, shf);
    double s = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) s += expf(xr[c] - mx);
    s = block_sum(s, shd);
    if (LOG) {
      const float ls = static_cast<float>(log(s));
      for (i64 c = threadIdx.x; c < C; c += blockDim.x) yr[c] = (xr[c] - mx) - ls;
    } else {
      const float inv = static_cast<float>(1.0 / s);
      for (i64 c = threadIdx.x; c < C; c += blockDim.x) yr[c] = expf(xr[c] - mx) * inv;
    }
  }
}

template <bool LOG>
__global__ void softmax_bwd_kernel(float* __restrict__ dx, const float* __restrict__ y, const float* __restrict__ g,
                                   i64 N, i64 C) {
  __shared__ double shd[32];
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const float* yr = y + n * C;
    const float* gr = g + n * C;
    float* dr = dx + n * C;
    double s = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) s += LOG ? gr[c] : gr[c] * yr[c];
    const float t = static_cast<float>(block_sum(s, shd));
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      if (LOG) dr[c] += gr[c] - expf(yr[c]) * t;
      else dr[c] += yr[c] * (gr[c] - t);
    }
  }
}

__device__ inline float wt(const float* w, i64 c) { return w ? w[c] : 1.0f; }
__device__ inline bool counted(int32_t y, i64 C, int32_t ignore) { return y != ignore && y >= 0 && y < C; }

// Per row: probs, the loss (into row_loss[n], double) and the row's label weight (row_w[n]).
__global__ void ce_forward_kernel(double* __restrict__ row_loss, double* __restrict__ row_w, float* __restrict__ losses,
                                  float* __restrict__ probs, const float* __restrict__ logits,
                                  const int32_t* __restrict__ labels, const float* __restrict__ weight, i64 N, i64 C,
                                  float ls, int32_t ignore) {
  __shared__ float shf[32];
  __shared__ double shd[32];
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const float* x = logits + n * C;
    float* p = probs + n * C;
    float mx = -INFINITY;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) mx = nan_max(mx, x[c]);
    mx = block_max(mx, shf);
    double s = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) s += expf(x[c] - mx);
    s = block_sum(s, shd);
    const double lsum = log(s);
    const float inv = static_cast<float>(1.0 / s);
    double smooth = 0.0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      p[c] = expf(x[c] - mx) * inv;
      if (ls > 0.0f) smooth -= static_cast<double>(wt(weight, c)) * ((static_cast<double>(x[c]) - mx) - lsum);
    }
    if (ls > 0.0f) smooth = block_sum(smooth, shd);
    if (threadIdx.x == 0) {
      const int32_t y = labels[n];
      double l = 0.0, w = 0.0;
      if (y != ignore && y >= 0 && y < C) {
        const double logp = (static_cast<double>(x[y]) - mx) - lsum;
        l = (1.0 - ls) * -static_cast<double>(wt(weight, y)) * logp;
        if (ls > 0.0f) l += static_cast<double>(ls) / static_cast<double>(C) * smooth;
        w = wt(weight, y);
      }
      if (losses) losses[n] = static_cast<float>(l);
      row_loss[n] = l;
      row_w[n] = w;
    }
  }
}

// sums[0] = sum of a[0..n), sums[1] = sum of b[0..n) (one block).
__global__ void sum2_kernel(double* __restrict__ sums, const double* __restrict__ a, const double* __restrict__ b, i64 n) {
  __shared__ double sh[32];
  double x = 0.0, y = 0.0;
  for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
    x += a[i];
    if (b) y += b[i];
  }
  x = block_sum(x, sh);
  y = block_sum(y, sh);
  if (threadIdx.x == 0) {
    sums[0] = x;
    sums[1] = y;
  }
}

// k[0] = dout[0] / denom (denom: the label-weight sum for mean, else 1), k[1] = sum of weight (or C).
__global__ void ce_prep_kernel(float* __restrict__ k, const int32_t* __restrict__ labels, const float* __restrict__ weight,
                               const float* __restrict__ dout, i64 N, i64 C, int32_t ignore, bool mean, bool none) {
  __shared__ double sh[32];
  double d = 0.0, W = 0.0;
  if (mean)
    for (i64 n = threadIdx.x; n < N; n += blockDim.x) {
      const int32_t y = labels[n];
      if (counted(y, C, ignore)) d += wt(weight, y);
    }
  for (i64 c = threadIdx.x; c < C; c += blockDim.x) W += wt(weight, c);
  d = block_sum(d, sh);
  W = block_sum(W, sh);
  if (threadIdx.x == 0) {
    k[0] = none ? 0.0f : static_cast<float>(static_cast<double>(dout[0]) / (mean ? d : 1.0));
    k[1] = static_cast<float>(W);
  }
}

__global__ void ce_backward_kernel(float* __restrict__ dl, const float* __restrict__ probs,
                                   const int32_t* __restrict__ labels, const float* __restrict__ weight,
                                   const float* __restrict__ dout, const float* __restrict__ k, i64 N, i64 C, float ls,
                                   int32_t ignore, bool none) {
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const int32_t y = labels[n];
    if (!counted(y, C, ignore)) continue;
    const float s = none ? dout[n] : k[0];
    const float a = s * (1.0f - ls) * wt(weight, y);
    const float b = s * ls / static_cast<float>(C);
    const float ab = a + b * k[1];
    const float* p = probs + n * C;
    float* d = dl + n * C;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      float v = ls == 0.0f ? a * p[c] : ab * p[c] - b * wt(weight, c);
      if (c == y) v -= a;
      d[c] += v;
    }
  }
}

// Pair losses: MODE 0 mse, 1 l1.
template <int MODE>
__device__ inline float pair_value(float x, float y) {
  const float d = x - y;
  return MODE == 0 ? d * d : fabsf(d);
}

template <int MODE>
__global__ void pair_forward_kernel(double* __restrict__ partial, float* __restrict__ losses, const float* __restrict__ x,
                                    const float* __restrict__ y, i64 n) {
  __shared__ double sh[32];
  double acc = 0.0;
  NG_GRID_STRIDE(i, n) {
    const float l = pair_value<MODE>(x[i], y[i]);
    if (losses) losses[i] = l;
    acc += l;
  }
  acc = block_sum(acc, sh);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

template <int MODE>
__global__ void pair_backward_kernel(float* __restrict__ dx, float* __restrict__ dy, const float* __restrict__ x,
                                     const float* __restrict__ y, const float* __restrict__ dout, i64 n, double denom,
                                     bool none) {
  const float k = none ? 0.0f : static_cast<float>(static_cast<double>(dout[0]) / denom);
  NG_GRID_STRIDE(i, n) {
    const float s = none ? dout[i] : k;
    const float d = x[i] - y[i];
    const float g = MODE == 0 ? 2.0f * d * s : (d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f)) * s;
    if (dx) dx[i] += g;
    if (dy) dy[i] -= g;
  }
}

template <int MODE>
double pair_forward(float* losses, const float* x, const float* y, i64 n, Reduction red) {
  if (n <= 0) return red == Reduction::mean ? NAN : 0.0;
  const unsigned grid = grid_for(n) < 1024 ? grid_for(n) : 1024;
  Scratch partial((grid + 2) * sizeof(double));
  pair_forward_kernel<MODE><<<grid, kThreads, 0, stream()>>>(partial.as<double>(), losses, x, y, n);
  sum2_kernel<<<1, kThreads, 0, stream()>>>(partial.as<double>() + grid, partial.as<double>(), nullptr, grid);
  launched("pair loss");
  double s = 0.0;
  copy_to_host(&s, partial.as<double>() + grid, sizeof s);
  return red == Reduction::mean ? s / static_cast<double>(n) : s;
}

template <int MODE>
void pair_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, i64 n, Reduction red) {
  if (n <= 0 || (!dx && !dy)) return;
  const double denom = red == Reduction::mean ? static_cast<double>(n) : 1.0;
  pair_backward_kernel<MODE><<<grid_for(n), kThreads, 0, stream()>>>(dx, dy, x, y, dout, n, denom, red == Reduction::none);
  launched("pair loss backward");
}

}  // namespace

void softmax_forward(float* out, const float* x, i64 N, i64 C) {
  if (N == 0 || C == 0) return;
  softmax_kernel<false><<<row_grid(N), kThreads, 0, stream()>>>(out, x, N, C);
  launched("softmax");
}
void log_softmax_forward(float* out, const float* x, i64 N, i64 C) {
  if (N == 0 || C == 0) return;
  softmax_kernel<true><<<row_grid(N), kThreads, 0, stream()>>>(out, x, N, C);
  launched("logSoftmax");
}
void softmax_backward(float* dx, const float* out, const float* dout, i64 N, i64 C) {
  if (N == 0 || C == 0) return;
  softmax_bwd_kernel<false><<<row_grid(N), kThreads, 0, stream()>>>(dx, out, dout, N, C);
  launched("softmax backward");
}
void log_softmax_backward(float* dx, const float* out, const float* dout, i64 N, i64 C) {
  if (N == 0 || C == 0) return;
  softmax_bwd_kernel<true><<<row_grid(N), kThreads, 0, stream()>>>(dx, out, dout, N, C);
  launched("logSoftmax backward");
}

double cross_entropy_forward(float* losses, float* probs, const float* logits, const int32_t* labels,
                             const float* weight, i64 N, i64 C, float label_smoothing, int32_t ignore_index,
                             Reduction red) {
  if (N == 0) return red == Reduction::mean ? NAN : 0.0;
  Scratch rows((2 * N + 2) * sizeof(double));
  double* row_loss = rows.as<double>();
  double* row_w = row_loss + N;
  double* sums = row_w + N;
  ce_forward_kernel<<<row_grid(N), kThreads, 0, stream()>>>(row_loss, row_w, losses, probs, logits, labels, weight, N, C,
                                                            label_smoothing, ignore_index);
  sum2_kernel<<<1, kThreads, 0, stream()>>>(sums, row_loss, row_w, N);
  launched("crossEntropy");
  double h[2];
  copy_to_host(h, sums, sizeof h);
  return red == Reduction::mean ? h[0] / h[1] : h[0];
}

void cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels, const float* weight,
                            const float* dout, i64 N, i64 C, float label_smoothing, int32_t ignore_index,
                            Reduction red) {
  if (N == 0) return;
  Scratch k(2 * sizeof(float));
  const bool none = red == Reduction::none;
  ce_prep_kernel<<<1, kThreads, 0, stream()>>>(k.as<float>(), labels, weight, dout, N, C, ignore_index,
                                               red == Reduction::mean, none);
  ce_backward_kernel<<<row_grid(N), kThreads, 0, stream()>>>(dlogits, probs, labels, weight, dout, k.as<float>(), N, C,
                                                             label_smoothing, ignore_index, none);
  launched("crossEntropy backward");
}

double mse_forward(float* losses, const float* x, const float* y, i64 n, const double*, Reduction red) {
  return pair_forward<0>(losses, x, y, n, red);
}
void mse_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, i64 n, const double*,
                  Reduction red) {
  pair_backward<0>(dx, dy, x, y, dout, n, red);
}
double l1_forward(float* losses, const float* x, const float* y, i64 n, const double*, Reduction red) {
  return pair_forward<1>(losses, x, y, n, red);
}
void l1_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, i64 n, const double*,
                 Reduction red) {
  pair_backward<1>(dx, dy, x, y, dout, n, red);
}

}  // namespace ng::cuda

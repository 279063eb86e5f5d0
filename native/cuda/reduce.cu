// Reductions over (outer, dim, inner) views, max/argmax with the CPU's NaN rule, vector norms.
// Sums accumulate in double (like the CPU kernels) so results agree closely.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ng::cuda {

namespace {

// inner == 1: one block per row of `dim` values.
__global__ void row_sum_kernel(float* __restrict__ out, const float* __restrict__ x, i64 outer, i64 dim, double scale) {
  __shared__ double sh[32];
  for (i64 o = blockIdx.x; o < outer; o += gridDim.x) {
    const float* row = x + o * dim;
    double acc = 0.0;
    for (i64 d = threadIdx.x; d < dim; d += blockDim.x) acc += row[d];
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) out[o] = static_cast<float>(acc * scale);
  }
}

// inner > 1: one thread per (o, i), reading columns (coalesced across i).
__global__ void col_sum_kernel(float* __restrict__ out, const float* __restrict__ x, i64 outer, i64 dim, i64 inner,
                               double scale) {
  NG_GRID_STRIDE(oi, outer * inner) {
    const i64 o = oi / inner, i = oi % inner;
    const float* p = x + o * dim * inner + i;
    double acc = 0.0;
    for (i64 d = 0; d < dim; d++) acc += p[d * inner];
    out[oi] = static_cast<float>(acc * scale);
  }
}

void sum_scaled(float* out, const float* x, i64 outer, i64 dim, i64 inner, double scale) {
  if (outer * inner == 0) return;
  if (inner == 1) {
    const unsigned grid = static_cast<unsigned>(outer < (1 << 20) ? outer : (1 << 20));
    row_sum_kernel<<<grid, kThreads, 0, stream()>>>(out, x, outer, dim, scale);
  } else {
    col_sum_kernel<<<grid_for(outer * inner), kThreads, 0, stream()>>>(out, x, outer, dim, inner, scale);
  }
  launched("sum");
}

__global__ void bcast_add_kernel(float* __restrict__ dx, const float* __restrict__ g, i64 outer, i64 dim, i64 inner,
                                 float scale) {
  NG_GRID_STRIDE(k, outer * dim * inner) {
    const i64 i = k % inner, o = k / (dim * inner);
    dx[k] += g[o * inner + i] * scale;
  }
}

__global__ void extreme_kernel(float* __restrict__ out, int32_t* __restrict__ idx, const float* __restrict__ x,
                               i64 outer, i64 dim, i64 inner) {
  NG_GRID_STRIDE(oi, outer * inner) {
    const i64 o = oi / inner, i = oi % inner;
    const float* p = x + o * dim * inner + i;
    float best = p[0];
    int32_t bi = 0;
    if (!(best != best)) {
      for (i64 d = 1; d < dim; d++) {
        const float v = p[d * inner];
        if (v != v) {
          best = v;
          bi = static_cast<int32_t>(d);
          break;
        }
        if (v > best) {
          best = v;
          bi = static_cast<int32_t>(d);
        }
      }
    }
    if (out) out[oi] = best;
    idx[oi] = bi;
  }
}

__global__ void max_bwd_kernel(float* __restrict__ dx, const float* __restrict__ g, const int32_t* __restrict__ idx,
                               i64 outer, i64 dim, i64 inner) {
  NG_GRID_STRIDE(oi, outer * inner) {
    const i64 o = oi / inner, i = oi % inner;
    const int32_t d = idx[oi];
    if (d >= 0 && d < dim) dx[(o * dim + d) * inner + i] += g[oi];
  }
}

// Sum of squares (MODE 0) or count of non-finite values (MODE 1) over n, into partials per block.
template <int MODE>
__global__ void vec_partial_kernel(double* __restrict__ partial, const float* __restrict__ x, i64 n) {
  __shared__ double sh[32];
  double acc = 0.0;
  NG_GRID_STRIDE(i, n) {
    const float v = x[i];
    if (MODE == 0) acc += static_cast<double>(v) * v;
    else acc += isfinite(v) ? 0.0 : 1.0;
  }
  acc = block_sum(acc, sh);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void final_sum_kernel(double* __restrict__ out, const double* __restrict__ partial, int n) {
  __shared__ double sh[32];
  double acc = 0.0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) acc += partial[i];
  acc = block_sum(acc, sh);
  if (threadIdx.x == 0) out[0] = acc;
}

template <int MODE>
double vec_reduce(const float* x, i64 n) {
  if (n <= 0) return 0.0;
  const unsigned grid = grid_for(n) < 1024 ? grid_for(n) : 1024;
  Scratch partial((grid + 1) * sizeof(double));
  vec_partial_kernel<MODE><<<grid, kThreads, 0, stream()>>>(partial.as<double>(), x, n);
  final_sum_kernel<<<1, kThreads, 0, stream()>>>(partial.as<double>() + grid, partial.as<double>(), static_cast<int>(grid));
  launched("vector reduction");
  double r = 0.0;
  copy_to_host(&r, partial.as<double>() + grid, sizeof r);
  return r;
}

}  // namespace

void sum_forward(float* out, const float* x, i64 outer, i64 dim, i64 inner) { sum_scaled(out, x, outer, dim, inner, 1.0); }
void mean_forward(float* out, const float* x, i64 outer, i64 dim, i64 inner) {
  sum_scaled(out, x, outer, dim, inner, dim > 0 ? 1.0 / static_cast<double>(dim) : NAN);
}
void sum_backward(float* dx, const float* dout, i64 outer, i64 dim, i64 inner) {
  if (outer * dim * inner == 0) return;
  bcast_add_kernel<<<grid_for(outer * dim * inner), kThreads, 0, stream()>>>(dx, dout, outer, dim, inner, 1.0f);
  launched("sum backward");
}
void mean_backward(float* dx, const float* dout, i64 outer, i64 dim, i64 inner) {
  if (outer * dim * inner == 0) return;
  bcast_add_kernel<<<grid_for(outer * dim * inner), kThreads, 0, stream()>>>(dx, dout, outer, dim, inner,
                                                                            1.0f / static_cast<float>(dim));
  launched("mean backward");
}
void max_forward(float* out, int32_t* idx, const float* x, i64 outer, i64 dim, i64 inner) {
  if (outer * inner == 0 || dim == 0) return;
  extreme_kernel<<<grid_for(outer * inner), kThreads, 0, stream()>>>(out, idx, x, outer, dim, inner);
  launched("max");
}
void argmax(int32_t* idx, const float* x, i64 outer, i64 dim, i64 inner) { max_forward(nullptr, idx, x, outer, dim, inner); }
void max_backward(float* dx, const float* dout, const int32_t* idx, i64 outer, i64 dim, i64 inner) {
  if (outer * inner == 0) return;
  max_bwd_kernel<<<grid_for(outer * inner), kThreads, 0, stream()>>>(dx, dout, idx, outer, dim, inner);
  launched("max backward");
}

double l2_norm(float* x, i64 n, const double*) { return std::sqrt(vec_reduce<0>(x, n)); }

double clip_by_norm(float* x, i64 n, const double* attrs) {
  const double total = std::sqrt(vec_reduce<0>(x, n));
  const double coef = attrs[0] / (total + 1e-6);
  if (coef < 1.0) {
    const double a[4] = {coef, 0, 0, 0};
    scale_inplace(x, n, a);
  }
  return total;
}

bool all_finite(const float* x, i64 n) { return vec_reduce<1>(x, n) == 0.0; }

}  // namespace ng::cuda

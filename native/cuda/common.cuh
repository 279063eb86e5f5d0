// Shared by the .cu files: launch geometry, block reductions, the kernel-launch check.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/runtime.h"

namespace ng::cuda {

using i64 = int64_t;
constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n items (at least 1, at most 2^20 blocks).
inline unsigned grid_for(i64 n, int threads = kThreads) {
  i64 b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > (1 << 20)) b = 1 << 20;
  return static_cast<unsigned>(b);
}

// Rows of a row-wise kernel (one block per row) are launched in chunks of at most this many
// blocks (gridDim.x limit is far higher; this keeps row offsets in 32-bit block indices).
constexpr i64 kMaxRowBlocks = 1 << 30;

inline void launched(const char* what) { check(cudaGetLastError(), what); }

#define NG_GRID_STRIDE(i, n) \
  for (i64 i = static_cast<i64>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<i64>(blockDim.x) * gridDim.x)

// Sum over the block (blockDim.x a multiple of 32, <= 1024); every thread gets the result.
template <class T>
__device__ inline T block_sum(T v, T* shared /* >= 32 entries */) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  __syncthreads();  // shared may still be read by a previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  T r = lane < nwarps ? shared[lane] : T(0);
  for (int o = 16; o > 0; o >>= 1) r += __shfl_xor_sync(0xffffffffu, r, o);
  return r;
}

// Max over the block, NaN-propagating (like the CPU kernels: a NaN row gives NaN).
__device__ inline float nan_max(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b); }

__device__ inline float block_max(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v = nan_max(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  float r = lane < nwarps ? shared[lane] : -INFINITY;
  for (int o = 16; o > 0; o >>= 1) r = nan_max(r, __shfl_xor_sync(0xffffffffu, r, o));
  return r;
}

}  // namespace ng::cuda

// GEMM on tensor cores (WMMA, fp32 accumulation) with the fused epilogue
//   C = alpha op(A) op(B) + beta C, then + bias[col], then relu (act)
// row-major with leading dimensions, like the CPU sgemm (native/cpu/gemm). Operands:
//   tf32: fp32 in memory, rounded to TF32 in shared memory (m16n16k8 fragments)
//   bf16: fp32 in memory rounded to bf16, or bf16 in memory (gemm_bf16) (m16n16k16 fragments)
//   fp32: a SIMT kernel in full fp32 (reference precision; selected with setGemmPrecision)
// Tiles: 128x128 per block of 8 warps (2 x 4), each warp 64x32 (4 x 2 fragments); K in steps
// of 16 (tf32) or 32 (bf16), staged through shared memory with bounds-checked loads (zeros past
// the edges), so any M, N, K and any leading dimensions work; the epilogue writes only in-range
// elements. Global loads are double-buffered through registers (the next K tile is fetched while
// the current one is multiplied).
#include <cuda_bf16.h>
#include <mma.h>

#include <stdexcept>
#include <string>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ng::cuda {

namespace {

using namespace nvcuda;

GemmPrecision g_precision = GemmPrecision::tf32;

constexpr int BM = 128, BN = 128, WARPS = 8, THREADS = WARPS * 32;
constexpr int WM = 64, WN = 32;  // warp tile
constexpr int FM = WM / 16, FN = WN / 16;

template <class In, class Frag>
struct Cfg;
// fp32 operands -> tf32 fragments
template <>
struct Cfg<float, wmma::precision::tf32> {
  static constexpr int BK = 16, FK = 8, PAD = 4;
  using Smem = float;
  __device__ static Smem cvt(float v) { return wmma::__float_to_tf32(v); }
};
// fp32 operands -> bf16 fragments
template <>
struct Cfg<float, __nv_bfloat16> {
  static constexpr int BK = 32, FK = 16, PAD = 8;
  using Smem = __nv_bfloat16;
  __device__ static Smem cvt(float v) { return __float2bfloat16_rn(v); }
};
// bf16 operands -> bf16 fragments
template <>
struct Cfg<__nv_bfloat16, __nv_bfloat16> {
  static constexpr int BK = 32, FK = 16, PAD = 8;
  using Smem = __nv_bfloat16;
  __device__ static Smem cvt(__nv_bfloat16 v) { return v; }
};

template <class In>
__device__ inline In zero_of() { return In(0.0f); }

// Epilogue on one output element.
__device__ inline float epilogue(float acc, float alpha, float beta, const float* C, i64 ldc, i64 r, i64 c,
                                 const float* bias, bool relu) {
  float v = alpha * acc;
  if (beta != 0.0f) v += beta * C[r * ldc + c];
  if (bias) v += bias[c];
  if (relu && v < 0.0f) v = 0.0f;
  return v;
}

template <class In, class Frag>
__global__ void __launch_bounds__(THREADS) wmma_gemm_kernel(bool ta, bool tb, i64 M, i64 N, i64 K, float alpha,
                                                            const In* __restrict__ A, i64 lda, const In* __restrict__ B,
                                                            i64 ldb, float beta, float* __restrict__ C, i64 ldc,
                                                            const float* __restrict__ bias, bool relu) {
  using G = Cfg<In, Frag>;
  using S = typename G::Smem;
  constexpr int BK = G::BK, FK = G::FK, LDA = BK + G::PAD, LDB = BN + G::PAD;
  constexpr int A_ELEMS = BM * BK, B_ELEMS = BK * BN;
  constexpr int A_PER_THREAD = A_ELEMS / THREADS, B_PER_THREAD = B_ELEMS / THREADS;
  __shared__ __align__(128) S As[BM * LDA];
  __shared__ __align__(128) S Bs[BK * LDB];
  __shared__ __align__(128) float Cs[WARPS][16 * 16];

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int wr = warp / (BN / WN), wc = warp % (BN / WN);  // 2 x 4 warps
  const i64 m0 = static_cast<i64>(blockIdx.y) * BM, n0 = static_cast<i64>(blockIdx.x) * BN;

  wmma::fragment<wmma::accumulator, 16, 16, FK, float> acc[FM][FN];
#pragma unroll
  for (int i = 0; i < FM; i++)
#pragma unroll
    for (int j = 0; j < FN; j++) wmma::fill_fragment(acc[i][j], 0.0f);

  // Register staging of the next tile. Element e of this thread's share -> tile coordinates
  // chosen so that consecutive threads read consecutive addresses in global memory.
  In ra[A_PER_THREAD], rb[B_PER_THREAD];
  auto load = [&](i64 k0) {
#pragma unroll
    for (int e = 0; e < A_PER_THREAD; e++) {
      const int idx = tid + e * THREADS;
      int r, k;
      if (!ta) { r = idx / BK; k = idx % BK; } else { k = idx / BM; r = idx % BM; }
      const i64 gr = m0 + r, gk = k0 + k;
      ra[e] = (gr < M && gk < K) ? (ta ? A[gk * lda + gr] : A[gr * lda + gk]) : zero_of<In>();
    }
#pragma unroll
    for (int e = 0; e < B_PER_THREAD; e++) {
      const int idx = tid + e * THREADS;
      int k, c;
      if (!tb) { k = idx / BN; c = idx % BN; } else { c = idx / BK; k = idx % BK; }
      const i64 gk = k0 + k, gc = n0 + c;
      rb[e] = (gk < K && gc < N) ? (tb ? B[gc * ldb + gk] : B[gk * ldb + gc]) : zero_of<In>();
    }
  };
  auto store = [&]() {
#pragma unroll
    for (int e = 0; e < A_PER_THREAD; e++) {
      const int idx = tid + e * THREADS;
      int r, k;
      if (!ta) { r = idx / BK; k = idx % BK; } else { k = idx / BM; r = idx % BM; }
      As[r * LDA + k] = G::cvt(ra[e]);
    }
#pragma unroll
    for (int e = 0; e < B_PER_THREAD; e++) {
      const int idx = tid + e * THREADS;
      int k, c;
      if (!tb) { k = idx / BN; c = idx % BN; } else { c = idx / BK; k = idx % BK; }
      Bs[k * LDB + c] = G::cvt(rb[e]);
    }
  };

  load(0);
  for (i64 k0 = 0; k0 < K; k0 += BK) {
    store();
    __syncthreads();
    if (k0 + BK < K) load(k0 + BK);  // overlaps the global reads with the MMAs below
#pragma unroll
    for (int kk = 0; kk < BK; kk += FK) {
      wmma::fragment<wmma::matrix_a, 16, 16, FK, Frag, wmma::row_major> fa[FM];
      wmma::fragment<wmma::matrix_b, 16, 16, FK, Frag, wmma::row_major> fb[FN];
#pragma unroll
      for (int i = 0; i < FM; i++) wmma::load_matrix_sync(fa[i], As + (wr * WM + i * 16) * LDA + kk, LDA);
#pragma unroll
      for (int j = 0; j < FN; j++) wmma::load_matrix_sync(fb[j], Bs + kk * LDB + wc * WN + j * 16, LDB);
#pragma unroll
      for (int i = 0; i < FM; i++)
#pragma unroll
        for (int j = 0; j < FN; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }

  // Epilogue: each fragment goes through the warp's 16x16 scratch, then to C with bounds checks.
  float* cs = Cs[warp];
#pragma unroll
  for (int i = 0; i < FM; i++)
#pragma unroll
    for (int j = 0; j < FN; j++) {
      wmma::store_matrix_sync(cs, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      const i64 r0 = m0 + wr * WM + i * 16, c0 = n0 + wc * WN + j * 16;
      for (int e = lane; e < 256; e += 32) {
        const i64 r = r0 + e / 16, c = c0 + e % 16;
        if (r < M && c < N) C[r * ldc + c] = epilogue(cs[e], alpha, beta, C, ldc, r, c, bias, relu);
      }
      __syncwarp();
    }
}

// fp32 SIMT: 64x64 tile per 256 threads, 4x4 outputs per thread, K steps of 16.
__global__ void __launch_bounds__(256) sgemm_kernel(bool ta, bool tb, i64 M, i64 N, i64 K, float alpha,
                                                    const float* __restrict__ A, i64 lda, const float* __restrict__ B,
                                                    i64 ldb, float beta, float* __restrict__ C, i64 ldc,
                                                    const float* __restrict__ bias, bool relu) {
  constexpr int T = 64, TK = 16;
  __shared__ float As[TK][T + 1];
  __shared__ float Bs[TK][T + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const i64 m0 = static_cast<i64>(blockIdx.y) * T, n0 = static_cast<i64>(blockIdx.x) * T;
  float acc[4][4] = {};
  for (i64 k0 = 0; k0 < K; k0 += TK) {
    for (int idx = threadIdx.x; idx < T * TK; idx += 256) {
      int r, k;
      if (!ta) { r = idx / TK; k = idx % TK; } else { k = idx / T; r = idx % T; }
      const i64 gr = m0 + r, gk = k0 + k;
      As[k][r] = (gr < M && gk < K) ? (ta ? A[gk * lda + gr] : A[gr * lda + gk]) : 0.0f;
      int c;
      if (!tb) { k = idx / T; c = idx % T; } else { c = idx / TK; k = idx % TK; }
      const i64 gk2 = k0 + k, gc = n0 + c;
      Bs[k][c] = (gk2 < K && gc < N) ? (tb ? B[gc * ldb + gk2] : B[gk2 * ldb + gc]) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < TK; k++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[k][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = Bs[k][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const i64 r = m0 + ty + 16 * i, c = n0 + tx + 16 * j;
      if (r < M && c < N) C[r * ldc + c] = epilogue(acc[i][j], alpha, beta, C, ldc, r, c, bias, relu);
    }
}

// C = beta C (+ bias, relu) when K == 0 (no products).
__global__ void scale_only_kernel(i64 M, i64 N, float beta, float* C, i64 ldc, const float* bias, bool relu) {
  NG_GRID_STRIDE(i, M * N) {
    const i64 r = i / N, c = i % N;
    C[r * ldc + c] = epilogue(0.0f, 0.0f, beta, C, ldc, r, c, bias, relu);
  }
}

template <class In, class Frag>
void launch_wmma(bool ta, bool tb, i64 M, i64 N, i64 K, float alpha, const In* A, i64 lda, const In* B, i64 ldb,
                 float beta, float* C, i64 ldc, const float* bias, bool relu) {
  const dim3 grid(static_cast<unsigned>((N + BN - 1) / BN), static_cast<unsigned>((M + BM - 1) / BM));
  wmma_gemm_kernel<In, Frag><<<grid, THREADS, 0, stream()>>>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias,
                                                              relu);
  launched("gemm (tensor cores)");
}

void check_grid(i64 M, i64 N, int tile) {
  if ((M + tile - 1) / tile > 65535) {
    throw std::runtime_error("nodegrad cuda: gemm with M = " + std::to_string(M) + " rows exceeds the grid limit (" +
                             std::to_string(65535LL * tile) + " rows)");
  }
  (void)N;
}

bool trivial(i64 M, i64 N, i64 K, float beta, float* C, i64 ldc, const float* bias, LinearAct act) {
  if (M == 0 || N == 0) return true;
  if (K == 0) {
    scale_only_kernel<<<grid_for(M * N), kThreads, 0, stream()>>>(M, N, beta, C, ldc, bias, act == LinearAct::relu);
    launched("gemm (K = 0)");
    return true;
  }
  return false;
}

}  // namespace

void set_gemm_precision(GemmPrecision p) { g_precision = p; }
GemmPrecision gemm_precision() { return g_precision; }

const char* gemm_kernel_name() {
  switch (g_precision) {
    case GemmPrecision::fp32: return "simt-fp32-64x64";
    case GemmPrecision::tf32: return "wmma-tf32-128x128x16";
    case GemmPrecision::bf16: return "wmma-bf16-128x128x32";
  }
  return "?";
}

void gemm(bool ta, bool tb, i64 M, i64 N, i64 K, float alpha, const float* A, i64 lda, const float* B, i64 ldb,
          float beta, float* C, i64 ldc, const float* bias, LinearAct act) {
  if (trivial(M, N, K, beta, C, ldc, bias, act)) return;
  const bool relu = act == LinearAct::relu;
  switch (g_precision) {
    case GemmPrecision::fp32: {
      check_grid(M, N, 64);
      const dim3 grid(static_cast<unsigned>((N + 63) / 64), static_cast<unsigned>((M + 63) / 64));
      sgemm_kernel<<<grid, 256, 0, stream()>>>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, relu);
      launched("gemm (fp32)");
      return;
    }
    case GemmPrecision::tf32:
      check_grid(M, N, BM);
      launch_wmma<float, wmma::precision::tf32>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, relu);
      return;
    case GemmPrecision::bf16:
      check_grid(M, N, BM);
      launch_wmma<float, __nv_bfloat16>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, relu);
      return;
  }
}

void gemm_bf16(bool ta, bool tb, i64 M, i64 N, i64 K, float alpha, const uint16_t* A, i64 lda, const uint16_t* B,
               i64 ldb, float beta, float* C, i64 ldc, const float* bias, LinearAct act) {
  if (trivial(M, N, K, beta, C, ldc, bias, act)) return;
  check_grid(M, N, BM);
  launch_wmma<__nv_bfloat16, __nv_bfloat16>(ta, tb, M, N, K, alpha, reinterpret_cast<const __nv_bfloat16*>(A), lda,
                                            reinterpret_cast<const __nv_bfloat16*>(B), ldb, beta, C, ldc, bias,
                                            act == LinearAct::relu);
}

}  // namespace ng::cuda

// AVX2+FMA micro-kernel (6 x 16: 12 ymm accumulators, 2 for B, 1 broadcast) and its table.
//   B micro-panel KC x NR = 256 x 16 floats = 16 KiB in L1; A block MC x KC = 144 x 256 floats
//   = 144 KiB in L2; B panel KC x NC = 256 x 4096 floats = 4 MiB.
#include "cpu/gemm/gemm_kernels.h"

#if !defined(__x86_64__) && !defined(__i386__)
// Not x86: no such kernel. The table exists so gemm.cc links; active_isa() never selects it
// (set_isa refuses an ISA the CPU does not have).
namespace ng::cpu::gemm {
const KernelTable kTableAvx2 = {"unavailable", nullptr, 1, 1, 1, 1, 1, false, false, nullptr, nullptr, nullptr};
}  // namespace ng::cpu::gemm
#else
#include <immintrin.h>

#include "cpu/gemm/gemm_kernels.h"

#define NG_TARGET_AVX2 __attribute__((target("avx2,fma")))

namespace ng::cpu::gemm {
namespace {

constexpr int MR = 6, NR = 16;
static_assert(MR <= kMaxMR && NR <= kMaxNR, "scratch edge tile too small");

NG_TARGET_AVX2 void sgemm_avx2_6x16(int64_t kc, const float* __restrict Ap,
                                    const float* __restrict Bp, int64_t ldbp, float* __restrict C,
                                    int64_t ldc, int /*mr*/, int /*nr*/, float alpha, float beta,
                                    const float* bias, int relu) {
  __m256 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(Bp), b1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 a = _mm256_broadcast_ss(Ap + i);
      acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
    }
    Ap += MR;
    Bp += ldbp;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta), zero = _mm256_setzero_ps();
  const __m256 bias0 = bias ? _mm256_loadu_ps(bias) : zero;
  const __m256 bias1 = bias ? _mm256_loadu_ps(bias + 8) : zero;
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    float* c = C + i * ldc;
    __m256 x0 = _mm256_mul_ps(acc[i][0], va), x1 = _mm256_mul_ps(acc[i][1], va);
    if (beta != 0.0f) {
      x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), x0);
      x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), x1);
    }
    x0 = _mm256_add_ps(x0, bias0);
    x1 = _mm256_add_ps(x1, bias1);
    if (relu) {
      x0 = _mm256_max_ps(zero, x0);
      x1 = _mm256_max_ps(zero, x1);
    }
    _mm256_storeu_ps(c, x0);
    _mm256_storeu_ps(c + 8, x1);
  }
}

}  // namespace

const KernelTable kTableAvx2 = {"sgemm_avx2_6x16", sgemm_avx2_6x16, MR, NR, 144, 256, 4096,
                                /*a_in_l1=*/false, /*partial_tiles=*/false, nullptr, nullptr, nullptr};

}  // namespace ng::cpu::gemm
#endif  // x86

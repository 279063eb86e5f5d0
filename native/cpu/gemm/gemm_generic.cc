// Portable C++ micro-kernel (baseline ISA; the compiler vectorizes it with SSE).
#include "cpu/gemm/gemm_kernels.h"

namespace ng::cpu::gemm {
namespace {

constexpr int MR = 4, NR = 16;
static_assert(MR <= kMaxMR && NR <= kMaxNR, "scratch edge tile too small");

void sgemm_generic_4x16(int64_t kc, const float* Ap, const float* Bp, int64_t ldbp, float* C,
                        int64_t ldc, int /*mr*/, int /*nr*/, float alpha, float beta,
                        const float* bias, int relu) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float* a = Ap + k * MR;
    const float* b = Bp + k * ldbp;
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
  }
  for (int i = 0; i < MR; ++i) {
    float* c = C + i * ldc;
    for (int j = 0; j < NR; ++j) {
      float v = alpha * acc[i][j];
      if (beta != 0.0f) v += beta * c[j];
      if (bias) v += bias[j];
      if (relu && v < 0.0f) v = 0.0f;  // NaN stays NaN, like max(0, v) in the SIMD kernels
      c[j] = v;
    }
  }
}

}  // namespace

// MC x KC floats of A (128 KiB) and a KC x NR micro-panel (16 KiB) stay in L2 / L1.
const KernelTable kTableGeneric = {"sgemm_generic_4x16", sgemm_generic_4x16, MR, NR, 128, 256, 2048,
                                   /*a_in_l1=*/false, /*partial_tiles=*/false, nullptr, nullptr, nullptr};

}  // namespace ng::cpu::gemm

// AVX-512 micro-kernel and its table. Block sizes for 48 KiB L1d / 2 MiB L2 per core:
//   B micro-panel KC x NR = 256 x 32 floats = 32 KiB stays in L1 across the ir loop;
//   A block MC x KC = 336 x 256 floats = 336 KiB stays in L2; B panel KC x NC = 4 MiB in L3.
#include "cpu/gemm/microkernel_avx512.h"
#include "cpu/gemm/gemm_kernels.h"

namespace ng::cpu::gemm {
namespace {

NG_TARGET_AVX512 void sgemm_avx512_14x32(int64_t kc, const float* Ap, const float* Bp, float* C,
                                         int64_t ldc, float alpha, float beta, const float* bias,
                                         int relu) {
  avx512_kernel<14, 2>(kc, Ap, Bp, C, ldc, alpha, beta, bias, relu);
}

}  // namespace

const KernelTable kTableAvx512 = {"sgemm_avx512_14x32", sgemm_avx512_14x32, 14, 32, 336, 256, 4096};

}  // namespace ng::cpu::gemm

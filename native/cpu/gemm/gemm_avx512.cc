// AVX-512 micro-kernel sgemm_avx512_14x32 and its table.
// Tile 14 x 32: 28 zmm accumulators + 2 for the B row + 1 broadcast; per k step 2 loads and
// 14 embedded broadcasts feed 28 FMAs (14 cycles at 2 FMA/cycle). Edge tiles dispatch to the
// exact mr x ceil(nr/16)*16 instantiation with masked B/C access (no scratch tile).
// Block sizes for 48 KiB L1d / 2 MiB L2 per core (see docs in gemm_kernels.h for the order):
//   KC = 256: B micro-panel KC x 32 floats = 32 KiB stays in L1 across the ir loop;
//   MC = 336: A block MC x KC = 336 KiB stays in L2;  NC = 4096: B panel KC x NC = 4 MiB.
#include "cpu/gemm/microkernel_avx512.h"
#include "cpu/gemm/gemm_kernels.h"

namespace ng::cpu::gemm {
namespace {

constexpr int MR = 14, NV = 2, NR = 16 * NV;

void sgemm_avx512_14x32(int64_t kc, const float* Ap, const float* Bp, int64_t ldbp, float* C,
                        int64_t ldc, int mr, int nr, float alpha, float beta, const float* bias,
                        int relu) {
  avx512_kernel<MR, NV>(kc, Ap, Bp, ldbp, C, ldc, mr, nr, alpha, beta, bias, relu);
}

}  // namespace

const KernelTable kTableAvx512 = {"sgemm_avx512_14x32", sgemm_avx512_14x32, MR, NR, 336, 256, 4096,
                                  /*a_in_l1=*/false, /*partial_tiles=*/true, /*direct_b_max_m=*/0,
                                  avx512_pack_a<MR>, avx512_pack_b<NR>};

}  // namespace ng::cpu::gemm

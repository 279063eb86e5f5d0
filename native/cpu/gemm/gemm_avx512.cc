// AVX-512 micro-kernel sgemm_avx512_14x32 and its table.
// Tile 14 x 32: 28 zmm accumulators + 2 for the B row + 1 broadcast; per k step 2 loads and
// 14 embedded broadcasts feed 28 FMAs (14 cycles at 2 FMA/cycle). Edge tiles dispatch to the
// exact mr x ceil(nr/16)*16 instantiation with masked B/C access (no scratch tile).
// Blocking (BLIS on C^T; measured against OpenBLAS in bench/kernels/variants.cc, where the
// Goto order with a 32 KiB B micro-panel in L1 lost 5-15% on squares):
//   KC = 384 (balanced: K is cut into ceil(K/384) equal blocks): the A micro-panel 14 x KC
//        (21 KiB) stays in L1 while the jr loop streams B micro-panels past it;
//   NC = 512: the packed B block KC x NC (768 KiB) stays in L2 (2 MiB);
//   MC = 2016: the packed A panel MC x KC (3 MiB) lives in L3 and is reused across all of N.
// Built on x86 only (NG_X86); elsewhere this file is empty and kTableAvx512 does not exist.
#include "core/isa_target.h"
#if NG_X86
#include "cpu/gemm/microkernel_avx512.h"
#include "cpu/gemm/gemm_kernels.h"

namespace ng::cpu::gemm {
namespace {

constexpr int MR = 14, NV = 2, NR = 16 * NV;
static_assert(MR <= kMaxMR && NR <= kMaxNR, "scratch edge tile too small");

void sgemm_avx512_14x32(int64_t kc, const float* Ap, const float* Bp, int64_t ldbp, float* C,
                        int64_t ldc, int mr, int nr, float alpha, float beta, const float* bias,
                        int relu) {
  avx512_kernel<MR, NV>(kc, Ap, Bp, ldbp, C, ldc, mr, nr, alpha, beta, bias, relu);
}

// Narrow N (N <= 32): A read in place, no packing.
void sgemm_avx512_rows_14x32(int64_t kc, const float* A, int64_t lda, const float* Bp,
                             int64_t ldbp, float* C, int64_t ldc, int mr, int nr, float alpha,
                             float beta, const float* bias, int relu) {
  avx512_rows_kernel<MR, NV>(kc, A, lda, Bp, ldbp, C, ldc, mr, nr, alpha, beta, bias, relu);
}

// One row (N > 32): a row strip over the packed B block, A in place.
void sgemm_avx512_row_strip_32(int64_t kc, const float* a, int64_t as, const float* Bp, int64_t ldp,
                               float* C, int64_t nc, float alpha, float beta, const float* bias, int relu) {
  avx512_row_strip<NV>(kc, a, as, Bp, ldp, C, nc, alpha, beta, bias, relu);
}

}  // namespace

const KernelTable kTableAvx512 = {"sgemm_avx512_14x32", sgemm_avx512_14x32, MR, NR, 2016, 384, 512,
                                  /*a_in_l1=*/true, /*partial_tiles=*/true,
                                  avx512_pack_a<MR>, avx512_pack_b<NR>, sgemm_avx512_rows_14x32,
                                  /*k_pack=*/1, sgemm_avx512_row_strip_32};

}  // namespace ng::cpu::gemm

#endif  // NG_X86

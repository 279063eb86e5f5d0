// Single-precision GEMM for the CPU:  C = alpha * op(A) * op(B) + beta * C  [+ bias] [act]
//
// Row-major everywhere. op(A) is M x K: A is M x K (lda >= K) if !transA, else K x M
// (lda >= M). op(B) is K x N: B is K x N (ldb >= N) if !transB, else N x K (ldb >= K).
// C is M x N with ldc >= N.
// - beta == 0 never reads C (C may hold NaN/Inf); alpha == 0 or K == 0 never reads A or B
//   and gives C = beta * C (+ epilogue).
// - M, N or K == 0 is valid. Pointers may be null when the matching size is 0.
// - The epilogue (bias of length N added to every row, then the activation) is applied
//   after alpha*AB + beta*C, while the tile is still in registers / L1.
// - Runs on the ISA chosen by ng::active_isa() (see core/cpu_features.h), OpenMP-parallel
//   over blocks of C above a size threshold, serial below it.
// Implementation: BLIS-style blocking and packing in gemm.cc, micro-kernels per ISA in
// gemm_<isa>.cc, tables in gemm_kernels.h.
#pragma once
#include <cstdint>

namespace ng::cpu {

enum class Act : int { none = 0, relu = 1 };

struct GemmEpilogue {
  const float* bias = nullptr;  // length N, added to every row of C; nullptr: no bias
  Act act = Act::none;
};

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const GemmEpilogue* ep = nullptr);

// Naive reference with double accumulation, same contract. Kept forever for tests.
void sgemm_ref(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc, const GemmEpilogue* ep = nullptr);

// Name of the micro-kernel sgemm() uses now, e.g. "sgemm_avx512_14x32".
const char* sgemm_kernel_name();

}  // namespace ng::cpu

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

// Name of the micro-kernel sgemm() uses now, e.g. "sgemm_avx512_14x32" (or
// "sbgemm_avx512bf16_14x32" while the precision is bf16 and bf16 is native).
const char* sgemm_kernel_name();

// ---- op(B) packed ahead of time (weights reused across calls, e.g. inference) ----------------
// sgemm_pack_b packs op(B) (K x N; transB as in sgemm) into dst, which holds
// sgemm_packed_b_floats(K, N) floats (64-byte aligned), for the kernel table in use now, and
// returns that table's tag. sgemm_prepacked_b then computes C = op(A) * op(B) (+ epilogue), A
// not transposed, beta 0, alpha 1, exactly as sgemm would (same panels, same bits, any thread
// count); it returns false and does nothing when the table in use is no longer `table` (ISA or
// precision changed since packing).
int64_t sgemm_packed_b_floats(int64_t K, int64_t N);
int sgemm_table_tag();  // the tag of the kernel table in use now
int sgemm_pack_b(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb, float* dst);
bool sgemm_prepacked_b(int table, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                       const float* Bpacked, float* C, int64_t ldc, const GemmEpilogue* ep = nullptr);

// ---- mixed precision (bf16) ----------------------------------------------------------------
// Process-wide precision of sgemm's multiplies (every caller: linear, conv, matmul, gemm):
//   fp32 (default): as above.
//   bf16: where ng::bf16_native() (AVX512_BF16 and the avx512 ISA active), op(A) and op(B) are
//         rounded to bfloat16 (round to nearest even, denormals flushed) while they are packed,
//         and the products are summed in fp32 (vdpbf16ps); alpha, beta, C, bias and the
//         epilogue stay fp32. Elsewhere sgemm stays fp32 (the JS layer says so once).
// The setting is an atomic read at each sgemm entry, so it applies to calls made from OpenMP
// threads too (conv2d calls sgemm inside its parallel loop).
// set_gemm_precision / requested_gemm_precision: the setting (ng.setPrecision, ng.autocast).
// gemm_precision(): what the kernels use: the setting, or, while a captured step replays on the
// runner thread, the precision that step was submitted with (set_gemm_precision_override, -1
// to end it). The override leaves the setting alone, so an autocast block that ends on the JS
// thread while a replay runs is not undone when the replay ends.
enum class Precision : int { fp32 = 0, bf16 = 1 };
void set_gemm_precision(Precision p);
Precision requested_gemm_precision();
void set_gemm_precision_override(int p);
Precision gemm_precision();

}  // namespace ng::cpu

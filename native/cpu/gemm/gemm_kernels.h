// Internal to native/cpu/gemm: the micro-kernel contract and the per-ISA tables.
//
// Packed formats (written by pack_a / pack_b in gemm.cc, 64-byte aligned; for a table with
// k_pack == 2 (bf16), each 32-bit slot holds a PAIR of bfloat16 (k = 2p in the low half,
// k = 2p+1 in the high half; an odd last k pairs with 0) and "kc" below counts pairs):
//   A block (mc x kc) -> ceil(mc/MR) micro-panels of MR*kc floats; element (i, k) of a panel
//                        at [k*MR + i]; rows past mc are zero.
//   B block (kc x nc) -> ceil(nc/NR) micro-panels of NR*kc floats; element (k, j) of a panel
//                        at [k*NR + j]; columns past nc are zero.
// Micro-kernel: with T = Ap * Bp (kc >= 1; row k of the B micro-panel starts at Bp + k*ldbp,
// ldbp == NR when packed), stores for i < mr, j < nr:
//   C[i*ldc + j] = alpha*T + (beta == 0 ? 0 : beta*C[i*ldc + j])  (+ bias[j]) (relu)
// beta == 0 never reads C; bias may be null; nothing outside the mr x nr tile is written.
// A table with partial_tiles == false only accepts mr == MR and nr == NR; the driver runs its
// edge tiles into a scratch tile and merges them. A table with partial_tiles == true takes
// any 1 <= mr <= MR, 1 <= nr <= NR and reads only columns j < nr of B. (ldbp lets a kernel
// read B in place; reading unpacked B for small M was measured and lost to packing with the
// SIMD packers, see bench/kernels/README.md, so the driver always passes NR.)
#pragma once
#include <cstdint>

namespace ng::cpu::gemm {

using MicroKernel = void (*)(int64_t kc, const float* Ap, const float* Bp, int64_t ldbp, float* C,
                             int64_t ldc, int mr, int nr, float alpha, float beta,
                             const float* bias, int relu);

// Same contract with A read in place instead of packed: op(A) not transposed, row i of the
// tile at A + i*lda (contiguous in k). Used for narrow N, where packing A would cost as much as
// the arithmetic (each element of A is used for at most NR columns).
using RowsKernel = void (*)(int64_t kc, const float* A, int64_t lda, const float* Bp,
                            int64_t ldbp, float* C, int64_t ldc, int mr, int nr, float alpha,
                            float beta, const float* bias, int relu);

// One row of C across the whole width of a packed B block: A read at a + k*as (as = 1: the row
// in place), B micro-panels p at Bp + p*ldp, C columns j < nc. Per element of C the same
// multiply-adds in the same order and the same epilogue as the micro-kernel with mr = 1, so the
// same bits; several panels at once give independent accumulation chains (one row alone is
// latency-bound in the micro-kernel).
using RowStripKernel = void (*)(int64_t kc, const float* a, int64_t as, const float* Bp, int64_t ldp,
                                float* C, int64_t nc, float alpha, float beta, const float* bias, int relu);

// Packing routines (formats above). PackA packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A)
// into ceil(mc/MR) panels; PackB packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B).
using PackA = void (*)(bool transA, const float* A, int64_t lda, int64_t i0, int64_t mc,
                       int64_t k0, int64_t kc, float* dst);
using PackB = void (*)(bool transB, const float* B, int64_t ldb, int64_t k0, int64_t kc,
                       int64_t j0, int64_t nc, float* dst);

struct KernelTable {
  const char* name;    // "sgemm_<isa>_<MR>x<NR>"
  MicroKernel kernel;
  int MR, NR;          // register tile
  int MC, KC, NC;      // cache blocks: A block MC x KC, B panel KC x NC
  // Macro-kernel loop order. false (Goto): jr outer, ir inner: a B micro-panel KC x NR stays
  // in L1 while A micro-panels stream from the L2-resident A block. true: ir outer, jr inner:
  // an A micro-panel MR x KC stays in L1 while B micro-panels stream from the B panel
  // (which then must fit in L2: KC x NC).
  bool a_in_l1;
  bool partial_tiles;  // see above
  PackA pack_a;        // nullptr: the portable packing in gemm.cc
  PackB pack_b;
  RowsKernel kernel_rows;  // nullptr: always pack A. Else used when !transA and N <= 4 NR (gemm.cc).
  // k values per packed 32-bit slot: 1 (fp32) or 2 (bf16 pairs). The driver then keeps K blocks
  // even, sizes buffers and panel offsets in slots (ceil(kc / k_pack)) and passes the kernel
  // the slot count; the packing routines still take kc in k values.
  int k_pack = 1;
  // nullptr: rows always go through the micro-kernel. Else used for blocks of one row of
  // op(A) not transposed (k_pack 1, N > NR): A read in place, no packing.
  RowStripKernel row_strip = nullptr;
};

constexpr int kMaxMR = 32, kMaxNR = 64;  // bounds for the scratch edge tile

extern const KernelTable kTableGeneric;  // gemm_generic.cc
extern const KernelTable kTableAvx2;     // gemm_avx2.cc (x86 builds only: NG_X86)
extern const KernelTable kTableAvx512;   // gemm_avx512.cc (x86 builds only: NG_X86)
extern const KernelTable kTableAvx512Bf16;  // gemm_avx512bf16.cc (x86 builds only: NG_X86)

// Table for ng::active_isa().
const KernelTable& active_table();
// Table sgemm() uses now: the bf16 table while gemm_precision() is bf16 and bf16_native(),
// else active_table().
const KernelTable& current_table();

// The blocked driver with an explicit table (tests and bench/kernels experiments).
void sgemm_with(const KernelTable& t, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc, const float* bias, int relu, int nthreads);

// op(B) packed once for repeated products (inference weights): for each K block of the
// driver's blocking, ceil(N/NR) micro-panels for all of N. packed_b_floats: its size in floats;
// pack_b_all writes it; sgemm_with_packed_b runs sgemm_with on it instead of packing B (the
// same panels, so the same bits).
int64_t packed_b_floats(const KernelTable& t, int64_t K, int64_t N);
void pack_b_all(const KernelTable& t, bool transB, int64_t K, int64_t N, const float* B, int64_t ldb,
                float* dst);
void sgemm_with_packed_b(const KernelTable& t, bool transA, int64_t M, int64_t N, int64_t K, float alpha,
                         const float* A, int64_t lda, const float* Bpacked, float beta, float* C,
                         int64_t ldc, const float* bias, int relu, int nthreads);

}  // namespace ng::cpu::gemm

// bf16 micro-kernel sbgemm_avx512bf16_14x32 (AVX512_BF16), its packing routines and its table.
// Used by sgemm() while the GEMM precision is bf16 and the CPU has AVX512_BF16 (gemm.h).
//
// Packing rounds op(A) and op(B) to bfloat16 (vcvtne2ps2bf16: round to nearest even, denormals
// flushed, NaN kept) and stores PAIRS along k in each 32-bit slot (k = 2p low, 2p+1 high; an odd
// last k pairs with 0), so a packed panel has the fp32 layout with kc replaced by ceil(kc/2)
// (gemm_kernels.h, k_pack = 2). Per pair step the tile does 2 loads of B slots, 14 broadcasts of
// A slots and 28 vdpbf16ps, each 16 lanes x 2 products accumulated in fp32: twice the multiply-
// adds of the fp32 kernel's 28 FMAs per step. The epilogue (alpha, beta, bias, relu) is the fp32
// kernel's (avx512_store_tile).
// Blocking: about the fp32 table's bytes: KC = 800 k values (400 slots: the A micro-panel, 22 KiB,
// stays in L1; the MLP's K = 784 is one block, which measured ~10% faster on that GEMM than two
// blocks of 392), NC = 512 (the B block, 800 KiB, in L2), MC = 2016 (the A panel, L3).
// Built on x86 only (NG_X86); elsewhere this file is empty and kTableAvx512Bf16 does not exist.
#include "core/isa_target.h"
#if NG_X86
#include "cpu/gemm/microkernel_avx512.h"
#include "cpu/gemm/gemm_kernels.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace ng::cpu::gemm {
namespace {

constexpr int MR = 14, NV = 2, NR = 16 * NV;
static_assert(MR <= kMaxMR && NR <= kMaxNR, "scratch edge tile too small");

// The bf16 pair slots travel as float bit patterns (the table's pointer types); these reinterpret
// without changing a bit.
NG_TARGET_AVX512_BF16 inline __m512bh as_bh(__m512i x) { return reinterpret_cast<__m512bh&>(x); }
NG_TARGET_AVX512_BF16 inline __m512i as_si(__m512bh x) { return reinterpret_cast<__m512i&>(x); }

// ROWS x (NV*16) tile; ks = pair slots; A micro-panel slot stride AS; B rows of NV*16 slots
// (ldbp slots apart; packed panels are zero-padded to NR so B loads need no mask).
template <int AS, int ROWS, int V>
NG_TARGET_AVX512_BF16 void bf16_tile(int64_t ks, const float* __restrict Ap,
                                     const float* __restrict Bp, int64_t ldbp,
                                     float* __restrict C, int64_t ldc, int nr, float alpha,
                                     float beta, const float* bias, int relu) {
  __m512 acc[ROWS][V];
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[i][v] = _mm512_setzero_ps();
  __mmask16 mask[V];
  avx512_col_masks<V>(nr, mask);
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + v * 16), NG_C_PREFETCH_HINT);
  for (int64_t k = 0; k < ks; ++k) {
    __m512bh b[V];
#if NG_B_PREFETCH > 0
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      _mm_prefetch(reinterpret_cast<const char*>(Bp + NG_B_PREFETCH * ldbp + v * 16), _MM_HINT_T0);
#endif
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) b[v] = as_bh(_mm512_castps_si512(_mm512_loadu_ps(Bp + v * 16)));
#pragma GCC unroll 32
    for (int i = 0; i < ROWS; ++i) {
      const __m512bh a = as_bh(_mm512_castps_si512(_mm512_set1_ps(Ap[i])));
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[i][v] = _mm512_dpbf16_ps(acc[i][v], a, b[v]);
    }
    Ap += AS;
    Bp += ldbp;
  }
  avx512_store_tile<ROWS, V>(acc, mask, C, ldc, alpha, beta, bias, relu);
}

template <int AS>
struct Bf16Tiles {
  template <int R, int V>
  static constexpr auto at() { return &bf16_tile<AS, R, V>; }
};

void sbgemm_avx512bf16_14x32(int64_t ks, const float* Ap, const float* Bp, int64_t ldbp, float* C,
                             int64_t ldc, int mr, int nr, float alpha, float beta,
                             const float* bias, int relu) {
  static constexpr typename Avx512Family<MR, NV, Bf16Tiles<MR>>::Table tiles{};
  tiles.fn[mr - 1][(nr + 15) / 16 - 1](ks, Ap, Bp, ldbp, C, ldc, nr, alpha, beta, bias, relu);
}

// ---- packing to bf16 pairs ----------------------------------------------------------------

// 32 floats (lo: k..k+15, hi: k+16..k+31) -> 16 slots of pairs in k order.
NG_TARGET_AVX512_BF16 inline __m512 bf16_pairs_along(__m512 lo, __m512 hi) {
  return _mm512_castsi512_ps(as_si(_mm512_cvtne2ps_pbh(hi, lo)));
}

// Lane j of even row e and odd row o -> slot j = (bf16(e[j]) low, bf16(o[j]) high).
NG_TARGET_AVX512_BF16 inline __m512 bf16_pairs_across(__m512 e, __m512 o) {
  // cvtne2ps_pbh(o, e): halves 0..15 = e, 16..31 = o; interleave them.
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                       23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_castsi512_ps(_mm512_permutexvar_epi16(idx, as_si(_mm512_cvtne2ps_pbh(o, e))));
}

// Rows of src contiguous along k (op(A) not transposed, op(B) transposed): element (r, k) at
// src[r*ld + k], r < rows, k < kc. dst slot (p, lane r) at dst[p*DS + r]; lanes >= rows are 0.
template <int DS>
NG_TARGET_AVX512_BF16 void bf16_pack_transpose(const float* src, int64_t ld, int rows, int64_t kc,
                                               float* dst) {
  constexpr int G = (DS + 15) / 16;
  for (int g = 0; g < G; ++g) {
    const int gr = rows - 16 * g;
    const __mmask16 store_mask = lanes16(DS - 16 * g);
    const float* s = src + static_cast<int64_t>(16 * g) * ld;
    for (int64_t k0 = 0; k0 < kc; k0 += 32) {
      const int64_t kk = kc - k0 < 32 ? kc - k0 : 32;
      const __mmask16 mlo = lanes16(kk), mhi = lanes16(kk - 16);
      __m512 r[16], o[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) {
        if (i < gr) {
          const float* row = s + i * ld + k0;
          r[i] = bf16_pairs_along(_mm512_maskz_loadu_ps(mlo, row), _mm512_maskz_loadu_ps(mhi, row + 16));
        } else {
          r[i] = _mm512_setzero_ps();
        }
      }
      avx512_transpose16(r, o);
      float* d = dst + (k0 / 2) * DS + 16 * g;
      const int64_t pairs = (kk + 1) / 2;
      if (pairs == 16) {
#pragma GCC unroll 16
        for (int c = 0; c < 16; ++c) _mm512_mask_storeu_ps(d + c * DS, store_mask, o[c]);
      } else {
        for (int c = 0; c < pairs; ++c) _mm512_mask_storeu_ps(d + c * DS, store_mask, o[c]);
      }
    }
  }
}

// Rows of src along the panel's lanes (op(A) transposed, op(B) not transposed): element (k, j)
// at src[k*ld + j], j < cols, k < kc. dst slot (p, lane j) at dst[p*DS + j]; lanes >= cols are 0.
template <int DS>
NG_TARGET_AVX512_BF16 void bf16_pack_interleave(const float* src, int64_t ld, int cols, int64_t kc,
                                                float* dst) {
  constexpr int G = (DS + 15) / 16;
  __mmask16 lm[G], sm[G];
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g) {
    lm[g] = lanes16(cols - 16 * g);
    sm[g] = lanes16(DS - 16 * g);
  }
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t p = 0; p < pairs; ++p) {
    const float* e = src + 2 * p * ld;
    const bool has_odd = 2 * p + 1 < kc;
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      const __m512 ve = _mm512_maskz_loadu_ps(lm[g], e + 16 * g);
      const __m512 vo = has_odd ? _mm512_maskz_loadu_ps(lm[g], e + ld + 16 * g) : _mm512_setzero_ps();
      _mm512_mask_storeu_ps(dst + p * DS + 16 * g, sm[g], bf16_pairs_across(ve, vo));
    }
  }
}

// PackA / PackB (gemm_kernels.h) writing ceil(kc/2) slots per lane.
NG_TARGET_AVX512_BF16 void bf16_pack_a(bool transA, const float* A, int64_t lda, int64_t i0,
                                       int64_t mc, int64_t k0, int64_t kc, float* dst) {
  const int64_t ks = (kc + 1) / 2;
  for (int64_t p = 0; p < mc; p += MR) {
    const int r = static_cast<int>(mc - p < MR ? mc - p : MR);
    if (!transA) bf16_pack_transpose<MR>(A + (i0 + p) * lda + k0, lda, r, kc, dst);
    else bf16_pack_interleave<MR>(A + k0 * lda + i0 + p, lda, r, kc, dst);
    dst += MR * ks;
  }
}

NG_TARGET_AVX512_BF16 void bf16_pack_b(bool transB, const float* B, int64_t ldb, int64_t k0,
                                       int64_t kc, int64_t j0, int64_t nc, float* dst) {
  const int64_t ks = (kc + 1) / 2;
  for (int64_t q = 0; q < nc; q += NR) {
    const int r = static_cast<int>(nc - q < NR ? nc - q : NR);
    if (!transB) bf16_pack_interleave<NR>(B + k0 * ldb + j0 + q, ldb, r, kc, dst);
    else bf16_pack_transpose<NR>(B + (j0 + q) * ldb + k0, ldb, r, kc, dst);
    dst += NR * ks;
  }
}

}  // namespace

const KernelTable kTableAvx512Bf16 = {"sbgemm_avx512bf16_14x32", sbgemm_avx512bf16_14x32, MR, NR,
                                      2016, 800, 512, /*a_in_l1=*/true, /*partial_tiles=*/true,
                                      bf16_pack_a, bf16_pack_b, /*kernel_rows=*/nullptr,
                                      /*k_pack=*/2};

}  // namespace ng::cpu::gemm

#pragma GCC diagnostic pop

#endif  // NG_X86

// AVX-512 micro-kernel templates: C row-major, vectors of 16 floats along N.
// Included only by gemm_avx512.cc and by bench/kernels experiments. Everything here has
// internal linkage and carries the AVX-512 target attribute, so no AVX-512 copy of an inline
// function can be chosen by the linker for baseline callers. Uses nothing but intrinsics.
// x86 only: include it under #if NG_X86 (core/isa_target.h).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "core/isa_target.h"
#include "core/lane_mask.h"
#include "cpu/gemm/gemm_kernels.h"
#ifndef NG_B_PREFETCH
#define NG_B_PREFETCH 8  // k steps ahead: the streamed B micro-panel comes from L2
#endif
#ifndef NG_C_PREFETCH_HINT
#define NG_C_PREFETCH_HINT _MM_HINT_T0
#endif

// GCC 12 warns about _mm512_undefined_ps() inside _mm512_max_ps; the warning is spurious.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace ng::cpu::gemm {
namespace {

// Column masks of a tile NV vectors wide with nr valid columns.
template <int NV>
NG_TARGET_AVX512 inline __attribute__((always_inline)) void avx512_col_masks(int nr, __mmask16 (&mask)[NV]) {
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) mask[v] = lanes16(nr - 16 * v);
}

// The epilogue shared by the fp32 and bf16 tiles: C = alpha*acc (+ beta*C) (+ bias) (relu) on
// rows i < ROWS and the masked columns; beta == 0 never reads C.
template <int ROWS, int NV>
NG_TARGET_AVX512 inline __attribute__((always_inline)) void avx512_store_tile(
    __m512 (&acc)[ROWS][NV], const __mmask16 (&mask)[NV], float* __restrict C, int64_t ldc,
    float alpha, float beta, const float* bias, int relu) {
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const __m512 zero = _mm512_setzero_ps();
  __m512 vbias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) vbias[v] = bias ? _mm512_maskz_loadu_ps(mask[v], bias + v * 16) : zero;
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i) {
    float* c = C + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 x = _mm512_mul_ps(acc[i][v], va);
      if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[v], c + v * 16), x);
      x = _mm512_add_ps(x, vbias[v]);
      if (relu) x = _mm512_max_ps(zero, x);  // max(0, NaN) = NaN
      _mm512_mask_storeu_ps(c + v * 16, mask[v], x);
    }
  }
}

// ROWS x (NV*16) tile from an A micro-panel packed with row stride AS (= the table's MR):
// per k step, NV (masked) loads of the B row, ROWS broadcasts of A folded into the FMAs, and
// ROWS*NV FMAs into accumulators that stay in zmm registers for the whole k loop.
// Stores rows i < ROWS (the caller picks ROWS = mr) and columns j < nr (masked).
template <int AS, int ROWS, int NV>
NG_TARGET_AVX512 void avx512_tile(int64_t kc, const float* __restrict Ap,
                                  const float* __restrict Bp, int64_t ldbp, float* __restrict C,
                                  int64_t ldc, int nr, float alpha, float beta, const float* bias,
                                  int relu) {
  __m512 acc[ROWS][NV];
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();

  __mmask16 mask[NV];
  avx512_col_masks<NV>(nr, mask);
  const bool full = nr == NV * 16;

  // Bring the C tile (every line of it) towards the core while the k loop runs.
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + v * 16), NG_C_PREFETCH_HINT);

  if (full) {
    for (int64_t k = 0; k < kc; ++k) {
      __m512 b[NV];
#if NG_B_PREFETCH > 0
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        _mm_prefetch(reinterpret_cast<const char*>(Bp + NG_B_PREFETCH * ldbp + v * 16), _MM_HINT_T0);
#endif
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(Bp + v * 16);
#pragma GCC unroll 32
      for (int i = 0; i < ROWS; ++i) {
        const __m512 a = _mm512_set1_ps(Ap[i]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
      }
      Ap += AS;
      Bp += ldbp;
    }
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      __m512 b[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) b[v] = _mm512_maskz_loadu_ps(mask[v], Bp + v * 16);
#pragma GCC unroll 32
      for (int i = 0; i < ROWS; ++i) {
        const __m512 a = _mm512_set1_ps(Ap[i]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
      }
      Ap += AS;
      Bp += ldbp;
    }
  }
  avx512_store_tile<ROWS, NV>(acc, mask, C, ldc, alpha, beta, bias, relu);
}

// P micro-panels of one row (a RowStripKernel's inner step, see gemm_kernels.h): per panel and
// element the FMA chain of avx512_tile<AS, 1, NV> (k in order from zero; a from a + k*as) and
// its epilogue (avx512_store_tile), so the same bits; the P*NV chains are independent. The packed
// panels are zero-padded to NV*16 columns, so B is loaded whole; only the last panel's store is
// masked to nr_last columns.
template <int NV, int P>
NG_TARGET_AVX512 void avx512_row_panels(int64_t kc, const float* __restrict a, int64_t as,
                                        const float* __restrict Bp, int64_t ldp, float* __restrict C,
                                        int nr_last, float alpha, float beta, const float* bias,
                                        int relu) {
  constexpr int NR = NV * 16;
  __m512 acc[P][1][NV];
#pragma GCC unroll 8
  for (int q = 0; q < P; ++q)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[q][0][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 av = _mm512_set1_ps(a[k * as]);
#pragma GCC unroll 8
    for (int q = 0; q < P; ++q)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[q][0][v] = _mm512_fmadd_ps(av, _mm512_loadu_ps(Bp + q * ldp + k * NR + v * 16), acc[q][0][v]);
  }
#pragma GCC unroll 8
  for (int q = 0; q < P; ++q) {
    __mmask16 mask[NV];
    avx512_col_masks<NV>(q == P - 1 ? nr_last : NR, mask);
    avx512_store_tile<1, NV>(acc[q], mask, C + q * NR, 0, alpha, beta, bias ? bias + q * NR : nullptr, relu);
  }
}

// RowStripKernel for panels NV*16 wide: groups of 4 panels (8 chains for NV = 2), then the rest.
template <int NV>
void avx512_row_strip(int64_t kc, const float* a, int64_t as, const float* Bp, int64_t ldp, float* C,
                      int64_t nc, float alpha, float beta, const float* bias, int relu) {
  constexpr int NR = NV * 16, P = 4;
  int64_t j = 0;
  for (; j + P * NR <= nc; j += P * NR)
    avx512_row_panels<NV, P>(kc, a, as, Bp + (j / NR) * ldp, ldp, C + j, NR, alpha, beta, bias ? bias + j : nullptr, relu);
  const int64_t left = nc - j;  // < P * NR: 1 to P panels, the last one partial
  if (left <= 0) return;
  const int panels = static_cast<int>((left + NR - 1) / NR);
  const int nr_last = static_cast<int>(left - (panels - 1) * NR);
  const float* bp = Bp + (j / NR) * ldp;
  const float* bj = bias ? bias + j : nullptr;
  switch (panels) {
    case 1: avx512_row_panels<NV, 1>(kc, a, as, bp, ldp, C + j, nr_last, alpha, beta, bj, relu); break;
    case 2: avx512_row_panels<NV, 2>(kc, a, as, bp, ldp, C + j, nr_last, alpha, beta, bj, relu); break;
    case 3: avx512_row_panels<NV, 3>(kc, a, as, bp, ldp, C + j, nr_last, alpha, beta, bj, relu); break;
    default: avx512_row_panels<NV, P>(kc, a, as, bp, ldp, C + j, nr_last, alpha, beta, bj, relu); break;
  }
}

// The fp32 tiles for Avx512Family: Make::at<R, V>() is the ROWS = R, NV = V instantiation.
template <int MR>
struct Avx512Fp32Tiles {
  template <int R, int V>
  static constexpr auto at() { return &avx512_tile<MR, R, V>; }
};

// Dispatch over (mr, ceil(nr/16)) to the exact instantiation: edge tiles cost only what they
// compute. MR = A panel stride and the full tile height; NV = vectors in a full tile; Make
// names the tile template (fp32 here, bf16 in gemm_avx512bf16.cc).
template <int MR, int NV, class Make = Avx512Fp32Tiles<MR>>
struct Avx512Family {
  using Fn = void (*)(int64_t, const float*, const float*, int64_t, float*, int64_t, int, float,
                      float, const float*, int);
  template <int R, int V>
  static constexpr Fn at() { return Make::template at<R, V>(); }
  template <int R, int... V>
  static constexpr void row(Fn (&t)[MR][NV], int r, std::integer_sequence<int, V...>) {
    ((t[r][V] = at<R, V + 1>()), ...);
  }
  template <int... R>
  static constexpr void all(Fn (&t)[MR][NV], std::integer_sequence<int, R...>) {
    (row<R + 1>(t, R, std::make_integer_sequence<int, NV>{}), ...);
  }
  struct Table {
    Fn fn[MR][NV];
    constexpr Table() : fn{} { all(fn, std::make_integer_sequence<int, MR>{}); }
  };
};

// ---- packing (see the packed formats in gemm_kernels.h) ----------------------------------

// Software prefetch distance of the packing routines, in floats along a source row (transposing
// pack) or /16 rows ahead (copying pack); 0: none. Operands often arrive cold from L3 / memory
// in a training step (weights after the optimizer pass): 32 (two cache lines) measured best of
// 0/32/64/128 on the MLP shapes, cold and warm (bench/kernels/mlp-shapes.cc, README there).
#ifndef NG_PACK_PREFETCH
#define NG_PACK_PREFETCH 32
#endif

// 16 x 16 in-register transpose: o[c][r] = r[r][c].
NG_TARGET_AVX512 inline __attribute__((always_inline)) void avx512_transpose16(__m512 (&r)[16], __m512 (&o)[16]) {
  __m512 t[16], u[16], v[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h)
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      v[8 * h + i] = _mm512_shuffle_f32x4(u[8 * h + i], u[8 * h + 4 + i], 0x88);
      v[8 * h + 4 + i] = _mm512_shuffle_f32x4(u[8 * h + i], u[8 * h + 4 + i], 0xdd);
    }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    o[i] = _mm512_shuffle_f32x4(v[i], v[8 + i], 0x88);
    o[8 + i] = _mm512_shuffle_f32x4(v[i], v[8 + i], 0xdd);
  }
}

// dst[k*ds + g*16 + l] = src[(g*16 + l)*ld + k] for rows g*16+l < rows, 0 for other lanes
// below ds; k < kc. (Rows of src contiguous along k: op(A) not transposed, op(B) transposed.)
template <int DS>
NG_TARGET_AVX512 void avx512_pack_transpose(const float* src, int64_t ld, int rows, int64_t kc,
                                            float* dst) {
  constexpr int G = (DS + 15) / 16;
  for (int g = 0; g < G; ++g) {
    const int gr = rows - 16 * g;  // rows of src in this group
    const __mmask16 store_mask = lanes16(DS - 16 * g);
    const float* s = src + static_cast<int64_t>(16 * g) * ld;
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
      const int64_t kk = kc - k0 < 16 ? kc - k0 : 16;
      const __mmask16 km = lanes16(kk);
      __m512 r[16], o[16];
#if NG_PACK_PREFETCH > 0
      if (k0 + NG_PACK_PREFETCH < kc) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i)
          if (i < gr) _mm_prefetch(reinterpret_cast<const char*>(s + i * ld + k0 + NG_PACK_PREFETCH), _MM_HINT_T0);
      }
#endif
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i)
        r[i] = i < gr ? _mm512_maskz_loadu_ps(km, s + i * ld + k0) : _mm512_setzero_ps();
      avx512_transpose16(r, o);
      float* d = dst + k0 * DS + 16 * g;
      if (kk == 16) {
#pragma GCC unroll 16
        for (int c = 0; c < 16; ++c) _mm512_mask_storeu_ps(d + c * DS, store_mask, o[c]);
      } else {
        for (int c = 0; c < kk; ++c) _mm512_mask_storeu_ps(d + c * DS, store_mask, o[c]);
      }
    }
  }
}

// Panels of DS lanes from rows of src contiguous along the lanes (op(A) transposed, op(B) not
// transposed): dst[q*DS*kc + k*DS + j] = src[k*ld + q*DS + j] for q*DS + j < n, 0 for the other
// lanes of the last panel; k < kc. Row by row across all the panels: each row of src is read
// once from end to end. (Panel by panel, the rows of a block of many panels had left L1 before
// the next panel came back to them: the transposed-A products of the weight gradients, e.g.
// 512 x 128 x 2048, ran 2-10% slower.)
template <int DS>
NG_TARGET_AVX512 void avx512_pack_copy_rows(const float* src, int64_t ld, int64_t n, int64_t kc, float* dst) {
  constexpr int G = (DS + 15) / 16;
  const int64_t full = n / DS, last = n - full * DS;  // full panels, columns of the last one
  __mmask16 lm[G], sm[G];
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g) {
    lm[g] = lanes16(last - 16 * g);
    sm[g] = lanes16(DS - 16 * g);
  }
  const int64_t pstride = static_cast<int64_t>(DS) * kc;
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * ld;
    float* d = dst + k * DS;
#if NG_PACK_PREFETCH > 0
    if (k + NG_PACK_PREFETCH / 16 < kc)
      for (int64_t j = 0; j < n; j += 16)
        _mm_prefetch(reinterpret_cast<const char*>(s + (NG_PACK_PREFETCH / 16) * ld + j), _MM_HINT_T0);
#endif
    for (int64_t q = 0; q < full; ++q) {
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g)
        _mm512_mask_storeu_ps(d + q * pstride + 16 * g, sm[g], _mm512_maskz_loadu_ps(sm[g], s + q * DS + 16 * g));
    }
    if (last > 0) {
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g)
        _mm512_mask_storeu_ps(d + full * pstride + 16 * g, sm[g], _mm512_maskz_loadu_ps(lm[g], s + full * DS + 16 * g));
    }
  }
}

// PackA / PackB for a table with tile MR x NR (see gemm_kernels.h).
template <int MR>
NG_TARGET_AVX512 void avx512_pack_a(bool transA, const float* A, int64_t lda, int64_t i0,
                                    int64_t mc, int64_t k0, int64_t kc, float* dst) {
  if (transA) return avx512_pack_copy_rows<MR>(A + k0 * lda + i0, lda, mc, kc, dst);
  for (int64_t p = 0; p < mc; p += MR) {
    const int r = static_cast<int>(mc - p < MR ? mc - p : MR);
    avx512_pack_transpose<MR>(A + (i0 + p) * lda + k0, lda, r, kc, dst);
    dst += MR * kc;
  }
}

template <int NR>
NG_TARGET_AVX512 void avx512_pack_b(bool transB, const float* B, int64_t ldb, int64_t k0,
                                    int64_t kc, int64_t j0, int64_t nc, float* dst) {
  if (!transB) return avx512_pack_copy_rows<NR>(B + k0 * ldb + j0, ldb, nc, kc, dst);
  for (int64_t q = 0; q < nc; q += NR) {
    const int r = static_cast<int>(nc - q < NR ? nc - q : NR);
    avx512_pack_transpose<NR>(B + (j0 + q) * ldb + k0, ldb, r, kc, dst);
    dst += NR * kc;
  }
}

// Narrow-N tile reading A in place (op(A) not transposed: row i at A + i*lda, contiguous in
// k), so small-N problems skip packing A, which there costs as much as the arithmetic.
// ROWS x (NV*16) with masked columns j < nr; B packed (row stride ldbp).
template <int ROWS, int NV>
NG_TARGET_AVX512 void avx512_tile_rows(int64_t kc, const float* __restrict A, int64_t lda,
                                       const float* __restrict Bp, int64_t ldbp,
                                       float* __restrict C, int64_t ldc, int nr, float alpha,
                                       float beta, const float* bias, int relu) {
  __m512 acc[ROWS][NV];
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  __mmask16 mask[NV];
  avx512_col_masks<NV>(nr, mask);
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_maskz_loadu_ps(mask[v], Bp + v * 16);
#pragma GCC unroll 32
    for (int i = 0; i < ROWS; ++i) {
      const __m512 a = _mm512_set1_ps(A[i * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
    Bp += ldbp;
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i) {
    float* c = C + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 x = _mm512_mul_ps(acc[i][v], va);
      if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[v], c + v * 16), x);
      if (bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], bias + v * 16));
      if (relu) x = _mm512_max_ps(zero, x);
      _mm512_mask_storeu_ps(c + v * 16, mask[v], x);
    }
  }
}

// Same dispatch for the in-place-A tiles (a RowsKernel, see gemm_kernels.h).
template <int MR, int NV>
struct Avx512RowsFamily {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, int,
                      float, float, const float*, int);
  template <int R, int... V>
  static constexpr void row(Fn (&t)[MR][NV], int r, std::integer_sequence<int, V...>) {
    ((t[r][V] = &avx512_tile_rows<R, V + 1>), ...);
  }
  template <int... R>
  static constexpr void all(Fn (&t)[MR][NV], std::integer_sequence<int, R...>) {
    (row<R + 1>(t, R, std::make_integer_sequence<int, NV>{}), ...);
  }
  struct Table {
    Fn fn[MR][NV];
    constexpr Table() : fn{} { all(fn, std::make_integer_sequence<int, MR>{}); }
  };
};

template <int MR, int NV>
void avx512_rows_kernel(int64_t kc, const float* A, int64_t lda, const float* Bp, int64_t ldbp,
                        float* C, int64_t ldc, int mr, int nr, float alpha, float beta,
                        const float* bias, int relu) {
  static constexpr typename Avx512RowsFamily<MR, NV>::Table tiles{};
  tiles.fn[mr - 1][(nr + 15) / 16 - 1](kc, A, lda, Bp, ldbp, C, ldc, nr, alpha, beta, bias, relu);
}

// A MicroKernel (see gemm_kernels.h) for an MR x (NV*16) table entry.
template <int MR, int NV>
void avx512_kernel(int64_t kc, const float* Ap, const float* Bp, int64_t ldbp, float* C,
                   int64_t ldc, int mr, int nr, float alpha, float beta, const float* bias,
                   int relu) {
  static constexpr typename Avx512Family<MR, NV>::Table tiles{};
  tiles.fn[mr - 1][(nr + 15) / 16 - 1](kc, Ap, Bp, ldbp, C, ldc, nr, alpha, beta, bias, relu);
}

}  // namespace
}  // namespace ng::cpu::gemm

#pragma GCC diagnostic pop

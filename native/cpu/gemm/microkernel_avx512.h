// AVX-512 micro-kernel templates: C row-major, vectors of 16 floats along N.
// Included only by gemm_avx512.cc and by bench/kernels experiments. Everything here has
// internal linkage and carries the AVX-512 target attribute, so no AVX-512 copy of an inline
// function can be chosen by the linker for baseline callers. Uses nothing but intrinsics.
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "cpu/gemm/gemm_kernels.h"

#define NG_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")))

// GCC 12 warns about _mm512_undefined_ps() inside _mm512_max_ps; the warning is spurious.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ng::cpu::gemm {
namespace {

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
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const int left = nr - 16 * v;
    mask[v] = left >= 16 ? static_cast<__mmask16>(0xffff)
                         : static_cast<__mmask16>(left <= 0 ? 0 : (1u << left) - 1u);
  }
  const bool full = nr == NV * 16;

  // Bring the C tile towards L1 while the k loop runs.
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i) _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);

  if (full) {
    for (int64_t k = 0; k < kc; ++k) {
      __m512 b[NV];
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

// Dispatch over (mr, ceil(nr/16)) to the exact instantiation: edge tiles cost only what they
// compute. MR = A panel stride and the full tile height; NV = vectors in a full tile.
template <int MR, int NV>
struct Avx512Family {
  using Fn = void (*)(int64_t, const float*, const float*, int64_t, float*, int64_t, int, float,
                      float, const float*, int);
  template <int R, int V>
  static constexpr Fn at() { return &avx512_tile<MR, R, V>; }
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

// AVX-512 micro-kernel template, MR rows x NV*16 columns (C row-major, vectors along N).
// Included only by gemm_avx512.cc and by bench/kernels experiments. Everything here has
// internal linkage and carries the AVX-512 target attribute, so no AVX-512 copy of an inline
// function can be chosen by the linker for baseline callers. Uses nothing but intrinsics.
#pragma once
#include <immintrin.h>

#include <cstdint>

#define NG_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")))

// GCC 12 warns about _mm512_undefined_ps() inside _mm512_max_ps; the warning is spurious.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ng::cpu::gemm {
namespace {

// Per k step: NV aligned loads of the B row, MR broadcasts of A (folded into the FMAs),
// MR*NV FMAs into accumulators that live in zmm registers for the whole k loop.
template <int MR, int NV>
NG_TARGET_AVX512 void avx512_kernel(int64_t kc, const float* __restrict Ap,
                                    const float* __restrict Bp, float* __restrict C, int64_t ldc,
                                    float alpha, float beta, const float* bias, int relu) {
  constexpr int NR = NV * 16;
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();

  // Bring the C tile towards L1 while the k loop runs.
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);

  for (int64_t k = 0; k < kc; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_load_ps(Bp + v * 16);
    _mm_prefetch(reinterpret_cast<const char*>(Bp + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
    Ap += MR;
    Bp += NR;
  }

  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const __m512 zero = _mm512_setzero_ps();
  __m512 vbias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) vbias[v] = bias ? _mm512_loadu_ps(bias + v * 16) : zero;
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    float* c = C + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 x = _mm512_mul_ps(acc[i][v], va);
      if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + v * 16), x);
      x = _mm512_add_ps(x, vbias[v]);
      if (relu) x = _mm512_max_ps(zero, x);  // max(0, NaN) = NaN
      _mm512_storeu_ps(c + v * 16, x);
    }
  }
}

}  // namespace
}  // namespace ng::cpu::gemm

#pragma GCC diagnostic pop

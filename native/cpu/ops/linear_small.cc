#include "cpu/ops/opt_flags.h"  // first: compiler options for this file
// Multiply-adds are never contracted into FMAs (the baseline build has none), so the AVX-512
// kernels and the portable loops give the same bits.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "cpu/ops/linear_small.h"

#include "core/cpu_features.h"
#include "core/intrinsics_x86.h"
#include "core/isa_target.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {

// ---- portable loops (and the per-element order every path follows) -------------------------

void forward_loops(float* out, const float* inp, const float* weight, const float* bias, int64_t B, int64_t C,
                   int64_t OC, bool relu) {
  // weight^T (C, OC), so the inner loops run over OC contiguously
  float wt[kLinearSmallWeights];
  for (int64_t j = 0; j < OC; j++)
    for (int64_t c = 0; c < C; c++) wt[c * OC + j] = weight[j * C + c];
  for (int64_t b = 0; b < B; b++) {
    const float* x = inp + b * C;
    float* o = out + b * OC;
    for (int64_t j = 0; j < OC; j++) o[j] = bias ? bias[j] : 0.0f;
    for (int64_t c = 0; c < C; c++) {
      const float xc = x[c];
      const float* w = wt + c * OC;
      for (int64_t j = 0; j < OC; j++) o[j] += xc * w[j];
    }
    if (relu)
      for (int64_t j = 0; j < OC; j++) o[j] = o[j] < 0.0f ? 0.0f : o[j];
  }
}

void dinp_loops(float* dinp, const float* dpre, const float* weight, int64_t B, int64_t C, int64_t OC, bool init) {
  for (int64_t b = 0; b < B; b++) {
    float* d = dinp + b * C;
    if (init)
      for (int64_t c = 0; c < C; c++) d[c] = 0.0f;
    for (int64_t j = 0; j < OC; j++) {
      const float g = dpre[b * OC + j];
      const float* w = weight + j * C;
      for (int64_t c = 0; c < C; c++) d[c] += g * w[c];
    }
  }
}

void dweight_loops(float* dweight, const float* dpre, const float* inp, int64_t B, int64_t C, int64_t OC, bool init) {
  float acc[kLinearSmallWeights];  // (C, OC)
  for (int64_t i = 0; i < C * OC; i++) acc[i] = 0.0f;
  for (int64_t b = 0; b < B; b++) {
    const float* g = dpre + b * OC;
    const float* x = inp + b * C;
    for (int64_t c = 0; c < C; c++) {
      const float xc = x[c];
      float* a = acc + c * OC;
      for (int64_t j = 0; j < OC; j++) a[j] += xc * g[j];
    }
  }
  for (int64_t j = 0; j < OC; j++)
    for (int64_t c = 0; c < C; c++) dweight[j * C + c] = init ? acc[c * OC + j] : dweight[j * C + c] + acc[c * OC + j];
}

#if NG_X86
// ---- AVX-512: 16 lanes, masked loads and stores for the tail --------------------------------
// The same operations per element as the loops above, in the same order.

constexpr int64_t kLanes = 16;
// Rows of a padded weight block in forward_avx512 (kChunk registers' worth, 8 KB); longer sums
// go in chunks, the running sum kept in the output in between (same order, same bits).
constexpr int64_t kChunk = 128;

// out: lanes along OC; the weight's columns transposed into zero-padded registers.
NG_TARGET_AVX512 void forward_avx512(float* out, const float* inp, const float* weight, const float* bias, int64_t B,
                                     int64_t C, int64_t OC, bool relu) {
  __m512 wp[kChunk];
  alignas(64) float col[kLanes];
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t j0 = 0; j0 < OC; j0 += kLanes) {
    const int64_t n = OC - j0 < kLanes ? OC - j0 : kLanes;
    const __mmask16 m = lanes16(n);
    const __m512 bv = bias ? _mm512_maskz_loadu_ps(m, bias + j0) : zero;
    for (int64_t c0 = 0; c0 == 0 || c0 < C; c0 += kChunk) {
      const int64_t rows = C - c0 < kChunk ? C - c0 : kChunk;
      const bool last = c0 + rows >= C;
      for (int64_t c = 0; c < rows; c++) {
        for (int64_t k = 0; k < kLanes; k++) col[k] = k < n ? weight[(j0 + k) * C + c0 + c] : 0.0f;
        wp[c] = _mm512_load_ps(col);
      }
      for (int64_t b = 0; b < B; b++) {
        const float* x = inp + b * C + c0;
        float* dst = out + b * OC + j0;
        __m512 o = c0 == 0 ? bv : _mm512_maskz_loadu_ps(m, dst);
        for (int64_t c = 0; c < rows; c++) o = _mm512_add_ps(o, _mm512_mul_ps(_mm512_set1_ps(x[c]), wp[c]));
        // max(0, o): NaN stays NaN and -0 stays -0, as o < 0 ? 0 : o
        if (last && relu) o = _mm512_max_ps(zero, o);
        _mm512_mask_storeu_ps(dst, m, o);
      }
      if (last) break;
    }
  }
}

// out (B, 1): lanes along the batch, 16 rows at a time, their inputs gathered column by column.
NG_TARGET_AVX512 void forward_avx512_one(float* out, const float* inp, const float* weight, const float* bias,
                                         int64_t B, int64_t C, bool relu) {
  const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                         _mm512_set1_epi32(static_cast<int32_t>(C)));
  const __m512 zero = _mm512_setzero_ps();
  const __m512 bv = _mm512_set1_ps(bias ? bias[0] : 0.0f);
  for (int64_t b0 = 0; b0 < B; b0 += kLanes) {
    const __mmask16 m = lanes16(B - b0);
    const float* x = inp + b0 * C;
    __m512 o = bv;
    for (int64_t c = 0; c < C; c++)
      o = _mm512_add_ps(o, _mm512_mul_ps(_mm512_mask_i32gather_ps(zero, m, idx, x + c, 4), _mm512_set1_ps(weight[c])));
    if (relu) o = _mm512_max_ps(zero, o);
    _mm512_mask_storeu_ps(out + b0, m, o);
  }
}

// dinp: lanes along C (rows of the weight loaded as they are).
NG_TARGET_AVX512 void dinp_avx512(float* dinp, const float* dpre, const float* weight, int64_t B, int64_t C, int64_t OC,
                                  bool init) {
  for (int64_t c0 = 0; c0 < C; c0 += kLanes) {
    const __mmask16 m = lanes16(C - c0);
    for (int64_t b = 0; b < B; b++) {
      float* dst = dinp + b * C + c0;
      const float* g = dpre + b * OC;
      __m512 d = init ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, dst);
      for (int64_t j = 0; j < OC; j++)
        d = _mm512_add_ps(d, _mm512_mul_ps(_mm512_set1_ps(g[j]), _mm512_maskz_loadu_ps(m, weight + j * C + c0)));
      _mm512_mask_storeu_ps(dst, m, d);
    }
  }
}

// Up to 4 running sums over the batch in registers: a[s] += u(b)[s] * v(b) for s < ns, b < B,
// b in order (u: a scalar per sum, v: a vector shared by the sums of one row).
template <class U, class V>
NG_TARGET_AVX512 inline void sums4(__m512* a, int64_t ns, int64_t B, const U& u, const V& v) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (int64_t b = 0; b < B; b++) {
    const __m512 vb = v(b);
    const float* ub = u(b);
    a0 = _mm512_add_ps(a0, _mm512_mul_ps(_mm512_set1_ps(ub[0]), vb));
    if (ns > 1) a1 = _mm512_add_ps(a1, _mm512_mul_ps(_mm512_set1_ps(ub[1]), vb));
    if (ns > 2) a2 = _mm512_add_ps(a2, _mm512_mul_ps(_mm512_set1_ps(ub[2]), vb));
    if (ns > 3) a3 = _mm512_add_ps(a3, _mm512_mul_ps(_mm512_set1_ps(ub[3]), vb));
  }
  a[0] = a0;
  a[1] = a1;
  a[2] = a2;
  a[3] = a3;
}

// dweight, lanes along C: one running sum per weight row (4 rows per pass over the batch), rows
// of inp loaded as they are.
NG_TARGET_AVX512 void dweight_avx512_rows(float* dweight, const float* dpre, const float* inp, int64_t B, int64_t C,
                                          int64_t OC, bool init) {
  __m512 a[4];
  for (int64_t c0 = 0; c0 < C; c0 += kLanes) {
    const __mmask16 m = lanes16(C - c0);
    for (int64_t j0 = 0; j0 < OC; j0 += 4) {
      const int64_t ns = OC - j0 < 4 ? OC - j0 : 4;
      sums4(a, ns, B, [&](int64_t b) { return dpre + b * OC + j0; },
            [&](int64_t b) { return _mm512_maskz_loadu_ps(m, inp + b * C + c0); });
      for (int64_t s = 0; s < ns; s++) {
        float* dst = dweight + (j0 + s) * C + c0;
        _mm512_mask_storeu_ps(dst, m, init ? a[s] : _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), a[s]));
      }
    }
  }
}

// dweight, lanes along OC: one running sum per input column (4 columns per pass over the batch),
// rows of dpre loaded as they are, written transposed.
NG_TARGET_AVX512 void dweight_avx512_cols(float* dweight, const float* dpre, const float* inp, int64_t B, int64_t C,
                                          int64_t OC, bool init) {
  __m512 a[4];
  alignas(64) float sums[kLanes];
  for (int64_t j0 = 0; j0 < OC; j0 += kLanes) {
    const int64_t n = OC - j0 < kLanes ? OC - j0 : kLanes;
    const __mmask16 m = lanes16(n);
    for (int64_t c0 = 0; c0 < C; c0 += 4) {
      const int64_t ns = C - c0 < 4 ? C - c0 : 4;
      sums4(a, ns, B, [&](int64_t b) { return inp + b * C + c0; },
            [&](int64_t b) { return _mm512_maskz_loadu_ps(m, dpre + b * OC + j0); });
      for (int64_t s = 0; s < ns; s++) {
        _mm512_store_ps(sums, a[s]);
        for (int64_t k = 0; k < n; k++) {
          float* dw = dweight + (j0 + k) * C + c0 + s;
          *dw = init ? sums[k] : *dw + sums[k];
        }
      }
    }
  }
}

// Vector operations per batch row of each layout: ceil(OC / 16) * C with lanes along OC,
// ceil(C / 16) * OC along C; the same bits either way.
NG_TARGET_AVX512 void dweight_avx512(float* dweight, const float* dpre, const float* inp, int64_t B, int64_t C,
                                     int64_t OC, bool init) {
  const int64_t cols = (OC + kLanes - 1) / kLanes * C, rows = (C + kLanes - 1) / kLanes * OC;
  if (rows <= cols) dweight_avx512_rows(dweight, dpre, inp, B, C, OC, init);
  else dweight_avx512_cols(dweight, dpre, inp, B, C, OC, init);
}

bool use_avx512() { return isa_detail::isa_or_generic() == Isa::avx512; }
#endif

}  // namespace

void linear_small_forward(float* out, const float* inp, const float* weight, const float* bias, int64_t B,
                          int64_t C, int64_t OC, bool relu) {
#if NG_X86
  if (use_avx512()) {
    if (OC == 1) return forward_avx512_one(out, inp, weight, bias, B, C, relu);
    return forward_avx512(out, inp, weight, bias, B, C, OC, relu);
  }
#endif
  forward_loops(out, inp, weight, bias, B, C, OC, relu);
}

void linear_small_backward(float* dinp, float* dweight, const float* dpre, const float* inp, const float* weight,
                           int64_t B, int64_t C, int64_t OC, bool init) {
#if NG_X86
  if (use_avx512()) {
    if (dinp) dinp_avx512(dinp, dpre, weight, B, C, OC, init);
    if (dweight) dweight_avx512(dweight, dpre, inp, B, C, OC, init);
    return;
  }
#endif
  if (dinp) dinp_loops(dinp, dpre, weight, B, C, OC, init);
  if (dweight) dweight_loops(dweight, dpre, inp, B, C, OC, init);
}

}  // namespace ng::cpu

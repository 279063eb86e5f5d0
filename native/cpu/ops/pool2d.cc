#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/pool2d.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

#if NG_X86
#include <immintrin.h>
#endif

namespace ng::cpu {

namespace {

// Runs body(plane) for every plane, in parallel when there is enough work.
template <class F>
void for_planes(int64_t NC, int64_t work_per_plane, const F& body) {
  parallel_for(NC, NC * work_per_plane >= kParallelMin && NC > 1, body);
}

// PyTorch's average-pooling window for output o: [start, end) clipped to the input, and the
// divisor for count_include_pad (the window clipped to the padded input).
struct Window { int64_t lo, hi, padded; };
inline Window avg_window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t in) {
  const int64_t start = o * stride - pad;
  const int64_t end = std::min(start + k, in + pad);
  return {std::max<int64_t>(start, 0), std::min(end, in), end - start};
}

// One step of the running maximum: NaN wins as in PyTorch (v > best || v != v). Bitwise selects:
// gcc turns `take ? v : best` into a branch here, which random data mispredicts half the time.
NG_ALWAYS_INLINE void max_step(float v, int32_t j, float* best, int32_t* arg) {
  const int32_t m = -(static_cast<int32_t>(v > *best) | static_cast<int32_t>(v != v));
  int32_t vb, bb;
  std::memcpy(&vb, &v, 4);
  std::memcpy(&bb, best, 4);
  bb = (vb & m) | (bb & ~m);
  std::memcpy(best, &bb, 4);
  *arg = (j & m) | (*arg & ~m);
}

#if NG_X86
// One output row of a 2x2 / stride 2 max pooling, 16 outputs per step: the even and odd columns
// of the two input rows are separated with permutes, the running maximum and its index are
// updated with mask moves (same rule as max_step: v > best or v is NaN). Masked loads and
// stores cover the tail, so rows of any length (7 on 14 x 14 planes) stay in vectors.
// kIdx false: no indices (inference), only the maxima.
template <bool kIdx>
NG_TARGET_AVX512 void maxpool2x2_row_avx512(const float* r0, const float* r1, float* o, int32_t* id, int64_t OW,
                                            int32_t base, int32_t W) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t ow = 0; ow < OW; ow += 16) {
    const int64_t n = std::min<int64_t>(16, OW - ow);
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1u);
    const __mmask16 lo = static_cast<__mmask16>(n >= 8 ? 0xffff : (1u << (2 * n)) - 1u);
    const __mmask16 hi = static_cast<__mmask16>(n > 8 ? (1u << (2 * n - 16)) - 1u : 0u);
    const __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * ow), a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * ow + 16);
    const __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * ow), b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * ow + 16);
    const __m512 taps[4] = {_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1),
                            _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1)};
    const __m512i j = _mm512_add_epi32(_mm512_set1_epi32(base + 2 * static_cast<int32_t>(ow)), even);
    const int32_t offs[4] = {0, 1, W, W + 1};
    __m512 best = taps[0];
    __m512i arg = j;
    for (int t = 1; t < 4; t++) {
      const __mmask16 take = _mm512_cmp_ps_mask(taps[t], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(taps[t], taps[t], _CMP_UNORD_Q);
      best = _mm512_mask_mov_ps(best, take, taps[t]);
      arg = _mm512_mask_mov_epi32(arg, take, _mm512_add_epi32(j, _mm512_set1_epi32(offs[t])));
    }
    _mm512_mask_storeu_ps(o + ow, m, best);
    if (kIdx) _mm512_mask_storeu_epi32(id + ow, m, arg);
  }
}
#endif

// Kernel taps [k0, k1) whose position start + k * dil lies in [0, in). Integer divisions only
// for dilation > 1 (they cost more than the rest of a 2x2 window).
inline void kernel_range(int64_t start, int64_t in, int64_t k, int64_t dil, int64_t* k0, int64_t* k1) {
  if (dil == 1) {
    *k0 = start >= 0 ? 0 : -start;
    *k1 = std::min(k, in - start);
  } else {
    *k0 = start >= 0 ? 0 : (-start + dil - 1) / dil;
    *k1 = std::min(k, (in - start + dil - 1) / dil);
  }
}

inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

}  // namespace

void maxpool2d_forward(float* out, int32_t* idx, const float* inp, const Pool2dShape& s) {
  // out, idx: (NC, OH, OW)  inp: (NC, H, W)
  // Per output, the in-range kernel rows / columns are computed first so the inner loop has no
  // bounds checks, and the running maximum is updated with selects (random data makes a
  // compare-and-branch mispredict half the time). NaN wins as in PyTorch (v > best || v != v).
  const int64_t HW = s.H * s.W, P = s.OH * s.OW;
  const bool plain2x2 = s.KH == 2 && s.KW == 2 && s.sh == 2 && s.sw == 2 && s.ph == 0 && s.pw == 0 && s.dh == 1 &&
                        s.dw == 1 && 2 * s.OH <= s.H && 2 * s.OW <= s.W;
  if (plain2x2) {  // the common MaxPool2d(2): every window inside the input
    const int64_t W = s.W, OH = s.OH, OW = s.OW;
#if NG_X86
    const bool avx512 = isa_detail::isa_or_generic() == Isa::avx512;
#endif
    for_planes(s.NC, 4 * P, [=](int64_t pl) {
      for (int64_t oh = 0; oh < OH; oh++) {
        const float* r0 = inp + pl * HW + 2 * oh * W;
        float* o = out + pl * P + oh * OW;
        int32_t* id = idx ? idx + pl * P + oh * OW : nullptr;
        const int32_t base = static_cast<int32_t>(2 * oh * W), w = static_cast<int32_t>(W);
#if NG_X86
        if (avx512) {
          if (id) {
            maxpool2x2_row_avx512<true>(r0, r0 + W, o, id, OW, base, w);
          } else {
            maxpool2x2_row_avx512<false>(r0, r0 + W, o, id, OW, base, w);
          }
          continue;
        }
#endif
        for (int64_t ow = 0; ow < OW; ow++) {
          const int32_t j = base + 2 * static_cast<int32_t>(ow);
          float best = -INFINITY;
          int32_t arg = j;
          max_step(r0[2 * ow], j, &best, &arg);
          max_step(r0[2 * ow + 1], j + 1, &best, &arg);
          max_step(r0[W + 2 * ow], j + w, &best, &arg);
          max_step(r0[W + 2 * ow + 1], j + w + 1, &best, &arg);
          o[ow] = best;
          if (id) id[ow] = arg;
        }
      }
    });
    return;
  }
  for_planes(s.NC, P * s.KH * s.KW, [=](int64_t pl) {
    const float* x = inp + pl * HW;
    for (int64_t oh = 0; oh < s.OH; oh++) {
      const int64_t h0 = oh * s.sh - s.ph;
      int64_t kh0, kh1;
      kernel_range(h0, s.H, s.KH, s.dh, &kh0, &kh1);
      for (int64_t ow = 0; ow < s.OW; ow++) {
        const int64_t w0 = ow * s.sw - s.pw;
        int64_t kw0, kw1;
        kernel_range(w0, s.W, s.KW, s.dw, &kw0, &kw1);
        float best = -INFINITY;
        int32_t arg = static_cast<int32_t>((h0 + kh0 * s.dh) * s.W + w0 + kw0 * s.dw);  // first in-range position
        for (int64_t kh = kh0; kh < kh1; kh++) {
          const int64_t row = (h0 + kh * s.dh) * s.W + w0;
          for (int64_t kw = kw0; kw < kw1; kw++) {
            const int32_t j = static_cast<int32_t>(row + kw * s.dw);
            max_step(x[j], j, &best, &arg);
          }
        }
        out[pl * P + oh * s.OW + ow] = best;
        if (idx) idx[pl * P + oh * s.OW + ow] = arg;
      }
    }
  });
}

void maxpool2d_backward(float* dinp, const float* dout, const int32_t* idx, const Pool2dShape& s, bool init) {
  // dinp: (NC, H, W)  dout, idx: (NC, OH, OW)
  const int64_t HW = s.H * s.W, P = s.OH * s.OW;
  for_planes(s.NC, P, [=](int64_t pl) {
    float* dx = dinp + pl * HW;
    if (init) std::fill(dx, dx + HW, 0.0f);  // cache-hot for the scatter below
    for (int64_t p = 0; p < P; p++) dx[idx[pl * P + p]] += dout[pl * P + p];
  });
}

void avgpool2d_forward(float* out, const float* inp, const Pool2dShape& s, bool count_include_pad) {
  // out: (NC, OH, OW)  inp: (NC, H, W)
  const int64_t HW = s.H * s.W, P = s.OH * s.OW;
  for_planes(s.NC, P * s.KH * s.KW, [=](int64_t pl) {
    const float* x = inp + pl * HW;
    for (int64_t oh = 0; oh < s.OH; oh++) {
      const Window wh = avg_window(oh, s.sh, s.ph, s.KH, s.H);
      for (int64_t ow = 0; ow < s.OW; ow++) {
        const Window ww = avg_window(ow, s.sw, s.pw, s.KW, s.W);
        float acc = 0.0f;
        for (int64_t ih = wh.lo; ih < wh.hi; ih++)
          for (int64_t iw = ww.lo; iw < ww.hi; iw++) acc += x[ih * s.W + iw];
        const int64_t div = count_include_pad ? wh.padded * ww.padded : (wh.hi - wh.lo) * (ww.hi - ww.lo);
        out[pl * P + oh * s.OW + ow] = div > 0 ? acc / static_cast<float>(div) : 0.0f;
      }
    }
  });
}

void avgpool2d_backward(float* dinp, const float* dout, const Pool2dShape& s, bool count_include_pad) {
  // dinp: (NC, H, W)  dout: (NC, OH, OW)
  const int64_t HW = s.H * s.W, P = s.OH * s.OW;
  for_planes(s.NC, P * s.KH * s.KW, [=](int64_t pl) {
    float* dx = dinp + pl * HW;
    for (int64_t oh = 0; oh < s.OH; oh++) {
      const Window wh = avg_window(oh, s.sh, s.ph, s.KH, s.H);
      for (int64_t ow = 0; ow < s.OW; ow++) {
        const Window ww = avg_window(ow, s.sw, s.pw, s.KW, s.W);
        const int64_t div = count_include_pad ? wh.padded * ww.padded : (wh.hi - wh.lo) * (ww.hi - ww.lo);
        if (div <= 0) continue;
        const float g = dout[pl * P + oh * s.OW + ow] / static_cast<float>(div);
        for (int64_t ih = wh.lo; ih < wh.hi; ih++)
          for (int64_t iw = ww.lo; iw < ww.hi; iw++) dx[ih * s.W + iw] += g;
      }
    }
  });
}

void adaptive_avgpool2d_forward(float* out, const float* inp, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                int64_t OW) {
  // out: (NC, OH, OW)  inp: (NC, H, W)
  for_planes(NC, H * W, [=](int64_t pl) {
    const float* x = inp + pl * H * W;
    for (int64_t oh = 0; oh < OH; oh++) {
      const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
      for (int64_t ow = 0; ow < OW; ow++) {
        const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
        float acc = 0.0f;
        if (w0 == 0 && w1 == W) {  // whole rows (a global pool): one contiguous sum, not a short one per row
          acc = row_sum(x + h0 * W, (h1 - h0) * W);
        } else {
          for (int64_t ih = h0; ih < h1; ih++) acc += row_sum(x + ih * W + w0, w1 - w0);
        }
        out[(pl * OH + oh) * OW + ow] = acc / static_cast<float>((h1 - h0) * (w1 - w0));
      }
    }
  });
}

void adaptive_avgpool2d_backward(float* dinp, const float* dout, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                 int64_t OW, bool init) {
  // dinp: (NC, H, W)  dout: (NC, OH, OW)
  for_planes(NC, H * W, [=](int64_t pl) {
    float* dx = dinp + pl * H * W;
    if (init) std::fill(dx, dx + H * W, 0.0f);  // cache-hot for the sums below
    for (int64_t oh = 0; oh < OH; oh++) {
      const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
      for (int64_t ow = 0; ow < OW; ow++) {
        const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
        const float g = dout[(pl * OH + oh) * OW + ow] / static_cast<float>((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) dx[ih * W + iw] += g;
      }
    }
  });
}

}  // namespace ng::cpu

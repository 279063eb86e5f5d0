#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/pool2d.h"

#include <algorithm>
#include <cmath>

#include "cpu/ops/common.h"

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

inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

}  // namespace

int64_t pool_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dil * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) out--;
  return out;
}

void maxpool2d_forward(float* out, int32_t* idx, const float* inp, const Pool2dShape& s) {
  // out, idx: (NC, OH, OW)  inp: (NC, H, W)
  const int64_t HW = s.H * s.W, P = s.OH * s.OW;
  for_planes(s.NC, P * s.KH * s.KW, [=](int64_t pl) {
    const float* x = inp + pl * HW;
    for (int64_t oh = 0; oh < s.OH; oh++)
      for (int64_t ow = 0; ow < s.OW; ow++) {
        float best = -INFINITY;
        int64_t arg = -1;
        for (int64_t kh = 0; kh < s.KH; kh++) {
          const int64_t ih = oh * s.sh - s.ph + kh * s.dh;
          if (ih < 0 || ih >= s.H) continue;
          for (int64_t kw = 0; kw < s.KW; kw++) {
            const int64_t iw = ow * s.sw - s.pw + kw * s.dw;
            if (iw < 0 || iw >= s.W) continue;
            const float v = x[ih * s.W + iw];
            if (arg < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
              best = v;
              arg = ih * s.W + iw;
            }
          }
        }
        out[pl * P + oh * s.OW + ow] = best;
        idx[pl * P + oh * s.OW + ow] = static_cast<int32_t>(arg < 0 ? 0 : arg);
      }
  });
}

void maxpool2d_backward(float* dinp, const float* dout, const int32_t* idx, const Pool2dShape& s) {
  // dinp: (NC, H, W)  dout, idx: (NC, OH, OW)
  const int64_t HW = s.H * s.W, P = s.OH * s.OW;
  for_planes(s.NC, P, [=](int64_t pl) {
    float* dx = dinp + pl * HW;
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
        for (int64_t ih = h0; ih < h1; ih++) acc += row_sum(x + ih * W + w0, w1 - w0);
        out[(pl * OH + oh) * OW + ow] = acc / static_cast<float>((h1 - h0) * (w1 - w0));
      }
    }
  });
}

void adaptive_avgpool2d_backward(float* dinp, const float* dout, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                 int64_t OW) {
  // dinp: (NC, H, W)  dout: (NC, OH, OW)
  for_planes(NC, H * W, [=](int64_t pl) {
    float* dx = dinp + pl * H * W;
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

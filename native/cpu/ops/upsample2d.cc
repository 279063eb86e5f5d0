#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/upsample2d.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {

// The two source taps and their weights for every output index along one axis.
struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<float> l0, l1;
};

// PyTorch's rules in float (its opmath type for float32): the scale is (in - 1) / (out - 1)
// with align_corners (0 for a single output), else 1 / scale_factor when one was given, else
// in / out; the source index is clamped to [0, in - 1] and the weight to [0, 1].
Taps linear_taps(int64_t in, int64_t out, bool align_corners, double scale_factor) {
  float scale;
  if (align_corners) {
    scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  } else {
    scale = scale_factor > 0.0 ? static_cast<float>(1.0 / scale_factor) : static_cast<float>(in) / static_cast<float>(out);
  }
  Taps t;
  t.i0.resize(out);
  t.i1.resize(out);
  t.l0.resize(out);
  t.l1.resize(out);
  for (int64_t o = 0; o < out; o++) {
    const float d = static_cast<float>(o);
    const float src = align_corners ? scale * d : std::max(scale * (d + 0.5f) - 0.5f, 0.0f);
    const int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
    const float l1 = std::min(std::max(src - static_cast<float>(i0), 0.0f), 1.0f);
    t.i0[o] = i0;
    t.i1[o] = i0 < in - 1 ? i0 + 1 : i0;
    t.l1[o] = l1;
    t.l0[o] = 1.0f - l1;
  }
  return t;
}

}  // namespace

void upsample_bilinear2d_forward(float* out, const float* inp, const ng::ops::Upsample2dGeom& g) {
  const Taps th = linear_taps(g.H, g.OH, g.align_corners, g.scale_h);
  const Taps tw = linear_taps(g.W, g.OW, g.align_corners, g.scale_w);
  const int64_t HW = g.H * g.W, P = g.OH * g.OW, W = g.W, OH = g.OH, OW = g.OW;
  parallel_for(g.NC, g.NC * P * 4 >= kParallelMin && g.NC > 1, [&](int64_t pl) {
    const float* x = inp + pl * HW;
    float* o = out + pl * P;
    for (int64_t i = 0; i < OH; i++) {
      const float* r0 = x + th.i0[i] * W;
      const float* r1 = x + th.i1[i] * W;
      const float a0 = th.l0[i], a1 = th.l1[i];
      float* orow = o + i * OW;
      for (int64_t j = 0; j < OW; j++) {
        const int64_t c0 = tw.i0[j], c1 = tw.i1[j];
        const float b0 = tw.l0[j], b1 = tw.l1[j];
        orow[j] = a0 * (b0 * r0[c0] + b1 * r0[c1]) + a1 * (b0 * r1[c0] + b1 * r1[c1]);
      }
    }
  });
}

void upsample_bilinear2d_backward(float* dinp, const float* dout, const ng::ops::Upsample2dGeom& g) {
  const Taps th = linear_taps(g.H, g.OH, g.align_corners, g.scale_h);
  const Taps tw = linear_taps(g.W, g.OW, g.align_corners, g.scale_w);
  const int64_t HW = g.H * g.W, P = g.OH * g.OW, W = g.W, OH = g.OH, OW = g.OW;
  parallel_for(g.NC, g.NC * P * 4 >= kParallelMin && g.NC > 1, [&](int64_t pl) {
    float* dx = dinp + pl * HW;
    const float* d = dout + pl * P;
    for (int64_t i = 0; i < OH; i++) {
      float* r0 = dx + th.i0[i] * W;
      float* r1 = dx + th.i1[i] * W;
      const float a0 = th.l0[i], a1 = th.l1[i];
      const float* drow = d + i * OW;
      for (int64_t j = 0; j < OW; j++) {
        const int64_t c0 = tw.i0[j], c1 = tw.i1[j];
        const float b0 = tw.l0[j], b1 = tw.l1[j];
        const float v0 = a0 * drow[j], v1 = a1 * drow[j];
        r0[c0] += b0 * v0;
        r0[c1] += b1 * v0;
        r1[c0] += b0 * v1;
        r1[c1] += b1 * v1;
      }
    }
  });
}

}  // namespace ng::cpu

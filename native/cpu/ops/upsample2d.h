// Bilinear upsampling of NCHW planes with PyTorch's coordinates (upsample_bilinear2d): output
// pixel (i, j) reads the source position scale * (i + 0.5) - 0.5 clamped at 0 (half-pixel), or
// i (H - 1) / (OH - 1) with align_corners. Threads own whole planes, so forward and backward are
// deterministic for any thread count.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

// out: (NC, OH, OW)  inp: (NC, H, W)
void upsample_bilinear2d_forward(float* out, const float* inp, const ng::ops::Upsample2dGeom& g);
// dinp: (NC, H, W) (accumulates)  dout: (NC, OH, OW)
void upsample_bilinear2d_backward(float* dinp, const float* dout, const ng::ops::Upsample2dGeom& g);

}  // namespace ng::cpu

// 2-D pooling over NCHW planes: max pooling (with dilation; saves the argmax for backward),
// average pooling (PyTorch's count_include_pad rule, ceil mode through the output size) and
// adaptive average pooling (global average pooling is OH = OW = 1). Threads own whole planes
// (n, c), so every kernel is deterministic for any thread count.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

using Pool2dShape = ng::ops::Pool2dGeom;  // NC, H, W, KH, KW, stride, padding, dilation, OH, OW

// out: (NC, OH, OW)  idx: (NC, OH, OW) index h * W + w of the maximum in its plane (first
// maximum wins; NaN propagates) or null (inference: no indices)  inp: (NC, H, W)
void maxpool2d_forward(float* out, int32_t* idx, const float* inp, const Pool2dShape& s);
// dinp: (NC, H, W) (accumulates; init: written, each plane zeroed just before its scatter, the
// bits of adding into zeros)  dout, idx: (NC, OH, OW)
void maxpool2d_backward(float* dinp, const float* dout, const int32_t* idx, const Pool2dShape& s, bool init = false);

// out: (NC, OH, OW)  inp: (NC, H, W). count_include_pad: divide by the window clipped to the
// padded input (PyTorch's default) instead of by the number of real input values.
void avgpool2d_forward(float* out, const float* inp, const Pool2dShape& s, bool count_include_pad);
// dinp: (NC, H, W) (accumulates)  dout: (NC, OH, OW)
void avgpool2d_backward(float* dinp, const float* dout, const Pool2dShape& s, bool count_include_pad);

// Adaptive average pooling: output cell (i, j) averages rows [floor(i H / OH), ceil((i+1) H / OH))
// and the same for columns.  out: (NC, OH, OW)  inp: (NC, H, W)
void adaptive_avgpool2d_forward(float* out, const float* inp, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                int64_t OW);
// dinp: (NC, H, W) (accumulates; init: written as maxpool2d_backward's)  dout: (NC, OH, OW)
void adaptive_avgpool2d_backward(float* dinp, const float* dout, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                 int64_t OW, bool init = false);

}  // namespace ng::cpu

// 2-D convolution (cross-correlation, as PyTorch's conv2d), NCHW, with stride, zero padding,
// dilation and groups (depthwise: groups == C), bias and relu fused into the GEMM epilogue.
//
// Implementation: im2col + sgemm per image and group (a 1x1 / stride 1 / no padding conv uses
// the input directly as the column matrix); with >= 8 output channels per group (fp32, AVX-512),
// stride-1 convs with kernels larger than 1x1 run direct kernels instead (no column matrix:
// forward, the input gradient as a convolution with the flipped kernel, and the weight gradient),
// and strided ones (1x1 included) the same kernels over the input's phase planes; the weight
// gradient of 16k output channels per group runs by broadcasts, output channels along the lanes
// (conv2d_dweight.h), for any stride. All chosen by shape only. Images are split into fixed
// chunks that depend only on the shape (never on the thread count); each chunk owns a slice of
// the scratch buffer, so results are bit-identical for any number of threads.
//
// What the caller must keep for backward: inp and weight always; out (post-activation) when
// act is relu.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

using ConvAct = ng::ops::ConvAct;          // shared by every backend (native/ops/kinds.h)
using Conv2dShape = ng::ops::Conv2dGeom;  // N, C, H, W, OC, KH, KW, stride, padding, dilation, groups, OH, OW

// Floats of scratch conv2d_forward / conv2d_backward need for this shape.
int64_t conv2d_scratch_floats(const Conv2dShape& s, bool backward);

// out: (N, OC, OH, OW)  inp: (N, C, H, W)  weight: (OC, C/groups, KH, KW)  bias: (OC) or null
// scratch: conv2d_scratch_floats(s, false) floats. accumulate: out = act(out + bias + conv(inp))
// (a residual block's last conv adding onto its shortcut, the ReLU after the sum in the epilogue).
void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias,
                    const Conv2dShape& s, ConvAct act, float* scratch, bool accumulate = false);

// Inference (i13-inf): out (N, OC, OH / 2, OW / 2) = MaxPool2d(2) of act(conv) (2x2 windows,
// stride 2, floor), the bits of conv2d_forward then maxpool2d_forward; the direct kernels write
// each image into a per-thread buffer that the pool reads while it is in cache.
void conv2d_forward_maxpool2(float* out, const float* inp, const float* weight, const float* bias,
                             const Conv2dShape& s, ConvAct act, float* scratch);

// One convolution of a residual block: its shape, weight and bias (null: none).
struct BlockConv {
  Conv2dShape shape;
  const float* weight;
  const float* bias;
};

// Inference: a residual block (BatchNorms folded) in one call: out (N, OC, OH, OW) =
// relu(shortcut + b2 + conv2(relu(b1 + conv1(inp)))), conv1: c1 (C -> mid, OH x OW), conv2: c2
// (mid -> OC, keeping OH x OW); the shortcut is inp itself (proj null: OC == C, OH x OW == H x W)
// or the projection *proj (C -> OC, OH x OW). The bits of the per-layer path: conv2d_forward of
// the projection (no act) into out, or inp copied there; conv2d_forward (relu) of conv1;
// conv2d_forward accumulating (relu) of conv2. out may be inp itself for the identity (no other
// overlap). scratch: conv2d_block_scratch_floats.
void conv2d_block_forward(float* out, const float* inp, const BlockConv& c1, const BlockConv& c2, const BlockConv* proj,
                          float* scratch);
int64_t conv2d_block_scratch_floats(const BlockConv& c1, const BlockConv& c2, const BlockConv* proj);

// dinp: (N, C, H, W) or null  dweight: (OC, C/groups, KH, KW) or null  dbias: (OC) or null
// (all accumulate; init: all written, their old contents never read: the gradients' first
// producer, with the bits of accumulating into zeros)  dout, out: (N, OC, OH, OW) (out read only
// for relu)  scratch: conv2d_scratch_floats(s, true) floats.
void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const float* out, const Conv2dShape& s, ConvAct act,
                     float* scratch, bool init = false);

}  // namespace ng::cpu

// The weight gradient of a convolution by broadcasts (AVX-512), for conv2d_backward: the output
// channels run along the vector lanes and the input values are broadcast, so no lane is spent on
// a row's end or a padding column, and the accumulators stay in registers over a whole image.
//
//   dWt[(c, kh, kw)][o] += sum over the output positions p = (oh, ow) of
//                          xp[c][oh sh + kh dh][ow sw + kw] * dpre[o][p]
//
// where xp is the input zero-padded by (ph, pw) and dpre is read transposed, (P, Co), so that 16
// output channels are one vector. One call per image (and group) adds that image's terms into
// dWt (Ci KH KW, Co): a fixed-order sum (positions in order, images in the caller's order), so
// results do not depend on the thread count. conv2d_backward adds dWt, transposed, into dW at the
// end of each image chunk.
//
// Tile: L input lines (c, kh) x KW taps x V vectors of 16 output channels (at most 24
// accumulators): per output position V loads of dpre, L KW broadcasts and L KW V FMAs.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

// One image and group: Ci planes (H, W) -> Co planes (OH, OW).
struct BcastDweightGeom {
  int64_t Ci, Co, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh;
  // Floats of the per-image scratch: dpre transposed (OH OW Co), then the padded planes
  // (Ci (H + 2 ph) (W + 2 pw); none without padding: the input is read in place).
  int64_t scratch_floats() const;
};

// True when the broadcast kernel handles this shape: AVX-512 active, output channels per group a
// multiple of 16, no dilation along W, kernel widths 1, 3, 5 or 7, and at least 4 input lines
// (C / groups x KH: with fewer, as in a 3x3 conv of a single-channel image, most of the tile
// stays empty and the lane sums measured faster: 64 x 1 x 28 x 28 -> 16, ~140 against ~205 us).
// (The caller also requires the fp32 GEMM mode, as for the other direct kernels.)
bool bcast_dweight_ok(const ng::ops::Conv2dGeom& s);

// Before the first image of a run that reuses one scratch: zeroes the padded planes' borders.
void bcast_dweight_begin(float* scratch, const BcastDweightGeom& g);

// dwt (Ci KH KW, Co) += this image's terms; dp (Co, OH OW) the output gradient (after the relu
// mask), in (Ci, H, W) the input; scratch: g.scratch_floats() floats, bcast_dweight_begin'd.
// next_dp, next_in (shaped as dp and in, or null): what the caller reads next, prefetched into L2
// over the tiles (the transposes and the copy would otherwise wait on memory).
void bcast_dweight_image(float* dwt, const float* dp, const float* in, float* scratch, const BcastDweightGeom& g,
                         const float* next_dp = nullptr, const float* next_in = nullptr);

// dw (Co, K) += dwt (K, Co) transposed (K = Ci KH KW).
void bcast_dweight_add_transposed(float* dw, const float* dwt, int64_t Co, int64_t K);

}  // namespace ng::cpu

// Inverted dropout with a counter-based mask: element i is dropped when
// rng_uniform_at(seed, offset + i) < p, else scaled by 1 / (1 - p). The mask depends only on
// (seed, offset + i): identical for any thread count. The caller advances offset by n.
#pragma once
#include <cstdint>

namespace ng::cpu {

// out, inp: (n)  mask: (n) uint8 (1 = kept) or float (0 or 1 / (1 - p)); one of the masks may be
// null. p in [0, 1); p == 0 copies.
void dropout_forward(float* out, uint8_t* mask_u8, float* mask_f32, const float* inp, int64_t n, float p,
                     uint64_t seed, uint64_t offset);
// dinp += dout * mask * scale (uint8 mask) or dout * mask (float mask)
void dropout_backward_u8(float* dinp, const float* dout, const uint8_t* mask, int64_t n, float p);
void dropout_backward_f32(float* dinp, const float* dout, const float* mask, int64_t n);

}  // namespace ng::cpu

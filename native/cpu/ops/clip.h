// Gradient utilities over a flat buffer: global L2 norm, scaling, clipping, zeroing and a
// finite check for NaN guards.
#pragma once
#include <cstdint>

namespace ng::cpu {

// sqrt(sum x^2) accumulated in double in a fixed order (same result for any thread count).
double l2_norm(const float* x, int64_t n);
// x *= s
void scale_inplace(float* x, int64_t n, float s);
// x = clamp(x, lo, hi)
void clip_by_value(float* x, int64_t n, float lo, float hi);
// PyTorch clip_grad_norm_: total = l2_norm; if max_norm / (total + 1e-6) < 1, scale by it.
// Returns the norm before clipping.
double clip_by_norm(float* x, int64_t n, float max_norm);
void zero_f32(float* x, int64_t n);
// true when every element is finite (no NaN / Inf).
bool all_finite(const float* x, int64_t n);

}  // namespace ng::cpu

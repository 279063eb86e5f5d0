#include "cpu/ops/dropout.h"

#include "core/rng.h"
#include "cpu/ops/common.h"

namespace ng::cpu {

void dropout_forward(float* out, uint8_t* mask_u8, float* mask_f32, const float* inp, int64_t n, float p,
                     uint64_t seed, uint64_t offset) {
  // out, inp, mask_u8 / mask_f32: (n)
  const float scale = 1.0f / (1.0f - p);
  // One Philox evaluation per element (~10 rounds): parallel from a lower size than plain loops.
#pragma omp parallel for if (n >= kParallelMin / 8)
  for (int64_t i = 0; i < n; i++) {
    const bool keep = !(rng_uniform_at(seed, offset + static_cast<uint64_t>(i)) < p);
    out[i] = keep ? inp[i] * scale : 0.0f;
    if (mask_u8) mask_u8[i] = keep ? 1 : 0;
    if (mask_f32) mask_f32[i] = keep ? scale : 0.0f;
  }
}

void dropout_backward_u8(float* dinp, const float* dout, const uint8_t* mask, int64_t n, float p) {
  // dinp, dout, mask: (n)
  const float scale = 1.0f / (1.0f - p);
#pragma omp parallel for if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) dinp[i] += mask[i] ? dout[i] * scale : 0.0f;
}

void dropout_backward_f32(float* dinp, const float* dout, const float* mask, int64_t n) {
#pragma omp parallel for if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) dinp[i] += dout[i] * mask[i];
}

}  // namespace ng::cpu

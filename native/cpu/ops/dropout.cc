#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/dropout.h"

#include "core/rng.h"
#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {
// Same mapping as rng_uniform_at (core/rng.cc): top 24 bits -> [0, 1). The kernel test checks
// the mask against rngUniform bit for bit, so a change there cannot go unnoticed.
inline float unit_of(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
constexpr int64_t kBlock = 1024;  // elements per parallel task (a multiple of 4)
}  // namespace

void dropout_forward(float* out, uint8_t* mask_u8, float* mask_f32, const float* inp, int64_t n, float p,
                     uint64_t seed, uint64_t offset) {
  // out, inp, mask_u8 / mask_f32: (n)
  // Stream position offset + i uses word (offset + i) & 3 of Philox block (offset + i) >> 2, so
  // one Philox evaluation serves 4 consecutive positions.
  const float scale = 1.0f / (1.0f - p);
  const int64_t nblk = (n + kBlock - 1) / kBlock;
  parallel_for(nblk, n >= kParallelMin / 4, [=](int64_t blk) {
    const int64_t i0 = blk * kBlock, i1 = std::min(n, i0 + kBlock);
    int64_t i = i0;
    while (i < i1) {
      const uint64_t pos = offset + static_cast<uint64_t>(i);
      const Philox4 r = philox4x32(seed, pos >> 2);
      for (uint32_t w = static_cast<uint32_t>(pos & 3); w < 4 && i < i1; w++, i++) {
        const bool keep = !(unit_of(r.v[w]) < p);
        out[i] = keep ? inp[i] * scale : 0.0f;
        if (mask_u8) mask_u8[i] = keep ? 1 : 0;
        if (mask_f32) mask_f32[i] = keep ? scale : 0.0f;
      }
    }
  });
}

void dropout_backward_u8(float* dinp, const float* dout, const uint8_t* mask, int64_t n, float p) {
  // dinp, dout, mask: (n)
  const float scale = 1.0f / (1.0f - p);
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float g = dout[i] * scale;
    dinp[i] += mask[i] ? g : 0.0f;
  });
}

void dropout_backward_f32(float* dinp, const float* dout, const float* mask, int64_t n) {
  // dinp, dout, mask: (n)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * mask[i]; });
}

}  // namespace ng::cpu

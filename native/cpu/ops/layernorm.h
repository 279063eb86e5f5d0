// Layer normalization over the last dim: inp viewed as N rows of C values.
#pragma once
#include <cstdint>

namespace ng::cpu {

// out: (N, C)  mean, rstd: (N) saved for backward  inp: (N, C)  weight, bias: (C) or null
// (biased variance; rstd = 1 / sqrt(var + eps)).
void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                       const float* bias, int64_t N, int64_t C, float eps);
// dinp: (N, C) or null  dweight, dbias: (C) or null  dout, inp: (N, C)  weight: (C) or null
void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C);

}  // namespace ng::cpu

// Linear layers too small for the GEMM (tiny networks: 100 x 2 -> 10 -> 1). There, packing and
// blocking cost more than the arithmetic, and loops over rows of a runtime length (10 outputs,
// 2 inputs) spend their time in loop set-up. With AVX-512, a row of up to 16 outputs (or inputs)
// is one register, its tail masked; the forward pass of a single output takes 16 batch rows per
// register instead. Elsewhere, portable loops. Both follow the per-element order written below,
// multiply-adds never contracted, so every ISA gives the same bits.
#pragma once
#include <cstdint>

namespace ng::cpu {

// Weights of at most this many elements (C x OC) can take these kernels (small batches only).
constexpr int64_t kLinearSmallWeights = 4096;

// Whether linear_forward / linear_backward use these kernels for a (B, C) x (OC, C)^T layer.
inline bool linear_small(int64_t B, int64_t C, int64_t OC) {
  return B * C * OC <= 32768 && C * OC <= kLinearSmallWeights;
}

// out (B, OC) = inp (B, C) * weight^T (weight: (OC, C)) + bias (bias may be null), relu when asked:
//   out[b, j] = ((bias[j] + x[b, 0] w[j, 0]) + x[b, 1] w[j, 1]) + ...   (c in order; 0 without bias)
void linear_small_forward(float* out, const float* inp, const float* weight, const float* bias, int64_t B,
                          int64_t C, int64_t OC, bool relu);

// dinp (B, C) and dweight (OC, C) from dpre (B, OC); either may be null. With `init` they are
// written (their old contents are never read), else accumulated:
//   dinp[b, c]    = ((dinp[b, c] + g[b, 0] w[0, c]) + g[b, 1] w[1, c]) + ...   (j in order; from 0 with init)
//   dweight[j, c] = dweight[j, c] + (((0 + g[0, j] x[0, c]) + g[1, j] x[1, c]) + ...)   (b in order)
void linear_small_backward(float* dinp, float* dweight, const float* dpre, const float* inp, const float* weight,
                           int64_t B, int64_t C, int64_t OC, bool init);

}  // namespace ng::cpu

// Pointwise activation functions, forward and backward. Backward kernels ADD into dinp.
// Which saved tensor each backward reads (the other is not needed):
//   relu, leaky_relu, elu, selu, gelu, gelu_tanh, silu, softplus: the input x
//   sigmoid, tanh: the output y
#pragma once
#include <cmath>
#include <cstdint>

#include "cpu/ops/common.h"

namespace ng::cpu {

void relu_forward(float* out, const float* inp, int64_t n);
void relu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
// relu_backward that writes dinp (never read), the bits of adding into zeros: a gradient's first producer.
void relu_backward_init(float* dinp, const float* inp, const float* dout, int64_t n);
void leaky_relu_forward(float* out, const float* inp, int64_t n, float slope);
void leaky_relu_backward(float* dinp, const float* inp, const float* dout, int64_t n, float slope);
void elu_forward(float* out, const float* inp, int64_t n, float alpha);
void elu_backward(float* dinp, const float* inp, const float* dout, int64_t n, float alpha);
void selu_forward(float* out, const float* inp, int64_t n);
void selu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
// GELU, exact form 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's default).
void gelu_forward(float* out, const float* inp, int64_t n);
void gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
// GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
void gelu_tanh_forward(float* out, const float* inp, int64_t n);
void gelu_tanh_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void silu_forward(float* out, const float* inp, int64_t n);
void silu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void sigmoid_forward(float* out, const float* inp, int64_t n);
void sigmoid_backward(float* dinp, const float* out, const float* dout, int64_t n);
void tanh_forward(float* out, const float* inp, int64_t n);
void tanh_backward(float* dinp, const float* out, const float* dout, int64_t n);
// softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch).
// hardswish(x) = x * min(max(x + 3, 0), 6) / 6; gradient 0 below -3, 1 above 3, x / 3 + 0.5
// between (PyTorch's convention at the kinks).
void hardswish_forward(float* out, const float* inp, int64_t n);
void hardswish_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void softplus_forward(float* out, const float* inp, int64_t n, float beta, float threshold);
void softplus_backward(float* dinp, const float* inp, const float* dout, int64_t n, float beta,
                       float threshold);

// Single-element helpers shared with the fused linear kernels (branch-free: loops calling them
// vectorize; libm's erff is a scalar call of ~10 ns).

// erfc_nonneg in parts (gelu_forward runs them as separate passes over a block):
// erfc_nonneg(z) = erfc_t(z) * exp_fast(erfc_exponent(erfc_t(z), z)).
NG_ALWAYS_INLINE float erfc_t(float z) { return 1.0f / (1.0f + 0.5f * z); }
NG_ALWAYS_INLINE float erfc_exponent(float t, float z) {
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return p - z * z;
}
// erfc(z) for z >= 0 with a relative error of a few 1e-7: t exp(-z^2 + P(t)), t = 1 / (1 + z / 2),
// P of degree 9 (the Chebyshev fit of Numerical Recipes' erfcc). Huge z gives 0, NaN stays NaN.
NG_ALWAYS_INLINE float erfc_nonneg(float z) {
  const float t = erfc_t(z);
  return t * exp_fast(erfc_exponent(t, z));
}

// The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, computed from erfc on the side of
// the tail so that it keeps its relative accuracy far into the lower tail.
NG_ALWAYS_INLINE float normal_cdf(float x) {
  const float e = 0.5f * erfc_nonneg(std::fabs(x) * 0.70710678118654752f);
  return x < 0.0f ? e : 1.0f - e;
}

// GELU (exact form) and its derivative Phi(x) + x phi(x).
NG_ALWAYS_INLINE float gelu_erf_value(float x) { return x * normal_cdf(x); }
NG_ALWAYS_INLINE float gelu_erf_grad(float x) {
  return normal_cdf(x) + x * 0.39894228040143267794f * exp_fast(-0.5f * x * x);
}

}  // namespace ng::cpu

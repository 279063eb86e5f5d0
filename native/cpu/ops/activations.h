// Pointwise activation functions, forward and backward. Backward kernels ADD into dinp.
// Which saved tensor each backward reads (the other is not needed):
//   relu, leaky_relu, elu, selu, gelu, gelu_tanh, silu, softplus: the input x
//   sigmoid, tanh: the output y
#pragma once
#include <cmath>
#include <cstdint>

namespace ng::cpu {

void relu_forward(float* out, const float* inp, int64_t n);
void relu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
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

// Single-element helpers shared with the fused linear kernels.
inline float gelu_erf_value(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

}  // namespace ng::cpu

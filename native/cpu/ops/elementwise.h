// Elementwise kernels on contiguous float32 tensors:
//   - binary add/sub/mul/div with NumPy broadcasting of two operands of rank <= 4,
//   - scalar ops (x + s, x * s, x ^ s, s / x),
//   - unary neg, exp, log, sqrt, abs, square, clamp.
// Backward kernels ADD into gradients; broadcast dims are summed when reducing a gradient.
#pragma once
#include <cstdint>

namespace ng::cpu {

// add_relu: relu(a + b), the bits of add then relu_forward; its gradient (a + b > 0 ? g : 0) + 0
// for both operands, the bits of relu_backward_init then add's backward.
enum class BinaryOp : int { add = 0, sub = 1, mul = 2, div = 3, add_relu = 4 };

constexpr int kMaxBroadcastRank = 4;

// Shapes are padded on the left with 1s to rank 4. Each dim of a and b is 1 or equal to the
// other operand's dim; out has shape max(a_shape, b_shape). Returns false (and does nothing)
// when the shapes do not broadcast.
bool broadcast_shape(int64_t out_shape[4], const int64_t a_shape[4], const int64_t b_shape[4]);

void binary_forward(BinaryOp op, float* out, const float* a, const int64_t a_shape[4],
                    const float* b, const int64_t b_shape[4]);
// da (a_shape) and/or db (b_shape) may be null. a and b are read only when needed
// (mul: both, div: both; add/sub: neither, may be null). init: da / db are written, their old
// contents never read, with the bits of adding into zeros (a gradient's first producer).
void binary_backward(BinaryOp op, float* da, float* db, const float* dout, const float* a,
                     const int64_t a_shape[4], const float* b, const int64_t b_shape[4], bool init = false);

// Scalar ops, out/inp/dinp/dout: (n,)
void add_scalar_forward(float* out, const float* inp, int64_t n, float s);
void mul_scalar_forward(float* out, const float* inp, int64_t n, float s);
void mul_scalar_backward(float* dinp, const float* dout, int64_t n, float s);  // add: s = 1
void pow_scalar_forward(float* out, const float* inp, int64_t n, float s);        // inp ^ s
void pow_scalar_backward(float* dinp, const float* inp, const float* dout, int64_t n, float s);
void rdiv_scalar_forward(float* out, const float* inp, int64_t n, float s);       // s / inp
void rdiv_scalar_backward(float* dinp, const float* inp, const float* dout, int64_t n, float s);

// Unary ops. Backward reads the tensor named in its signature (inp or out).
void neg_forward(float* out, const float* inp, int64_t n);
void neg_backward(float* dinp, const float* dout, int64_t n);
void exp_forward(float* out, const float* inp, int64_t n);
void exp_backward(float* dinp, const float* out, const float* dout, int64_t n);
void log_forward(float* out, const float* inp, int64_t n);
void log_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void sqrt_forward(float* out, const float* inp, int64_t n);
void sqrt_backward(float* dinp, const float* out, const float* dout, int64_t n);
void abs_forward(float* out, const float* inp, int64_t n);
void abs_backward(float* dinp, const float* inp, const float* dout, int64_t n);  // sign(0) = 0
void square_forward(float* out, const float* inp, int64_t n);
void square_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void log1p_forward(float* out, const float* inp, int64_t n);  // log(1 + x), accurate near 0
void log1p_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void sin_forward(float* out, const float* inp, int64_t n);
void sin_backward(float* dinp, const float* inp, const float* dout, int64_t n);
void cos_forward(float* out, const float* inp, int64_t n);
void cos_backward(float* dinp, const float* inp, const float* dout, int64_t n);
// clamp to [lo, hi] (either may be +-inf); gradient passes where lo <= x <= hi (PyTorch).
void clamp_forward(float* out, const float* inp, int64_t n, float lo, float hi);
void clamp_backward(float* dinp, const float* inp, const float* dout, int64_t n, float lo, float hi);

// dst += src (gradient accumulation), dst = src. (n,)
void add_inplace(float* dst, const float* src, int64_t n);
void copy_f32(float* dst, const float* src, int64_t n);

}  // namespace ng::cpu

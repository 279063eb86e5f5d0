// Host entry points of the CUDA kernels (native/cuda/*.cu), each with its op kind's exact
// kernel type (native/ops/kinds.h) or a helper the backend table adapts (native/cuda/backend.cc).
// Every pointer is a device pointer; every launch goes to the context stream (runtime.h).
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cuda {

using i64 = int64_t;
using ops::LinearAct;
using ops::Reduction;

// elementwise.cu: unary forward/backward by op (the attrs are the row's attributes).
enum class Unary : int {
  relu, leaky_relu, elu, selu, gelu, gelu_tanh, silu, sigmoid, tanh, softplus, hardswish, neg, exp, log, sqrt, abs,
  square, add_scalar, mul_scalar, pow_scalar, rdiv_scalar, clamp, neg_bwd, mul_scalar_bwd, add_into, copy, log1p, sin, cos
};
enum class UnaryBwd : int {
  relu, leaky_relu, elu, selu, gelu, gelu_tanh, silu, sigmoid, tanh, softplus, hardswish, exp, log, sqrt, abs,
  square, pow_scalar, rdiv_scalar, clamp, log1p, sin, cos
};
enum class BinOp : int { add, sub, mul, div };
void unary(Unary op, float* out, const float* x, i64 n, const double* attrs);
void unary_bwd(UnaryBwd op, float* dx, const float* saved, const float* dout, i64 n, const double* attrs);
void binary(BinOp op, float* out, const float* a, const i64* as, const float* b, const i64* bs);
void binary_bwd(BinOp op, float* da, float* db, const float* dout, const float* a, const i64* as, const float* b,
                const i64* bs);
void transpose_forward(float* out, const float* x, i64 B, i64 R, i64 C);
void transpose_backward(float* dx, const float* dout, i64 B, i64 R, i64 C);
// elementwise.cu: masks (the kinds compare, compare_i32, select, select_bwd, cast_to_f32/i32)
using ops::CompareOp;
void compare_f32(float* out, const float* a, const i64* as, const float* b, const i64* bs, CompareOp op);
void compare_i32(float* out, const int32_t* a, const i64* as, const int32_t* b, const i64* bs, CompareOp op);
void where_forward(float* out, const float* cond, const float* a, const float* b, i64 n);
void where_backward(float* da, float* db, const float* dout, const float* cond, i64 n);
void cast_i32_to_f32(float* out, const int32_t* x, i64 n);
void cast_f32_to_i32(int32_t* out, const float* x, i64 n);
// elementwise.cu: permute (the kind permute)
void permute_forward(float* out, const float* x, const ops::PermuteGeom& g);
void permute_backward(float* dx, const float* dout, const ops::PermuteGeom& g);

// reduce.cu
void sum_forward(float* out, const float* x, i64 outer, i64 dim, i64 inner);
void mean_forward(float* out, const float* x, i64 outer, i64 dim, i64 inner);
void sum_backward(float* dx, const float* dout, i64 outer, i64 dim, i64 inner);
void mean_backward(float* dx, const float* dout, i64 outer, i64 dim, i64 inner);
void max_forward(float* out, int32_t* idx, const float* x, i64 outer, i64 dim, i64 inner);
void max_backward(float* dx, const float* dout, const int32_t* idx, i64 outer, i64 dim, i64 inner);
void argmax(int32_t* idx, const float* x, i64 outer, i64 dim, i64 inner);
double l2_norm(float* x, i64 n, const double* attrs);
double clip_by_norm(float* x, i64 n, const double* attrs);
bool all_finite(const float* x, i64 n);

// softmax.cu: rows, cross-entropy, pair losses
void softmax_forward(float* out, const float* x, i64 N, i64 C);
void log_softmax_forward(float* out, const float* x, i64 N, i64 C);
void softmax_backward(float* dx, const float* out, const float* dout, i64 N, i64 C);
void log_softmax_backward(float* dx, const float* out, const float* dout, i64 N, i64 C);
double cross_entropy_forward(float* losses, float* probs, const float* logits, const int32_t* labels,
                             const float* weight, i64 N, i64 C, float label_smoothing, int32_t ignore_index,
                             Reduction red);
void cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels, const float* weight,
                            const float* dout, i64 N, i64 C, float label_smoothing, int32_t ignore_index,
                            Reduction red);
double mse_forward(float* losses, const float* x, const float* y, i64 n, const double* attrs, Reduction red);
void mse_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, i64 n, const double* attrs,
                  Reduction red);
double l1_forward(float* losses, const float* x, const float* y, i64 n, const double* attrs, Reduction red);
void l1_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, i64 n, const double* attrs,
                 Reduction red);

// gemm.cu: C = alpha op(A) op(B) + beta C (+ bias per column, relu), row-major like the CPU sgemm.
enum class GemmPrecision : int { fp32 = 0, tf32 = 1, bf16 = 2 };
void set_gemm_precision(GemmPrecision p);
GemmPrecision gemm_precision();
void gemm(bool transA, bool transB, i64 M, i64 N, i64 K, float alpha, const float* A, i64 lda, const float* B, i64 ldb,
          float beta, float* C, i64 ldc, const float* bias, LinearAct act);
// The same with bf16 operands in memory (uint16 bit patterns) and fp32 C (benchmarks, mixed precision).
void gemm_bf16(bool transA, bool transB, i64 M, i64 N, i64 K, float alpha, const uint16_t* A, i64 lda,
               const uint16_t* B, i64 ldb, float beta, float* C, i64 ldc, const float* bias, LinearAct act);
// Which kernel the current precision and shape select (for the benchmark report).
const char* gemm_kernel_name();

// layers.cu: fused linear, layer norm, batch norm, embedding
void linear_forward(float* out, float* pre, const float* x, const float* w, const float* bias, i64 B, i64 C, i64 OC,
                    LinearAct act);
void linear_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                     const float* out, const float* pre, i64 B, i64 C, i64 OC, LinearAct act);
void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, i64 N,
                        i64 C, float eps);
void layer_norm_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                         const float* mean, const float* rstd, i64 N, i64 C);
void batch_norm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var, const float* x,
                        const float* w, const float* b, i64 N, i64 C, i64 L, float eps, float momentum, bool training);
void batch_norm_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                         const float* mean, const float* rstd, i64 N, i64 C, i64 L, bool training);
void embedding_forward(float* out, const float* w, const int32_t* idx, i64 N, i64 D);
void embedding_backward(float* dw, const float* dout, const int32_t* idx, i64 N, i64 D, int32_t padding_idx);

// conv.cu: conv2d as im2col + gemm, pooling (NCHW)
void conv2d_forward(float* out, const float* x, const float* w, const float* bias, const ops::Conv2dGeom& g,
                    ops::ConvAct act);
void conv2d_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                     const float* out, const ops::Conv2dGeom& g, ops::ConvAct act);
void max_pool2d_forward(float* out, int32_t* idx, const float* x, const ops::Pool2dGeom& g);
void max_pool2d_backward(float* dx, const float* dout, const int32_t* idx, const ops::Pool2dGeom& g);
void avg_pool2d_forward(float* out, const float* x, const ops::Pool2dGeom& g, bool count_include_pad);
void avg_pool2d_backward(float* dx, const float* dout, const ops::Pool2dGeom& g, bool count_include_pad);
void adaptive_avg_pool2d_forward(float* out, const float* x, i64 NC, i64 H, i64 W, i64 OH, i64 OW);
void adaptive_avg_pool2d_backward(float* dx, const float* dout, i64 NC, i64 H, i64 W, i64 OH, i64 OW);

// optim.cu: fused optimizer steps over a flat buffer, fills
void sgd_update(float* params, const float* grads, float* momentum_buf, i64 n, float lr, float momentum,
                float dampening, bool nesterov, float weight_decay, bool first_step);
void adam_update(float* params, const float* grads, float* m, float* v, float* vmax, i64 n, float lr, float beta1,
                 float beta2, float eps, float weight_decay, i64 step, bool decoupled, bool amsgrad);
void rmsprop_update(float* params, const float* grads, float* square_avg, float* grad_avg, float* momentum_buf, i64 n,
                    float lr, float alpha, float eps, float weight_decay, float momentum, bool centered);
void adagrad_update(float* params, const float* grads, float* state_sum, i64 n, float lr, float lr_decay,
                    float weight_decay, float eps, i64 step);
void scale_inplace(float* x, i64 n, const double* attrs);
void clip_by_value(float* x, i64 n, const double* attrs);
void fill_f32(float* x, i64 n, const double* attrs);
void arange_f32(float* x, i64 n, const double* attrs);
void fill_i32(int32_t* out, i64 n, int32_t value);
void eye_f32(float* out, i64 n, i64 m);

}  // namespace ng::cuda

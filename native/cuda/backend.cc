// The CUDA backend table (backend/backend.h): the same op-table entries as native/cpu/backend.cc
// for the ops native/cuda implements; the others stay null and their JS functions throw
// "Op X is not implemented on device cuda". Small adapters only pick the op of a shared kernel.
#include "backend/backend.h"
#include "cuda/kernels.h"
#include "cuda/runtime.h"

namespace ng::cuda {
namespace {

using ng::backend::Backend;
using ng::backend::set_kernel;
using ops::Op;

template <Unary U>
void pw(float* o, const float* x, i64 n, const double* a) { unary(U, o, x, n, a); }
template <UnaryBwd U>
void pwb(float* d, const float* s, const float* g, i64 n, const double* a) { unary_bwd(U, d, s, g, n, a); }
template <BinOp B>
void bin(float* out, const float* a, const i64* as, const float* b, const i64* bs) { binary(B, out, a, as, b, bs); }
template <BinOp B>
void bin_bwd(float* da, float* db, const float* g, const float* a, const i64* as, const float* b, const i64* bs) {
  binary_bwd(B, da, db, g, a, as, b, bs);
}

void* dev_alloc(size_t bytes) { return alloc(bytes); }
void dev_free(void* p, size_t bytes) { free(p, bytes); }
void dev_copy(void* dst, const void* src, size_t bytes) { copy_device(dst, src, bytes); }

const Backend* make_cuda() {
  static Backend b{};
  b.name = "cuda";
  b.alloc = dev_alloc;
  b.free = dev_free;
  b.copy = dev_copy;
  // pointwise
  set_kernel<Op::reluForward>(b, pw<Unary::relu>);
  set_kernel<Op::leakyReluForward>(b, pw<Unary::leaky_relu>);
  set_kernel<Op::eluForward>(b, pw<Unary::elu>);
  set_kernel<Op::seluForward>(b, pw<Unary::selu>);
  set_kernel<Op::geluForward>(b, pw<Unary::gelu>);
  set_kernel<Op::geluTanhForward>(b, pw<Unary::gelu_tanh>);
  set_kernel<Op::siluForward>(b, pw<Unary::silu>);
  set_kernel<Op::sigmoidForward>(b, pw<Unary::sigmoid>);
  set_kernel<Op::tanhForward>(b, pw<Unary::tanh>);
  set_kernel<Op::softplusForward>(b, pw<Unary::softplus>);
  set_kernel<Op::hardswishForward>(b, pw<Unary::hardswish>);
  set_kernel<Op::negForward>(b, pw<Unary::neg>);
  set_kernel<Op::expForward>(b, pw<Unary::exp>);
  set_kernel<Op::logForward>(b, pw<Unary::log>);
  set_kernel<Op::sqrtForward>(b, pw<Unary::sqrt>);
  set_kernel<Op::absForward>(b, pw<Unary::abs>);
  set_kernel<Op::squareForward>(b, pw<Unary::square>);
  set_kernel<Op::log1pForward>(b, pw<Unary::log1p>);
  set_kernel<Op::sinForward>(b, pw<Unary::sin>);
  set_kernel<Op::cosForward>(b, pw<Unary::cos>);
  set_kernel<Op::addScalarForward>(b, pw<Unary::add_scalar>);
  set_kernel<Op::mulScalarForward>(b, pw<Unary::mul_scalar>);
  set_kernel<Op::powScalarForward>(b, pw<Unary::pow_scalar>);
  set_kernel<Op::rdivScalarForward>(b, pw<Unary::rdiv_scalar>);
  set_kernel<Op::clampForward>(b, pw<Unary::clamp>);
  set_kernel<Op::negBackward>(b, pw<Unary::neg_bwd>);
  set_kernel<Op::mulScalarBackward>(b, pw<Unary::mul_scalar_bwd>);
  set_kernel<Op::addInto>(b, pw<Unary::add_into>);
  set_kernel<Op::copy>(b, pw<Unary::copy>);
  // pointwise backward
  set_kernel<Op::reluBackward>(b, pwb<UnaryBwd::relu>);
  set_kernel<Op::leakyReluBackward>(b, pwb<UnaryBwd::leaky_relu>);
  set_kernel<Op::eluBackward>(b, pwb<UnaryBwd::elu>);
  set_kernel<Op::seluBackward>(b, pwb<UnaryBwd::selu>);
  set_kernel<Op::geluBackward>(b, pwb<UnaryBwd::gelu>);
  set_kernel<Op::geluTanhBackward>(b, pwb<UnaryBwd::gelu_tanh>);
  set_kernel<Op::siluBackward>(b, pwb<UnaryBwd::silu>);
  set_kernel<Op::sigmoidBackward>(b, pwb<UnaryBwd::sigmoid>);
  set_kernel<Op::tanhBackward>(b, pwb<UnaryBwd::tanh>);
  set_kernel<Op::softplusBackward>(b, pwb<UnaryBwd::softplus>);
  set_kernel<Op::hardswishBackward>(b, pwb<UnaryBwd::hardswish>);
  set_kernel<Op::expBackward>(b, pwb<UnaryBwd::exp>);
  set_kernel<Op::logBackward>(b, pwb<UnaryBwd::log>);
  set_kernel<Op::sqrtBackward>(b, pwb<UnaryBwd::sqrt>);
  set_kernel<Op::absBackward>(b, pwb<UnaryBwd::abs>);
  set_kernel<Op::squareBackward>(b, pwb<UnaryBwd::square>);
  set_kernel<Op::log1pBackward>(b, pwb<UnaryBwd::log1p>);
  set_kernel<Op::sinBackward>(b, pwb<UnaryBwd::sin>);
  set_kernel<Op::cosBackward>(b, pwb<UnaryBwd::cos>);
  set_kernel<Op::powScalarBackward>(b, pwb<UnaryBwd::pow_scalar>);
  set_kernel<Op::rdivScalarBackward>(b, pwb<UnaryBwd::rdiv_scalar>);
  set_kernel<Op::clampBackward>(b, pwb<UnaryBwd::clamp>);
  // binary
  set_kernel<Op::addForward>(b, bin<BinOp::add>);
  set_kernel<Op::subForward>(b, bin<BinOp::sub>);
  set_kernel<Op::mulForward>(b, bin<BinOp::mul>);
  set_kernel<Op::divForward>(b, bin<BinOp::div>);
  set_kernel<Op::addBackward>(b, bin_bwd<BinOp::add>);
  set_kernel<Op::subBackward>(b, bin_bwd<BinOp::sub>);
  set_kernel<Op::mulBackward>(b, bin_bwd<BinOp::mul>);
  set_kernel<Op::divBackward>(b, bin_bwd<BinOp::div>);
  // rows, reductions
  set_kernel<Op::softmaxForward>(b, softmax_forward);
  set_kernel<Op::logSoftmaxForward>(b, log_softmax_forward);
  set_kernel<Op::softmaxBackward>(b, softmax_backward);
  set_kernel<Op::logSoftmaxBackward>(b, log_softmax_backward);
  set_kernel<Op::sumForward>(b, sum_forward);
  set_kernel<Op::meanForward>(b, mean_forward);
  set_kernel<Op::sumBackward>(b, sum_backward);
  set_kernel<Op::meanBackward>(b, mean_backward);
  set_kernel<Op::maxForward>(b, max_forward);
  set_kernel<Op::maxBackward>(b, max_backward);
  set_kernel<Op::argmax>(b, argmax);
  // layers
  set_kernel<Op::linearForward>(b, linear_forward);
  set_kernel<Op::linearBackward>(b, linear_backward);
  set_kernel<Op::layerNormForward>(b, layer_norm_forward);
  set_kernel<Op::layerNormBackward>(b, layer_norm_backward);
  set_kernel<Op::batchNormForward>(b, batch_norm_forward);
  set_kernel<Op::batchNormBackward>(b, batch_norm_backward);
  // images (NCHW)
  set_kernel<Op::conv2dForward>(b, conv2d_forward);
  set_kernel<Op::conv2dBackward>(b, conv2d_backward);
  set_kernel<Op::maxPool2dForward>(b, max_pool2d_forward);
  set_kernel<Op::maxPool2dBackward>(b, max_pool2d_backward);
  set_kernel<Op::avgPool2dForward>(b, avg_pool2d_forward);
  set_kernel<Op::avgPool2dBackward>(b, avg_pool2d_backward);
  set_kernel<Op::adaptiveAvgPool2dForward>(b, adaptive_avg_pool2d_forward);
  set_kernel<Op::adaptiveAvgPool2dBackward>(b, adaptive_avg_pool2d_backward);
  // indexed rows, layout
  set_kernel<Op::embeddingForward>(b, embedding_forward);
  set_kernel<Op::embeddingBackward>(b, embedding_backward);
  set_kernel<Op::transposeForward>(b, transpose_forward);
  set_kernel<Op::transposeBackward>(b, transpose_backward);
  // masks: comparisons, where, casts
  set_kernel<Op::compareF32>(b, compare_f32);
  set_kernel<Op::compareI32>(b, compare_i32);
  set_kernel<Op::whereForward>(b, where_forward);
  set_kernel<Op::whereBackward>(b, where_backward);
  set_kernel<Op::castI32ToF32>(b, cast_i32_to_f32);
  set_kernel<Op::castF32ToI32>(b, cast_f32_to_i32);
  set_kernel<Op::permuteForward>(b, permute_forward);
  set_kernel<Op::permuteBackward>(b, permute_backward);
  // losses
  set_kernel<Op::crossEntropyForward>(b, cross_entropy_forward);
  set_kernel<Op::crossEntropyBackward>(b, cross_entropy_backward);
  set_kernel<Op::mseForward>(b, mse_forward);
  set_kernel<Op::mseBackward>(b, mse_backward);
  set_kernel<Op::l1Forward>(b, l1_forward);
  set_kernel<Op::l1Backward>(b, l1_backward);
  // optimizers, gradient utilities
  set_kernel<Op::sgdUpdate>(b, sgd_update);
  set_kernel<Op::adamUpdate>(b, adam_update);
  set_kernel<Op::rmspropUpdate>(b, rmsprop_update);
  set_kernel<Op::adagradUpdate>(b, adagrad_update);
  set_kernel<Op::l2Norm>(b, l2_norm);
  set_kernel<Op::clipByNorm>(b, clip_by_norm);
  set_kernel<Op::allFinite>(b, all_finite);
  set_kernel<Op::scaleInPlace>(b, scale_inplace);
  set_kernel<Op::clipByValue>(b, clip_by_value);
  // creation
  set_kernel<Op::fillF32>(b, fill_f32);
  set_kernel<Op::arangeF32>(b, arange_f32);
  set_kernel<Op::fillI32>(b, fill_i32);
  set_kernel<Op::eyeF32>(b, eye_f32);
  set_kernel<Op::gemm>(b, gemm);
  return &b;
}

}  // namespace
}  // namespace ng::cuda

NG_REGISTER_BACKEND(cuda, ng::cuda::make_cuda);

// The CPU backend: fills the kernel table (backend/backend.h) from native/cpu. Most kernels
// have their kind's exact type; the small adapters below only reorder or unpack arguments
// (attributes from the attrs array, the GEMM epilogue, linear's scratch). No math here.
#include <cstring>
#include <new>
#include <vector>

#include "backend/backend.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "cpu/fill.h"
#include "cpu/gemm/gemm.h"
#include "cpu/ops/activations.h"
#include "cpu/ops/attention.h"
#include "cpu/ops/batchnorm.h"
#include "cpu/ops/clip.h"
#include "cpu/ops/conv2d.h"
#include "cpu/ops/dropout.h"
#include "cpu/ops/elementwise.h"
#include "cpu/ops/embedding.h"
#include "cpu/ops/gather.h"
#include "cpu/ops/layernorm.h"
#include "cpu/ops/linear.h"
#include "cpu/ops/losses.h"
#include "cpu/ops/masks.h"
#include "cpu/ops/optimizers.h"
#include "cpu/ops/permute.h"
#include "cpu/ops/pool2d.h"
#include "cpu/ops/reduce.h"
#include "cpu/ops/rnn.h"
#include "cpu/ops/softmax.h"
#include "cpu/ops/upsample2d.h"

namespace ng::cpu {
namespace {

using ng::backend::Backend;
using ng::backend::set_kernel;
using ops::Op;
using i64 = int64_t;

// Pointwise kernels with 0, 1 or 2 float attributes.
template <void (*F)(float*, const float*, i64)>
void pw(float* o, const float* x, i64 n, const double*) { F(o, x, n); }
template <void (*F)(float*, const float*, i64, float)>
void pw(float* o, const float* x, i64 n, const double* a) { F(o, x, n, static_cast<float>(a[0])); }
template <void (*F)(float*, const float*, i64, float, float)>
void pw(float* o, const float* x, i64 n, const double* a) {
  F(o, x, n, static_cast<float>(a[0]), static_cast<float>(a[1]));
}
template <void (*F)(float*, const float*, const float*, i64)>
void pwb(float* d, const float* s, const float* g, i64 n, const double*) { F(d, s, g, n); }
template <void (*F)(float*, const float*, const float*, i64, float)>
void pwb(float* d, const float* s, const float* g, i64 n, const double* a) { F(d, s, g, n, static_cast<float>(a[0])); }
template <void (*F)(float*, const float*, const float*, i64, float, float)>
void pwb(float* d, const float* s, const float* g, i64 n, const double* a) {
  F(d, s, g, n, static_cast<float>(a[0]), static_cast<float>(a[1]));
}

template <BinaryOp OP>
void bin(float* out, const float* a, const int64_t* as, const float* b, const int64_t* bs) {
  binary_forward(OP, out, a, as, b, bs);
}
template <BinaryOp OP>
void bin_bwd(float* da, float* db, const float* g, const float* a, const int64_t* as, const float* b,
             const int64_t* bs) {
  binary_backward(OP, da, db, g, a, as, b, bs);
}

// Pair losses with 0 or 1 attribute; bce and hinge have no dy.
template <double (*F)(float*, const float*, const float*, i64, Reduction)>
double pl(float* l, const float* x, const float* y, i64 n, const double*, Reduction r) { return F(l, x, y, n, r); }
template <double (*F)(float*, const float*, const float*, i64, float, Reduction)>
double pl(float* l, const float* x, const float* y, i64 n, const double* a, Reduction r) {
  return F(l, x, y, n, static_cast<float>(a[0]), r);
}
template <void (*F)(float*, float*, const float*, const float*, const float*, i64, Reduction)>
void plb(float* dx, float* dy, const float* x, const float* y, const float* g, i64 n, const double*, Reduction r) {
  F(dx, dy, x, y, g, n, r);
}
void huber_bwd(float* dx, float* dy, const float* x, const float* y, const float* g, i64 n, const double* a,
               Reduction r) {
  huber_backward(dx, dy, x, y, g, n, static_cast<float>(a[0]), r);
}
void bce_bwd(float* dx, float*, const float* x, const float* y, const float* g, i64 n, const double*, Reduction r) {
  if (dx) bce_backward(dx, x, y, g, n, r);
}
void hinge_bwd(float* dx, float*, const float* x, const float* y, const float* g, i64 n, const double* a, Reduction r) {
  if (dx) hinge_backward(dx, x, y, g, n, static_cast<float>(a[0]), r);
}

// conv2d's im2col / partial-gradient scratch: a per-thread buffer that grows, never shrinks
// (std::bad_alloc reaches the binding, which reports it).
float* conv_scratch(const ops::Conv2dGeom& g, bool backward) {
  thread_local std::vector<float> buf;
  const size_t need = static_cast<size_t>(conv2d_scratch_floats(g, backward));
  if (buf.size() < need) buf.resize(need);
  return buf.data();
}
void conv2d_fwd(float* out, const float* x, const float* w, const float* bias, const ops::Conv2dGeom& g,
                ops::ConvAct act) {
  conv2d_forward(out, x, w, bias, g, act, conv_scratch(g, false));
}
void conv2d_fwd_add(float* out, const float* x, const float* w, const float* bias, const ops::Conv2dGeom& g,
                    ops::ConvAct act) {
  conv2d_forward(out, x, w, bias, g, act, conv_scratch(g, false), true);
}
void conv2d_fwd_maxpool2(float* out, const float* x, const float* w, const float* bias, const ops::Conv2dGeom& g,
                         ops::ConvAct act) {
  conv2d_forward_maxpool2(out, x, w, bias, g, act, conv_scratch(g, false));
}
// inference: residual blocks in one call (conv2d_block_forward)
float* block_scratch(const BlockConv& c1, const BlockConv& c2, const BlockConv* proj) {
  thread_local std::vector<float> buf;
  const size_t need = static_cast<size_t>(conv2d_block_scratch_floats(c1, c2, proj));
  if (buf.size() < need) buf.resize(need);
  return buf.data();
}
void conv2d_residual(float* out, const float* x, const float* w1, const float* b1, const float* w2, const float* b2,
                     const ops::Conv2dGeom& g1, const ops::Conv2dGeom& g2) {
  const BlockConv c1{g1, w1, b1}, c2{g2, w2, b2};
  conv2d_block_forward(out, x, c1, c2, nullptr, block_scratch(c1, c2, nullptr));
}
void conv2d_projection(float* out, const float* x, const float* w1, const float* b1, const float* w2, const float* b2,
                       const float* wp, const float* bp, const ops::Conv2dGeom& g1, const ops::Conv2dGeom& g2,
                       const ops::Conv2dGeom& gp) {
  const BlockConv c1{g1, w1, b1}, c2{g2, w2, b2}, cp{gp, wp, bp};
  conv2d_block_forward(out, x, c1, c2, &cp, block_scratch(c1, c2, &cp));
}
void conv2d_bwd(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, const float* out,
                const ops::Conv2dGeom& g, ops::ConvAct act) {
  conv2d_backward(dx, dw, db, dout, x, w, out, g, act, conv_scratch(g, true));
}
// i13-fw: the first producer of a gradient writes it (autograd, lib/autograd/engine.ts)
void conv2d_bwd_init(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                     const float* out, const ops::Conv2dGeom& g, ops::ConvAct act) {
  conv2d_backward(dx, dw, db, dout, x, w, out, g, act, conv_scratch(g, true), true);
}
void batchnorm_bwd(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                   const float* mean, const float* rstd, i64 N, i64 C, i64 L, bool training) {
  batchnorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training);
}
void batchnorm_bwd_init(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                        const float* mean, const float* rstd, i64 N, i64 C, i64 L, bool training) {
  batchnorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training, true);
}
void batchnorm_fwd(float* out, float* mean, float* rstd, float* rm, float* rv, const float* x, const float* w,
                   const float* b, i64 N, i64 C, i64 L, float eps, float momentum, bool training) {
  batchnorm_forward(out, mean, rstd, rm, rv, x, w, b, N, C, L, eps, momentum, training);
}
void batchnorm_relu_fwd(float* out, float* mean, float* rstd, float* rm, float* rv, const float* x, const float* w,
                        const float* b, i64 N, i64 C, i64 L, float eps, float momentum, bool training) {
  batchnorm_forward(out, mean, rstd, rm, rv, x, w, b, N, C, L, eps, momentum, training, true);
}
void batchnorm_add_relu_fwd(float* out, float* mean, float* rstd, float* rm, float* rv, const float* x,
                            const float* res, const float* w, const float* b, i64 N, i64 C, i64 L, float eps,
                            float momentum, bool training) {
  batchnorm_forward(out, mean, rstd, rm, rv, x, w, b, N, C, L, eps, momentum, training, true, res);
}
void batchnorm_relu_bwd(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                        const float* mean, const float* rstd, const float* out, i64 N, i64 C, i64 L, bool training,
                        float* dres) {
  batchnorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training, false, out, dres);
}
void batchnorm_relu_bwd_init(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                             const float* mean, const float* rstd, const float* out, i64 N, i64 C, i64 L,
                             bool training, float* dres) {
  batchnorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training, true, out, dres);
}
void maxpool2d_bwd(float* dx, const float* dout, const int32_t* idx, const ops::Pool2dGeom& g) {
  maxpool2d_backward(dx, dout, idx, g);
}
void maxpool2d_bwd_init(float* dx, const float* dout, const int32_t* idx, const ops::Pool2dGeom& g) {
  maxpool2d_backward(dx, dout, idx, g, true);
}
void adaptive_avgpool2d_bwd(float* dx, const float* dout, i64 NC, i64 H, i64 W, i64 OH, i64 OW) {
  adaptive_avgpool2d_backward(dx, dout, NC, H, W, OH, OW);
}
void adaptive_avgpool2d_bwd_init(float* dx, const float* dout, i64 NC, i64 H, i64 W, i64 OH, i64 OW) {
  adaptive_avgpool2d_backward(dx, dout, NC, H, W, OH, OW, true);
}
void add_bwd_init(float* da, float* db, const float* g, const float* a, const int64_t* as, const float* b,
                  const int64_t* bs) {
  binary_backward(BinaryOp::add, da, db, g, a, as, b, bs, true);
}
void add_relu_bwd_init(float* da, float* db, const float* g, const float* a, const int64_t* as, const float* b,
                       const int64_t* bs) {
  binary_backward(BinaryOp::add_relu, da, db, g, a, as, b, bs, true);
}

void linear_bwd_with(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                     const float* out, const float* pre, i64 B, i64 C, i64 OC, LinearAct act, bool init) {
  float* scratch = nullptr;
  if (act != LinearAct::none) {
    thread_local std::vector<float> buf;  // per-thread dpre scratch: grows, never shrinks
    const size_t need = static_cast<size_t>(B) * static_cast<size_t>(OC);
    if (buf.size() < need) buf.resize(need);
    scratch = buf.data();
  }
  linear_backward(dx, dw, db, dout, x, w, out, pre, B, C, OC, act, scratch, init);
}
void linear_bwd(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, const float* out,
                const float* pre, i64 B, i64 C, i64 OC, LinearAct act) {
  linear_bwd_with(dx, dw, db, dout, x, w, out, pre, B, C, OC, act, false);
}
// i16-mlp: the first producer of a gradient writes it (autograd, lib/autograd/engine.ts)
void linear_bwd_init(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w,
                     const float* out, const float* pre, i64 B, i64 C, i64 OC, LinearAct act) {
  linear_bwd_with(dx, dw, db, dout, x, w, out, pre, B, C, OC, act, true);
}

void dropout_bwd(float* dx, const float* dout, const uint8_t* mu, const float* mf, i64 n, float p) {
  if (mu) dropout_backward_u8(dx, dout, mu, n, p);
  else dropout_backward_f32(dx, dout, mf, n);
}

double l2(float* x, i64 n, const double*) { return l2_norm(x, n); }
double clip_norm(float* x, i64 n, const double* a) { return clip_by_norm(x, n, static_cast<float>(a[0])); }
void scale(float* x, i64 n, const double* a) { scale_inplace(x, n, static_cast<float>(a[0])); }
void clip_value(float* x, i64 n, const double* a) {
  clip_by_value(x, n, static_cast<float>(a[0]), static_cast<float>(a[1]));
}
void fill(float* x, i64 n, const double* a) { fill_f32(x, n, static_cast<float>(a[0])); }
void arange(float* x, i64 n, const double* a) { arange_f32(x, n, a[0], a[1]); }

void gemm_fused(bool ta, bool tb, i64 M, i64 N, i64 K, float alpha, const float* A, i64 lda, const float* B, i64 ldb,
          float beta, float* C, i64 ldc, const float* bias, LinearAct act) {
  GemmEpilogue ep;
  ep.bias = bias;
  ep.act = act == LinearAct::relu ? Act::relu : Act::none;
  sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, &ep);
}

// Recurrent layers (i14-rnn): per-thread scratch (grows, never shrinks; std::bad_alloc reaches
// the binding, which reports it).
float* rnn_scratch(const ops::RnnGeom& g, bool backward) {
  thread_local std::vector<float> buf;
  const size_t need = static_cast<size_t>(rnn_scratch_floats(g, backward));
  if (buf.size() < need) buf.resize(need);
  return buf.data();
}
void rnn_fwd(float* out, float* hN, float* cN, float* ws, const float* x, const float* w_ih, const float* w_hh,
             const float* b_ih, const float* b_hh, const float* h0, const float* c0, const int32_t* lengths,
             const float* w_hr, const ops::RnnGeom& g) {
  rnn_forward(out, hN, cN, ws, x, w_ih, w_hh, b_ih, b_hh, h0, c0, lengths, w_hr, g, rnn_scratch(g, false));
}
void rnn_bwd(float* dx, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh, float* dh0, float* dc0,
             const float* dout, const float* dhN, const float* dcN, const float* ws, const float* x, const float* w_ih,
             const float* w_hh, const int32_t* lengths, float* dw_hr, const float* w_hr, const ops::RnnGeom& g) {
  rnn_backward(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0, dout, dhN, dcN, ws, x, w_ih, w_hh, lengths, dw_hr, w_hr, g,
               rnn_scratch(g, true));
}

void copy_bytes(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }

const Backend* make_cpu() {
  static Backend b{};
  b.name = "cpu";
  b.alloc = ng::alloc_bytes;
  b.free = ng::free_bytes;
  b.copy = copy_bytes;
  // pointwise
  set_kernel<Op::reluForward>(b, pw<relu_forward>);
  set_kernel<Op::leakyReluForward>(b, pw<leaky_relu_forward>);
  set_kernel<Op::eluForward>(b, pw<elu_forward>);
  set_kernel<Op::seluForward>(b, pw<selu_forward>);
  set_kernel<Op::geluForward>(b, pw<gelu_forward>);
  set_kernel<Op::geluTanhForward>(b, pw<gelu_tanh_forward>);
  set_kernel<Op::siluForward>(b, pw<silu_forward>);
  set_kernel<Op::sigmoidForward>(b, pw<sigmoid_forward>);
  set_kernel<Op::tanhForward>(b, pw<tanh_forward>);
  set_kernel<Op::softplusForward>(b, pw<softplus_forward>);
  set_kernel<Op::hardswishForward>(b, pw<hardswish_forward>);
  set_kernel<Op::negForward>(b, pw<neg_forward>);
  set_kernel<Op::expForward>(b, pw<exp_forward>);
  set_kernel<Op::logForward>(b, pw<log_forward>);
  set_kernel<Op::sqrtForward>(b, pw<sqrt_forward>);
  set_kernel<Op::absForward>(b, pw<abs_forward>);
  set_kernel<Op::squareForward>(b, pw<square_forward>);
  set_kernel<Op::log1pForward>(b, pw<log1p_forward>);
  set_kernel<Op::sinForward>(b, pw<sin_forward>);
  set_kernel<Op::cosForward>(b, pw<cos_forward>);
  set_kernel<Op::addScalarForward>(b, pw<add_scalar_forward>);
  set_kernel<Op::mulScalarForward>(b, pw<mul_scalar_forward>);
  set_kernel<Op::powScalarForward>(b, pw<pow_scalar_forward>);
  set_kernel<Op::rdivScalarForward>(b, pw<rdiv_scalar_forward>);
  set_kernel<Op::clampForward>(b, pw<clamp_forward>);
  set_kernel<Op::negBackward>(b, pw<neg_backward>);
  set_kernel<Op::mulScalarBackward>(b, pw<mul_scalar_backward>);
  set_kernel<Op::addInto>(b, pw<add_inplace>);
  set_kernel<Op::copy>(b, pw<copy_f32>);
  // pointwise backward
  set_kernel<Op::reluBackward>(b, pwb<relu_backward>);
  set_kernel<Op::leakyReluBackward>(b, pwb<leaky_relu_backward>);
  set_kernel<Op::eluBackward>(b, pwb<elu_backward>);
  set_kernel<Op::seluBackward>(b, pwb<selu_backward>);
  set_kernel<Op::geluBackward>(b, pwb<gelu_backward>);
  set_kernel<Op::geluTanhBackward>(b, pwb<gelu_tanh_backward>);
  set_kernel<Op::siluBackward>(b, pwb<silu_backward>);
  set_kernel<Op::sigmoidBackward>(b, pwb<sigmoid_backward>);
  set_kernel<Op::tanhBackward>(b, pwb<tanh_backward>);
  set_kernel<Op::softplusBackward>(b, pwb<softplus_backward>);
  set_kernel<Op::hardswishBackward>(b, pwb<hardswish_backward>);
  set_kernel<Op::expBackward>(b, pwb<exp_backward>);
  set_kernel<Op::logBackward>(b, pwb<log_backward>);
  set_kernel<Op::sqrtBackward>(b, pwb<sqrt_backward>);
  set_kernel<Op::absBackward>(b, pwb<abs_backward>);
  set_kernel<Op::squareBackward>(b, pwb<square_backward>);
  set_kernel<Op::log1pBackward>(b, pwb<log1p_backward>);
  set_kernel<Op::sinBackward>(b, pwb<sin_backward>);
  set_kernel<Op::cosBackward>(b, pwb<cos_backward>);
  set_kernel<Op::powScalarBackward>(b, pwb<pow_scalar_backward>);
  set_kernel<Op::rdivScalarBackward>(b, pwb<rdiv_scalar_backward>);
  set_kernel<Op::clampBackward>(b, pwb<clamp_backward>);
  // binary
  set_kernel<Op::addForward>(b, bin<BinaryOp::add>);
  set_kernel<Op::subForward>(b, bin<BinaryOp::sub>);
  set_kernel<Op::mulForward>(b, bin<BinaryOp::mul>);
  set_kernel<Op::divForward>(b, bin<BinaryOp::div>);
  set_kernel<Op::addBackward>(b, bin_bwd<BinaryOp::add>);
  set_kernel<Op::subBackward>(b, bin_bwd<BinaryOp::sub>);
  set_kernel<Op::mulBackward>(b, bin_bwd<BinaryOp::mul>);
  set_kernel<Op::divBackward>(b, bin_bwd<BinaryOp::div>);
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
  set_kernel<Op::linearBackward>(b, linear_bwd);
  set_kernel<Op::linearBackwardInit>(b, linear_bwd_init);
  set_kernel<Op::layerNormForward>(b, layernorm_forward);
  set_kernel<Op::layerNormBackward>(b, layernorm_backward);
  set_kernel<Op::batchNormForward>(b, batchnorm_fwd);
  set_kernel<Op::batchNormBackward>(b, batchnorm_bwd);
  set_kernel<Op::dropoutForward>(b, dropout_forward);
  set_kernel<Op::dropoutBackward>(b, dropout_bwd);
  // images (NCHW)
  set_kernel<Op::conv2dForward>(b, conv2d_fwd);
  set_kernel<Op::conv2dBackward>(b, conv2d_bwd);
  set_kernel<Op::maxPool2dForward>(b, maxpool2d_forward);
  set_kernel<Op::maxPool2dBackward>(b, maxpool2d_bwd);
  set_kernel<Op::avgPool2dForward>(b, avgpool2d_forward);
  set_kernel<Op::avgPool2dBackward>(b, avgpool2d_backward);
  set_kernel<Op::adaptiveAvgPool2dForward>(b, adaptive_avgpool2d_forward);
  set_kernel<Op::adaptiveAvgPool2dBackward>(b, adaptive_avgpool2d_bwd);
  // images: bilinear upsampling (issue 13)
  set_kernel<Op::upsampleBilinear2dForward>(b, upsample_bilinear2d_forward);
  set_kernel<Op::upsampleBilinear2dBackward>(b, upsample_bilinear2d_backward);
  // indexed rows, layout
  set_kernel<Op::embeddingForward>(b, embedding_forward);
  set_kernel<Op::embeddingBackward>(b, embedding_backward);
  set_kernel<Op::gatherRows>(b, gather_rows_f32);
  set_kernel<Op::gatherRowsI32>(b, gather_rows_i32);
  set_kernel<Op::scatterAddRows>(b, scatter_add_rows);
  // text (issue 14)
  set_kernel<Op::embeddingBagForward>(b, embedding_bag_forward);
  set_kernel<Op::embeddingBagBackward>(b, embedding_bag_backward);
  set_kernel<Op::concatForward>(b, concat_forward);
  set_kernel<Op::concatBackward>(b, concat_backward);
  set_kernel<Op::sliceForward>(b, slice_forward);
  set_kernel<Op::sliceBackward>(b, slice_backward);
  set_kernel<Op::transposeForward>(b, transpose_forward);
  set_kernel<Op::transposeBackward>(b, transpose_backward);
  // losses
  set_kernel<Op::crossEntropyForward>(b, cross_entropy_forward);
  set_kernel<Op::crossEntropyBackward>(b, cross_entropy_backward);
  set_kernel<Op::crossEntropyDenseForward>(b, cross_entropy_dense_forward);
  set_kernel<Op::crossEntropyDenseBackward>(b, cross_entropy_dense_backward);
  set_kernel<Op::nllForward>(b, nll_forward);
  set_kernel<Op::nllBackward>(b, nll_backward);
  set_kernel<Op::bceWithLogitsForward>(b, bce_logits_forward);
  set_kernel<Op::bceWithLogitsBackward>(b, bce_logits_backward);
  set_kernel<Op::bceForward>(b, pl<bce_forward>);
  set_kernel<Op::bceBackward>(b, bce_bwd);
  set_kernel<Op::mseForward>(b, pl<mse_forward>);
  set_kernel<Op::mseBackward>(b, plb<mse_backward>);
  set_kernel<Op::l1Forward>(b, pl<l1_forward>);
  set_kernel<Op::l1Backward>(b, plb<l1_backward>);
  set_kernel<Op::huberForward>(b, pl<huber_forward>);
  set_kernel<Op::huberBackward>(b, huber_bwd);
  set_kernel<Op::hingeForward>(b, pl<hinge_forward>);
  set_kernel<Op::hingeBackward>(b, hinge_bwd);
  set_kernel<Op::klDivForward>(b, kl_div_forward);
  set_kernel<Op::klDivBackward>(b, kl_div_backward);
  // optimizers, gradient utilities
  set_kernel<Op::sgdUpdate>(b, sgd_update);
  set_kernel<Op::adamUpdate>(b, adam_update);
  set_kernel<Op::rmspropUpdate>(b, rmsprop_update);
  set_kernel<Op::adagradUpdate>(b, adagrad_update);
  set_kernel<Op::l2Norm>(b, l2);
  set_kernel<Op::clipByNorm>(b, clip_norm);
  set_kernel<Op::allFinite>(b, all_finite);
  set_kernel<Op::scaleInPlace>(b, scale);
  set_kernel<Op::clipByValue>(b, clip_value);
  // creation
  set_kernel<Op::fillF32>(b, fill);
  set_kernel<Op::arangeF32>(b, arange);
  set_kernel<Op::fillI32>(b, fill_i32);
  set_kernel<Op::eyeF32>(b, eye_f32);
  set_kernel<Op::rngUniform>(b, ng::rng_uniform);
  set_kernel<Op::rngNormal>(b, ng::rng_normal);
  set_kernel<Op::gemm>(b, gemm_fused);
  // recurrent layers (i14-rnn)
  set_kernel<Op::rnnForward>(b, rnn_fwd);
  set_kernel<Op::rnnBackward>(b, rnn_bwd);
  // attention / transformer (issue 14, i14-gpt)
  set_kernel<Op::attentionForward>(b, attention_forward);
  set_kernel<Op::attentionBackward>(b, attention_backward);
  set_kernel<Op::bmm>(b, bmm);
  // i13-fw: first writes of gradients
  set_kernel<Op::conv2dBackwardInit>(b, conv2d_bwd_init);
  set_kernel<Op::batchNormBackwardInit>(b, batchnorm_bwd_init);
  // i13-bnr: BatchNorm + ReLU
  set_kernel<Op::batchNormReluForward>(b, batchnorm_relu_fwd);
  // i13-inf: inference (a conv adding onto its output: a residual block's last conv)
  set_kernel<Op::conv2dForwardAdd>(b, conv2d_fwd_add);
  set_kernel<Op::conv2dMaxPool2Forward>(b, conv2d_fwd_maxpool2);
  set_kernel<Op::conv2dResidualBlockForward>(b, conv2d_residual);
  set_kernel<Op::conv2dProjectionBlockForward>(b, conv2d_projection);
  set_kernel<Op::batchNormReluBackward>(b, batchnorm_relu_bwd);
  set_kernel<Op::batchNormReluBackwardInit>(b, batchnorm_relu_bwd_init);
  set_kernel<Op::reluBackwardInit>(b, pwb<relu_backward_init>);
  set_kernel<Op::addBackwardInit>(b, add_bwd_init);
  set_kernel<Op::maxPool2dBackwardInit>(b, maxpool2d_bwd_init);
  set_kernel<Op::adaptiveAvgPool2dBackwardInit>(b, adaptive_avgpool2d_bwd_init);
  set_kernel<Op::addReluForward>(b, bin<BinaryOp::add_relu>);
  set_kernel<Op::addReluBackward>(b, bin_bwd<BinaryOp::add_relu>);
  set_kernel<Op::addReluBackwardInit>(b, add_relu_bwd_init);
  set_kernel<Op::batchNormAddReluForward>(b, batchnorm_add_relu_fwd);
  // masks: comparisons, where, casts; layout: permute
  set_kernel<Op::compareF32>(b, compare_f32);
  set_kernel<Op::compareI32>(b, compare_i32);
  set_kernel<Op::whereForward>(b, where_forward);
  set_kernel<Op::whereBackward>(b, where_backward);
  set_kernel<Op::castI32ToF32>(b, cast_i32_to_f32);
  set_kernel<Op::castF32ToI32>(b, cast_f32_to_i32);
  set_kernel<Op::permuteForward>(b, permute_forward);
  set_kernel<Op::permuteBackward>(b, permute_backward);
  return &b;
}

}  // namespace
}  // namespace ng::cpu

NG_REGISTER_BACKEND(cpu, ng::cpu::make_cpu);

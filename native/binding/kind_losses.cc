// Kind helpers for losses. Reductions are codes (ops/kinds.h): 0 none, 1 mean, 2 sum, 3
// batchmean (KL only). Forwards write the loss into `loss` ((n) per element/sample for none,
// loss[0] otherwise) and return it as a number (the sum for none). Backwards take dout with 1
// element (mean/sum/batchmean) or the per-sample shape (none) and ADD into the gradients.
// Class labels are checked in the forward pass only (once per step); backward kernels never
// index with a label outside [0, C).
//   cross_entropy            crossEntropyForward(loss, probs, logits, labels, weight|null, N, C, labelSmoothing,
//                                                reduction, ignoreIndex)
//   cross_entropy_bwd        crossEntropyBackward(dlogits, probs, labels, weight|null, dout, N, C, labelSmoothing,
//                                                 reduction, ignoreIndex)
//   cross_entropy_dense      crossEntropyDenseForward(loss, probs, logits, target, weight|null, N, C, labelSmoothing,
//                                                     reduction)
//   cross_entropy_dense_bwd  crossEntropyDenseBackward(dlogits, probs, target, weight|null, dout, N, C,
//                                                      labelSmoothing, reduction)
//   nll       nllForward(loss, logp, labels, weight|null, N, C, reduction, ignoreIndex)
//   nll_bwd   nllBackward(dlogp, labels, weight|null, dout, N, C, reduction, ignoreIndex)
//   bce_logits      bceWithLogitsForward(loss, x, y, posWeight|null, n, C, reduction)
//   bce_logits_bwd  bceWithLogitsBackward(dx, x, y, posWeight|null, dout, n, C, reduction)
//   pair_loss       name(loss, x, y, n, ...attrs, reduction)                 (mse, l1, huber, hinge, bce)
//   pair_loss_bwd   name(dx|null, dy|null, x, y, dout, n, ...attrs, reduction)
//   kl_div      klDivForward(loss, input, target, n, batch, logTarget, reduction)
//   kl_div_bwd  klDivBackward(dinput, target, dout, n, batch, logTarget, reduction)
#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;
using ops::Reduction;

namespace {

Napi::Value finish(const Napi::CallbackInfo& info, float* reduced, double v) {
  if (reduced) store_f32(reduced, static_cast<float>(v));  // a device buffer in the CUDA addon
#ifndef NG_DEVICE_ARGS
  // A captured step replays the kernel: it stores the result there too (CPU addon only).
  if (capture::Recording* r = capture::current(); r && reduced && !r->ops.empty()) r->ops.back()->result_to(reduced);
#endif
  return Napi::Number::New(info.Env(), v);
}

int32_t ignore_arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int32_t>(int_in(info, i, "ignoreIndex", -2147483647 - 1, 2147483647));
}

// (N, C, labelSmoothing, reduction) at i..i+3 of the cross-entropy kinds.
struct ClassArgs { int64_t N, C; float ls; Reduction red; size_t nc; };

ClassArgs class_args(const Napi::CallbackInfo& info, size_t i, bool smoothing, const char* matrix) {
  ClassArgs a;
  a.N = size_arg(info, i, "N");
  a.C = int_arg(info, i + 1, "C", 1);
  a.ls = smoothing ? fnum(info, i + 2, "labelSmoothing") : 0.0f;
  a.red = reduction_arg(info, smoothing ? i + 3 : i + 2);
  a.nc = count(info, {a.N, a.C}, matrix);
  return a;
}

}  // namespace

Napi::Value kind_cross_entropy(const Napi::CallbackInfo& info) {
  const ClassArgs a = class_args(info, 5, true, "logits");
  const int32_t ignore = ignore_arg(info, 9);
  float* reduced;
  float* losses = loss_out(info, 0, a.red, static_cast<size_t>(a.N), &reduced);
  float* probs = f32(info, 1, "probs", a.nc);
  const float* logits = f32(info, 2, "logits", a.nc);
  const int32_t* labels = i32(info, 3, "labels", static_cast<size_t>(a.N));
  const float* weight = f32_or_null(info, 4, "weight", static_cast<size_t>(a.C));
  check_indices(info, labels, a.N, a.C, "labels", true, ignore);
  return finish(info, reduced,
                kernel<Kind::cross_entropy>(info)(losses, probs, logits, labels, weight, a.N, a.C, a.ls, ignore, a.red));
}

Napi::Value kind_cross_entropy_bwd(const Napi::CallbackInfo& info) {
  const ClassArgs a = class_args(info, 5, true, "probs");
  const int32_t ignore = ignore_arg(info, 9);
  float* dl = f32(info, 0, "dlogits", a.nc);
  const float* probs = f32(info, 1, "probs", a.nc);
  const int32_t* labels = i32(info, 2, "labels", static_cast<size_t>(a.N));
  const float* weight = f32_or_null(info, 3, "weight", static_cast<size_t>(a.C));
  const float* dout = f32(info, 4, "dout", dout_len(a.red, static_cast<size_t>(a.N)));
  kernel<Kind::cross_entropy_bwd>(info)(dl, probs, labels, weight, dout, a.N, a.C, a.ls, ignore, a.red);
  return undef(info);
}

Napi::Value kind_cross_entropy_dense(const Napi::CallbackInfo& info) {
  const ClassArgs a = class_args(info, 5, true, "logits");
  float* reduced;
  float* losses = loss_out(info, 0, a.red, static_cast<size_t>(a.N), &reduced);
  float* probs = f32(info, 1, "probs", a.nc);
  const float* logits = f32(info, 2, "logits", a.nc);
  const float* target = f32(info, 3, "target", a.nc);
  const float* weight = f32_or_null(info, 4, "weight", static_cast<size_t>(a.C));
  return finish(info, reduced,
                kernel<Kind::cross_entropy_dense>(info)(losses, probs, logits, target, weight, a.N, a.C, a.ls, a.red));
}

Napi::Value kind_cross_entropy_dense_bwd(const Napi::CallbackInfo& info) {
  const ClassArgs a = class_args(info, 5, true, "probs");
  float* dl = f32(info, 0, "dlogits", a.nc);
  const float* probs = f32(info, 1, "probs", a.nc);
  const float* target = f32(info, 2, "target", a.nc);
  const float* weight = f32_or_null(info, 3, "weight", static_cast<size_t>(a.C));
  const float* dout = f32(info, 4, "dout", dout_len(a.red, static_cast<size_t>(a.N)));
  kernel<Kind::cross_entropy_dense_bwd>(info)(dl, probs, target, weight, dout, a.N, a.C, a.ls, a.red);
  return undef(info);
}

Napi::Value kind_nll(const Napi::CallbackInfo& info) {
  const ClassArgs a = class_args(info, 4, false, "logp");
  const int32_t ignore = ignore_arg(info, 7);
  float* reduced;
  float* losses = loss_out(info, 0, a.red, static_cast<size_t>(a.N), &reduced);
  const float* logp = f32(info, 1, "logp", a.nc);
  const int32_t* labels = i32(info, 2, "labels", static_cast<size_t>(a.N));
  const float* weight = f32_or_null(info, 3, "weight", static_cast<size_t>(a.C));
  check_indices(info, labels, a.N, a.C, "labels", true, ignore);
  return finish(info, reduced, kernel<Kind::nll>(info)(losses, logp, labels, weight, a.N, a.C, ignore, a.red));
}

Napi::Value kind_nll_bwd(const Napi::CallbackInfo& info) {
  const ClassArgs a = class_args(info, 4, false, "dlogp");
  const int32_t ignore = ignore_arg(info, 7);
  float* d = f32(info, 0, "dlogp", a.nc);
  const int32_t* labels = i32(info, 1, "labels", static_cast<size_t>(a.N));
  const float* weight = f32_or_null(info, 2, "weight", static_cast<size_t>(a.C));
  const float* dout = f32(info, 3, "dout", dout_len(a.red, static_cast<size_t>(a.N)));
  kernel<Kind::nll_bwd>(info)(d, labels, weight, dout, a.N, a.C, ignore, a.red);
  return undef(info);
}

namespace {

// (n, C, reduction) at i..i+2 and posWeight (C) or null at pw; with it, n must be a multiple of C.
struct BceArgs { int64_t n, C; Reduction red; const float* pw; };

BceArgs bce_args(const Napi::CallbackInfo& info, size_t i, size_t pw) {
  BceArgs a;
  a.n = size_arg(info, i, "n");
  a.C = int_arg(info, i + 1, "C", 1);
  a.red = reduction_arg(info, i + 2);
  a.pw = f32_or_null(info, pw, "posWeight", static_cast<size_t>(a.C));
  if (a.pw && a.n % a.C != 0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("n that is a multiple of C = " + std::to_string(a.C), "n",
                                                         std::to_string(a.n)));
  }
  return a;
}

}  // namespace

Napi::Value kind_bce_logits(const Napi::CallbackInfo& info) {
  const BceArgs a = bce_args(info, 4, 3);
  const size_t n = static_cast<size_t>(a.n);
  float* reduced;
  float* losses = loss_out(info, 0, a.red, n, &reduced);
  const float* x = f32(info, 1, "x", n);
  const float* y = f32(info, 2, "y", n);
  return finish(info, reduced, kernel<Kind::bce_logits>(info)(losses, x, y, a.pw, a.n, a.C, a.red));
}

Napi::Value kind_bce_logits_bwd(const Napi::CallbackInfo& info) {
  const BceArgs a = bce_args(info, 5, 3);
  const size_t n = static_cast<size_t>(a.n);
  float* dx = f32(info, 0, "dx", n);
  const float* x = f32(info, 1, "x", n);
  const float* y = f32(info, 2, "y", n);
  const float* dout = f32(info, 4, "dout", dout_len(a.red, n));
  kernel<Kind::bce_logits_bwd>(info)(dx, x, y, a.pw, dout, a.n, a.C, a.red);
  return undef(info);
}

Napi::Value kind_pair_loss(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  const size_t nattrs = c.params.size() - 2;
  const size_t n = size_arg(info, 3, "n");
  const Attrs at = attrs_arg(info, 4, 2);
  const Reduction red = reduction_arg(info, 4 + nattrs);
  float* reduced;
  float* losses = loss_out(info, 0, red, n, &reduced);
  const float* x = f32(info, 1, c.param(0), n);
  const float* y = f32(info, 2, c.param(1), n);
  return finish(info, reduced, kernel<Kind::pair_loss>(info)(losses, x, y, static_cast<int64_t>(n), at.v, red));
}

Napi::Value kind_pair_loss_bwd(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  const size_t nattrs = c.params.size() - 2;
  const size_t n = size_arg(info, 5, "n");
  const Attrs at = attrs_arg(info, 6, 2);
  const Reduction red = reduction_arg(info, 6 + nattrs);
  const std::string dx_name = std::string("d") + c.param(0), dy_name = std::string("d") + c.param(1);
  float* dx = f32_or_null(info, 0, dx_name.c_str(), n);
  float* dy = f32_or_null(info, 1, dy_name.c_str(), n);
  const float* x = f32(info, 2, c.param(0), n);
  const float* y = f32(info, 3, c.param(1), n);
  const float* dout = f32(info, 4, "dout", dout_len(red, n));
  kernel<Kind::pair_loss_bwd>(info)(dx, dy, x, y, dout, static_cast<int64_t>(n), at.v, red);
  return undef(info);
}

namespace {

struct KlArgs { int64_t n, batch; bool log_target; Reduction red; };

KlArgs kl_args(const Napi::CallbackInfo& info) {
  KlArgs a;
  a.n = size_arg(info, 3, "n");
  a.batch = int_arg(info, 4, "batch", 1);
  a.log_target = bool_arg(info, 5, "logTarget");
  a.red = reduction_arg(info, 6, true);
  return a;
}

}  // namespace

Napi::Value kind_kl_div(const Napi::CallbackInfo& info) {
  const KlArgs a = kl_args(info);
  const size_t n = static_cast<size_t>(a.n);
  float* reduced;
  float* losses = loss_out(info, 0, a.red, n, &reduced);
  const float* input = f32(info, 1, "input", n);
  const float* target = f32(info, 2, "target", n);
  return finish(info, reduced, kernel<Kind::kl_div>(info)(losses, input, target, a.n, a.batch, a.log_target, a.red));
}

Napi::Value kind_kl_div_bwd(const Napi::CallbackInfo& info) {
  const KlArgs a = kl_args(info);
  const size_t n = static_cast<size_t>(a.n);
  float* d = f32(info, 0, "dinput", n);
  const float* target = f32(info, 1, "target", n);
  const float* dout = f32(info, 2, "dout", dout_len(a.red, n));
  kernel<Kind::kl_div_bwd>(info)(d, target, dout, a.n, a.batch, a.log_target, a.red);
  return undef(info);
}

}  // namespace ng::binding

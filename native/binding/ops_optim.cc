// Optimizer and gradient-utility glue (flat buffers; ranges of hyperparameters are checked in
// lib/optim, here only types, finiteness and lengths).
//   sgdUpdate(params, grads, momentumBuf|null, n, lr, momentum, dampening, nesterov, weightDecay, firstStep)
//   adamUpdate(params, grads, m, v, vmax|null, n, lr, beta1, beta2, eps, weightDecay, step, decoupled, amsgrad)
//   rmspropUpdate(params, grads, squareAvg, gradAvg|null, momentumBuf|null, n, lr, alpha, eps, weightDecay,
//                 momentum, centered)
//   adagradUpdate(params, grads, stateSum, n, lr, lrDecay, weightDecay, eps, step)
//   l2Norm(x, n) -> number   clipByNorm(x, n, maxNorm) -> number (norm before clipping)
//   scaleInPlace(x, n, s)   clipByValue(x, n, lo, hi)   zeroGrad(x, n)   allFinite(x, n) -> boolean
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/clip.h"
#include "cpu/ops/optimizers.h"

namespace {

using namespace ng::binding::ops;
using ng::binding::bool_arg;
namespace cpu = ng::cpu;

Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 3, "n");
  const float lr = fnum(info, 4, "lr"), momentum = fnum(info, 5, "momentum"), damp = fnum(info, 6, "dampening");
  const bool nesterov = bool_arg(info, 7, "nesterov");
  const float wd = fnum(info, 8, "weightDecay");
  const bool first = bool_arg(info, 9, "firstStep");
  float* p = f32(info, 0, "params", n);
  const float* g = f32(info, 1, "grads", n);
  float* buf = momentum != 0.0f ? f32(info, 2, "momentumBuf", n) : f32_or_null(info, 2, "momentumBuf", n);
  cpu::sgd_update(p, g, buf, static_cast<int64_t>(n), lr, momentum, damp, nesterov, wd, first);
  return undef(info);
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 5, "n");
  const float lr = fnum(info, 6, "lr"), b1 = fnum(info, 7, "beta1"), b2 = fnum(info, 8, "beta2");
  const float eps = fnum(info, 9, "eps"), wd = fnum(info, 10, "weightDecay");
  const int64_t step = ng::binding::int_arg(info, 11, "step", 1);
  const bool decoupled = bool_arg(info, 12, "decoupled"), amsgrad = bool_arg(info, 13, "amsgrad");
  float* p = f32(info, 0, "params", n);
  const float* g = f32(info, 1, "grads", n);
  float* m = f32(info, 2, "m", n);
  float* v = f32(info, 3, "v", n);
  float* vmax = amsgrad ? f32(info, 4, "vmax", n) : f32_or_null(info, 4, "vmax", n);
  cpu::adam_update(p, g, m, v, vmax, static_cast<int64_t>(n), lr, b1, b2, eps, wd, step, decoupled, amsgrad);
  return undef(info);
}

Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 5, "n");
  const float lr = fnum(info, 6, "lr"), alpha = fnum(info, 7, "alpha"), eps = fnum(info, 8, "eps");
  const float wd = fnum(info, 9, "weightDecay"), momentum = fnum(info, 10, "momentum");
  const bool centered = bool_arg(info, 11, "centered");
  float* p = f32(info, 0, "params", n);
  const float* g = f32(info, 1, "grads", n);
  float* sq = f32(info, 2, "squareAvg", n);
  float* ga = centered ? f32(info, 3, "gradAvg", n) : f32_or_null(info, 3, "gradAvg", n);
  float* buf = momentum > 0.0f ? f32(info, 4, "momentumBuf", n) : f32_or_null(info, 4, "momentumBuf", n);
  cpu::rmsprop_update(p, g, sq, ga, buf, static_cast<int64_t>(n), lr, alpha, eps, wd, momentum, centered);
  return undef(info);
}

Napi::Value AdagradUpdate(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 3, "n");
  const float lr = fnum(info, 4, "lr"), lr_decay = fnum(info, 5, "lrDecay"), wd = fnum(info, 6, "weightDecay");
  const float eps = fnum(info, 7, "eps");
  const int64_t step = ng::binding::int_arg(info, 8, "step", 1);
  float* p = f32(info, 0, "params", n);
  const float* g = f32(info, 1, "grads", n);
  float* s = f32(info, 2, "stateSum", n);
  cpu::adagrad_update(p, g, s, static_cast<int64_t>(n), lr, lr_decay, wd, eps, step);
  return undef(info);
}

Napi::Value L2Norm(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  return Napi::Number::New(info.Env(), cpu::l2_norm(f32(info, 0, "x", n), static_cast<int64_t>(n)));
}

Napi::Value ClipByNorm(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  const float max_norm = fnum(info, 2, "maxNorm");
  return Napi::Number::New(info.Env(), cpu::clip_by_norm(f32(info, 0, "x", n), static_cast<int64_t>(n), max_norm));
}

Napi::Value ScaleInPlace(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  const float s = fnum(info, 2, "s");
  float* p0 = f32(info, 0, "x", n);
  cpu::scale_inplace(p0, static_cast<int64_t>(n), s);
  return undef(info);
}

Napi::Value ClipByValue(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  const float lo = fnum_inf(info, 2, "lo"), hi = fnum_inf(info, 3, "hi");
  float* p0 = f32(info, 0, "x", n);
  cpu::clip_by_value(p0, static_cast<int64_t>(n), lo, hi);
  return undef(info);
}

Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  float* p0 = f32(info, 0, "x", n);
  cpu::zero_f32(p0, static_cast<int64_t>(n));
  return undef(info);
}

Napi::Value AllFinite(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  return Napi::Boolean::New(info.Env(), cpu::all_finite(f32(info, 0, "x", n), static_cast<int64_t>(n)));
}

}  // namespace

NG_BINDING(ops_optim) {
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate, "sgdUpdate"));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate, "adamUpdate"));
  exports.Set("rmspropUpdate", Napi::Function::New(env, RmspropUpdate, "rmspropUpdate"));
  exports.Set("adagradUpdate", Napi::Function::New(env, AdagradUpdate, "adagradUpdate"));
  exports.Set("l2Norm", Napi::Function::New(env, L2Norm, "l2Norm"));
  exports.Set("clipByNorm", Napi::Function::New(env, ClipByNorm, "clipByNorm"));
  exports.Set("scaleInPlace", Napi::Function::New(env, ScaleInPlace, "scaleInPlace"));
  exports.Set("clipByValue", Napi::Function::New(env, ClipByValue, "clipByValue"));
  exports.Set("zeroGrad", Napi::Function::New(env, ZeroGrad, "zeroGrad"));
  exports.Set("allFinite", Napi::Function::New(env, AllFinite, "allFinite"));
}

// Kind helpers for optimizer updates and whole-buffer utilities (flat buffers; hyperparameter
// ranges are checked in lib/optim, here only types and lengths: state buffers an option needs
// are required).
//   sgd      sgdUpdate(params, grads, momentumBuf|null, n, lr, momentum, dampening, nesterov, weightDecay, firstStep)
//   adam     adamUpdate(params, grads, m, v, vmax|null, n, lr, beta1, beta2, eps, weightDecay, step, decoupled,
//                       amsgrad)
//   rmsprop  rmspropUpdate(params, grads, squareAvg, gradAvg|null, momentumBuf|null, n, lr, alpha, eps,
//                          weightDecay, momentum, centered)
//   adagrad  adagradUpdate(params, grads, stateSum, n, lr, lrDecay, weightDecay, eps, step)
//   vec_reduce  name(x, n, ...attrs) -> number     (l2Norm; clipByNorm returns the norm before clipping)
//   vec_test    name(x, n) -> boolean              (allFinite)
//   vec_map     name(x, n, ...attrs)               (scaleInPlace, clipByValue, fillF32, arangeF32)
#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

namespace {

// params (n elements) and grads, at 0 and 1, with n at `at`.
struct Update { size_t n; float* p; const float* g; };

Update update_args(const Napi::CallbackInfo& info, size_t at) {
  Update u;
  u.n = size_arg(info, at, "n");
  u.p = f32(info, 0, "params", u.n);
  u.g = f32(info, 1, "grads", u.n);
  return u;
}

// A state buffer that is required when `needed`, else may be null.
float* state(const Napi::CallbackInfo& info, size_t i, const char* name, size_t n, bool needed) {
  return needed ? f32(info, i, name, n) : f32_or_null(info, i, name, n);
}

}  // namespace

Napi::Value kind_sgd(const Napi::CallbackInfo& info) {
  const Update u = update_args(info, 3);
  const float lr = fnum(info, 4, "lr"), momentum = fnum(info, 5, "momentum"), damp = fnum(info, 6, "dampening");
  const bool nesterov = bool_arg(info, 7, "nesterov");
  const float wd = fnum(info, 8, "weightDecay");
  const bool first = bool_arg(info, 9, "firstStep");
  float* buf = state(info, 2, "momentumBuf", u.n, momentum != 0.0f);
  kernel<Kind::sgd>(info)(u.p, u.g, buf, static_cast<int64_t>(u.n), lr, momentum, damp, nesterov, wd, first);
  return undef(info);
}

Napi::Value kind_adam(const Napi::CallbackInfo& info) {
  const Update u = update_args(info, 5);
  const float lr = fnum(info, 6, "lr"), b1 = fnum(info, 7, "beta1"), b2 = fnum(info, 8, "beta2");
  const float eps = fnum(info, 9, "eps"), wd = fnum(info, 10, "weightDecay");
  const int64_t step = int_arg(info, 11, "step", 1);
  const bool decoupled = bool_arg(info, 12, "decoupled"), amsgrad = bool_arg(info, 13, "amsgrad");
  float* m = f32(info, 2, "m", u.n);
  float* v = f32(info, 3, "v", u.n);
  float* vmax = state(info, 4, "vmax", u.n, amsgrad);
  kernel<Kind::adam>(info)(u.p, u.g, m, v, vmax, static_cast<int64_t>(u.n), lr, b1, b2, eps, wd, step, decoupled,
                           amsgrad);
  return undef(info);
}

Napi::Value kind_rmsprop(const Napi::CallbackInfo& info) {
  const Update u = update_args(info, 5);
  const float lr = fnum(info, 6, "lr"), alpha = fnum(info, 7, "alpha"), eps = fnum(info, 8, "eps");
  const float wd = fnum(info, 9, "weightDecay"), momentum = fnum(info, 10, "momentum");
  const bool centered = bool_arg(info, 11, "centered");
  float* sq = f32(info, 2, "squareAvg", u.n);
  float* ga = state(info, 3, "gradAvg", u.n, centered);
  float* buf = state(info, 4, "momentumBuf", u.n, momentum > 0.0f);
  kernel<Kind::rmsprop>(info)(u.p, u.g, sq, ga, buf, static_cast<int64_t>(u.n), lr, alpha, eps, wd, momentum,
                              centered);
  return undef(info);
}

Napi::Value kind_adagrad(const Napi::CallbackInfo& info) {
  const Update u = update_args(info, 3);
  const float lr = fnum(info, 4, "lr"), lr_decay = fnum(info, 5, "lrDecay"), wd = fnum(info, 6, "weightDecay");
  const float eps = fnum(info, 7, "eps");
  const int64_t step = int_arg(info, 8, "step", 1);
  float* s = f32(info, 2, "stateSum", u.n);
  kernel<Kind::adagrad>(info)(u.p, u.g, s, static_cast<int64_t>(u.n), lr, lr_decay, wd, eps, step);
  return undef(info);
}

Napi::Value kind_vec_reduce(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  const Attrs a = attrs_arg(info, 2, 1);
  float* x = f32(info, 0, op_call(info).param(0), n);
  return Napi::Number::New(info.Env(), kernel<Kind::vec_reduce>(info)(x, static_cast<int64_t>(n), a.v));
}

Napi::Value kind_vec_test(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  const float* x = f32(info, 0, op_call(info).param(0), n);
  return Napi::Boolean::New(info.Env(), kernel<Kind::vec_test>(info)(x, static_cast<int64_t>(n)));
}

Napi::Value kind_vec_map(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  const Attrs a = attrs_arg(info, 2, 1);
  float* x = f32(info, 0, op_call(info).param(0), n);
  kernel<Kind::vec_map>(info)(x, static_cast<int64_t>(n), a.v);
  return undef(info);
}

}  // namespace ng::binding

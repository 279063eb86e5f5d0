// Normalization glue.
//   layerNormForward(out, mean, rstd, x, weight|null, bias|null, N, C, eps)
//   layerNormBackward(dx|null, dweight|null, dbias|null, dout, x, weight|null, mean, rstd, N, C)
//   batchNormForward(out, mean, rstd, runningMean|null, runningVar|null, x, weight|null, bias|null,
//                    N, C, L, eps, momentum, training)
//   batchNormBackward(dx|null, dweight|null, dbias|null, dout, x, weight|null, mean, rstd, N, C, L, training)
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/batchnorm.h"
#include "cpu/ops/layernorm.h"

namespace {

using namespace ng::binding::ops;
namespace cpu = ng::cpu;

float eps_arg(const Napi::CallbackInfo& info, size_t i) {
  const double v = ng::binding::num_arg(info, i, "eps");
  if (!(v > 0.0)) {
    throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg("positive number", "eps",
                                                                      ng::binding::describe_value(info[i])));
  }
  return static_cast<float>(v);
}

Napi::Value LayerNormForward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 6, "N"), C = ng::binding::int_arg(info, 7, "C", 1);
  const float eps = eps_arg(info, 8);
  const size_t n = count(info, {N, C}, "x");
  float* out = f32(info, 0, "out", n);
  float* mean = f32(info, 1, "mean", static_cast<size_t>(N));
  float* rstd = f32(info, 2, "rstd", static_cast<size_t>(N));
  const float* x = f32(info, 3, "x", n);
  const float* w = f32_or_null(info, 4, "weight", static_cast<size_t>(C));
  const float* b = f32_or_null(info, 5, "bias", static_cast<size_t>(C));
  cpu::layernorm_forward(out, mean, rstd, x, w, b, N, C, eps);
  return undef(info);
}

Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 8, "N"), C = ng::binding::int_arg(info, 9, "C", 1);
  const size_t n = count(info, {N, C}, "x");
  float* dx = f32_or_null(info, 0, "dx", n);
  float* dw = f32_or_null(info, 1, "dweight", static_cast<size_t>(C));
  float* db = f32_or_null(info, 2, "dbias", static_cast<size_t>(C));
  const float* dout = f32(info, 3, "dout", n);
  const float* x = f32(info, 4, "x", n);
  const float* w = f32_or_null(info, 5, "weight", static_cast<size_t>(C));
  const float* mean = f32(info, 6, "mean", static_cast<size_t>(N));
  const float* rstd = f32(info, 7, "rstd", static_cast<size_t>(N));
  cpu::layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
  return undef(info);
}

Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 8, "N"), C = ng::binding::int_arg(info, 9, "C", 1);
  const int64_t L = ng::binding::int_arg(info, 10, "L", 1);
  const float eps = eps_arg(info, 11);
  const float momentum = fnum(info, 12, "momentum");
  const bool training = ng::binding::bool_arg(info, 13, "training");
  const size_t n = count(info, {N, C, L}, "x");
  const size_t c = static_cast<size_t>(C);
  float* out = f32(info, 0, "out", n);
  float* mean = f32(info, 1, "mean", c);
  float* rstd = f32(info, 2, "rstd", c);
  float* rm = training ? f32_or_null(info, 3, "runningMean", c) : f32(info, 3, "runningMean", c);
  float* rv = training ? f32_or_null(info, 4, "runningVar", c) : f32(info, 4, "runningVar", c);
  const float* x = f32(info, 5, "x", n);
  const float* w = f32_or_null(info, 6, "weight", c);
  const float* b = f32_or_null(info, 7, "bias", c);
  if (training && N * L < 2 && n > 0) {
    throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg(
        "more than 1 value per channel in training", "N * L", std::to_string(N * L)));
  }
  cpu::batchnorm_forward(out, mean, rstd, rm, rv, x, w, b, N, C, L, eps, momentum, training);
  return undef(info);
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 8, "N"), C = ng::binding::int_arg(info, 9, "C", 1);
  const int64_t L = ng::binding::int_arg(info, 10, "L", 1);
  const bool training = ng::binding::bool_arg(info, 11, "training");
  const size_t n = count(info, {N, C, L}, "x");
  const size_t c = static_cast<size_t>(C);
  float* dx = f32_or_null(info, 0, "dx", n);
  float* dw = f32_or_null(info, 1, "dweight", c);
  float* db = f32_or_null(info, 2, "dbias", c);
  const float* dout = f32(info, 3, "dout", n);
  const float* x = f32(info, 4, "x", n);
  const float* w = f32_or_null(info, 5, "weight", c);
  const float* mean = f32(info, 6, "mean", c);
  const float* rstd = f32(info, 7, "rstd", c);
  cpu::batchnorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C, L, training);
  return undef(info);
}

}  // namespace

NG_BINDING(ops_norm) {
  exports.Set("layerNormForward", Napi::Function::New(env, LayerNormForward, "layerNormForward"));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackward, "layerNormBackward"));
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward, "batchNormForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
}

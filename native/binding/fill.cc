// Glue for tensor creation kernels (cpu/fill.h).
#include <napi.h>

#include "binding/args.h"
#include "binding/registry.h"
#include "cpu/fill.h"

namespace {
using namespace ng::binding;

// fillF32(out, n, value)
Napi::Value FillF32(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 1, "n");
  float* out = f32_arg_min(info, 0, "out", static_cast<size_t>(n));
  Napi::Value v = info[2];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg("number", "value", describe_value(v)));
  ng::cpu::fill_f32(out, n, static_cast<float>(v.As<Napi::Number>().DoubleValue()));
  return info.Env().Undefined();
}

// fillI32(out, n, value)
Napi::Value FillI32(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 1, "n");
  int32_t* out = i32_arg_min(info, 0, "out", static_cast<size_t>(n));
  ng::cpu::fill_i32(out, n, static_cast<int32_t>(int_arg(info, 2, "value", INT32_MIN)));
  return info.Env().Undefined();
}

// arangeF32(out, n, start, step)
Napi::Value ArangeF32(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 1, "n");
  float* out = f32_arg_min(info, 0, "out", static_cast<size_t>(n));
  ng::cpu::arange_f32(out, n, num_arg(info, 2, "start"), num_arg(info, 3, "step"));
  return info.Env().Undefined();
}

// eyeF32(out, n, m)
Napi::Value EyeF32(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 1, "n");
  int64_t m = int_arg(info, 2, "m");
  float* out = f32_arg_min(info, 0, "out", static_cast<size_t>(n * m));
  ng::cpu::eye_f32(out, n, m);
  return info.Env().Undefined();
}

// castI32F32(out, inp, n)
Napi::Value CastI32F32(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 2, "n");
  float* out = f32_arg_min(info, 0, "out", static_cast<size_t>(n));
  const int32_t* inp = i32_arg_min(info, 1, "input", static_cast<size_t>(n));
  ng::cpu::cast_i32_f32(out, inp, n);
  return info.Env().Undefined();
}

// castF32I32(out, inp, n)
Napi::Value CastF32I32(const Napi::CallbackInfo& info) {
  int64_t n = int_arg(info, 2, "n");
  int32_t* out = i32_arg_min(info, 0, "out", static_cast<size_t>(n));
  const float* inp = f32_arg_min(info, 1, "input", static_cast<size_t>(n));
  ng::cpu::cast_f32_i32(out, inp, n);
  return info.Env().Undefined();
}

}  // namespace

NG_BINDING(fill) {
  exports.Set("fillF32", Napi::Function::New(env, FillF32, "fillF32"));
  exports.Set("fillI32", Napi::Function::New(env, FillI32, "fillI32"));
  exports.Set("arangeF32", Napi::Function::New(env, ArangeF32, "arangeF32"));
  exports.Set("eyeF32", Napi::Function::New(env, EyeF32, "eyeF32"));
  exports.Set("castI32F32", Napi::Function::New(env, CastI32F32, "castI32F32"));
  exports.Set("castF32I32", Napi::Function::New(env, CastF32I32, "castF32I32"));
}

// Argument helpers shared by the op bindings (native/binding/ops_*.cc), on top of args.h:
// element counts with overflow checks, nullable arrays, reductions, labels. All throw
// Napi::TypeError / RangeError in the project's format; none aborts.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "binding/args.h"
#include "cpu/ops/common.h"

namespace ng::binding::ops {

inline Napi::Value undef(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

inline bool is_nullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

// Product of sizes as an element count; RangeError if it exceeds 2^53.
inline size_t count(const Napi::CallbackInfo& info, std::initializer_list<int64_t> dims, const char* name) {
  double p = 1.0;
  for (int64_t d : dims) p *= static_cast<double>(d);
  if (p > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("sizes whose product fits in 2^53", name,
                                                         std::to_string(p) + " elements"));
  }
  return static_cast<size_t>(p);
}

inline int64_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return int_arg(info, i, name, 0);
}

inline float* f32(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need) {
  return f32_arg_min(info, i, name, need);
}

inline int32_t* i32(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need) {
  return i32_arg_min(info, i, name, need);
}

// Float32Array of >= need elements, or null/undefined (-> nullptr).
inline float* f32_or_null(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need) {
  Napi::Value v = info[i];
  if (is_nullish(v)) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), expected_msg("Float32Array or null", name, describe_value(v)));
  }
  return f32_arg_min(info, i, name, need);
}

inline float fnum(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<float>(num_arg(info, i, name));
}

// A number that may be +-Infinity but not NaN (clamp bounds).
inline float fnum_inf(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg("number", name, describe_value(v)));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) throw Napi::RangeError::New(info.Env(), expected_msg("number", name, describe_value(v)));
  return static_cast<float>(d);
}

// Integer argument in [lo, hi].
inline int64_t int_in(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo, int64_t hi) {
  Napi::Value v = info[i];
  const std::string what = "integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != std::floor(d)) {
    throw Napi::RangeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  }
  return static_cast<int64_t>(d);
}

// Reduction code: 0 none, 1 mean, 2 sum (3 batchmean where allowed).
inline ng::cpu::Reduction reduction_arg(const Napi::CallbackInfo& info, size_t i, bool batchmean = false) {
  Napi::Value v = info[i];
  const char* what = batchmean ? "0 (none), 1 (mean), 2 (sum) or 3 (batchmean)" : "0 (none), 1 (mean) or 2 (sum)";
  const double hi = batchmean ? 3.0 : 2.0;
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg(what, "reduction", describe_value(v)));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0.0 && d <= hi) || d != std::floor(d)) {
    throw Napi::RangeError::New(info.Env(), expected_msg(what, "reduction", describe_value(v)));
  }
  return static_cast<ng::cpu::Reduction>(static_cast<int>(d));
}

// Every index in [0, hi) (or equal to `allowed`, when allowed_ok). RangeError names the position.
inline void check_indices(const Napi::CallbackInfo& info, const int32_t* idx, int64_t n, int64_t hi,
                          const char* name, bool allowed_ok = false, int32_t allowed = 0) {
  for (int64_t k = 0; k < n; k++) {
    const int32_t v = idx[k];
    if ((v < 0 || v >= hi) && !(allowed_ok && v == allowed)) {
      std::string what = "integer in [0, " + std::to_string(hi) + ")";
      if (allowed_ok) what += " or " + std::to_string(allowed);
      throw Napi::RangeError::New(info.Env(), expected_msg(what, std::string(name) + "[" + std::to_string(k) + "]",
                                                           std::to_string(v)));
    }
  }
}

// Loss output array: (n) for reduction none, >= 1 element otherwise. Returns the pointer for
// per-element losses (nullptr unless none) and sets *reduced to the slot of the reduced loss.
inline float* loss_out(const Napi::CallbackInfo& info, size_t i, ng::cpu::Reduction red, size_t n,
                       float** reduced) {
  if (red == ng::cpu::Reduction::none) {
    *reduced = nullptr;
    return f32(info, i, "loss", n);
  }
  *reduced = f32(info, i, "loss", 1);
  return nullptr;
}

inline size_t dout_len(ng::cpu::Reduction red, size_t n) { return red == ng::cpu::Reduction::none ? n : 1; }

// Registers a pointwise kernel with the binding shape  name(out, x, n).
inline void def_unary_forward(Napi::Env env, Napi::Object exports, const char* name,
                              void (*f)(float*, const float*, int64_t)) {
  exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 2, "n");
    float* out = f32(info, 0, "out", n);
    float* x = f32(info, 1, "x", n);
    f(out, x, static_cast<int64_t>(n));
    return undef(info);
  }, name));
}

// Registers a pointwise backward kernel  name(dx, saved, dout, n); `saved` names the tensor the
// kernel reads (the input x or the forward output).
inline void def_unary_backward(Napi::Env env, Napi::Object exports, const char* name,
                               void (*f)(float*, const float*, const float*, int64_t), const char* saved) {
  exports.Set(name, Napi::Function::New(env, [f, saved](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 3, "n");
    float* dx = f32(info, 0, "dx", n);
    float* s = f32(info, 1, saved, n);
    float* dout = f32(info, 2, "dout", n);
    f(dx, s, dout, static_cast<int64_t>(n));
    return undef(info);
  }, name));
}

}  // namespace ng::binding::ops

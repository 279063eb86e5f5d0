// Argument helpers for the bindings (the kind helpers in kind_*.cc and the runtime functions): unwrap JS values into plain C++ values, throwing a
// Napi::TypeError / RangeError (never aborting) with the project's message format.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "ops/kinds.h"

namespace ng::binding {

// "Expected <what> for <name> but received <got>"
std::string expected_msg(const std::string& what, const std::string& name, const std::string& got);
std::string describe_value(const Napi::Value& v);

// Data pointer (byte offset applied) and element count of typed array v, whose type the caller
// checked; views over SharedArrayBuffer are accepted; TypeError naming `name` when detached.
void* view_data(Napi::Env env, const Napi::Value& v, const std::string& name, const std::string& type_name, size_t* len);

#ifdef NG_DEVICE_ARGS
// Device builds (the CUDA addon compiles these binding files with NG_DEVICE_ARGS): array
// arguments are device buffers ({ ptr, length, dtype } objects made by lib/cuda), checked
// against the device allocator's live blocks; see native/cuda/device_args.cc.
void* device_arg(const Napi::CallbackInfo& info, size_t i, const char* name, const char* dtype, size_t elem_bytes,
                 size_t* len);
void indices_to_host(const int32_t* dev, int64_t n, std::vector<int32_t>* out);
void store_f32(float* dst, float v);
#else
inline void store_f32(float* dst, float v) { *dst = v; }
#endif

// Float32Array argument i (named for messages). Throws on wrong type or detached buffer.
float* f32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* len = nullptr);
// Int32Array argument i.
int32_t* i32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* len = nullptr);
// Same, but also requires at least `need` elements.
float* f32_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need);
int32_t* i32_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need);
// Integer argument i (a JS number that is an integer >= lo).
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo = 0);
// Finite number argument i.
double num_arg(const Napi::CallbackInfo& info, size_t i, const char* name);
bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string str_arg(const Napi::CallbackInfo& info, size_t i, const char* name);


inline Napi::Value undef(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

inline bool is_nullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

// Product of sizes as an element count; RangeError if it exceeds 2^53. An empty product (a zero
// size) still bounds the other sizes: kernels loop over them (rows of zero columns), so a size of
// 2^53 beside a zero would spin for hours; beyond kMaxEmptyLoop is refused as a RangeError.
constexpr double kMaxEmptyLoop = 67108864.0;  // 2^26
inline std::string whole_number(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}
inline size_t count(const Napi::CallbackInfo& info, const int64_t* begin, const int64_t* end, const char* name) {
  double p = 1.0, nonzero = 1.0;
  for (const int64_t* it = begin; it != end; ++it) {
    const int64_t d = *it;
    p *= static_cast<double>(d);
    if (d != 0) nonzero *= static_cast<double>(d);
  }
  if (p > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("sizes whose product fits in 2^53", name,
                                                         std::to_string(p) + " elements"));
  }
  if (p == 0.0 && nonzero > kMaxEmptyLoop) {
    throw Napi::RangeError::New(info.Env(), expected_msg("an empty tensor whose other sizes multiply to at most 2^26", name,
                                                         whole_number(nonzero) + " beside a zero size"));
  }
  return static_cast<size_t>(p);
}
inline size_t count(const Napi::CallbackInfo& info, std::initializer_list<int64_t> dims, const char* name) {
  return count(info, dims.begin(), dims.end(), name);
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
#ifndef NG_DEVICE_ARGS
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), expected_msg("Float32Array or null", name, describe_value(v)));
  }
#endif
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
inline ng::ops::Reduction reduction_arg(const Napi::CallbackInfo& info, size_t i, bool batchmean = false) {
  Napi::Value v = info[i];
  const char* what = batchmean ? "0 (none), 1 (mean), 2 (sum) or 3 (batchmean)" : "0 (none), 1 (mean) or 2 (sum)";
  const double hi = batchmean ? 3.0 : 2.0;
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg(what, "reduction", describe_value(v)));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0.0 && d <= hi) || d != std::floor(d)) {
    throw Napi::RangeError::New(info.Env(), expected_msg(what, "reduction", describe_value(v)));
  }
  return static_cast<ng::ops::Reduction>(static_cast<int>(d));
}

// A host-readable view of n int32 values for argument checks: p itself on the CPU; in device
// builds a copy in `storage` (the binding must never dereference a device pointer).
inline const int32_t* host_view(const int32_t* p, int64_t n, std::vector<int32_t>& storage) {
#ifdef NG_DEVICE_ARGS
  indices_to_host(p, n, &storage);
  return storage.data();
#else
  (void)n;
  (void)storage;
  return p;
#endif
}

#ifndef NG_DEVICE_ARGS
// A deferred capture (capture.h) about to have `bytes` at `p` read here: unless they are among
// the step's inputs (copied in already), the stored kernel calls run first (they may write
// them) and the rest of the step records eagerly. Defined in capture.cc.
void capture_before_read(const void* p, size_t bytes);
#endif

// Every index in [0, hi) (or equal to `allowed`, when allowed_ok). RangeError names the position.
inline void check_indices(const Napi::CallbackInfo& info, const int32_t* idx, int64_t n, int64_t hi,
                          const char* name, bool allowed_ok = false, int32_t allowed = 0) {
#ifdef NG_DEVICE_ARGS
  std::vector<int32_t> host;  // device indices are scanned in a host copy
  indices_to_host(idx, n, &host);
  idx = host.data();
#else
  capture_before_read(idx, static_cast<size_t>(n) * sizeof(int32_t));
#endif
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
inline float* loss_out(const Napi::CallbackInfo& info, size_t i, ng::ops::Reduction red, size_t n,
                       float** reduced) {
  if (red == ng::ops::Reduction::none) {
    *reduced = nullptr;
    return f32(info, i, "loss", n);
  }
  *reduced = f32(info, i, "loss", 1);
  return nullptr;
}

inline size_t dout_len(ng::ops::Reduction red, size_t n) { return red == ng::ops::Reduction::none ? n : 1; }

}  // namespace ng::binding

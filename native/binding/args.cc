#include "binding/args.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ng::binding {

std::string expected_msg(const std::string& what, const std::string& name, const std::string& got) {
  return "Expected " + what + " for " + name + " but received " + got;
}

// A number as JavaScript prints it: NaN, Infinity, and the shortest round-tripping decimal.
static std::string js_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

std::string describe_value(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return js_number(v.As<Napi::Number>().DoubleValue()) + " of type number";
  if (v.IsBoolean()) return std::string(v.As<Napi::Boolean>().Value() ? "true" : "false") + " of type boolean";
  if (v.IsString()) return "\"" + v.As<Napi::String>().Utf8Value() + "\" of type string";
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    const char* kind = "TypedArray";
    switch (ta.TypedArrayType()) {
      case napi_float32_array: kind = "Float32Array"; break;
      case napi_float64_array: kind = "Float64Array"; break;
      case napi_int32_array: kind = "Int32Array"; break;
      case napi_uint8_array: kind = "Uint8Array"; break;
      default: break;
    }
    return std::string(kind) + " of length " + std::to_string(ta.ElementLength());
  }
  if (v.IsArray()) return "an array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsFunction()) return "a function";
  return "an object";
}

// The raw N-API call, not Napi::TypedArray::ArrayBuffer(): a view over a SharedArrayBuffer is
// accepted (its memory cannot move or shrink), where Napi::ArrayBuffer's accessors would fail on
// it with a bare "Invalid argument". The data pointer already includes the view's byte offset.
void* view_data(Napi::Env env, const Napi::Value& v, const std::string& name, const std::string& type_name, size_t* len) {
  napi_typedarray_type t;
  size_t n = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  bool is_ab = false, detached = false;
  if (napi_get_typedarray_info(env, v, &t, &n, &data, &buffer, &offset) != napi_ok ||
      napi_is_arraybuffer(env, buffer, &is_ab) != napi_ok ||
      (is_ab && napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok)) {
    throw Napi::TypeError::New(env, expected_msg(type_name, name, describe_value(v)));
  }
  if (detached) {
    throw Napi::TypeError::New(env, expected_msg("attached " + type_name, name, "a detached buffer (disposed or transferred)"));
  }
  if (len) *len = n;
  return data;
}

namespace {

template <class T>
T* typed_arg(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type type,
             const char* type_name, size_t* len) {
#ifdef NG_DEVICE_ARGS
  (void)type_name;
  return static_cast<T*>(device_arg(info, i, name, type == napi_float32_array ? "float32" : "int32", sizeof(T), len));
#endif
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(info.Env(), expected_msg(type_name, name, describe_value(v)));
  }
  return static_cast<T*>(view_data(info.Env(), v, name, type_name, len));
}

template <class T>
T* typed_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type type,
                 const char* type_name, size_t need) {
  size_t n = 0;
  T* p = typed_arg<T>(info, i, name, type, type_name, &n);
  if (n < need) {
    throw Napi::RangeError::New(
        info.Env(), expected_msg(std::string(type_name) + " of length >= " + std::to_string(need), name,
                                 std::string(type_name) + " of length " + std::to_string(n)));
  }
  return p;
}

}  // namespace

float* f32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* len) {
  return typed_arg<float>(info, i, name, napi_float32_array, "Float32Array", len);
}

int32_t* i32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* len) {
  return typed_arg<int32_t>(info, i, name, napi_int32_array, "Int32Array", len);
}

float* f32_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need) {
  return typed_arg_min<float>(info, i, name, napi_float32_array, "Float32Array", need);
}

int32_t* i32_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need) {
  return typed_arg_min<int32_t>(info, i, name, napi_int32_array, "Int32Array", need);
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(info.Env(), expected_msg("integer", name, describe_value(v)));
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) || d > 9007199254740991.0) {
    std::string what = lo == 0 ? "non-negative integer" : (lo == 1 ? "positive integer" : "integer >= " + std::to_string(lo));
    throw Napi::RangeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  }
  return static_cast<int64_t>(d);
}

double num_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg("finite number", name, describe_value(v)));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(info.Env(), expected_msg("finite number", name, describe_value(v)));
  return d;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) throw Napi::TypeError::New(info.Env(), expected_msg("boolean", name, describe_value(v)));
  return v.As<Napi::Boolean>().Value();
}

std::string str_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsString()) throw Napi::TypeError::New(info.Env(), expected_msg("string", name, describe_value(v)));
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace ng::binding

// Array arguments of the CUDA addon's kind helpers (native/binding/args.* built with
// NG_DEVICE_ARGS): a device buffer is a JS object { ptr, length, dtype } (lib/cuda/buffer.ts).
// The pointer must lie in a live block of the device allocator with room for `length`
// elements, so a disposed, forged or host value is a thrown error, never a device fault.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "binding/args.h"
#include "cuda/runtime.h"

namespace ng::binding {

namespace {

std::string describe_arg(const Napi::Value& v) {
  if (v.IsObject() && !v.IsTypedArray() && !v.IsArray() && !v.IsFunction()) {
    Napi::Object o = v.As<Napi::Object>();
    Napi::Value d = o.Get("dtype"), l = o.Get("length");
    if (d.IsString() && l.IsNumber()) {
      return "a cuda " + d.As<Napi::String>().Utf8Value() + " buffer of length " +
             std::to_string(static_cast<int64_t>(l.As<Napi::Number>().DoubleValue()));
    }
  }
  if (v.IsTypedArray()) return describe_value(v) + " (host memory)";
  return describe_value(v);
}

}  // namespace

void* device_arg(const Napi::CallbackInfo& info, size_t i, const char* name, const char* dtype, size_t elem_bytes,
                 size_t* len) {
  Napi::Env env = info.Env();
  Napi::Value v = info[i];
  const std::string what = std::string("cuda ") + dtype + " buffer (a tensor on device cuda)";
  if (!v.IsObject() || v.IsTypedArray() || v.IsArray() || v.IsFunction()) {
    throw Napi::TypeError::New(env, expected_msg(what, name, describe_arg(v)));
  }
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value pv = o.Get("ptr"), lv = o.Get("length"), dv = o.Get("dtype");
  if (!pv.IsNumber() || !lv.IsNumber() || !dv.IsString() || dv.As<Napi::String>().Utf8Value() != dtype) {
    throw Napi::TypeError::New(env, expected_msg(what, name, describe_arg(v)));
  }
  const double p = pv.As<Napi::Number>().DoubleValue(), l = lv.As<Napi::Number>().DoubleValue();
  if (!(p > 0) || p != std::floor(p) || p > 9007199254740991.0 || !(l >= 0) || l != std::floor(l) ||
      l > 9007199254740991.0) {
    throw Napi::TypeError::New(env, expected_msg(what, name, describe_arg(v)));
  }
  void* ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(p));
  const size_t n = static_cast<size_t>(l);
  const size_t room = ng::cuda::live_bytes_after(ptr);
  if (room / elem_bytes < n) {
    throw Napi::RangeError::New(env, expected_msg("a live cuda buffer (not disposed) with room for " + std::to_string(n) +
                                                      " elements", name, describe_arg(v)));
  }
  if (len) *len = n;
  return ptr;
}

void indices_to_host(const int32_t* dev, int64_t n, std::vector<int32_t>* out) {
  out->resize(static_cast<size_t>(n > 0 ? n : 0));
  if (n > 0) ng::cuda::copy_to_host(out->data(), dev, static_cast<size_t>(n) * sizeof(int32_t));
}

void store_f32(float* dst, float v) { ng::cuda::copy_to_device(dst, &v, sizeof v); ng::cuda::synchronize(); }

}  // namespace ng::binding

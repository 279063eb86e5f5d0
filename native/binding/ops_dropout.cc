// Dropout glue.
//   dropoutForward(out, mask, x, n, p, seedHi, seedLo, offset)
//       seed = seedHi * 2^32 + seedLo (as rngUniform); element i is dropped when
//       rngUniform's value at stream position offset + i is < p.   mask: Uint8Array (1 kept / 0 dropped) or
//                                                      Float32Array (0 or 1/(1-p))
//   dropoutBackward(dx, dout, mask, n, p)              dx += dout * mask (* 1/(1-p) for Uint8Array)
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/dropout.h"

namespace {

using namespace ng::binding::ops;
using ng::binding::describe_value;
using ng::binding::expected_msg;
namespace cpu = ng::cpu;

float p_arg(const Napi::CallbackInfo& info, size_t i) {
  const double p = ng::binding::num_arg(info, i, "p");
  if (!(p >= 0.0 && p < 1.0)) {
    throw Napi::RangeError::New(info.Env(), expected_msg("number in [0, 1)", "p", describe_value(info[i])));
  }
  return static_cast<float>(p);
}

// Returns the mask as uint8 or float (exactly one non-null), with >= n elements.
void mask_arg(const Napi::CallbackInfo& info, size_t i, size_t n, uint8_t** u8, float** f) {
  Napi::Value v = info[i];
  *u8 = nullptr;
  *f = nullptr;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    size_t len = 0;
    uint8_t* data = static_cast<uint8_t*>(ng::binding::view_data(info.Env(), v, "mask", "Uint8Array", &len));
    if (len < n) {
      throw Napi::RangeError::New(info.Env(), expected_msg("Uint8Array of length >= " + std::to_string(n), "mask",
                                                           describe_value(v)));
    }
    *u8 = data;
    return;
  }
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    *f = f32(info, i, "mask", n);
    return;
  }
  throw Napi::TypeError::New(info.Env(), expected_msg("Uint8Array or Float32Array", "mask", describe_value(v)));
}

Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 3, "n");
  const float p = p_arg(info, 4);
  const uint64_t seed = (static_cast<uint64_t>(int_in(info, 5, "seedHi", 0, 4294967295LL)) << 32) |
                        static_cast<uint64_t>(int_in(info, 6, "seedLo", 0, 4294967295LL));
  const int64_t offset = size_arg(info, 7, "offset");
  float* out = f32(info, 0, "out", n);
  uint8_t* mu;
  float* mf;
  mask_arg(info, 1, n, &mu, &mf);
  const float* x = f32(info, 2, "x", n);
  cpu::dropout_forward(out, mu, mf, x, static_cast<int64_t>(n), p, seed,
                       static_cast<uint64_t>(offset));
  return undef(info);
}

Napi::Value DropoutBackward(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 3, "n");
  const float p = p_arg(info, 4);
  float* dx = f32(info, 0, "dx", n);
  const float* dout = f32(info, 1, "dout", n);
  uint8_t* mu;
  float* mf;
  mask_arg(info, 2, n, &mu, &mf);
  if (mu) cpu::dropout_backward_u8(dx, dout, mu, static_cast<int64_t>(n), p);
  else cpu::dropout_backward_f32(dx, dout, mf, static_cast<int64_t>(n));
  return undef(info);
}

}  // namespace

NG_BINDING(ops_dropout) {
  exports.Set("dropoutForward", Napi::Function::New(env, DropoutForward, "dropoutForward"));
  exports.Set("dropoutBackward", Napi::Function::New(env, DropoutBackward, "dropoutBackward"));
}

// Kind helpers for creation kernels.
//   fill_i32  fillI32(out, n, value)                           value: an int32
//   eye       eyeF32(out, n, m)                                (n, m) identity
//   rng       name(out, n, seedHi, seedLo, offset, a, b)       seed = seedHi * 2^32 + seedLo; Philox
//             stream from position offset (core/rng.h); (a, b) = (low, high) or (mean, std)
#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

Napi::Value kind_fill_i32(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  int32_t* out = i32(info, 0, "out", n);
  const int32_t value = static_cast<int32_t>(int_in(info, 2, "value", INT32_MIN, INT32_MAX));
  kernel<Kind::fill_i32>(info)(out, static_cast<int64_t>(n), value);
  return undef(info);
}

Napi::Value kind_eye(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 1, "n"), m = size_arg(info, 2, "m");
  float* out = f32(info, 0, "out", count(info, {n, m}, "out"));
  kernel<Kind::eye>(info)(out, n, m);
  return undef(info);
}

Napi::Value kind_rng(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 1, "n");
  float* out = f32(info, 0, "out", n);
  const uint64_t seed = (static_cast<uint64_t>(int_in(info, 2, "seedHi", 0, 4294967295LL)) << 32) |
                        static_cast<uint64_t>(int_in(info, 3, "seedLo", 0, 4294967295LL));
  const uint64_t offset = static_cast<uint64_t>(size_arg(info, 4, "offset"));
  const Attrs a = attrs_arg(info, 5, 0);
  kernel<Kind::rng>(info)(out, static_cast<int64_t>(n), seed, offset, static_cast<float>(a.v[0]),
                          static_cast<float>(a.v[1]));
  return undef(info);
}

}  // namespace ng::binding

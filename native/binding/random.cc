// Seeded random fills (Philox counter streams; see core/rng.h).
#include <napi.h>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/rng.h"

namespace {

// rngUniform(out, n, seedHi, seedLo, offset, lo, hi)
Napi::Value RngUniform(const Napi::CallbackInfo& info) {
  using namespace ng::binding;
  int64_t n = int_arg(info, 1, "n");
  float* out = f32_arg_min(info, 0, "out", static_cast<size_t>(n));
  uint64_t seed = (static_cast<uint64_t>(int_arg(info, 2, "seedHi")) << 32) | static_cast<uint64_t>(int_arg(info, 3, "seedLo"));
  uint64_t offset = static_cast<uint64_t>(int_arg(info, 4, "offset"));
  ng::rng_uniform(out, n, seed, offset, static_cast<float>(num_arg(info, 5, "low")), static_cast<float>(num_arg(info, 6, "high")));
  return info.Env().Undefined();
}

// rngNormal(out, n, seedHi, seedLo, offset, mean, std)
Napi::Value RngNormal(const Napi::CallbackInfo& info) {
  using namespace ng::binding;
  int64_t n = int_arg(info, 1, "n");
  float* out = f32_arg_min(info, 0, "out", static_cast<size_t>(n));
  uint64_t seed = (static_cast<uint64_t>(int_arg(info, 2, "seedHi")) << 32) | static_cast<uint64_t>(int_arg(info, 3, "seedLo"));
  uint64_t offset = static_cast<uint64_t>(int_arg(info, 4, "offset"));
  ng::rng_normal(out, n, seed, offset, static_cast<float>(num_arg(info, 5, "mean")), static_cast<float>(num_arg(info, 6, "std")));
  return info.Env().Undefined();
}

}  // namespace

NG_BINDING(random) {
  exports.Set("rngUniform", Napi::Function::New(env, RngUniform, "rngUniform"));
  exports.Set("rngNormal", Napi::Function::New(env, RngNormal, "rngNormal"));
}

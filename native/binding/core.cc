// Runtime facts and controls: threads, ISA/backend, build info.
#include <napi.h>

#include <stdexcept>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/cpu_features.h"
#include "core/malloc_tuning.h"
#include "core/threads.h"

namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = ng::binding::int_arg(info, 0, "threads", 1);
  if (n > 1024) {
    throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg("integer in [1, 1024]", "threads",
                                                                      ng::binding::describe_value(info[0])));
  }
  ng::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ng::get_num_threads());
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("openmp", Napi::Boolean::New(env, ng::openmp_enabled()));
  o.Set("hardwareThreads", Napi::Number::New(env, ng::hardware_threads()));
  o.Set("detectedIsa", Napi::String::New(env, ng::isa_name(ng::detect_isa())));
  o.Set("bf16", Napi::Boolean::New(env, ng::detect_avx512_bf16()));
#ifdef NODEGRAD_WITH_CUDA
  o.Set("cuda", Napi::Boolean::New(env, true));
#else
  o.Set("cuda", Napi::Boolean::New(env, false));
#endif
#ifdef NODEGRAD_WITH_MPI
  o.Set("mpi", Napi::Boolean::New(env, true));
#else
  o.Set("mpi", Napi::Boolean::New(env, false));
#endif
  o.Set("compiler", Napi::String::New(env, __VERSION__));
  o.Set("mallocTuning", Napi::String::New(env, ng::tune_malloc()));
  return o;
}

Napi::Value ActiveIsa(const Napi::CallbackInfo& info) {
  try {
    return Napi::String::New(info.Env(), ng::isa_name(ng::active_isa()));
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
}

}  // namespace

NG_BINDING(core) {
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("activeIsa", Napi::Function::New(env, ActiveIsa, "activeIsa"));
}

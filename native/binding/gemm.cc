// The CPU GEMM's runtime controls (the gemm op's kind helper is native/binding/kind_gemm.cc).
//   setIsa(name), getIsa(), detectIsa(), gemmInfo()                                          (runtime)
//   setGemmPrecision('fp32'|'bf16'), getGemmPrecision(), bf16Native()                        (mixed precision)
#include <napi.h>

#include <stdexcept>
#include <string>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/cpu_features.h"
#include "cpu/gemm/gemm.h"
#include "cpu/gemm/gemm_kernels.h"

namespace ng::binding {

using ng::binding::describe_value;
using ng::binding::expected_msg;

namespace {

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string name = ng::binding::str_arg(info, 0, "isa");
  ng::Isa isa;
  if (!ng::parse_isa(name.c_str(), &isa)) {
    throw Napi::RangeError::New(info.Env(), expected_msg("one of \"avx512\", \"avx2\", \"generic\"", "isa",
                                                         describe_value(info[0])));
  }
  try {
    ng::set_active_isa(isa);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  try {
    return Napi::String::New(info.Env(), ng::isa_name(ng::active_isa()));
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
}

Napi::Value DetectIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ng::isa_name(ng::detect_isa()));
}

// The kernel table in use: { kernel, isa, MR, NR, MC, KC, NC }.
Napi::Value GemmInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const ng::cpu::gemm::KernelTable& t = ng::cpu::gemm::current_table();
    Napi::Object o = Napi::Object::New(env);
    o.Set("kernel", Napi::String::New(env, t.name));
    o.Set("isa", Napi::String::New(env, ng::isa_name(ng::active_isa())));
    o.Set("MR", Napi::Number::New(env, t.MR));
    o.Set("NR", Napi::Number::New(env, t.NR));
    o.Set("MC", Napi::Number::New(env, t.MC));
    o.Set("KC", Napi::Number::New(env, t.KC));
    o.Set("NC", Napi::Number::New(env, t.NC));
    return o;
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

Napi::Value SetGemmPrecision(const Napi::CallbackInfo& info) {
  const std::string name = ng::binding::str_arg(info, 0, "precision");
  if (name == "fp32") ng::cpu::set_gemm_precision(ng::cpu::Precision::fp32);
  else if (name == "bf16") ng::cpu::set_gemm_precision(ng::cpu::Precision::bf16);
  else
    throw Napi::RangeError::New(info.Env(), expected_msg("one of \"fp32\", \"bf16\"", "precision",
                                                         describe_value(info[0])));
  return info.Env().Undefined();
}

Napi::Value GetGemmPrecision(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ng::cpu::gemm_precision() == ng::cpu::Precision::bf16 ? "bf16" : "fp32");
}

Napi::Value Bf16Native(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ng::bf16_native());
}

}  // namespace

}  // namespace ng::binding

NG_BINDING(gemm) {
  using namespace ng::binding;
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("detectIsa", Napi::Function::New(env, DetectIsa, "detectIsa"));
  exports.Set("gemmInfo", Napi::Function::New(env, GemmInfo, "gemmInfo"));
  exports.Set("setGemmPrecision", Napi::Function::New(env, SetGemmPrecision, "setGemmPrecision"));
  exports.Set("getGemmPrecision", Napi::Function::New(env, GetGemmPrecision, "getGemmPrecision"));
  exports.Set("bf16Native", Napi::Function::New(env, Bf16Native, "bf16Native"));
}

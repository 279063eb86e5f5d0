// The CPU GEMM's runtime controls (the gemm op's kind helper is native/binding/kind_gemm.cc).
//   setIsa(name), getIsa(), detectIsa(), gemmInfo()                                          (runtime)
//   setGemmPrecision('fp32'|'bf16'), getGemmPrecision(), bf16Native()                        (mixed precision)
//   linearPackSize(C, OC), linearPack(dst, w, C, OC) -> table tag (0: not packed),
//   linearPacked(out, x, packed, table, bias|null, B, C, OC, act, pre|null) -> boolean
//     (a linear layer's weight packed once for many inference calls, cpu/ops/linear.h)
#include <napi.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/cpu_features.h"
#include "cpu/gemm/gemm.h"
#include "cpu/gemm/gemm_kernels.h"
#include "cpu/ops/linear.h"
#include "ops/kinds.h"

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
  return Napi::String::New(info.Env(), ng::cpu::requested_gemm_precision() == ng::cpu::Precision::bf16 ? "bf16" : "fp32");
}

Napi::Value Bf16Native(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ng::bf16_native());
}

// ---- packed linear weights -----------------------------------------------------------------

// The packed panels are read with aligned vector loads (the AVX2 kernel): they start at the first
// 64-byte boundary of the array, which holds kAlignSlack floats more than the panels.
constexpr int64_t kAlignSlack = 16;

float* aligned_start(float* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<float*>((a + 63) / 64 * 64);
}

// Floats of the packed weight's array: the panels plus the alignment slack; 0: not packed.
int64_t packed_array_floats(int64_t C, int64_t OC) {
  const int64_t n = ng::cpu::linear_packed_weight_floats(C, OC);
  return n > 0 ? n + kAlignSlack : 0;
}

Napi::Value LinearPackSize(const Napi::CallbackInfo& info) {
  const int64_t C = size_arg(info, 0, "C"), OC = size_arg(info, 1, "OC");
  count(info, {OC, C}, "OC x C");  // a product past 2^53 throws before any size arithmetic
  return Napi::Number::New(info.Env(), static_cast<double>(packed_array_floats(C, OC)));
}

// Returns the table tag (> 0), or 0 when the weight is not packed (linear never runs it through
// the GEMM); dst is then not written.
Napi::Value LinearPack(const Napi::CallbackInfo& info) {
  const int64_t C = size_arg(info, 2, "C"), OC = size_arg(info, 3, "OC");
  const float* w = f32(info, 1, "w", count(info, {OC, C}, "w"));
  const int64_t n = packed_array_floats(C, OC);
  if (n == 0) return Napi::Number::New(info.Env(), 0);
  float* dst = f32(info, 0, "dst", static_cast<size_t>(n));
  return Napi::Number::New(info.Env(), ng::cpu::linear_pack_weight(aligned_start(dst), w, C, OC));
}

Napi::Value LinearPacked(const Napi::CallbackInfo& info) {
  const int64_t B = size_arg(info, 5, "B"), C = size_arg(info, 6, "C"), OC = size_arg(info, 7, "OC");
  const auto act = static_cast<ng::ops::LinearAct>(int_in(info, 8, "act", 0, ng::ops::kLinearActCount - 1));
  const int64_t table = int_arg(info, 3, "table");
  const size_t no = count(info, {B, OC}, "out");
  float* out = f32(info, 0, "out", no);
  const float* x = f32(info, 1, "x", count(info, {B, C}, "x"));
  const float* bias = f32_or_null(info, 4, "bias", static_cast<size_t>(OC));
  const bool gelu = act == ng::ops::LinearAct::gelu || act == ng::ops::LinearAct::gelu_tanh;
  float* pre = gelu ? f32(info, 9, "pre", no) : nullptr;
  // Not packed, or packed for another kernel table (ISA or precision changed; its size differs
  // too): refused before the packed array is checked.
  count(info, {OC, C}, "OC x C");
  const int64_t n = packed_array_floats(C, OC);
  if (n == 0 || table != ng::cpu::sgemm_table_tag()) return Napi::Boolean::New(info.Env(), false);
  float* packed = f32(info, 2, "packed", static_cast<size_t>(n));
  const bool ran = ng::cpu::linear_forward_packed(out, pre, x, aligned_start(packed), static_cast<int>(table), bias, B, C,
                                                  OC, act);
  return Napi::Boolean::New(info.Env(), ran);
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
  exports.Set("linearPackSize", Napi::Function::New(env, LinearPackSize, "linearPackSize"));
  exports.Set("linearPack", Napi::Function::New(env, LinearPack, "linearPack"));
  exports.Set("linearPacked", Napi::Function::New(env, LinearPacked, "linearPacked"));
}

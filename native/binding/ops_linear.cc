// Fused linear glue. act: 0 none, 1 relu, 2 sigmoid, 3 tanh, 4 gelu (erf), 5 gelu (tanh).
//   linearForward(out, x, w, bias|null, B, C, OC, act, pre|null)
//       pre (B*OC) is required for act 4/5 and receives the pre-activation (keep it for backward).
//   linearBackward(dx|null, dw|null, db|null, dout, x, w, out|null, pre|null, B, C, OC, act)
//       out (post-activation) is required for act 1-3, pre for act 4/5.
// The dpre scratch for backward is a per-thread buffer owned by this file (grows, never shrinks).
#include <napi.h>

#include <new>
#include <vector>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/linear.h"

namespace {

using namespace ng::binding::ops;
namespace cpu = ng::cpu;

struct Dims { int64_t B, C, OC; size_t nx, nw, no; };

Dims dims_args(const Napi::CallbackInfo& info, size_t i) {
  Dims d;
  d.B = size_arg(info, i, "B");
  d.C = size_arg(info, i + 1, "C");
  d.OC = size_arg(info, i + 2, "OC");
  d.nx = count(info, {d.B, d.C}, "x");
  d.nw = count(info, {d.OC, d.C}, "w");
  d.no = count(info, {d.B, d.OC}, "out");
  return d;
}

cpu::LinearAct act_arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<cpu::LinearAct>(int_in(info, i, "act", 0, cpu::kLinearActCount - 1));
}

bool is_gelu(cpu::LinearAct a) { return a == cpu::LinearAct::gelu || a == cpu::LinearAct::gelu_tanh; }

Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  const Dims d = dims_args(info, 4);
  const cpu::LinearAct act = act_arg(info, 7);
  float* out = f32(info, 0, "out", d.no);
  const float* x = f32(info, 1, "x", d.nx);
  const float* w = f32(info, 2, "w", d.nw);
  const float* bias = f32_or_null(info, 3, "bias", static_cast<size_t>(d.OC));
  float* pre = is_gelu(act) ? f32(info, 8, "pre", d.no) : nullptr;
  cpu::linear_forward(out, pre, x, w, bias, d.B, d.C, d.OC, act);
  return undef(info);
}

Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  const Dims d = dims_args(info, 8);
  const cpu::LinearAct act = act_arg(info, 11);
  float* dx = f32_or_null(info, 0, "dx", d.nx);
  float* dw = f32_or_null(info, 1, "dw", d.nw);
  float* db = f32_or_null(info, 2, "db", static_cast<size_t>(d.OC));
  const float* dout = f32(info, 3, "dout", d.no);
  const float* x = f32(info, 4, "x", d.nx);
  const float* w = f32(info, 5, "w", d.nw);
  const bool needs_out = act == cpu::LinearAct::relu || act == cpu::LinearAct::sigmoid || act == cpu::LinearAct::tanh;
  const float* out = needs_out ? f32(info, 6, "out", d.no) : f32_or_null(info, 6, "out", d.no);
  const float* pre = is_gelu(act) ? f32(info, 7, "pre", d.no) : f32_or_null(info, 7, "pre", d.no);
  float* scratch = nullptr;
  if (act != cpu::LinearAct::none) {
    thread_local std::vector<float> buf;
    try {
      if (buf.size() < d.no) buf.resize(d.no);
    } catch (const std::bad_alloc&) {
      throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg(
          "a size that fits in memory", "B * OC", std::to_string(d.no) + " floats of scratch"));
    }
    scratch = buf.data();
  }
  cpu::linear_backward(dx, dw, db, dout, x, w, out, pre, d.B, d.C, d.OC, act, scratch);
  return undef(info);
}

}  // namespace

NG_BINDING(ops_linear) {
  exports.Set("linearForward", Napi::Function::New(env, LinearForward, "linearForward"));
  exports.Set("linearBackward", Napi::Function::New(env, LinearBackward, "linearBackward"));
}

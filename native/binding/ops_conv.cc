// Convolution glue. Geometry G = N, C, H, W, OC, KH, KW, strideH, strideW, padH, padW,
// dilationH, dilationW, groups (14 integers); act: 0 none, 1 relu. OH, OW follow PyTorch:
// floor((H + 2 padH - dilationH (KH - 1) - 1) / strideH) + 1 (>= 1 required).
//   conv2dForward(out, x, w, bias|null, ...G, act)
//   conv2dBackward(dx|null, dw|null, db|null, dout, x, w, out|null, ...G, act)
//       out (post-activation) is required for act 1.
// The im2col scratch is a per-thread buffer owned by this file (grows, never shrinks).
#include <napi.h>

#include <new>
#include <string>
#include <vector>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/conv2d.h"

namespace {

using namespace ng::binding::ops;
using ng::binding::expected_msg;
using ng::binding::int_arg;
namespace cpu = ng::cpu;

struct Geom {
  cpu::Conv2dShape s;
  size_t nx, nw, no;
};

Geom geom_args(const Napi::CallbackInfo& info, size_t i) {
  Geom g;
  cpu::Conv2dShape& s = g.s;
  s.N = int_arg(info, i, "N", 0);
  s.C = int_arg(info, i + 1, "C", 1);
  s.H = int_arg(info, i + 2, "H", 1);
  s.W = int_arg(info, i + 3, "W", 1);
  s.OC = int_arg(info, i + 4, "OC", 1);
  s.KH = int_arg(info, i + 5, "KH", 1);
  s.KW = int_arg(info, i + 6, "KW", 1);
  s.sh = int_arg(info, i + 7, "strideH", 1);
  s.sw = int_arg(info, i + 8, "strideW", 1);
  s.ph = int_arg(info, i + 9, "padH", 0);
  s.pw = int_arg(info, i + 10, "padW", 0);
  s.dh = int_arg(info, i + 11, "dilationH", 1);
  s.dw = int_arg(info, i + 12, "dilationW", 1);
  s.groups = int_arg(info, i + 13, "groups", 1);
  if (s.C % s.groups != 0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("a multiple of groups (" + std::to_string(s.groups) + ")",
                                                         "C", std::to_string(s.C)));
  }
  if (s.OC % s.groups != 0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("a multiple of groups (" + std::to_string(s.groups) + ")",
                                                         "OC", std::to_string(s.OC)));
  }
  s.OH = cpu::conv_out_size(s.H, s.KH, s.sh, s.ph, s.dh);
  s.OW = cpu::conv_out_size(s.W, s.KW, s.sw, s.pw, s.dw);
  if (s.OH < 1 || s.OW < 1) {
    const bool h = s.OH < 1;
    const int64_t k = h ? s.dh * (s.KH - 1) + 1 : s.dw * (s.KW - 1) + 1;
    const int64_t in = h ? s.H + 2 * s.ph : s.W + 2 * s.pw;
    throw Napi::RangeError::New(info.Env(), expected_msg(
        "a kernel extent <= the padded input " + std::to_string(in), h ? "KH" : "KW",
        "an extent of " + std::to_string(k)));
  }
  g.nx = count(info, {s.N, s.C, s.H, s.W}, "x");
  g.nw = count(info, {s.OC, s.C / s.groups, s.KH, s.KW}, "w");
  g.no = count(info, {s.N, s.OC, s.OH, s.OW}, "out");
  return g;
}

cpu::ConvAct act_arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<cpu::ConvAct>(int_in(info, i, "act", 0, 1));
}

float* scratch_for(const Napi::CallbackInfo& info, const cpu::Conv2dShape& s, bool backward) {
  thread_local std::vector<float> buf;
  const int64_t need = cpu::conv2d_scratch_floats(s, backward);
  try {
    if (buf.size() < static_cast<size_t>(need)) buf.resize(static_cast<size_t>(need));
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), expected_msg("a size that fits in memory", "conv2d geometry",
                                                         std::to_string(need) + " floats of scratch"));
  }
  return buf.data();
}

Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const Geom g = geom_args(info, 4);
  const cpu::ConvAct act = act_arg(info, 18);
  float* out = f32(info, 0, "out", g.no);
  const float* x = f32(info, 1, "x", g.nx);
  const float* w = f32(info, 2, "w", g.nw);
  const float* bias = f32_or_null(info, 3, "bias", static_cast<size_t>(g.s.OC));
  cpu::conv2d_forward(out, x, w, bias, g.s, act, scratch_for(info, g.s, false));
  return undef(info);
}

Napi::Value Conv2dBackward(const Napi::CallbackInfo& info) {
  const Geom g = geom_args(info, 7);
  const cpu::ConvAct act = act_arg(info, 21);
  float* dx = f32_or_null(info, 0, "dx", g.nx);
  float* dw = f32_or_null(info, 1, "dw", g.nw);
  float* db = f32_or_null(info, 2, "db", static_cast<size_t>(g.s.OC));
  const float* dout = f32(info, 3, "dout", g.no);
  const float* x = f32(info, 4, "x", g.nx);
  const float* w = f32(info, 5, "w", g.nw);
  const float* out = act == cpu::ConvAct::relu ? f32(info, 6, "out", g.no) : f32_or_null(info, 6, "out", g.no);
  cpu::conv2d_backward(dx, dw, db, dout, x, w, out, g.s, act, scratch_for(info, g.s, true));
  return undef(info);
}

}  // namespace

NG_BINDING(ops_conv) {
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackward", Napi::Function::New(env, Conv2dBackward, "conv2dBackward"));
}

// Pooling glue. Window geometry P = N, C, H, W, KH, KW, strideH, strideW, padH, padW (10 integers);
// padding must be at most half the (dilated) window, as in PyTorch. Output size: see
// cpu/ops/pool2d.h pool_out_size (>= 1 required).
//   maxPool2dForward(out, idx, x, ...P, dilationH, dilationW, ceilMode)   idx: Int32Array, keep it
//   maxPool2dBackward(dx, dout, idx, ...P, dilationH, dilationW, ceilMode)
//   avgPool2dForward(out, x, ...P, ceilMode, countIncludePad)
//   avgPool2dBackward(dx, dout, ...P, ceilMode, countIncludePad)
//   adaptiveAvgPool2dForward(out, x, N, C, H, W, OH, OW)
//   adaptiveAvgPool2dBackward(dx, dout, N, C, H, W, OH, OW)
#include <napi.h>

#include <string>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/pool2d.h"

namespace {

using namespace ng::binding::ops;
using ng::binding::bool_arg;
using ng::binding::expected_msg;
using ng::binding::int_arg;
namespace cpu = ng::cpu;

struct Geom {
  cpu::Pool2dShape s;
  size_t nx, no;
};

void check_pad(const Napi::CallbackInfo& info, int64_t pad, int64_t extent, const char* name) {
  if (2 * pad > extent) {
    throw Napi::RangeError::New(info.Env(), expected_msg(
        "at most half the window (" + std::to_string(extent / 2) + ")", name, std::to_string(pad)));
  }
}

// Reads P at i; dilation at i + 10 when `dilated`; then ceilMode.
Geom geom_args(const Napi::CallbackInfo& info, size_t i, bool dilated) {
  Geom g;
  cpu::Pool2dShape& s = g.s;
  const int64_t N = int_arg(info, i, "N", 0), C = int_arg(info, i + 1, "C", 1);
  s.H = int_arg(info, i + 2, "H", 1);
  s.W = int_arg(info, i + 3, "W", 1);
  s.KH = int_arg(info, i + 4, "KH", 1);
  s.KW = int_arg(info, i + 5, "KW", 1);
  s.sh = int_arg(info, i + 6, "strideH", 1);
  s.sw = int_arg(info, i + 7, "strideW", 1);
  s.ph = int_arg(info, i + 8, "padH", 0);
  s.pw = int_arg(info, i + 9, "padW", 0);
  s.dh = dilated ? int_arg(info, i + 10, "dilationH", 1) : 1;
  s.dw = dilated ? int_arg(info, i + 11, "dilationW", 1) : 1;
  const bool ceil_mode = bool_arg(info, i + (dilated ? 12 : 10), "ceilMode");
  check_pad(info, s.ph, s.dh * (s.KH - 1) + 1, "padH");
  check_pad(info, s.pw, s.dw * (s.KW - 1) + 1, "padW");
  s.OH = cpu::pool_out_size(s.H, s.KH, s.sh, s.ph, s.dh, ceil_mode);
  s.OW = cpu::pool_out_size(s.W, s.KW, s.sw, s.pw, s.dw, ceil_mode);
  if (s.OH < 1 || s.OW < 1) {
    const bool h = s.OH < 1;
    throw Napi::RangeError::New(info.Env(), expected_msg(
        "a window extent <= the padded input " + std::to_string(h ? s.H + 2 * s.ph : s.W + 2 * s.pw),
        h ? "KH" : "KW", "an extent of " + std::to_string(h ? s.dh * (s.KH - 1) + 1 : s.dw * (s.KW - 1) + 1)));
  }
  s.NC = N * C;
  g.nx = count(info, {N, C, s.H, s.W}, "x");
  g.no = count(info, {N, C, s.OH, s.OW}, "out");
  return g;
}

Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  const Geom g = geom_args(info, 3, true);
  float* out = f32(info, 0, "out", g.no);
  int32_t* idx = i32(info, 1, "idx", g.no);
  const float* x = f32(info, 2, "x", g.nx);
  cpu::maxpool2d_forward(out, idx, x, g.s);
  return undef(info);
}

Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const Geom g = geom_args(info, 3, true);
  float* dx = f32(info, 0, "dx", g.nx);
  const float* dout = f32(info, 1, "dout", g.no);
  const int32_t* idx = i32(info, 2, "idx", g.no);
  check_indices(info, idx, static_cast<int64_t>(g.no), g.s.H * g.s.W, "idx");
  cpu::maxpool2d_backward(dx, dout, idx, g.s);
  return undef(info);
}

Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  const Geom g = geom_args(info, 2, false);
  const bool include_pad = bool_arg(info, 13, "countIncludePad");
  float* out = f32(info, 0, "out", g.no);
  const float* x = f32(info, 1, "x", g.nx);
  cpu::avgpool2d_forward(out, x, g.s, include_pad);
  return undef(info);
}

Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  const Geom g = geom_args(info, 2, false);
  const bool include_pad = bool_arg(info, 13, "countIncludePad");
  float* dx = f32(info, 0, "dx", g.nx);
  const float* dout = f32(info, 1, "dout", g.no);
  cpu::avgpool2d_backward(dx, dout, g.s, include_pad);
  return undef(info);
}

struct Adaptive { int64_t NC, H, W, OH, OW; size_t nx, no; };

Adaptive adaptive_args(const Napi::CallbackInfo& info, size_t i) {
  Adaptive a;
  const int64_t N = int_arg(info, i, "N", 0), C = int_arg(info, i + 1, "C", 1);
  a.H = int_arg(info, i + 2, "H", 1);
  a.W = int_arg(info, i + 3, "W", 1);
  a.OH = int_arg(info, i + 4, "OH", 1);
  a.OW = int_arg(info, i + 5, "OW", 1);
  a.NC = N * C;
  a.nx = count(info, {N, C, a.H, a.W}, "x");
  a.no = count(info, {N, C, a.OH, a.OW}, "out");
  return a;
}

Napi::Value AdaptiveAvgPool2dForward(const Napi::CallbackInfo& info) {
  const Adaptive a = adaptive_args(info, 2);
  float* out = f32(info, 0, "out", a.no);
  const float* x = f32(info, 1, "x", a.nx);
  cpu::adaptive_avgpool2d_forward(out, x, a.NC, a.H, a.W, a.OH, a.OW);
  return undef(info);
}

Napi::Value AdaptiveAvgPool2dBackward(const Napi::CallbackInfo& info) {
  const Adaptive a = adaptive_args(info, 2);
  float* dx = f32(info, 0, "dx", a.nx);
  const float* dout = f32(info, 1, "dout", a.no);
  cpu::adaptive_avgpool2d_backward(dx, dout, a.NC, a.H, a.W, a.OH, a.OW);
  return undef(info);
}

}  // namespace

NG_BINDING(ops_pool) {
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPool2dForward, "maxPool2dForward"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgPool2dForward, "avgPool2dForward"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
  exports.Set("adaptiveAvgPool2dForward", Napi::Function::New(env, AdaptiveAvgPool2dForward, "adaptiveAvgPool2dForward"));
  exports.Set("adaptiveAvgPool2dBackward", Napi::Function::New(env, AdaptiveAvgPool2dBackward, "adaptiveAvgPool2dBackward"));
}

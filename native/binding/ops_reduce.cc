// Reduction glue. The axis is given as (outer, dim, inner); see cpu/ops/reduce.h.
//   sumForward(out, x, outer, dim, inner)   sumBackward(dx, dout, outer, dim, inner)   (also mean)
//   maxForward(out, idx, x, outer, dim, inner)   minForward(...)   argmax(idx, x, outer, dim, inner)
//   maxBackward(dx, dout, idx, outer, dim, inner)   (also the backward of min)
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/reduce.h"

namespace {

using namespace ng::binding::ops;
namespace cpu = ng::cpu;

struct Axis { int64_t outer, dim, inner; size_t n_in, n_out; };

Axis axis_args(const Napi::CallbackInfo& info, size_t i, int64_t min_dim) {
  Axis a;
  a.outer = size_arg(info, i, "outer");
  a.dim = ng::binding::int_arg(info, i + 1, "dim", min_dim);
  a.inner = size_arg(info, i + 2, "inner");
  a.n_in = count(info, {a.outer, a.dim, a.inner}, "x");
  a.n_out = count(info, {a.outer, a.inner}, "out");
  return a;
}

void def_sum(Napi::Env env, Napi::Object exports, const char* fwd, const char* bwd,
             void (*f)(float*, const float*, int64_t, int64_t, int64_t),
             void (*b)(float*, const float*, int64_t, int64_t, int64_t)) {
  exports.Set(fwd, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const Axis a = axis_args(info, 2, 0);
    float* p0 = f32(info, 0, "out", a.n_out);
    float* p1 = f32(info, 1, "x", a.n_in);
    f(p0, p1, a.outer, a.dim, a.inner);
    return undef(info);
  }, fwd));
  exports.Set(bwd, Napi::Function::New(env, [b](const Napi::CallbackInfo& info) -> Napi::Value {
    const Axis a = axis_args(info, 2, 0);
    float* p0 = f32(info, 0, "dx", a.n_in);
    float* p1 = f32(info, 1, "dout", a.n_out);
    b(p0, p1, a.outer, a.dim, a.inner);
    return undef(info);
  }, bwd));
}

void def_extreme(Napi::Env env, Napi::Object exports, const char* name,
                 void (*f)(float*, int32_t*, const float*, int64_t, int64_t, int64_t)) {
  exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const Axis a = axis_args(info, 3, 1);
    float* p0 = f32(info, 0, "out", a.n_out);
    int32_t* p1 = i32(info, 1, "idx", a.n_out);
    float* p2 = f32(info, 2, "x", a.n_in);
    f(p0, p1, p2, a.outer, a.dim, a.inner);
    return undef(info);
  }, name));
}

Napi::Value Argmax(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 2, 1);
  int32_t* p0 = i32(info, 0, "idx", a.n_out);
  float* p1 = f32(info, 1, "x", a.n_in);
  cpu::argmax(p0, p1, a.outer, a.dim, a.inner);
  return undef(info);
}

Napi::Value MaxBackward(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 3, 1);
  float* dx = f32(info, 0, "dx", a.n_in);
  const float* dout = f32(info, 1, "dout", a.n_out);
  const int32_t* idx = i32(info, 2, "idx", a.n_out);
  check_indices(info, idx, static_cast<int64_t>(a.n_out), a.dim, "idx");
  cpu::max_backward(dx, dout, idx, a.outer, a.dim, a.inner);
  return undef(info);
}

}  // namespace

NG_BINDING(ops_reduce) {
  def_sum(env, exports, "sumForward", "sumBackward", cpu::sum_forward, cpu::sum_backward);
  def_sum(env, exports, "meanForward", "meanBackward", cpu::mean_forward, cpu::mean_backward);
  def_extreme(env, exports, "maxForward", cpu::max_forward);
  def_extreme(env, exports, "minForward", cpu::min_forward);
  exports.Set("argmax", Napi::Function::New(env, Argmax, "argmax"));
  exports.Set("maxBackward", Napi::Function::New(env, MaxBackward, "maxBackward"));
}

// Elementwise glue: broadcasting binary ops, scalar ops, unary ops, copy/addInto (fill is fillF32).
//   addForward(out, a, aShape, b, bShape)            (also sub, mul, div)
//   addBackward(da|null, db|null, dout, a|null, aShape, b|null, bShape)
// Shapes are JS arrays of <= 4 non-negative integers; out has the broadcast shape.
#include <napi.h>

#include <string>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/elementwise.h"

namespace {

using namespace ng::binding::ops;
using ng::binding::describe_value;
using ng::binding::expected_msg;
namespace cpu = ng::cpu;

// Reads a shape array into 4 dims padded with leading 1s; returns its element count.
size_t shape_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t dims[4]) {
  Napi::Value v = info[i];
  const char* what = "array of at most 4 non-negative integers";
  if (!v.IsArray()) throw Napi::TypeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t r = arr.Length();
  if (r > 4) throw Napi::RangeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  for (int k = 0; k < 4; k++) dims[k] = 1;
  double numel = 1.0;
  for (uint32_t k = 0; k < r; k++) {
    Napi::Value e = arr.Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1.0;
    if (!(d >= 0.0) || d != std::floor(d) || d > 9007199254740991.0) {
      throw Napi::RangeError::New(info.Env(), expected_msg(what, name, "an array with " + describe_value(e) +
                                                                        " at position " + std::to_string(k)));
    }
    dims[4 - r + k] = static_cast<int64_t>(d);
    numel *= d;
  }
  if (numel > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("sizes whose product fits in 2^53", name, describe_value(v)));
  }
  return static_cast<size_t>(numel);
}

std::string shape_str(const int64_t d[4]) {
  return "[" + std::to_string(d[0]) + ", " + std::to_string(d[1]) + ", " + std::to_string(d[2]) + ", " +
         std::to_string(d[3]) + "]";
}

size_t broadcast_or_throw(const Napi::CallbackInfo& info, int64_t out[4], const int64_t a[4], const int64_t b[4]) {
  if (!cpu::broadcast_shape(out, a, b)) {
    throw Napi::RangeError::New(info.Env(), expected_msg("shapes that broadcast", "aShape and bShape",
                                                         shape_str(a) + " and " + shape_str(b)));
  }
  return static_cast<size_t>(out[0] * out[1] * out[2] * out[3]);
}

void def_binary(Napi::Env env, Napi::Object exports, const char* fwd, const char* bwd, cpu::BinaryOp op) {
  exports.Set(fwd, Napi::Function::New(env, [op](const Napi::CallbackInfo& info) -> Napi::Value {
    int64_t as[4], bs[4], os[4];
    const size_t na = shape_arg(info, 2, "aShape", as);
    const size_t nb = shape_arg(info, 4, "bShape", bs);
    const size_t no = broadcast_or_throw(info, os, as, bs);
    float* out = f32(info, 0, "out", no);
    const float* a = f32(info, 1, "a", na);
    const float* b = f32(info, 3, "b", nb);
    cpu::binary_forward(op, out, a, as, b, bs);
    return undef(info);
  }, fwd));
  exports.Set(bwd, Napi::Function::New(env, [op](const Napi::CallbackInfo& info) -> Napi::Value {
    int64_t as[4], bs[4], os[4];
    const size_t na = shape_arg(info, 4, "aShape", as);
    const size_t nb = shape_arg(info, 6, "bShape", bs);
    const size_t no = broadcast_or_throw(info, os, as, bs);
    float* da = f32_or_null(info, 0, "da", na);
    float* db = f32_or_null(info, 1, "db", nb);
    const float* dout = f32(info, 2, "dout", no);
    const bool needs = op == cpu::BinaryOp::mul || op == cpu::BinaryOp::div;
    const float* a = needs ? f32(info, 3, "a", na) : f32_or_null(info, 3, "a", na);
    const float* b = needs ? f32(info, 5, "b", nb) : f32_or_null(info, 5, "b", nb);
    cpu::binary_backward(op, da, db, dout, a, as, b, bs);
    return undef(info);
  }, bwd));
}

// out = f(x, n, s)
void def_scalar(Napi::Env env, Napi::Object exports, const char* name, void (*f)(float*, const float*, int64_t, float)) {
  exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 2, "n");
    const float s = fnum(info, 3, "s");
    float* p0 = f32(info, 0, "out", n);
    float* p1 = f32(info, 1, "x", n);
    f(p0, p1, static_cast<int64_t>(n), s);
    return undef(info);
  }, name));
}

// dx += f(x, dout, n, s)
void def_scalar_bwd(Napi::Env env, Napi::Object exports, const char* name,
                    void (*f)(float*, const float*, const float*, int64_t, float)) {
  exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 3, "n");
    const float s = fnum(info, 4, "s");
    float* p0 = f32(info, 0, "dx", n);
    float* p1 = f32(info, 1, "x", n);
    float* p2 = f32(info, 2, "dout", n);
    f(p0, p1, p2, static_cast<int64_t>(n), s);
    return undef(info);
  }, name));
}

Napi::Value MulScalarBackward(const Napi::CallbackInfo& info) {
  // mulScalarBackward(dx, dout, n, s)
  const size_t n = size_arg(info, 2, "n");
  const float s = fnum(info, 3, "s");
  float* p0 = f32(info, 0, "dx", n);
  float* p1 = f32(info, 1, "dout", n);
  cpu::mul_scalar_backward(p0, p1, static_cast<int64_t>(n), s);
  return undef(info);
}

Napi::Value NegBackward(const Napi::CallbackInfo& info) {
  // negBackward(dx, dout, n)
  const size_t n = size_arg(info, 2, "n");
  float* p0 = f32(info, 0, "dx", n);
  float* p1 = f32(info, 1, "dout", n);
  cpu::neg_backward(p0, p1, static_cast<int64_t>(n));
  return undef(info);
}

Napi::Value ClampForward(const Napi::CallbackInfo& info) {
  // clampForward(out, x, n, lo, hi)
  const size_t n = size_arg(info, 2, "n");
  const float lo = fnum_inf(info, 3, "lo"), hi = fnum_inf(info, 4, "hi");
  float* p0 = f32(info, 0, "out", n);
  float* p1 = f32(info, 1, "x", n);
  cpu::clamp_forward(p0, p1, static_cast<int64_t>(n), lo, hi);
  return undef(info);
}

Napi::Value ClampBackward(const Napi::CallbackInfo& info) {
  // clampBackward(dx, x, dout, n, lo, hi)
  const size_t n = size_arg(info, 3, "n");
  const float lo = fnum_inf(info, 4, "lo"), hi = fnum_inf(info, 5, "hi");
  float* p0 = f32(info, 0, "dx", n);
  float* p1 = f32(info, 1, "x", n);
  float* p2 = f32(info, 2, "dout", n);
  cpu::clamp_backward(p0, p1, p2, static_cast<int64_t>(n), lo, hi);
  return undef(info);
}

Napi::Value AddInto(const Napi::CallbackInfo& info) {
  // addInto(dst, src, n): dst += src
  const size_t n = size_arg(info, 2, "n");
  float* p0 = f32(info, 0, "dst", n);
  float* p1 = f32(info, 1, "src", n);
  cpu::add_inplace(p0, p1, static_cast<int64_t>(n));
  return undef(info);
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  // copy(dst, src, n)
  const size_t n = size_arg(info, 2, "n");
  float* p0 = f32(info, 0, "dst", n);
  float* p1 = f32(info, 1, "src", n);
  cpu::copy_f32(p0, p1, static_cast<int64_t>(n));
  return undef(info);
}

}  // namespace

NG_BINDING(ops_elementwise) {
  def_binary(env, exports, "addForward", "addBackward", cpu::BinaryOp::add);
  def_binary(env, exports, "subForward", "subBackward", cpu::BinaryOp::sub);
  def_binary(env, exports, "mulForward", "mulBackward", cpu::BinaryOp::mul);
  def_binary(env, exports, "divForward", "divBackward", cpu::BinaryOp::div);
  def_scalar(env, exports, "addScalarForward", cpu::add_scalar_forward);
  def_scalar(env, exports, "mulScalarForward", cpu::mul_scalar_forward);
  exports.Set("mulScalarBackward", Napi::Function::New(env, MulScalarBackward, "mulScalarBackward"));
  def_scalar(env, exports, "powScalarForward", cpu::pow_scalar_forward);
  def_scalar_bwd(env, exports, "powScalarBackward", cpu::pow_scalar_backward);
  def_scalar(env, exports, "rdivScalarForward", cpu::rdiv_scalar_forward);
  def_scalar_bwd(env, exports, "rdivScalarBackward", cpu::rdiv_scalar_backward);
  def_unary_forward(env, exports, "negForward", cpu::neg_forward);
  exports.Set("negBackward", Napi::Function::New(env, NegBackward, "negBackward"));
  def_unary_forward(env, exports, "expForward", cpu::exp_forward);
  def_unary_backward(env, exports, "expBackward", cpu::exp_backward, "out");
  def_unary_forward(env, exports, "logForward", cpu::log_forward);
  def_unary_backward(env, exports, "logBackward", cpu::log_backward, "x");
  def_unary_forward(env, exports, "sqrtForward", cpu::sqrt_forward);
  def_unary_backward(env, exports, "sqrtBackward", cpu::sqrt_backward, "out");
  def_unary_forward(env, exports, "absForward", cpu::abs_forward);
  def_unary_backward(env, exports, "absBackward", cpu::abs_backward, "x");
  def_unary_forward(env, exports, "squareForward", cpu::square_forward);
  def_unary_backward(env, exports, "squareBackward", cpu::square_backward, "x");
  exports.Set("clampForward", Napi::Function::New(env, ClampForward, "clampForward"));
  exports.Set("clampBackward", Napi::Function::New(env, ClampBackward, "clampBackward"));
  exports.Set("addInto", Napi::Function::New(env, AddInto, "addInto"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
}

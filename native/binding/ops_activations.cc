// Activation glue: validates lengths, calls ng::cpu::<act>_forward/_backward. No math here.
//   <act>Forward(out, x, n[, attrs])   <act>Backward(dx, saved, dout, n[, attrs])
// saved is x, except sigmoidBackward / tanhBackward, which take the forward output.
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/activations.h"

namespace {

using namespace ng::binding::ops;
namespace cpu = ng::cpu;

using Fwd0 = void (*)(float*, const float*, int64_t);
using Bwd0 = void (*)(float*, const float*, const float*, int64_t);
using Fwd1 = void (*)(float*, const float*, int64_t, float);
using Bwd1 = void (*)(float*, const float*, const float*, int64_t, float);
using Fwd2 = void (*)(float*, const float*, int64_t, float, float);
using Bwd2 = void (*)(float*, const float*, const float*, int64_t, float, float);

void def(Napi::Env env, Napi::Object exports, const char* name, Fwd0 f) { def_unary_forward(env, exports, name, f); }

void def(Napi::Env env, Napi::Object exports, const char* name, Bwd0 f, const char* saved) {
  def_unary_backward(env, exports, name, f, saved);
}

void def(Napi::Env env, Napi::Object exports, const char* name, Fwd1 f, const char* a) {
  exports.Set(name, Napi::Function::New(env, [f, a](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 2, "n");
    const float av = fnum(info, 3, a);
    float* p0 = f32(info, 0, "out", n);
    float* p1 = f32(info, 1, "x", n);
    f(p0, p1, static_cast<int64_t>(n), av);
    return undef(info);
  }, name));
}

void def(Napi::Env env, Napi::Object exports, const char* name, Bwd1 f, const char* a) {
  exports.Set(name, Napi::Function::New(env, [f, a](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 3, "n");
    const float av = fnum(info, 4, a);
    float* p0 = f32(info, 0, "dx", n);
    float* p1 = f32(info, 1, "x", n);
    float* p2 = f32(info, 2, "dout", n);
    f(p0, p1, p2, static_cast<int64_t>(n), av);
    return undef(info);
  }, name));
}

void def(Napi::Env env, Napi::Object exports, const char* name, Fwd2 f, const char* a, const char* b) {
  exports.Set(name, Napi::Function::New(env, [f, a, b](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 2, "n");
    const float av = fnum(info, 3, a), bv = fnum(info, 4, b);
    float* p0 = f32(info, 0, "out", n);
    float* p1 = f32(info, 1, "x", n);
    f(p0, p1, static_cast<int64_t>(n), av, bv);
    return undef(info);
  }, name));
}

void def(Napi::Env env, Napi::Object exports, const char* name, Bwd2 f, const char* a, const char* b) {
  exports.Set(name, Napi::Function::New(env, [f, a, b](const Napi::CallbackInfo& info) -> Napi::Value {
    const size_t n = size_arg(info, 3, "n");
    const float av = fnum(info, 4, a), bv = fnum(info, 5, b);
    float* p0 = f32(info, 0, "dx", n);
    float* p1 = f32(info, 1, "x", n);
    float* p2 = f32(info, 2, "dout", n);
    f(p0, p1, p2, static_cast<int64_t>(n), av, bv);
    return undef(info);
  }, name));
}

}  // namespace

NG_BINDING(ops_activations) {
  def(env, exports, "reluForward", cpu::relu_forward);
  def(env, exports, "reluBackward", cpu::relu_backward, "x");
  def(env, exports, "leakyReluForward", cpu::leaky_relu_forward, "slope");
  def(env, exports, "leakyReluBackward", cpu::leaky_relu_backward, "slope");
  def(env, exports, "eluForward", cpu::elu_forward, "alpha");
  def(env, exports, "eluBackward", cpu::elu_backward, "alpha");
  def(env, exports, "seluForward", cpu::selu_forward);
  def(env, exports, "seluBackward", cpu::selu_backward, "x");
  def(env, exports, "geluForward", cpu::gelu_forward);
  def(env, exports, "geluBackward", cpu::gelu_backward, "x");
  def(env, exports, "geluTanhForward", cpu::gelu_tanh_forward);
  def(env, exports, "geluTanhBackward", cpu::gelu_tanh_backward, "x");
  def(env, exports, "siluForward", cpu::silu_forward);
  def(env, exports, "siluBackward", cpu::silu_backward, "x");
  def(env, exports, "sigmoidForward", cpu::sigmoid_forward);
  def(env, exports, "sigmoidBackward", cpu::sigmoid_backward, "out");
  def(env, exports, "tanhForward", cpu::tanh_forward);
  def(env, exports, "tanhBackward", cpu::tanh_backward, "out");
  def(env, exports, "softplusForward", cpu::softplus_forward, "beta", "threshold");
  def(env, exports, "softplusBackward", cpu::softplus_backward, "beta", "threshold");
}

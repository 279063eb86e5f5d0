// Softmax glue (rows of the last axis).
//   softmaxForward(out, x, N, C)      softmaxBackward(dx, out, dout, N, C)
//   logSoftmaxForward(out, x, N, C)   logSoftmaxBackward(dx, out, dout, N, C)
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/softmax.h"

namespace {

using namespace ng::binding::ops;
namespace cpu = ng::cpu;

void def(Napi::Env env, Napi::Object exports, const char* fwd, const char* bwd,
         void (*f)(float*, const float*, int64_t, int64_t),
         void (*b)(float*, const float*, const float*, int64_t, int64_t)) {
  exports.Set(fwd, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const int64_t N = size_arg(info, 2, "N"), C = size_arg(info, 3, "C");
    const size_t n = count(info, {N, C}, "x");
    float* p0 = f32(info, 0, "out", n);
    float* p1 = f32(info, 1, "x", n);
    f(p0, p1, N, C);
    return undef(info);
  }, fwd));
  exports.Set(bwd, Napi::Function::New(env, [b](const Napi::CallbackInfo& info) -> Napi::Value {
    const int64_t N = size_arg(info, 3, "N"), C = size_arg(info, 4, "C");
    const size_t n = count(info, {N, C}, "out");
    float* p0 = f32(info, 0, "dx", n);
    float* p1 = f32(info, 1, "out", n);
    float* p2 = f32(info, 2, "dout", n);
    b(p0, p1, p2, N, C);
    return undef(info);
  }, bwd));
}

}  // namespace

NG_BINDING(ops_softmax) {
  def(env, exports, "softmaxForward", "softmaxBackward", cpu::softmax_forward, cpu::softmax_backward);
  def(env, exports, "logSoftmaxForward", "logSoftmaxBackward", cpu::log_softmax_forward,
      cpu::log_softmax_backward);
}

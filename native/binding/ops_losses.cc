// Loss glue. Reductions are codes: 0 none, 1 mean, 2 sum (3 batchmean for klDiv).
// Forward functions write the loss into `loss` ((n) per element/sample for none, loss[0]
// otherwise) and return it as a number (the sum for none). Backward functions take dout with
// 1 element (mean/sum/batchmean) or the per-sample shape (none) and ADD into gradients.
// Signatures: see native/cpu/ops/README.md.
#include <napi.h>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/losses.h"

namespace {

using namespace ng::binding::ops;
namespace cpu = ng::cpu;
using cpu::Reduction;

Napi::Value finish(const Napi::CallbackInfo& info, float* reduced, double v) {
  if (reduced) reduced[0] = static_cast<float>(v);
  return Napi::Number::New(info.Env(), v);
}

int32_t ignore_arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int32_t>(int_in(info, i, "ignoreIndex", -2147483647 - 1, 2147483647));
}

float smoothing_arg(const Napi::CallbackInfo& info, size_t i) {
  const double v = ng::binding::num_arg(info, i, "labelSmoothing");
  if (v < 0.0 || v > 1.0) {
    throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg("number in [0, 1]", "labelSmoothing",
                                                                      ng::binding::describe_value(info[i])));
  }
  return static_cast<float>(v);
}

// crossEntropyForward(loss, probs, logits, labels, weight|null, N, C, labelSmoothing, reduction, ignoreIndex)
Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 5, "N"), C = ng::binding::int_arg(info, 6, "C", 1);
  const float ls = smoothing_arg(info, 7);
  const Reduction red = reduction_arg(info, 8);
  const int32_t ignore = ignore_arg(info, 9);
  const size_t nc = count(info, {N, C}, "logits");
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(N), &reduced);
  float* probs = f32(info, 1, "probs", nc);
  const float* logits = f32(info, 2, "logits", nc);
  const int32_t* labels = i32(info, 3, "labels", static_cast<size_t>(N));
  const float* weight = f32_or_null(info, 4, "weight", static_cast<size_t>(C));
  check_indices(info, labels, N, C, "labels", true, ignore);
  return finish(info, reduced, cpu::cross_entropy_forward(losses, probs, logits, labels, weight, N, C, ls, ignore, red));
}

// crossEntropyBackward(dlogits, probs, labels, weight|null, dout, N, C, labelSmoothing, reduction, ignoreIndex)
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 5, "N"), C = ng::binding::int_arg(info, 6, "C", 1);
  const float ls = smoothing_arg(info, 7);
  const Reduction red = reduction_arg(info, 8);
  const int32_t ignore = ignore_arg(info, 9);
  const size_t nc = count(info, {N, C}, "probs");
  float* dl = f32(info, 0, "dlogits", nc);
  const float* probs = f32(info, 1, "probs", nc);
  const int32_t* labels = i32(info, 2, "labels", static_cast<size_t>(N));
  const float* weight = f32_or_null(info, 3, "weight", static_cast<size_t>(C));
  const float* dout = f32(info, 4, "dout", dout_len(red, static_cast<size_t>(N)));
  check_indices(info, labels, N, C, "labels", true, ignore);
  cpu::cross_entropy_backward(dl, probs, labels, weight, dout, N, C, ls, ignore, red);
  return undef(info);
}

// crossEntropyDenseForward(loss, probs, logits, target, weight|null, N, C, labelSmoothing, reduction)
Napi::Value CrossEntropyDenseForward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 5, "N"), C = ng::binding::int_arg(info, 6, "C", 1);
  const float ls = smoothing_arg(info, 7);
  const Reduction red = reduction_arg(info, 8);
  const size_t nc = count(info, {N, C}, "logits");
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(N), &reduced);
  float* probs = f32(info, 1, "probs", nc);
  const float* logits = f32(info, 2, "logits", nc);
  const float* target = f32(info, 3, "target", nc);
  const float* weight = f32_or_null(info, 4, "weight", static_cast<size_t>(C));
  return finish(info, reduced, cpu::cross_entropy_dense_forward(losses, probs, logits, target, weight, N, C, ls, red));
}

// crossEntropyDenseBackward(dlogits, probs, target, weight|null, dout, N, C, labelSmoothing, reduction)
Napi::Value CrossEntropyDenseBackward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 5, "N"), C = ng::binding::int_arg(info, 6, "C", 1);
  const float ls = smoothing_arg(info, 7);
  const Reduction red = reduction_arg(info, 8);
  const size_t nc = count(info, {N, C}, "probs");
  float* dl = f32(info, 0, "dlogits", nc);
  const float* probs = f32(info, 1, "probs", nc);
  const float* target = f32(info, 2, "target", nc);
  const float* weight = f32_or_null(info, 3, "weight", static_cast<size_t>(C));
  const float* dout = f32(info, 4, "dout", dout_len(red, static_cast<size_t>(N)));
  cpu::cross_entropy_dense_backward(dl, probs, target, weight, dout, N, C, ls, red);
  return undef(info);
}

// nllForward(loss, logp, labels, weight|null, N, C, reduction, ignoreIndex)
Napi::Value NllForward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 4, "N"), C = ng::binding::int_arg(info, 5, "C", 1);
  const Reduction red = reduction_arg(info, 6);
  const int32_t ignore = ignore_arg(info, 7);
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(N), &reduced);
  const float* logp = f32(info, 1, "logp", count(info, {N, C}, "logp"));
  const int32_t* labels = i32(info, 2, "labels", static_cast<size_t>(N));
  const float* weight = f32_or_null(info, 3, "weight", static_cast<size_t>(C));
  check_indices(info, labels, N, C, "labels", true, ignore);
  return finish(info, reduced, cpu::nll_forward(losses, logp, labels, weight, N, C, ignore, red));
}

// nllBackward(dlogp, labels, weight|null, dout, N, C, reduction, ignoreIndex)
Napi::Value NllBackward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 4, "N"), C = ng::binding::int_arg(info, 5, "C", 1);
  const Reduction red = reduction_arg(info, 6);
  const int32_t ignore = ignore_arg(info, 7);
  float* d = f32(info, 0, "dlogp", count(info, {N, C}, "dlogp"));
  const int32_t* labels = i32(info, 1, "labels", static_cast<size_t>(N));
  const float* weight = f32_or_null(info, 2, "weight", static_cast<size_t>(C));
  const float* dout = f32(info, 3, "dout", dout_len(red, static_cast<size_t>(N)));
  check_indices(info, labels, N, C, "labels", true, ignore);
  cpu::nll_backward(d, labels, weight, dout, N, C, ignore, red);
  return undef(info);
}

// pos_weight (C) or null; with it, n must be a multiple of C.
const float* pos_weight_arg(const Napi::CallbackInfo& info, size_t i, int64_t n, int64_t C) {
  const float* pw = f32_or_null(info, i, "posWeight", static_cast<size_t>(C));
  if (pw && n % C != 0) {
    throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg(
        "n that is a multiple of C = " + std::to_string(C), "n", std::to_string(n)));
  }
  return pw;
}

// bceWithLogitsForward(loss, x, y, posWeight|null, n, C, reduction)
Napi::Value BceWithLogitsForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 4, "n"), C = ng::binding::int_arg(info, 5, "C", 1);
  const Reduction red = reduction_arg(info, 6);
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(n), &reduced);
  const float* x = f32(info, 1, "x", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  const float* pw = pos_weight_arg(info, 3, n, C);
  return finish(info, reduced, cpu::bce_logits_forward(losses, x, y, pw, n, C, red));
}

// bceWithLogitsBackward(dx, x, y, posWeight|null, dout, n, C, reduction)
Napi::Value BceWithLogitsBackward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 5, "n"), C = ng::binding::int_arg(info, 6, "C", 1);
  const Reduction red = reduction_arg(info, 7);
  float* dx = f32(info, 0, "dx", static_cast<size_t>(n));
  const float* x = f32(info, 1, "x", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  const float* pw = pos_weight_arg(info, 3, n, C);
  const float* dout = f32(info, 4, "dout", dout_len(red, static_cast<size_t>(n)));
  cpu::bce_logits_backward(dx, x, y, pw, dout, n, C, red);
  return undef(info);
}

// bceForward(loss, p, y, n, reduction)
Napi::Value BceForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  const Reduction red = reduction_arg(info, 4);
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(n), &reduced);
  const float* p = f32(info, 1, "p", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  return finish(info, reduced, cpu::bce_forward(losses, p, y, n, red));
}

// bceBackward(dp, p, y, dout, n, reduction)
Napi::Value BceBackward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 4, "n");
  const Reduction red = reduction_arg(info, 5);
  float* dp = f32(info, 0, "dp", static_cast<size_t>(n));
  const float* p = f32(info, 1, "p", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  const float* dout = f32(info, 3, "dout", dout_len(red, static_cast<size_t>(n)));
  cpu::bce_backward(dp, p, y, dout, n, red);
  return undef(info);
}

// Regression losses: <name>Forward(loss, x, y, n[, attr], reduction)
//                    <name>Backward(dx|null, dy|null, x, y, dout, n[, attr], reduction)
using RegF = double (*)(float*, const float*, const float*, int64_t, Reduction);
using RegB = void (*)(float*, float*, const float*, const float*, const float*, int64_t, Reduction);

void def_reg(Napi::Env env, Napi::Object exports, const char* fwd, const char* bwd, RegF f, RegB b) {
  exports.Set(fwd, Napi::Function::New(env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
    const int64_t n = size_arg(info, 3, "n");
    const Reduction red = reduction_arg(info, 4);
    float* reduced;
    float* losses = loss_out(info, 0, red, static_cast<size_t>(n), &reduced);
    const float* x = f32(info, 1, "x", static_cast<size_t>(n));
    const float* y = f32(info, 2, "y", static_cast<size_t>(n));
    return finish(info, reduced, f(losses, x, y, n, red));
  }, fwd));
  exports.Set(bwd, Napi::Function::New(env, [b](const Napi::CallbackInfo& info) -> Napi::Value {
    const int64_t n = size_arg(info, 5, "n");
    const Reduction red = reduction_arg(info, 6);
    float* dx = f32_or_null(info, 0, "dx", static_cast<size_t>(n));
    float* dy = f32_or_null(info, 1, "dy", static_cast<size_t>(n));
    const float* x = f32(info, 2, "x", static_cast<size_t>(n));
    const float* y = f32(info, 3, "y", static_cast<size_t>(n));
    const float* dout = f32(info, 4, "dout", dout_len(red, static_cast<size_t>(n)));
    b(dx, dy, x, y, dout, n, red);
    return undef(info);
  }, bwd));
}

float positive_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const double v = ng::binding::num_arg(info, i, name);
  if (!(v > 0.0)) {
    throw Napi::RangeError::New(info.Env(), ng::binding::expected_msg("positive number", name,
                                                                      ng::binding::describe_value(info[i])));
  }
  return static_cast<float>(v);
}

// huberForward(loss, x, y, n, delta, reduction)
Napi::Value HuberForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  const float delta = positive_arg(info, 4, "delta");
  const Reduction red = reduction_arg(info, 5);
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(n), &reduced);
  const float* x = f32(info, 1, "x", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  return finish(info, reduced, cpu::huber_forward(losses, x, y, n, delta, red));
}

// huberBackward(dx|null, dy|null, x, y, dout, n, delta, reduction)
Napi::Value HuberBackward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 5, "n");
  const float delta = positive_arg(info, 6, "delta");
  const Reduction red = reduction_arg(info, 7);
  float* dx = f32_or_null(info, 0, "dx", static_cast<size_t>(n));
  float* dy = f32_or_null(info, 1, "dy", static_cast<size_t>(n));
  const float* x = f32(info, 2, "x", static_cast<size_t>(n));
  const float* y = f32(info, 3, "y", static_cast<size_t>(n));
  const float* dout = f32(info, 4, "dout", dout_len(red, static_cast<size_t>(n)));
  cpu::huber_backward(dx, dy, x, y, dout, n, delta, red);
  return undef(info);
}

// klDivForward(loss, input, target, n, batch, logTarget, reduction)
Napi::Value KlDivForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n"), batch = ng::binding::int_arg(info, 4, "batch", 1);
  const bool log_target = ng::binding::bool_arg(info, 5, "logTarget");
  const Reduction red = reduction_arg(info, 6, true);
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(n), &reduced);
  const float* input = f32(info, 1, "input", static_cast<size_t>(n));
  const float* target = f32(info, 2, "target", static_cast<size_t>(n));
  return finish(info, reduced, cpu::kl_div_forward(losses, input, target, n, batch, log_target, red));
}

// klDivBackward(dinput, target, dout, n, batch, logTarget, reduction)
Napi::Value KlDivBackward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n"), batch = ng::binding::int_arg(info, 4, "batch", 1);
  const bool log_target = ng::binding::bool_arg(info, 5, "logTarget");
  const Reduction red = reduction_arg(info, 6, true);
  float* d = f32(info, 0, "dinput", static_cast<size_t>(n));
  const float* target = f32(info, 1, "target", static_cast<size_t>(n));
  const float* dout = f32(info, 2, "dout", dout_len(red, static_cast<size_t>(n)));
  cpu::kl_div_backward(d, target, dout, n, batch, log_target, red);
  return undef(info);
}

// hingeForward(loss, x, y, n, margin, reduction)
Napi::Value HingeForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  const float margin = fnum(info, 4, "margin");
  const Reduction red = reduction_arg(info, 5);
  float* reduced;
  float* losses = loss_out(info, 0, red, static_cast<size_t>(n), &reduced);
  const float* x = f32(info, 1, "x", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  return finish(info, reduced, cpu::hinge_forward(losses, x, y, n, margin, red));
}

// hingeBackward(dx, x, y, dout, n, margin, reduction)
Napi::Value HingeBackward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 4, "n");
  const float margin = fnum(info, 5, "margin");
  const Reduction red = reduction_arg(info, 6);
  float* dx = f32(info, 0, "dx", static_cast<size_t>(n));
  const float* x = f32(info, 1, "x", static_cast<size_t>(n));
  const float* y = f32(info, 2, "y", static_cast<size_t>(n));
  const float* dout = f32(info, 3, "dout", dout_len(red, static_cast<size_t>(n)));
  cpu::hinge_backward(dx, x, y, dout, n, margin, red);
  return undef(info);
}

}  // namespace

NG_BINDING(ops_losses) {
  exports.Set("crossEntropyForward", Napi::Function::New(env, CrossEntropyForward, "crossEntropyForward"));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward, "crossEntropyBackward"));
  exports.Set("crossEntropyDenseForward", Napi::Function::New(env, CrossEntropyDenseForward, "crossEntropyDenseForward"));
  exports.Set("crossEntropyDenseBackward", Napi::Function::New(env, CrossEntropyDenseBackward, "crossEntropyDenseBackward"));
  exports.Set("nllForward", Napi::Function::New(env, NllForward, "nllForward"));
  exports.Set("nllBackward", Napi::Function::New(env, NllBackward, "nllBackward"));
  exports.Set("bceWithLogitsForward", Napi::Function::New(env, BceWithLogitsForward, "bceWithLogitsForward"));
  exports.Set("bceWithLogitsBackward", Napi::Function::New(env, BceWithLogitsBackward, "bceWithLogitsBackward"));
  exports.Set("bceForward", Napi::Function::New(env, BceForward, "bceForward"));
  exports.Set("bceBackward", Napi::Function::New(env, BceBackward, "bceBackward"));
  def_reg(env, exports, "mseForward", "mseBackward", cpu::mse_forward, cpu::mse_backward);
  def_reg(env, exports, "l1Forward", "l1Backward", cpu::l1_forward, cpu::l1_backward);
  exports.Set("huberForward", Napi::Function::New(env, HuberForward, "huberForward"));
  exports.Set("huberBackward", Napi::Function::New(env, HuberBackward, "huberBackward"));
  exports.Set("klDivForward", Napi::Function::New(env, KlDivForward, "klDivForward"));
  exports.Set("klDivBackward", Napi::Function::New(env, KlDivBackward, "klDivBackward"));
  exports.Set("hingeForward", Napi::Function::New(env, HingeForward, "hingeForward"));
  exports.Set("hingeBackward", Napi::Function::New(env, HingeBackward, "hingeBackward"));
}

// Kind helpers for layers: fused linear, layer/batch normalization, dropout.
//   linear      linearForward(out, x, w, bias|null, B, C, OC, act, pre|null)
//               act: a LinearAct code (ops/kinds.h); pre (B*OC) is required for gelu/geluTanh
//   linear_bwd  linearBackward(dx|null, dw|null, db|null, dout, x, w, out|null, pre|null, B, C, OC, act)
//               out is required for relu/sigmoid/tanh, pre for gelu/geluTanh
//               (linearBackwardInit: the same arguments; writes dx/dw/db instead of adding into them)
//   layer_norm      layerNormForward(out, mean, rstd, x, weight|null, bias|null, N, C, eps)
//   layer_norm_bwd  layerNormBackward(dx|null, dweight|null, dbias|null, dout, x, weight|null, mean, rstd, N, C)
//   batch_norm      batchNormForward(out, mean, rstd, runningMean|null, runningVar|null, x, weight|null,
//                                    bias|null, N, C, L, eps, momentum, training)
//                   (running statistics required when not training)
//   batch_norm_bwd  batchNormBackward(dx|null, dweight|null, dbias|null, dout, x, weight|null, mean, rstd,
//                                     N, C, L, training)
//                   (batchNormReluForward: the batch_norm arguments; out = max(bn(x), 0))
//   batch_norm_add  batchNormAddReluForward(out, mean, rstd, runningMean|null, runningVar|null, x, residual,
//                   weight|null, bias|null, N, C, L, eps, momentum, training): out = max(bn(x) + residual, 0)
//   batch_norm_relu_bwd  batchNormReluBackward(dx|null, dweight|null, dbias|null, dout, x, weight|null, mean,
//                                              rstd, out, N, C, L, training, dresidual|null|undefined)
//                   out: batchNormReluForward's output; dout is masked where out <= 0; dresidual
//                   (batchNormAddReluForward's residual, needs dx): gets dout masked by out too
//   dropout      dropoutForward(out, mask, x, n, p, seedHi, seedLo, offset)
//                mask: Uint8Array (1 kept / 0 dropped) or Float32Array (0 or 1/(1-p)); element i is
//                dropped when rngUniform's value at stream position offset + i is < p
//   dropout_bwd  dropoutBackward(dx, dout, mask, n, p)    dx += dout * mask (* 1/(1-p) for Uint8Array)
#include <new>

#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;
using ops::LinearAct;

namespace {

struct Dims { int64_t B, C, OC; size_t nx, nw, no; };

Dims linear_dims(const Napi::CallbackInfo& info, size_t i) {
  Dims d;
  d.B = size_arg(info, i, "B");
  d.C = size_arg(info, i + 1, "C");
  d.OC = size_arg(info, i + 2, "OC");
  d.nx = count(info, {d.B, d.C}, "x");
  d.nw = count(info, {d.OC, d.C}, "w");
  d.no = count(info, {d.B, d.OC}, "out");
  return d;
}

LinearAct act_arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<LinearAct>(int_in(info, i, "act", 0, ops::kLinearActCount - 1));
}

bool is_gelu(LinearAct a) { return a == LinearAct::gelu || a == LinearAct::gelu_tanh; }

}  // namespace

Napi::Value kind_linear(const Napi::CallbackInfo& info) {
  const Dims d = linear_dims(info, 4);
  const LinearAct act = act_arg(info, 7);
  float* out = f32(info, 0, "out", d.no);
  const float* x = f32(info, 1, "x", d.nx);
  const float* w = f32(info, 2, "w", d.nw);
  const float* bias = f32_or_null(info, 3, "bias", static_cast<size_t>(d.OC));
  float* pre = is_gelu(act) ? f32(info, 8, "pre", d.no) : nullptr;
  kernel<Kind::linear>(info)(out, pre, x, w, bias, d.B, d.C, d.OC, act);
  return undef(info);
}

Napi::Value kind_linear_bwd(const Napi::CallbackInfo& info) {
  const Dims d = linear_dims(info, 8);
  const LinearAct act = act_arg(info, 11);
  float* dx = f32_or_null(info, 0, "dx", d.nx);
  float* dw = f32_or_null(info, 1, "dw", d.nw);
  float* db = f32_or_null(info, 2, "db", static_cast<size_t>(d.OC));
  const float* dout = f32(info, 3, "dout", d.no);
  const float* x = f32(info, 4, "x", d.nx);
  const float* w = f32(info, 5, "w", d.nw);
  const bool needs_out = act == LinearAct::relu || act == LinearAct::sigmoid || act == LinearAct::tanh;
  const float* out = needs_out ? f32(info, 6, "out", d.no) : f32_or_null(info, 6, "out", d.no);
  const float* pre = is_gelu(act) ? f32(info, 7, "pre", d.no) : f32_or_null(info, 7, "pre", d.no);
  try {
    kernel<Kind::linear_bwd>(info)(dx, dw, db, dout, x, w, out, pre, d.B, d.C, d.OC, act);
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), expected_msg("a size that fits in memory", "B * OC",
                                                         std::to_string(d.no) + " floats of scratch"));
  }
  return undef(info);
}

Napi::Value kind_layer_norm(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 6, "N"), C = int_arg(info, 7, "C", 1);
  const float eps = fnum(info, 8, "eps");
  const size_t n = count(info, {N, C}, "x"), c = static_cast<size_t>(C), rows = static_cast<size_t>(N);
  float* out = f32(info, 0, "out", n);
  float* mean = f32(info, 1, "mean", rows);
  float* rstd = f32(info, 2, "rstd", rows);
  const float* x = f32(info, 3, "x", n);
  const float* w = f32_or_null(info, 4, "weight", c);
  const float* b = f32_or_null(info, 5, "bias", c);
  kernel<Kind::layer_norm>(info)(out, mean, rstd, x, w, b, N, C, eps);
  return undef(info);
}

// The arguments both normalization backwards share: (dx, dweight, dbias, dout, x, weight, mean, rstd)
// with `n` elements, `c` channels and `stats` entries of mean/rstd.
struct NormGrads { float *dx, *dw, *db; const float *dout, *x, *w, *mean, *rstd; };

NormGrads norm_grads(const Napi::CallbackInfo& info, size_t n, size_t c, size_t stats) {
  NormGrads g;
  g.dx = f32_or_null(info, 0, "dx", n);
  g.dw = f32_or_null(info, 1, "dweight", c);
  g.db = f32_or_null(info, 2, "dbias", c);
  g.dout = f32(info, 3, "dout", n);
  g.x = f32(info, 4, "x", n);
  g.w = f32_or_null(info, 5, "weight", c);
  g.mean = f32(info, 6, "mean", stats);
  g.rstd = f32(info, 7, "rstd", stats);
  return g;
}

Napi::Value kind_layer_norm_bwd(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 8, "N"), C = int_arg(info, 9, "C", 1);
  const NormGrads g = norm_grads(info, count(info, {N, C}, "x"), static_cast<size_t>(C), static_cast<size_t>(N));
  kernel<Kind::layer_norm_bwd>(info)(g.dx, g.dw, g.db, g.dout, g.x, g.w, g.mean, g.rstd, N, C);
  return undef(info);
}

// The arguments both batch-norm forwards share: (out, mean, rstd, runningMean, runningVar, x,
// [residual,] weight, bias, N, C, L, eps, momentum, training); res: whether residual is there.
struct BatchNormArgs {
  float *out, *mean, *rstd, *rm, *rv;
  const float *x, *res, *w, *b;
  int64_t N, C, L;
  float eps, momentum;
  bool training;
};

BatchNormArgs batch_norm_args(const Napi::CallbackInfo& info, bool res) {
  const size_t k = res ? 1 : 0;  // arguments after x shift by one with a residual
  BatchNormArgs a;
  a.N = size_arg(info, 8 + k, "N");
  a.C = int_arg(info, 9 + k, "C", 1);
  a.L = int_arg(info, 10 + k, "L", 1);
  a.eps = fnum(info, 11 + k, "eps");
  a.momentum = fnum(info, 12 + k, "momentum");
  a.training = bool_arg(info, 13 + k, "training");
  const size_t n = count(info, {a.N, a.C, a.L}, "x"), c = static_cast<size_t>(a.C);
  a.out = f32(info, 0, "out", n);
  a.mean = f32(info, 1, "mean", c);
  a.rstd = f32(info, 2, "rstd", c);
  a.rm = a.training ? f32_or_null(info, 3, "runningMean", c) : f32(info, 3, "runningMean", c);
  a.rv = a.training ? f32_or_null(info, 4, "runningVar", c) : f32(info, 4, "runningVar", c);
  a.x = f32(info, 5, "x", n);
  a.res = res ? f32(info, 6, "residual", n) : nullptr;
  a.w = f32_or_null(info, 6 + k, "weight", c);
  a.b = f32_or_null(info, 7 + k, "bias", c);
  return a;
}

Napi::Value kind_batch_norm(const Napi::CallbackInfo& info) {
  const BatchNormArgs a = batch_norm_args(info, false);
  kernel<Kind::batch_norm>(info)(a.out, a.mean, a.rstd, a.rm, a.rv, a.x, a.w, a.b, a.N, a.C, a.L, a.eps, a.momentum,
                                 a.training);
  return undef(info);
}

Napi::Value kind_batch_norm_add(const Napi::CallbackInfo& info) {
  const BatchNormArgs a = batch_norm_args(info, true);
  kernel<Kind::batch_norm_add>(info)(a.out, a.mean, a.rstd, a.rm, a.rv, a.x, a.res, a.w, a.b, a.N, a.C, a.L, a.eps,
                                     a.momentum, a.training);
  return undef(info);
}

Napi::Value kind_batch_norm_bwd(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 8, "N"), C = int_arg(info, 9, "C", 1), L = int_arg(info, 10, "L", 1);
  const bool training = bool_arg(info, 11, "training");
  const NormGrads g = norm_grads(info, count(info, {N, C, L}, "x"), static_cast<size_t>(C), static_cast<size_t>(C));
  kernel<Kind::batch_norm_bwd>(info)(g.dx, g.dw, g.db, g.dout, g.x, g.w, g.mean, g.rstd, N, C, L, training);
  return undef(info);
}

Napi::Value kind_batch_norm_relu_bwd(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 9, "N"), C = int_arg(info, 10, "C", 1), L = int_arg(info, 11, "L", 1);
  const bool training = bool_arg(info, 12, "training");
  const size_t n = count(info, {N, C, L}, "x");
  const NormGrads g = norm_grads(info, n, static_cast<size_t>(C), static_cast<size_t>(C));
  const float* out = f32(info, 8, "out", n);
  float* dres = f32_or_null(info, 13, "dresidual", n);
  if (dres && !g.dx) {
    throw Napi::TypeError::New(info.Env(), expected_msg("dx (a Float32Array) with dresidual", "dx", "null"));
  }
  kernel<Kind::batch_norm_relu_bwd>(info)(g.dx, g.dw, g.db, g.dout, g.x, g.w, g.mean, g.rstd, out, N, C, L, training,
                                          dres);
  return undef(info);
}

namespace {

// The mask as uint8 or float (exactly one non-null), with >= n elements.
void mask_arg(const Napi::CallbackInfo& info, size_t i, size_t n, uint8_t** u8, float** f) {
  Napi::Value v = info[i];
  *u8 = nullptr;
  *f = nullptr;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    size_t len = 0;
    uint8_t* data = static_cast<uint8_t*>(view_data(info.Env(), v, "mask", "Uint8Array", &len));
    if (len < n) {
      throw Napi::RangeError::New(info.Env(), expected_msg("Uint8Array of length >= " + std::to_string(n), "mask",
                                                           describe_value(v)));
    }
    *u8 = data;
    return;
  }
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    *f = f32(info, i, "mask", n);
    return;
  }
  throw Napi::TypeError::New(info.Env(), expected_msg("Uint8Array or Float32Array", "mask", describe_value(v)));
}

}  // namespace

Napi::Value kind_dropout(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 3, "n");
  const float p = fnum(info, 4, "p");
  const uint64_t seed = (static_cast<uint64_t>(int_in(info, 5, "seedHi", 0, 4294967295LL)) << 32) |
                        static_cast<uint64_t>(int_in(info, 6, "seedLo", 0, 4294967295LL));
  const uint64_t offset = static_cast<uint64_t>(size_arg(info, 7, "offset"));
  float* out = f32(info, 0, "out", n);
  uint8_t* mu;
  float* mf;
  mask_arg(info, 1, n, &mu, &mf);
  const float* x = f32(info, 2, "x", n);
  kernel<Kind::dropout>(info)(out, mu, mf, x, static_cast<int64_t>(n), p, seed, offset);
  return undef(info);
}

Napi::Value kind_dropout_bwd(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 3, "n");
  const float p = fnum(info, 4, "p");
  float* dx = f32(info, 0, "dx", n);
  const float* dout = f32(info, 1, "dout", n);
  uint8_t* mu;
  float* mf;
  mask_arg(info, 2, n, &mu, &mf);
  kernel<Kind::dropout_bwd>(info)(dx, dout, mu, mf, static_cast<int64_t>(n), p);
  return undef(info);
}

}  // namespace ng::binding

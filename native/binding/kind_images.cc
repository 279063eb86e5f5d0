// Kind helpers for image ops (NCHW): convolution and 2-D pooling. They derive the output size
// from the geometry (PyTorch's rules, ops/kinds.h) so that every buffer length can be checked;
// a geometry with no output (kernel larger than the padded input) or channels that groups do
// not divide is refused here too, since the lengths depend on it.
//   conv2d      conv2dForward(out, x, w, bias|null, ...G, act)
//   conv2d_maxpool2  conv2dMaxPool2Forward(out, x, w, bias|null, ...G, act)   (i13-inf, inference)
//               out: (N, OC, floor(OH / 2), floor(OW / 2)), MaxPool2d(2) of the conv2d output
//   conv2d_residual  conv2dResidualBlockForward(out, x, w1, b1|null, w2, b2|null, N, C, H, W, mid,
//               radiusH1, radiusW1, radiusH2, radiusW2)   (inference)
//               out = relu(x + b2 + conv2(relu(b1 + conv1(x)))): conv1 C -> mid, conv2 mid -> C, each a
//               (2 radiusH + 1) x (2 radiusW + 1) kernel, stride 1, padding (radiusH, radiusW), dilation 1,
//               one group (so both keep H x W); out is x itself or does not overlap it
//   conv2d_proj_block  conv2dProjectionBlockForward(out, x, w1, b1|null, w2, b2|null, wp, bp|null, N, C, H,
//               W, mid, OC, stride, radiusH1, radiusW1, radiusH2, radiusW2, radiusHp, radiusWp)   (inference)
//               out (N, OC, OH, OW) = relu(conv(x, wp) + bp + b2 + conv2(relu(b1 + conv1(x)))): conv1 and the
//               projection at the stride with padding their radii (OH = ceil(H / stride)), conv2 at stride 1;
//               out does not overlap x
//   conv2d_bwd  conv2dBackward(dx|null, dw|null, db|null, dout, x, w, out|null, ...G, act)
//               G = N, C, H, W, OC, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, groups;
//               act: 0 none, 1 relu (then out, the post-activation output, is required)
//   max_pool2d      maxPool2dForward(out, idx|null, x, ...P, dilationH, dilationW, ceilMode)   idx: Int32Array
//                   (null: no indices; CPU only, the CUDA addon requires them)
//   max_pool2d_bwd  maxPool2dBackward(dx, dout, idx, ...P, dilationH, dilationW, ceilMode)
//   avg_pool2d      avgPool2dForward(out, x, ...P, ceilMode, countIncludePad)
//   avg_pool2d_bwd  avgPool2dBackward(dx, dout, ...P, ceilMode, countIncludePad)
//               P = N, C, H, W, KH, KW, strideH, strideW, padH, padW; padding at most half the window
//   adaptive_avg_pool2d      adaptiveAvgPool2dForward(out, x, N, C, H, W, OH, OW)
//   adaptive_avg_pool2d_bwd  adaptiveAvgPool2dBackward(dx, dout, N, C, H, W, OH, OW)
//   upsample_bilinear2d      upsampleBilinear2dForward(out, x, N, C, H, W, OH, OW, alignCorners, scaleH, scaleW)
//   upsample_bilinear2d_bwd  upsampleBilinear2dBackward(dx, dout, N, C, H, W, OH, OW, alignCorners, scaleH, scaleW)
//               scaleH / scaleW: the user's scale factors (> 0) or 0 when the output size was given
#include <cmath>
#include <new>
#include <string>
#include <utility>

#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

namespace {

struct ConvArgs {
  ops::Conv2dGeom g;
  size_t nx, nw, no;
};

void refuse_extent(const Napi::CallbackInfo& info, bool height, int64_t k, int64_t dil, int64_t in, int64_t pad,
                   const char* what) {
  throw Napi::RangeError::New(info.Env(), expected_msg(
      std::string("a ") + what + " extent <= the padded input " + std::to_string(in + 2 * pad), height ? "KH" : "KW",
      "an extent of " + std::to_string(dil * (k - 1) + 1)));
}

ConvArgs conv_args(const Napi::CallbackInfo& info, size_t i) {
  ConvArgs a;
  ops::Conv2dGeom& g = a.g;
  g.N = int_arg(info, i, "N", 0);
  g.C = int_arg(info, i + 1, "C", 1);
  g.H = int_arg(info, i + 2, "H", 1);
  g.W = int_arg(info, i + 3, "W", 1);
  g.OC = int_arg(info, i + 4, "OC", 1);
  g.KH = int_arg(info, i + 5, "KH", 1);
  g.KW = int_arg(info, i + 6, "KW", 1);
  g.sh = int_arg(info, i + 7, "strideH", 1);
  g.sw = int_arg(info, i + 8, "strideW", 1);
  g.ph = int_arg(info, i + 9, "padH", 0);
  g.pw = int_arg(info, i + 10, "padW", 0);
  g.dh = int_arg(info, i + 11, "dilationH", 1);
  g.dw = int_arg(info, i + 12, "dilationW", 1);
  g.groups = int_arg(info, i + 13, "groups", 1);
  for (const auto& [v, name] : {std::pair<int64_t, const char*>{g.C, "C"}, {g.OC, "OC"}}) {
    if (v % g.groups != 0) {
      throw Napi::RangeError::New(info.Env(), expected_msg("a multiple of groups (" + std::to_string(g.groups) + ")",
                                                           name, std::to_string(v)));
    }
  }
  g.OH = ops::conv_out_size(g.H, g.KH, g.sh, g.ph, g.dh);
  g.OW = ops::conv_out_size(g.W, g.KW, g.sw, g.pw, g.dw);
  if (g.OH < 1) refuse_extent(info, true, g.KH, g.dh, g.H, g.ph, "kernel");
  if (g.OW < 1) refuse_extent(info, false, g.KW, g.dw, g.W, g.pw, "kernel");
  a.nx = count(info, {g.N, g.C, g.H, g.W}, "x");
  a.nw = count(info, {g.OC, g.C / g.groups, g.KH, g.KW}, "w");
  a.no = count(info, {g.N, g.OC, g.OH, g.OW}, "out");
  return a;
}

ops::ConvAct conv_act(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<ops::ConvAct>(int_in(info, i, "act", 0, 1));
}

// Converts the backend's scratch allocation failure into a JS error.
template <class F>
void with_scratch(const Napi::CallbackInfo& info, const F& f) {
  try {
    f();
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), expected_msg("a size that fits in memory", "conv2d geometry",
                                                         "more scratch than can be allocated"));
  }
}

struct PoolArgs {
  ops::Pool2dGeom g;
  size_t nx, no;
};

void check_pad(const Napi::CallbackInfo& info, int64_t pad, int64_t extent, const char* name) {
  if (2 * pad > extent) {
    throw Napi::RangeError::New(info.Env(), expected_msg(
        "at most half the window (" + std::to_string(extent / 2) + ")", name, std::to_string(pad)));
  }
}

// P at i; with `dilated`, dilationH/W at i + 10; then ceilMode.
PoolArgs pool_args(const Napi::CallbackInfo& info, size_t i, bool dilated) {
  PoolArgs a;
  ops::Pool2dGeom& g = a.g;
  const int64_t N = int_arg(info, i, "N", 0), C = int_arg(info, i + 1, "C", 1);
  g.H = int_arg(info, i + 2, "H", 1);
  g.W = int_arg(info, i + 3, "W", 1);
  g.KH = int_arg(info, i + 4, "KH", 1);
  g.KW = int_arg(info, i + 5, "KW", 1);
  g.sh = int_arg(info, i + 6, "strideH", 1);
  g.sw = int_arg(info, i + 7, "strideW", 1);
  g.ph = int_arg(info, i + 8, "padH", 0);
  g.pw = int_arg(info, i + 9, "padW", 0);
  g.dh = dilated ? int_arg(info, i + 10, "dilationH", 1) : 1;
  g.dw = dilated ? int_arg(info, i + 11, "dilationW", 1) : 1;
  const bool ceil_mode = bool_arg(info, i + (dilated ? 12 : 10), "ceilMode");
  check_pad(info, g.ph, g.dh * (g.KH - 1) + 1, "padH");
  check_pad(info, g.pw, g.dw * (g.KW - 1) + 1, "padW");
  g.OH = ops::pool_out_size(g.H, g.KH, g.sh, g.ph, g.dh, ceil_mode);
  g.OW = ops::pool_out_size(g.W, g.KW, g.sw, g.pw, g.dw, ceil_mode);
  if (g.OH < 1) refuse_extent(info, true, g.KH, g.dh, g.H, g.ph, "window");
  if (g.OW < 1) refuse_extent(info, false, g.KW, g.dw, g.W, g.pw, "window");
  g.NC = N * C;
  a.nx = count(info, {N, C, g.H, g.W}, "x");
  a.no = count(info, {N, C, g.OH, g.OW}, "out");
  return a;
}

struct AdaptiveArgs { int64_t NC, H, W, OH, OW; size_t nx, no; };

AdaptiveArgs adaptive_args(const Napi::CallbackInfo& info, size_t i) {
  AdaptiveArgs a;
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

struct UpsampleArgs { ops::Upsample2dGeom g; size_t nx, no; };

UpsampleArgs upsample_args(const Napi::CallbackInfo& info, size_t i) {
  UpsampleArgs a;
  ops::Upsample2dGeom& g = a.g;
  const int64_t N = int_arg(info, i, "N", 0), C = int_arg(info, i + 1, "C", 1);
  g.H = int_arg(info, i + 2, "H", 1);
  g.W = int_arg(info, i + 3, "W", 1);
  g.OH = int_arg(info, i + 4, "OH", 1);
  g.OW = int_arg(info, i + 5, "OW", 1);
  g.align_corners = bool_arg(info, i + 6, "alignCorners");
  g.scale_h = num_arg(info, i + 7, "scaleH");
  g.scale_w = num_arg(info, i + 8, "scaleW");
  for (const auto& [v, name] : {std::pair<double, const char*>{g.scale_h, "scaleH"}, {g.scale_w, "scaleW"}}) {
    if (!(v >= 0.0) || !std::isfinite(v)) {
      throw Napi::RangeError::New(info.Env(), expected_msg("a finite scale >= 0 (0: from the sizes)", name,
                                                           std::to_string(v)));
    }
  }
  g.NC = N * C;
  a.nx = count(info, {N, C, g.H, g.W}, "x");
  a.no = count(info, {N, C, g.OH, g.OW}, "out");
  return a;
}

}  // namespace

Napi::Value kind_conv2d(const Napi::CallbackInfo& info) {
  const ConvArgs a = conv_args(info, 4);
  const ops::ConvAct act = conv_act(info, 18);
  float* out = f32(info, 0, "out", a.no);
  const float* x = f32(info, 1, "x", a.nx);
  const float* w = f32(info, 2, "w", a.nw);
  const float* bias = f32_or_null(info, 3, "bias", static_cast<size_t>(a.g.OC));
  with_scratch(info, [&] { kernel<Kind::conv2d>(info)(out, x, w, bias, a.g, act); });
  return undef(info);
}

Napi::Value kind_conv2d_maxpool2(const Napi::CallbackInfo& info) {
  const ConvArgs a = conv_args(info, 4);
  const ops::ConvAct act = conv_act(info, 18);
  for (const auto& [v, name] : {std::pair<int64_t, const char*>{a.g.OH, "H"}, {a.g.OW, "W"}}) {
    if (v < 2) {
      throw Napi::RangeError::New(info.Env(), expected_msg("a convolution output of at least 2 (2x2 max pooling)", name,
                                                           "an output of " + std::to_string(v)));
    }
  }
  float* out = f32(info, 0, "out", count(info, {a.g.N, a.g.OC, a.g.OH / 2, a.g.OW / 2}, "out"));
  const float* x = f32(info, 1, "x", a.nx);
  const float* w = f32(info, 2, "w", a.nw);
  const float* bias = f32_or_null(info, 3, "bias", static_cast<size_t>(a.g.OC));
  with_scratch(info, [&] { kernel<Kind::conv2d_maxpool2>(info)(out, x, w, bias, a.g, act); });
  return undef(info);
}

namespace {

// A convolution of a residual block from its kernel radii at i: a (2 rh + 1) x (2 rw + 1) kernel
// with padding (rh, rw) and the stride, so the output is ceil(H / stride) x ceil(W / stride).
ops::Conv2dGeom block_conv(const Napi::CallbackInfo& info, size_t i, int64_t N, int64_t cin, int64_t H, int64_t W,
                           int64_t cout, int64_t stride, const char* rh_name, const char* rw_name) {
  const int64_t rh = int_arg(info, i, rh_name, 0), rw = int_arg(info, i + 1, rw_name, 0);
  ops::Conv2dGeom g{N, cin, H, W, cout, 2 * rh + 1, 2 * rw + 1, stride, stride, rh, rw, 1, 1, 1, 0, 0};
  g.OH = ops::conv_out_size(H, g.KH, stride, rh, 1);
  g.OW = ops::conv_out_size(W, g.KW, stride, rw, 1);
  return g;
}

// The weights and biases of a block's convolution g at argument w (bias at w + 1).
std::pair<const float*, const float*> block_weights(const Napi::CallbackInfo& info, size_t w, const ops::Conv2dGeom& g,
                                                    const char* wname, const char* bname) {
  return {f32(info, w, wname, count(info, {g.OC, g.C, g.KH, g.KW}, wname)),
          f32_or_null(info, w + 1, bname, static_cast<size_t>(g.OC))};
}

}  // namespace

Napi::Value kind_conv2d_residual(const Napi::CallbackInfo& info) {
  const int64_t N = int_arg(info, 6, "N", 0), C = int_arg(info, 7, "C", 1), H = int_arg(info, 8, "H", 1),
                W = int_arg(info, 9, "W", 1), mid = int_arg(info, 10, "mid", 1);
  const ops::Conv2dGeom g1 = block_conv(info, 11, N, C, H, W, mid, 1, "radiusH1", "radiusW1");
  const ops::Conv2dGeom g2 = block_conv(info, 13, N, mid, H, W, C, 1, "radiusH2", "radiusW2");
  const size_t n = count(info, {N, C, H, W}, "x");
  float* out = f32(info, 0, "out", n);
  const float* x = f32(info, 1, "x", n);
  const auto [w1, b1] = block_weights(info, 2, g1, "w1", "b1");
  const auto [w2, b2] = block_weights(info, 4, g2, "w2", "b2");
  if (out != x && n != 0 && out < x + n && x < out + n) {
    throw Napi::RangeError::New(info.Env(), expected_msg("x itself or memory that does not overlap x", "out",
                                                         "a partly overlapping array"));
  }
  with_scratch(info, [&] { kernel<Kind::conv2d_residual>(info)(out, x, w1, b1, w2, b2, g1, g2); });
  return undef(info);
}

Napi::Value kind_conv2d_proj_block(const Napi::CallbackInfo& info) {
  const int64_t N = int_arg(info, 8, "N", 0), C = int_arg(info, 9, "C", 1), H = int_arg(info, 10, "H", 1),
                W = int_arg(info, 11, "W", 1), mid = int_arg(info, 12, "mid", 1), OC = int_arg(info, 13, "OC", 1),
                stride = int_arg(info, 14, "stride", 1);
  const ops::Conv2dGeom g1 = block_conv(info, 15, N, C, H, W, mid, stride, "radiusH1", "radiusW1");
  const ops::Conv2dGeom g2 = block_conv(info, 17, N, mid, g1.OH, g1.OW, OC, 1, "radiusH2", "radiusW2");
  const ops::Conv2dGeom gp = block_conv(info, 19, N, C, H, W, OC, stride, "radiusHp", "radiusWp");
  const size_t nx = count(info, {N, C, H, W}, "x"), no = count(info, {N, OC, g1.OH, g1.OW}, "out");
  float* out = f32(info, 0, "out", no);
  const float* x = f32(info, 1, "x", nx);
  const auto [w1, b1] = block_weights(info, 2, g1, "w1", "b1");
  const auto [w2, b2] = block_weights(info, 4, g2, "w2", "b2");
  const auto [wp, bp] = block_weights(info, 6, gp, "wp", "bp");
  if (no != 0 && nx != 0 && out < x + nx && x < out + no) {
    throw Napi::RangeError::New(info.Env(), expected_msg("an out that does not overlap x", "out", "overlapping memory"));
  }
  with_scratch(info, [&] { kernel<Kind::conv2d_proj_block>(info)(out, x, w1, b1, w2, b2, wp, bp, g1, g2, gp); });
  return undef(info);
}

Napi::Value kind_conv2d_bwd(const Napi::CallbackInfo& info) {
  const ConvArgs a = conv_args(info, 7);
  const ops::ConvAct act = conv_act(info, 21);
  float* dx = f32_or_null(info, 0, "dx", a.nx);
  float* dw = f32_or_null(info, 1, "dw", a.nw);
  float* db = f32_or_null(info, 2, "db", static_cast<size_t>(a.g.OC));
  const float* dout = f32(info, 3, "dout", a.no);
  const float* x = f32(info, 4, "x", a.nx);
  const float* w = f32(info, 5, "w", a.nw);
  const float* out = act == ops::ConvAct::relu ? f32(info, 6, "out", a.no) : f32_or_null(info, 6, "out", a.no);
  with_scratch(info, [&] { kernel<Kind::conv2d_bwd>(info)(dx, dw, db, dout, x, w, out, a.g, act); });
  return undef(info);
}

Napi::Value kind_max_pool2d(const Napi::CallbackInfo& info) {
  const PoolArgs a = pool_args(info, 3, true);
  float* out = f32(info, 0, "out", a.no);
  const float* x = f32(info, 2, "x", a.nx);  // before idx, which may be absent
#ifdef NG_DEVICE_ARGS
  int32_t* idx = i32(info, 1, "idx", a.no);  // device backends always write the indices
#else
  int32_t* idx = nullptr;  // null: no indices (CPU inference)
  if (!is_nullish(info[1])) {
    const Napi::Value v = info[1];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(info.Env(), expected_msg("Int32Array or null", "idx", describe_value(v)));
    }
    idx = i32(info, 1, "idx", a.no);
  }
#endif
  kernel<Kind::max_pool2d>(info)(out, idx, x, a.g);
  return undef(info);
}

Napi::Value kind_max_pool2d_bwd(const Napi::CallbackInfo& info) {
  const PoolArgs a = pool_args(info, 3, true);
  float* dx = f32(info, 0, "dx", a.nx);
  const float* dout = f32(info, 1, "dout", a.no);
  const int32_t* idx = i32(info, 2, "idx", a.no);
  check_indices(info, idx, static_cast<int64_t>(a.no), a.g.H * a.g.W, "idx");
  kernel<Kind::max_pool2d_bwd>(info)(dx, dout, idx, a.g);
  return undef(info);
}

Napi::Value kind_avg_pool2d(const Napi::CallbackInfo& info) {
  const PoolArgs a = pool_args(info, 2, false);
  const bool include_pad = bool_arg(info, 13, "countIncludePad");
  float* out = f32(info, 0, "out", a.no);
  const float* x = f32(info, 1, "x", a.nx);
  kernel<Kind::avg_pool2d>(info)(out, x, a.g, include_pad);
  return undef(info);
}

Napi::Value kind_avg_pool2d_bwd(const Napi::CallbackInfo& info) {
  const PoolArgs a = pool_args(info, 2, false);
  const bool include_pad = bool_arg(info, 13, "countIncludePad");
  float* dx = f32(info, 0, "dx", a.nx);
  const float* dout = f32(info, 1, "dout", a.no);
  kernel<Kind::avg_pool2d_bwd>(info)(dx, dout, a.g, include_pad);
  return undef(info);
}

Napi::Value kind_adaptive_avg_pool2d(const Napi::CallbackInfo& info) {
  const AdaptiveArgs a = adaptive_args(info, 2);
  float* out = f32(info, 0, "out", a.no);
  const float* x = f32(info, 1, "x", a.nx);
  kernel<Kind::adaptive_avg_pool2d>(info)(out, x, a.NC, a.H, a.W, a.OH, a.OW);
  return undef(info);
}

Napi::Value kind_adaptive_avg_pool2d_bwd(const Napi::CallbackInfo& info) {
  const AdaptiveArgs a = adaptive_args(info, 2);
  float* dx = f32(info, 0, "dx", a.nx);
  const float* dout = f32(info, 1, "dout", a.no);
  kernel<Kind::adaptive_avg_pool2d_bwd>(info)(dx, dout, a.NC, a.H, a.W, a.OH, a.OW);
  return undef(info);
}

Napi::Value kind_upsample_bilinear2d(const Napi::CallbackInfo& info) {
  const UpsampleArgs a = upsample_args(info, 2);
  float* out = f32(info, 0, "out", a.no);
  const float* x = f32(info, 1, "x", a.nx);
  kernel<Kind::upsample_bilinear2d>(info)(out, x, a.g);
  return undef(info);
}

Napi::Value kind_upsample_bilinear2d_bwd(const Napi::CallbackInfo& info) {
  const UpsampleArgs a = upsample_args(info, 2);
  float* dx = f32(info, 0, "dx", a.nx);
  const float* dout = f32(info, 1, "dout", a.no);
  kernel<Kind::upsample_bilinear2d_bwd>(info)(dx, dout, a.g);
  return undef(info);
}

}  // namespace ng::binding

// Kind helpers for row-wise ops and reductions over an axis given as (outer, dim, inner).
//   rows              name(out, x, N, C)                 rows_bwd  name(dx, out, dout, N, C)
//   reduce            name(out, x, outer, dim, inner)    reduce_bwd  name(dx, dout, outer, dim, inner)
//   reduce_index      name(out, idx, x, outer, dim, inner)     (dim >= 1)
//   reduce_index_bwd  name(dx, dout, idx, outer, dim, inner)   (idx entries checked: they index dx)
//   argmax            name(idx, x, outer, dim, inner)
#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

namespace {

struct Axis { int64_t outer, dim, inner; size_t n_in, n_out; };

Axis axis_args(const Napi::CallbackInfo& info, size_t i, int64_t min_dim) {
  Axis a;
  a.outer = size_arg(info, i, "outer");
  a.dim = int_arg(info, i + 1, "dim", min_dim);
  a.inner = size_arg(info, i + 2, "inner");
  a.n_in = count(info, {a.outer, a.dim, a.inner}, "x");
  a.n_out = count(info, {a.outer, a.inner}, "out");
  return a;
}

}  // namespace

Napi::Value kind_rows(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 2, "N"), C = size_arg(info, 3, "C");
  const size_t n = count(info, {N, C}, "x");
  float* out = f32(info, 0, "out", n);
  const float* x = f32(info, 1, "x", n);
  kernel<Kind::rows>(info)(out, x, N, C);
  return undef(info);
}

Napi::Value kind_rows_bwd(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 3, "N"), C = size_arg(info, 4, "C");
  const size_t n = count(info, {N, C}, "out");
  float* dx = f32(info, 0, "dx", n);
  const float* out = f32(info, 1, "out", n);
  const float* dout = f32(info, 2, "dout", n);
  kernel<Kind::rows_bwd>(info)(dx, out, dout, N, C);
  return undef(info);
}

Napi::Value kind_reduce(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 2, 0);
  float* out = f32(info, 0, "out", a.n_out);
  const float* x = f32(info, 1, "x", a.n_in);
  kernel<Kind::reduce>(info)(out, x, a.outer, a.dim, a.inner);
  return undef(info);
}

Napi::Value kind_reduce_bwd(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 2, 0);
  float* dx = f32(info, 0, "dx", a.n_in);
  const float* dout = f32(info, 1, "dout", a.n_out);
  kernel<Kind::reduce_bwd>(info)(dx, dout, a.outer, a.dim, a.inner);
  return undef(info);
}

Napi::Value kind_reduce_index(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 3, 1);
  float* out = f32(info, 0, "out", a.n_out);
  int32_t* idx = i32(info, 1, "idx", a.n_out);
  const float* x = f32(info, 2, "x", a.n_in);
  kernel<Kind::reduce_index>(info)(out, idx, x, a.outer, a.dim, a.inner);
  return undef(info);
}

Napi::Value kind_reduce_index_bwd(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 3, 1);
  float* dx = f32(info, 0, "dx", a.n_in);
  const float* dout = f32(info, 1, "dout", a.n_out);
  const int32_t* idx = i32(info, 2, "idx", a.n_out);
  check_indices(info, idx, static_cast<int64_t>(a.n_out), a.dim, "idx");
  kernel<Kind::reduce_index_bwd>(info)(dx, dout, idx, a.outer, a.dim, a.inner);
  return undef(info);
}

Napi::Value kind_argmax(const Napi::CallbackInfo& info) {
  const Axis a = axis_args(info, 2, 1);
  int32_t* idx = i32(info, 0, "idx", a.n_out);
  const float* x = f32(info, 1, "x", a.n_in);
  kernel<Kind::argmax>(info)(idx, x, a.outer, a.dim, a.inner);
  return undef(info);
}

}  // namespace ng::binding

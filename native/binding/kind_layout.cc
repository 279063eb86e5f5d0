// Kind helpers for layout ops: concat, slice and transpose.
//   concat      concatForward(out, inputs[], dims[], outer, inner)
//   concat_bwd  concatBackward(dinputs[] (entries may be null), dout, dims[], outer, inner)
//   slice       sliceForward(out, x, outer, dim, inner, start, len)
//   slice_bwd   sliceBackward(dx, dout, outer, dim, inner, start, len)
//   transpose   name(out, x, B, R, C): the last two axes of (B, R, C) swapped (backward: the inverse)
//   permute     name(a, b, shape, perm): shape the input's (<= 8 sizes), perm a permutation of its
//               axes; forward (out, x), backward (dx, dout)
#include <cmath>
#include <string>
#include <vector>

#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

namespace {

// dims[] as a JS array of non-negative integers; returns their sum.
int64_t dims_arg(const Napi::CallbackInfo& info, size_t i, std::vector<int64_t>* dims) {
  Napi::Value v = info[i];
  if (!v.IsArray()) {
    throw Napi::TypeError::New(info.Env(), expected_msg("array of non-negative integers", "dims", describe_value(v)));
  }
  Napi::Array a = v.As<Napi::Array>();
  int64_t total = 0;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1.0;
    if (!(d >= 0.0) || d != std::floor(d) || d > 9007199254740991.0) {
      throw Napi::RangeError::New(info.Env(), expected_msg("non-negative integer", "dims[" + std::to_string(k) + "]",
                                                           describe_value(e)));
    }
    dims->push_back(static_cast<int64_t>(d));
    total += static_cast<int64_t>(d);
  }
  return total;
}

// Array of Float32Array (entries may be null when nullable), each with >= outer*dims[k]*inner.
std::vector<float*> arrays_arg(const Napi::CallbackInfo& info, size_t i, const char* name,
                               const std::vector<int64_t>& dims, int64_t outer, int64_t inner, bool nullable) {
  Napi::Value v = info[i];
  if (!v.IsArray() || v.As<Napi::Array>().Length() != dims.size()) {
    throw Napi::TypeError::New(info.Env(), expected_msg("array of " + std::to_string(dims.size()) + " Float32Arrays",
                                                        name, describe_value(v)));
  }
  Napi::Array a = v.As<Napi::Array>();
  std::vector<float*> out(dims.size(), nullptr);
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    const std::string ename = std::string(name) + "[" + std::to_string(k) + "]";
    if (nullable && is_nullish(e)) continue;
    const size_t need = count(info, {outer, dims[k], inner}, ename.c_str());
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(info.Env(), expected_msg(nullable ? "Float32Array or null" : "Float32Array", ename,
                                                          describe_value(e)));
    }
    size_t len = 0;
    float* data = static_cast<float*>(view_data(info.Env(), e, ename, "Float32Array", &len));
    if (len < need) {
      throw Napi::RangeError::New(info.Env(), expected_msg("Float32Array of length >= " + std::to_string(need), ename,
                                                           describe_value(e)));
    }
    out[k] = data;
  }
  return out;
}

struct Concat { std::vector<int64_t> dims; int64_t total, outer, inner; size_t n_full; };

Concat concat_args(const Napi::CallbackInfo& info, const char* full_name) {
  Concat c;
  c.total = dims_arg(info, 2, &c.dims);
  c.outer = size_arg(info, 3, "outer");
  c.inner = size_arg(info, 4, "inner");
  c.n_full = count(info, {c.outer, c.total, c.inner}, full_name);
  return c;
}

struct Slice { int64_t outer, dim, inner, start, len; size_t n_full, n_part; };

Slice slice_args(const Napi::CallbackInfo& info) {
  Slice s;
  s.outer = size_arg(info, 2, "outer");
  s.dim = size_arg(info, 3, "dim");
  s.inner = size_arg(info, 4, "inner");
  s.start = int_in(info, 5, "start", 0, s.dim);          // start and len address memory:
  s.len = int_in(info, 6, "len", 0, s.dim - s.start);    // checked here
  s.n_full = count(info, {s.outer, s.dim, s.inner}, "x");
  s.n_part = count(info, {s.outer, s.len, s.inner}, "out");
  return s;
}

}  // namespace

Napi::Value kind_concat(const Napi::CallbackInfo& info) {
  const Concat c = concat_args(info, "out");
  float* out = f32(info, 0, "out", c.n_full);
  std::vector<float*> ins = arrays_arg(info, 1, "inputs", c.dims, c.outer, c.inner, false);
  kernel<Kind::concat>(info)(out, ins.data(), c.dims.data(), static_cast<int64_t>(c.dims.size()), c.outer, c.inner);
  return undef(info);
}

Napi::Value kind_concat_bwd(const Napi::CallbackInfo& info) {
  const Concat c = concat_args(info, "dout");
  std::vector<float*> dins = arrays_arg(info, 0, "dinputs", c.dims, c.outer, c.inner, true);
  const float* dout = f32(info, 1, "dout", c.n_full);
  kernel<Kind::concat_bwd>(info)(dins.data(), dout, c.dims.data(), static_cast<int64_t>(c.dims.size()), c.outer,
                                 c.inner);
  return undef(info);
}

Napi::Value kind_slice(const Napi::CallbackInfo& info) {
  const Slice s = slice_args(info);
  float* out = f32(info, 0, "out", s.n_part);
  const float* x = f32(info, 1, "x", s.n_full);
  kernel<Kind::slice>(info)(out, x, s.outer, s.dim, s.inner, s.start, s.len);
  return undef(info);
}

Napi::Value kind_slice_bwd(const Napi::CallbackInfo& info) {
  const Slice s = slice_args(info);
  float* dx = f32(info, 0, "dx", s.n_full);
  const float* dout = f32(info, 1, "dout", s.n_part);
  kernel<Kind::slice_bwd>(info)(dx, dout, s.outer, s.dim, s.inner, s.start, s.len);
  return undef(info);
}

Napi::Value kind_transpose(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  const int64_t B = size_arg(info, 2, "B"), R = size_arg(info, 3, "R"), C = size_arg(info, 4, "C");
  const size_t n = count(info, {B, R, C}, "x");
  float* out = f32(info, 0, c.param(0), n);
  const float* x = f32(info, 1, c.param(1), n);
  kernel<Kind::transpose>(info)(out, x, B, R, C);
  return undef(info);
}

Napi::Value kind_permute(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  ops::PermuteGeom g{};
  std::vector<int64_t> dims;
  dims_arg(info, 2, &dims);
  if (dims.size() > static_cast<size_t>(ops::kMaxPermuteRank)) {
    throw Napi::RangeError::New(info.Env(), expected_msg("at most " + std::to_string(ops::kMaxPermuteRank) + " dims", "dims",
                                                         "an array of length " + std::to_string(dims.size())));
  }
  g.rank = static_cast<int>(dims.size());
  for (int k = 0; k < g.rank; k++) g.dims[k] = dims[k];
  // perm: each axis exactly once (the kernel indexes dims and strides by it).
  Napi::Value pv = info[3];
  const std::string what = g.rank == 0 ? "empty array (a shape with no axes has nothing to permute)"
                                       : "permutation of 0.." + std::to_string(g.rank - 1);
  if (!pv.IsArray() || pv.As<Napi::Array>().Length() != static_cast<uint32_t>(g.rank)) {
    throw Napi::TypeError::New(info.Env(), expected_msg(what, "perm", describe_value(pv)));
  }
  Napi::Array pa = pv.As<Napi::Array>();
  bool seen[ops::kMaxPermuteRank] = {};
  for (int k = 0; k < g.rank; k++) {
    Napi::Value e = pa.Get(static_cast<uint32_t>(k));
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1.0;
    if (!(d >= 0.0 && d < g.rank) || d != std::floor(d) || seen[static_cast<int>(d)]) {
      throw Napi::RangeError::New(info.Env(), expected_msg(what, "perm", "an array with " + describe_value(e) +
                                                                          " at position " + std::to_string(k)));
    }
    seen[static_cast<int>(d)] = true;
    g.perm[k] = static_cast<int>(d);
  }
  const size_t n = count(info, g.dims, g.dims + g.rank, "x");
  float* a = f32(info, 0, c.param(0), n);
  const float* b = f32(info, 1, c.param(1), n);
  kernel<Kind::permute>(info)(a, b, g);
  return undef(info);
}

}  // namespace ng::binding

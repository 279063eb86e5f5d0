// Data-movement glue: embedding, row gather/scatter, concat, slice, transpose.
//   embeddingForward(out, weight, indices, N, V, D)
//   embeddingBackward(dweight, dout, indices, N, V, D, paddingIdx)   (-1: no padding index)
//   gatherRows(out, src, indices, nIdx, N, D)      out/src both Float32Array or both Int32Array
//   scatterAddRows(dsrc, dout, indices, nIdx, N, D)
//   concatForward(out, inputs[], dims[], outer, inner)
//   concatBackward(dinputs[] (entries may be null), dout, dims[], outer, inner)
//   sliceForward(out, x, outer, dim, inner, start, len)   sliceBackward(dx, dout, outer, dim, inner, start, len)
//   transposeForward(out, x, B, R, C)   transposeBackward(dx, dout, B, R, C)
#include <napi.h>

#include <vector>

#include "binding/ops_args.h"
#include "binding/registry.h"
#include "cpu/ops/embedding.h"
#include "cpu/ops/gather.h"

namespace {

using namespace ng::binding::ops;
using ng::binding::describe_value;
using ng::binding::expected_msg;
namespace cpu = ng::cpu;

Napi::Value EmbeddingForward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 3, "N"), V = size_arg(info, 4, "V"), D = size_arg(info, 5, "D");
  float* out = f32(info, 0, "out", count(info, {N, D}, "out"));
  const float* w = f32(info, 1, "weight", count(info, {V, D}, "weight"));
  const int32_t* idx = i32(info, 2, "indices", static_cast<size_t>(N));
  check_indices(info, idx, N, V, "indices");
  cpu::embedding_forward(out, w, idx, N, D);
  return undef(info);
}

Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  const int64_t N = size_arg(info, 3, "N"), V = size_arg(info, 4, "V"), D = size_arg(info, 5, "D");
  const int32_t pad = static_cast<int32_t>(int_in(info, 6, "paddingIdx", -1, V - 1));
  float* dw = f32(info, 0, "dweight", count(info, {V, D}, "dweight"));
  const float* dout = f32(info, 1, "dout", count(info, {N, D}, "dout"));
  const int32_t* idx = i32(info, 2, "indices", static_cast<size_t>(N));
  check_indices(info, idx, N, V, "indices");
  cpu::embedding_backward(dw, dout, idx, N, D, pad);
  return undef(info);
}

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  const int64_t nidx = size_arg(info, 3, "nIdx"), N = size_arg(info, 4, "N"), D = size_arg(info, 5, "D");
  const size_t no = count(info, {nidx, D}, "out"), ns = count(info, {N, D}, "src");
  const int32_t* idx = i32(info, 2, "indices", static_cast<size_t>(nidx));
  const bool is_i32 = info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array;
  if (!is_i32 && !(info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array)) {
    throw Napi::TypeError::New(info.Env(), expected_msg("Float32Array or Int32Array", "out", describe_value(info[0])));
  }
  if (is_i32) {
    int32_t* out = i32(info, 0, "out", no);
    const int32_t* src = i32(info, 1, "src", ns);
    check_indices(info, idx, nidx, N, "indices");
    cpu::gather_rows_i32(out, src, idx, nidx, D);
  } else {
    float* out = f32(info, 0, "out", no);
    const float* src = f32(info, 1, "src", ns);
    check_indices(info, idx, nidx, N, "indices");
    cpu::gather_rows_f32(out, src, idx, nidx, D);
  }
  return undef(info);
}

Napi::Value ScatterAddRows(const Napi::CallbackInfo& info) {
  const int64_t nidx = size_arg(info, 3, "nIdx"), N = size_arg(info, 4, "N"), D = size_arg(info, 5, "D");
  float* dsrc = f32(info, 0, "dsrc", count(info, {N, D}, "dsrc"));
  const float* dout = f32(info, 1, "dout", count(info, {nidx, D}, "dout"));
  const int32_t* idx = i32(info, 2, "indices", static_cast<size_t>(nidx));
  check_indices(info, idx, nidx, N, "indices");
  cpu::scatter_add_rows(dsrc, dout, idx, nidx, D);
  return undef(info);
}

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
    float* data = static_cast<float*>(ng::binding::view_data(info.Env(), e, ename, "Float32Array", &len));
    if (len < need) {
      throw Napi::RangeError::New(info.Env(), expected_msg("Float32Array of length >= " + std::to_string(need), ename,
                                                           describe_value(e)));
    }
    out[k] = data;
  }
  return out;
}

Napi::Value ConcatForward(const Napi::CallbackInfo& info) {
  std::vector<int64_t> dims;
  const int64_t total = dims_arg(info, 2, &dims);
  const int64_t outer = size_arg(info, 3, "outer"), inner = size_arg(info, 4, "inner");
  float* out = f32(info, 0, "out", count(info, {outer, total, inner}, "out"));
  std::vector<float*> ins = arrays_arg(info, 1, "inputs", dims, outer, inner, false);
  cpu::concat_forward(out, ins.data(), dims.data(), static_cast<int64_t>(dims.size()), outer, inner);
  return undef(info);
}

Napi::Value ConcatBackward(const Napi::CallbackInfo& info) {
  std::vector<int64_t> dims;
  const int64_t total = dims_arg(info, 2, &dims);
  const int64_t outer = size_arg(info, 3, "outer"), inner = size_arg(info, 4, "inner");
  std::vector<float*> dins = arrays_arg(info, 0, "dinputs", dims, outer, inner, true);
  const float* dout = f32(info, 1, "dout", count(info, {outer, total, inner}, "dout"));
  cpu::concat_backward(dins.data(), dout, dims.data(), static_cast<int64_t>(dims.size()), outer, inner);
  return undef(info);
}

struct SliceArgs { int64_t outer, dim, inner, start, len; size_t n_full, n_part; };

SliceArgs slice_args(const Napi::CallbackInfo& info, size_t i) {
  SliceArgs s;
  s.outer = size_arg(info, i, "outer");
  s.dim = size_arg(info, i + 1, "dim");
  s.inner = size_arg(info, i + 2, "inner");
  s.start = int_in(info, i + 3, "start", 0, s.dim);
  s.len = int_in(info, i + 4, "len", 0, s.dim - s.start);
  s.n_full = count(info, {s.outer, s.dim, s.inner}, "x");
  s.n_part = count(info, {s.outer, s.len, s.inner}, "out");
  return s;
}

Napi::Value SliceForward(const Napi::CallbackInfo& info) {
  const SliceArgs s = slice_args(info, 2);
  float* p0 = f32(info, 0, "out", s.n_part);
  float* p1 = f32(info, 1, "x", s.n_full);
  cpu::slice_forward(p0, p1, s.outer, s.dim, s.inner, s.start, s.len);
  return undef(info);
}

Napi::Value SliceBackward(const Napi::CallbackInfo& info) {
  const SliceArgs s = slice_args(info, 2);
  float* p0 = f32(info, 0, "dx", s.n_full);
  float* p1 = f32(info, 1, "dout", s.n_part);
  cpu::slice_backward(p0, p1, s.outer, s.dim, s.inner, s.start, s.len);
  return undef(info);
}

Napi::Value TransposeForward(const Napi::CallbackInfo& info) {
  const int64_t B = size_arg(info, 2, "B"), R = size_arg(info, 3, "R"), C = size_arg(info, 4, "C");
  const size_t n = count(info, {B, R, C}, "x");
  float* p0 = f32(info, 0, "out", n);
  float* p1 = f32(info, 1, "x", n);
  cpu::transpose_forward(p0, p1, B, R, C);
  return undef(info);
}

Napi::Value TransposeBackward(const Napi::CallbackInfo& info) {
  const int64_t B = size_arg(info, 2, "B"), R = size_arg(info, 3, "R"), C = size_arg(info, 4, "C");
  const size_t n = count(info, {B, R, C}, "x");
  float* p0 = f32(info, 0, "dx", n);
  float* p1 = f32(info, 1, "dout", n);
  cpu::transpose_backward(p0, p1, B, R, C);
  return undef(info);
}

}  // namespace

NG_BINDING(ops_gather) {
  exports.Set("embeddingForward", Napi::Function::New(env, EmbeddingForward, "embeddingForward"));
  exports.Set("embeddingBackward", Napi::Function::New(env, EmbeddingBackward, "embeddingBackward"));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows, "gatherRows"));
  exports.Set("scatterAddRows", Napi::Function::New(env, ScatterAddRows, "scatterAddRows"));
  exports.Set("concatForward", Napi::Function::New(env, ConcatForward, "concatForward"));
  exports.Set("concatBackward", Napi::Function::New(env, ConcatBackward, "concatBackward"));
  exports.Set("sliceForward", Napi::Function::New(env, SliceForward, "sliceForward"));
  exports.Set("sliceBackward", Napi::Function::New(env, SliceBackward, "sliceBackward"));
  exports.Set("transposeForward", Napi::Function::New(env, TransposeForward, "transposeForward"));
  exports.Set("transposeBackward", Napi::Function::New(env, TransposeBackward, "transposeBackward"));
}

// Kind helpers for ops that read rows by index. The indices are scanned here (they address
// memory): every entry must lie in [0, rows).
//   embedding         embeddingForward(out, weight, indices, N, V, D)
//   embedding_bwd     embeddingBackward(dweight, dout, indices, N, V, D, paddingIdx)   (-1: none)
//   gather_rows       gatherRows(out, src, indices, nIdx, N, D)        Float32Array rows
//   gather_rows_i32   gatherRowsI32(out, src, indices, nIdx, N, D)     Int32Array rows
//   scatter_add_rows  scatterAddRows(dsrc, dout, indices, nIdx, N, D)  dsrc[indices[i]] += dout[i]
#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

namespace {

// (nIdx, N, D) at i..i+2 and the indices at `at`, checked against N.
struct Rows { int64_t nidx, N, D; const int32_t* idx; };

Rows rows_args(const Napi::CallbackInfo& info, size_t at, size_t i, const char* nidx_name, const char* n_name) {
  Rows r;
  r.nidx = size_arg(info, i, nidx_name);
  r.N = size_arg(info, i + 1, n_name);
  r.D = size_arg(info, i + 2, "D");
  r.idx = i32(info, at, "indices", static_cast<size_t>(r.nidx));
  check_indices(info, r.idx, r.nidx, r.N, "indices");
  return r;
}

}  // namespace

Napi::Value kind_embedding(const Napi::CallbackInfo& info) {
  const Rows r = rows_args(info, 2, 3, "N", "V");
  float* out = f32(info, 0, "out", count(info, {r.nidx, r.D}, "out"));
  const float* w = f32(info, 1, "weight", count(info, {r.N, r.D}, "weight"));
  kernel<Kind::embedding>(info)(out, w, r.idx, r.nidx, r.D);
  return undef(info);
}

Napi::Value kind_embedding_bwd(const Napi::CallbackInfo& info) {
  const Rows r = rows_args(info, 2, 3, "N", "V");
  const int32_t pad = static_cast<int32_t>(int_in(info, 6, "paddingIdx", -1, r.N - 1));
  float* dw = f32(info, 0, "dweight", count(info, {r.N, r.D}, "dweight"));
  const float* dout = f32(info, 1, "dout", count(info, {r.nidx, r.D}, "dout"));
  kernel<Kind::embedding_bwd>(info)(dw, dout, r.idx, r.nidx, r.D, pad);
  return undef(info);
}

Napi::Value kind_gather_rows(const Napi::CallbackInfo& info) {
  const Rows r = rows_args(info, 2, 3, "nIdx", "N");
  float* out = f32(info, 0, "out", count(info, {r.nidx, r.D}, "out"));
  const float* src = f32(info, 1, "src", count(info, {r.N, r.D}, "src"));
  kernel<Kind::gather_rows>(info)(out, src, r.idx, r.nidx, r.D);
  return undef(info);
}

Napi::Value kind_gather_rows_i32(const Napi::CallbackInfo& info) {
  const Rows r = rows_args(info, 2, 3, "nIdx", "N");
  int32_t* out = i32(info, 0, "out", count(info, {r.nidx, r.D}, "out"));
  const int32_t* src = i32(info, 1, "src", count(info, {r.N, r.D}, "src"));
  kernel<Kind::gather_rows_i32>(info)(out, src, r.idx, r.nidx, r.D);
  return undef(info);
}

Napi::Value kind_scatter_add_rows(const Napi::CallbackInfo& info) {
  const Rows r = rows_args(info, 2, 3, "nIdx", "N");
  float* dsrc = f32(info, 0, "dsrc", count(info, {r.N, r.D}, "dsrc"));
  const float* dout = f32(info, 1, "dout", count(info, {r.nidx, r.D}, "dout"));
  kernel<Kind::scatter_add_rows>(info)(dsrc, dout, r.idx, r.nidx, r.D);
  return undef(info);
}

}  // namespace ng::binding

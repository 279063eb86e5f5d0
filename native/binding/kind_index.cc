// Kind helpers for ops that read rows by index. The indices are scanned here (they address
// memory): every entry must lie in [0, rows).
//   embedding         embeddingForward(out, weight, indices, N, V, D)
//   embedding_bwd     embeddingBackward(dweight, dout, indices, N, V, D, paddingIdx)   (-1: none)
//   gather_rows       gatherRows(out, src, indices, nIdx, N, D)        Float32Array rows
//   gather_rows_i32   gatherRowsI32(out, src, indices, nIdx, N, D)     Int32Array rows
//   scatter_add_rows  scatterAddRows(dsrc, dout, indices, nIdx, N, D)  dsrc[indices[i]] += dout[i]
//   embedding_bag     embeddingBagForward(out, maxIdx, weight, indices, offsets, perSampleWeights, nIdx, B, V, D,
//                                         mode, paddingIdx)                      (text, issue 14)
//   embedding_bag_bwd embeddingBagBackward(dweight, dpsw, dout, weight, indices, offsets, perSampleWeights, maxIdx,
//                                          nIdx, B, V, D, mode, paddingIdx)
//                     maxIdx (B * D) is required for mode max (2) and null otherwise; perSampleWeights only
//                     for mode sum (0); dweight / dpsw may be null. offsets: the B bag starts, 0 first,
//                     non-decreasing, at most nIdx (the last bag ends at nIdx).
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

// ---- text (issue 14): EmbeddingBag --------------------------------------------------------

namespace {

int32_t* i32_or_null(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need) {
  Napi::Value v = info[i];
  if (is_nullish(v)) return nullptr;
  return i32(info, i, name, need);
}

// Geometry at info[first..first+5] (nIdx, B, V, D, mode, paddingIdx) and the checked
// indices / offsets (they address memory).
ops::BagGeom bag_geom(const Napi::CallbackInfo& info, size_t first, size_t at_idx, size_t at_off,
                      const int32_t** idx, const int32_t** off) {
  ops::BagGeom g;
  g.nidx = size_arg(info, first, "nIdx");
  g.B = size_arg(info, first + 1, "B");
  g.V = size_arg(info, first + 2, "V");
  g.D = size_arg(info, first + 3, "D");
  g.mode = static_cast<ops::BagMode>(int_in(info, first + 4, "mode", 0, 2));
  g.padding_idx = static_cast<int32_t>(int_in(info, first + 5, "paddingIdx", -1, g.V - 1));
  *idx = i32(info, at_idx, "indices", static_cast<size_t>(g.nidx));
  check_indices(info, *idx, g.nidx, g.V, "indices");
  *off = i32(info, at_off, "offsets", static_cast<size_t>(g.B));
  std::vector<int32_t> storage;
  const int32_t* o = host_view(*off, g.B, storage);
  auto fail = [&](int64_t b, const std::string& what) {
    throw Napi::RangeError::New(info.Env(), expected_msg(what, "offsets[" + std::to_string(b) + "]", std::to_string(o[b])));
  };
  if (g.B > 0 && o[0] != 0) fail(0, "0");
  for (int64_t b = 1; b < g.B; b++) {
    if (o[b] < o[b - 1] || o[b] > g.nidx) {
      fail(b, "integer in [" + std::to_string(o[b - 1]) + ", " + std::to_string(g.nidx) + "] (non-decreasing)");
    }
  }
  if (g.B == 0 && g.nidx != 0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("0 (no bags)", "nIdx", std::to_string(g.nidx)));
  }
  return g;
}

}  // namespace

Napi::Value kind_embedding_bag(const Napi::CallbackInfo& info) {
  const int32_t* idx;
  const int32_t* off;
  const ops::BagGeom g = bag_geom(info, 6, 3, 4, &idx, &off);
  const size_t no = count(info, {g.B, g.D}, "out");
  float* out = f32(info, 0, "out", no);
  int32_t* max_idx = g.mode == ops::BagMode::max ? i32(info, 1, "maxIdx", no) : nullptr;
  const float* w = f32(info, 2, "weight", count(info, {g.V, g.D}, "weight"));
  const float* psw = f32_or_null(info, 5, "perSampleWeights", static_cast<size_t>(g.nidx));
  if (psw && g.mode != ops::BagMode::sum) {
    throw Napi::TypeError::New(info.Env(), expected_msg("null (perSampleWeights need mode sum)", "perSampleWeights", "a Float32Array"));
  }
  kernel<Kind::embedding_bag>(info)(out, max_idx, w, idx, off, psw, g);
  return undef(info);
}

Napi::Value kind_embedding_bag_bwd(const Napi::CallbackInfo& info) {
  const int32_t* idx;
  const int32_t* off;
  const ops::BagGeom g = bag_geom(info, 8, 4, 5, &idx, &off);
  const size_t no = count(info, {g.B, g.D}, "dout");
  // maxIdx first: it holds row ids (checked here), and the nullable float arrays before it in
  // the argument list must not be mistaken for it.
  const int32_t* max_idx = nullptr;
  if (g.mode == ops::BagMode::max) {
    max_idx = i32(info, 7, "maxIdx", no);
    check_indices(info, max_idx, static_cast<int64_t>(no), g.V, "maxIdx", true, -1);
  } else {
    max_idx = i32_or_null(info, 7, "maxIdx", 0);
  }
  float* dw = f32_or_null(info, 0, "dweight", count(info, {g.V, g.D}, "dweight"));
  float* dpsw = f32_or_null(info, 1, "dpsw", static_cast<size_t>(g.nidx));
  const float* dout = f32(info, 2, "dout", no);
  const float* w = f32(info, 3, "weight", count(info, {g.V, g.D}, "weight"));
  const float* psw = f32_or_null(info, 6, "perSampleWeights", static_cast<size_t>(g.nidx));
  if ((psw || dpsw) && g.mode != ops::BagMode::sum) {
    throw Napi::TypeError::New(info.Env(), expected_msg("null (perSampleWeights need mode sum)", "perSampleWeights", "a Float32Array"));
  }
  kernel<Kind::embedding_bag_bwd>(info)(dw, dpsw, dout, w, idx, off, psw, max_idx, g);
  return undef(info);
}

}  // namespace ng::binding

// Kind helpers for attention (issue 14): the fused attention forward / backward and the
// strided batched GEMM. Each checks sizes, strides and that every array covers what the
// kernel reads or writes, then calls the backend's kernel.
//   attention      attentionForward(out, lse, q, k, v, mask|null, kpm|null,
//                                   B, H, Tq, Tk, D, ldq, ldk, ldv, ldo, scale, causal, causalOffset, maskPerHead)
//   attention_bwd  attentionBackward(dq|null, dk|null, dv|null, dout, q, k, v, out, lse, mask|null, kpm|null,
//                                    B, H, Tq, Tk, D, ldq, ldk, ldv, ldo, scale, causal, causalOffset, maskPerHead)
//                  q[b, i, h, :] = q[(b Tq + i) ldq + h D ...]; mask: (Tq, Tk) shared or (B H, Tq, Tk) with
//                  maskPerHead, additive; kpm: (B, Tk) additive; lse: (B, H, Tq)
//   bmm            bmm(transA, transB, B1, B2, M, N, K, alpha, A, sA1, sA2, lda, B, sB1, sB2, ldb,
//                      beta, C, sC1, sC2, ldc)       C_b = alpha op(A_b) op(B_b) + beta C_b per (b1, b2)
#include <string>

#include "binding/kind.h"

namespace ng::binding {

using ops::AttnGeom;
using ops::BmmGeom;
using ops::Kind;

namespace {

[[noreturn]] void range_error(const Napi::CallbackInfo& info, const std::string& what, const char* name,
                              const std::string& got) {
  throw Napi::RangeError::New(info.Env(), expected_msg(what, name, got));
}

// Elements spanned by `rows` rows of `width` values `ld` apart (0 when empty).
double rows_span(int64_t rows, int64_t width, int64_t ld) {
  if (rows == 0 || width == 0) return 0.0;
  return static_cast<double>(rows - 1) * static_cast<double>(ld) + static_cast<double>(width);
}

size_t need(const Napi::CallbackInfo& info, double n, const char* name) {
  if (n > 9007199254740991.0) range_error(info, "sizes whose product fits in 2^53", name, std::to_string(n));
  return static_cast<size_t>(n);
}

int64_t ld_at_least(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo) {  // bmm's leading dimensions
  const int64_t ld = int_arg(info, i, name, 0);
  if (ld < lo) range_error(info, "integer >= " + std::to_string(lo), name, std::to_string(ld));
  return ld;
}

// The geometry arguments starting at index i. The strides are checked against H * D after every
// argument is read (so a caller learns the argument order before the constraints between them).
AttnGeom attn_geom(const Napi::CallbackInfo& info, size_t i) {
  AttnGeom g;
  g.B = size_arg(info, i, "B");
  g.H = size_arg(info, i + 1, "H");
  g.Tq = size_arg(info, i + 2, "Tq");
  g.Tk = size_arg(info, i + 3, "Tk");
  g.D = size_arg(info, i + 4, "D");
  // The int64 products below (B Tq, B Tk, H D, Tq Tk) must not overflow: each checked in double.
  const auto fits = [&](int64_t a, int64_t b, const char* name) {
    const double p = static_cast<double>(a) * static_cast<double>(b);
    if (p > 9007199254740991.0) range_error(info, "sizes whose product fits in 2^53", name, std::to_string(p));
  };
  fits(g.B, g.Tq, "B * Tq");
  fits(g.B, g.Tk, "B * Tk");
  fits(g.H, g.D, "H * D");
  fits(g.Tq, g.Tk, "Tq * Tk");
  const char* ld_names[4] = {"ldq", "ldk", "ldv", "ldo"};
  int64_t* lds[4] = {&g.ldq, &g.ldk, &g.ldv, &g.ldo};
  for (int k = 0; k < 4; k++) *lds[k] = int_arg(info, i + 5 + k, ld_names[k], 0);
  g.scale = fnum(info, i + 9, "scale");
  g.causal = bool_arg(info, i + 10, "causal");
  const Napi::Value off = info[i + 11];
  if (!off.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg("integer", "causalOffset", describe_value(off)));
  const double od = off.As<Napi::Number>().DoubleValue();
  if (!(std::abs(od) <= 9007199254740991.0) || od != std::floor(od)) {
    range_error(info, "integer", "causalOffset", describe_value(off));
  }
  g.causal_offset = static_cast<int64_t>(od);
  g.mask_stride = bool_arg(info, i + 12, "maskPerHead") ? g.Tq * g.Tk : 0;
  const int64_t w = g.H * g.D;
  for (int k = 0; k < 4; k++) {
    if (*lds[k] < w) range_error(info, "integer >= " + std::to_string(w) + " (H * D)", ld_names[k], std::to_string(*lds[k]));
  }
  return g;
}

struct AttnArrays { size_t q, k, v, o, lse, mask, kpm; };

AttnArrays attn_sizes(const Napi::CallbackInfo& info, const AttnGeom& g) {
  AttnArrays n;
  n.q = need(info, rows_span(g.B * g.Tq, g.H * g.D, g.ldq), "q");
  n.k = need(info, rows_span(g.B * g.Tk, g.H * g.D, g.ldk), "k");
  n.v = need(info, rows_span(g.B * g.Tk, g.H * g.D, g.ldv), "v");
  n.o = need(info, rows_span(g.B * g.Tq, g.H * g.D, g.ldo), "out");
  n.lse = count(info, {g.B, g.H, g.Tq}, "lse");
  n.mask = g.mask_stride == 0 ? count(info, {g.Tq, g.Tk}, "mask") : count(info, {g.B, g.H, g.Tq, g.Tk}, "mask");
  n.kpm = count(info, {g.B, g.Tk}, "kpm");
  return n;
}

}  // namespace

Napi::Value kind_attention(const Napi::CallbackInfo& info) {
  const AttnGeom g = attn_geom(info, 7);
  const AttnArrays n = attn_sizes(info, g);
  float* out = f32(info, 0, "out", n.o);
  float* lse = f32(info, 1, "lse", n.lse);
  const float* q = f32(info, 2, "q", n.q);
  const float* k = f32(info, 3, "k", n.k);
  const float* v = f32(info, 4, "v", n.v);
  const float* mask = f32_or_null(info, 5, "mask", n.mask);
  const float* kpm = f32_or_null(info, 6, "kpm", n.kpm);
  kernel<Kind::attention>(info)(out, lse, q, k, v, mask, kpm, g);
  return undef(info);
}

Napi::Value kind_attention_bwd(const Napi::CallbackInfo& info) {
  const AttnGeom g = attn_geom(info, 11);
  const AttnArrays n = attn_sizes(info, g);
  float* dq = f32_or_null(info, 0, "dq", n.q);
  float* dk = f32_or_null(info, 1, "dk", n.k);
  float* dv = f32_or_null(info, 2, "dv", n.v);
  const float* dout = f32(info, 3, "dout", n.o);
  const float* q = f32(info, 4, "q", n.q);
  const float* k = f32(info, 5, "k", n.k);
  const float* v = f32(info, 6, "v", n.v);
  const float* out = f32(info, 7, "out", n.o);
  const float* lse = f32(info, 8, "lse", n.lse);
  const float* mask = f32_or_null(info, 9, "mask", n.mask);
  const float* kpm = f32_or_null(info, 10, "kpm", n.kpm);
  kernel<Kind::attention_bwd>(info)(dq, dk, dv, dout, q, k, v, out, lse, mask, kpm, g);
  return undef(info);
}

Napi::Value kind_bmm(const Napi::CallbackInfo& info) {
  BmmGeom g;
  g.transA = bool_arg(info, 0, "transA");
  g.transB = bool_arg(info, 1, "transB");
  g.B1 = size_arg(info, 2, "B1");
  g.B2 = size_arg(info, 3, "B2");
  g.M = size_arg(info, 4, "M");
  g.N = size_arg(info, 5, "N");
  g.K = size_arg(info, 6, "K");
  g.alpha = fnum(info, 7, "alpha");
  g.sA1 = size_arg(info, 9, "sA1");
  g.sA2 = size_arg(info, 10, "sA2");
  g.lda = ld_at_least(info, 11, "lda", std::max<int64_t>(1, g.transA ? g.M : g.K));
  g.sB1 = size_arg(info, 13, "sB1");
  g.sB2 = size_arg(info, 14, "sB2");
  g.ldb = ld_at_least(info, 15, "ldb", std::max<int64_t>(1, g.transB ? g.K : g.N));
  g.beta = fnum(info, 16, "beta");
  g.sC1 = size_arg(info, 18, "sC1");
  g.sC2 = size_arg(info, 19, "sC2");
  g.ldc = ld_at_least(info, 20, "ldc", std::max<int64_t>(1, g.N));
  // Elements each operand spans: the last product's start plus one matrix.
  auto span = [&](int64_t s1, int64_t s2, int64_t rows, int64_t cols, int64_t ld) {
    const double m = rows_span(rows, cols, ld);
    if (m == 0.0 || g.B1 == 0 || g.B2 == 0) return 0.0;
    return static_cast<double>(g.B1 - 1) * static_cast<double>(s1) + static_cast<double>(g.B2 - 1) * static_cast<double>(s2) + m;
  };
  const float* A = f32(info, 8, "A", need(info, g.transA ? span(g.sA1, g.sA2, g.K, g.M, g.lda) : span(g.sA1, g.sA2, g.M, g.K, g.lda), "A"));
  const float* B = f32(info, 12, "B", need(info, g.transB ? span(g.sB1, g.sB2, g.N, g.K, g.ldb) : span(g.sB1, g.sB2, g.K, g.N, g.ldb), "B"));
  float* C = f32(info, 17, "C", need(info, span(g.sC1, g.sC2, g.M, g.N, g.ldc), "C"));
  kernel<Kind::bmm>(info)(A, B, C, g);
  return undef(info);
}

}  // namespace ng::binding

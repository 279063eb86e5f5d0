// Kind helpers for pointwise and broadcasting binary ops (rows in native/ops/op_table.h).
//   pointwise      name(a0, a1, n, ...attrs)            a0 = f(a1), or a0 += f(a1) for gradients
//   pointwise_bwd  name(dx, saved, dout, n, ...attrs)   saved is x or out (the row says which)
//   binary         name(out, a, aShape, b, bShape)      shapes: JS arrays of <= 4 sizes
//   binary_bwd     name(da|null, db|null, dout, a|null, aShape, b|null, bShape)
//   compare        name(out, a, aShape, b, bShape, op)   float32 a, b; op: ops::CompareOp code
//   compare_i32    name(out, a, aShape, b, bShape, op)   int32 a, b
//   select         name(out, cond, a, b, n)
//   select_bwd     name(da|null, db|null, dout, cond, n)
//   cast_to_f32    name(out, x, n)                       x int32
//   cast_to_i32    name(out, x, n)                       out int32
#include <string>
#include <type_traits>

#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;

Attrs attrs_arg(const Napi::CallbackInfo& info, size_t at, size_t first) {
  const OpCall& c = op_call(info);
  Attrs a;
  for (size_t k = first; k < c.params.size() && k - first < kMaxAttrs; k++) {
    Napi::Value v = info[at + k - first];
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), expected_msg("number", c.param(k), describe_value(v)));
    a.v[k - first] = v.As<Napi::Number>().DoubleValue();
  }
  return a;
}

Napi::Value kind_pointwise(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  const size_t n = size_arg(info, 2, "n");
  const Attrs a = attrs_arg(info, 3, 2);
  float* out = f32(info, 0, c.param(0), n);
  const float* x = f32(info, 1, c.param(1), n);
  kernel<Kind::pointwise>(info)(out, x, static_cast<int64_t>(n), a.v);
  return undef(info);
}

Napi::Value kind_pointwise_bwd(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  const size_t n = size_arg(info, 3, "n");
  const Attrs a = attrs_arg(info, 4, 3);
  float* dx = f32(info, 0, c.param(0), n);
  const float* saved = f32(info, 1, c.param(1), n);
  const float* dout = f32(info, 2, c.param(2), n);
  kernel<Kind::pointwise_bwd>(info)(dx, saved, dout, static_cast<int64_t>(n), a.v);
  return undef(info);
}

namespace {

// Reads a shape array into 4 dims padded with leading 1s; returns its element count.
size_t shape_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t dims[4]) {
  Napi::Value v = info[i];
  const char* what = "array of at most 4 non-negative integers";
  if (!v.IsArray()) throw Napi::TypeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t r = arr.Length();
  if (r > 4) throw Napi::RangeError::New(info.Env(), expected_msg(what, name, describe_value(v)));
  for (int k = 0; k < 4; k++) dims[k] = 1;
  double numel = 1.0;
  for (uint32_t k = 0; k < r; k++) {
    Napi::Value e = arr.Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1.0;
    if (!(d >= 0.0) || d != std::floor(d) || d > 9007199254740991.0) {
      throw Napi::RangeError::New(info.Env(), expected_msg(what, name, "an array with " + describe_value(e) +
                                                                        " at position " + std::to_string(k)));
    }
    dims[4 - r + k] = static_cast<int64_t>(d);
    numel *= d;
  }
  if (numel > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("sizes whose product fits in 2^53", name, describe_value(v)));
  }
  return static_cast<size_t>(numel);
}

std::string shape_str(const int64_t d[4]) {
  return "[" + std::to_string(d[0]) + ", " + std::to_string(d[1]) + ", " + std::to_string(d[2]) + ", " +
         std::to_string(d[3]) + "]";
}

// Both shapes and the broadcast output size (the kernel indexes by these shapes, so a
// mismatch here would read out of bounds: this check protects memory).
struct Broadcast { int64_t as[4], bs[4]; size_t na, nb, no; };

Broadcast broadcast_args(const Napi::CallbackInfo& info, size_t a_shape, size_t b_shape) {
  Broadcast s;
  s.na = shape_arg(info, a_shape, "aShape", s.as);
  s.nb = shape_arg(info, b_shape, "bShape", s.bs);
  int64_t os[4];
  for (int k = 0; k < 4; k++) {
    const int64_t x = s.as[k], y = s.bs[k];
    if (x != y && x != 1 && y != 1) {
      throw Napi::RangeError::New(info.Env(), expected_msg("shapes that broadcast", "aShape and bShape",
                                                           shape_str(s.as) + " and " + shape_str(s.bs)));
    }
    os[k] = x == 1 ? y : x;
  }
  // In double: a zero-size dimension lets the others be as large as 2^53 (the product of the
  // rest would overflow int64).
  double no = 1.0;
  for (int k = 0; k < 4; k++) no *= static_cast<double>(os[k]);
  if (no > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("shapes whose broadcast fits in 2^53 elements", "aShape and bShape",
                                                         shape_str(s.as) + " and " + shape_str(s.bs)));
  }
  s.no = static_cast<size_t>(no);
  return s;
}

}  // namespace

Napi::Value kind_binary(const Napi::CallbackInfo& info) {
  const Broadcast s = broadcast_args(info, 2, 4);
  float* out = f32(info, 0, "out", s.no);
  const float* a = f32(info, 1, "a", s.na);
  const float* b = f32(info, 3, "b", s.nb);
  // An empty result: nothing to compute. (The kernel would still walk the other dimensions,
  // which may be as large as 2^53: a fuzzer-found hang with shapes like [2, 2^53 - 1, 4, 0].)
  if (s.no == 0) return undef(info);
  kernel<Kind::binary>(info)(out, a, s.as, b, s.bs);
  return undef(info);
}

// params name the inputs the gradient reads ("a,b" for mul and div): those are required.
Napi::Value kind_binary_bwd(const Napi::CallbackInfo& info) {
  const bool needs_inputs = !op_call(info).params.empty();
  const Broadcast s = broadcast_args(info, 4, 6);
  float* da = f32_or_null(info, 0, "da", s.na);
  float* db = f32_or_null(info, 1, "db", s.nb);
  const float* dout = f32(info, 2, "dout", s.no);
  const float* a = needs_inputs ? f32(info, 3, "a", s.na) : f32_or_null(info, 3, "a", s.na);
  const float* b = needs_inputs ? f32(info, 5, "b", s.nb) : f32_or_null(info, 5, "b", s.nb);
  // An empty result reaches the kernel too: the accumulating ones do nothing, the writing ones
  // (addBackwardInit, addReluBackwardInit) zero da / db (both backends check numel first).
  kernel<Kind::binary_bwd>(info)(da, db, dout, a, s.as, b, s.bs);
  return undef(info);
}

namespace {

ops::CompareOp compare_op_arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<ops::CompareOp>(int_in(info, i, "op", 0, ops::kCompareCount - 1));
}

// A typed array of T (float32 or int32) with at least n elements.
template <class T>
T* elements(const Napi::CallbackInfo& info, size_t i, const char* name, size_t n) {
  if constexpr (std::is_same_v<T, float>) return f32(info, i, name, n);
  else return i32(info, i, name, n);
}

}  // namespace

// compare and compare_i32: the same arguments over float32 or int32 operands.
template <Kind K, class T>
Napi::Value compare_kind(const Napi::CallbackInfo& info) {
  const Broadcast s = broadcast_args(info, 2, 4);
  const ops::CompareOp op = compare_op_arg(info, 5);
  float* out = f32(info, 0, "out", s.no);
  const T* a = elements<T>(info, 1, "a", s.na);
  const T* b = elements<T>(info, 3, "b", s.nb);
  if (s.no == 0) return undef(info);  // as kind_binary: no walk over the other (huge) dimensions
  kernel<K>(info)(out, a, s.as, b, s.bs, op);
  return undef(info);
}

Napi::Value kind_compare(const Napi::CallbackInfo& info) { return compare_kind<Kind::compare, float>(info); }
Napi::Value kind_compare_i32(const Napi::CallbackInfo& info) { return compare_kind<Kind::compare_i32, int32_t>(info); }

Napi::Value kind_select(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 4, "n");
  float* out = f32(info, 0, "out", n);
  const float* cond = f32(info, 1, "cond", n);
  const float* a = f32(info, 2, "a", n);
  const float* b = f32(info, 3, "b", n);
  kernel<Kind::select>(info)(out, cond, a, b, static_cast<int64_t>(n));
  return undef(info);
}

Napi::Value kind_select_bwd(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 4, "n");
  float* da = f32_or_null(info, 0, "da", n);
  float* db = f32_or_null(info, 1, "db", n);
  const float* dout = f32(info, 2, "dout", n);
  const float* cond = f32(info, 3, "cond", n);
  kernel<Kind::select_bwd>(info)(da, db, dout, cond, static_cast<int64_t>(n));
  return undef(info);
}

// cast_to_f32 (int32 -> float32) and cast_to_i32 (float32 -> int32): out of Out, x of In.
template <Kind K, class Out, class In>
Napi::Value cast_kind(const Napi::CallbackInfo& info) {
  const size_t n = size_arg(info, 2, "n");
  Out* out = elements<Out>(info, 0, "out", n);
  const In* x = elements<In>(info, 1, "x", n);
  kernel<K>(info)(out, x, static_cast<int64_t>(n));
  return undef(info);
}

Napi::Value kind_cast_to_f32(const Napi::CallbackInfo& info) { return cast_kind<Kind::cast_to_f32, float, int32_t>(info); }
Napi::Value kind_cast_to_i32(const Napi::CallbackInfo& info) { return cast_kind<Kind::cast_to_i32, int32_t, float>(info); }

}  // namespace ng::binding

// Comparisons, where and casts (masks.h). Comparisons share the binary ops' broadcasting loop
// (broadcast.h); the rest are flat loops the compiler vectorizes.
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/masks.h"

#include "cpu/ops/broadcast.h"
#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {

template <CompareOp OP, class T>
inline float holds(T a, T b) {
  if constexpr (OP == CompareOp::eq) return a == b ? 1.0f : 0.0f;
  else if constexpr (OP == CompareOp::ne) return a != b ? 1.0f : 0.0f;
  else if constexpr (OP == CompareOp::lt) return a < b ? 1.0f : 0.0f;
  else if constexpr (OP == CompareOp::le) return a <= b ? 1.0f : 0.0f;
  else if constexpr (OP == CompareOp::gt) return a > b ? 1.0f : 0.0f;
  else return a >= b ? 1.0f : 0.0f;
}

template <class T>
void compare(float* out, const T* a, const int64_t a_shape[4], const T* b, const int64_t b_shape[4], CompareOp op) {
  const BroadcastGeom g = make_broadcast_geom(a_shape, b_shape);
  if (g.numel == 0) return;
  switch (op) {
#define NG_CMP(name) \
  case CompareOp::name: broadcast_map(out, a, b, g, [](T x, T y) { return holds<CompareOp::name>(x, y); }); break;
    NG_CMP(eq) NG_CMP(ne) NG_CMP(lt) NG_CMP(le) NG_CMP(gt) NG_CMP(ge)
#undef NG_CMP
  }
}

}  // namespace

void compare_f32(float* out, const float* a, const int64_t a_shape[4], const float* b, const int64_t b_shape[4],
                 CompareOp op) {
  compare(out, a, a_shape, b, b_shape, op);
}

void compare_i32(float* out, const int32_t* a, const int64_t a_shape[4], const int32_t* b,
                 const int64_t b_shape[4], CompareOp op) {
  compare(out, a, a_shape, b, b_shape, op);
}

void where_forward(float* out, const float* cond, const float* a, const float* b, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = cond[i] != 0.0f ? a[i] : b[i]; });
}

void where_backward(float* da, float* db, const float* dout, const float* cond, int64_t n) {
  if (da && db) {  // both gradients in one pass over cond and dout
    parallel_for(n, n >= kParallelMin, [=](int64_t i) {
      const bool take_a = cond[i] != 0.0f;
      da[i] += take_a ? dout[i] : 0.0f;
      db[i] += take_a ? 0.0f : dout[i];
    });
  } else if (da) {
    parallel_for(n, n >= kParallelMin, [=](int64_t i) { da[i] += cond[i] != 0.0f ? dout[i] : 0.0f; });
  } else if (db) {
    parallel_for(n, n >= kParallelMin, [=](int64_t i) { db[i] += cond[i] != 0.0f ? 0.0f : dout[i]; });
  }
}

void cast_i32_to_f32(float* out, const int32_t* x, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = static_cast<float>(x[i]); });
}

void cast_f32_to_i32(int32_t* out, const float* x, int64_t n) {
  // 2^31 is exact in float; every float below it converts without overflow.
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float v = x[i];
    out[i] = v != v ? 0 : v >= 2147483648.0f ? INT32_MAX : v < -2147483648.0f ? INT32_MIN : static_cast<int32_t>(v);
  });
}

}  // namespace ng::cpu

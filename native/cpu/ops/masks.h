// Masks and dtype casts on contiguous tensors:
//   - comparisons (eq, ne, lt, le, gt, ge) of float32 or int32 operands with NumPy broadcasting
//     (rank <= 4), written as float32 1 / 0,
//   - where: out = cond != 0 ? a : b, and its backward,
//   - casts int32 <-> float32.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

using ops::CompareOp;

// out: broadcast(a_shape, b_shape), a: a_shape, b: b_shape (padded to 4 dims).
void compare_f32(float* out, const float* a, const int64_t a_shape[4], const float* b, const int64_t b_shape[4],
                 CompareOp op);
void compare_i32(float* out, const int32_t* a, const int64_t a_shape[4], const int32_t* b,
                 const int64_t b_shape[4], CompareOp op);

// out, cond, a, b: (n,). out = cond != 0 ? a : b (a NaN cond counts as true, as != 0 holds).
void where_forward(float* out, const float* cond, const float* a, const float* b, int64_t n);
// da += cond != 0 ? dout : 0, db += cond != 0 ? 0 : dout; either may be null.
void where_backward(float* da, float* db, const float* dout, const float* cond, int64_t n);

// int32 -> float32 (round to nearest even above 2^24, as a C conversion).
void cast_i32_to_f32(float* out, const int32_t* x, int64_t n);
// float32 -> int32 toward zero; NaN -> 0, beyond the int32 range -> INT32_MIN / INT32_MAX.
void cast_f32_to_i32(int32_t* out, const float* x, int64_t n);

}  // namespace ng::cpu

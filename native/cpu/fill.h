// Whole-buffer fills used by tensor creation.
#pragma once
#include <cstdint>

namespace ng::cpu {

void fill_f32(float* out, int64_t n, float value);
void fill_i32(int32_t* out, int64_t n, int32_t value);
// out[i] = start + i * step
void arange_f32(float* out, int64_t n, double start, double step);
// out: (n, m) identity-like matrix, ones on the main diagonal
void eye_f32(float* out, int64_t n, int64_t m);

}  // namespace ng::cpu

#include "cpu/fill.h"

#include <cstring>

#include "core/parallel.h"

namespace ng::cpu {

namespace {
// Fills are memory-bound: below this many elements one thread saturates bandwidth.
constexpr int64_t kFillParallelMin = 1 << 18;
}

void fill_f32(float* out, int64_t n, float value) {
  parallel_for(n, n >= kFillParallelMin, [=](int64_t i) { out[i] = value; });
}

void fill_i32(int32_t* out, int64_t n, int32_t value) {
  parallel_for(n, n >= kFillParallelMin, [=](int64_t i) { out[i] = value; });
}

void arange_f32(float* out, int64_t n, double start, double step) {
  parallel_for(n, n >= kFillParallelMin, [=](int64_t i) { out[i] = static_cast<float>(start + static_cast<double>(i) * step); });
}

void eye_f32(float* out, int64_t n, int64_t m) {
  // out: (n, m)
  std::memset(out, 0, static_cast<size_t>(n * m) * sizeof(float));
  int64_t d = n < m ? n : m;
  for (int64_t i = 0; i < d; i++) out[i * m + i] = 1.0f;
}

}  // namespace ng::cpu

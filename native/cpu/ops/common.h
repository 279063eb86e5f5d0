// Shared helpers for the CPU op kernels: the parallel threshold, reduction codes, a
// deterministic chunked sum, and small vectorizable math (exp, sigmoid) that the compiler can
// auto-vectorize at -march=x86-64-v2 (libm's expf is not vectorized without -ffast-math).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/parallel.h"
#include "ops/kinds.h"


namespace ng::cpu {

using ng::parallel_for;

// Loops over fewer elements than this stay on one thread (parallel regions cost microseconds).
constexpr int64_t kParallelMin = 1 << 15;

// Loss reductions (shared by every backend: native/ops/kinds.h).
using Reduction = ng::ops::Reduction;

// Sum of f(i0, i1) over fixed chunks of [0, n), added in chunk order. Chunk boundaries depend
// only on n and cost, so the result is bit-identical for any thread count. f returns a double.
// cost: rough work per item (e.g. the row length when items are rows).
template <class F>
double chunked_sum(int64_t n, const F& f, int64_t cost = 1) {
  constexpr int kMaxChunks = 64;
  cost = std::max<int64_t>(cost, 1);
  const int64_t min_chunk = std::max<int64_t>(1, 4096 / cost);
  const int64_t chunk = std::max<int64_t>(min_chunk, (n + kMaxChunks - 1) / kMaxChunks);
  const int nchunks = static_cast<int>((n + chunk - 1) / chunk);
  double part[kMaxChunks];
  parallel_for(nchunks, n * cost >= kParallelMin, [&](int64_t c) {
    const int64_t i0 = c * chunk, i1 = std::min(n, i0 + chunk);
    part[c] = f(i0, i1);
  });
  double s = 0.0;
  for (int c = 0; c < nchunks; c++) s += part[c];
  return s;
}

NG_ALWAYS_INLINE float bits_to_float(int32_t b) { float f; std::memcpy(&f, &b, 4); return f; }

// exp(x) with ~1 ulp error over the float range (Cephes polynomial), branch-free so loops
// that call it vectorize. Returns 0 below -87.33 (instead of denormals) and +inf above 88.72.
NG_ALWAYS_INLINE float exp_fast(float x) {
  float xc = x < -87.33654f ? -87.33654f : x;  // value selects (not std::min/max references)
  xc = xc > 88.72283f ? 88.72283f : xc;       // so that gcc if-converts and vectorizes
  // round(xc * log2(e)) with the 1.5 * 2^23 trick (exact for |v| < 2^22)
  const float t = xc * 1.44269504088896341f + 12582912.0f;
  const float n = t - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // The shift is done unsigned: for a NaN input the exponent is negative and a signed left
  // shift of it is undefined (UBSan finding); the bits are the same and NaN still comes out.
  const float scale = bits_to_float(static_cast<int32_t>(static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23));
  float y = p * scale;
  y = x < -87.33654f ? 0.0f : y;
  y = x > 88.72283f ? INFINITY : y;
  return y;
}

// Numerically stable logistic function (no overflow for any x).
NG_ALWAYS_INLINE float sigmoid_fast(float x) {
  const float e = exp_fast(-std::fabs(x));  // in (0, 1]
  const float inv = 1.0f / (1.0f + e);
  return x >= 0.0f ? inv : e * inv;
}

// tanh with ~2 ulp error (the Cephes tanhf scheme): odd polynomial for |x| < 0.625, else
// 1 - 2 / (exp(2|x|) + 1) with the sign restored. Branch-free (both sides computed) so that
// loops calling it vectorize; libm's tanhf is ~50 ns per call here.
NG_ALWAYS_INLINE float tanh_fast(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = x + x * z * p;
  const float e = exp_fast(2.0f * a);
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0.0f ? -big : big;
  return a < 0.625f ? small : big;
}

// One gradient element's update by a backward kernel: dst += v, or (init: the gradient's first
// producer writes it, see lib/autograd/engine.ts) dst = v + 0, the bits of adding v into a
// zero-filled buffer (-0 becomes +0).
NG_ALWAYS_INLINE void grad_put(float& dst, float v, bool init) { dst = init ? v + 0.0f : dst + v; }

// Sum / dot / max of a float row with 8 independent accumulators (vectorizes without
// -ffast-math; the summation order is fixed, so results are deterministic).
NG_ALWAYS_INLINE float row_sum(const float* x, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += x[i + k];
  float s = 0.0f;
  for (; i < n; i++) s += x[i];
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}
NG_ALWAYS_INLINE float row_dot(const float* x, const float* y, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += x[i + k] * y[i + k];
  float s = 0.0f;
  for (; i < n; i++) s += x[i] * y[i];
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}
// Maximum of a non-empty row (NaNs are skipped; callers propagate them through exp).
NG_ALWAYS_INLINE float row_max(const float* x, int64_t n) {
  float acc[8];
  for (int k = 0; k < 8; k++) acc[k] = -INFINITY;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] = x[i + k] > acc[k] ? x[i + k] : acc[k];
  float m = -INFINITY;
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  for (int k = 0; k < 8; k++) m = acc[k] > m ? acc[k] : m;
  return m;
}

}  // namespace ng::cpu

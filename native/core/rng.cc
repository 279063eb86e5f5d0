#include "core/rng.h"

#include <cmath>

#include "core/parallel.h"

namespace ng {

namespace {
constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

inline uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

// Top 24 bits -> [0, 1).
inline float to_unit(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
constexpr int64_t kRngParallelMin = 1 << 16;
}  // namespace

Philox4 philox4x32(uint64_t seed, uint64_t ctr) {
  uint32_t c0 = static_cast<uint32_t>(ctr), c1 = static_cast<uint32_t>(ctr >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(kMul0, c0, &hi0);
    uint32_t lo1 = mulhilo(kMul1, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += kW0; k1 += kW1;
  }
  return Philox4{{c0, c1, c2, c3}};
}

float rng_uniform_at(uint64_t seed, uint64_t pos) {
  Philox4 r = philox4x32(seed, pos >> 2);
  return to_unit(r.v[pos & 3]);
}

void rng_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset, float lo, float hi) {
  // out: (n,)
  const float span = hi - lo;
  parallel_for(n, n >= kRngParallelMin, [=](int64_t i) {
    float u = rng_uniform_at(seed, offset + static_cast<uint64_t>(i));
    float v = lo + span * u;
    out[i] = v < hi ? v : lo;  // guard rounding up to hi
  });
}

void rng_normal(float* out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std) {
  // out: (n,). Position p uses the Philox block of p: words (0,1) give a pair, (2,3) another.
  parallel_for(n, n >= kRngParallelMin, [=](int64_t i) {
    uint64_t pos = offset + static_cast<uint64_t>(i);
    Philox4 r = philox4x32(seed, pos >> 1);
    uint32_t a = r.v[0], b = r.v[1];
    // u1 in (0, 1] so log never sees 0.
    double u1 = (static_cast<double>(a >> 8) + 1.0) * (1.0 / 16777216.0);
    double u2 = static_cast<double>(b >> 8) * (1.0 / 16777216.0);
    double rad = std::sqrt(-2.0 * std::log(u1));
    double ang = 6.283185307179586 * u2;
    double z = (pos & 1) ? rad * std::sin(ang) : rad * std::cos(ang);
    out[i] = static_cast<float>(mean + std * z);
  });
}

}  // namespace ng

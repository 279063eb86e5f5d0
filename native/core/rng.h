// Counter-based random numbers (Philox4x32-10). Element i of a stream is a pure function of
// (seed, offset + i), so results are identical for any thread count and any chunking.
// The JS layer owns the stream position: every random call takes (seed, offset) and the JS
// side advances its offset by the number of values drawn.
#pragma once
#include <cstdint>

namespace ng {

struct Philox4 { uint32_t v[4]; };

// Four 32-bit random words for counter `ctr` under key `seed`.
Philox4 philox4x32(uint64_t seed, uint64_t ctr);

// out[i] = uniform in [lo, hi) for stream positions offset .. offset+n-1.
void rng_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset, float lo, float hi);
// out[i] = mean + std * N(0,1) (Box-Muller on position pairs).
void rng_normal(float* out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std);
// Uniform [0,1) float of stream position `pos` (for kernels such as dropout that draw per element).
float rng_uniform_at(uint64_t seed, uint64_t pos);

}  // namespace ng

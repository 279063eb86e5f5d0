// Axis permutation of a contiguous tensor (x.permute(...)): rank <= ops::kMaxPermuteRank.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

// out (the permuted shape) = x (g.dims) with output axis k taken from input axis g.perm[k].
void permute_forward(float* out, const float* x, const ops::PermuteGeom& g);
// dx (g.dims) += dout (the permuted shape) put back in place.
void permute_backward(float* dx, const float* dout, const ops::PermuteGeom& g);

}  // namespace ng::cpu

// How a permutation walks its output (shared by the CPU and CUDA permute kernels): output axes
// that stay neighbours in the input are merged, dropping size-1 axes, into r axes of sizes d and
// input strides s (r = 0 for a single element). Plain C++: no backend code.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::ops {

struct PermuteWalk {
  int r = 0;
  int64_t d[kMaxPermuteRank] = {};
  int64_t s[kMaxPermuteRank] = {};
  int64_t numel = 1;
};

inline PermuteWalk make_permute_walk(const PermuteGeom& g) {
  int64_t stride[kMaxPermuteRank];
  int64_t acc = 1;
  for (int k = g.rank - 1; k >= 0; k--) {
    stride[k] = acc;
    acc *= g.dims[k];
  }
  PermuteWalk w;
  for (int k = 0; k < g.rank; k++) {
    const int64_t size = g.dims[g.perm[k]], st = stride[g.perm[k]];
    w.numel *= size;
    if (size == 1) continue;
    if (w.r > 0 && w.s[w.r - 1] == st * size) {  // continues the previous axis in the input
      w.d[w.r - 1] *= size;
      w.s[w.r - 1] = st;
    } else {
      w.d[w.r] = size;
      w.s[w.r] = st;
      w.r++;
    }
  }
  return w;
}

}  // namespace ng::ops

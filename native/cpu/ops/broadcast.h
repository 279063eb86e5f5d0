// NumPy broadcasting of two operands of rank <= 4 (shapes padded on the left with 1s), shared by
// the binary ops (elementwise.cc) and the comparisons (masks.cc). Shapes are first collapsed
// (size-1 output dims dropped, neighbouring dims with the same broadcast pattern merged), so
// most cases become a flat loop, a row-vector or a column-vector loop; the rest is a strided
// loop over <= 4 dims.
#pragma once
#include <cstdint>

#include "cpu/ops/common.h"
#include "cpu/ops/elementwise.h"

namespace ng::cpu {

// Collapsed broadcast geometry: rank r <= 4, out dims, element strides of a and b (0 where
// broadcast), contiguous strides of out.
struct BroadcastGeom {
  int r = 0;
  int64_t dim[4] = {1, 1, 1, 1};
  int64_t sa[4] = {0, 0, 0, 0};
  int64_t sb[4] = {0, 0, 0, 0};
  int64_t numel = 1;
};

// a_shape and b_shape must broadcast (broadcast_shape() true; the bindings check it).
inline BroadcastGeom make_broadcast_geom(const int64_t a_shape[4], const int64_t b_shape[4]) {
  int64_t o[4];
  broadcast_shape(o, a_shape, b_shape);
  // Dims that survive (out dim > 1) with flags "a full", "b full".
  int64_t d[4];
  bool fa[4], fb[4];
  int r = 0;
  for (int k = 0; k < 4; k++) {
    if (o[k] == 1) continue;
    const bool af = a_shape[k] == o[k], bf = b_shape[k] == o[k];
    if (r > 0 && fa[r - 1] == af && fb[r - 1] == bf) {
      d[r - 1] *= o[k];
    } else {
      d[r] = o[k]; fa[r] = af; fb[r] = bf; r++;
    }
  }
  BroadcastGeom g;
  g.r = r;
  int64_t stra = 1, strb = 1;
  for (int k = r - 1; k >= 0; k--) {
    g.dim[k] = d[k];
    g.sa[k] = fa[k] ? stra : 0;
    g.sb[k] = fb[k] ? strb : 0;
    if (fa[k]) stra *= d[k];
    if (fb[k]) strb *= d[k];
    g.numel *= d[k];
  }
  // Left-align into 4 dims: pad leading dims of size 1.
  if (r < 4) {
    const int sh = 4 - r;
    for (int k = 3; k >= 0; k--) {
      if (k >= sh) { g.dim[k] = g.dim[k - sh]; g.sa[k] = g.sa[k - sh]; g.sb[k] = g.sb[k - sh]; }
      else { g.dim[k] = 1; g.sa[k] = 0; g.sb[k] = 0; }
    }
  }
  return g;
}

// out[i] = f(a[...], b[...]) over the broadcast output (contiguous), in parallel above
// kParallelMin elements.
template <class T, class F>
void broadcast_map(float* out, const T* a, const T* b, const BroadcastGeom& g, F f) {
  const int64_t n3 = g.dim[3], sa3 = g.sa[3], sb3 = g.sb[3];
  const int64_t outer = g.dim[0] * g.dim[1] * g.dim[2];
  parallel_for(outer, g.numel >= kParallelMin, [=](int64_t o) {
    const int64_t i2 = o % g.dim[2], i1 = (o / g.dim[2]) % g.dim[1], i0 = o / (g.dim[2] * g.dim[1]);
    const T* ap = a + i0 * g.sa[0] + i1 * g.sa[1] + i2 * g.sa[2];
    const T* bp = b + i0 * g.sb[0] + i1 * g.sb[1] + i2 * g.sb[2];
    float* op = out + o * n3;
    if (sa3 == 1 && sb3 == 1) {
      for (int64_t i = 0; i < n3; i++) op[i] = f(ap[i], bp[i]);
    } else if (sa3 == 1) {
      const T bv = bp[0];
      for (int64_t i = 0; i < n3; i++) op[i] = f(ap[i], bv);
    } else if (sb3 == 1) {
      const T av = ap[0];
      for (int64_t i = 0; i < n3; i++) op[i] = f(av, bp[i]);
    } else {
      const float v = f(ap[0], bp[0]);
      for (int64_t i = 0; i < n3; i++) op[i] = v;
    }
  });
}

}  // namespace ng::cpu
